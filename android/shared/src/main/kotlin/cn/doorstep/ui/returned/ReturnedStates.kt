package cn.doorstep.ui.returned

import cn.doorstep.core.ReturnedItemView
import cn.doorstep.core.VisitState
import cn.doorstep.ui.preview.Samples

/** Returned visits for pictures: one with a comment, none. */
object ReturnedStates {
    private fun item(i: Int, template: String, zh: String, en: String, comment: String, at: Pair<String, String>) = ReturnedItemView(
        Samples.summary(i, template, VisitState.RETURNED, comment), zh, en, comment, at.first, at.second,
    )
    val returned = ReturnedState(
        listOf(
            item(1, "elder_alone_visit", "独居老人探访", "Visit to an elder living alone", "门牌照片不清晰，请补拍；受访人电话请核实。", "今天 16:05" to "today 16:05"),
            item(4, "hazard_inspection", "安全隐患排查", "Hazard inspection", "隐患描述太简单，请写明位置和整改期限。", "昨天 10:20" to "yesterday 10:20"),
        ),
        null,
    ) {}
    val empty = ReturnedState(emptyList(), null) {}
    val all = listOf("returned" to returned, "empty" to empty)
}
