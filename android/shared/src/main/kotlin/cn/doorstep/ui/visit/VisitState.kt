package cn.doorstep.ui.visit

import cn.doorstep.core.AnswerValue
import cn.doorstep.core.DoorCheckView
import cn.doorstep.core.OutcomeChoice
import cn.doorstep.core.DoorOutcome
import cn.doorstep.core.FieldItem
import cn.doorstep.core.VisitScreenView
import cn.doorstep.ui.theme.LocalText

/** The door check while it runs: the core's session view (stage, accuracy, elapsed time, words), the outcome chosen. */
data class DoorCheckState(
    val outcome: DoorOutcome,
    val outcomes: List<OutcomeChoice>,
    val view: DoorCheckView,
    val satellites: Int?,
    /** False when the platform gives no location (permission, GPS off). */
    val locationAvailable: Boolean,
)

/** One page of the form: the fields between two section boundaries. */
data class FormSection(val title: LocalText?, val fields: List<FieldItem>, val key: String, val problems: Int)

/** Everything the visit screen shows. */
data class VisitUiState(
    val screen: VisitScreenView,
    /** Non-null while the door check is the step on screen. */
    val doorCheck: DoorCheckState?,
    val sections: List<FormSection>,
    val section: Int,
    /** Thumbnails of the visit's photos by hash (JPEG bytes from the core). */
    val thumbnails: Map<String, ByteArray>,
    /** A notice on top: restored after a restart, saved, refused with problems. */
    val notice: LocalText?,
    /** Path of the field to bring into view (the first problem after a refused 完成). */
    val focusPath: String?,
    val eventSink: (VisitEvent) -> Unit,
)

sealed interface VisitEvent {
    data class ChooseOutcome(val outcome: DoorOutcome) : VisitEvent
    /** The worker goes on without a verified fix (recorded as it is). */
    data object AcceptDoorCheck : VisitEvent
    data class Answer(val path: String, val value: AnswerValue?) : VisitEvent
    /** 添加成员: the core puts the entry after the last one, within the form's counts. */
    data class AddEntry(val repeatPath: String) : VisitEvent
    data class RemoveEntry(val entryPath: String) : VisitEvent
    data class TakePhoto(val field: String) : VisitEvent
    /** A signature drawn on the pad, as a PNG, for the signature field [field]. */
    class Sign(val field: String, val png: ByteArray) : VisitEvent
    data class GoToSection(val key: String) : VisitEvent
    data object SaveDraft : VisitEvent
    data object Finish : VisitEvent
    data object Back : VisitEvent
}
