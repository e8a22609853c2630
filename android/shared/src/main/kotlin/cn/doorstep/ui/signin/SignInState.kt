package cn.doorstep.ui.signin

import cn.doorstep.ui.theme.LocalText

/** What the sign-in screen shows. */
data class SignInState(
    val serverUrl: String,
    val username: String,
    val password: String,
    val busy: Boolean,
    /** The core's message for the last failed attempt (wrong password, unreachable server, …). */
    val error: LocalText?,
    val eventSink: (SignInEvent) -> Unit,
)

/** What the worker does on the sign-in screen. */
sealed interface SignInEvent {
    data class SetServer(val text: String) : SignInEvent
    data class SetUsername(val text: String) : SignInEvent
    data class SetPassword(val text: String) : SignInEvent
    data object Submit : SignInEvent
}

/** The sign-in screen's states for pictures: empty, filled, busy, each error. */
object SignInStates {
    private val none: (SignInEvent) -> Unit = {}
    val empty = SignInState("", "", "", false, null, none)
    val filled = SignInState("https://rht.example.gov.cn", "worker1", "doorstep-demo", false, null, none)
    val busy = filled.copy(busy = true)
    val wrongPassword = filled.copy(
        password = "",
        error = LocalText("用户名或密码不正确", "Wrong user name or password"),
    )
    val unreachable = filled.copy(
        error = LocalText("连不上服务器，请检查网络或服务器地址", "Cannot reach the server: check the network or the address"),
    )
    val all = listOf("empty" to empty, "filled" to filled, "busy" to busy, "wrong-password" to wrongPassword, "unreachable" to unreachable)
}
