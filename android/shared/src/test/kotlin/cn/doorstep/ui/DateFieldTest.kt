package cn.doorstep.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.assert
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.runSkikoComposeUiTest
import cn.doorstep.core.AnswerValue
import cn.doorstep.core.FieldItem
import cn.doorstep.core.FieldKind
import cn.doorstep.ui.theme.DoorstepTheme
import cn.doorstep.ui.theme.Lang
import cn.doorstep.ui.visit.DateField
import cn.doorstep.ui.visit.VisitEvent
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import java.time.LocalDate

/** A date question on screen: the calendar opened from the field, a day picked, 今天, and the answer it sends. */
@OptIn(ExperimentalTestApi::class)
class DateFieldTest {
    private fun dateField(value: String?) = FieldItem(
        "next_visit_date", "next_visit_date", FieldKind.DATE, 0u, "下次走访日期", "Next visit date", null, null, true, false,
        emptyList(), value?.let { AnswerValue.Date(it) }, null, null, null, null, null, emptyList(),
    )

    /** Shows the field as the visit does: every answer is sent and the field is redrawn with it. */
    private fun ComposeUiTest.show(start: String?, lang: Lang = Lang.ZH, sent: MutableList<AnswerValue?>) {
        setContent {
            var field by remember { mutableStateOf(dateField(start)) }
            DoorstepTheme(lang) {
                Column {
                    DateField(field, { e ->
                        if (e is VisitEvent.Answer) {
                            sent += e.value
                            field = field.copy(value = e.value)
                        }
                    }, today = { LocalDate.of(2025, 7, 1) })
                }
            }
        }
    }

    @Test
    fun aDayPickedInTheCalendarBecomesTheAnswer() = runSkikoComposeUiTest {
        val sent = mutableListOf<AnswerValue?>()
        show("2025-06-30", sent = sent)
        onNodeWithTag("pick-date:next_visit_date").performClick()
        waitForIdle()
        // The calendar opens at the answer's month, titled with the question.
        onNodeWithTag("date-picker-title").assert(hasText("下次走访日期"))
        onNodeWithTag("date-picker-headline").assert(hasText("2025-06-30"))
        onAllNodes(hasText("15", substring = true) and hasClickAction())[0].performClick()
        waitForIdle()
        onNodeWithTag("date-picker-headline").assert(hasText("2025-06-15"))
        onNodeWithText("确定").performClick()
        waitForIdle()
        assertTrue("the calendar closed", onAllNodesWithText("确定").fetchSemanticsNodes().isEmpty())
        assertEquals(listOf<AnswerValue?>(AnswerValue.Date("2025-06-15")), sent)
        onNodeWithTag("input:next_visit_date").assert(hasText("2025-06-15"))
    }

    @Test
    fun cancelKeepsTheAnswer() = runSkikoComposeUiTest {
        val sent = mutableListOf<AnswerValue?>()
        show("2025-06-30", lang = Lang.EN, sent = sent)
        onNodeWithText("Pick a date").performClick()
        waitForIdle()
        onAllNodes(hasText("15", substring = true) and hasClickAction())[0].performClick()
        onNodeWithText("Cancel").performClick()
        waitForIdle()
        assertTrue("nothing sent", sent.isEmpty())
        onNodeWithTag("input:next_visit_date").assert(hasText("2025-06-30"))
    }

    @Test
    fun todayFillsThePhonesDate() = runSkikoComposeUiTest {
        val sent = mutableListOf<AnswerValue?>()
        show(null, sent = sent)
        onNodeWithText("今天").performClick()
        waitForIdle()
        assertEquals(listOf<AnswerValue?>(AnswerValue.Date("2025-07-01")), sent)
        onNodeWithTag("input:next_visit_date").assert(hasText("2025-07-01"))
    }
}
