//! Drawing screens off screen on the JVM: a phone-sized picture of any
//! composable, and the Skia decoder of the core's JPEG thumbnails.
package cn.doorstep.desktop

import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.graphics.toComposeImageBitmap
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.unit.Density
import cn.doorstep.platform.ImageDecoder
import cn.doorstep.platform.LocalImageDecoder
import org.jetbrains.skia.EncodedImageFormat
import org.jetbrains.skia.Image
import java.io.File

/** Decodes JPEG bytes with Skia. */
val SkiaImageDecoder = ImageDecoder { bytes ->
    try {
        Image.makeFromEncoded(bytes).toComposeImageBitmap()
    } catch (e: IllegalArgumentException) {
        null
    }
}

/** A phone screen: 360×800 dp at 2 px per dp, with the system font scale. */
data class Phone(val widthDp: Int = 360, val heightDp: Int = 800, val density: Float = 2f, val fontScale: Float = 1f)

/** Renders [content] as [phone] shows it and writes a PNG to [file]. */
fun renderPng(file: File, phone: Phone = Phone(), content: @Composable () -> Unit) {
    val scene = ImageComposeScene(
        (phone.widthDp * phone.density).toInt(), (phone.heightDp * phone.density).toInt(),
        Density(phone.density, phone.fontScale),
    ) {
        CompositionLocalProvider(LocalDensity provides Density(phone.density, phone.fontScale), LocalImageDecoder provides SkiaImageDecoder) {
            content()
        }
    }
    try {
        // Two frames: the first lays out, effects (scrolling to a field) run before the second.
        scene.render(0)
        val image = scene.render(100_000_000)
        val png = image.encodeToData(EncodedImageFormat.PNG) ?: error("PNG encoding failed")
        file.parentFile?.mkdirs()
        file.writeBytes(png.bytes)
    } finally {
        scene.close()
    }
}
