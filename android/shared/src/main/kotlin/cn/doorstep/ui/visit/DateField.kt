//! A date question: the date as text (typed, or filled by the buttons), a
//! Material 3 calendar opened by 选择日期, and 今天. The chosen day goes to the
//! core as an ISO date through the visit's `Answer` event; the core says
//! whether the form accepts it.
package cn.doorstep.ui.visit

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.DatePicker
import androidx.compose.material3.DatePickerDialog
import androidx.compose.material3.DatePickerState
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.focus.FocusDirection
import androidx.compose.ui.platform.LocalFocusManager
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.unit.dp
import cn.doorstep.core.AnswerValue
import cn.doorstep.core.FieldItem
import cn.doorstep.ui.theme.Dimens
import cn.doorstep.ui.theme.Lang
import cn.doorstep.ui.theme.LocalLang
import cn.doorstep.ui.theme.SecondaryButton
import cn.doorstep.ui.theme.tr
import java.time.LocalDate
import java.util.Locale
import java.time.ZoneOffset

private const val DAY_MS = 86_400_000L

/** The calendar's selection (UTC midnight, as `DatePickerState` counts) for an ISO date; null when it is not one. */
fun pickerMillis(iso: String?): Long? =
    iso?.let { runCatching { LocalDate.parse(it.trim()) }.getOrNull() }?.toEpochDay()?.times(DAY_MS)

/** The ISO date (2025-06-30) of a day the calendar selected. */
fun pickedIso(millis: Long): String =
    java.time.Instant.ofEpochMilli(millis).atZone(ZoneOffset.UTC).toLocalDate().toString()

/**
 * A date field: its text (typed text goes to the core as it is, so the core's
 * problem says what is wrong), 选择日期 opening the calendar at the current
 * answer, and 今天. [today] gives the phone's date (tests pass a fixed one);
 * [calendarOpen] draws the calendar from the start (for pictures).
 */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun DateField(
    f: FieldItem,
    sink: (VisitEvent) -> Unit,
    today: () -> LocalDate = { LocalDate.now() },
    calendarOpen: Boolean = false,
) {
    val focus = LocalFocusManager.current
    var text by remember(f.path) { mutableStateOf(f.value?.asText() ?: "") }
    var open by remember(f.path) { mutableStateOf(calendarOpen) }
    fun choose(iso: String) {
        text = iso
        sink(VisitEvent.Answer(f.path, AnswerValue.Date(iso)))
    }
    OutlinedTextField(
        value = text,
        onValueChange = {
            text = it
            sink(VisitEvent.Answer(f.path, typedAnswer(f.kind, it)))
        },
        label = { Text(tr(f.labelZh, f.labelEn) + if (f.required) " *" else "") },
        isError = f.problems.isNotEmpty(),
        singleLine = true,
        placeholder = { Text("2025-06-30") },
        keyboardOptions = KeyboardOptions(imeAction = ImeAction.Next),
        keyboardActions = KeyboardActions(onNext = { focus.moveFocus(FocusDirection.Next) }),
        modifier = Modifier.fillMaxWidth().testTag("input:" + f.path),
    )
    Row(horizontalArrangement = Arrangement.spacedBy(Dimens.gap)) {
        SecondaryButton(tr("选择日期", "Pick a date"), { open = true }, Modifier.testTag("pick-date:" + f.path))
        SecondaryButton(tr("今天", "Today"), { choose(today().toString()) })
    }
    if (open) {
        val initial = pickerMillis(text)
        // The calendar's month and weekday names follow the app's language, not the system's.
        val locale = if (LocalLang.current == Lang.ZH) Locale.CHINA else Locale.UK
        val state = remember(locale) {
            DatePickerState(
                locale = locale,
                initialSelectedDateMillis = initial,
                initialDisplayedMonthMillis = initial ?: (today().toEpochDay() * DAY_MS),
            )
        }
        DatePickerDialog(
            onDismissRequest = { open = false },
            confirmButton = {
                TextButton(
                    onClick = {
                        state.selectedDateMillis?.let { choose(pickedIso(it)) }
                        open = false
                    },
                    enabled = state.selectedDateMillis != null,
                ) { Text(tr("确定", "OK")) }
            },
            dismissButton = { TextButton(onClick = { open = false }) { Text(tr("取消", "Cancel")) } },
        ) {
            DatePicker(
                state = state,
                title = {
                    Text(
                        tr(f.labelZh, f.labelEn),
                        style = MaterialTheme.typography.labelLarge,
                        modifier = Modifier.padding(start = 24.dp, end = 12.dp, top = 16.dp).testTag("date-picker-title"),
                    )
                },
                headline = {
                    Text(
                        state.selectedDateMillis?.let { pickedIso(it) } ?: tr("请选择日期", "Choose a day"),
                        style = MaterialTheme.typography.headlineMedium,
                        modifier = Modifier.padding(start = 24.dp, end = 12.dp, bottom = 12.dp).testTag("date-picker-headline"),
                    )
                },
                showModeToggle = false,
            )
        }
    }
}
