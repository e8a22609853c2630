package cn.doorstep.ui.households

import cn.doorstep.core.DueBadgeView
import cn.doorstep.core.HouseholdPageView
import cn.doorstep.core.HouseholdRowView
import cn.doorstep.core.ListFilter
import cn.doorstep.core.TagChipView
import cn.doorstep.core.TagFilterView
import cn.doorstep.ui.preview.Samples

/** The household list for pictures: all, a search by initials, a filter, nothing found. */
object HouseholdsStates {
    private val elder = TagChipView("elder_alone", "独居老人", "Elder living alone")
    private val dibao = TagChipView("dibao", "低保", "Minimum allowance")
    private val rows = Samples.households.mapIndexed { i, h ->
        HouseholdRowView(
            h, if (i % 3 == 0) DueBadgeView(i == 0, 1u, if (i == 0) "逾期" else "待走访 1", if (i == 0) "overdue" else "1 due") else null,
            if (i == 4) 1u else 0u, listOfNotNull(elder.takeIf { i % 4 == 0 }, dibao.takeIf { i % 5 == 1 }),
        )
    }
    private val page = HouseholdPageView(rows, 3000u, 0u, 3000u, 412u, 37u, 3u, listOf(TagFilterView(elder, 126u), TagFilterView(dibao, 88u)))
    val filled = HouseholdsState("", ListFilter.All, page) {}
    val searched = HouseholdsState("zjh", ListFilter.All, page.copy(rows = rows.take(1), matching = 1u)) {}
    val overdue = HouseholdsState("", ListFilter.Overdue, page.copy(rows = rows.filter { it.due?.overdue == true }, matching = 37u)) {}
    val nothing = HouseholdsState("不存在的人", ListFilter.All, page.copy(rows = emptyList(), matching = 0u)) {}
    val all = listOf("filled" to filled, "search-initials" to searched, "overdue" to overdue, "empty" to nothing)
}
