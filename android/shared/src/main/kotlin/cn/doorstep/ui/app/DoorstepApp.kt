//! The app: which screen is on top, the bottom bar, the network handed to the
//! core, and a counter that tells the screens to read the core again after
//! anything changed its data (a sync, a pull, a finished visit).
package cn.doorstep.ui.app

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.DisposableEffect
import cn.doorstep.core.AppLanguage
import cn.doorstep.core.DataChangeView
import cn.doorstep.core.DataListener
import cn.doorstep.ui.theme.Lang
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.key
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import cn.doorstep.core.DoorstepException
import cn.doorstep.core.DoorstepInterface
import cn.doorstep.core.NetworkState
import cn.doorstep.platform.Platform
import cn.doorstep.ui.home.HomeEvent
import cn.doorstep.ui.home.HomePresenter
import cn.doorstep.ui.home.HomeView
import cn.doorstep.ui.household.HouseholdPresenter
import cn.doorstep.ui.household.HouseholdView
import cn.doorstep.ui.households.HouseholdsPresenter
import cn.doorstep.ui.households.HouseholdsView
import cn.doorstep.ui.returned.ReturnedPresenter
import cn.doorstep.ui.returned.ReturnedView
import cn.doorstep.ui.settings.SettingsPresenter
import cn.doorstep.ui.settings.SettingsView
import cn.doorstep.ui.signin.SignInPresenter
import cn.doorstep.ui.signin.SignInView
import cn.doorstep.ui.sync.SyncPresenter
import cn.doorstep.ui.sync.SyncView
import cn.doorstep.ui.theme.DoorstepTheme
import cn.doorstep.ui.theme.LocalText
import cn.doorstep.ui.theme.tr
import cn.doorstep.ui.visit.VisitPresenter
import cn.doorstep.ui.visit.VisitView
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.emptyFlow
import kotlinx.coroutines.launch

/** The whole app over [core] and the phone's [platform] services. */
@Composable
fun DoorstepApp(
    core: DoorstepInterface,
    platform: Platform,
    deviceName: String,
    /** Told when something outside the screens changed the core's data (a background sync). */
    dataChanges: Flow<Unit> = emptyFlow(),
    /** The platform's back button (see [backFrom] for where it goes). */
    systemBack: SystemBack = NoSystemBack,
) {
    var dataVersion by remember { mutableIntStateOf(0) }
    val settings = remember(dataVersion) { core.settings() }
    val lang = if (settings.language == AppLanguage.EN) Lang.EN else Lang.ZH
    val network by platform.network.state.collectAsState()
    val scope = rememberCoroutineScope()
    var stack by remember {
        val start: List<Route> = when {
            core.currentAccount() == null -> listOf(Route.SignIn)
            else -> {
                // The visit on screen when the app was closed (the core keeps it), reopened with the core's words.
                val open = core.openVisit()
                listOfNotNull(
                    Route.Home,
                    open?.let {
                        val id = it.visit.visit.visitId
                        Route.Visit(id, LocalText(it.messageZh, it.messageEn).withLostPhotos(platform.captures.forgetLost(id)))
                    },
                )
            }
        }
        mutableStateOf(start)
    }
    val changed: () -> Unit = { dataVersion += 1 }
    fun push(r: Route) {
        stack = stack + r
    }
    fun pop() {
        stack = stack.dropLast(1).ifEmpty { listOf(Route.Home) }
    }
    fun tab(r: Route) {
        stack = listOf(r)
    }
    /** Leaves the visit on screen; its answers are in the core's store already. */
    fun leaveVisit() {
        changed()
        if (core.outboxStatus().pending > 0uL) platform.syncScheduler.schedule(BackgroundSync.request(settings))
        pop()
    }
    LaunchedEffect(dataChanges) { dataChanges.collect { changed() } }
    // The core says when its data changed (a background sync, a pull): the screens read it again.
    DisposableEffect(core) {
        core.setDataListener(object : DataListener {
            override fun onDataChanged(change: DataChangeView) {
                scope.launch { changed() }
            }
        })
        onDispose { core.setDataListener(null) }
    }

    // The network goes to the core; waiting items go by themselves on the
    // network the worker's Wi-Fi-only setting allows, scheduled again when it changes.
    LaunchedEffect(network, settings.wifiOnlySync) {
        core.setNetwork(network)
        if (network != NetworkState.OFFLINE && core.currentAccount() != null && core.outboxStatus().pending > 0uL) {
            platform.syncScheduler.schedule(BackgroundSync.request(settings))
        }
    }

    val top = stack.last()
    // Back goes up one screen; on 今日 and sign-in the platform closes the app.
    val back = backFrom(stack)
    systemBack(back != null) {
        if (top is Route.Visit) {
            // What the visit's own back arrow does: the core stops reopening it at start.
            try {
                core.leaveVisit(top.id)
            } catch (_: DoorstepException) {
                // Reopened at the next start at worst: nothing is lost.
            }
            leaveVisit()
        } else {
            back?.let { stack = it }
        }
    }

    DoorstepTheme(lang) {
        Column(Modifier.fillMaxSize()) {
            Column(Modifier.weight(1f)) {
                key(top) {
                    when (top) {
                        Route.SignIn -> SignInView(
                            SignInPresenter(core, settings.serverUrl ?: "", deviceName) { _, _ ->
                                tab(Route.Home)
                                changed()
                                scope.launch {
                                    try {
                                        core.pull(null)
                                    } catch (_: cn.doorstep.core.DoorstepException) {
                                    }
                                    changed()
                                }
                            }.present(),
                        )
                        Route.Home -> HomeView(
                            HomePresenter(core, dataVersion, network) { e ->
                                when (e) {
                                    is HomeEvent.OpenHousehold -> push(Route.Household(e.householdId))
                                    is HomeEvent.OpenVisit -> push(Route.Visit(e.visitId))
                                    HomeEvent.OpenReturned -> push(Route.Returned)
                                    HomeEvent.OpenSync -> tab(Route.Sync)
                                    HomeEvent.SignInAgain -> tab(Route.SignIn)
                                }
                            }.present(),
                        )
                        Route.Households -> HouseholdsView(HouseholdsPresenter(core, dataVersion) { push(Route.Household(it)) }.present())
                        is Route.Household -> HouseholdView(
                            HouseholdPresenter(core, top.id, dataVersion, { push(Route.Visit(it)) }, ::pop).present(),
                        )
                        is Route.Visit -> {
                            VisitView(
                                VisitPresenter(core, platform, top.id, top.resumed) { _ -> leaveVisit() }.present(),
                            )
                        }
                        Route.Returned -> ReturnedView(ReturnedPresenter(core, dataVersion, { id -> stack = stack.dropLast(1) + Route.Visit(id) }, ::pop).present())
                        Route.Sync -> SyncView(SyncPresenter(core, dataVersion, network, changed).present())
                        Route.Settings -> SettingsView(
                            SettingsPresenter(core, dataVersion) {
                                platform.syncScheduler.cancel()
                                tab(Route.SignIn)
                            }.present(),
                        )
                    }
                }
            }
            if (top != Route.SignIn && top !is Route.Visit) {
                NavigationBar {
                    listOf(
                        Route.Home to tr("今日", "Today"),
                        Route.Households to tr("住户", "Households"),
                        Route.Sync to tr("同步", "Sync"),
                        Route.Settings to tr("设置", "Settings"),
                    ).forEach { (r, label) ->
                        NavigationBarItem(
                            selected = stack.first() == r,
                            onClick = { tab(r) },
                            icon = { Text(label.take(1), Modifier.semantics { contentDescription = label }) },
                            label = { Text(label) },
                        )
                    }
                }
            }
        }
    }
}

/**
 * The core's words for a reopened visit, and the shell's when [lost] photos
 * were asked for but never written: the app was closed while the camera was
 * open, and the camera kept nothing.
 */
private fun LocalText.withLostPhotos(lost: Int): LocalText = when (lost) {
    0 -> this
    else -> LocalText(
        "$zh。拍照时应用被关闭，$lost 张照片没有保存，请重新拍照",
        "$en. The app was closed while the camera was open: $lost photo(s) were not saved, take them again",
    )
}
