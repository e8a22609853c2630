package cn.doorstep.ui.households

import cn.doorstep.core.HouseholdSummaryView

/** The households of her grids, as the core's search answers the box. */
data class HouseholdsState(
    val query: String,
    val results: List<HouseholdSummaryView>,
    val eventSink: (HouseholdsEvent) -> Unit,
)

sealed interface HouseholdsEvent {
    data class Search(val text: String) : HouseholdsEvent
    data class Open(val householdId: String) : HouseholdsEvent
}
