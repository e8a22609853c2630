//! The phone's back button (and back gesture) for the shared app: Android's
//! `OnBackPressedDispatcher` through androidx.activity's `BackHandler`.
package cn.doorstep.app.platform

import androidx.activity.compose.BackHandler
import cn.doorstep.ui.app.SystemBack

/**
 * While the app says it can go back (`enabled`), a press goes to the app's
 * handler; on 今日 and sign-in it is not enabled and Android's default takes
 * the press (the activity finishes, the app goes to the background).
 */
val androidSystemBack: SystemBack = { enabled, onBack -> BackHandler(enabled, onBack) }
