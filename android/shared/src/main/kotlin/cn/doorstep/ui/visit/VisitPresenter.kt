package cn.doorstep.ui.visit

import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import cn.doorstep.core.AnswerValue
import cn.doorstep.core.DoorCheckResult
import cn.doorstep.core.DoorOutcome
import cn.doorstep.core.DoorVerdict
import cn.doorstep.core.DoorstepException
import cn.doorstep.core.DoorstepInterface
import cn.doorstep.platform.LocationFix
import cn.doorstep.platform.Platform
import cn.doorstep.ui.theme.LocalText
import cn.doorstep.ui.theme.text
import kotlinx.coroutines.launch

/**
 * The visit: the door check first (every fix goes to the core, which judges
 * and records it; a verified fix moves on by itself), then the form from the
 * core's visit screen, re-read after every answer.
 */
class VisitPresenter(
    private val core: DoorstepInterface,
    private val platform: Platform,
    private val visitId: String,
    /** Opened again after the app was closed in the middle of this visit. */
    private val resumed: Boolean,
    private val leave: (saved: Boolean) -> Unit,
) {
    @Composable
    fun present(): VisitUiState {
        val scope = rememberCoroutineScope()
        var screen by remember { mutableStateOf(core.visitScreen(visitId)) }
        var checking by remember { mutableStateOf(screen.editable && screen.doorCheck == null) }
        var outcome by remember { mutableStateOf(DoorOutcome.MET) }
        var fix by remember { mutableStateOf<LocationFix?>(null) }
        var firstFixMs by remember { mutableStateOf<Long?>(null) }
        var result by remember { mutableStateOf<DoorCheckResult?>(null) }
        var section by remember { mutableStateOf(0) }
        var focus by remember { mutableStateOf<String?>(null) }
        var notice by remember {
            mutableStateOf(if (resumed) LocalText("已恢复上次未完成的走访，内容都在", "Restored the visit you left: nothing was lost") else null)
        }

        fun judge(f: LocationFix?) {
            try {
                val r = core.doorCheck(visitId, f?.toCore(), outcome)
                result = r
                if (r.verdict == DoorVerdict.VERIFIED || r.verdict == DoorVerdict.LOCATION_PROPOSED) checking = false
                screen = core.visitScreen(visitId)
            } catch (e: DoorstepException) {
                notice = e.text()
            }
        }

        if (checking) {
            LaunchedEffect(Unit) {
                platform.location.fixes().collect { f ->
                    if (firstFixMs == null) firstFixMs = f.fixTimeMs
                    fix = f
                    judge(f)
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

        val sections = sectionsOf(screen.fields)
        val thumbnails = remember(screen.photos) {
            screen.photos.mapNotNull { p -> core.photoThumbnail(p.sha256)?.let { p.sha256 to it } }.toMap()
        }
        fun edit(block: () -> cn.doorstep.core.VisitScreenView) {
            try {
                screen = block()
            } catch (e: DoorstepException) {
                notice = e.text()
            }
        }
        return VisitUiState(
            screen = screen,
            doorCheck = if (checking) DoorCheckState(
                outcome, fix, ((fix?.fixTimeMs ?: 0L) - (firstFixMs ?: fix?.fixTimeMs ?: 0L)) / 1000,
                result, platform.location.available(),
            ) else null,
            sections = sections,
            section = section.coerceIn(0, sections.lastIndex),
            thumbnails = thumbnails,
            notice = notice,
            focusPath = focus,
        ) { event ->
            when (event) {
                is VisitEvent.ChooseOutcome -> {
                    outcome = event.outcome
                    if (fix != null) judge(fix)
                }
                VisitEvent.AcceptDoorCheck -> {
                    if (result == null || result?.outcome != outcome) judge(fix)
                    checking = false
                }
                is VisitEvent.Answer -> edit { core.setAnswer(visitId, event.path, event.value) }
                is VisitEvent.AddEntry -> edit { core.setAnswer(visitId, "${event.repeatPath}[${event.index}]", AnswerValue.Json("{}")) }
                is VisitEvent.RemoveEntry -> edit { core.setAnswer(visitId, event.entryPath, null) }
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
                is VisitEvent.GoToSection -> {
                    section = event.index.coerceIn(0, sections.lastIndex)
                    focus = null
                }
                VisitEvent.SaveDraft -> leave(true)
                VisitEvent.Finish -> try {
                    core.finalize(visitId)
                    leave(true)
                } catch (e: DoorstepException.Incomplete) {
                    screen = core.visitScreen(visitId)
                    notice = LocalText(e.messageZh, e.messageEn)
                    val first = e.problems.firstOrNull()?.path
                    if (first != null) {
                        val s = sectionsOf(screen.fields).indexOfPath(first)
                        if (s >= 0) section = s
                        focus = first
                    }
                } catch (e: DoorstepException) {
                    notice = e.text()
                }
                VisitEvent.Back -> leave(false)
            }
        }
    }
}
