//! The background sync that the platform's scheduler runs (WorkManager on
//! Android), and when to ask for one: the core sends nothing it should not on
//! the network it is told, and each failed item waits out the core's backoff.
package cn.doorstep.ui.app

import cn.doorstep.core.DoorstepException
import cn.doorstep.core.DoorstepInterface
import cn.doorstep.core.NetworkState
import cn.doorstep.core.SettingsView
import cn.doorstep.core.SyncResult
import cn.doorstep.platform.SyncRequest

object BackgroundSync {
    /**
     * What a background run waits for under the worker's [settings]: an
     * unmetered network (Wi-Fi) only while her Wi-Fi-only switch is on, any
     * network otherwise. The app asks again with this whenever the switch changes.
     */
    fun request(settings: SettingsView, delayMs: Long = 0): SyncRequest =
        SyncRequest(unmeteredOnly = settings.wifiOnlySync, delayMs = delayMs)

    /**
     * One background run on [network]; null when there is nothing to do, or the
     * run failed or found another sync running ("立即同步"): it is retried later.
     */
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
