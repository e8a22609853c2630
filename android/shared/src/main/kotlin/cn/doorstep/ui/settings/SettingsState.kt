package cn.doorstep.ui.settings

import cn.doorstep.ui.theme.Lang
import cn.doorstep.ui.theme.LocalText

/** Language, who is signed in and where, and signing out. */
data class SettingsState(
    val lang: Lang,
    val who: String,
    val server: String,
    /** The core's words when it refused to sign out while visits wait; the dialog asks to confirm. */
    val unsent: LocalText?,
    val eventSink: (SettingsEvent) -> Unit,
)

sealed interface SettingsEvent {
    data class SetLang(val lang: Lang) : SettingsEvent
    data object SignOut : SettingsEvent
    data object ConfirmSignOut : SettingsEvent
    data object KeepSignedIn : SettingsEvent
}
