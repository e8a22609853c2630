//! Photos through the system camera app, written straight into an
//! app-private file that the app shares with the camera through its
//! FileProvider for this one capture.
package cn.doorstep.app.platform

import android.Manifest
import android.content.ActivityNotFoundException
import android.content.Context
import android.net.Uri
import androidx.activity.ComponentActivity
import androidx.activity.result.contract.ActivityResultContracts
import androidx.core.content.FileProvider
import cn.doorstep.platform.Camera
import cn.doorstep.platform.CaptureRequest
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.io.File

/**
 * The system camera (`ActivityResultContracts.TakePicture`). Made in the
 * activity's `onCreate`. The file of each capture was recorded by
 * `PendingCaptures` before the camera opens, so when the camera outlives the
 * app's process the photo is found on the next start; the result delivered
 * to the new activity then finds nobody waiting here and is dropped.
 *
 * The app declares no CAMERA permission: the capture intent needs none, and
 * an app that declares it must hold it or the intent is refused with a
 * SecurityException. Should a library ever merge the permission into the
 * manifest, that refusal is met by asking for it once.
 */
class AndroidCamera(
    activity: ComponentActivity,
    private val permissions: Permissions,
    /** The address the camera app writes [File] through: the app's FileProvider (tests give a plain file address). */
    private val shared: (File) -> Uri = { file -> FileProvider.getUriForFile(activity.applicationContext, fileProviderAuthority(activity.applicationContext), file) },
) : Camera {
    private var waiting: CompletableDeferred<Boolean>? = null
    private val launcher = activity.registerForActivityResult(ActivityResultContracts.TakePicture()) { saved ->
        waiting?.complete(saved)
        waiting = null
    }

    override suspend fun capture(request: CaptureRequest): Boolean = withContext(Dispatchers.Main.immediate) {
        request.file.parentFile?.mkdirs()
        val uri = shared(request.file)
        val saved = CompletableDeferred<Boolean>()
        waiting = saved
        val opened = when (open(uri)) {
            Launch.STARTED -> true
            Launch.NEEDS_CAMERA_PERMISSION ->
                permissions.request(arrayOf(Manifest.permission.CAMERA), needed = Manifest.permission.CAMERA) &&
                    open(uri) == Launch.STARTED
            Launch.NO_CAMERA_APP -> false
        }
        if (!opened) {
            waiting = null
            return@withContext false
        }
        // Some camera apps write the photo and still answer "cancelled": the file decides.
        saved.await() || request.file.length() > 0
    }

    /** Starts the camera app writing into [uri]. */
    private fun open(uri: Uri): Launch = try {
        launcher.launch(uri)
        Launch.STARTED
    } catch (e: SecurityException) {
        Launch.NEEDS_CAMERA_PERMISSION
    } catch (e: ActivityNotFoundException) {
        Launch.NO_CAMERA_APP
    }

    private enum class Launch { STARTED, NEEDS_CAMERA_PERMISSION, NO_CAMERA_APP }
}

/** The authority of the app's FileProvider (declared in the manifest as `${applicationId}.files`). */
fun fileProviderAuthority(context: Context): String = context.packageName + ".files"

/** Where pending captures are kept: the directory the FileProvider's `captures` path shares. */
fun capturesDirectory(context: Context): File = File(context.filesDir, "captures")
