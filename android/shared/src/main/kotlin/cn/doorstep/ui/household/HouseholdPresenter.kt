package cn.doorstep.ui.household

import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import cn.doorstep.core.DoorstepException
import cn.doorstep.core.DoorstepInterface
import cn.doorstep.ui.theme.LocalText
import cn.doorstep.ui.theme.text

/** Reads the household's screen from the core and starts visits through it. */
class HouseholdPresenter(
    private val core: DoorstepInterface,
    private val householdId: String,
    private val dataVersion: Int,
    private val openVisit: (String) -> Unit,
    private val back: () -> Unit,
) {
    @Composable
    fun present(): HouseholdState {
        val household = remember(householdId, dataVersion) { core.household(householdId) }
        val templates = remember(dataVersion) {
            val due = household.due.map { it.templateId }
            core.templates().sortedBy { t -> due.indexOf(t.id).let { if (it < 0) Int.MAX_VALUE else it } }
        }
        var error by remember { mutableStateOf<LocalText?>(null) }
        return HouseholdState(household, templates, error) { event ->
            when (event) {
                is HouseholdEvent.StartVisit -> try {
                    openVisit(core.startVisit(householdId, event.templateId).visit.visitId)
                } catch (e: DoorstepException) {
                    error = e.text()
                }
                is HouseholdEvent.OpenVisit -> openVisit(event.visitId)
                HouseholdEvent.Back -> back()
            }
        }
    }
}
