package cn.doorstep.ui.settings

import cn.doorstep.ui.theme.Lang

/** Language, who is signed in and where, and signing out. */
data class SettingsState(
    val lang: Lang,
    val who: String,
    val server: String,
    /** Items still to send: signing out then asks to confirm. */
    val pending: ULong,
    val confirmingSignOut: Boolean,
    val eventSink: (SettingsEvent) -> Unit,
)

sealed interface SettingsEvent {
    data class SetLang(val lang: Lang) : SettingsEvent
    data object SignOut : SettingsEvent
    data object ConfirmSignOut : SettingsEvent
    data object KeepSignedIn : SettingsEvent
}
