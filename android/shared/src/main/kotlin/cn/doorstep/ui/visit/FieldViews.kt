//! One widget per field kind, fed by the core's `FieldItem`; every change goes
//! straight back to the core as an answer.
package cn.doorstep.ui.visit

import androidx.compose.foundation.Image
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Checkbox
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.focus.FocusDirection
import androidx.compose.ui.platform.LocalFocusManager
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import cn.doorstep.core.AnswerValue
import cn.doorstep.core.FieldItem
import cn.doorstep.core.FieldKind
import cn.doorstep.platform.LocalImageDecoder
import cn.doorstep.ui.theme.ChoiceChip
import cn.doorstep.ui.theme.Dimens
import cn.doorstep.ui.theme.Faint
import cn.doorstep.ui.theme.ProblemLine
import cn.doorstep.ui.theme.SecondaryButton
import cn.doorstep.ui.theme.tr

/** An answer as the text a field shows. */
fun AnswerValue.asText(): String = when (this) {
    is AnswerValue.Text -> value
    is AnswerValue.Integer -> value.toString()
    is AnswerValue.Decimal -> value.toString()
    is AnswerValue.Money -> "%d.%02d".format(fen / 100, kotlin.math.abs(fen % 100))
    is AnswerValue.Date -> iso
    is AnswerValue.YesNo -> if (yes) "yes" else "no"
    is AnswerValue.Choice -> name
    is AnswerValue.Choices -> names.joinToString(", ")
    is AnswerValue.Geopoint -> "%.6f, %.6f".format(lat, lon)
    is AnswerValue.Photos -> sha256s.size.toString()
    is AnswerValue.Json -> json
}

/** What typed text becomes for [kind]; text the kind cannot take goes as typed, and the core says what is wrong. */
fun typedAnswer(kind: FieldKind, text: String): AnswerValue? {
    if (text.isBlank()) return null
    val t = text.trim()
    return when (kind) {
        FieldKind.INTEGER -> t.toLongOrNull()?.let { AnswerValue.Integer(it) }
        FieldKind.DECIMAL -> t.toDoubleOrNull()?.let { AnswerValue.Decimal(it) }
        FieldKind.MONEY -> t.toBigDecimalOrNull()?.let { AnswerValue.Money(it.movePointRight(2).toLong()) }
        FieldKind.DATE -> AnswerValue.Date(t)
        else -> null
    } ?: AnswerValue.Text(text)
}

@Composable
private fun label(f: FieldItem) = f.label + if (f.required) " *" else ""

/** One field with its label, its widget, its hint and the core's problems with it. */
@Composable
fun FieldBlock(f: FieldItem, thumbnails: Map<String, ByteArray>, sink: (VisitEvent) -> Unit, editable: Boolean) {
    Column(
        Modifier.fillMaxWidth().testTag("field:" + f.path).padding(start = (12 * (f.depth.coerceAtMost(3u).toInt())).dp),
        verticalArrangement = Arrangement.spacedBy(4.dp),
    ) {
        when (f.kind) {
            FieldKind.GROUP -> Text(f.label, style = MaterialTheme.typography.titleMedium)
            FieldKind.NOTE -> Text(f.label, style = MaterialTheme.typography.bodyMedium)
            FieldKind.REPEAT -> {
                val zh = f.entriesTextZh
                val en = f.entriesTextEn
                Text(f.label + if (zh != null && en != null) tr("（$zh）", " ($en)") else "", style = MaterialTheme.typography.titleMedium)
            }
            FieldKind.CALCULATE -> ReadOnly(f)
            FieldKind.YES_NO, FieldKind.SELECT_ONE -> if (f.readOnly || !editable) ReadOnly(f) else SelectOne(f, sink)
            FieldKind.SELECT_MULTIPLE -> if (f.readOnly || !editable) ReadOnly(f) else SelectMany(f, sink)
            FieldKind.IMAGE -> Photos(f, thumbnails, sink, editable)
            FieldKind.SIGNATURE -> SignatureField(f, thumbnails, sink, editable)
            FieldKind.GEOPOINT -> ReadOnly(f)
            FieldKind.DATE -> if (f.readOnly || !editable) ReadOnly(f) else DateField(f, sink)
            else -> if (f.readOnly || !editable) ReadOnly(f) else TypedField(f, sink)
        }
        f.hint?.takeIf { it.isNotEmpty() }?.let { Faint(it) }
        f.guidanceHint?.takeIf { it.isNotEmpty() }?.let { Guidance(f.path, it) }
        f.problems.forEach { ProblemLine(tr(it.messageZh, it.messageEn)) }
    }
}

/** The field's longer explanation (XLSForm `guidance_hint`), opened when she needs it. */
@Composable
private fun Guidance(path: String, text: String) {
    var open by remember(path) { mutableStateOf(false) }
    TextButton({ open = !open }, Modifier.heightIn(min = Dimens.touch).testTag("guidance:$path"), contentPadding = PaddingValues(0.dp)) {
        Text(if (open) tr("收起说明", "Hide guidance") else tr("查看说明", "Show guidance"))
    }
    if (open) Text(text, style = MaterialTheme.typography.bodyMedium)
}

@Composable
private fun ReadOnly(f: FieldItem) {
    Text(label(f), style = MaterialTheme.typography.bodyMedium)
    val shown = when (val v = f.value) {
        null -> "—"
        else -> if (f.displayZh != null) tr(f.displayZh!!, f.displayEn ?: f.displayZh!!) else when (v) {
        is AnswerValue.Choice -> f.choices.firstOrNull { it.name == v.name }?.label ?: v.name
        is AnswerValue.YesNo -> if (v.yes) tr("是", "Yes") else tr("否", "No")
        else -> v.asText()
    }
    }
    Text(shown, style = MaterialTheme.typography.bodyLarge)
}

@Composable
private fun TypedField(f: FieldItem, sink: (VisitEvent) -> Unit) {
    val focus = LocalFocusManager.current
    var text by remember(f.path) { mutableStateOf(f.value?.asText() ?: "") }
    val keyboard = when (f.kind) {
        FieldKind.INTEGER -> KeyboardType.Number
        FieldKind.DECIMAL, FieldKind.MONEY -> KeyboardType.Decimal
        FieldKind.PHONE -> KeyboardType.Phone
        else -> KeyboardType.Text
    }
    OutlinedTextField(
        value = text,
        onValueChange = {
            text = it
            sink(VisitEvent.Answer(f.path, typedAnswer(f.kind, it)))
        },
        label = { Text(label(f)) },
        isError = f.problems.isNotEmpty(),
        singleLine = f.kind != FieldKind.TEXT,
        keyboardOptions = KeyboardOptions(keyboardType = keyboard, imeAction = ImeAction.Next),
        keyboardActions = KeyboardActions(onNext = { focus.moveFocus(FocusDirection.Next) }),
        modifier = Modifier.fillMaxWidth().testTag("input:" + f.path),
    )
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun SelectOne(f: FieldItem, sink: (VisitEvent) -> Unit) {
    Text(label(f), style = MaterialTheme.typography.bodyLarge)
    val chosen = when (val v = f.value) {
        is AnswerValue.Choice -> v.name
        is AnswerValue.YesNo -> if (v.yes) "yes" else "no"
        else -> null
    }
    if (f.kind == FieldKind.YES_NO) {
        FlowRow(horizontalArrangement = Arrangement.spacedBy(Dimens.gap)) {
            f.choices.forEach { c ->
                ChoiceChip(
                    text = c.label,
                    selected = chosen == c.name,
                    onClick = { sink(VisitEvent.Answer(f.path, AnswerValue.YesNo(c.name == "yes"))) },
                )
            }
        }
        return
    }
    f.choices.forEach { c ->
        Row(
            Modifier.fillMaxWidth().heightIn(min = Dimens.touch).clickable { sink(VisitEvent.Answer(f.path, AnswerValue.Choice(c.name))) },
            verticalAlignment = Alignment.CenterVertically,
        ) {
            RadioButton(selected = chosen == c.name, onClick = { sink(VisitEvent.Answer(f.path, AnswerValue.Choice(c.name))) })
            Text(c.label)
        }
    }
}

@Composable
private fun SelectMany(f: FieldItem, sink: (VisitEvent) -> Unit) {
    Text(label(f), style = MaterialTheme.typography.bodyLarge)
    val chosen = (f.value as? AnswerValue.Choices)?.names ?: emptyList()
    f.choices.forEach { c ->
        val on = c.name in chosen
        val next = if (on) chosen - c.name else chosen + c.name
        Row(
            Modifier.fillMaxWidth().heightIn(min = Dimens.touch)
                .clickable { sink(VisitEvent.Answer(f.path, if (next.isEmpty()) null else AnswerValue.Choices(next))) },
            verticalAlignment = Alignment.CenterVertically,
        ) {
            Checkbox(checked = on, onCheckedChange = { sink(VisitEvent.Answer(f.path, if (next.isEmpty()) null else AnswerValue.Choices(next))) })
            Text(c.label)
        }
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun Photos(f: FieldItem, thumbnails: Map<String, ByteArray>, sink: (VisitEvent) -> Unit, editable: Boolean) {
    Text(label(f), style = MaterialTheme.typography.bodyLarge)
    val hashes = (f.value as? AnswerValue.Photos)?.sha256s ?: emptyList()
    val decoder = LocalImageDecoder.current
    FlowRow(horizontalArrangement = Arrangement.spacedBy(Dimens.gap)) {
        hashes.forEachIndexed { i, h ->
            val image = thumbnails[h]?.let { remember(h) { decoder.decode(it) } }
            if (image != null) {
                Image(image, contentDescription = tr("照片 ${i + 1}", "Photo ${i + 1}"), modifier = Modifier.size(96.dp))
            } else {
                Faint(tr("照片 ${i + 1}", "Photo ${i + 1}"), Modifier.semantics { contentDescription = "photo" })
            }
        }
    }
    if (hashes.isEmpty()) Faint(tr("还没有照片", "No photo yet"))
    if (editable) SecondaryButton(tr("拍照", "Take a photo"), { sink(VisitEvent.TakePhoto(f.path)) })
}
