package cn.doorstep.ui

import androidx.compose.runtime.Composable
import cn.doorstep.desktop.Phone
import cn.doorstep.desktop.renderPng
import cn.doorstep.ui.home.HomeStates
import cn.doorstep.ui.home.HomeView
import cn.doorstep.ui.household.HouseholdStates
import cn.doorstep.ui.household.HouseholdView
import cn.doorstep.ui.households.HouseholdsStates
import cn.doorstep.ui.households.HouseholdsView
import cn.doorstep.ui.returned.ReturnedStates
import cn.doorstep.ui.returned.ReturnedView
import cn.doorstep.ui.settings.SettingsStates
import cn.doorstep.ui.settings.SettingsView
import cn.doorstep.ui.signin.SignInStates
import cn.doorstep.ui.signin.SignInView
import cn.doorstep.ui.sync.SyncStates
import cn.doorstep.ui.sync.SyncView
import cn.doorstep.ui.theme.DoorstepTheme
import cn.doorstep.ui.theme.Lang
import cn.doorstep.ui.visit.VisitStates
import cn.doorstep.ui.visit.VisitView
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File
import javax.imageio.ImageIO

/**
 * Every screen's state provider drawn at a phone's size (360×800 dp) in
 * Chinese, in English and in Chinese at 1.3× font scale, as PNG files under
 * `target/phone-shots/<screen>/` for people to look at.
 */
class ScreenPicturesTest {
    private val shots = File(System.getProperty("doorstep.shots") ?: "target/phone-shots")

    private fun <S> shoot(screen: String, states: List<Pair<String, S>>, view: @Composable (S) -> Unit) =
        shoot(screen, { _: Lang -> states }, view)

    /** [statesIn] gives the states as the core words them for a worker reading in that language. */
    private fun <S> shoot(screen: String, statesIn: (Lang) -> List<Pair<String, S>>, view: @Composable (S) -> Unit) {
        val variants = listOf(Triple("zh", Lang.ZH, 1f), Triple("en", Lang.EN, 1f), Triple("zh-1.3x", Lang.ZH, 1.3f))
        for ((suffix, lang, scale) in variants) for ((name, state) in statesIn(lang)) {
            val file = File(shots, "$screen/$name.$suffix.png")
            renderPng(file, Phone(fontScale = scale)) { DoorstepTheme(lang) { view(state) } }
            val image = ImageIO.read(file)
            assertTrue("$file is a 720×1600 picture", image.width == 720 && image.height == 1600)
            // Not blank: a drawn screen has many colours.
            val colours = HashSet<Int>()
            for (y in 0 until image.height step 8) for (x in 0 until image.width step 8) colours += image.getRGB(x, y)
            assertTrue("$file shows something", colours.size > 4)
        }
    }

    @Test fun signIn() = shoot("sign-in", SignInStates.all) { SignInView(it) }
    @Test fun home() = shoot("home", HomeStates.all) { HomeView(it) }
    @Test fun households() = shoot("households", HouseholdsStates.all) { HouseholdsView(it) }
    @Test fun household() = shoot("household", HouseholdStates.all) { HouseholdView(it) }
    @Test fun visit() = shoot("visit", VisitStates::all) { VisitView(it) }
    @Test fun returned() = shoot("returned", ReturnedStates.all) { ReturnedView(it) }
    @Test fun sync() = shoot("sync", SyncStates.all) { SyncView(it) }
    @Test fun settings() = shoot("settings", SettingsStates.all) { SettingsView(it) }
}
