//! The pages of the form. Until the core's visit screen carries its sections,
//! each top-level group or repeat is a page of its own, and a run of plain
//! fields between them is cut into pages of about [PAGE] fields of equal size.
package cn.doorstep.ui.visit

import cn.doorstep.core.FieldItem
import cn.doorstep.core.FieldKind
import cn.doorstep.ui.theme.LocalText

private const val PAGE = 8

/** The form's visible fields cut into pages, in order. */
fun sectionsOf(fields: List<FieldItem>): List<FormSection> {
    val out = mutableListOf<FormSection>()
    var plain = mutableListOf<FieldItem>()
    fun flushPlain() {
        if (plain.isEmpty()) return
        val pages = (plain.size + PAGE - 1) / PAGE
        val size = (plain.size + pages - 1) / pages
        plain.chunked(size).forEach { out += FormSection(null, it) }
        plain = mutableListOf()
    }
    var i = 0
    while (i < fields.size) {
        val f = fields[i]
        if (f.depth == 0u && (f.kind == FieldKind.GROUP || f.kind == FieldKind.REPEAT)) {
            flushPlain()
            var j = i + 1
            while (j < fields.size && fields[j].depth > 0u) j++
            out += FormSection(LocalText(f.labelZh, f.labelEn), fields.subList(i, j))
            i = j
        } else {
            plain += f
            i++
        }
    }
    flushPlain()
    return out.ifEmpty { listOf(FormSection(null, emptyList())) }
}

/** The page holding [path], or -1. */
fun List<FormSection>.indexOfPath(path: String): Int =
    indexOfFirst { s -> s.fields.any { it.path == path || path.startsWith(it.path + "[") } }
