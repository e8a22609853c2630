//! The building blocks every screen uses: the top bar, the primary and
//! secondary buttons (at least 48 dp high), section cards, status badges and
//! the problem line under a field.
package cn.doorstep.ui.theme

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ColumnScope
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.RowScope
import androidx.compose.foundation.layout.defaultMinSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.FilterChip
import androidx.compose.material3.FilterChipDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.TopAppBar
import androidx.compose.material3.TopAppBarDefaults
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp

/** The screen's title bar; [onBack] shows a back button described for screen readers. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun DsTopBar(title: String, onBack: (() -> Unit)? = null, actions: @Composable RowScope.() -> Unit = {}) {
    TopAppBar(
        title = { Text(title, maxLines = 1, overflow = TextOverflow.Ellipsis) },
        navigationIcon = {
            if (onBack != null) {
                TextButton(
                    onClick = onBack,
                    colors = androidx.compose.material3.ButtonDefaults.textButtonColors(contentColor = MaterialTheme.colorScheme.onPrimary),
                    modifier = Modifier.defaultMinSize(Dimens.touch, Dimens.touch)
                        .semantics { contentDescription = "back" },
                ) { Text("‹ " + tr("返回", "Back")) }
            }
        },
        actions = actions,
        colors = TopAppBarDefaults.topAppBarColors(
            containerColor = MaterialTheme.colorScheme.primary,
            titleContentColor = MaterialTheme.colorScheme.onPrimary,
            navigationIconContentColor = MaterialTheme.colorScheme.onPrimary,
            actionIconContentColor = MaterialTheme.colorScheme.onPrimary,
        ),
    )
}

/** The main action of a screen. */
@Composable
fun PrimaryButton(text: String, onClick: () -> Unit, modifier: Modifier = Modifier, enabled: Boolean = true) {
    Button(onClick = onClick, enabled = enabled, modifier = modifier.heightIn(min = Dimens.touch)) {
        Text(text, textAlign = androidx.compose.ui.text.style.TextAlign.Center)
    }
}

/** A second action beside the main one. */
@Composable
fun SecondaryButton(text: String, onClick: () -> Unit, modifier: Modifier = Modifier, enabled: Boolean = true) {
    OutlinedButton(onClick = onClick, enabled = enabled, modifier = modifier.heightIn(min = Dimens.touch)) {
        Text(text, textAlign = androidx.compose.ui.text.style.TextAlign.Center)
    }
}

/** A titled card grouping what belongs together. */
@Composable
fun SectionCard(title: String?, modifier: Modifier = Modifier, content: @Composable ColumnScope.() -> Unit) {
    Card(
        modifier = modifier.fillMaxWidth(),
        colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.surface),
        elevation = CardDefaults.cardElevation(defaultElevation = 1.dp),
    ) {
        Column(Modifier.padding(Dimens.page), verticalArrangement = Arrangement.spacedBy(Dimens.gap)) {
            if (title != null) Text(title, style = MaterialTheme.typography.titleMedium)
            content()
        }
    }
}

/** How a badge is coloured. */
enum class Tone { OK, WARN, BAD, INFO }

/** A small coloured label: a count, a state. */
@Composable
fun Badge(text: String, tone: Tone, modifier: Modifier = Modifier) {
    val (bg, fg) = when (tone) {
        Tone.OK -> StatusColors.okContainer to StatusColors.ok
        Tone.WARN -> StatusColors.warnContainer to StatusColors.warn
        Tone.BAD -> StatusColors.badContainer to StatusColors.bad
        Tone.INFO -> MaterialTheme.colorScheme.primaryContainer to MaterialTheme.colorScheme.onPrimaryContainer
    }
    Text(
        text,
        color = fg,
        style = MaterialTheme.typography.bodySmall,
        modifier = modifier.background(bg, RoundedCornerShape(6.dp)).padding(horizontal = 8.dp, vertical = 2.dp),
    )
}

/** A state the core put in words (a visit's, the network's), coloured by its tone. */
@Composable
fun Badge(badge: cn.doorstep.core.BadgeView, modifier: Modifier = Modifier) {
    Badge(tr(badge.textZh, badge.textEn), badge.tone.colours(), modifier)
}

/** The colours of a tone the core chose. */
fun cn.doorstep.core.BadgeTone.colours(): Tone = when (this) {
    cn.doorstep.core.BadgeTone.INFO -> Tone.INFO
    cn.doorstep.core.BadgeTone.GOOD -> Tone.OK
    cn.doorstep.core.BadgeTone.WARN -> Tone.WARN
    cn.doorstep.core.BadgeTone.BAD -> Tone.BAD
}

/** A problem the core found, shown under its field. */
@Composable
fun ProblemLine(text: String) {
    Text("⚠ $text", color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodyMedium)
}

/** A notice across the screen (offline, resumed, saved). */
@Composable
fun Banner(text: String, tone: Tone, modifier: Modifier = Modifier) {
    val (bg, fg) = when (tone) {
        Tone.OK -> StatusColors.okContainer to StatusColors.ok
        Tone.WARN -> StatusColors.warnContainer to StatusColors.warn
        Tone.BAD -> StatusColors.badContainer to StatusColors.bad
        Tone.INFO -> MaterialTheme.colorScheme.primaryContainer to MaterialTheme.colorScheme.onPrimaryContainer
    }
    Text(
        text, color = fg, style = MaterialTheme.typography.bodyMedium,
        modifier = modifier.fillMaxWidth().background(bg).padding(horizontal = Dimens.page, vertical = 10.dp),
    )
}

/** A list line: a title, a second line, and something at the end; tappable, 48 dp or more. */
@Composable
fun ListLine(
    title: String,
    subtitle: String?,
    modifier: Modifier = Modifier,
    trailing: @Composable RowScope.() -> Unit = {},
) {
    Row(
        modifier.fillMaxWidth().heightIn(min = 56.dp).padding(horizontal = Dimens.page, vertical = 8.dp),
        verticalAlignment = Alignment.CenterVertically,
        horizontalArrangement = Arrangement.spacedBy(Dimens.gap),
    ) {
        Column(Modifier.weight(1f)) {
            Text(title, style = MaterialTheme.typography.bodyLarge, maxLines = 2, overflow = TextOverflow.Ellipsis)
            if (subtitle != null) {
                Text(
                    subtitle, style = MaterialTheme.typography.bodySmall,
                    color = MaterialTheme.colorScheme.onSurface.copy(alpha = 0.7f),
                    maxLines = 2, overflow = TextOverflow.Ellipsis,
                )
            }
        }
        trailing()
    }
}

/** A faint text for an empty list or a hint. */
@Composable
fun Faint(text: String, modifier: Modifier = Modifier) {
    Text(text, modifier = modifier, color = Color(0xFF667085), style = MaterialTheme.typography.bodyMedium)
}

/**
 * One of a few exclusive choices (yes/no, the door outcome, the language):
 * the chosen one is filled with the primary colour and ticked, so it reads as
 * chosen at a glance and without colour.
 */
@Composable
fun ChoiceChip(text: String, selected: Boolean, onClick: () -> Unit, modifier: Modifier = Modifier) {
    FilterChip(
        selected = selected,
        onClick = onClick,
        label = { Text(text) },
        leadingIcon = if (selected) {
            { Text("✓") }
        } else {
            null
        },
        colors = FilterChipDefaults.filterChipColors(
            selectedContainerColor = MaterialTheme.colorScheme.primary,
            selectedLabelColor = MaterialTheme.colorScheme.onPrimary,
            selectedLeadingIconColor = MaterialTheme.colorScheme.onPrimary,
        ),
        modifier = modifier.heightIn(min = Dimens.touch),
    )
}
