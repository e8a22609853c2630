//! Background sync on the JVM, as WorkManager does it on the phone: a
//! scheduled run waits for a network that meets its constraint (unmetered for
//! the default Wi-Fi-only setting), then runs the core's background sync and
//! says that the data changed.
package cn.doorstep.desktop

import cn.doorstep.core.DoorstepInterface
import cn.doorstep.core.NetworkState
import cn.doorstep.platform.NetworkMonitor
import cn.doorstep.platform.SyncRequest
import cn.doorstep.platform.SyncScheduler
import cn.doorstep.ui.app.BackgroundSync
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch

class DesktopSyncScheduler(
    private val core: () -> DoorstepInterface,
    private val network: NetworkMonitor,
    private val scope: CoroutineScope,
) : SyncScheduler {
    private var job: Job? = null
    private val changes = MutableSharedFlow<Unit>(extraBufferCapacity = 8)

    /** Emits after every background run. */
    val dataChanges: SharedFlow<Unit> = changes

    override fun schedule(request: SyncRequest) {
        job?.cancel()
        job = scope.launch {
            if (request.delayMs > 0) delay(request.delayMs)
            val ok: (NetworkState) -> Boolean = if (request.unmeteredOnly) {
                { it == NetworkState.WIFI }
            } else {
                { it != NetworkState.OFFLINE }
            }
            val state = network.state.first(ok)
            BackgroundSync.run(core(), state)
            changes.emit(Unit)
        }
    }

    override fun cancel() {
        job?.cancel()
        job = null
    }
}
