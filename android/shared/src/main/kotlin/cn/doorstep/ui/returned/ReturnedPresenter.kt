package cn.doorstep.ui.returned

import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import cn.doorstep.core.DoorstepException
import cn.doorstep.core.DoorstepInterface
import cn.doorstep.ui.theme.LocalText
import cn.doorstep.ui.theme.text

/** The returned visits from the core; 修改 asks the core for the revision. */
class ReturnedPresenter(
    private val core: DoorstepInterface,
    private val dataVersion: Int,
    private val openVisit: (String) -> Unit,
    private val back: () -> Unit,
) {
    @Composable
    fun present(): ReturnedState {
        val visits = remember(dataVersion) { core.home().returned }
        var error by remember { mutableStateOf<LocalText?>(null) }
        return ReturnedState(visits, error) { event ->
            when (event) {
                is ReturnedEvent.Revise -> try {
                    openVisit(core.revise(event.visitId).visit.visitId)
                } catch (e: DoorstepException) {
                    error = e.text()
                }
                ReturnedEvent.Back -> back()
            }
        }
    }
}
