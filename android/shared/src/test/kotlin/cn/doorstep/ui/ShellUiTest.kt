package cn.doorstep.ui

import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.graphics.toAwtImage
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.captureToImage
import androidx.compose.ui.test.hasContentDescription
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onRoot
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performScrollToKey
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.runSkikoComposeUiTest
import cn.doorstep.core.AnswerValue
import cn.doorstep.core.Doorstep
import cn.doorstep.core.DoorOutcome
import cn.doorstep.core.FinishResult
import cn.doorstep.core.GpsFixInput
import cn.doorstep.core.LocationProvider
import cn.doorstep.core.NetworkState
import cn.doorstep.desktop.BackButton
import cn.doorstep.desktop.SkiaImageDecoder
import cn.doorstep.platform.LocationFix
import cn.doorstep.platform.LocalImageDecoder
import cn.doorstep.platform.PendingCaptures
import cn.doorstep.platform.Platform
import cn.doorstep.platform.SyncScheduler
import cn.doorstep.platform.fake.FakeCamera
import cn.doorstep.platform.fake.FakeLocationSource
import cn.doorstep.platform.fake.FakeNetworkMonitor
import cn.doorstep.platform.fake.FakeSyncScheduler
import cn.doorstep.platform.fake.cameraJpeg
import cn.doorstep.testing.DemoServer
import cn.doorstep.ui.app.DoorstepApp
import kotlinx.coroutines.runBlocking
import org.junit.AfterClass
import org.junit.BeforeClass
import org.junit.Test
import java.io.File
import java.nio.file.Files
import java.security.SecureRandom
import kotlin.time.Duration.Companion.minutes

/**
 * The app shell on the JVM, against the real core and a real demo server:
 * the system back button on every screen, the language switched back and
 * forth without a restart, a photo whose camera outlived the app, and the
 * background sync following the worker's Wi-Fi-only switch. Assertions are on
 * what the screen shows (and, for the scheduler, on what the platform was asked).
 */
@OptIn(ExperimentalTestApi::class)
class ShellUiTest {
    companion object {
        private lateinit var server: DemoServer

        @BeforeClass
        @JvmStatic
        fun start() {
            server = DemoServer.start()
        }

        @AfterClass
        @JvmStatic
        fun stop() = server.stop()
    }

    /** A phone signed in as worker1 with her grids pulled; the app is not shown yet. */
    private class Phone(val scheduler: SyncScheduler = FakeSyncScheduler()) {
        val dir: File = Files.createTempDirectory("doorstep-shell-").toFile()
        val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
        val location = FakeLocationSource()
        val camera = FakeCamera { cameraJpeg(7) }
        val network = FakeNetworkMonitor(NetworkState.WIFI)
        val captures = PendingCaptures(File(dir, "captures"))
        val core: Doorstep = Doorstep.open(File(dir, "db").path, key)
        val platform = Platform(location, camera, captures, network, scheduler)
        val back = BackButton()

        init {
            runBlocking {
                core.login(server.url, "worker1", DemoServer.PASSWORD, "JVM phone")
                core.pull(null)
            }
        }

        fun close() {
            core.close()
            dir.deleteRecursively()
        }
    }

    /** Runs [body] with the app of [phone] on screen; a failure leaves a picture of the screen. */
    private fun withApp(phone: Phone, name: String, body: ComposeUiTest.() -> Unit) = runSkikoComposeUiTest(
        size = androidx.compose.ui.geometry.Size(720f, 1600f),
        density = androidx.compose.ui.unit.Density(2f),
        testTimeout = 3.minutes,
    ) {
        var running by mutableStateOf(true)
        try {
            setContent {
                if (running) {
                    CompositionLocalProvider(LocalImageDecoder provides SkiaImageDecoder) {
                        DoorstepApp(phone.core, phone.platform, "JVM phone", systemBack = phone.back.systemBack)
                    }
                }
            }
            body()
        } catch (e: Throwable) {
            val shot = File(System.getProperty("doorstep.shots") ?: "target/phone-shots", "failure-$name.png")
            shot.parentFile.mkdirs()
            runCatching { javax.imageio.ImageIO.write(onRoot().captureToImage().toAwtImage(), "png", shot) }
            throw e
        } finally {
            running = false
            runCatching { waitForIdle() }
            phone.close()
        }
    }

    private fun ComposeUiTest.waitFor(text: String, substring: Boolean = false) {
        waitUntil(timeoutMillis = 20_000) { onAllNodesWithText(text, substring = substring).fetchSemanticsNodes().isNotEmpty() }
    }

    private fun ComposeUiTest.gone(text: String): Boolean = onAllNodesWithText(text).fetchSemanticsNodes().isEmpty()

    private fun ComposeUiTest.click(text: String) {
        waitFor(text)
        onAllNodesWithText(text)[0].apply { runCatching { performScrollTo() } }.performClick()
        waitForIdle()
    }

    private fun ComposeUiTest.type(tag: String, text: String) {
        waitUntil(timeoutMillis = 20_000) { onAllNodes(hasTestTag(tag)).fetchSemanticsNodes().isNotEmpty() }
        onNodeWithTag(tag).performTextInput(text)
        waitForIdle()
    }

    /** Presses the system back button; true when the app took it (false: the phone would close the app). */
    private fun ComposeUiTest.pressBack(phone: Phone): Boolean {
        var taken = false
        runOnUiThread { taken = phone.back.press() }
        waitForIdle()
        return taken
    }

    /** Every text and content description on screen. */
    private fun ComposeUiTest.shownTexts(): List<String> = onAllNodes(androidx.compose.ui.test.SemanticsMatcher("any") { true }, useUnmergedTree = true)
        .fetchSemanticsNodes().flatMap { n ->
            (n.config.getOrNull(SemanticsProperties.Text)?.map { it.text } ?: emptyList()) +
                (n.config.getOrNull(SemanticsProperties.ContentDescription) ?: emptyList())
        }

    private fun String.hasChinese() = any { it in '\u4e00'..'\u9fff' }

    /** A household of her grids with a known position, and a good fix at its door. */
    private fun household(phone: Phone): Pair<cn.doorstep.core.HouseholdSummaryView, LocationFix> {
        val located = server.householdLocations("worker1")
        val h = phone.core.households().first { it.id in located }
        val (lat, lon) = located.getValue(h.id)
        return h to LocationFix(lat, lon, 6.0, fixTimeMs = System.currentTimeMillis(), satellites = 9)
    }

    @Test
    fun backGoesUpOneScreenOnEveryScreenAndKeepsTheVisitsAnswers() {
        val phone = Phone()
        withApp(phone, "back") {
            waitFor("应访户")
            check(!pressBack(phone)) { "on 今日 back is the phone's: the app closes" }

            // From the first screen of each other tab, back goes to 今日.
            for ((tab, shown) in listOf("住户" to "搜索", "同步" to "立即同步", "设置" to "退出登录")) {
                click(tab)
                waitFor(shown, substring = true)
                check(pressBack(phone)) { "back on $tab is the app's" }
                waitFor("应访户")
            }

            // 住户 → a household → a visit: an answer, then back up one screen at a time.
            val (h, fix) = household(phone)
            val hazard = phone.core.templates().first { it.id == "hazard_inspection" }.titleZh
            val line = h.address + " · " + h.code
            fun openHousehold() {
                click("住户")
                type("search", h.code)
                click(line)
                waitFor(h.head)
            }
            openHousehold()
            phone.location.send(fix)
            click(hazard)
            waitFor("已核验，请选择入户结果")
            click("见到本人")
            waitFor("到门核验：", substring = true)
            click("是")
            check(pressBack(phone))
            waitFor(h.head)
            check(pressBack(phone))
            waitFor("搜索", substring = true)
            check(pressBack(phone))
            waitFor("应访户")

            // The answer was kept: the draft opened from 今日 shows what it brought (the hazard's questions).
            click(h.head + " · " + hazard)
            waitFor("到门核验：", substring = true)
            click("下一节")
            waitFor("隐患类型 *")
            check(pressBack(phone)) { "back from the visit opened on 今日" }
            waitFor("应访户")

            // A door check left before she chose the outcome: back goes to the household.
            openHousehold()
            click(hazard)
            waitFor("已核验，请选择入户结果")
            check(pressBack(phone))
            waitFor(h.head)
            check(gone("已核验，请选择入户结果")) { "back left the door check" }
        }
    }

    @Test
    fun theLanguageSwitchChangesEveryWordOfTheShellAndTheCoreWithoutARestart() {
        val phone = Phone()
        val who = phone.core.currentAccount()!!.displayName
        withApp(phone, "language") {
            waitFor("应访户")
            val home = phone.core.home()
            waitFor("今日 · " + home.todayZh)
            click("设置")
            click("English")
            waitFor("Settings")
            for (word in listOf("Today", "Households", "Sync", "Settings", "Language", "Account", "Sign out")) waitFor(word)
            val settingsWords = shownTexts().filter { it.hasChinese() } - setOf("中文", who)
            check(settingsWords.isEmpty()) { "Chinese left on the English settings: $settingsWords" }

            click("Sync")
            waitFor("Sync now")
            val syncWords = shownTexts().filter { it.hasChinese() }
            check(syncWords.isEmpty()) { "Chinese left on the English sync screen: $syncWords" }

            // 今日 with the core's words in English (the date, the last sync).
            click("Today")
            waitFor("Today · " + home.todayEn)
            waitFor(home.lastSyncEn)
            waitFor("Visits due")
            check(gone("应访户") && gone("今日 · " + home.todayZh))

            // And back to Chinese.
            click("Settings")
            click("中文")
            waitFor("设置")
            for (word in listOf("今日", "住户", "同步", "语言", "账号", "退出登录")) waitFor(word)
            check(gone("Settings") && gone("Sign out"))
            click("今日")
            waitFor("今日 · " + home.todayZh)
            waitFor(home.lastSyncZh)
            check(gone("Visits due"))
        }
    }

    @Test
    fun aPhotoTakenWhileTheAppWasGoneIsAttachedAndALostOneIsSaid() {
        val phone = Phone()
        val (h, fix) = household(phone)
        // The worker was in a visit, past the door check, when she opened the camera twice;
        // the app's process died each time. One photo was written by the camera, the other never was.
        val visit = phone.core.startVisit(h.id, "hazard_inspection").visit.visitId
        phone.core.doorCheck(visit, GpsFixInput(fix.lat, fix.lon, fix.accuracyM, null, System.currentTimeMillis(), LocationProvider.GPS, false, 9u, null), DoorOutcome.MET)
        val taken = phone.captures.begin(visit, "photos")
        taken.file.writeBytes(cameraJpeg(3))
        phone.captures.begin(visit, "photos")

        withApp(phone, "camera-died") {
            // The app comes back in the visit, says what happened, and the photo is on its field.
            waitFor("拍照时应用被关闭，1 张照片没有保存，请重新拍照", substring = true)
            waitUntil(timeoutMillis = 20_000) { phone.core.visitScreen(visit).photos.size == 1 }
            repeat(6) {
                if (runCatching { onNodeWithTag("form").performScrollToKey("f:photos") }.isSuccess) return@repeat
                click("下一节")
            }
            waitUntil(timeoutMillis = 20_000) { onAllNodes(hasContentDescription("照片 1")).fetchSemanticsNodes().isNotEmpty() }
            check(phone.captures.waiting().isEmpty()) { "the photo was handed to the core once" }
            check(File(phone.dir, "captures").listFiles()!!.none { it.name.endsWith(".pending") }) { "nothing is left pending" }
        }
    }

    @Test
    fun theBackgroundSyncFollowsTheWifiOnlySwitch() {
        val scheduler = FakeSyncScheduler()
        val phone = Phone(scheduler)
        val (h, fix) = household(phone)
        // A finished visit waits to be sent.
        val visit = phone.core.startVisit(h.id, "hazard_inspection").visit.visitId
        phone.core.doorCheck(visit, GpsFixInput(fix.lat, fix.lon, fix.accuracyM, null, System.currentTimeMillis(), LocationProvider.GPS, false, 9u, null), DoorOutcome.MET)
        phone.core.setAnswer(visit, "hazard_found", AnswerValue.YesNo(false))
        phone.core.setAnswer(visit, "outcome", AnswerValue.Choice("no_hazard"))
        phone.core.addPhoto(visit, "photos", cameraJpeg(4))
        val finished = phone.core.finishVisit(visit)
        check(finished is FinishResult.Finalized) { "the visit finishes: $finished" }
        // Cellular: it waits for Wi-Fi by itself (the default switch is on).
        phone.network.mutable.value = NetworkState.CELLULAR

        withApp(phone, "wifi-only") {
            waitFor("应访户")
            waitUntil(timeoutMillis = 20_000) { scheduler.scheduled?.unmeteredOnly == true }
            click("同步")
            click("仅在 Wi-Fi 下自动同步")
            waitUntil(timeoutMillis = 20_000) { scheduler.scheduled?.unmeteredOnly == false }
            click("仅在 Wi-Fi 下自动同步")
            waitUntil(timeoutMillis = 20_000) { scheduler.scheduled?.unmeteredOnly == true }
        }
    }
}
