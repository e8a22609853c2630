//! What the activity and the background sync share in one process: the core
//! opened once over the encrypted store, the network monitor, and the word
//! that a background sync changed the data the screens show.
package cn.doorstep.app

import android.content.Context
import cn.doorstep.app.platform.AndroidDatabaseKeyStore
import cn.doorstep.app.platform.AndroidNetworkMonitor
import cn.doorstep.core.Doorstep
import cn.doorstep.core.DoorstepException
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.flow.asSharedFlow
import java.security.GeneralSecurityException

/** The process's core and network monitor, made on first use. */
object AppServices {
    private var core: Doorstep? = null
    private var network: AndroidNetworkMonitor? = null
    private val changes = MutableSharedFlow<Unit>(extraBufferCapacity = 8)

    /** Emits after each background sync run, for the screens to read the core again. */
    val dataChanges: SharedFlow<Unit> = changes.asSharedFlow()

    /** Says that a background sync ran (heard only while the screens are up). */
    fun dataChanged() {
        changes.tryEmit(Unit)
    }

    /**
     * The core over the store in the app's private files, opened with the
     * Keystore-wrapped key; the same object on every later call. Slow the
     * first time (key unwrapping, opening the store): never on the main thread.
     */
    @Synchronized
    @Throws(DoorstepException::class, GeneralSecurityException::class)
    fun core(context: Context): Doorstep = core ?: Doorstep.open(
        context.applicationContext.filesDir.path,
        AndroidDatabaseKeyStore(context).key(),
    ).also { core = it }

    /** The network monitor, registered with the platform once per process. */
    @Synchronized
    fun network(context: Context): AndroidNetworkMonitor =
        network ?: AndroidNetworkMonitor(context.applicationContext).also { network = it }
}
