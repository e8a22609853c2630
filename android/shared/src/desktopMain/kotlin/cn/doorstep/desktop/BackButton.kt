//! The back button on the JVM: the desktop window's Escape key, and the UI
//! tests' "press back", as androidx.activity's back dispatcher does it on the
//! phone — the app's handler while it is enabled, the platform's default
//! (close the window) otherwise.
package cn.doorstep.desktop

import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.rememberUpdatedState
import cn.doorstep.ui.app.SystemBack

class BackButton {
    private var handler: (() -> Unit)? = null

    /** What the app registers its back handler with (`DoorstepApp(systemBack = …)`). */
    val systemBack: SystemBack = { enabled, onBack ->
        val current by rememberUpdatedState(onBack)
        DisposableEffect(enabled) {
            val mine: () -> Unit = { current() }
            if (enabled) handler = mine
            onDispose { if (handler === mine) handler = null }
        }
    }

    /**
     * Presses back (on the UI thread): true when the app took it, false when
     * it left it to the platform (on a phone, the app would close).
     */
    fun press(): Boolean {
        val h = handler ?: return false
        h()
        return true
    }
}
