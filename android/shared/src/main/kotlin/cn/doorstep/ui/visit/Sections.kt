//! The pages of the form. Until the core's visit screen carries its sections,
//! a page starts at each top-level group or repeat and after it, and a long
//! run of plain fields is cut every [PAGE] fields.
package cn.doorstep.ui.visit

import cn.doorstep.core.FieldItem
import cn.doorstep.core.FieldKind
import cn.doorstep.ui.theme.LocalText

private const val PAGE = 8

/** The form's visible fields cut into pages, in order. */
fun sectionsOf(fields: List<FieldItem>): List<FormSection> {
    val out = mutableListOf<FormSection>()
    var title: LocalText? = null
    var run = mutableListOf<FieldItem>()
    fun flush() {
        if (run.isNotEmpty()) out += FormSection(title, run)
        run = mutableListOf()
        title = null
    }
    var inside: String? = null
    for (f in fields) {
        val nested = inside != null && f.depth > 0u
        if (!nested && inside != null) {
            flush()
            inside = null
        }
        if (f.depth == 0u && (f.kind == FieldKind.GROUP || f.kind == FieldKind.REPEAT)) {
            flush()
            title = LocalText(f.labelZh, f.labelEn)
            inside = f.path
        } else if (inside == null && run.size >= PAGE) {
            flush()
        }
        run += f
    }
    flush()
    return out.ifEmpty { listOf(FormSection(null, emptyList())) }
}

/** The page holding [path], or -1. */
fun List<FormSection>.indexOfPath(path: String): Int =
    indexOfFirst { s -> s.fields.any { it.path == path || path.startsWith(it.path + "[") } }
