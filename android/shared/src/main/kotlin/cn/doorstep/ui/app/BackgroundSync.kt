//! The background sync that the platform's scheduler runs (WorkManager on
//! Android), and when to ask for one: the core sends nothing it should not on
//! the network it is told, and each failed item waits out the core's backoff.
package cn.doorstep.ui.app

import cn.doorstep.core.DoorstepException
import cn.doorstep.core.DoorstepInterface
import cn.doorstep.core.NetworkState
import cn.doorstep.core.SyncResult

object BackgroundSync {
    /** One background run on [network]; null when there is nothing to do or the run failed (it is retried later). */
    suspend fun run(core: DoorstepInterface, network: NetworkState): SyncResult? {
        if (core.currentAccount() == null || network == NetworkState.OFFLINE) return null
        core.setNetwork(network)
        return try {
            core.sync(false, null, null)
        } catch (e: DoorstepException) {
            null
        }
    }
}
