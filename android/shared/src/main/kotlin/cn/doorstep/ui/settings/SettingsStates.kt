package cn.doorstep.ui.settings

import cn.doorstep.core.FormLanguageView
import cn.doorstep.ui.theme.Lang
import cn.doorstep.ui.theme.LocalText

/** Settings for pictures: plain, and the sign-out confirmation with visits waiting. */
object SettingsStates {
    private val languages = listOf(
        FormLanguageView("zh", "中文", "Chinese"), FormLanguageView("en", "英语", "English"),
        FormLanguageView("ug", "维吾尔语", "Uyghur"), FormLanguageView("bo", "藏语", "Tibetan"),
    )
    val plain = SettingsState(Lang.ZH, "王秀兰", "https://rht.example.gov.cn", null, languages, null) {}
    val uyghurForms = plain.copy(formLanguage = "ug")
    val confirm = plain.copy(
        unsent = LocalText(
            "还有 3 次走访未上传。退出登录后仍保存在手机上，重新登录后继续上传",
            "3 visit(s) not sent yet; they stay on this phone after signing out and go after the next sign-in",
        ),
    )
    val all = listOf("filled" to plain, "form-language" to uyghurForms, "sign-out-waiting" to confirm)
}
