//! Position fixes from the platform's own GPS provider (`LocationManager`;
//! phones sold in China have no Google Play services), with the satellites
//! used in the fix from the GNSS status and the platform's mock flag, handed
//! to the core exactly as reported.
package cn.doorstep.app.platform

import android.Manifest
import android.annotation.SuppressLint
import android.content.Context
import android.location.GnssStatus
import android.location.Location
import android.location.LocationListener
import android.location.LocationManager
import android.os.Build
import android.os.Bundle
import android.os.Handler
import android.os.Looper
import android.os.SystemClock
import cn.doorstep.core.LocationProvider
import cn.doorstep.platform.LocationFix
import cn.doorstep.platform.LocationSource
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.emitAll
import kotlinx.coroutines.flow.flow

/**
 * The GPS provider of [LocationManager]. Collecting [fixes] first asks for
 * the location permission when it is not granted (fine location; coarse is
 * asked beside it, as Android 12 requires, but a coarse-only grant is not
 * enough for a door check).
 */
class AndroidLocationSource(context: Context, private val permissions: Permissions) : LocationSource {
    private val manager = context.applicationContext.getSystemService(Context.LOCATION_SERVICE) as LocationManager

    override fun available(): Boolean =
        permissions.granted(Manifest.permission.ACCESS_FINE_LOCATION) &&
            manager.isProviderEnabled(LocationManager.GPS_PROVIDER)

    override fun fixes(): Flow<LocationFix> = flow {
        val asked = arrayOf(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION)
        // Refused: no fix ever comes, and the screen says location is unavailable.
        if (permissions.request(asked, needed = Manifest.permission.ACCESS_FINE_LOCATION)) emitAll(gpsFixes())
    }

    /** Every fix of the GPS provider, once a second, while collected (permission granted). */
    @SuppressLint("MissingPermission")
    private fun gpsFixes(): Flow<LocationFix> = callbackFlow {
        var satellitesUsed: Int? = null
        val gnss = object : GnssStatus.Callback() {
            override fun onSatelliteStatusChanged(status: GnssStatus) {
                satellitesUsed = (0 until status.satelliteCount).count { status.usedInFix(it) }
            }
        }
        // Every method is overridden: before Android 11 they have no default
        // bodies, and a missing one crashes with AbstractMethodError.
        val listener = object : LocationListener {
            override fun onLocationChanged(location: Location) {
                // A GPS fix without an accuracy cannot be judged; none is made up.
                if (location.hasAccuracy()) trySend(location.toFix(satellitesUsed))
            }

            @Deprecated("Deprecated in API 29; still called before Android 11")
            override fun onStatusChanged(provider: String?, status: Int, extras: Bundle?) = Unit
            override fun onProviderEnabled(provider: String) = Unit
            override fun onProviderDisabled(provider: String) = Unit
        }
        val mainLooper = Looper.getMainLooper()
        try {
            manager.registerGnssStatusCallback(gnss, Handler(mainLooper))
            // Allowed while GPS is switched off: fixes start when she turns it on.
            manager.requestLocationUpdates(LocationManager.GPS_PROVIDER, FIX_INTERVAL_MS, 0f, listener, mainLooper)
        } catch (e: SecurityException) {
            // The permission was taken back in settings just now: no fix, as when refused.
            channel.close()
        }
        awaitClose {
            manager.removeUpdates(listener)
            manager.unregisterGnssStatusCallback(gnss)
        }
    }

    private companion object {
        const val FIX_INTERVAL_MS = 1_000L
    }
}

/** The platform's fix as the shared code takes it; nothing judged or rounded. */
internal fun Location.toFix(satellitesUsed: Int?): LocationFix = LocationFix(
    lat = latitude,
    lon = longitude,
    accuracyM = accuracy.toDouble(),
    altitudeM = if (hasAltitude()) altitude else null,
    fixTimeMs = time,
    satellites = satellitesUsed ?: extras?.getInt("satellites", -1)?.takeIf { it >= 0 },
    isMock = isMockFix(),
    provider = LocationProvider.GPS,
    monotonicAgeMs = (SystemClock.elapsedRealtimeNanos() - elapsedRealtimeNanos) / 1_000_000,
)

/** The platform's mock-location flag: `isMock` from Android 12, `isFromMockProvider` before. */
private fun Location.isMockFix(): Boolean =
    if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) isMock else @Suppress("DEPRECATION") isFromMockProvider
