package cn.doorstep.ui.home

import cn.doorstep.core.NetworkState
import cn.doorstep.core.OutboxStatus
import cn.doorstep.core.VisitSummaryView
import cn.doorstep.ui.theme.LocalText

/** A visit due at a household, as the core's schedule says. */
data class DueItem(
    val householdId: String,
    val head: String,
    val address: String,
    val title: LocalText,
    val dueBy: String,
    val overdue: Boolean,
)

/** What "今日" shows: what is due, what came back, drafts, and what waits to sync. */
data class HomeState(
    val workerName: String,
    val grids: String,
    val due: List<DueItem>,
    val returned: List<VisitSummaryView>,
    val drafts: List<VisitSummaryView>,
    val outbox: OutboxStatus,
    val network: NetworkState,
    val eventSink: (HomeEvent) -> Unit,
)

sealed interface HomeEvent {
    data class OpenHousehold(val householdId: String) : HomeEvent
    data class OpenVisit(val visitId: String) : HomeEvent
    data object OpenReturned : HomeEvent
    data object OpenSync : HomeEvent
}
