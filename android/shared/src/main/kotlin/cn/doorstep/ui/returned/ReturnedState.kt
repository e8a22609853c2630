package cn.doorstep.ui.returned

import cn.doorstep.core.VisitSummaryView
import cn.doorstep.ui.theme.LocalText

/** Visits the supervisor returned, each with her comment and the 修改 button. */
data class ReturnedState(
    val visits: List<VisitSummaryView>,
    /** Template titles by id, for the list lines. */
    val titles: Map<String, LocalText>,
    val error: LocalText?,
    val eventSink: (ReturnedEvent) -> Unit,
)

sealed interface ReturnedEvent {
    /** 修改: opens the revision of a returned visit. */
    data class Revise(val visitId: String) : ReturnedEvent
    data object Back : ReturnedEvent
}
