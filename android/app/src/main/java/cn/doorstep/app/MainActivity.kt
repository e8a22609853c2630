package cn.doorstep.app

import android.os.Bundle
import android.widget.TextView
import androidx.appcompat.app.AppCompatActivity
import androidx.lifecycle.lifecycleScope
import cn.doorstep.core.Doorstep
import cn.doorstep.core.DoorstepException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * The first screen: opens the core and shows who is signed in and what waits
 * to be sent. Only rendering happens here; the screens of the surface
 * (households, the visit form from `visitScreen`, sync) follow the same shape.
 */
class MainActivity : AppCompatActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val status = TextView(this).apply { textSize = 18f }
        setContentView(status)
        lifecycleScope.launch {
            status.text = withContext(Dispatchers.IO) {
                try {
                    val core = Doorstep.open(filesDir.path, DatabaseKey.get(applicationContext))
                    val account = core.currentAccount()
                    val outbox = core.outboxStatus()
                    (account?.displayName ?: "未登录") + "\n待发送：" + outbox.pending
                } catch (e: DoorstepException) {
                    // Carries the code and the zh/en messages, never personal data.
                    e.message ?: "error"
                }
            }
        }
    }
}
