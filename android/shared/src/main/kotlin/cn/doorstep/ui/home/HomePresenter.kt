package cn.doorstep.ui.home

import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import cn.doorstep.core.DoorstepInterface
import cn.doorstep.core.NetworkState

/** Reads "今日" from the core each time its data changes ([dataVersion]). */
class HomePresenter(
    private val core: DoorstepInterface,
    private val dataVersion: Int,
    private val network: NetworkState,
    private val navigate: (HomeEvent) -> Unit,
) {
    @Composable
    fun present(): HomeState {
        val account = remember(dataVersion) { core.currentAccount() }
        val home = remember(dataVersion) { core.home() }
        return HomeState(
            workerName = account?.displayName ?: "",
            grids = account?.grids?.joinToString("、") { it.name } ?: "",
            home = home, network = network, eventSink = navigate,
        )
    }
}
