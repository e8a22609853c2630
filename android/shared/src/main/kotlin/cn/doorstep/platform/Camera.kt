//! Photos: the system camera writes into an app-private file whose name is
//! recorded before the camera opens, so a photo taken while the process was
//! killed is found and handed to the core when the app comes back.
package cn.doorstep.platform

import java.io.File

/** A photo asked for: which visit and field it answers, and the file the camera writes. */
data class CaptureRequest(val visitId: String, val field: String, val file: File)

/** The platform camera. */
interface Camera {
    /**
     * Opens the system camera writing a JPEG into [request]'s file and returns
     * true once the worker took a picture, false when she cancelled. The app
     * process may die while the camera is open: [PendingCaptures] finds the
     * photo on the next start.
     */
    suspend fun capture(request: CaptureRequest): Boolean
}

/**
 * The captures asked for and not yet handed to the core, kept as small files
 * in an app-private directory so they survive the process dying.
 */
class PendingCaptures(private val directory: File) {
    /** Records a capture before the camera opens and returns its request. */
    fun begin(visitId: String, field: String): CaptureRequest {
        directory.mkdirs()
        val stem = "capture-" + System.nanoTime()
        File(directory, "$stem.pending").writeText(visitId + "\n" + field)
        return CaptureRequest(visitId, field, File(directory, "$stem.jpg"))
    }

    /** Captures whose JPEG exists and that the core has not taken yet. */
    fun waiting(): List<CaptureRequest> =
        (directory.listFiles { f -> f.name.endsWith(".pending") } ?: emptyArray())
            .sortedBy { it.name }
            .mapNotNull { marker ->
                val lines = marker.readText().split("\n")
                val jpeg = File(directory, marker.name.removeSuffix(".pending") + ".jpg")
                if (lines.size == 2 && jpeg.length() > 0) CaptureRequest(lines[0], lines[1], jpeg) else null
            }

    /**
     * Forgets the captures of [visitId] whose camera never wrote a photo (the
     * app was closed while the camera was open, and the photo was not kept)
     * and returns how many there were, for the worker to be told. Call it when
     * the app starts again, never while a capture may still be running.
     */
    fun forgetLost(visitId: String): Int =
        (directory.listFiles { f -> f.name.endsWith(".pending") } ?: emptyArray())
            .filter { marker ->
                val lines = marker.readText().split("\n")
                val jpeg = File(directory, marker.name.removeSuffix(".pending") + ".jpg")
                lines.firstOrNull() == visitId && jpeg.length() == 0L
            }
            .onEach { marker ->
                File(directory, marker.name.removeSuffix(".pending") + ".jpg").delete()
                marker.delete()
            }
            .size

    /** Forgets a capture once the core has it (or the worker cancelled). */
    fun finish(request: CaptureRequest) {
        request.file.delete()
        File(directory, request.file.name.removeSuffix(".jpg") + ".pending").delete()
    }
}
