package cn.doorstep.ui.home

import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import cn.doorstep.core.DoorstepInterface
import cn.doorstep.core.NetworkState
import cn.doorstep.core.VisitState
import cn.doorstep.ui.theme.LocalText

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
        val returned = remember(dataVersion) { core.returnedVisits() }
        val drafts = remember(dataVersion) { core.visits().filter { it.visit.state == VisitState.DRAFT } }
        val outbox = remember(dataVersion) { core.outboxStatus() }
        val templates = remember(dataVersion) { core.templates().associateBy { it.id } }
        val due = remember(dataVersion) {
            core.households().flatMap { h ->
                core.household(h.id).due.map { d ->
                    val t = templates[d.templateId]
                    DueItem(h.id, h.head, h.address, LocalText(t?.titleZh ?: d.templateId, t?.titleEn ?: d.templateId), d.dueBy, d.overdue)
                }
            }.sortedWith(compareByDescending<DueItem> { it.overdue }.thenBy { it.dueBy }).take(50)
        }
        return HomeState(
            workerName = account?.displayName ?: "",
            grids = account?.grids?.joinToString("、") { it.name } ?: "",
            due = due, returned = returned, drafts = drafts, outbox = outbox, network = network,
            eventSink = navigate,
        )
    }
}
