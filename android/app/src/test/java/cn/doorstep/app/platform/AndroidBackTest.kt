package cn.doorstep.app.platform

import androidx.activity.ComponentActivity
import androidx.activity.compose.LocalOnBackPressedDispatcherOwner
import androidx.compose.runtime.AbstractApplier
import androidx.compose.runtime.Composition
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.Recomposer
import androidx.lifecycle.compose.LocalLifecycleOwner
import kotlinx.coroutines.Dispatchers
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config

/**
 * The phone's back button reaches the shared app through the activity's
 * OnBackPressedDispatcher. The handler is composed as in the app, with the
 * activity as its dispatcher and lifecycle owner, but without a view: the
 * Compose UI view needs the AARs' generated R classes, which only the Gradle build makes.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class AndroidBackTest {
    /** Composes nothing on screen: the handler is all there is. */
    private object NoNodes : AbstractApplier<Unit>(Unit) {
        override fun insertTopDown(index: Int, instance: Unit) = Unit
        override fun insertBottomUp(index: Int, instance: Unit) = Unit
        override fun remove(index: Int, count: Int) = Unit
        override fun move(from: Int, to: Int, count: Int) = Unit
        override fun onClear() = Unit
    }

    /** The app's back handler on [activity], as DoorstepApp registers it when it [canGoBack]. */
    private fun handler(activity: ComponentActivity, canGoBack: Boolean, onBack: () -> Unit): Composition =
        Composition(NoNodes, Recomposer(Dispatchers.Unconfined)).apply {
            setContent {
                CompositionLocalProvider(LocalOnBackPressedDispatcherOwner provides activity, LocalLifecycleOwner provides activity) {
                    androidSystemBack(canGoBack, onBack)
                }
            }
        }

    @Test
    fun `back goes to the app while it can go back`() {
        val activity = Robolectric.buildActivity(ComponentActivity::class.java).setup().get()
        var presses = 0
        val app = handler(activity, canGoBack = true) { presses++ }
        activity.onBackPressedDispatcher.onBackPressed()
        activity.onBackPressedDispatcher.onBackPressed()
        assertEquals("the app went up a screen at each press", 2, presses)
        assertFalse(activity.isFinishing)
        app.dispose()
    }

    @Test
    fun `on 今日 the app leaves back to Android, which closes the activity`() {
        val activity = Robolectric.buildActivity(ComponentActivity::class.java).setup().get()
        var presses = 0
        val app = handler(activity, canGoBack = false) { presses++ }
        activity.onBackPressedDispatcher.onBackPressed()
        assertEquals(0, presses)
        assertTrue("Android's default: the activity finishes", activity.isFinishing)
        app.dispose()
    }
}
