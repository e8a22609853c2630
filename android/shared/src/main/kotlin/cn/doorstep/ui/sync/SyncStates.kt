package cn.doorstep.ui.sync

import cn.doorstep.core.NetworkState
import cn.doorstep.core.OutboxStatus
import cn.doorstep.core.PullReport
import cn.doorstep.core.SyncProgress
import cn.doorstep.core.SyncResult
import cn.doorstep.ui.theme.LocalText
import cn.doorstep.ui.preview.Samples

/** The sync screen for pictures: waiting, syncing, done with a return, offline, failed. */
object SyncStates {
    val waiting = SyncUiState(OutboxStatus(4u, 0u, 18u), emptyList(), NetworkState.WIFI, false, null, null, null, false, true) {}
    val syncing = waiting.copy(running = true, progress = SyncProgress(2u, 4u, 300_000u, 900_000u, "photo"))
    val done = waiting.copy(outbox = OutboxStatus(0u, 0u, 22u), lastResult = SyncResult(4u, 2u, 0u, 0u, PullReport(3u, 0u, 1u, 2u, 0u, 0u), "已上传 2 次走访，收到 1 次退回修改。", "Sent 2 visits, 1 visit returned for rework."))
    val offline = waiting.copy(network = NetworkState.OFFLINE)
    val failed = waiting.copy(
        outbox = OutboxStatus(3u, 1u, 18u, "1 项无法上传，已搁置", "1 item set aside"),
        entries = listOf(
            cn.doorstep.core.OutboxEntryView(
                "e1", Samples.summary(2, "hazard_inspection", cn.doorstep.core.VisitState.FINALIZED), "h2", Samples.households[2].head, Samples.households[2].address,
                "安全隐患排查", "Hazard inspection", cn.doorstep.core.OutboxEntryState.SetAside, "已搁置", "Set aside",
                "服务器拒收：该户已移出您的网格", "Refused by the server: the household left your grids", 1u, 0u, 800_000u, true, true,
                "退回草稿，可修改后再完成", "Back to the drafts, to change and finish again",
            ),
            cn.doorstep.core.OutboxEntryView(
                "e2", Samples.summary(5, "elder_alone_visit", cn.doorstep.core.VisitState.FINALIZED), "h5", Samples.households[5].head, Samples.households[5].address,
                "独居老人探访", "Elder visit", cn.doorstep.core.OutboxEntryState.WaitingForWifi, "等待 Wi-Fi", "Waiting for Wi-Fi",
                "照片只在 Wi-Fi 下上传", "Photos go on Wi-Fi only", 2u, 0u, 1_600_000u, false, false, null, null,
            ),
        ),
        error = LocalText("服务器暂时无法访问，稍后自动重试", "The server cannot be reached now; it is retried later"),
    )
    val all = listOf("waiting" to waiting, "syncing" to syncing, "done" to done, "offline" to offline, "problems" to failed)
}
