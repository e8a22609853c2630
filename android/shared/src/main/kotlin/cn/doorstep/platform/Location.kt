//! Where the phone is: fixes from the platform's own GPS provider (Android's
//! `LocationManager`; no Google Play services in China), handed to the core as
//! they are — the core judges accuracy, age, distance and the mock flag.
package cn.doorstep.platform

import cn.doorstep.core.GpsFixInput
import cn.doorstep.core.LocationProvider
import kotlinx.coroutines.flow.Flow

/** One position fix exactly as the platform reported it. */
data class LocationFix(
    /** WGS-84 degrees. */
    val lat: Double,
    val lon: Double,
    /** Horizontal accuracy radius in metres. */
    val accuracyM: Double,
    val altitudeM: Double? = null,
    /** The fix's own time, milliseconds since 1970 UTC. */
    val fixTimeMs: Long,
    /** Satellites used in the fix, when the provider says. */
    val satellites: Int? = null,
    /** The platform's mock-location flag (`Location.isMock` / `isFromMockProvider`). */
    val isMock: Boolean = false,
    val provider: LocationProvider = LocationProvider.GPS,
    /** Age of the fix by the monotonic clock, when known. */
    val monotonicAgeMs: Long? = null,
) {
    /** The fix as the core takes it; nothing is judged or rounded here. */
    fun toCore(): GpsFixInput = GpsFixInput(
        lat = lat, lon = lon, accuracyM = accuracyM, altitudeM = altitudeM,
        fixTimeMs = fixTimeMs, provider = provider, isMock = isMock,
        satellites = satellites?.coerceIn(0, 255)?.toUByte(),
        monotonicAgeMs = monotonicAgeMs?.takeIf { it >= 0 }?.toULong(),
    )
}

/** The phone's location service. */
interface LocationSource {
    /**
     * Fixes as the GPS provider delivers them, from the moment of collection
     * until the collector stops (the door check collects while it is on
     * screen). Emits nothing while there is no fix; never fakes one.
     */
    fun fixes(): Flow<LocationFix>

    /** Whether the app may read the location now (permission granted, GPS on). */
    fun available(): Boolean
}
