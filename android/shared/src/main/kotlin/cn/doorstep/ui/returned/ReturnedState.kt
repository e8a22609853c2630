package cn.doorstep.ui.returned

import cn.doorstep.core.ReturnedItemView
import cn.doorstep.ui.theme.LocalText

/** Visits the supervisor returned, each with her comment and the 修改 button. */
data class ReturnedState(
    /** The core's returned visits: the form's title, the comment and when, in words. */
    val visits: List<ReturnedItemView>,
    val error: LocalText?,
    val eventSink: (ReturnedEvent) -> Unit,
)

sealed interface ReturnedEvent {
    /** 修改: opens the revision of a returned visit. */
    data class Revise(val visitId: String) : ReturnedEvent
    data object Back : ReturnedEvent
}
