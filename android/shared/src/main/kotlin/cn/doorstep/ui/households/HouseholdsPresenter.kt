package cn.doorstep.ui.households

import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import cn.doorstep.core.DoorstepInterface

/** The search box goes to the core's search (name, pinyin and initials, address, door, ID last four). */
class HouseholdsPresenter(
    private val core: DoorstepInterface,
    private val dataVersion: Int,
    private val open: (String) -> Unit,
) {
    @Composable
    fun present(): HouseholdsState {
        var query by rememberSaveable { mutableStateOf("") }
        val results = remember(query, dataVersion) {
            if (query.isBlank()) core.households() else core.searchHouseholds(query, 100u)
        }
        return HouseholdsState(query, results) { event ->
            when (event) {
                is HouseholdsEvent.Search -> query = event.text
                is HouseholdsEvent.Open -> open(event.householdId)
            }
        }
    }
}
