package cn.doorstep.ui.visit

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.lazy.rememberLazyListState
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import cn.doorstep.core.FieldItem
import cn.doorstep.core.FieldKind
import cn.doorstep.core.problemsBadge
import cn.doorstep.ui.theme.Badge
import cn.doorstep.ui.theme.Banner
import cn.doorstep.ui.theme.Dimens
import cn.doorstep.ui.theme.DsTopBar
import cn.doorstep.ui.theme.PrimaryButton
import cn.doorstep.ui.theme.SecondaryButton
import cn.doorstep.ui.theme.Tone
import cn.doorstep.ui.theme.show
import cn.doorstep.ui.theme.tr

/** A line of the form: a field, the head of a repeat entry, or the repeat's add button. */
private sealed interface Row {
    data class Field(val f: FieldItem) : Row
    data class Entry(val entryPath: String, val number: Int, val removable: Boolean) : Row
    data class Add(val repeat: FieldItem) : Row
}

private val entryOf = Regex("""^(.*)\[(\d+)]\.[^\[\]]+$""")

private fun rowsOf(fields: List<FieldItem>, all: List<FieldItem>): List<Row> {
    val rows = mutableListOf<Row>()
    val open = ArrayDeque<FieldItem>()
    var lastEntry: String? = null
    fun closeUntil(path: String) {
        while (open.isNotEmpty() && !path.startsWith(open.last().path + "[")) rows += Row.Add(open.removeLast())
    }
    for (f in fields) {
        closeUntil(f.path)
        entryOf.find(f.path)?.let { m ->
            val entry = m.groupValues[1] + "[" + m.groupValues[2] + "]"
            val repeat = open.lastOrNull { it.path == m.groupValues[1] }
            if (entry != lastEntry && repeat != null) {
                rows += Row.Entry(entry, m.groupValues[2].toInt() + 1, repeat.canRemoveEntry)
                lastEntry = entry
            }
        }
        rows += Row.Field(f)
        if (f.kind == FieldKind.REPEAT) open.addLast(f)
    }
    // A repeat whose entries run past this page still gets its button here only when its entries end here.
    while (open.isNotEmpty()) {
        val r = open.removeLast()
        val after = all.dropWhile { it.path != fields.last().path }.drop(1).firstOrNull()
        if (after == null || !after.path.startsWith(r.path + "[")) rows += Row.Add(r)
    }
    return rows
}

/** The visit: the door check first, then the form page by page, with 保存草稿 and 完成. */
@Composable
fun VisitView(state: VisitUiState) {
    val screen = state.screen
    val sink = state.eventSink
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        Column(Modifier.fillMaxSize()) {
            DsTopBar(screen.title, onBack = { sink(VisitEvent.Back) })
            state.notice?.let { Banner(it.show(), Tone.INFO) }
            val door = state.doorCheck
            if (door != null) {
                Column(Modifier.weight(1f).verticalScroll(rememberScrollState()).padding(Dimens.page)) {
                    DoorCheckPanel(door, sink)
                }
                return@Column
            }
            screen.doorCheck?.let { r ->
                Row(Modifier.fillMaxWidth().padding(horizontal = Dimens.page, vertical = 6.dp), horizontalArrangement = Arrangement.spacedBy(Dimens.gap)) {
                    Text(tr("到门核验：", "Door check: ") + tr(r.outcomeZh, r.outcomeEn), style = MaterialTheme.typography.bodyMedium)
                    Badge(tr(r.verdictZh, r.verdictEn), if (r.verdict == cn.doorstep.core.DoorVerdict.VERIFIED) Tone.OK else Tone.WARN)
                }
            }
            val section = state.sections[state.section.coerceIn(0, state.sections.lastIndex)]
            Row(Modifier.fillMaxWidth().padding(horizontal = Dimens.page), verticalAlignment = Alignment.CenterVertically) {
                Text(
                    (section.title?.show() ?: "") + "  ${state.section + 1}/${state.sections.size}",
                    style = MaterialTheme.typography.titleMedium, modifier = Modifier.weight(1f),
                )
                val problems = screen.problems.size
                if (problems > 0) Badge(problemsBadge(problems.toUInt()))
            }
            val rows = rowsOf(section.fields, screen.fields)
            val list = rememberLazyListState()
            LaunchedEffect(state.focusPath, state.section) {
                val i = rows.indexOfFirst { it is Row.Field && it.f.path == state.focusPath }
                // Applied at the next layout, never inside one that is running.
                list.requestScrollToItem(if (i >= 0) i else 0)
            }
            LazyColumn(
                Modifier.weight(1f).fillMaxWidth().testTag("form"), state = list,
                contentPadding = PaddingValues(Dimens.page), verticalArrangement = Arrangement.spacedBy(12.dp),
            ) {
                items(rows, key = { r ->
                    when (r) {
                        is Row.Field -> "f:" + r.f.path
                        is Row.Entry -> "e:" + r.entryPath
                        is Row.Add -> "a:" + r.repeat.path
                    }
                }) { r ->
                    when (r) {
                        is Row.Field -> FieldBlock(r.f, state.thumbnails, sink, screen.editable)
                        is Row.Entry -> Row(verticalAlignment = Alignment.CenterVertically) {
                            Text(tr("第 ${r.number} 人", "Person ${r.number}"), style = MaterialTheme.typography.titleMedium, modifier = Modifier.weight(1f))
                            if (screen.editable && r.removable) TextButton({ sink(VisitEvent.RemoveEntry(r.entryPath)) }) { Text(tr("移除", "Remove")) }
                        }
                        is Row.Add -> if (screen.editable && r.repeat.canAddEntry) {
                            SecondaryButton(tr("添加成员", "Add a person"), { sink(VisitEvent.AddEntry(r.repeat.path)) }, Modifier.fillMaxWidth())
                        }
                    }
                }
            }
            HorizontalDivider()
            Column(Modifier.padding(horizontal = Dimens.page, vertical = Dimens.gap), verticalArrangement = Arrangement.spacedBy(Dimens.gap)) {
                val b = screen.buttons
                Row(horizontalArrangement = Arrangement.spacedBy(Dimens.gap)) {
                    val prev = b.previous
                    val next = b.next
                    SecondaryButton(prev?.let { tr(it.labelZh, it.labelEn) } ?: tr("上一节", "Previous"), { prev?.let { sink(VisitEvent.GoToSection(it.sectionKey)) } }, Modifier.weight(1f), enabled = prev != null)
                    SecondaryButton(next?.let { tr(it.labelZh, it.labelEn) } ?: tr("下一节", "Next"), { next?.let { sink(VisitEvent.GoToSection(it.sectionKey)) } }, Modifier.weight(1f), enabled = next != null)
                }
                if (screen.editable) {
                    Row(horizontalArrangement = Arrangement.spacedBy(Dimens.gap)) {
                        SecondaryButton(tr(b.saveDraft.labelZh, b.saveDraft.labelEn), { sink(VisitEvent.SaveDraft) }, Modifier.weight(1f), enabled = b.saveDraft.enabled)
                        PrimaryButton(tr(b.finish.labelZh, b.finish.labelEn), { sink(VisitEvent.Finish) }, Modifier.weight(1f), enabled = b.finish.enabled)
                    }
                }
            }
        }
    }
}
