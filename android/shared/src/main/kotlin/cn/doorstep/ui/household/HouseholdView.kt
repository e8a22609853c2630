package cn.doorstep.ui.household

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import cn.doorstep.core.visitStateBadge
import cn.doorstep.ui.theme.Badge
import cn.doorstep.ui.theme.Banner
import cn.doorstep.ui.theme.Dimens
import cn.doorstep.ui.theme.DsTopBar
import cn.doorstep.ui.theme.Faint
import cn.doorstep.ui.theme.ListLine
import cn.doorstep.ui.theme.PrimaryButton
import cn.doorstep.ui.theme.SecondaryButton
import cn.doorstep.ui.theme.SectionCard
import cn.doorstep.ui.theme.Tone
import cn.doorstep.ui.theme.show
import cn.doorstep.ui.theme.tr
import cn.doorstep.ui.theme.pick

/** The household: what is due, its residents, its visits, and the buttons that start one. */
@Composable
fun HouseholdView(state: HouseholdState) {
    val h = state.household
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        Column {
            DsTopBar(h.summary.head, onBack = { state.eventSink(HouseholdEvent.Back) })
            state.error?.let { Banner(it.show(), Tone.BAD) }
            Column(
                Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(Dimens.page),
                verticalArrangement = Arrangement.spacedBy(12.dp()),
            ) {
                Text(h.summary.address, style = MaterialTheme.typography.bodyLarge)
                Faint(tr("户编号 ", "Household ") + h.summary.code)
                SectionCard(tr("应访", "Visits due")) {
                    if (h.due.isEmpty()) Faint(tr("目前没有应访", "Nothing is due"))
                    h.due.forEach { d ->
                        Column {
                            Text(tr(d.templateTitleZh, d.templateTitleEn), style = MaterialTheme.typography.bodyLarge)
                            Faint(tr(d.reasonZh, d.reasonEn))
                            Badge(tr(d.whenZh, d.whenEn), if (d.overdue) Tone.BAD else Tone.INFO)
                        }
                    }
                }
                SectionCard(tr("开始走访", "Start a visit")) {
                    state.templates.forEachIndexed { i, t ->
                        val label = tr(t.titleZh, t.titleEn)
                        if (i < h.due.size) {
                            PrimaryButton(label, { state.eventSink(HouseholdEvent.StartVisit(t.id)) }, Modifier.fillMaxWidth())
                        } else {
                            SecondaryButton(label, { state.eventSink(HouseholdEvent.StartVisit(t.id)) }, Modifier.fillMaxWidth())
                        }
                    }
                }
                SectionCard(tr("家庭成员", "Residents")) {
                    h.residents.forEach { r ->
                        Column {
                            Text(r.name + tr("（" + r.relationZh + "）", " (" + r.relationEn + ")"), style = MaterialTheme.typography.bodyLarge)
                            listOfNotNull(r.idNumberMasked, r.phoneMasked).takeIf { it.isNotEmpty() }?.let { Faint(it.joinToString(" · ")) }
                            val lang = cn.doorstep.ui.theme.LocalLang.current
                            if (r.tags.isNotEmpty()) Faint(r.tags.joinToString("、") { lang.pick(it.nameZh, it.nameEn) })
                        }
                    }
                }
                SectionCard(tr("走访记录", "Visits")) {
                    if (h.visits.isEmpty() && h.pastVisits.isEmpty()) Faint(tr("还没有走访", "No visits yet"))
                    h.visits.forEach { item ->
                        val v = item.summary.visit
                        val t = state.templates.firstOrNull { it.id == v.templateId }
                        ListLine(
                            t?.let { tr(it.titleZh, it.titleEn) } ?: v.templateId,
                            tr(item.dayZh, item.dayEn),
                            Modifier.clickable { state.eventSink(HouseholdEvent.OpenVisit(v.visitId)) },
                        ) { Badge(visitStateBadge(v.state)) }
                    }
                    h.pastVisits.forEach { p ->
                        val t = state.templates.firstOrNull { it.id == p.templateId }
                        ListLine(t?.let { tr(it.titleZh, it.titleEn) } ?: p.templateId, tr(p.dateZh, p.dateEn)) { Badge(visitStateBadge(p.state)) }
                    }
                }
            }
        }
    }
}

private fun Int.dp() = androidx.compose.ui.unit.Dp(this.toFloat())
