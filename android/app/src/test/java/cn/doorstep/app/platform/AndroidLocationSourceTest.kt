package cn.doorstep.app.platform

import android.Manifest
import android.content.Context
import android.location.GnssStatus
import android.location.Location
import android.location.LocationManager
import android.os.Looper
import android.os.SystemClock
import cn.doorstep.core.LocationProvider
import cn.doorstep.platform.LocationFix
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import java.time.Duration

/** The door check's fixes, from Robolectric's LocationManager as the GPS provider would give them. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class AndroidLocationSourceTest {
    private val context: Context = RuntimeEnvironment.getApplication()
    private val manager = context.getSystemService(LocationManager::class.java)

    /** Grants or refuses, and counts the times the worker was asked. */
    private class FakePermissions(private val grant: Boolean) : Permissions {
        var asked = 0
        override fun granted(vararg permissions: String) = grant
        override suspend fun request(permissions: Array<String>, needed: String): Boolean {
            asked++
            return grant
        }
    }

    private fun gps(accuracyM: Float?, mock: Boolean = false) = Location(LocationManager.GPS_PROVIDER).apply {
        latitude = 30.27415
        longitude = 120.15515
        time = 1_765_000_000_000L
        elapsedRealtimeNanos = SystemClock.elapsedRealtimeNanos()
        if (accuracyM != null) accuracy = accuracyM
        isMock = mock
    }

    /** A GNSS status with [seen] GPS satellites in view, the first [used] of them used in the fix. */
    private fun satellites(used: Int, seen: Int): GnssStatus = GnssStatus.Builder().apply {
        for (svid in 1..seen) {
            addSatellite(GnssStatus.CONSTELLATION_GPS, svid, 30f, 45f, 90f, true, true, svid <= used, false, 0f, false, 0f)
        }
    }.build()

    /** Collects what [source] emits while [drive] plays the platform; stops collecting after. */
    private fun collect(source: AndroidLocationSource, drive: () -> Unit): List<LocationFix> = runBlocking {
        val fixes = mutableListOf<LocationFix>()
        val job = launch { source.fixes().collect { fixes += it } }
        repeat(5) { yield() }
        drive()
        shadowOf(Looper.getMainLooper()).idle()
        repeat(5) { yield() }
        job.cancelAndJoin()
        fixes
    }

    @Test
    fun `a GPS fix reaches the core with its accuracy, time, satellites used and the mock flag`() {
        shadowOf(manager).setProviderEnabled(LocationManager.GPS_PROVIDER, true)
        val source = AndroidLocationSource(context, FakePermissions(grant = true))
        val fixes = collect(source) {
            shadowOf(manager).simulateGnssStatus(satellites(used = 7, seen = 11))
            shadowOf(Looper.getMainLooper()).idle()
            shadowOf(manager).simulateLocation(gps(accuracyM = 8.5f, mock = true))
        }
        val fix = fixes.single()
        assertEquals(30.27415, fix.lat, 0.0)
        assertEquals(120.15515, fix.lon, 0.0)
        assertEquals(8.5, fix.accuracyM, 1e-6)
        assertEquals(1_765_000_000_000L, fix.fixTimeMs)
        assertEquals(7, fix.satellites)
        assertTrue("the platform's mock flag goes to the core", fix.isMock)
        assertEquals(LocationProvider.GPS, fix.provider)
        assertNull("no altitude was reported", fix.altitudeM)
        val core = fix.toCore()
        assertTrue(core.isMock)
        assertEquals(7.toUByte(), core.satellites)
    }

    @Test
    fun `a fix without accuracy is not passed on, and leaving the door check stops the GPS`() {
        shadowOf(manager).setProviderEnabled(LocationManager.GPS_PROVIDER, true)
        val source = AndroidLocationSource(context, FakePermissions(grant = true))
        val fixes = collect(source) {
            // One request to the GPS provider, a fix a second.
            assertEquals(listOf(1_000L), shadowOf(manager).getLocationRequests(LocationManager.GPS_PROVIDER).map { it.intervalMillis })
            shadowOf(manager).simulateLocation(gps(accuracyM = null))
            // The platform gives a fix a second at most.
            shadowOf(Looper.getMainLooper()).idleFor(Duration.ofSeconds(1))
            shadowOf(manager).simulateLocation(gps(accuracyM = 25f))
        }
        assertEquals(listOf(25.0), fixes.map { it.accuracyM })
        assertFalse(fixes.single().isMock)
        assertTrue(shadowOf(manager).getLocationRequests(LocationManager.GPS_PROVIDER).isEmpty())
    }

    @Test
    fun `refused permission - she is asked once, no fix comes and the GPS is never started`() {
        val permissions = FakePermissions(grant = false)
        val source = AndroidLocationSource(context, permissions)
        val fixes = collect(source) {
            assertTrue(shadowOf(manager).getLocationRequests(LocationManager.GPS_PROVIDER).isEmpty())
            shadowOf(manager).simulateLocation(gps(accuracyM = 5f))
        }
        assertTrue(fixes.isEmpty())
        assertEquals(1, permissions.asked)
        assertFalse(source.available())
    }

    @Test
    fun `location is available only with the permission and the GPS switched on`() {
        shadowOf(manager).setProviderEnabled(LocationManager.GPS_PROVIDER, false)
        assertFalse(AndroidLocationSource(context, FakePermissions(grant = true)).available())
        shadowOf(manager).setProviderEnabled(LocationManager.GPS_PROVIDER, true)
        assertTrue(AndroidLocationSource(context, FakePermissions(grant = true)).available())
        assertFalse(AndroidLocationSource(context, FakePermissions(grant = false)).available())
    }

    @Test
    fun `she is asked for fine location (coarse beside it), and fine is what counts`() {
        var asked: List<String> = emptyList()
        var counted = ""
        val permissions = object : Permissions {
            override fun granted(vararg permissions: String) = false
            override suspend fun request(permissions: Array<String>, needed: String): Boolean {
                asked = permissions.toList()
                counted = needed
                return false
            }
        }
        collect(AndroidLocationSource(context, permissions)) {}
        assertEquals(listOf(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION), asked)
        assertEquals(Manifest.permission.ACCESS_FINE_LOCATION, counted)
    }
}
