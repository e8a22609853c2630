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
import cn.doorstep.core.NetworkState
import cn.doorstep.ui.theme.Badge
import cn.doorstep.ui.theme.Banner
import cn.doorstep.ui.theme.Dimens
import cn.doorstep.ui.theme.DsTopBar
import cn.doorstep.ui.theme.Faint
import cn.doorstep.ui.theme.ListLine
import cn.doorstep.ui.theme.SecondaryButton
import cn.doorstep.ui.theme.Tone
import cn.doorstep.ui.theme.show
import cn.doorstep.ui.theme.tr

/** "今日": counts on top, then returned visits, drafts and the visits due. */
@Composable
fun HomeView(state: HomeState) {
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        Column {
            DsTopBar(tr("今日", "Today"))
            if (state.network == NetworkState.OFFLINE) {
                Banner(tr("无网络：走访照常保存，联网后自动上传", "Offline: visits are saved and sent when the network is back"), Tone.WARN)
            }
            LazyColumn(Modifier.fillMaxSize()) {
                item {
                    Column(Modifier.padding(Dimens.page), verticalArrangement = Arrangement.spacedBy(Dimens.gap)) {
                        Text(state.workerName, style = MaterialTheme.typography.titleLarge)
                        if (state.grids.isNotEmpty()) Faint(state.grids)
                        Row(horizontalArrangement = Arrangement.spacedBy(Dimens.gap)) {
                            Count(tr("应访", "Due"), state.due.count { !it.overdue }, Tone.INFO, Modifier.weight(1f))
                            Count(tr("逾期", "Overdue"), state.due.count { it.overdue }, Tone.BAD, Modifier.weight(1f))
                            Count(tr("退回", "Returned"), state.returned.size, Tone.WARN, Modifier.weight(1f))
                            Count(tr("草稿", "Drafts"), state.drafts.size, Tone.INFO, Modifier.weight(1f))
                        }
                        val waiting = state.outbox.pending
                        Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.spacedBy(Dimens.gap)) {
                            Text(
                                if (waiting == 0uL) tr("全部已上传", "Everything is sent")
                                else tr("待上传 $waiting 项", "$waiting items wait to be sent"),
                                modifier = Modifier.weight(1f).padding(top = 12.dp),
                            )
                            SecondaryButton(tr("同步", "Sync"), { state.eventSink(HomeEvent.OpenSync) })
                        }
                    }
                }
                if (state.returned.isNotEmpty()) {
                    item { Heading(tr("退回修改", "Returned for rework")) }
                    items(state.returned, key = { "r" + it.visit.visitId }) { v ->
                        ListLine(v.head, v.visit.reviewComment ?: v.address, Modifier.clickable { state.eventSink(HomeEvent.OpenReturned) }) {
                            Badge(tr("退回", "Returned"), Tone.WARN)
                        }
                    }
                }
                if (state.drafts.isNotEmpty()) {
                    item { Heading(tr("草稿", "Drafts")) }
                    items(state.drafts, key = { "d" + it.visit.visitId }) { v ->
                        ListLine(v.head, v.address, Modifier.clickable { state.eventSink(HomeEvent.OpenVisit(v.visit.visitId)) }) {
                            Badge(tr("草稿", "Draft"), Tone.INFO)
                        }
                    }
                }
                item { Heading(tr("应访户", "Visits due")) }
                if (state.due.isEmpty()) item { Faint(tr("今天没有应访的户", "Nothing is due today"), Modifier.padding(Dimens.page)) }
                items(state.due, key = { "u" + it.householdId + it.title.zh }) { d ->
                    ListLine(d.head + " · " + d.title.show(), d.address, Modifier.clickable { state.eventSink(HomeEvent.OpenHousehold(d.householdId)) }) {
                        if (d.overdue) Badge(tr("逾期", "Overdue"), Tone.BAD) else Badge(d.dueBy, Tone.INFO)
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
