package cn.doorstep.ui.visit

import cn.doorstep.core.BadgeTone
import cn.doorstep.core.DoorOutcome
import cn.doorstep.core.VisitState
import cn.doorstep.core.DoorCheckStage
import cn.doorstep.core.DoorCheckView
import cn.doorstep.core.OutcomeChoice
import cn.doorstep.core.ReasonView
import cn.doorstep.ui.preview.Samples
import cn.doorstep.ui.theme.Lang
import cn.doorstep.ui.theme.LocalText

/** The visit for pictures: the door check waiting, far, mocked; the form filled, with problems, long labels, resumed, sent. */
object VisitStates {
    private val outcomes = listOf(
        DoorOutcome.MET to ("见到本人" to "Met in person"), DoorOutcome.NOBODY_HOME to ("家中无人" to "Nobody home"),
        DoorOutcome.REFUSED to ("拒绝入户" to "Refused entry"), DoorOutcome.MOVED_OUT to ("已搬离" to "Moved out"),
        DoorOutcome.VACANT to ("房屋空置" to "Vacant"), DoorOutcome.WRONG_ADDRESS to ("地址有误" to "Wrong address"),
    ).map { (o, l) -> OutcomeChoice(o, l.first, l.second) }
    private fun door(stage: DoorCheckStage, zh: String, en: String, accuracy: Double?, waited: Int, sats: Int?, distance: Double?, reasons: List<ReasonView>, byHand: Boolean) =
        DoorCheckState(
            DoorOutcome.MET, outcomes,
            // The tone the core gives each stage (`DoorStage::tone`), for made-up pictures.
            DoorCheckView(stage, waited.toUInt(), accuracy, 30.0, distance, 50.0, 30.657, 104.081, zh, en, null, reasons, byHand, true, sampleTone(stage)),
            sats, true,
        )

    private fun sampleTone(stage: DoorCheckStage) = when (stage) {
        is DoorCheckStage.Accepted, is DoorCheckStage.AcceptedByHand -> BadgeTone.GOOD
        is DoorCheckStage.Suspect, is DoorCheckStage.TimedOut -> BadgeTone.BAD
        else -> BadgeTone.WARN
    }

    private fun form(problems: Boolean, long: Boolean = false, state: VisitState = VisitState.DRAFT, notice: LocalText? = null, section: Int = 0): VisitUiState {
        val screen = Samples.screen(problems, Samples.verified, state, long)
        return VisitUiState(screen, null, sectionsOf(screen), section, emptyMap(), notice, null) {}
    }

    val doorWaiting = form(false).let {
        it.copy(
            screen = it.screen.copy(doorCheck = null),
            doorCheck = door(DoorCheckStage.Improving(85.0, 30.0), "定位精度 85 米，等待优于 30 米", "Accuracy 85 m; waiting for better than 30 m", 85.0, 12, 4, 40.0, emptyList(), false),
        )
    }
    val doorLocating = doorWaiting.copy(doorCheck = door(DoorCheckStage.WaitingForFix, "正在定位…", "Finding your position…", null, 2, null, null, emptyList(), false))
    val doorOutside = doorWaiting.copy(
        doorCheck = door(
            DoorCheckStage.Suspect, "不在范围内：距住户 1.2 公里", "Outside: 1.2 km from the household", 8.0, 20, 9, 1200.0,
            listOf(ReasonView("outside", "距住户 1.2 公里，超出 50 米范围", "1.2 km from the household, beyond 50 m")), true,
        ),
    )
    val doorMocked = doorWaiting.copy(
        doorCheck = door(
            DoorCheckStage.Suspect, "模拟定位", "Mock location", 5.0, 3, 12, 5.0,
            listOf(ReasonView("mock_location", "系统报告这是模拟定位", "The system reports a mock location")), true,
        ),
    )
    val filled = form(false)
    val repeat = form(true, section = 2)
    val problems = form(true, notice = LocalText("还有 3 个问题，不能完成", "3 problems: cannot finish yet"), section = 0)
    val longLabels = form(true, long = true)
    val resumed = form(false, notice = LocalText("已恢复上次未完成的走访，内容都在", "Restored the visit you left: nothing was lost"))
    val sent = form(false, state = VisitState.UPLOADED)
    private val zh = listOf(
        "door-locating" to doorLocating, "door-waiting" to doorWaiting, "door-outside" to doorOutside, "door-mocked" to doorMocked,
        "filled" to filled, "repeat" to repeat, "problems" to problems, "long-labels" to longLabels, "resumed" to resumed, "sent" to sent,
    )

    /** Every state with the form's texts in [lang], as the core gives them when the forms follow the app's language. */
    fun all(lang: Lang): List<Pair<String, VisitUiState>> = zh.map { (name, state) ->
        val screen = Samples.inLanguage(state.screen, en = lang == Lang.EN)
        name to state.copy(screen = screen, sections = sectionsOf(screen))
    }
}
