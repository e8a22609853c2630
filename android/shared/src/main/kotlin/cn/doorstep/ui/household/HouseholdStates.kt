package cn.doorstep.ui.household

import cn.doorstep.ui.preview.Samples
import cn.doorstep.ui.theme.LocalText

/** One household for pictures: filled, nothing due, a refused start. */
object HouseholdStates {
    val filled = HouseholdState(Samples.household, Samples.templates, null) {}
    val nothingDue = filled.copy(household = Samples.household.copy(due = emptyList(), visits = emptyList(), pastVisits = emptyList()))
    val refused = filled.copy(error = LocalText("该户已移出您的网格，不能开始新的走访", "This household left your grids: no new visit"))
    val all = listOf("filled" to filled, "empty" to nothingDue, "problems" to refused)
}
