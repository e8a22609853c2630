package cn.doorstep.ui.settings

import cn.doorstep.ui.theme.Lang
import cn.doorstep.ui.theme.LocalText

/** Settings for pictures: plain, and the sign-out confirmation with visits waiting. */
object SettingsStates {
    val plain = SettingsState(Lang.ZH, "王秀兰", "https://rht.example.gov.cn", null) {}
    val confirm = plain.copy(
        unsent = LocalText(
            "还有 3 次走访未上传。退出登录后仍保存在手机上，重新登录后继续上传",
            "3 visit(s) not sent yet; they stay on this phone after signing out and go after the next sign-in",
        ),
    )
    val all = listOf("filled" to plain, "sign-out-waiting" to confirm)
}
