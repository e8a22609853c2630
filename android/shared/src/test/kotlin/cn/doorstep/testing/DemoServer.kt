package cn.doorstep.testing

import org.json.JSONObject
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import java.io.File
import java.net.HttpURLConnection
import java.net.ServerSocket
import java.net.URI
import java.net.URLEncoder
import java.nio.file.Files

/**
 * A real `doorstep demo --workers 0` server on a free loopback port, with the
 * HTTP calls tests make as other people (the supervisor's review).
 * System property `doorstep.bin` names the binary.
 */
class DemoServer private constructor(private val process: Process, val url: String, private val dir: File) {
    companion object {
        const val PASSWORD = "doorstep-demo"

        /** Starts the server and waits until it answers `/healthz`. */
        fun start(): DemoServer {
            val bin = System.getProperty("doorstep.bin") ?: "target/debug/doorstep"
            val port = ServerSocket(0).use { it.localPort }
            val dir = Files.createTempDirectory("doorstep-kt-").toFile()
            val url = "http://127.0.0.1:$port"
            val process = ProcessBuilder(
                bin, "demo", "--data", File(dir, "server").path,
                "--listen", "127.0.0.1:$port", "--workers", "0",
            ).redirectErrorStream(true).redirectOutput(File(dir, "server.log")).start()
            val deadline = System.nanoTime() + 120_000_000_000L
            while (true) {
                if (!process.isAlive) fail("the demo server exited: " + File(dir, "server.log").readText())
                try {
                    val c = URI("$url/healthz").toURL().openConnection() as HttpURLConnection
                    c.connectTimeout = 1000
                    if (c.responseCode == 200) break
                } catch (_: java.io.IOException) {
                }
                if (System.nanoTime() > deadline) fail("the demo server did not answer /healthz in 120 s")
                Thread.sleep(200)
            }
            return DemoServer(process, url, dir)
        }
    }

    fun stop() {
        process.destroy()
        process.waitFor()
        dir.deleteRecursively()
    }

    private fun call(method: String, path: String, body: String?, token: String?): String {
        val c = URI(url + path).toURL().openConnection() as HttpURLConnection
        c.requestMethod = method
        c.setRequestProperty("x-doorstep-protocol", "1")
        if (token != null) c.setRequestProperty("authorization", "Bearer $token")
        if (body != null) {
            c.doOutput = true
            c.setRequestProperty("content-type", "application/json")
            c.outputStream.use { it.write(body.toByteArray()) }
        }
        assertTrue("$path answered ${c.responseCode}", c.responseCode in 200..299)
        return c.inputStream.use { String(it.readBytes()) }
    }

    fun post(path: String, body: String, token: String? = null) = call("POST", path, body, token)

    /** Signs [user] in as a separate device and returns the token. */
    fun login(user: String): String =
        JSONObject(post("/api/v1/login", """{"username":"$user","password":"$PASSWORD","device_name":"test"}""")).getString("token")

    /** The supervisor returns a visit for rework with [comment]. */
    fun supervisorReturns(visitId: String, comment: String) {
        val token = login("supervisor")
        post("/api/v1/visits/$visitId/review", JSONObject(mapOf("decision" to "return", "comment" to comment)).toString(), token)
    }

    /**
     * Publishes a form template (definition JSON) as `admin` through the
     * console's upload form, as an administrator's browser does.
     */
    fun publishTemplate(fileName: String, json: String) {
        val cookies = HashMap<String, String>()
        fun send(method: String, path: String, contentType: String?, body: ByteArray?): String {
            val c = URI(url + path).toURL().openConnection() as HttpURLConnection
            c.instanceFollowRedirects = false
            c.requestMethod = method
            if (cookies.isNotEmpty()) c.setRequestProperty("cookie", cookies.entries.joinToString("; ") { it.key + "=" + it.value })
            if (body != null) {
                c.doOutput = true
                c.setRequestProperty("content-type", contentType)
                c.outputStream.use { it.write(body) }
            }
            val code = c.responseCode
            c.headerFields.filterKeys { it != null && it.equals("set-cookie", ignoreCase = true) }.values.flatten().forEach { line ->
                val (k, v) = line.substringBefore(';').split('=', limit = 2)
                cookies[k] = v
            }
            assertTrue("$path answered $code", code in 200..399)
            return (if (code < 400) c.inputStream else c.errorStream)?.use { String(it.readBytes()) } ?: ""
        }
        fun csrf(html: String) = html.substringAfter("name=\"csrf\" value=\"").substringBefore('"')
        val form = send("GET", "/console/login", null, null)
        val login = "csrf=" + URLEncoder.encode(csrf(form), "UTF-8") + "&username=admin&password=" + PASSWORD
        send("POST", "/console/login", "application/x-www-form-urlencoded", login.toByteArray())
        val token = csrf(send("GET", "/console/admin/templates", null, null))
        val boundary = "----doorstep-bench-boundary"
        val body = ("--$boundary\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n$token\r\n" +
            "--$boundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"$fileName\"\r\n" +
            "Content-Type: application/json\r\n\r\n").toByteArray() + json.toByteArray() + "\r\n--$boundary--\r\n".toByteArray()
        // The console checks the upload first and publishes only when the admin confirms.
        val check = send("POST", "/console/admin/templates", "multipart/form-data; boundary=$boundary", body)
        assertTrue("the template passed the check: " + check.take(400), check.contains("name=\"upload\""))
        val upload = check.substringAfter("name=\"upload\" value=\"").substringBefore('"')
        val confirm = "csrf=" + URLEncoder.encode(csrf(check), "UTF-8") + "&upload=" + URLEncoder.encode(upload, "UTF-8") + "&action=publish"
        val page = send("POST", "/console/admin/templates/confirm", "application/x-www-form-urlencoded", confirm.toByteArray())
        assertTrue("the template was published: " + page.take(400), page.contains("已发布模板"))
    }

    /** Where the server has the households of [worker]'s grids (WGS-84), by id, as her pull lists them; those without a location are absent. */
    fun householdLocations(worker: String): Map<String, Pair<Double, Double>> {
        val token = login(worker)
        val out = HashMap<String, Pair<Double, Double>>()
        var cursor: String? = null
        while (true) {
            val q = cursor?.let { "?cursor=" + URLEncoder.encode(it, "UTF-8") } ?: ""
            val page = JSONObject(call("GET", "/api/v1/pull$q", null, token))
            val households = page.getJSONArray("households")
            for (i in 0 until households.length()) {
                val h = households.getJSONObject(i)
                if (!h.isNull("lat") && !h.isNull("lon")) out[h.getString("id")] = h.getDouble("lat") to h.getDouble("lon")
            }
            if (!page.optBoolean("more")) return out
            cursor = page.getString("cursor")
        }
    }
}
