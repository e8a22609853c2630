package cn.doorstep.ui.settings

import cn.doorstep.ui.theme.Lang

/** Settings for pictures: plain, and the sign-out confirmation with visits waiting. */
object SettingsStates {
    val plain = SettingsState(Lang.ZH, "王秀兰", "https://rht.example.gov.cn", 0u, false) {}
    val confirm = plain.copy(pending = 3u, confirmingSignOut = true)
    val all = listOf("filled" to plain, "sign-out-waiting" to confirm)
}
