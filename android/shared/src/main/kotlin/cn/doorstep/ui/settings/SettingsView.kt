package cn.doorstep.ui.settings

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import cn.doorstep.ui.theme.Dimens
import cn.doorstep.ui.theme.DsTopBar
import cn.doorstep.ui.theme.Faint
import cn.doorstep.ui.theme.Lang
import cn.doorstep.ui.theme.SecondaryButton
import cn.doorstep.ui.theme.SectionCard
import cn.doorstep.ui.theme.tr
import cn.doorstep.ui.theme.show

/** Language switch, the forms' language, the account and server, and 退出登录. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun SettingsView(state: SettingsState) {
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        Column {
            DsTopBar(tr("设置", "Settings"))
            Column(Modifier.verticalScroll(rememberScrollState()).padding(Dimens.page), verticalArrangement = Arrangement.spacedBy(12.dp())) {
                SectionCard(tr("语言", "Language")) {
                    Row(horizontalArrangement = Arrangement.spacedBy(Dimens.gap)) {
                        FilterChip(state.lang == Lang.ZH, { state.eventSink(SettingsEvent.SetLang(Lang.ZH)) }, { Text("中文") })
                        FilterChip(state.lang == Lang.EN, { state.eventSink(SettingsEvent.SetLang(Lang.EN)) }, { Text("English") })
                    }
                }
                SectionCard(tr("表单语言", "Language of the forms")) {
                    FlowRow(horizontalArrangement = Arrangement.spacedBy(Dimens.gap)) {
                        FilterChip(state.formLanguage == null, { state.eventSink(SettingsEvent.SetFormLanguage(null)) }, { Text(tr("与应用相同", "Same as the app")) })
                        state.formLanguages.forEach { l ->
                            FilterChip(state.formLanguage == l.code, { state.eventSink(SettingsEvent.SetFormLanguage(l.code)) }, { Text(tr(l.nameZh, l.nameEn)) })
                        }
                    }
                }
                SectionCard(tr("账号", "Account")) {
                    Text(state.who, style = MaterialTheme.typography.bodyLarge)
                    Faint(tr("服务器 ", "Server ") + state.server)
                    SecondaryButton(tr("退出登录", "Sign out"), { state.eventSink(SettingsEvent.SignOut) }, Modifier.fillMaxWidth())
                }
            }
        }
        val unsent = state.unsent
        if (unsent != null) {
            AlertDialog(
                onDismissRequest = { state.eventSink(SettingsEvent.KeepSignedIn) },
                title = { Text(tr("确定退出登录？", "Sign out?")) },
                text = { Text(unsent.show()) },
                confirmButton = { TextButton({ state.eventSink(SettingsEvent.ConfirmSignOut) }) { Text(tr("仍然退出", "Sign out anyway")) } },
                dismissButton = { TextButton({ state.eventSink(SettingsEvent.KeepSignedIn) }) { Text(tr("取消", "Cancel")) } },
            )
        }
    }
}

private fun Int.dp() = androidx.compose.ui.unit.Dp(toFloat())
