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
