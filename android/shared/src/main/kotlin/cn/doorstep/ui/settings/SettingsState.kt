package cn.doorstep.ui.settings

import cn.doorstep.core.FormLanguageView
import cn.doorstep.ui.theme.Lang
import cn.doorstep.ui.theme.LocalText

/** Language, who is signed in and where, and signing out. */
data class SettingsState(
    val lang: Lang,
    val who: String,
    val server: String,
    /** The core's words when it refused to sign out while visits wait; the dialog asks to confirm. */
    val unsent: LocalText?,
    /** The languages the phone's forms are written in (the core's list, 中文 and English first). */
    val formLanguages: List<FormLanguageView>,
    /** The code of the forms' language; null: the app's language. */
    val formLanguage: String?,
    val eventSink: (SettingsEvent) -> Unit,
)

sealed interface SettingsEvent {
    data class SetLang(val lang: Lang) : SettingsEvent
    /** The forms' language by code; null: the app's language. */
    data class SetFormLanguage(val code: String?) : SettingsEvent
    data object SignOut : SettingsEvent
    data object ConfirmSignOut : SettingsEvent
    data object KeepSignedIn : SettingsEvent
}
