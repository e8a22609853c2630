//! The design system: Material 3 colours and type for a field app read in
//! daylight, the app's language, and the shared sizes (touch targets ≥ 48 dp).
package cn.doorstep.ui.theme

import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Typography
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.staticCompositionLocalOf
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp

/** The language the app shows: Chinese first, English by the settings switch. */
enum class Lang { ZH, EN }

/** The language of everything under it. */
val LocalLang = staticCompositionLocalOf { Lang.ZH }

/** Sizes shared by every screen. */
object Dimens {
    /** The smallest touch target (UX rule 12). */
    val touch = 48.dp
    val page = 16.dp
    val gap = 8.dp
}

/** Colours with a meaning beyond Material's roles. */
object StatusColors {
    val ok = Color(0xFF1B7F3B)
    val warn = Color(0xFFB26A00)
    val bad = Color(0xFFB3261E)
    val okContainer = Color(0xFFDDF3E3)
    val warnContainer = Color(0xFFFFEFD6)
    val badContainer = Color(0xFFFBE1DF)
}

private val colors = lightColorScheme(
    primary = Color(0xFF0B5CAD),
    onPrimary = Color.White,
    primaryContainer = Color(0xFFD6E6FA),
    onPrimaryContainer = Color(0xFF0A2A4F),
    secondary = Color(0xFF4C6178),
    secondaryContainer = Color(0xFFE1E8F0),
    surface = Color(0xFFFBFCFE),
    surfaceVariant = Color(0xFFEEF1F5),
    background = Color(0xFFF4F6F9),
    error = StatusColors.bad,
    errorContainer = StatusColors.badContainer,
)

private val type = Typography(
    titleLarge = TextStyle(fontSize = 20.sp, lineHeight = 28.sp, fontWeight = FontWeight.SemiBold),
    titleMedium = TextStyle(fontSize = 17.sp, lineHeight = 24.sp, fontWeight = FontWeight.SemiBold),
    bodyLarge = TextStyle(fontSize = 16.sp, lineHeight = 24.sp),
    bodyMedium = TextStyle(fontSize = 15.sp, lineHeight = 22.sp),
    bodySmall = TextStyle(fontSize = 13.sp, lineHeight = 18.sp),
    labelLarge = TextStyle(fontSize = 16.sp, lineHeight = 22.sp, fontWeight = FontWeight.Medium),
)

/** The app's theme in [lang]. */
@Composable
fun DoorstepTheme(lang: Lang = Lang.ZH, content: @Composable () -> Unit) {
    CompositionLocalProvider(LocalLang provides lang) {
        MaterialTheme(colorScheme = colors, typography = type, content = content)
    }
}
