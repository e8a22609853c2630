package cn.doorstep.ui.visit

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import cn.doorstep.core.DoorCheckStage
import cn.doorstep.ui.theme.Banner
import cn.doorstep.ui.theme.ChoiceChip
import cn.doorstep.ui.theme.Dimens
import cn.doorstep.ui.theme.Faint
import cn.doorstep.ui.theme.SecondaryButton
import cn.doorstep.ui.theme.SectionCard
import cn.doorstep.ui.theme.colours
import cn.doorstep.ui.theme.tr

/** What the worker found at the door, the live accuracy and waiting time, and the core's words for where the check stands. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun DoorCheckPanel(state: DoorCheckState, sink: (VisitEvent) -> Unit) {
    val v = state.view
    SectionCard(tr("到门核验", "Door check")) {
        Text(tr("入户情况", "At the door"), style = MaterialTheme.typography.bodyLarge)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(Dimens.gap)) {
            state.outcomes.forEach { o ->
                ChoiceChip(
                    text = tr(o.labelZh, o.labelEn),
                    selected = state.outcome == o.outcome,
                    onClick = { sink(VisitEvent.ChooseOutcome(o.outcome)) },
                )
            }
        }
        if (!state.locationAvailable) {
            Text(tr("无法获取位置：请打开定位并允许本应用使用", "No location: turn location on and allow this app"), color = MaterialTheme.colorScheme.error)
        }
        Banner(tr(v.headlineZh, v.headlineEn), v.tone.colours())
        if (v.stage is DoorCheckStage.WaitingForFix) LinearProgressIndicator(Modifier.fillMaxWidth())
        val accuracy = v.accuracyM
        Text(
            (if (accuracy != null) tr("精度 ±%.0f 米（需优于 %.0f 米）", "Accuracy ±%.0f m (need %.0f m)").format(accuracy, v.needAccuracyM) else tr("还没有定位", "No fix yet")) +
                (state.satellites?.let { tr(" · 卫星 $it 颗", " · $it satellites") } ?: "") +
                tr(" · 已等待 ${v.elapsedS} 秒", " · waited ${v.elapsedS} s"),
            style = MaterialTheme.typography.bodyLarge,
        )
        v.distanceM?.let { Faint(tr("距住户 %.0f 米（范围 %.0f 米）", "%.0f m from the household (area %.0f m)").format(it, v.geofenceRadiusM)) }
        v.reasons.forEach { Text("· " + tr(it.textZh, it.textEn), style = MaterialTheme.typography.bodyMedium) }
        if (v.canAcceptByHand) {
            Faint(tr("可以按现状继续，会如实记录。", "You may go on as it is; that is recorded."))
            SecondaryButton(tr("按现状继续", "Go on as it is"), { sink(VisitEvent.AcceptDoorCheck) }, Modifier.fillMaxWidth())
        }
    }
}
