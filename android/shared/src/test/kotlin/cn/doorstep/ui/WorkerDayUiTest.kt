package cn.doorstep.ui

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.SemanticsMatcher
import androidx.compose.ui.test.assert
import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.hasAnyDescendant
import androidx.compose.ui.test.hasContentDescription
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performScrollToKey
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.performTextClearance
import androidx.compose.ui.test.runSkikoComposeUiTest
import kotlin.time.Duration.Companion.minutes
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.onRoot
import androidx.compose.ui.test.captureToImage
import androidx.compose.ui.graphics.toAwtImage
import cn.doorstep.core.Doorstep
import cn.doorstep.core.DoorstepInterface
import cn.doorstep.core.NetworkState
import cn.doorstep.core.VisitState
import cn.doorstep.desktop.DesktopSyncScheduler
import cn.doorstep.desktop.SkiaImageDecoder
import cn.doorstep.platform.LocalImageDecoder
import cn.doorstep.platform.LocationFix
import cn.doorstep.platform.PendingCaptures
import cn.doorstep.platform.Platform
import cn.doorstep.platform.fake.FakeCamera
import cn.doorstep.platform.fake.FakeLocationSource
import cn.doorstep.platform.fake.FakeNetworkMonitor
import cn.doorstep.platform.fake.cameraJpeg
import cn.doorstep.testing.DemoServer
import cn.doorstep.ui.app.DoorstepApp
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import org.junit.AfterClass
import org.junit.BeforeClass
import org.junit.Test
import java.io.File
import java.nio.file.Files
import java.security.SecureRandom
import kotlin.math.cos

/** A small form with a label in Uyghur, a hint and a guidance hint in Chinese and English. */
private const val NEIGHBOUR_VISIT = """{"id": "neighbour_visit", "version": 1,
    "title": {"zh": "邻里走访", "en": "Neighbour visit"},
    "fields": [{"name": "contact_name", "type": "text",
        "label": {"zh": "联系人姓名", "en": "Contact's name", "ug": "ئىسىم"},
        "hint": {"zh": "请写全名", "en": "The full name"},
        "guidance_hint": {"zh": "写身份证上的姓名，不写小名", "en": "As on the ID card, not a nickname"}}]}"""

/**
 * A grid worker's whole day through the screens, on the JVM: the real core
 * (JNA, the host-built library) against a real `doorstep demo --workers 0`
 * server, with fake location, camera and network. Every assertion is on what
 * the screen shows.
 */
@OptIn(ExperimentalTestApi::class)
class WorkerDayUiTest {
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

    /** The phone: its data directory and key survive the app being closed. */
    private class Phone {
        val dir: File = Files.createTempDirectory("doorstep-ui-").toFile()
        val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
        val location = FakeLocationSource()
        var photoSeed = 10
        val camera = FakeCamera { cameraJpeg(photoSeed++) }
        val network = FakeNetworkMonitor(NetworkState.CELLULAR)
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)
        var core: Doorstep = open()
        val scheduler = DesktopSyncScheduler({ core }, network, scope)
        val platform = Platform(location, camera, PendingCaptures(File(dir, "captures")), network, scheduler)

        fun open(): Doorstep = Doorstep.open(File(dir, "db").path, key)
        fun close() {
            scope.cancel()
            core.close()
            dir.deleteRecursively()
        }
    }

    private fun ComposeUiTest.waitFor(text: String, substring: Boolean = false) {
        waitUntil(timeoutMillis = 20_000) { onAllNodesWithText(text, substring = substring).fetchSemanticsNodes().isNotEmpty() }
    }

    /** Scrolls the visit's form to the field at [path], going 下一节 until its section is on screen. */
    private fun ComposeUiTest.showField(path: String) {
        repeat(6) {
            if (runCatching { onNodeWithTag("form").performScrollToKey("f:$path") }.isSuccess) {
                waitForIdle()
                return
            }
            click("下一节")
        }
        error("no section holds $path")
    }

    /** Brought into view when it sits in a scrolling column. */
    private fun androidx.compose.ui.test.SemanticsNodeInteraction.scrolled() = apply { runCatching { performScrollTo() } }

    private fun ComposeUiTest.gone(text: String): Boolean = onAllNodesWithText(text).fetchSemanticsNodes().isEmpty()

    private fun ComposeUiTest.click(text: String) {
        waitFor(text)
        onAllNodesWithText(text)[0].scrolled().performClick()
        waitForIdle()
    }

    private fun ComposeUiTest.clickTag(tag: String) {
        waitUntil(timeoutMillis = 30_000) { onAllNodes(hasTestTag(tag)).fetchSemanticsNodes().isNotEmpty() }
        onNodeWithTag(tag).scrolled().performClick()
        waitForIdle()
    }

    private fun ComposeUiTest.type(tag: String, text: String) {
        waitUntil(timeoutMillis = 30_000) { onAllNodes(hasTestTag(tag)).fetchSemanticsNodes().isNotEmpty() }
        onNodeWithTag(tag).scrolled().performTextInput(text)
        waitForIdle()
    }

    /** A node whose text has Chinese characters in it. */
    private fun hasChinese() = SemanticsMatcher("shows Chinese") { node ->
        node.config.getOrNull(androidx.compose.ui.semantics.SemanticsProperties.Text)
            ?.any { t -> t.text.any { it in '\u4e00'..'\u9fff' } } == true
    }

    /** A fix [metres] north of ([lat], [lon]). */
    private fun fix(lat: Double, lon: Double, accuracy: Double, metresNorth: Double = 0.0, mock: Boolean = false) = LocationFix(
        lat = lat + metresNorth / 111_320.0, lon = lon, accuracyM = accuracy,
        fixTimeMs = System.currentTimeMillis(), satellites = 9, isMock = mock,
    )

    @Test
    fun aWorkersDayThroughTheScreens() = runSkikoComposeUiTest(
        size = androidx.compose.ui.geometry.Size(720f, 1600f),
        density = androidx.compose.ui.unit.Density(2f),
        testTimeout = 5.minutes,
    ) {
        val phone = Phone()
        var running by mutableStateOf(true)
        try {
            setContent {
                if (running) {
                    CompositionLocalProvider(LocalImageDecoder provides SkiaImageDecoder) {
                        DoorstepApp(phone.core, phone.platform, "JVM phone", phone.scheduler.dataChanges)
                    }
                }
            }

            // A form with a Uyghur label, a hint and a guidance hint, published before she signs in.
            server.publishTemplate("neighbour_visit.json", NEIGHBOUR_VISIT)

            // Sign in: a wrong password is refused in Chinese, then the right one.
            type("server", server.url)
            type("username", "worker1")
            type("password", "wrong-password")
            click("登录")
            waitUntil(timeoutMillis = 30_000) { onAllNodes(hasTestTag("error")).fetchSemanticsNodes().isNotEmpty() }
            onNodeWithTag("error").assert(hasChinese())
            type("password", DemoServer.PASSWORD)
            click("登录")
            waitFor("应访户")

            // Households: find one by the pinyin initials of its head.
            val located = server.householdLocations("worker1")
            val target = phone.core.households().first { initials(it.head) != null && it.id in located }
            val (lat, lon) = located.getValue(target.id)
            click("住户")
            type("search", initials(target.head)!!)
            val line = target.address + " · " + target.code
            waitFor(line)
            click(line)
            waitFor(target.head)
            onNodeWithText(target.address).assertIsDisplayed()

            val titles = phone.core.templates().associate { it.id to it.titleZh }
            val hazard = titles.getValue("hazard_inspection")
            val rental = titles.getValue("rental_inspection")

            // Start a hazard inspection: the door check comes first and waits for a good fix.
            click(hazard)
            waitFor("正在定位…")
            phone.location.send(fix(lat, lon, accuracy = 85.0))
            waitFor("定位精度 85 米，需 ≤ 30 米，请稍候")
            phone.location.send(fix(lat, lon, accuracy = 6.0, metresNorth = 1500.0))
            waitFor("核验未通过：不在范围内")
            phone.location.send(fix(lat, lon, accuracy = 5.0, mock = true))
            waitFor("核验未通过：模拟定位")
            phone.location.send(fix(lat, lon, accuracy = 6.0))
            waitFor("已核验，请选择入户结果")
            click("见到本人")
            waitFor("到门核验：", substring = true)

            // The form: what the visit already knows is filled in by the core; answers show what relevance brings.
            waitFor(target.code)
            onNodeWithTag("input:respondent").assert(hasText(target.head))
            click("是")
            click("下一节")
            waitFor("隐患类型 *")
            click("上一节")
            click("否")
            showField("outcome")
            waitFor("排查结论 *")
            check(gone("隐患类型 *")) { "the hazard's questions are hidden again" }
            click("未发现隐患")

            // 完成 is refused: the problem is on its field, in Chinese, and the page shows it.
            click("完成")
            val visitId = phone.core.visits().single { it.visit.state == VisitState.DRAFT }.visit.visitId
            val problem = phone.core.problems(visitId).single()
            waitFor("⚠ " + problem.messageZh)
            onNodeWithTag("field:" + problem.path).assert(hasAnyDescendant(hasText("⚠ " + problem.messageZh)))

            // A photo, its thumbnail, then 完成 is accepted.
            showField("photos")
            click("拍照")
            waitUntil(timeoutMillis = 30_000) { onAllNodes(hasContentDescription("照片 1")).fetchSemanticsNodes().isNotEmpty() }
            check(gone("⚠ " + problem.messageZh)) { "the problem went with the photo" }
            click("完成")
            waitFor("待上传")

            // A second visit with a repeat: 添加成员 and 移除.
            click(rental)
            waitFor("已核验，请选择入户结果")
            click("见到本人")
            repeat(5) { if (gone("租户（0 人）")) click("下一节") }
            waitFor("租户（0 人）")
            click("添加成员")
            waitFor("第 1 人")
            waitFor("租户姓名 *")
            click("移除")
            waitFor("租户（0 人）")
            check(gone("租户姓名 *")) { "the member was removed" }
            click("保存草稿")

            // On cellular nothing went by itself; she allows photos on cellular and syncs, with progress.
            click("同步")
            waitFor("待上传 2 项")
            click("允许用移动网络上传照片")
            click("立即同步")
            waitFor("已上传 2 项，仍待上传 0 项")
            waitFor("进度 2/2 项")

            // The supervisor returns the visit; the next sync brings it with her comment.
            val comment = "门牌照片不清晰，请补拍"
            server.supervisorReturns(visitId, comment)
            click("立即同步")
            waitFor("1 项走访被退回修改")
            click("今日")
            waitFor(comment)
            click(comment)
            waitFor("督导意见")
            waitFor(comment)
            click("修改")
            waitFor("到门核验：", substring = true)
            showField("photos")
            click("拍照")
            waitUntil(timeoutMillis = 30_000) { onAllNodes(hasContentDescription("照片 2")).fetchSemanticsNodes().isNotEmpty() }
            click("完成")
            click("同步")
            click("立即同步")
            waitFor("已上传 2 项，仍待上传 0 项")

            // Offline: a visit made with no network waits, and goes when the network returns.
            phone.network.mutable.value = NetworkState.OFFLINE
            click("住户")
            val other = phone.core.households().first { it.id != target.id && it.id in located }
            val (olat, olon) = located.getValue(other.id)
            phone.location.send(fix(olat, olon, accuracy = 6.0))
            type("search", other.code)
            click(other.address + " · " + other.code)
            click(hazard)
            waitFor("已核验，请选择入户结果")
            click("见到本人")
            waitFor("到门核验：", substring = true)
            click("否")
            showField("outcome")
            click("未发现隐患")
            click("拍照")
            waitUntil(timeoutMillis = 30_000) { onAllNodes(hasContentDescription("照片 1")).fetchSemanticsNodes().isNotEmpty() }
            click("完成")
            click("今日")
            waitFor("无网络：走访照常保存，联网后自动上传")
            waitFor("待上传 1 次走访")

            // Her sign-in expires while the visit waits: 今日 says so in the core's words; signing in again keeps the visit.
            phone.core.fixClock(System.currentTimeMillis() + 3650L * 86_400_000L, 28_800)
            click("住户")
            click("今日")
            waitFor(phone.core.home().sessionNoticeZh ?: error("the core says the sign-in expired"))
            phone.core.fixClock(null, 28_800)
            click("重新登录")
            type("password", DemoServer.PASSWORD)
            click("登录")
            waitFor("待上传 1 次走访")
            check(gone("重新登录")) { "signed in again" }
            phone.network.mutable.value = NetworkState.WIFI
            waitFor("全部已上传")

            // Her forms in 维吾尔语: the form's own Uyghur label; its hint and guidance in Chinese, which it has.
            click("设置")
            click("维吾尔语")
            click("住户")
            type("search", other.code)
            click(other.address + " · " + other.code)
            phone.location.send(fix(olat, olon, accuracy = 6.0))
            click("邻里走访")
            waitFor("已核验，请选择入户结果")
            click("见到本人")
            waitFor("ئىسىم")
            waitFor("请写全名")
            check(gone("写身份证上的姓名，不写小名")) { "the guidance waits until she asks" }
            click("查看说明")
            waitFor("写身份证上的姓名，不写小名")
            click("保存草稿")
            click("设置")
            click("与应用相同")

            // The app is closed in the middle of a visit and reopened: nothing is lost, and it says so.
            click("住户")
            type("search", other.code)
            click(other.address + " · " + other.code)
            click(hazard)
            waitFor("已核验，请选择入户结果")
            click("见到本人")
            waitFor("到门核验：", substring = true)
            onNodeWithTag("input:respondent").performTextClearance()
            type("input:respondent", "王阿姨")
            running = false
            waitForIdle()
            phone.core.close()
            phone.core = phone.open()
            running = true
            val reopened = phone.core.openVisit() ?: error("the core keeps the open visit")
            waitFor(reopened.messageZh)
            waitFor("王阿姨")
        } catch (e: Throwable) {
            // What the screen showed when it failed, for the person reading the log.
            val shot = File(System.getProperty("doorstep.shots") ?: "target/phone-shots", "failure-worker-day.png")
            shot.parentFile.mkdirs()
            runCatching { javax.imageio.ImageIO.write(onRoot().captureToImage().toAwtImage(), "png", shot) }
            throw e
        } finally {
            // The app goes before its core is closed.
            running = false
            runCatching { waitForIdle() }
            phone.close()
        }
    }

    /** Pinyin initials of the demo's names (its surnames and men's given names), or null for another name. */
    private fun initials(name: String): String? {
        val surname = mapOf(
            '王' to "w", '李' to "l", '张' to "z", '刘' to "l", '陈' to "c", '杨' to "y", '黄' to "h", '赵' to "z",
            '吴' to "w", '周' to "z", '徐' to "x", '孙' to "s", '马' to "m", '朱' to "z", '胡' to "h", '郭' to "g",
            '何' to "h", '林' to "l", '罗' to "l", '高' to "g", '郑' to "z", '梁' to "l", '谢' to "x", '宋' to "s",
            '唐' to "t", '许' to "x", '邓' to "d", '冯' to "f", '韩' to "h", '曹' to "c",
        )
        val given = mapOf(
            "建国" to "jg", "志强" to "zq", "俊杰" to "jj", "浩然" to "hr", "子轩" to "zx", "德明" to "dm",
            "国华" to "gh", "文斌" to "wb", "永福" to "yf", "海涛" to "ht", "宇航" to "yh", "家豪" to "jh",
        )
        if (name.length != 3) return null
        val s = surname[name[0]] ?: return null
        val g = given[name.substring(1)] ?: return null
        return s + g
    }
}
