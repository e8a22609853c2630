package cn.doorstep.ui.home

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import androidx.compose.ui.Alignment
import androidx.compose.ui.platform.testTag
import cn.doorstep.core.NetworkState
import cn.doorstep.core.networkBadge
import cn.doorstep.core.problemsBadge
import cn.doorstep.core.visitStateBadge
import cn.doorstep.ui.theme.PrimaryButton
import cn.doorstep.ui.theme.Badge
import cn.doorstep.ui.theme.Banner
import cn.doorstep.ui.theme.Dimens
import cn.doorstep.ui.theme.DsTopBar
import cn.doorstep.ui.theme.Faint
import cn.doorstep.ui.theme.ListLine
import cn.doorstep.ui.theme.SecondaryButton
import cn.doorstep.ui.theme.Tone
import cn.doorstep.ui.theme.tr

/** "今日": counts on top, then returned visits, drafts and the visits due, all in the core's words. */
@Composable
fun HomeView(state: HomeState) {
    val h = state.home
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        Column {
            DsTopBar(tr("今日", "Today") + " · " + tr(h.todayZh, h.todayEn))
            h.sessionNoticeZh?.let { zh ->
                Column(Modifier.fillMaxWidth().testTag("session-expired")) {
                    Banner(tr(zh, h.sessionNoticeEn ?: zh), Tone.BAD)
                    PrimaryButton(tr("重新登录", "Sign in again"), { state.eventSink(HomeEvent.SignInAgain) }, Modifier.fillMaxWidth().padding(horizontal = Dimens.page, vertical = 4.dp))
                }
            }
            if (state.network == NetworkState.OFFLINE) {
                Banner(tr("无网络：走访照常保存，联网后自动上传", "Offline: visits are saved and sent when the network is back"), Tone.WARN)
            }
            LazyColumn(Modifier.fillMaxSize()) {
                item {
                    Column(Modifier.padding(Dimens.page), verticalArrangement = Arrangement.spacedBy(Dimens.gap)) {
                        Text(state.workerName, style = MaterialTheme.typography.titleLarge)
                        if (state.grids.isNotEmpty()) Faint(state.grids)
                        Row(horizontalArrangement = Arrangement.spacedBy(Dimens.gap)) {
                            Count(tr("应访", "Due"), h.dueCount.toInt(), Tone.INFO, Modifier.weight(1f))
                            Count(tr("逾期", "Overdue"), h.overdueCount.toInt(), Tone.BAD, Modifier.weight(1f))
                            Count(tr("退回", "Returned"), h.returned.size, Tone.WARN, Modifier.weight(1f))
                            Count(tr("草稿", "Drafts"), h.drafts.size, Tone.INFO, Modifier.weight(1f))
                        }
                        Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.spacedBy(Dimens.gap)) {
                            Column(Modifier.weight(1f).padding(top = 4.dp)) {
                                Text(
                                    if (h.waitingUpload == 0u) tr("全部已上传", "Everything is sent")
                                    else tr("待上传 ${h.waitingUpload} 次走访", "${h.waitingUpload} visits wait to be sent"),
                                )
                                Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(Dimens.gap)) {
                                    Badge(networkBadge(state.network))
                                    Faint(tr(h.lastSyncZh, h.lastSyncEn))
                                }
                            }
                            SecondaryButton(tr("同步", "Sync"), { state.eventSink(HomeEvent.OpenSync) })
                        }
                    }
                }
                if (h.returned.isNotEmpty()) {
                    item { Heading(tr("退回修改", "Returned for rework")) }
                    items(h.returned, key = { "r" + it.visit.visit.visitId }) { r ->
                        ListLine(r.visit.head + " · " + tr(r.templateTitleZh, r.templateTitleEn), r.comment, Modifier.clickable { state.eventSink(HomeEvent.OpenReturned) }) {
                            Badge(visitStateBadge(r.visit.visit.state))
                        }
                    }
                }
                if (h.drafts.isNotEmpty()) {
                    item { Heading(tr("草稿", "Drafts")) }
                    items(h.drafts, key = { "d" + it.visit.visit.visitId }) { d ->
                        ListLine(
                            d.visit.head + " · " + tr(d.templateTitleZh, d.templateTitleEn),
                            listOfNotNull(tr(d.startedZh, d.startedEn), d.uploadProblemZh?.let { tr(it, d.uploadProblemEn ?: it) }).joinToString(" · "),
                            Modifier.clickable { state.eventSink(HomeEvent.OpenVisit(d.visit.visit.visitId)) },
                        ) {
                            if (d.problems > 0u) Badge(problemsBadge(d.problems)) else Badge(visitStateBadge(d.visit.visit.state))
                        }
                    }
                }
                item { Heading(tr("应访户", "Visits due")) }
                if (h.due.isEmpty()) item { Faint(tr("今天没有应访的户", "Nothing is due today"), Modifier.padding(Dimens.page)) }
                items(h.due, key = { "u" + it.household.id + it.templateId }) { d ->
                    ListLine(
                        d.household.head + " · " + tr(d.templateTitleZh, d.templateTitleEn),
                        tr(d.whenZh, d.whenEn) + " · " + d.household.address,
                        Modifier.clickable {
                            val draft = d.draftVisitId
                            state.eventSink(if (draft != null) HomeEvent.OpenVisit(draft) else HomeEvent.OpenHousehold(d.household.id))
                        },
                    ) {
                        Badge(d.badge)
                    }
                    HorizontalDivider()
                }
            }
        }
    }
}

@Composable
private fun Heading(text: String) {
    Text(text, style = MaterialTheme.typography.titleMedium, modifier = Modifier.padding(start = Dimens.page, top = Dimens.page, bottom = 4.dp))
}

@Composable
private fun Count(label: String, n: Int, tone: Tone, modifier: Modifier) {
    Column(modifier.padding(vertical = 4.dp)) {
        Text(n.toString(), style = MaterialTheme.typography.headlineSmall)
        Badge(label, tone)
    }
}
