//! What the activity and the background sync share in one process: the core
//! opened once over the encrypted store, and the network monitor.
package cn.doorstep.app

import android.content.Context
import cn.doorstep.app.platform.AndroidDatabaseKeyStore
import cn.doorstep.app.platform.AndroidNetworkMonitor
import cn.doorstep.core.Doorstep
import cn.doorstep.core.DoorstepException
import java.security.GeneralSecurityException

/** The process's core and network monitor, made on first use. */
object AppServices {
    private var core: Doorstep? = null
    private var network: AndroidNetworkMonitor? = null

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
