package cn.doorstep.core

import kotlinx.coroutines.runBlocking
import org.junit.AfterClass
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.BeforeClass
import org.junit.Test
import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import java.io.File
import java.net.HttpURLConnection
import java.net.ServerSocket
import java.net.URI
import java.nio.file.Files
import java.security.SecureRandom
import java.time.LocalDate
import java.util.Collections
import javax.imageio.ImageIO

/**
 * A grid worker's whole day through the generated Kotlin bindings, on the JVM
 * against the host-built library (JNA) and a real seeded server
 * (`doorstep demo --workers 0`): log in, pull, search a household, start a
 * visit, door check, answer, add a photo, finalize, sync with progress
 * callbacks, receive the visit the supervisor returned, revise it, sync again.
 *
 * System properties: `doorstep.bin` (the `doorstep` binary); JNA finds the
 * library through `jna.library.path`.
 */
class WorkerDayTest {
    companion object {
        private const val PASSWORD = "doorstep-demo"
        private lateinit var server: Process
        private lateinit var serverUrl: String
        private lateinit var dataDir: File

        @BeforeClass
        @JvmStatic
        fun startServer() {
            val bin = System.getProperty("doorstep.bin") ?: "target/debug/doorstep"
            val port = ServerSocket(0).use { it.localPort }
            dataDir = Files.createTempDirectory("doorstep-kt-").toFile()
            serverUrl = "http://127.0.0.1:$port"
            server = ProcessBuilder(
                bin, "demo", "--data", File(dataDir, "server").path,
                "--listen", "127.0.0.1:$port", "--workers", "0",
            ).redirectErrorStream(true).redirectOutput(File(dataDir, "server.log")).start()
            val deadline = System.nanoTime() + 120_000_000_000L
            while (true) {
                if (!server.isAlive) fail("the demo server exited: " + File(dataDir, "server.log").readText())
                try {
                    val c = URI("$serverUrl/healthz").toURL().openConnection() as HttpURLConnection
                    c.connectTimeout = 1000
                    if (c.responseCode == 200) break
                } catch (_: java.io.IOException) {
                }
                if (System.nanoTime() > deadline) fail("the demo server did not answer /healthz in 120 s")
                Thread.sleep(200)
            }
        }

        @AfterClass
        @JvmStatic
        fun stopServer() {
            server.destroy()
            server.waitFor()
            dataDir.deleteRecursively()
        }
    }

    private fun newKey() = ByteArray(32).also { SecureRandom().nextBytes(it) }

    /** A camera-like JPEG: gradients and noise. */
    private fun cameraJpeg(seed: Int): ByteArray {
        val image = BufferedImage(800, 600, BufferedImage.TYPE_INT_RGB)
        val rng = java.util.Random(seed.toLong())
        for (y in 0 until 600) for (x in 0 until 800) {
            val n = rng.nextInt(24)
            image.setRGB(x, y, ((x * 180 / 800 + n) shl 16) or ((y * 150 / 600 + n) shl 8) or (90 + n))
        }
        return ByteArrayOutputStream().also { ImageIO.write(image, "jpg", it) }.toByteArray()
    }

    private fun post(path: String, body: String, token: String? = null): String {
        val c = URI(serverUrl + path).toURL().openConnection() as HttpURLConnection
        c.requestMethod = "POST"
        c.doOutput = true
        c.setRequestProperty("content-type", "application/json")
        c.setRequestProperty("x-doorstep-protocol", "1")
        if (token != null) c.setRequestProperty("authorization", "Bearer $token")
        c.outputStream.use { it.write(body.toByteArray()) }
        assertTrue("$path answered ${c.responseCode}", c.responseCode in 200..299)
        return c.inputStream.use { String(it.readBytes()) }
    }

    /** The supervisor logs in and returns a visit for rework. */
    private fun supervisorReturns(visitId: String, comment: String) {
        val login = post("/api/v1/login", """{"username":"supervisor","password":"$PASSWORD","device_name":"console"}""")
        val token = Regex("\"token\"\\s*:\\s*\"([^\"]+)\"").find(login)!!.groupValues[1]
        post("/api/v1/visits/$visitId/review", """{"decision":"return","comment":"$comment"}""", token)
    }

    private class Recorder : SyncListener {
        val seen: MutableList<SyncProgress> = Collections.synchronizedList(mutableListOf())
        override fun onProgress(progress: SyncProgress) {
            seen.add(progress)
        }
    }

    private fun VisitScreenView.field(path: String) = fields.firstOrNull { it.path == path }

    private fun fixNow() = GpsFixInput(
        lat = 30.66, lon = 104.085, accuracyM = 6.0, altitudeM = 505.0,
        fixTimeMs = System.currentTimeMillis(), provider = LocationProvider.GPS,
        isMock = false, satellites = 11u, monotonicAgeMs = null,
    )

    private class Heard : DataListener {
        val changes: MutableList<DataChangeView> = Collections.synchronizedList(mutableListOf())
        override fun onDataChanged(change: DataChangeView) {
            changes.add(change)
        }
    }

    /** Home, the household list, settings, the outbox and sign-out: every screen's model from the core. */
    @Test
    fun thePhoneScreensComeFromTheCore() = runBlocking {
        val dir = Files.createTempDirectory("doorstep-phone-").toFile()
        val phone = Doorstep.open(dir.path, newKey())
        try {
            // 14:05 Beijing time today: the words below read the same on any day.
            val today = LocalDate.now()
            val at = today.atTime(14, 5).toEpochSecond(java.time.ZoneOffset.ofHours(8)) * 1000
            phone.fixClock(at, 8 * 3600)
            val heard = Heard()
            phone.setDataListener(heard)
            assertEquals(AppLanguage.ZH, phone.settings().language)
            assertEquals("从未同步", phone.home().lastSyncZh)

            phone.login(serverUrl, "worker3", PASSWORD, "JVM phone")
            phone.pull(null)
            assertTrue(heard.changes.any { it.households && it.visits })
            assertEquals(serverUrl, phone.settings().serverUrl)
            val home = phone.home()
            assertEquals("上次同步：今天 14:05", home.lastSyncZh)
            assertTrue(home.signedIn && !home.sessionExpired)
            assertTrue(home.due.isNotEmpty())
            home.due.forEach { assertTrue(it.whenZh.isNotEmpty() && it.reasonZh.isNotEmpty() && it.templateTitleZh != it.templateId) }

            val all = phone.householdPage("", ListFilter.All, 0u, 0u)
            assertEquals(phone.households().size.toUInt(), all.total)
            val due = phone.householdPage("", ListFilter.Due, 0u, 200u)
            assertEquals(all.due, due.total)
            assertTrue(due.rows.all { it.due != null })
            val tag = all.tags.first()
            val tagged = phone.householdPage("", ListFilter.Tag(tag.tag.code), 0u, 200u)
            assertEquals(tag.households, tagged.total)

            phone.setLanguage(AppLanguage.EN)
            assertTrue(heard.changes.last().settings)
            assertEquals(AppLanguage.EN, phone.settings().language)

            val household = phone.households().first()
            val visit = phone.startVisit(household.id, "hazard_inspection").visit.visitId
            phone.setAnswer(visit, "household_id", AnswerValue.Text(household.code))
            phone.setAnswer(visit, "respondent", AnswerValue.Text("户主"))
            phone.setAnswer(visit, "visit_date", AnswerValue.Date(today.toString()))
            phone.setAnswer(visit, "hazard_found", AnswerValue.YesNo(false))
            phone.setAnswer(visit, "outcome", AnswerValue.Choice("no_hazard"))
            phone.addPhoto(visit, "photos", cameraJpeg(5))
            phone.finalize(visit)
            phone.setNetwork(NetworkState.OFFLINE)
            val entry = phone.outboxEntries().single()
            assertEquals(OutboxEntryState.WaitingForNetwork, entry.state)
            assertEquals("等待网络", entry.stateZh)
            try {
                phone.logout(false)
                fail("signing out with a visit waiting must be confirmed")
            } catch (e: DoorstepException.UnsentVisits) {
                assertEquals(1u, e.waiting)
            }
            assertTrue(phone.signOutCheck().needsConfirmation)

            phone.setNetwork(NetworkState.WIFI)
            val result = phone.sync(true, null, null)
            assertEquals(1uL, result.visitsUploaded)
            assertTrue(result.summaryZh, result.summaryZh.startsWith("已上传 1 次走访"))
            assertTrue(phone.outboxEntries().isEmpty())
            assertFalse(phone.signOutCheck().needsConfirmation)
            phone.logout(false)
            assertEquals(serverUrl, phone.settings().serverUrl)
        } finally {
            phone.setDataListener(null)
            phone.close()
            dir.deleteRecursively()
        }
    }

    @Test
    fun aWorkersDay() = runBlocking {
        val dir = Files.createTempDirectory("doorstep-phone-").toFile()
        val phone = Doorstep.open(dir.path, newKey())
        try {
            assertNull(phone.currentAccount())
            val account = phone.login(serverUrl, "worker1", PASSWORD, "JVM phone")
            assertEquals("worker1", account.username)
            assertEquals(UserRole.WORKER, account.role)
            assertTrue(account.grids.isNotEmpty())

            val pulled = phone.pull(null)
            assertTrue(pulled.households > 0u)
            val target = phone.households().first { it.head.isNotEmpty() }
            assertTrue(phone.searchHouseholds(target.head, 0u).any { it.id == target.id })
            val household = phone.household(target.id)
            assertTrue(household.residents.isNotEmpty())
            household.residents.mapNotNull { it.idNumberMasked }.forEach { assertTrue(it.contains('*')) }

            var screen = phone.startVisit(target.id, "hazard_inspection")
            val visitId = screen.visit.visitId
            assertTrue(screen.editable)
            assertNull("hidden until a hazard is found", screen.field("hazard_type"))

            val check = phone.doorCheck(visitId, fixNow(), DoorOutcome.MET)
            assertEquals(DoorOutcome.MET, check.outcome)
            assertEquals(check, phone.visitScreen(visitId).doorCheck)

            phone.setAnswer(visitId, "household_id", AnswerValue.Text(target.code))
            phone.setAnswer(visitId, "respondent", AnswerValue.Text(target.head))
            phone.setAnswer(visitId, "visit_date", AnswerValue.Date(LocalDate.now().toString()))
            screen = phone.setAnswer(visitId, "hazard_found", AnswerValue.YesNo(true))
            val hazardType = screen.field("hazard_type")
            assertNotNull("shown once a hazard is found", hazardType)
            assertEquals(FieldKind.SELECT_ONE, hazardType!!.kind)
            assertTrue(hazardType.choices.any { it.name == "gas" && it.labelZh == "燃气" })
            screen = phone.setAnswer(visitId, "hazard_found", AnswerValue.YesNo(false))
            assertNull(screen.field("hazard_type"))
            screen = phone.setAnswer(visitId, "outcome", AnswerValue.Choice("no_hazard"))
            assertEquals(listOf("photos"), screen.problems.map { it.path })

            try {
                phone.finalize(visitId)
                fail("a visit without its photo cannot be finalized")
            } catch (e: DoorstepException.Incomplete) {
                assertEquals("incomplete", e.code)
                assertEquals(listOf("photos"), e.problems.map { it.path })
            }

            val evidence = phone.addPhoto(visitId, "photos", cameraJpeg(1))
            assertEquals(64, evidence.photo.sha256.length)
            val thumb = evidence.thumbnailJpeg!!
            assertEquals(0xFF.toByte(), thumb[0])
            assertEquals(0xD8.toByte(), thumb[1])
            assertEquals(AnswerValue.Photos(listOf(evidence.photo.sha256)), phone.visitScreen(visitId).field("photos")!!.value)

            assertEquals(VisitState.FINALIZED, phone.finalize(visitId).state)
            assertEquals(2uL, phone.outboxStatus().pending)

            phone.setNetwork(NetworkState.WIFI)
            var heard = Recorder()
            var result = phone.sync(true, heard, null)
            assertEquals(2uL, result.uploaded)
            assertEquals(0uL, result.pending)
            assertTrue("progress was reported", heard.seen.isNotEmpty())
            assertEquals(2uL, heard.seen.first().itemsTotal)
            assertEquals(2uL, heard.seen.last().itemsDone)

            val comment = "门牌照片不清晰，请补拍"
            supervisorReturns(visitId, comment)
            result = phone.sync(true, null, null)
            assertEquals(1u, result.pulled.returned)
            val returned = phone.returnedVisits()
            assertEquals(listOf(visitId), returned.map { it.visit.visitId })
            assertEquals(comment, returned.single().visit.reviewComment)

            val revised = phone.revise(visitId)
            assertTrue(revised.editable)
            assertEquals(2u, revised.visit.revision)
            assertEquals(AnswerValue.Text(target.head), revised.field("respondent")!!.value)
            phone.addPhoto(revised.visit.visitId, "photos", cameraJpeg(2))
            phone.finalize(revised.visit.visitId)
            assertTrue(phone.returnedVisits().isEmpty())

            heard = Recorder()
            result = phone.sync(true, heard, null)
            assertEquals(2uL, result.uploaded)
            assertEquals(0uL, result.pending)
            assertEquals(0uL, result.setAside)
            assertEquals(2uL, heard.seen.last().itemsDone)

            assertTrue(phone.logout(false))
            assertNull(phone.currentAccount())
        } finally {
            phone.close()
            dir.deleteRecursively()
        }
    }

    @Test
    fun errorsCrossTheBoundaryWithCodes() {
        val dir = Files.createTempDirectory("doorstep-phone-").toFile()
        try {
            Doorstep.open(dir.path, newKey()).close()
            try {
                Doorstep.open(dir.path, newKey())
                fail("a wrong key must be refused")
            } catch (e: DoorstepException.WrongKey) {
                assertEquals("wrong_key", e.code)
                assertFalse(e.messageZh.isEmpty())
            }
        } finally {
            dir.deleteRecursively()
        }
    }

    @Test
    fun aSyncBeforeLoginOrAlreadyCancelledIsRefused() = runBlocking {
        val dir = Files.createTempDirectory("doorstep-phone-").toFile()
        val phone = Doorstep.open(dir.path, newKey())
        try {
            try {
                phone.sync(true, null, null)
                fail("no sync without a login")
            } catch (e: DoorstepException.NotSignedIn) {
                assertEquals("not_signed_in", e.code)
            }
            phone.login(serverUrl, "worker2", PASSWORD, "JVM phone")
            val cancel = SyncCancel()
            cancel.cancel()
            try {
                phone.sync(true, Recorder(), cancel)
                fail("a cancelled sync does not run")
            } catch (e: DoorstepException.Cancelled) {
                assertEquals("cancelled", e.code)
            }
            assertEquals(0uL, phone.outboxStatus().pending)
        } finally {
            phone.close()
            dir.deleteRecursively()
        }
    }
}
