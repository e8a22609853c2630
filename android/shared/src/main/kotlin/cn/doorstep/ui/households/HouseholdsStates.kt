package cn.doorstep.ui.households

import cn.doorstep.ui.preview.Samples

/** The household list for pictures: all, a search by initials, nothing found. */
object HouseholdsStates {
    val all3000 = HouseholdsState("", Samples.households) {}
    val searched = HouseholdsState("zjh", Samples.households.take(1)) {}
    val nothing = HouseholdsState("不存在的人", emptyList()) {}
    val all = listOf("filled" to all3000, "search-initials" to searched, "empty" to nothing)
}
