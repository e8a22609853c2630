package cn.doorstep.ui.sync

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.foundation.selection.toggleable
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.ProgressBarRangeInfo
import androidx.compose.ui.semantics.progressBarRangeInfo
import androidx.compose.ui.semantics.semantics
import cn.doorstep.core.NetworkState
import cn.doorstep.core.networkBadge
import cn.doorstep.ui.theme.Badge
import cn.doorstep.ui.theme.Banner
import cn.doorstep.ui.theme.Dimens
import cn.doorstep.ui.theme.DsTopBar
import cn.doorstep.ui.theme.Faint
import cn.doorstep.ui.theme.PrimaryButton
import cn.doorstep.ui.theme.SecondaryButton
import cn.doorstep.ui.theme.SectionCard
import cn.doorstep.ui.theme.Tone
import cn.doorstep.ui.theme.show
import cn.doorstep.ui.theme.tr

/** 立即同步, its progress and result, what waits, and the photos-on-cellular switch. */
@Composable
fun SyncView(state: SyncUiState) {
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        Column {
            DsTopBar(tr("同步", "Sync"))
            if (state.network == NetworkState.OFFLINE) Banner(tr("无网络：联网后自动上传", "Offline: sent when the network is back"), Tone.WARN)
            state.error?.let { Banner(it.show(), Tone.BAD) }
            Column(
                Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(Dimens.page),
                verticalArrangement = Arrangement.spacedBy(12.dp()),
            ) {
                SectionCard(tr("待上传", "Waiting to be sent")) {
                    Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(Dimens.gap)) {
                        Text(tr("当前网络", "Network"))
                        Badge(networkBadge(state.network))
                    }
                    Text(tr("待上传 ${state.outbox.pending} 项", "${state.outbox.pending} items wait"), style = MaterialTheme.typography.titleMedium)
                    val setAsideZh = state.outbox.setAsideTextZh
                    val setAsideEn = state.outbox.setAsideTextEn
                    if (setAsideZh != null && setAsideEn != null) Text(tr(setAsideZh, setAsideEn), color = MaterialTheme.colorScheme.error)
                    Faint(tr("已上传 ${state.outbox.done} 项", "${state.outbox.done} items sent"))
                }
                val p = state.progress
                if (state.running) {
                    SectionCard(tr("正在同步", "Syncing")) {
                        val fraction = if (p == null || p.itemsTotal == 0uL) 0f else p.itemsDone.toFloat() / p.itemsTotal.toFloat()
                        LinearProgressIndicator(
                            progress = { fraction },
                            modifier = Modifier.fillMaxWidth().semantics { progressBarRangeInfo = ProgressBarRangeInfo(fraction, 0f..1f) },
                        )
                        if (p != null) Text(tr("${p.itemsDone}/${p.itemsTotal} 项", "${p.itemsDone} of ${p.itemsTotal} items"))
                        SecondaryButton(tr("取消", "Cancel"), { state.eventSink(SyncEvent.Cancel) }, Modifier.fillMaxWidth())
                    }
                }
                state.lastResult?.let { r ->
                    SectionCard(tr("上次同步", "Last sync")) {
                        Text(tr(r.summaryZh, r.summaryEn))
                        Faint(tr("已上传 ${r.uploaded} 项，仍待上传 ${r.pending} 项", "${r.uploaded} sent, ${r.pending} still waiting"))
                        if (p != null) Faint(tr("进度 ${p.itemsDone}/${p.itemsTotal} 项", "Progress ${p.itemsDone} of ${p.itemsTotal} items"))
                        if (r.pulled.returned > 0u) Text(tr("${r.pulled.returned} 项走访被退回修改", "${r.pulled.returned} visits returned for rework"), color = MaterialTheme.colorScheme.error)
                        if (r.pulled.households > 0u) Faint(tr("更新住户 ${r.pulled.households} 户", "${r.pulled.households} households updated"))
                    }
                }
                if (state.entries.isNotEmpty()) {
                    SectionCard(tr("逐项状态", "Item by item")) {
                        state.entries.forEach { e ->
                            Column {
                                Text(e.householdHead + " · " + tr(e.titleZh, e.titleEn), style = MaterialTheme.typography.bodyLarge)
                                Text(tr(e.stateZh, e.stateEn), color = if (e.canRetry) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.onSurface)
                                e.reasonZh?.let { Faint(tr(it, e.reasonEn ?: it)) }
                                if (e.canRetry || e.canDiscard) {
                                    Row(horizontalArrangement = Arrangement.spacedBy(Dimens.gap)) {
                                        if (e.canRetry) SecondaryButton(tr("重试", "Retry"), { state.eventSink(SyncEvent.Retry(e.entryId)) })
                                        if (e.canDiscard) SecondaryButton(tr("退回草稿", "Back to drafts"), { state.eventSink(SyncEvent.Discard(e.entryId)) })
                                    }
                                }
                            }
                        }
                    }
                }
                PrimaryButton(tr("立即同步", "Sync now"), { state.eventSink(SyncEvent.SyncNow) }, Modifier.fillMaxWidth(), enabled = !state.running)
                Row(
                    Modifier.fillMaxWidth().heightIn(min = Dimens.touch)
                        .toggleable(state.photosOnCellular, role = Role.Switch) { state.eventSink(SyncEvent.SetPhotosOnCellular(it)) },
                    verticalAlignment = Alignment.CenterVertically,
                ) {
                    Text(tr("允许用移动网络上传照片", "Send photos over cellular"), Modifier.weight(1f))
                    Switch(state.photosOnCellular, onCheckedChange = null)
                }
                Row(
                    Modifier.fillMaxWidth().heightIn(min = Dimens.touch)
                        .toggleable(state.wifiOnly, role = Role.Switch) { state.eventSink(SyncEvent.SetWifiOnly(it)) },
                    verticalAlignment = Alignment.CenterVertically,
                ) {
                    Text(tr("仅在 Wi-Fi 下自动同步", "Sync by itself on Wi-Fi only"), Modifier.weight(1f))
                    Switch(state.wifiOnly, onCheckedChange = null)
                }
            }
        }
    }
}

private fun Int.dp() = androidx.compose.ui.unit.Dp(toFloat())
