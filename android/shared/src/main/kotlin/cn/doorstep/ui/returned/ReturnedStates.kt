package cn.doorstep.ui.returned

import cn.doorstep.core.VisitState
import cn.doorstep.ui.preview.Samples
import cn.doorstep.ui.theme.LocalText

/** Returned visits for pictures: one with a comment, none. */
object ReturnedStates {
    private val titles = Samples.templates.associate { it.id to LocalText(it.titleZh, it.titleEn) }
    val returned = ReturnedState(
        listOf(
            Samples.summary(1, "elder_alone_visit", VisitState.RETURNED, "门牌照片不清晰，请补拍；受访人电话请核实。"),
            Samples.summary(4, "hazard_inspection", VisitState.RETURNED, "隐患描述太简单，请写明位置和整改期限。"),
        ),
        titles, null,
    ) {}
    val empty = ReturnedState(emptyList(), titles, null) {}
    val all = listOf("returned" to returned, "empty" to empty)
}
