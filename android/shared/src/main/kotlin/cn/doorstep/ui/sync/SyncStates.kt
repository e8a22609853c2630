package cn.doorstep.ui.sync

import cn.doorstep.core.NetworkState
import cn.doorstep.core.OutboxStatus
import cn.doorstep.core.PullReport
import cn.doorstep.core.SyncProgress
import cn.doorstep.core.SyncResult
import cn.doorstep.ui.theme.LocalText

/** The sync screen for pictures: waiting, syncing, done with a return, offline, failed. */
object SyncStates {
    val waiting = SyncUiState(OutboxStatus(4u, 0u, 18u), NetworkState.WIFI, false, null, null, null, false) {}
    val syncing = waiting.copy(running = true, progress = SyncProgress(2u, 4u, 300_000u, 900_000u, "photo"))
    val done = waiting.copy(outbox = OutboxStatus(0u, 0u, 22u), lastResult = SyncResult(4u, 0u, 0u, PullReport(3u, 0u, 1u, 2u, 0u, 0u)))
    val offline = waiting.copy(network = NetworkState.OFFLINE)
    val failed = waiting.copy(
        outbox = OutboxStatus(3u, 1u, 18u),
        error = LocalText("服务器暂时无法访问，稍后自动重试", "The server cannot be reached now; it is retried later"),
    )
    val all = listOf("waiting" to waiting, "syncing" to syncing, "done" to done, "offline" to offline, "problems" to failed)
}
