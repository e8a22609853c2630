package cn.doorstep.ui.home

import cn.doorstep.core.NetworkState
import cn.doorstep.core.OutboxStatus
import cn.doorstep.core.VisitState
import cn.doorstep.ui.preview.Samples
import cn.doorstep.ui.theme.LocalText

/** "今日" for pictures: empty, filled, offline, with returned visits, with long Chinese labels. */
object HomeStates {
    private val due = Samples.households.take(6).mapIndexed { i, h ->
        DueItem(h.id, h.head, h.address, LocalText("独居老人探访", "Elder visit"), "2025-06-30", overdue = i < 2)
    }
    val empty = HomeState("王秀兰", "锦华社区第三网格", emptyList(), emptyList(), emptyList(), OutboxStatus(0u, 0u, 0u), NetworkState.WIFI) {}
    val filled = empty.copy(
        due = due,
        drafts = listOf(Samples.summary(3, "hazard_inspection", VisitState.DRAFT)),
        outbox = OutboxStatus(3u, 0u, 12u),
    )
    val returned = filled.copy(returned = listOf(Samples.summary(1, "elder_alone_visit", VisitState.RETURNED, "门牌照片不清晰，请补拍")))
    val offline = filled.copy(network = NetworkState.OFFLINE)
    val longLabels = filled.copy(
        grids = "锦江区春熙路街道锦华社区第三网格、第四网格（代管）",
        due = due.map { it.copy(title = LocalText("城乡最低生活保障家庭经济状况年度复核入户调查", "Annual household review")) },
    )
    val all = listOf("empty" to empty, "filled" to filled, "returned" to returned, "offline" to offline, "long-labels" to longLabels)
}
