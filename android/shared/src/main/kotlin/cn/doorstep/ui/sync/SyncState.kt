package cn.doorstep.ui.sync

import cn.doorstep.core.NetworkState
import cn.doorstep.core.OutboxEntryView
import cn.doorstep.core.OutboxStatus
import cn.doorstep.core.SyncProgress
import cn.doorstep.core.SyncResult
import cn.doorstep.ui.theme.LocalText

/** The sync screen: the outbox, a run in progress, the last result, the switches. */
data class SyncUiState(
    val outbox: OutboxStatus,
    /** Each waiting or set-aside item with its state and reason in words. */
    val entries: List<OutboxEntryView>,
    val network: NetworkState,
    val running: Boolean,
    val progress: SyncProgress?,
    val lastResult: SyncResult?,
    /** The core's words for a run that stopped (server down, signed out, …). */
    val error: LocalText?,
    val photosOnCellular: Boolean,
    val wifiOnly: Boolean,
    val eventSink: (SyncEvent) -> Unit,
)

sealed interface SyncEvent {
    data object SyncNow : SyncEvent
    data object Cancel : SyncEvent
    data class SetPhotosOnCellular(val allowed: Boolean) : SyncEvent
    data class SetWifiOnly(val wifiOnly: Boolean) : SyncEvent
    data class Retry(val entryId: String) : SyncEvent
    data class Discard(val entryId: String) : SyncEvent
}
