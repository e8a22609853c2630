package cn.doorstep.ui.settings

import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import cn.doorstep.core.DoorstepInterface
import cn.doorstep.ui.theme.Lang

/** Settings over the core's account and outbox; signing out with items waiting needs a confirmation. */
class SettingsPresenter(
    private val core: DoorstepInterface,
    private val dataVersion: Int,
    private val lang: Lang,
    private val server: String,
    private val setLang: (Lang) -> Unit,
    private val signOut: () -> Unit,
) {
    @Composable
    fun present(): SettingsState {
        val account = remember(dataVersion) { core.currentAccount() }
        val pending = remember(dataVersion) { core.outboxStatus().pending }
        var confirming by remember { mutableStateOf(false) }
        return SettingsState(lang, account?.displayName ?: "", server, pending, confirming) { event ->
            when (event) {
                is SettingsEvent.SetLang -> setLang(event.lang)
                SettingsEvent.SignOut -> if (pending > 0uL) confirming = true else signOut()
                SettingsEvent.ConfirmSignOut -> {
                    confirming = false
                    signOut()
                }
                SettingsEvent.KeepSignedIn -> confirming = false
            }
        }
    }
}
