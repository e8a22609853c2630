package cn.doorstep.ui.home

import cn.doorstep.core.BadgeTone
import cn.doorstep.core.BadgeView
import cn.doorstep.core.DraftItemView
import cn.doorstep.core.DueItemView
import cn.doorstep.core.HomeView as HomeModel
import cn.doorstep.core.NetworkState
import cn.doorstep.core.ReturnedItemView
import cn.doorstep.core.VisitState
import cn.doorstep.ui.preview.Samples

/** "今日" for pictures: empty, filled, offline, signed out by expiry, with returned visits, with long Chinese labels. */
object HomeStates {
    private val due = Samples.households.take(6).mapIndexed { i, h ->
        DueItemView(
            h, "elder_alone_visit", "独居老人探访", "Visit to an elder living alone", "2025-06-30", i < 2,
            if (i < 2) BadgeView("逾期", "Overdue", BadgeTone.BAD) else BadgeView("应访", "Due", BadgeTone.INFO),
            if (i < 2) "逾期 ${3 - i} 天" else "6月30日前", if (i < 2) "${3 - i} days overdue" else "by 30 June",
            "独居老人 · 每月走访", "Elder living alone · monthly", null,
        )
    }
    private val model = HomeModel(
        "2025-06-18", "6月18日 星期三", "Wed 18 June", emptyList(), 0u, 0u, emptyList(), emptyList(), 0u, 0u, null,
        "还没有同步过", "Never synced", true, false,
    )
    val empty = HomeState("王秀兰", "锦华社区第三网格", model, NetworkState.WIFI) {}
    val filled = empty.copy(
        home = model.copy(
            due = due, dueCount = 4u, overdueCount = 2u,
            drafts = listOf(DraftItemView(Samples.summary(3, "hazard_inspection", VisitState.DRAFT), "安全隐患排查", "Hazard inspection", 2u, "今天 09:42 开始", "Started 09:42 today", null, null)),
            waitingUpload = 3u, lastSync = "2025-06-18T08:10:00+08:00", lastSyncZh = "上次同步 今天 08:10", lastSyncEn = "Last sync 08:10 today",
        ),
    )
    val returned = filled.copy(
        home = filled.home.copy(
            returned = listOf(
                ReturnedItemView(Samples.summary(1, "elder_alone_visit", VisitState.RETURNED, "门牌照片不清晰，请补拍"), "独居老人探访", "Elder visit", "门牌照片不清晰，请补拍", "昨天 16:05", "Yesterday 16:05"),
            ),
        ),
    )
    val offline = filled.copy(network = NetworkState.OFFLINE)
    val sessionExpired = filled.copy(
        network = NetworkState.CELLULAR,
        home = filled.home.copy(
            sessionExpired = true,
            sessionNoticeZh = "登录已过期，请重新登录。未上传的走访仍在手机上，重新登录后继续上传",
            sessionNoticeEn = "Your sign-in has expired: sign in again. Visits not yet sent stay on this phone and go after you sign in",
        ),
    )
    val longLabels = filled.copy(
        grids = "锦江区春熙路街道锦华社区第三网格、第四网格（代管）",
        home = filled.home.copy(due = due.map { it.copy(templateTitleZh = "城乡最低生活保障家庭经济状况年度复核入户调查") }),
    )
    val all = listOf("empty" to empty, "filled" to filled, "returned" to returned, "offline" to offline, "session-expired" to sessionExpired, "long-labels" to longLabels)
}
