package cn.doorstep.ui.households

import androidx.compose.foundation.clickable
import androidx.compose.foundation.horizontalScroll
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.input.ImeAction
import cn.doorstep.core.ListFilter
import cn.doorstep.ui.theme.Badge
import cn.doorstep.core.visitStateBadge
import cn.doorstep.ui.theme.Dimens
import cn.doorstep.ui.theme.DsTopBar
import cn.doorstep.ui.theme.Faint
import cn.doorstep.ui.theme.ListLine
import cn.doorstep.ui.theme.Tone
import cn.doorstep.ui.theme.tr
import cn.doorstep.ui.theme.pick

/** The search box, the filters with their counts, and the matching households in a lazy list. */
@Composable
fun HouseholdsView(state: HouseholdsState) {
    val page = state.page
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        Column {
            DsTopBar(tr("住户", "Households"))
            OutlinedTextField(
                value = state.query,
                onValueChange = { state.eventSink(HouseholdsEvent.Search(it)) },
                label = { Text(tr("搜索：姓名、拼音首字母、地址、门牌、身份证后四位", "Search: name, pinyin, initials, address, door, ID last four")) },
                singleLine = true,
                keyboardOptions = KeyboardOptions(imeAction = ImeAction.Search),
                modifier = Modifier.fillMaxWidth().padding(horizontal = Dimens.page, vertical = Dimens.gap).testTag("search"),
            )
            Row(Modifier.horizontalScroll(rememberScrollState()).padding(horizontal = Dimens.page), horizontalArrangement = Arrangement.spacedBy(Dimens.gap)) {
                val chips = listOf(
                    ListFilter.All to tr("全部 ${page.total}", "All ${page.total}"),
                    ListFilter.Due to tr("应访 ${page.due}", "Due ${page.due}"),
                    ListFilter.Overdue to tr("逾期 ${page.overdue}", "Overdue ${page.overdue}"),
                    ListFilter.Returned to tr("退回 ${page.returned}", "Returned ${page.returned}"),
                ) + page.tags.map { ListFilter.Tag(it.tag.code) to tr(it.tag.nameZh, it.tag.nameEn) + " ${it.households}" }
                chips.forEach { (f, label) ->
                    FilterChip(state.filter == f, { state.eventSink(HouseholdsEvent.Filter(f)) }, { Text(label) }, Modifier.heightIn(min = Dimens.touch))
                }
            }
            Faint(tr("找到 ${page.matching} 户", "${page.matching} households"), Modifier.padding(horizontal = Dimens.page))
            LazyColumn(Modifier.fillMaxSize()) {
                items(page.rows, key = { it.summary.id }) { r ->
                    val h = r.summary
                    val lang = cn.doorstep.ui.theme.LocalLang.current
                    ListLine(
                        h.head + (if (r.tags.isEmpty()) "" else "  " + r.tags.joinToString(" ") { lang.pick(it.nameZh, it.nameEn) }),
                        h.address + " · " + h.code,
                        Modifier.clickable { state.eventSink(HouseholdsEvent.Open(h.id)) },
                    ) {
                        r.due?.let { Badge(tr(it.textZh, it.textEn), if (it.overdue) Tone.BAD else Tone.INFO) }
                        if (r.returned > 0u) Badge(visitStateBadge(cn.doorstep.core.VisitState.RETURNED))
                    }
                    HorizontalDivider()
                }
            }
        }
    }
}
