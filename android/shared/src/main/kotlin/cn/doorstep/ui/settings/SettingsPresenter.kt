package cn.doorstep.ui.settings

import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import cn.doorstep.core.AppLanguage
import cn.doorstep.core.DoorstepException
import cn.doorstep.core.DoorstepInterface
import cn.doorstep.ui.theme.Lang
import cn.doorstep.ui.theme.LocalText
import kotlinx.coroutines.launch

/** Settings kept by the core; the core refuses to sign out while visits wait, until the worker confirms. */
class SettingsPresenter(
    private val core: DoorstepInterface,
    private val dataVersion: Int,
    private val signedOut: () -> Unit,
) {
    @Composable
    fun present(): SettingsState {
        val scope = rememberCoroutineScope()
        var local by remember { mutableStateOf(0) }
        val settings = remember(dataVersion, local) { core.settings() }
        val account = remember(dataVersion) { core.currentAccount() }
        var unsent by remember { mutableStateOf<LocalText?>(null) }
        fun signOut(force: Boolean) = scope.launch {
            try {
                core.logout(force)
                unsent = null
                signedOut()
            } catch (e: DoorstepException.UnsentVisits) {
                unsent = LocalText(e.messageZh, e.messageEn)
            } catch (e: DoorstepException) {
                unsent = null
                signedOut()
            }
        }
        val lang = if (settings.language == AppLanguage.EN) Lang.EN else Lang.ZH
        val formLanguages = remember(dataVersion) { core.formLanguages() }
        return SettingsState(lang, account?.displayName ?: "", settings.serverUrl ?: "", unsent, formLanguages, settings.formLanguage) { event ->
            when (event) {
                is SettingsEvent.SetLang -> {
                    core.setLanguage(if (event.lang == Lang.EN) AppLanguage.EN else AppLanguage.ZH)
                    local++
                }
                is SettingsEvent.SetFormLanguage -> {
                    core.setFormLanguage(event.code)
                    local++
                }
                SettingsEvent.SignOut -> signOut(false)
                SettingsEvent.ConfirmSignOut -> signOut(true)
                SettingsEvent.KeepSignedIn -> unsent = null
            }
        }
    }
}
