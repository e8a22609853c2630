package cn.doorstep.ui.returned

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import cn.doorstep.ui.theme.Banner
import cn.doorstep.ui.theme.Dimens
import cn.doorstep.ui.theme.DsTopBar
import cn.doorstep.ui.theme.Faint
import cn.doorstep.ui.theme.PrimaryButton
import cn.doorstep.ui.theme.SectionCard
import cn.doorstep.ui.theme.Tone
import cn.doorstep.ui.theme.show
import cn.doorstep.ui.theme.tr

/** Each returned visit: who, which form, the supervisor's comment, and 修改. */
@Composable
fun ReturnedView(state: ReturnedState) {
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        Column {
            DsTopBar(tr("退回修改", "Returned for rework"), onBack = { state.eventSink(ReturnedEvent.Back) })
            state.error?.let { Banner(it.show(), Tone.BAD) }
            if (state.visits.isEmpty()) Faint(tr("没有退回的走访", "No visit was returned"), Modifier.fillMaxWidth().let { it })
            LazyColumn(contentPadding = PaddingValues(Dimens.page), verticalArrangement = Arrangement.spacedBy(12.dp)) {
                items(state.visits, key = { it.visit.visit.visitId }) { r ->
                    SectionCard(r.visit.head) {
                        Faint(r.visit.address)
                        Text(tr(r.templateTitleZh, r.templateTitleEn), style = MaterialTheme.typography.bodyLarge)
                        Text(tr("督导意见", "Supervisor's comment"), style = MaterialTheme.typography.bodySmall)
                        Banner(r.comment.ifEmpty { tr("（没有意见）", "(no comment)") }, Tone.WARN)
                        r.returnedAtZh?.let { Faint(tr("退回时间 ", "Returned ") + tr(it, r.returnedAtEn ?: it)) }
                        PrimaryButton(tr("修改", "Revise"), { state.eventSink(ReturnedEvent.Revise(r.visit.visit.visitId)) }, Modifier.fillMaxWidth())
                    }
                }
            }
        }
    }
}
