//! Runtime permissions, asked for at the moment a feature needs them (the
//! door check asks for location when it starts, not the app at launch).
package cn.doorstep.app.platform

import android.content.Context
import android.content.pm.PackageManager
import androidx.activity.ComponentActivity
import androidx.activity.result.contract.ActivityResultContracts
import androidx.core.content.ContextCompat
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext

/** Runtime permissions as the platform services ask for them. */
interface Permissions {
    /** Whether every one of [permissions] is granted now. */
    fun granted(vararg permissions: String): Boolean

    /**
     * Asks for those of [permissions] not granted yet and returns, once the
     * worker answered, whether [needed] is granted (a permission she may
     * refuse while granting [needed], such as coarse location beside fine,
     * can be in [permissions] and not in [needed]).
     */
    suspend fun request(permissions: Array<String>, needed: String): Boolean
}

/**
 * Asks the worker for permissions through the system dialog. Made in the
 * activity's `onCreate` (the result launcher must be registered before the
 * activity starts). One dialog at a time; a result that arrives after the
 * process was recreated finds nobody waiting and is dropped, since the screen
 * that asked asks again.
 */
class PermissionGate(activity: ComponentActivity) : Permissions {
    private val context: Context = activity.applicationContext
    private val oneAtATime = Mutex()
    private var waiting: CompletableDeferred<Unit>? = null
    private val launcher = activity.registerForActivityResult(ActivityResultContracts.RequestMultiplePermissions()) {
        waiting?.complete(Unit)
        waiting = null
    }

    override fun granted(vararg permissions: String): Boolean = permissions.all {
        ContextCompat.checkSelfPermission(context, it) == PackageManager.PERMISSION_GRANTED
    }

    override suspend fun request(permissions: Array<String>, needed: String): Boolean {
        oneAtATime.withLock {
            if (granted(needed)) return true
            withContext(Dispatchers.Main.immediate) {
                val answered = CompletableDeferred<Unit>()
                waiting = answered
                launcher.launch(permissions)
                answered.await()
            }
        }
        return granted(needed)
    }
}
