//! Which screen is on top, and where the system back button goes from it:
//! plain navigation state of the shell (nothing here is about the data —
//! every answer is already in the core's store when she goes back).
package cn.doorstep.ui.app

import androidx.compose.runtime.Composable
import cn.doorstep.ui.theme.LocalText

/** A screen of the app. */
sealed interface Route {
    data object SignIn : Route
    data object Home : Route
    data object Households : Route
    data class Household(val id: String) : Route
    /** [resumed]: the core's words when the visit is reopened after the app was closed in it. */
    data class Visit(val id: String, val resumed: LocalText? = null) : Route
    data object Returned : Route
    data object Sync : Route
    data object Settings : Route
}

/**
 * The screens after the back button on top of [stack]: one screen up; from
 * the first screen of another tab (住户, 同步, 设置) to 今日; null on 今日 and
 * on sign-in, where the platform takes it (Android closes the app).
 */
fun backFrom(stack: List<Route>): List<Route>? = when {
    stack.size > 1 -> stack.dropLast(1)
    stack.single() == Route.Home || stack.single() == Route.SignIn -> null
    else -> listOf(Route.Home)
}

/**
 * The platform's back button, as the app hands it its handler: while
 * [enabled], a press calls [onBack] instead of the platform's default. On
 * Android it is androidx.activity's `BackHandler`; the JVM's is
 * `cn.doorstep.desktop.BackButton`.
 */
typealias SystemBack = @Composable (enabled: Boolean, onBack: () -> Unit) -> Unit

/** No back button (the pictures, a window without one). */
val NoSystemBack: SystemBack = { _, _ -> }
