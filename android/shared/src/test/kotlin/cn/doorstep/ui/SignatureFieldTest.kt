package cn.doorstep.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.assertIsEnabled
import androidx.compose.ui.test.assertIsNotEnabled
import androidx.compose.ui.test.hasContentDescription
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTouchInput
import androidx.compose.ui.test.runSkikoComposeUiTest
import androidx.compose.ui.test.swipe
import cn.doorstep.core.AnswerValue
import cn.doorstep.core.Doorstep
import cn.doorstep.core.FieldKind
import cn.doorstep.desktop.SkiaImageDecoder
import cn.doorstep.platform.LocalImageDecoder
import cn.doorstep.testing.DemoServer
import cn.doorstep.ui.theme.DoorstepTheme
import cn.doorstep.ui.visit.SignatureField
import cn.doorstep.ui.visit.VisitEvent
import cn.doorstep.ui.visit.signaturePng
import kotlinx.coroutines.runBlocking
import org.junit.AfterClass
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.BeforeClass
import org.junit.Test
import java.io.ByteArrayInputStream
import java.nio.file.Files
import java.security.SecureRandom
import javax.imageio.ImageIO

/**
 * A signature question on screen against the real core and a demo server: the
 * person signs on the pad, 确定 hands the picture to the core through the
 * photo path, and the field then shows the signature, with no problem on it.
 */
@OptIn(ExperimentalTestApi::class)
class SignatureFieldTest {
    companion object {
        private lateinit var server: DemoServer

        @BeforeClass @JvmStatic fun start() {
            server = DemoServer.start()
        }

        @AfterClass @JvmStatic fun stop() = server.stop()
    }

    @Test
    fun thePadsStrokesBecomeAPng() {
        val png = signaturePng(listOf(listOf(10f to 10f, 190f to 90f), listOf(50f to 50f)), 200f, 100f, width = 400)
        val image = ImageIO.read(ByteArrayInputStream(png))
        assertEquals(400, image.width)
        assertEquals(200, image.height)
        assertEquals("ink on the line", 0, image.getRGB(200, 100) and 0xFF)
        assertEquals("paper away from it", 0xFF, image.getRGB(380, 20) and 0xFF)
    }

    /** Two strokes across the pad; [low] moves the second one down (another hand, another picture). */
    private fun ComposeUiTest.sign(low: Float = 0f) {
        onNodeWithTag("signature-pad:signature").performTouchInput {
            swipe(Offset(width * 0.1f, height * 0.7f), Offset(width * 0.5f, height * 0.3f), 200)
            swipe(Offset(width * 0.5f, height * (0.3f + low)), Offset(width * 0.9f, height * (0.6f + low)), 200)
        }
        waitForIdle()
    }

    @Test
    fun aSignatureDrawnOnThePadIsKeptByTheCoreAndShown() = runSkikoComposeUiTest {
        val dir = Files.createTempDirectory("doorstep-sign-").toFile()
        val core = Doorstep.open(java.io.File(dir, "db").path, ByteArray(32).also { SecureRandom().nextBytes(it) })
        try {
            runBlocking {
                core.login(server.url, "worker1", DemoServer.PASSWORD, "signature test")
                core.pull(null)
            }
            val visitId = core.startVisit(core.households().first().id, "pension_certification").visit.visitId
            fun field() = core.visitScreen(visitId).fields.first { it.path == "signature" }
            assertEquals(FieldKind.SIGNATURE, field().kind)
            setContent {
                var screen by remember { mutableStateOf(core.visitScreen(visitId)) }
                val f = screen.fields.first { it.path == "signature" }
                val thumbnails = screen.photos.mapNotNull { p -> core.photoThumbnail(p.sha256)?.let { p.sha256 to it } }.toMap()
                CompositionLocalProvider(LocalImageDecoder provides SkiaImageDecoder) {
                    DoorstepTheme {
                        Column {
                            // As the visit's presenter does with the event.
                            SignatureField(f, thumbnails, { e ->
                                if (e is VisitEvent.Sign) {
                                    core.addPhoto(visitId, e.field, e.png)
                                    screen = core.visitScreen(visitId)
                                }
                            }, editable = true)
                            f.problems.forEach { androidx.compose.material3.Text(it.messageZh) }
                        }
                    }
                }
            }
            onNodeWithText("确定").assertIsNotEnabled()
            sign()
            onNodeWithText("清除").performClick()
            waitForIdle()
            onNodeWithText("确定").assertIsNotEnabled()
            sign()
            onNodeWithText("确定").assertIsEnabled().performClick()
            waitForIdle()


            onNode(hasContentDescription("已签名")).assertExists()
            val answer = field().value
            assertTrue("the answer names one picture: $answer", answer is AnswerValue.Text && answer.value.length == 64)
            assertTrue("no problem on the signature", field().problems.isEmpty())
            assertTrue("none shown", onAllNodesWithText("签名图片编号", substring = true).fetchSemanticsNodes().isEmpty())
            // Signing again replaces it.
            onNodeWithText("重新签名").performClick()
            waitForIdle()
            sign(low = 0.3f)
            onNodeWithText("确定").performClick()
            waitForIdle()
            val again = field().value
            assertTrue("a new picture: $again", again is AnswerValue.Text && again != answer)
        } finally {
            core.close()
            dir.deleteRecursively()
        }
    }
}
