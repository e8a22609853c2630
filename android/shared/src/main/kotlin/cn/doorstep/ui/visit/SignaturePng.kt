//! A hand-drawn signature as a picture: the pad's strokes drawn with a round
//! pen on white and written as a grayscale PNG (plain Kotlin, so the phone and
//! the JVM make the same bytes). The core takes the PNG as it takes a photo.
package cn.doorstep.ui.visit

import java.io.ByteArrayOutputStream
import java.io.DataOutputStream
import java.util.zip.CRC32
import java.util.zip.DeflaterOutputStream
import kotlin.math.ceil
import kotlin.math.hypot
import kotlin.math.max
import kotlin.math.min
import kotlin.math.roundToInt

/** One pen stroke: the points it went through, in the pad's pixels. */
typealias Stroke = List<Pair<Float, Float>>

/**
 * The strokes drawn on a pad of [padWidth]×[padHeight] pixels as a PNG
 * [width] pixels wide (the height keeps the pad's shape): black ink, a pen
 * [pen] pixels wide, on white. A stroke of one point is a dot.
 */
fun signaturePng(strokes: List<Stroke>, padWidth: Float, padHeight: Float, width: Int = 800, pen: Float = 6f): ByteArray {
    require(padWidth > 0f && padHeight > 0f) { "the pad has no size" }
    val height = max(1, (width * padHeight / padWidth).roundToInt())
    val scale = width / padWidth
    val gray = ByteArray(width * height) { 0xFF.toByte() }
    val r = pen / 2
    fun dot(cx: Float, cy: Float) {
        for (y in max(0, (cy - r).toInt())..min(height - 1, ceil(cy + r).toInt()))
            for (x in max(0, (cx - r).toInt())..min(width - 1, ceil(cx + r).toInt()))
                if (hypot(x - cx, y - cy) <= r) gray[y * width + x] = 0
    }
    for (stroke in strokes) {
        val points = stroke.map { (x, y) -> x * scale to y * scale }
        points.firstOrNull()?.let { (x, y) -> dot(x, y) }
        points.zipWithNext().forEach { (a, b) ->
            val steps = max(1, ceil(hypot(b.first - a.first, b.second - a.second) / (r / 2)).toInt())
            for (i in 1..steps) {
                val t = i.toFloat() / steps
                dot(a.first + (b.first - a.first) * t, a.second + (b.second - a.second) * t)
            }
        }
    }
    return png(width, height, gray)
}

/** An 8-bit grayscale PNG of [gray] (rows top to bottom). */
private fun png(width: Int, height: Int, gray: ByteArray): ByteArray {
    val out = ByteArrayOutputStream()
    val data = DataOutputStream(out)
    fun chunk(type: String, body: ByteArray) {
        val crc = CRC32()
        val name = type.toByteArray(Charsets.US_ASCII)
        crc.update(name)
        crc.update(body)
        data.writeInt(body.size)
        data.write(name)
        data.write(body)
        data.writeInt(crc.value.toInt())
    }
    data.write(byteArrayOf(0x89.toByte(), 'P'.code.toByte(), 'N'.code.toByte(), 'G'.code.toByte(), 13, 10, 26, 10))
    val header = ByteArrayOutputStream().also { h ->
        DataOutputStream(h).apply {
            writeInt(width)
            writeInt(height)
            write(byteArrayOf(8, 0, 0, 0, 0)) // 8 bits, grayscale, deflate, no filter method, not interlaced
        }
    }
    chunk("IHDR", header.toByteArray())
    val pixels = ByteArrayOutputStream()
    DeflaterOutputStream(pixels).use { z ->
        for (y in 0 until height) {
            z.write(0) // filter: none
            z.write(gray, y * width, width)
        }
    }
    chunk("IDAT", pixels.toByteArray())
    chunk("IEND", ByteArray(0))
    return out.toByteArray()
}
