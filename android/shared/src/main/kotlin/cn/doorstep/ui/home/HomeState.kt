package cn.doorstep.ui.home

import cn.doorstep.core.HomeView as HomeModel
import cn.doorstep.core.NetworkState

/** What "今日" shows: the core's home screen (due, returned, drafts, waiting, last sync) and the network. */
data class HomeState(
    val workerName: String,
    val grids: String,
    val home: HomeModel,
    val network: NetworkState,
    val eventSink: (HomeEvent) -> Unit,
)

sealed interface HomeEvent {
    data class OpenHousehold(val householdId: String) : HomeEvent
    data class OpenVisit(val visitId: String) : HomeEvent
    data object OpenReturned : HomeEvent
    data object OpenSync : HomeEvent
    /** 重新登录 after the sign-in expired: everything on the phone stays. */
    data object SignInAgain : HomeEvent
}
