package cn.doorstep.app.platform

import android.app.Activity
import android.net.Uri
import android.provider.MediaStore
import androidx.activity.ComponentActivity
import cn.doorstep.platform.PendingCaptures
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

/**
 * The system camera through androidx.activity's TakePicture contract, on
 * Robolectric: a photo taken comes back to the visit, and a photo taken while
 * the app's process died waits on disk for the next start. (The FileProvider
 * needs the app's manifest and resources, which only the Gradle build has:
 * here the capture's address is made up, and the test writes the file as the camera app would.)
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class AndroidCameraTest {
    private object Granted : Permissions {
        override fun granted(vararg permissions: String) = true
        override suspend fun request(permissions: Array<String>, needed: String) = true
    }

    private val jpeg = byteArrayOf(0xFF.toByte(), 0xD8.toByte(), 0xFF.toByte(), 0xE0.toByte(), 1, 2, 3)

    private fun address(file: java.io.File): Uri = Uri.parse("content://cn.doorstep.app.files/captures/" + file.name)

    /** An activity with a camera registered in onCreate, as MainActivity does, then resumed. */
    private fun started(): Pair<ComponentActivity, AndroidCamera> {
        val controller = Robolectric.buildActivity(ComponentActivity::class.java).create()
        val camera = AndroidCamera(controller.get(), Granted, ::address)
        controller.start().resume()
        return controller.get() to camera
    }

    @Test
    fun `a photo taken comes back to the visit`() {
        val (activity, camera) = started()
        val request = PendingCaptures(capturesDirectory(activity)).begin("visit-1", "photos")
        runBlocking {
            val taken = async(start = CoroutineStart.UNDISPATCHED) { camera.capture(request) }
            repeat(3) { yield() }
            val asked = shadowOf(activity).nextStartedActivityForResult
            assertEquals(MediaStore.ACTION_IMAGE_CAPTURE, asked.intent.action)
            @Suppress("DEPRECATION")
            assertEquals(address(request.file), asked.intent.getParcelableExtra<Uri>(MediaStore.EXTRA_OUTPUT))
            // The camera app writes the photo and answers.
            request.file.writeBytes(jpeg)
            shadowOf(activity).receiveResult(asked.intent, Activity.RESULT_OK, null)
            assertTrue(taken.await())
        }
    }

    @Test
    fun `a photo taken while the app was gone waits for the next start`() {
        val (first, camera) = started()
        val request = PendingCaptures(capturesDirectory(first)).begin("visit-1", "photos")
        val requestCode = runBlocking {
            val taken = async(start = CoroutineStart.UNDISPATCHED) { camera.capture(request) }
            repeat(3) { yield() }
            val asked = shadowOf(first).nextStartedActivityForResult
            // The process dies with the camera open: nobody waits for the answer any more.
            taken.cancel()
            asked.requestCode
        }
        request.file.writeBytes(jpeg)

        // The app starts again; the camera's late answer finds nobody waiting and is dropped.
        val (second, _) = started()
        assertFalse(second.activityResultRegistry.dispatchResult(requestCode, Activity.RESULT_OK, null))
        // The photo is found on disk, for the visit and field it was taken for.
        val waiting = PendingCaptures(capturesDirectory(second)).waiting().single()
        assertEquals("visit-1", waiting.visitId)
        assertEquals("photos", waiting.field)
        assertTrue(waiting.file.readBytes().contentEquals(jpeg))
    }

    @Test
    fun `a capture the camera never wrote is told as lost once, then forgotten`() {
        val (activity, _) = started()
        val captures = PendingCaptures(capturesDirectory(activity))
        captures.begin("visit-1", "photos")
        assertTrue(captures.waiting().isEmpty())
        assertEquals(1, captures.forgetLost("visit-1"))
        assertEquals(0, captures.forgetLost("visit-1"))
    }
}
