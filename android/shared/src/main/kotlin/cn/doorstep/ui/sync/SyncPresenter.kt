package cn.doorstep.ui.sync

import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import cn.doorstep.core.DoorstepException
import cn.doorstep.core.DoorstepInterface
import cn.doorstep.core.NetworkState
import cn.doorstep.core.SyncCancel
import cn.doorstep.core.SyncListener
import cn.doorstep.core.SyncProgress
import cn.doorstep.core.SyncResult
import cn.doorstep.ui.theme.LocalText
import cn.doorstep.ui.theme.text
import kotlinx.coroutines.launch

/** Runs the core's sync with a progress listener and a cancel flag. */
class SyncPresenter(
    private val core: DoorstepInterface,
    private val dataVersion: Int,
    private val network: NetworkState,
    /** Told after every run, so other screens re-read the core. */
    private val dataChanged: () -> Unit,
) {
    @Composable
    fun present(): SyncUiState {
        val scope = rememberCoroutineScope()
        var local by remember { mutableStateOf(0) }
        val outbox = remember(dataVersion, local) { core.outboxStatus() }
        val entries = remember(dataVersion, local) { core.outboxEntries() }
        val settings = remember(dataVersion, local) { core.settings() }
        var running by remember { mutableStateOf(false) }
        var progress by remember { mutableStateOf<SyncProgress?>(null) }
        var result by remember { mutableStateOf<SyncResult?>(null) }
        var error by remember { mutableStateOf<LocalText?>(null) }
        var cancel by remember { mutableStateOf<SyncCancel?>(null) }
        return SyncUiState(outbox, entries, network, running, progress, result, error, settings.photosOnCellular, settings.wifiOnlySync) { event ->
            when (event) {
                SyncEvent.SyncNow -> if (!running) {
                    running = true
                    error = null
                    progress = null
                    val flag = SyncCancel()
                    cancel = flag
                    scope.launch {
                        try {
                            core.setNetwork(network)
                            result = core.sync(true, object : SyncListener {
                                override fun onProgress(p: SyncProgress) {
                                    // Heard on the core's thread; shown from the UI's.
                                    scope.launch { progress = p }
                                }
                            }, flag)
                        } catch (e: DoorstepException) {
                            error = e.text()
                        } finally {
                            running = false
                            cancel = null
                            dataChanged()
                        }
                    }
                }
                SyncEvent.Cancel -> cancel?.cancel()
                is SyncEvent.SetPhotosOnCellular -> {
                    core.setPhotosOnCellular(event.allowed)
                    local++
                }
                is SyncEvent.SetWifiOnly -> {
                    core.setWifiOnlySync(event.wifiOnly)
                    local++
                }
                is SyncEvent.Retry -> try {
                    core.retryOutboxEntry(event.entryId)
                    local++
                } catch (e: DoorstepException) {
                    error = e.text()
                }
                is SyncEvent.Discard -> try {
                    val done = core.discardOutboxEntry(event.entryId)
                    error = LocalText(done.messageZh, done.messageEn)
                    local++
                } catch (e: DoorstepException) {
                    error = e.text()
                }
            }
        }
    }
}
