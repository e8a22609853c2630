package cn.doorstep.ui.household

import cn.doorstep.core.HouseholdView
import cn.doorstep.core.TemplateView
import cn.doorstep.ui.theme.LocalText

/** One household: residents (masked), tags, visits and what can be started. */
data class HouseholdState(
    val household: HouseholdView,
    /** Every template a visit can be started with; the due ones first. */
    val templates: List<TemplateView>,
    val error: LocalText?,
    val eventSink: (HouseholdEvent) -> Unit,
)

sealed interface HouseholdEvent {
    data class StartVisit(val templateId: String) : HouseholdEvent
    data class OpenVisit(val visitId: String) : HouseholdEvent
    data object Back : HouseholdEvent
}
