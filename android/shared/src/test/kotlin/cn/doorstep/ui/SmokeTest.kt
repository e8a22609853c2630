package cn.doorstep.ui

import androidx.compose.material3.Button
import androidx.compose.material3.Text
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.runComposeUiTest
import androidx.compose.ui.test.assertIsDisplayed
import org.jetbrains.skia.EncodedImageFormat
import org.junit.Test
import java.io.File

@OptIn(ExperimentalTestApi::class)
class SmokeTest {
    @Test
    fun clicks() = runComposeUiTest {
        setContent {
            var n by remember { mutableStateOf(0) }
            Button(onClick = { n++ }) { Text("今日 $n") }
        }
        onNodeWithText("今日 0").performClick()
        onNodeWithText("今日 1").assertIsDisplayed()
    }

    @Test
    fun renders() {
        val scene = ImageComposeScene(360, 800) { Text("入户通 今日走访") }
        val png = scene.render().encodeToData(EncodedImageFormat.PNG)!!.bytes
        scene.close()
        val dir = File(System.getProperty("doorstep.shots") ?: "target/phone-shots").apply { mkdirs() }
        File(dir, "smoke.png").writeBytes(png)
    }
}
