package cn.doorstep.ui.visit

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.material3.FilterChip
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import cn.doorstep.core.DoorOutcome
import cn.doorstep.core.DoorVerdict
import cn.doorstep.ui.theme.Badge
import cn.doorstep.ui.theme.Dimens
import cn.doorstep.ui.theme.Faint
import cn.doorstep.ui.theme.SecondaryButton
import cn.doorstep.ui.theme.SectionCard
import cn.doorstep.ui.theme.Tone
import cn.doorstep.ui.theme.tr

/** The outcome's words (the core's `DoorOutcome::label_zh`; not yet in the FFI). */
@Composable
fun outcomeLabel(o: DoorOutcome) = when (o) {
    DoorOutcome.MET -> tr("见到本人", "Met in person")
    DoorOutcome.NOBODY_HOME -> tr("家中无人", "Nobody home")
    DoorOutcome.REFUSED -> tr("拒绝入户", "Refused entry")
    DoorOutcome.MOVED_OUT -> tr("已搬离", "Moved out")
    DoorOutcome.VACANT -> tr("房屋空置", "Vacant")
    DoorOutcome.WRONG_ADDRESS -> tr("地址有误", "Wrong address")
}

/** The verdict's words (the core's `Verdict::label_zh`; not yet in the FFI). */
@Composable
fun verdictLabel(v: DoorVerdict) = when (v) {
    DoorVerdict.VERIFIED -> tr("已核验", "Verified")
    DoorVerdict.LOCATION_PROPOSED -> tr("已提议住户位置（待审核）", "Location proposed (to review)")
    DoorVerdict.OUTSIDE -> tr("不在范围内", "Outside the household's area")
    DoorVerdict.LOW_ACCURACY -> tr("定位精度不足", "Accuracy too low")
    DoorVerdict.STALE_FIX -> tr("定位已过时", "The fix is stale")
    DoorVerdict.CLOCK_SKEW -> tr("手机时间异常", "The phone's clock is off")
    DoorVerdict.MOCK_LOCATION -> tr("模拟定位", "Mock location")
    DoorVerdict.NO_FIX -> tr("无定位", "No fix")
}

/** What the worker found at the door, the live fix and the core's verdict. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun DoorCheckPanel(state: DoorCheckState, sink: (VisitEvent) -> Unit) {
    SectionCard(tr("到门核验", "Door check")) {
        Text(tr("入户情况", "At the door"), style = MaterialTheme.typography.bodyLarge)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(Dimens.gap)) {
            DoorOutcome.entries.forEach { o ->
                FilterChip(
                    selected = state.outcome == o, onClick = { sink(VisitEvent.ChooseOutcome(o)) },
                    label = { Text(outcomeLabel(o)) }, modifier = Modifier.heightIn(min = Dimens.touch),
                )
            }
        }
        val fix = state.fix
        if (!state.locationAvailable) {
            Text(tr("无法获取位置：请打开定位并允许本应用使用", "No location: turn location on and allow this app"), color = MaterialTheme.colorScheme.error)
        } else if (fix == null) {
            Text(tr("正在定位…", "Finding your position…"))
            LinearProgressIndicator(Modifier.fillMaxWidth())
        } else {
            Text(
                tr("精度 ±%.0f 米 · 卫星 %s 颗 · 已等待 %d 秒", "Accuracy ±%.0f m · %s satellites · waited %d s")
                    .format(fix.accuracyM, fix.satellites?.toString() ?: "—", state.elapsedS),
                style = MaterialTheme.typography.bodyLarge,
            )
        }
        val r = state.result
        if (r != null) {
            Column(verticalArrangement = Arrangement.spacedBy(4.dp())) {
                cn.doorstep.ui.theme.Banner(verdictLabel(r.verdict), if (r.verdict == DoorVerdict.VERIFIED) Tone.OK else Tone.WARN)
                r.distanceM?.let { Faint(tr("距住户 %.0f 米（范围 %.0f 米）", "%.0f m from the household (area %.0f m)").format(it, r.geofenceRadiusM)) }
                r.reasons.forEach { Text("· " + it.messageZh, style = MaterialTheme.typography.bodyMedium) }
            }
        }
        Faint(tr("定位合格后自动通过；也可以按现状继续（会如实记录）。", "A good fix is accepted by itself; you may also go on as it is (recorded as such)."))
        SecondaryButton(tr("按现状继续", "Go on as it is"), { sink(VisitEvent.AcceptDoorCheck) }, Modifier.fillMaxWidth())
    }
}

private fun Int.dp() = androidx.compose.ui.unit.Dp(toFloat())
