//! A signature question: the person signs with a finger on a pad; 确定 turns
//! the strokes into a PNG that goes to the core through the photo path (the
//! core processes and keeps it as evidence), 清除 starts again. A signature
//! already given shows as its thumbnail, with 重新签名.
package cn.doorstep.ui.visit

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.Image
import androidx.compose.foundation.background
import androidx.compose.foundation.border
import androidx.compose.foundation.gestures.detectDragGestures
import androidx.compose.foundation.gestures.detectTapGestures
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateListOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.StrokeCap
import androidx.compose.ui.input.pointer.pointerInput
import androidx.compose.ui.layout.onSizeChanged
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.IntSize
import androidx.compose.ui.unit.dp
import cn.doorstep.core.AnswerValue
import cn.doorstep.core.FieldItem
import cn.doorstep.platform.LocalImageDecoder
import cn.doorstep.ui.theme.Dimens
import cn.doorstep.ui.theme.Faint
import cn.doorstep.ui.theme.PrimaryButton
import cn.doorstep.ui.theme.SecondaryButton
import cn.doorstep.ui.theme.tr

/** The stored picture a signature answer names (the core keeps it as one photo id). */
private fun signatureId(value: AnswerValue?): String? = (value as? AnswerValue.Text)?.value?.takeIf { it.isNotBlank() }

/**
 * A signature field: the thumbnail of the signature given (from [thumbnails],
 * by the core's photo id), or the pad while [editable]. [initialStrokes]
 * draws the pad already signed (for pictures).
 */
@Composable
fun SignatureField(
    f: FieldItem,
    thumbnails: Map<String, ByteArray>,
    sink: (VisitEvent) -> Unit,
    editable: Boolean,
    initialStrokes: List<Stroke> = emptyList(),
) {
    Text(tr(f.labelZh, f.labelEn) + if (f.required) " *" else "", style = MaterialTheme.typography.bodyLarge)
    val given = signatureId(f.value)
    var signing by remember(f.path, given) { mutableStateOf(given == null || initialStrokes.isNotEmpty()) }
    if (given != null && !signing) {
        val decoder = LocalImageDecoder.current
        val image = thumbnails[given]?.let { remember(given) { decoder.decode(it) } }
        if (image != null) {
            Image(image, contentDescription = tr("已签名", "Signed"), modifier = Modifier.fillMaxWidth().height(120.dp).testTag("signature:" + f.path))
        } else {
            Faint(tr("已签名", "Signed"), Modifier.semantics { contentDescription = "signature" })
        }
        if (editable) SecondaryButton(tr("重新签名", "Sign again"), { signing = true })
        return
    }
    if (!editable) {
        Faint(tr("未签名", "Not signed"))
        return
    }
    SignaturePad(f.path, initialStrokes, onDone = { png ->
        sink(VisitEvent.Sign(f.path, png))
        signing = false
    }, onCancel = if (given != null) ({ signing = false }) else null)
}

/** The pad: ink follows the finger; 清除 wipes it, 确定 hands over the PNG (only once something is drawn). */
@Composable
private fun SignaturePad(path: String, initialStrokes: List<Stroke>, onDone: (ByteArray) -> Unit, onCancel: (() -> Unit)?) {
    val strokes = remember(path) { mutableStateListOf<List<Offset>>().apply { addAll(initialStrokes.map { s -> s.map { Offset(it.first, it.second) } }) } }
    var size by remember { mutableStateOf(IntSize.Zero) }
    val ink = Color(0xFF1A1A2E)
    Faint(tr("请在框内签名", "Sign inside the box"))
    Canvas(
        Modifier.fillMaxWidth().height(180.dp)
            .background(Color.White, RoundedCornerShape(8.dp))
            .border(1.dp, MaterialTheme.colorScheme.outline, RoundedCornerShape(8.dp))
            .onSizeChanged { size = it }
            .testTag("signature-pad:$path")
            .semantics { contentDescription = "签名板 signature pad" }
            .pointerInput(path) { detectTapGestures { strokes += listOf(it) } }
            .pointerInput(path) {
                detectDragGestures(
                    onDragStart = { strokes += listOf(it) },
                    onDrag = { change, _ ->
                        val last = strokes.lastIndex
                        if (last >= 0) strokes[last] = strokes[last] + change.position
                    },
                )
            },
    ) {
        val width = 2.dp.toPx()
        strokes.forEach { s ->
            if (s.size == 1) drawCircle(ink, width, s[0])
            s.zipWithNext().forEach { (a, b) -> drawLine(ink, a, b, width, StrokeCap.Round) }
        }
    }
    Row(Modifier.heightIn(min = Dimens.touch), horizontalArrangement = Arrangement.spacedBy(Dimens.gap)) {
        SecondaryButton(tr("清除", "Clear"), { strokes.clear() }, enabled = strokes.isNotEmpty())
        if (onCancel != null) SecondaryButton(tr("取消", "Cancel"), onCancel)
        PrimaryButton(
            tr("确定", "Done"),
            {
                val png = signaturePng(strokes.map { s -> s.map { it.x to it.y } }, size.width.toFloat(), size.height.toFloat())
                strokes.clear()
                onDone(png)
            },
            enabled = strokes.isNotEmpty() && size.width > 0 && size.height > 0,
        )
    }
}
