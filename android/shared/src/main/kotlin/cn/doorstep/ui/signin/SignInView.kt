package cn.doorstep.ui.signin

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import cn.doorstep.ui.theme.Banner
import cn.doorstep.ui.theme.Dimens
import cn.doorstep.ui.theme.PrimaryButton
import cn.doorstep.ui.theme.Tone
import cn.doorstep.ui.theme.show
import cn.doorstep.ui.theme.tr

/** Server address, user name, password and the sign-in button. */
@Composable
fun SignInView(state: SignInState) {
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        Column(
            Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(24.dp),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            Spacer(Modifier.height(32.dp))
            Text(tr("入户通", "Doorstep"), style = MaterialTheme.typography.headlineMedium, color = MaterialTheme.colorScheme.primary)
            Text(tr("网格员入户走访", "Household visits for grid workers"), style = MaterialTheme.typography.bodyLarge)
            Spacer(Modifier.height(8.dp))
            OutlinedTextField(
                value = state.serverUrl, onValueChange = { state.eventSink(SignInEvent.SetServer(it)) },
                label = { Text(tr("服务器地址", "Server address")) }, singleLine = true,
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Uri, imeAction = ImeAction.Next),
                modifier = Modifier.fillMaxWidth().testTag("server"),
            )
            OutlinedTextField(
                value = state.username, onValueChange = { state.eventSink(SignInEvent.SetUsername(it)) },
                label = { Text(tr("用户名", "User name")) }, singleLine = true,
                keyboardOptions = KeyboardOptions(imeAction = ImeAction.Next),
                modifier = Modifier.fillMaxWidth().testTag("username"),
            )
            OutlinedTextField(
                value = state.password, onValueChange = { state.eventSink(SignInEvent.SetPassword(it)) },
                label = { Text(tr("密码", "Password")) }, singleLine = true,
                visualTransformation = PasswordVisualTransformation(),
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Password, imeAction = ImeAction.Done),
                keyboardActions = KeyboardActions(onDone = { state.eventSink(SignInEvent.Submit) }),
                modifier = Modifier.fillMaxWidth().testTag("password"),
            )
            state.error?.let { Banner(it.show(), Tone.BAD, Modifier.testTag("error")) }
            if (state.busy) LinearProgressIndicator(Modifier.fillMaxWidth())
            PrimaryButton(
                tr("登录", "Sign in"), onClick = { state.eventSink(SignInEvent.Submit) },
                enabled = !state.busy && state.serverUrl.isNotBlank() && state.username.isNotBlank() && state.password.isNotEmpty(),
                modifier = Modifier.fillMaxWidth(),
            )
            Text(
                tr("未发送的走访在重新登录后仍会保留。", "Visits not yet sent stay on the phone when you sign in again."),
                style = MaterialTheme.typography.bodySmall, modifier = Modifier.padding(top = Dimens.gap),
            )
        }
    }
}
