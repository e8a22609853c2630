//! Fakes of the platform services for the JVM: the UI tests and the desktop
//! window drive them by hand (a fix arrives when the test sends it, the camera
//! "takes" the JPEG the test gives it, the network changes when told).
package cn.doorstep.platform.fake

import cn.doorstep.core.NetworkState
import cn.doorstep.platform.Camera
import cn.doorstep.platform.CaptureRequest
import cn.doorstep.platform.DatabaseKeyStore
import cn.doorstep.platform.LocationFix
import cn.doorstep.platform.LocationSource
import cn.doorstep.platform.NetworkMonitor
import cn.doorstep.platform.SyncRequest
import cn.doorstep.platform.SyncScheduler
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import java.security.SecureRandom
import javax.imageio.ImageIO

/** Fixes arrive when [send] is called; none otherwise. */
class FakeLocationSource(var isAvailable: Boolean = true) : LocationSource {
    private val flow = MutableSharedFlow<LocationFix>(replay = 1, extraBufferCapacity = 16)
    override fun fixes(): Flow<LocationFix> = flow
    override fun available() = isAvailable

    /** Delivers [fix] to the collectors, as the GPS provider would. */
    fun send(fix: LocationFix) {
        check(flow.tryEmit(fix)) { "fix buffer full" }
    }
}

/** The camera "takes" what [nextPhoto] returns; null means the worker cancelled. */
class FakeCamera(var nextPhoto: () -> ByteArray? = { cameraJpeg(1) }) : Camera {
    val taken = mutableListOf<CaptureRequest>()
    override suspend fun capture(request: CaptureRequest): Boolean {
        val bytes = nextPhoto() ?: return false
        request.file.parentFile?.mkdirs()
        request.file.writeBytes(bytes)
        taken += request
        return true
    }
}

/** The network is what the test sets. */
class FakeNetworkMonitor(initial: NetworkState = NetworkState.WIFI) : NetworkMonitor {
    val mutable = MutableStateFlow(initial)
    override val state: StateFlow<NetworkState> = mutable
}

/** Records what was scheduled. */
class FakeSyncScheduler : SyncScheduler {
    var scheduled: SyncRequest? = null
        private set
    override fun schedule(request: SyncRequest) {
        scheduled = request
    }
    override fun cancel() {
        scheduled = null
    }
}

/** A random key kept in memory (one per fake phone). */
class FakeDatabaseKeyStore : DatabaseKeyStore {
    private val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
    override fun key(): ByteArray = key.copyOf()
}

/** A camera-like JPEG (gradients and noise), different for each [seed]. */
fun cameraJpeg(seed: Int): ByteArray {
    val image = BufferedImage(800, 600, BufferedImage.TYPE_INT_RGB)
    val rng = java.util.Random(seed.toLong())
    for (y in 0 until 600) for (x in 0 until 800) {
        val n = rng.nextInt(24)
        image.setRGB(x, y, ((x * 180 / 800 + n) shl 16) or ((y * 150 / 600 + n) shl 8) or (90 + n))
    }
    return ByteArrayOutputStream().also { ImageIO.write(image, "jpg", it) }.toByteArray()
}
