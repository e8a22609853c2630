//! The small platform services the app needs beyond location and camera:
//! the database key, the network the phone is on, and background sync.
package cn.doorstep.platform

import cn.doorstep.core.NetworkState
import kotlinx.coroutines.flow.StateFlow

/** The 32-byte key of the encrypted database (on Android, wrapped by a Keystore key). */
interface DatabaseKeyStore {
    /** The key; made once at random, the same on every later call. */
    fun key(): ByteArray
}

/** The network the phone is on, as the platform reports it (handed to the core as is). */
interface NetworkMonitor {
    /** Wi-Fi, cellular, metered Wi-Fi or offline; updates as it changes. */
    val state: StateFlow<NetworkState>
}

/** What background sync should wait for. */
data class SyncRequest(
    /** Only on an unmetered network (Wi-Fi), as the worker's setting says. */
    val unmeteredOnly: Boolean,
    /** Not before this many milliseconds from now (the core's retry backoff). */
    val delayMs: Long = 0,
)

/** Background sync (WorkManager or JobScheduler on Android). */
interface SyncScheduler {
    /** Replaces any scheduled run with this one. */
    fun schedule(request: SyncRequest)

    /** No background run any more (signed out). */
    fun cancel()
}

/** Every platform service, as the app's screens get them. */
data class Platform(
    val location: LocationSource,
    val camera: Camera,
    val captures: PendingCaptures,
    val network: NetworkMonitor,
    val syncScheduler: SyncScheduler,
)

/** Turns the core's JPEG thumbnails into images (Skia on the JVM, BitmapFactory on Android). */
fun interface ImageDecoder {
    /** The image, or null when the bytes are not one. */
    fun decode(jpeg: ByteArray): androidx.compose.ui.graphics.ImageBitmap?
}

/** The decoder of the screens under it. */
val LocalImageDecoder = androidx.compose.runtime.staticCompositionLocalOf<ImageDecoder> { ImageDecoder { null } }
