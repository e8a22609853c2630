package cn.doorstep.ui.visit

import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import cn.doorstep.core.DoorOutcome
import cn.doorstep.core.DoorstepException
import cn.doorstep.core.DoorstepInterface
import cn.doorstep.core.FinishResult
import cn.doorstep.core.VisitScreenView
import cn.doorstep.platform.Platform
import cn.doorstep.ui.theme.LocalText
import cn.doorstep.ui.theme.text
import kotlinx.coroutines.launch

/**
 * The visit: the core's door-check session first (fed with every fix; it
 * accepts by itself, or by hand when it allows), then the form from the
 * core's visit screen, its sections, buttons and first problem. Once the
 * check is accepted, the outcome she picks records it.
 */
class VisitPresenter(
    private val core: DoorstepInterface,
    private val platform: Platform,
    private val visitId: String,
    /** What the core says when this visit was reopened after the app was closed; null otherwise. */
    private val resumed: LocalText?,
    private val onLeave: (saved: Boolean) -> Unit,
) {
    /** She leaves the visit: the core no longer reopens it at the next start. */
    private fun leave(saved: Boolean) {
        try {
            core.leaveVisit(visitId)
        } catch (_: DoorstepException) {
            // Reopened at the next start at worst: nothing is lost.
        }
        onLeave(saved)
    }

    @Composable
    fun present(): VisitUiState {
        val scope = rememberCoroutineScope()
        var screen by remember { mutableStateOf(core.visitScreen(visitId)) }
        val session = remember { if (screen.editable && screen.doorCheck == null) core.startDoorCheck(visitId, System.currentTimeMillis()) else null }
        var door by remember { mutableStateOf(session?.view()) }
        var outcome by remember { mutableStateOf(DoorOutcome.MET) }
        var satellites by remember { mutableStateOf<Int?>(null) }
        val outcomes = remember { core.doorOutcomes() }
        var focus by remember { mutableStateOf<String?>(null) }
        var notice by remember { mutableStateOf(resumed) }

        fun record() {
            val s = session ?: return
            try {
                s.record(outcome)
                door = null
                screen = core.visitScreen(visitId)
            } catch (e: DoorstepException) {
                notice = e.text()
            }
        }

        if (session != null && door != null) {
            LaunchedEffect(Unit) {
                platform.location.fixes().collect { f ->
                    satellites = f.satellites
                    try {
                        val v = session.fix(f.toCore(), System.currentTimeMillis())
                        door = v
                    } catch (e: DoorstepException) {
                        notice = e.text()
                    }
                }
            }
        }

        // A photo the camera wrote while the app was gone is handed to the core now.
        LaunchedEffect(visitId) {
            platform.captures.waiting().filter { it.visitId == visitId }.forEach { c ->
                try {
                    core.addPhoto(visitId, c.field, c.file.readBytes())
                    platform.captures.finish(c)
                } catch (e: DoorstepException) {
                    notice = e.text()
                }
            }
            screen = core.visitScreen(visitId)
        }

        val thumbnails = remember(screen.photos) {
            screen.photos.mapNotNull { p -> core.photoThumbnail(p.sha256)?.let { p.sha256 to it } }.toMap()
        }
        fun edit(block: () -> VisitScreenView) {
            try {
                screen = block()
            } catch (e: DoorstepException) {
                notice = e.text()
            }
        }
        val d = door
        return VisitUiState(
            screen = screen,
            doorCheck = if (d != null) DoorCheckState(outcome, outcomes, d, satellites, platform.location.available()) else null,
            sections = sectionsOf(screen),
            section = screen.currentSection.toInt(),
            thumbnails = thumbnails,
            notice = notice,
            focusPath = focus,
        ) { event ->
            when (event) {
                is VisitEvent.ChooseOutcome -> {
                    outcome = event.outcome
                    // Once the core accepted the check, her outcome records it and the form follows.
                    if (door?.canChooseOutcome == true) record()
                }
                VisitEvent.AcceptDoorCheck -> try {
                    val v = session?.acceptByHand(System.currentTimeMillis())
                    door = v
                } catch (e: DoorstepException) {
                    notice = e.text()
                }
                is VisitEvent.Answer -> edit { core.setAnswer(visitId, event.path, event.value) }
                is VisitEvent.AddEntry -> edit { core.addRepeatEntry(visitId, event.repeatPath) }
                is VisitEvent.RemoveEntry -> edit { core.removeRepeatEntry(visitId, event.entryPath) }
                is VisitEvent.TakePhoto -> scope.launch {
                    val request = platform.captures.begin(visitId, event.field)
                    if (platform.camera.capture(request)) {
                        try {
                            core.addPhoto(visitId, event.field, request.file.readBytes())
                        } catch (e: DoorstepException) {
                            notice = e.text()
                        }
                    }
                    platform.captures.finish(request)
                    screen = core.visitScreen(visitId)
                }
                is VisitEvent.Sign -> edit {
                    core.addPhoto(visitId, event.field, event.png)
                    core.visitScreen(visitId)
                }
                is VisitEvent.GoToSection -> {
                    focus = null
                    edit { core.goToSection(visitId, event.key) }
                }
                VisitEvent.SaveDraft -> leave(true)
                VisitEvent.Finish -> try {
                    when (val r = core.finishVisit(visitId)) {
                        is FinishResult.Finalized -> leave(true)
                        is FinishResult.Problems -> {
                            screen = r.screen
                            val b = r.screen.buttons
                            notice = LocalText(b.finishHintZh ?: "还有问题，不能完成", b.finishHintEn ?: "There are problems: cannot finish yet")
                            focus = r.screen.firstProblem?.path
                        }
                    }
                } catch (e: DoorstepException) {
                    notice = e.text()
                }
                VisitEvent.Back -> leave(false)
            }
        }
    }
}
