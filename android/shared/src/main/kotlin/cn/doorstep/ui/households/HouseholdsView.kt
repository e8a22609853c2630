package cn.doorstep.ui.households

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.input.ImeAction
import cn.doorstep.ui.theme.Dimens
import cn.doorstep.ui.theme.DsTopBar
import cn.doorstep.ui.theme.Faint
import cn.doorstep.ui.theme.ListLine
import cn.doorstep.ui.theme.tr

/** The search box and the households that match, in a lazy list. */
@Composable
fun HouseholdsView(state: HouseholdsState) {
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        Column {
            DsTopBar(tr("住户", "Households"))
            OutlinedTextField(
                value = state.query,
                onValueChange = { state.eventSink(HouseholdsEvent.Search(it)) },
                label = { Text(tr("搜索：姓名、拼音首字母、地址、门牌、身份证后四位", "Search: name, pinyin, initials, address, door, ID last four")) },
                singleLine = true,
                keyboardOptions = KeyboardOptions(imeAction = ImeAction.Search),
                modifier = Modifier.fillMaxWidth().padding(Dimens.page).testTag("search"),
            )
            Faint(tr("共 ${state.results.size} 户", "${state.results.size} households"), Modifier.padding(horizontal = Dimens.page))
            LazyColumn(Modifier.fillMaxSize()) {
                items(state.results, key = { it.id }) { h ->
                    ListLine(h.head, h.address + " · " + h.code, Modifier.clickable { state.eventSink(HouseholdsEvent.Open(h.id)) })
                    HorizontalDivider()
                }
            }
        }
    }
}
