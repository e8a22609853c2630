//! The pages of the form as the core cuts them: each of the screen's
//! sections is a run of its visible fields.
package cn.doorstep.ui.visit

import cn.doorstep.core.VisitScreenView
import cn.doorstep.ui.theme.LocalText

/** The core's sections of [screen], each with its fields. */
fun sectionsOf(screen: VisitScreenView): List<FormSection> =
    screen.sections.map { s ->
        FormSection(LocalText(s.titleZh, s.titleEn), screen.fields.subList(s.start.toInt(), s.end.toInt().coerceAtMost(screen.fields.size)), s.key, s.problemCount.toInt())
    }.ifEmpty { listOf(FormSection(null, screen.fields, "", 0)) }
