//! The app in a phone-sized desktop window, against a Doorstep server (the
//! demo's, by `android/run-desktop.sh`): the same screens as on the phone,
//! with a fixed position for the door check, generated camera pictures and a
//! Wi-Fi network. The database lives under `doorstep.desktop.dir`.
package cn.doorstep.desktop

import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.ui.input.key.Key
import androidx.compose.ui.input.key.KeyEventType
import androidx.compose.ui.input.key.key
import androidx.compose.ui.input.key.type
import androidx.compose.ui.unit.DpSize
import androidx.compose.ui.unit.dp
import androidx.compose.ui.window.Window
import androidx.compose.ui.window.application
import androidx.compose.ui.window.rememberWindowState
import cn.doorstep.core.Doorstep
import cn.doorstep.platform.LocalImageDecoder
import cn.doorstep.platform.LocationFix
import cn.doorstep.platform.PendingCaptures
import cn.doorstep.platform.Platform
import cn.doorstep.platform.fake.FakeCamera
import cn.doorstep.platform.fake.FakeLocationSource
import cn.doorstep.platform.fake.FakeNetworkMonitor
import cn.doorstep.platform.fake.cameraJpeg
import cn.doorstep.ui.app.DoorstepApp
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import java.io.File
import java.security.SecureRandom

/** The database key of the desktop phone, kept in a file beside its database (a stand-in for the Keystore). */
private fun desktopKey(dir: File): ByteArray {
    val file = File(dir, "database.key")
    if (file.length() == 32L) return file.readBytes()
    val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
    dir.mkdirs()
    file.writeBytes(key)
    return key
}

fun main() {
    val dir = File(System.getProperty("doorstep.desktop.dir") ?: "target/desktop-phone")
    val core = Doorstep.open(File(dir, "db").path, desktopKey(dir))
    System.getProperty("doorstep.server")?.let { if (core.settings().serverUrl == null) core.setServerUrl(it) }
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)
    val location = FakeLocationSource()
    // A fix every two seconds at the demo community's first grid.
    scope.launch {
        while (true) {
            location.send(LocationFix(30.6570, 104.0810, 6.0, fixTimeMs = System.currentTimeMillis(), satellites = 10))
            delay(2000)
        }
    }
    var seed = 1
    val network = FakeNetworkMonitor()
    val scheduler = DesktopSyncScheduler({ core }, network, scope)
    val platform = Platform(location, FakeCamera { cameraJpeg(seed++) }, PendingCaptures(File(dir, "captures")), network, scheduler)
    val back = BackButton()
    application {
        val close = { core.close(); exitApplication() }
        Window(
            onCloseRequest = close,
            // Escape is the phone's back button: one screen up, and on 今日 it closes the window.
            onPreviewKeyEvent = { e ->
                val escape = e.type == KeyEventType.KeyUp && e.key == Key.Escape
                if (escape && !back.press()) close()
                escape
            },
            title = "入户通 Doorstep",
            state = rememberWindowState(size = DpSize(380.dp, 820.dp)),
        ) {
            CompositionLocalProvider(LocalImageDecoder provides SkiaImageDecoder) {
                DoorstepApp(core, platform, "desktop window", scheduler.dataChanges, back.systemBack)
            }
        }
    }
}
