//! Text in both languages: what the core says (`LocalText`, from its zh/en
//! pairs) and the shell's own words (`Str`), shown in the app's language.
package cn.doorstep.ui.theme

import androidx.compose.runtime.Composable
import androidx.compose.runtime.ReadOnlyComposable
import cn.doorstep.core.DoorstepException

/** A text in Chinese and English. */
data class LocalText(val zh: String, val en: String)

/** The text in the app's current language. */
@Composable
@ReadOnlyComposable
fun LocalText.show(): String = if (LocalLang.current == Lang.ZH) zh else en

/** The shell's own words, both languages side by side. */
@Composable
@ReadOnlyComposable
fun tr(zh: String, en: String): String = if (LocalLang.current == Lang.ZH) zh else en

/** The core's zh/en message of an error (it never carries personal data). */
fun DoorstepException.text(): LocalText = when (this) {
    is DoorstepException.WrongKey -> LocalText(messageZh, messageEn)
    is DoorstepException.DatabaseDamaged -> LocalText(messageZh, messageEn)
    is DoorstepException.NewerDatabase -> LocalText(messageZh, messageEn)
    is DoorstepException.Storage -> LocalText(messageZh, messageEn)
    is DoorstepException.NotSignedIn -> LocalText(messageZh, messageEn)
    is DoorstepException.NotFound -> LocalText(messageZh, messageEn)
    is DoorstepException.Invalid -> LocalText(messageZh, messageEn)
    is DoorstepException.Incomplete -> LocalText(messageZh, messageEn)
    is DoorstepException.PhotoRefused -> LocalText(messageZh, messageEn)
    is DoorstepException.Network -> LocalText(messageZh, messageEn)
    is DoorstepException.Server -> LocalText(messageZh, messageEn)
    is DoorstepException.Cancelled -> LocalText(messageZh, messageEn)
    is DoorstepException.UnsentVisits -> LocalText(messageZh, messageEn)
    else -> LocalText(message ?: "出错了", message ?: "Something went wrong")
}

/** [zh] or [en] by this language, for code outside composition (list joins). */
fun Lang.pick(zh: String, en: String): String = if (this == Lang.ZH) zh else en
