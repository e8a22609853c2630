package cn.doorstep.app.platform

import android.Manifest
import android.content.pm.PackageManager
import androidx.activity.ComponentActivity
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

/** The system permission dialog through androidx.activity's result contract, on Robolectric. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class PermissionGateTest {
    private val fine = Manifest.permission.ACCESS_FINE_LOCATION
    private val coarse = Manifest.permission.ACCESS_COARSE_LOCATION

    /** An activity with a gate registered in onCreate, as MainActivity does, then resumed. */
    private fun started(): Pair<ComponentActivity, PermissionGate> {
        val controller = Robolectric.buildActivity(ComponentActivity::class.java).create()
        val gate = PermissionGate(controller.get())
        controller.start().resume()
        return controller.get() to gate
    }

    /** Asks through [gate], then answers the dialog with [grants] (one per permission asked). */
    private fun askAndAnswer(activity: ComponentActivity, gate: PermissionGate, vararg grants: Boolean): Boolean = runBlocking {
        val answer = async(start = CoroutineStart.UNDISPATCHED) { gate.request(arrayOf(fine, coarse), needed = fine) }
        repeat(3) { yield() }
        val asked = shadowOf(activity).lastRequestedPermission
        assertArrayEquals(arrayOf(fine, coarse), asked.requestedPermissions)
        asked.requestedPermissions.zip(grants.toList()).forEach { (p, granted) ->
            if (granted) shadowOf(activity.application).grantPermissions(p) else shadowOf(activity.application).denyPermissions(p)
        }
        val results = grants.map { if (it) PackageManager.PERMISSION_GRANTED else PackageManager.PERMISSION_DENIED }.toIntArray()
        // How the platform hands the dialog's answer to the activity (and on to the result contract).
        @Suppress("DEPRECATION")
        activity.onRequestPermissionsResult(asked.requestCode, asked.requestedPermissions, results)
        answer.await()
    }

    @Test
    fun `granting fine location in the dialog lets the door check use the GPS`() {
        val (activity, gate) = started()
        assertTrue(askAndAnswer(activity, gate, true, true))
        assertTrue(gate.granted(fine))
    }

    @Test
    fun `approximate location only is not enough for a door check`() {
        val (activity, gate) = started()
        assertFalse(askAndAnswer(activity, gate, false, true))
    }

    @Test
    fun `granted already, she sees no dialog`() {
        val (activity, gate) = started()
        shadowOf(activity.application).grantPermissions(fine, coarse)
        assertTrue(runBlocking { gate.request(arrayOf(fine, coarse), needed = fine) })
        assertNull(shadowOf(activity).lastRequestedPermission)
    }
}
