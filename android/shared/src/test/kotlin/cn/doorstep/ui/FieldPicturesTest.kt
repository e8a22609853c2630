package cn.doorstep.ui

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import cn.doorstep.core.AnswerValue
import cn.doorstep.core.FieldItem
import cn.doorstep.core.FieldKind
import cn.doorstep.desktop.Phone
import cn.doorstep.desktop.renderPng
import cn.doorstep.ui.theme.DoorstepTheme
import cn.doorstep.ui.theme.Lang
import cn.doorstep.ui.visit.DateField
import cn.doorstep.ui.visit.SignatureField
import cn.doorstep.ui.visit.signaturePng
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File
import java.time.LocalDate
import javax.imageio.ImageIO

/**
 * The date and signature questions drawn at a phone's size in Chinese, in
 * English and at 1.3× font scale, under `target/phone-shots/fields/`: the
 * calendar open, the pad signed, the signature given.
 */
class FieldPicturesTest {
    private val shots = File(System.getProperty("doorstep.shots") ?: "target/phone-shots")

    private fun field(path: String, kind: FieldKind, zh: String, en: String, value: AnswerValue?) = FieldItem(
        path, path, kind, 0u, zh, en, null, null, true, false, emptyList(), value, null, null, null, null, null, emptyList(),
    )

    private fun shoot(name: String, content: @Composable () -> Unit) {
        for ((suffix, lang, scale) in listOf(Triple("zh", Lang.ZH, 1f), Triple("en", Lang.EN, 1f), Triple("zh-1.3x", Lang.ZH, 1.3f))) {
            val file = File(shots, "fields/$name.$suffix.png")
            renderPng(file, Phone(fontScale = scale)) {
                DoorstepTheme(lang) {
                    Column(
                        Modifier.fillMaxSize().background(MaterialTheme.colorScheme.background).padding(16.dp),
                        verticalArrangement = Arrangement.spacedBy(8.dp),
                    ) { content() }
                }
            }
            val image = ImageIO.read(file)
            assertTrue("$file is a 720×1600 picture", image.width == 720 && image.height == 1600)
            val colours = HashSet<Int>()
            for (y in 0 until image.height step 8) for (x in 0 until image.width step 8) colours += image.getRGB(x, y)
            assertTrue("$file shows something", colours.size > 4)
        }
    }

    private val strokes = listOf(
        listOf(40f to 220f, 90f to 120f, 130f to 230f, 170f to 110f, 220f to 200f),
        listOf(260f to 150f, 330f to 140f, 400f to 170f, 470f to 130f, 560f to 190f),
        listOf(300f to 250f, 520f to 240f),
    )

    @Test fun dateCalendarOpen() = shoot("date-calendar") {
        DateField(
            field("next_visit_date", FieldKind.DATE, "下次走访日期", "Next visit date", AnswerValue.Date("2025-06-30")),
            {}, today = { LocalDate.of(2025, 6, 12) }, calendarOpen = true,
        )
    }

    @Test fun dateEmpty() = shoot("date-empty") {
        DateField(field("next_visit_date", FieldKind.DATE, "下次走访日期", "Next visit date", null), {}, today = { LocalDate.of(2025, 6, 12) })
    }

    @Test fun signaturePad() = shoot("signature-pad") {
        SignatureField(field("signature", FieldKind.SIGNATURE, "本人或家属签名", "Signature of the person or family", null), emptyMap(), {}, true, strokes)
    }

    @Test fun signatureGiven() {
        val png = signaturePng(strokes, 600f, 300f)
        shoot("signature-given") {
            SignatureField(
                field("signature", FieldKind.SIGNATURE, "本人或家属签名", "Signature of the person or family", AnswerValue.Text("a".repeat(64))),
                mapOf("a".repeat(64) to png), {}, true,
            )
        }
    }
}
