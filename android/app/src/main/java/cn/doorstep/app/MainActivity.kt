package cn.doorstep.app

import android.os.Build
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.WindowInsets
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawing
import androidx.compose.foundation.layout.windowInsetsPadding
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import cn.doorstep.app.platform.AndroidCamera
import cn.doorstep.app.platform.AndroidLocationSource
import cn.doorstep.app.platform.BitmapImageDecoder
import cn.doorstep.app.platform.PermissionGate
import cn.doorstep.app.platform.WorkManagerSyncScheduler
import cn.doorstep.app.platform.androidSystemBack
import cn.doorstep.app.platform.capturesDirectory
import cn.doorstep.core.Doorstep
import cn.doorstep.core.DoorstepException
import cn.doorstep.platform.LocalImageDecoder
import cn.doorstep.platform.PendingCaptures
import cn.doorstep.platform.Platform
import cn.doorstep.ui.app.DoorstepApp
import cn.doorstep.ui.theme.DoorstepTheme
import cn.doorstep.ui.theme.LocalText
import cn.doorstep.ui.theme.text
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.security.GeneralSecurityException

/**
 * The app's one activity: opens the core off the main thread and shows the
 * shared Compose app over it, with the Android implementations of the
 * platform services. Everything the screens decide comes from the core.
 */
class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        enableEdgeToEdge()
        super.onCreate(savedInstanceState)
        // The result launchers inside must be registered before the activity starts.
        val permissions = PermissionGate(this)
        val platform = Platform(
            location = AndroidLocationSource(this, permissions),
            camera = AndroidCamera(this, permissions),
            captures = PendingCaptures(capturesDirectory(this)),
            network = AppServices.network(this),
            syncScheduler = WorkManagerSyncScheduler(this),
        )
        val deviceName = "${Build.MANUFACTURER} ${Build.MODEL}"
        setContent {
            var opened by remember { mutableStateOf<Opened?>(null) }
            LaunchedEffect(Unit) {
                opened = withContext(Dispatchers.IO) { openCore() }
            }
            CompositionLocalProvider(LocalImageDecoder provides BitmapImageDecoder) {
                // Clear of the status bar, the navigation bar and the keyboard (edge to edge on Android 15).
                Box(Modifier.fillMaxSize().windowInsetsPadding(WindowInsets.safeDrawing)) {
                    when (val o = opened) {
                        null -> Unit
                        is Opened.Ready -> DoorstepApp(o.core, platform, deviceName, AppServices.dataChanges, androidSystemBack)
                        is Opened.Failed -> DoorstepTheme { CannotOpen(o.reason) }
                    }
                }
            }
        }
    }

    private fun openCore(): Opened = try {
        Opened.Ready(AppServices.core(applicationContext))
    } catch (e: DoorstepException) {
        Opened.Failed(e.text())
    } catch (e: GeneralSecurityException) {
        Opened.Failed(
            LocalText(
                "无法读取本机保存的数据库密钥，数据没有被改动。请联系管理员。",
                "The phone's key store could not unlock the data. Nothing was changed; please contact your administrator.",
            ),
        )
    }
}

/** Whether the core opened over the encrypted store. */
private sealed interface Opened {
    class Ready(val core: Doorstep) : Opened
    class Failed(val reason: LocalText) : Opened
}

/**
 * Why the app cannot open its data (never personal data), in Chinese and in
 * English: the worker's language choice is kept in the store that did not open.
 */
@Composable
private fun CannotOpen(reason: LocalText) {
    Box(Modifier.fillMaxSize().padding(24.dp), contentAlignment = Alignment.Center) {
        Text(reason.zh + "\n\n" + reason.en)
    }
}
