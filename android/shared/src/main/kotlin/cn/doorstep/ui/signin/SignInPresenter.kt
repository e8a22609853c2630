package cn.doorstep.ui.signin

import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import cn.doorstep.core.AccountView
import cn.doorstep.core.DoorstepException
import cn.doorstep.core.DoorstepInterface
import cn.doorstep.ui.theme.LocalText
import cn.doorstep.ui.theme.text
import kotlinx.coroutines.launch

/** Signs in through the core; the core words every failure. */
class SignInPresenter(
    private val core: DoorstepInterface,
    private val rememberedServer: String,
    private val deviceName: String,
    /** Told who signed in, and at which server address (to remember it). */
    private val onSignedIn: (AccountView, String) -> Unit,
) {
    @Composable
    fun present(): SignInState {
        val scope = rememberCoroutineScope()
        var server by remember { mutableStateOf(rememberedServer) }
        // Signing in again after the sign-in expired: the same worker.
        var user by remember { mutableStateOf(core.currentAccount()?.username ?: "") }
        var password by remember { mutableStateOf("") }
        var busy by remember { mutableStateOf(false) }
        var error by remember { mutableStateOf<LocalText?>(null) }
        return SignInState(server, user, password, busy, error) { event ->
            when (event) {
                is SignInEvent.SetServer -> server = event.text.trim()
                is SignInEvent.SetUsername -> user = event.text.trim()
                is SignInEvent.SetPassword -> password = event.text
                SignInEvent.Submit -> if (!busy) {
                    busy = true
                    error = null
                    scope.launch {
                        try {
                            val account = core.login(server, user, password, deviceName)
                            password = ""
                            onSignedIn(account, server)
                        } catch (e: DoorstepException) {
                            error = e.text()
                            password = ""
                        } finally {
                            busy = false
                        }
                    }
                }
            }
        }
    }
}
