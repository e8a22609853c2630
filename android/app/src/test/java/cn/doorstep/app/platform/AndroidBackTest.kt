package cn.doorstep.app.platform

import android.os.Looper
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.compose.runtime.mutableStateOf
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

/** The phone's back button reaches the shared app through the activity's OnBackPressedDispatcher. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class AndroidBackTest {
    @Test
    fun `back goes to the app while it can go back, and closes the activity on 今日`() {
        val activity = Robolectric.buildActivity(ComponentActivity::class.java).setup().get()
        var presses = 0
        // What DoorstepApp says: it can go back while a screen is above 今日.
        val canGoBack = mutableStateOf(true)
        activity.setContent { androidSystemBack(canGoBack.value) { presses++ } }
        shadowOf(Looper.getMainLooper()).idle()

        activity.onBackPressedDispatcher.onBackPressed()
        assertEquals("the app went up one screen", 1, presses)
        assertFalse(activity.isFinishing)

        canGoBack.value = false
        shadowOf(Looper.getMainLooper()).idle()
        activity.onBackPressedDispatcher.onBackPressed()
        assertEquals("on 今日 the app does not take it", 1, presses)
        assertTrue("Android's default: the activity finishes", activity.isFinishing)
    }
}
