package cn.doorstep.ui.households

import cn.doorstep.core.HouseholdPageView
import cn.doorstep.core.ListFilter

/** The households of her grids: the core's page for the search box and the filter chosen. */
data class HouseholdsState(
    val query: String,
    val filter: ListFilter,
    val page: HouseholdPageView,
    val eventSink: (HouseholdsEvent) -> Unit,
)

sealed interface HouseholdsEvent {
    data class Search(val text: String) : HouseholdsEvent
    data class Filter(val filter: ListFilter) : HouseholdsEvent
    data class Open(val householdId: String) : HouseholdsEvent
}
