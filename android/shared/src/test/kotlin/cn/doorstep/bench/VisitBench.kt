package cn.doorstep.bench

import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.mutableStateOf
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.unit.Density
import cn.doorstep.core.AnswerValue
import cn.doorstep.core.DoorOutcome
import cn.doorstep.core.Doorstep
import cn.doorstep.core.GpsFixInput
import cn.doorstep.core.LocationProvider
import cn.doorstep.testing.DemoServer
import cn.doorstep.ui.theme.DoorstepTheme
import cn.doorstep.ui.visit.VisitUiState
import cn.doorstep.ui.visit.VisitView
import cn.doorstep.ui.visit.sectionsOf
import kotlinx.coroutines.runBlocking
import org.json.JSONArray
import org.json.JSONObject
import java.nio.file.Files
import java.security.SecureRandom

/**
 * Benchmark (not a test): the 200-field form with a 30-member repeat (the
 * shape of `cargo bench -p doorstep-forms --bench validate`), published to a
 * demo server and filled on a phone through the FFI. Prints p50/p95 of
 *  - one answer through the FFI back to a new visit screen (goal p95 ≤ 5 ms),
 *  - one frame of the visit screen composed, laid out and drawn at 360×800 dp
 *    (goal p95 ≤ 16 ms).
 *
 * Run: `android/run-bench.sh`.
 */
object VisitBench {
    private const val GROUPS = 37
    private const val MEMBERS = 30

    private fun text(zh: String, en: String) = JSONObject(mapOf("zh" to zh, "en" to en))
    private fun field(name: String, type: String, zh: String, extra: Map<String, Any> = emptyMap()) =
        JSONObject(mapOf("name" to name, "type" to type, "label" to text(zh, name)) + extra)
    private fun choices(vararg c: Pair<String, String>) = JSONArray(c.map { (n, zh) -> JSONObject(mapOf("name" to n, "label" to text(zh, n))) })

    /** 37 groups of 5 fields, a repeat of 12 fields, 2 totals: 200 fields. */
    fun definition(): String {
        val fields = JSONArray()
        for (g in 0 until GROUPS) {
            val prev = if (g == 0) "'yes'" else "\${flag_${g - 1}}"
            fields.put(
                field(
                    "section_$g", "group", "第${g}部分",
                    mapOf(
                        "relevant" to "$prev = 'yes'",
                        "children" to JSONArray(
                            listOf(
                                field("flag_$g", "yes_no", "是否", mapOf("required" to true)),
                                field("count_$g", "integer", "数量", mapOf("required" to true, "constraint" to ". >= 0 and . <= 100", "relevant" to "\${flag_$g} = 'yes'")),
                                field("code_$g", "text", "编码", mapOf("constraint" to "regex(., '^[A-Z]{2}[0-9]{4}$')")),
                                field("kind_$g", "select_one", "类别", mapOf("required" to true, "choices" to choices("a" to "甲", "b" to "乙", "c" to "丙"))),
                                field("when_$g", "date", "日期", mapOf("constraint" to ". <= today()")),
                            ),
                        ),
                    ),
                ),
            )
        }
        fields.put(
            field(
                "members", "repeat", "家庭成员",
                mapOf(
                    "required" to true,
                    "children" to JSONArray(
                        listOf(
                            field("m_name", "text", "姓名", mapOf("required" to true, "constraint" to "string-length(.) <= 20")),
                            field("m_id", "id_number", "身份证号", mapOf("required" to true)),
                            JSONObject(mapOf("name" to "m_age", "type" to "calculate", "calculation" to "age-from-id(\${m_id})")),
                            field("m_relation", "select_one", "关系", mapOf("required" to true, "choices" to choices("self" to "本人", "child" to "子女"))),
                            field("m_in_school", "yes_no", "在校", mapOf("relevant" to "\${m_age} < 25")),
                            field("m_health", "select_multiple", "健康", mapOf("choices" to choices("ok" to "良好", "chronic" to "慢病"))),
                            field("m_income", "money", "收入", mapOf("required" to true, "constraint" to ". >= 0")),
                            field("m_phone", "phone", "电话"),
                            field("m_job", "text", "工作", mapOf("relevant" to "\${m_age} >= 16")),
                            field("m_disabled", "yes_no", "残疾", mapOf("required" to true)),
                            field("m_level", "integer", "等级", mapOf("relevant" to "\${m_disabled} = 'yes'", "constraint" to ". >= 1 and . <= 4")),
                            field("m_birth", "date", "生日"),
                        ),
                    ),
                ),
            ),
        )
        fields.put(JSONObject(mapOf("name" to "total_income", "type" to "calculate", "calculation" to "sum(\${m_income})")))
        fields.put(JSONObject(mapOf("name" to "member_count", "type" to "calculate", "calculation" to "count(\${members})")))
        return JSONObject(mapOf("id" to "bench_200", "version" to 1, "title" to text("两百项基准表", "200-field bench"), "fields" to fields)).toString()
    }

    private fun idNumber(body17: String): String {
        val w = intArrayOf(7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        val sum = body17.mapIndexed { i, c -> (c - '0') * w[i] }.sum()
        return body17 + "10X98765432"[sum % 11]
    }

    private fun report(what: String, nanos: List<Long>, goalMs: Double) {
        val s = nanos.sorted()
        fun p(q: Double) = s[((s.size - 1) * q).toInt()] / 1e6
        println("%-58s n=%d  p50 %.2f ms  p95 %.2f ms  (goal p95 ≤ %.0f ms)".format(what, s.size, p(0.5), p(0.95), goalMs))
    }

    @JvmStatic
    fun main(args: Array<String>) {
        val server = DemoServer.start()
        val dir = Files.createTempDirectory("doorstep-bench-").toFile()
        try {
            server.publishTemplate("bench_200.json", definition())
            val core = Doorstep.open(dir.path, ByteArray(32).also { SecureRandom().nextBytes(it) })
            runBlocking {
                core.login(server.url, "worker1", DemoServer.PASSWORD, "bench phone")
                core.pull(null)
            }
            val household = core.households().first()
            var screen = core.startVisit(household.id, "bench_200")
            val visit = screen.visit.visitId
            core.doorCheck(visit, GpsFixInput(30.657, 104.081, 6.0, null, System.currentTimeMillis(), LocationProvider.GPS, false, 10u, null), DoorOutcome.MET)
            for (g in 0 until GROUPS) {
                core.setAnswer(visit, "flag_$g", AnswerValue.YesNo(true))
                core.setAnswer(visit, "count_$g", AnswerValue.Integer(g.toLong()))
                core.setAnswer(visit, "kind_$g", AnswerValue.Choice("b"))
            }
            for (m in 0 until MEMBERS) {
                core.setAnswer(visit, "members[$m].m_name", AnswerValue.Text("成员$m"))
                core.setAnswer(visit, "members[$m].m_id", AnswerValue.Text(idNumber("1101011990%02d%02d%03d".format(m % 12 + 1, m % 28 + 1, m))))
                core.setAnswer(visit, "members[$m].m_relation", AnswerValue.Choice("child"))
                core.setAnswer(visit, "members[$m].m_income", AnswerValue.Money(100_000L + m))
                screen = core.setAnswer(visit, "members[$m].m_disabled", AnswerValue.YesNo(false))
            }
            println("form: ${screen.fields.size} fields on screen, ${screen.fields.first { it.path == "members" }.entries} members")

            // One answer through the FFI back to a new visit screen.
            val answer = ArrayList<Long>()
            repeat(230) { i ->
                val t = System.nanoTime()
                screen = core.setAnswer(visit, "members[${i % MEMBERS}].m_income", AnswerValue.Money(100_000L + i))
                if (i >= 30) answer += System.nanoTime() - t
            }
            report("answer -> new visit screen through the FFI", answer, 5.0)

            // One frame of the visit screen (the members' page) after an answer.
            val key = sectionsOf(screen).first { s -> s.fields.any { it.path == "members" } }.key
            screen = core.goToSection(visit, key)
            fun state(s: cn.doorstep.core.VisitScreenView) = VisitUiState(s, null, sectionsOf(s), s.currentSection.toInt(), emptyMap(), null, null) {}
            val current = mutableStateOf(state(screen))
            val scene = ImageComposeScene(720, 1600, Density(2f)) {
                CompositionLocalProvider(LocalDensity provides Density(2f)) { DoorstepTheme { VisitView(current.value) } }
            }
            val frame = ArrayList<Long>()
            var clock = 0L
            repeat(230) { i ->
                val next = core.setAnswer(visit, "members[${i % MEMBERS}].m_income", AnswerValue.Money(200_000L + i))
                val t = System.nanoTime()
                current.value = state(next)
                scene.render(clock)
                clock += 16_000_000
                if (i >= 30) frame += System.nanoTime() - t
            }
            report("one frame of the visit screen (compose+layout+draw)", frame, 16.0)
            println(
                when (System.getProperty("doorstep.core")) {
                    "phone" -> "(core: the phone's build, profile phone: size-optimized, fat LTO)"
                    else -> "(core: the debug build under target/debug; BENCH_CORE=phone measures the phone's build)"
                },
            )
            // The scene's last frame may still be settling; closing it is not part of the measurement.
            runCatching { scene.close() }
            core.close()
        } finally {
            server.stop()
            dir.deleteRecursively()
        }
    }
}
