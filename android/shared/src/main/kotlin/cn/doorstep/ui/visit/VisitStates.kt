package cn.doorstep.ui.visit

import cn.doorstep.core.DoorOutcome
import cn.doorstep.core.VisitState
import cn.doorstep.platform.LocationFix
import cn.doorstep.ui.preview.Samples
import cn.doorstep.ui.theme.LocalText

/** The visit for pictures: the door check waiting, far, mocked; the form filled, with problems, long labels, resumed, sent. */
object VisitStates {
    private val fix = LocationFix(30.66, 104.085, 85.0, fixTimeMs = 1_750_000_000_000, satellites = 4)
    private fun door(result: cn.doorstep.core.DoorCheckResult?, accuracy: Double, waited: Long, sats: Int) =
        DoorCheckState(DoorOutcome.MET, fix.copy(accuracyM = accuracy, satellites = sats), waited, result, true)

    private fun form(problems: Boolean, long: Boolean = false, state: VisitState = VisitState.DRAFT, notice: LocalText? = null, section: Int = 0): VisitUiState {
        val screen = Samples.screen(problems, Samples.verified, state, long)
        val sections = sectionsOf(screen.fields)
        return VisitUiState(screen, null, sections, section, emptyMap(), notice, null) {}
    }

    val doorWaiting = form(false).let { it.copy(screen = it.screen.copy(doorCheck = null), doorCheck = door(Samples.lowAccuracy, 85.0, 12, 4)) }
    val doorLocating = doorWaiting.copy(doorCheck = DoorCheckState(DoorOutcome.MET, null, 0, null, true))
    val doorOutside = doorWaiting.copy(doorCheck = door(Samples.outside, 8.0, 20, 9))
    val doorMocked = doorWaiting.copy(doorCheck = door(Samples.mocked, 5.0, 3, 12))
    val filled = form(false)
    val repeat = form(true, section = 2)
    val problems = form(true, notice = LocalText("还有 3 个问题，不能完成", "3 problems: cannot finish yet"), section = 0)
    val longLabels = form(true, long = true)
    val resumed = form(false, notice = LocalText("已恢复上次未完成的走访，内容都在", "Restored the visit you left: nothing was lost"))
    val sent = form(false, state = VisitState.UPLOADED)
    val all = listOf(
        "door-locating" to doorLocating, "door-waiting" to doorWaiting, "door-outside" to doorOutside, "door-mocked" to doorMocked,
        "filled" to filled, "repeat" to repeat, "problems" to problems, "long-labels" to longLabels, "resumed" to resumed, "sent" to sent,
    )
}
