package cn.doorstep.ui.households

import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import cn.doorstep.core.DoorstepInterface
import cn.doorstep.core.ListFilter

/** The search box and the filters go to the core's household page (the first 200 rows; the list says how many match). */
class HouseholdsPresenter(
    private val core: DoorstepInterface,
    private val dataVersion: Int,
    private val open: (String) -> Unit,
) {
    @Composable
    fun present(): HouseholdsState {
        var query by remember { mutableStateOf("") }
        var filter by remember { mutableStateOf<ListFilter>(ListFilter.All) }
        val page = remember(query, filter, dataVersion) { core.householdPage(query, filter, 0u, 200u) }
        return HouseholdsState(query, filter, page) { event ->
            when (event) {
                is HouseholdsEvent.Search -> query = event.text
                is HouseholdsEvent.Filter -> filter = event.filter
                is HouseholdsEvent.Open -> open(event.householdId)
            }
        }
    }
}
