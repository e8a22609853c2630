//! Made-up records in the core's shapes, for the screens' state providers
//! (pictures and previews). Names, numbers and addresses are fictitious.
package cn.doorstep.ui.preview

import cn.doorstep.core.AccountView
import cn.doorstep.core.AnswerValue
import cn.doorstep.core.ChoiceView
import cn.doorstep.core.DoorCheckResult
import cn.doorstep.core.DoorOutcome
import cn.doorstep.core.HouseholdVisitView
import cn.doorstep.core.ButtonView
import cn.doorstep.core.SectionButtonView
import cn.doorstep.core.SectionView
import cn.doorstep.core.VisitButtonsView
import cn.doorstep.core.DoorVerdict
import cn.doorstep.core.DueVisitView
import cn.doorstep.core.FieldItem
import cn.doorstep.core.FieldKind
import cn.doorstep.core.FormProblem
import cn.doorstep.core.GridView
import cn.doorstep.core.HouseholdSummaryView
import cn.doorstep.core.HouseholdView
import cn.doorstep.core.PastVisitView
import cn.doorstep.core.ResidentItem
import cn.doorstep.core.TagView
import cn.doorstep.core.TemplateView
import cn.doorstep.core.UserRole
import cn.doorstep.core.VisitScreenView
import cn.doorstep.core.VisitState
import cn.doorstep.core.VisitSummaryView
import cn.doorstep.core.VisitView

object Samples {
    val account = AccountView(
        "u1", "worker1", "王秀兰", UserRole.WORKER,
        listOf(GridView("g1", "510104-001-03", "锦华社区第三网格", "锦华社区", "春熙路街道")),
    )
    val templates = listOf(
        TemplateView("elder_alone_visit", 3u, "独居老人探访", "Visit to an elder living alone"),
        TemplateView("hazard_inspection", 2u, "安全隐患排查", "Hazard inspection"),
        TemplateView("dibao_review", 1u, "低保家庭复核", "Minimum-allowance review"),
    )
    private val names = listOf("张建华", "李淑芬", "王德明", "刘桂英", "陈志强", "杨秀珍", "赵国庆", "黄丽娟", "周永福", "吴美玲", "徐建国", "孙玉兰")
    val households = names.mapIndexed { i, n ->
        HouseholdSummaryView("h$i", "JH03-%04d".format(i + 1), n, "锦华路${12 + i}号${i % 6 + 1}栋${i % 3 + 1}单元${(i % 7 + 1) * 100 + 2}室")
    }

    fun visit(id: String, template: String, state: VisitState, comment: String? = null) = VisitView(
        id, "grp-$id", if (state == VisitState.RETURNED) 1u else 1u, template, 1u, "h0", state,
        "2025-06-18T09:42:00+08:00", null, comment, comment?.let { "2025-06-18T16:05:00+08:00" },
    )

    fun summary(i: Int, template: String, state: VisitState, comment: String? = null) =
        VisitSummaryView(visit("v$i", template, state, comment), households[i].head, households[i].address)

    val household = HouseholdView(
        households[0], "g1", "registered", false, null, null, "",
        listOf(
            ResidentItem("r1", "张建华", "5101**********1234", "138****5678", "head", "1948-03-02", listOf(TagView("elder_alone", "独居老人", "Elder living alone", "2021-01-01", null)), "户主", "Head of household"),
            ResidentItem("r2", "张小红", "5101**********2021", null, "child", "1975-09-12", emptyList(), "子女", "Child"),
        ),
        listOf(HouseholdVisitView(summary(0, "hazard_inspection", VisitState.UPLOADED), "6月18日", "18 Jun")),
        listOf(PastVisitView("p1", "elder_alone_visit", "2025-05-20", "5月20日", "20 May", VisitState.APPROVED)),
        listOf(DueVisitView("elder_alone_visit", "独居老人探访", "Visit to an elder living alone", "2025-06-30", false, "6月30日前完成", "by 30 June", "独居老人 · 每月走访", "Elder living alone · monthly")),
    )

    private fun field(
        path: String, kind: FieldKind, zh: String, en: String, value: AnswerValue? = null,
        required: Boolean = false, depth: UInt = 0u, choices: List<ChoiceView> = emptyList(),
        problems: List<FormProblem> = emptyList(), entries: UInt? = null, readOnly: Boolean = false,
        hintZh: String? = null, hintEn: String? = null, guidanceZh: String? = null, guidanceEn: String? = null,
        entriesText: Pair<String, String>? = null,
    ) = FieldItem(
        path, path.substringAfterLast('.'), kind, depth, zh, en, hintZh, hintEn, required, readOnly,
        choices, value, display(value, choices), display(value, choices, en = true), entries, null, null, problems,
        label = zh, hint = hintZh, guidanceHint = guidanceZh, guidanceHintZh = guidanceZh, guidanceHintEn = guidanceEn,
        canAddEntry = kind == FieldKind.REPEAT, canRemoveEntry = kind == FieldKind.REPEAT,
        entriesTextZh = entriesText?.first, entriesTextEn = entriesText?.second,
    )

    /** [screen] as the core gives it to a worker reading forms in English ([en]) or Chinese: `label`, `hint`, `title` in that language. */
    fun inLanguage(screen: VisitScreenView, en: Boolean): VisitScreenView {
        fun pick(zh: String?, e: String?) = if (en) e ?: zh else zh
        return screen.copy(
            language = if (en) "en" else "zh",
            title = pick(screen.titleZh, screen.titleEn)!!,
            fields = screen.fields.map { f ->
                f.copy(
                    label = pick(f.labelZh, f.labelEn)!!, hint = pick(f.hintZh, f.hintEn),
                    guidanceHint = pick(f.guidanceHintZh, f.guidanceHintEn),
                    choices = f.choices.map { it.copy(label = pick(it.labelZh, it.labelEn)!!) },
                )
            },
        )
    }

    /** An answer in words, as the core words it (choice labels, money in 元). */
    private fun display(v: AnswerValue?, choices: List<ChoiceView>, en: Boolean = false): String? = when (v) {
        is AnswerValue.Choice -> choices.firstOrNull { it.name == v.name }?.let { if (en) it.labelEn else it.labelZh }
        is AnswerValue.YesNo -> if (v.yes) (if (en) "Yes" else "是") else (if (en) "No" else "否")
        is AnswerValue.Money -> "%d.%02d %s".format(v.fen / 100, v.fen % 100, if (en) "yuan" else "元")
        is AnswerValue.Integer -> v.value.toString()
        is AnswerValue.Date -> v.iso
        is AnswerValue.Text -> v.value
        else -> null
    }

    private val yesNo = listOf(ChoiceView("yes", "是", "Yes"), ChoiceView("no", "否", "No"))
    val required = FormProblem("respondent", "required", "此项必填", "This field is required")

    /** The elder visit's form: every field kind, a repeat with two people, problems when [withProblems]. */
    fun form(withProblems: Boolean, longLabels: Boolean = false): List<FieldItem> {
        val p = { path: String, zh: String, en: String -> if (withProblems) listOf(FormProblem(path, "required", zh, en)) else emptyList() }
        val long = if (longLabels) "（请核对户口簿与身份证上的姓名是否一致，如不一致请在备注中说明原因）" else ""
        return listOf(
            field("household_id", FieldKind.TEXT, "户编号", "Household ID", AnswerValue.Text("JH03-0001"), true, readOnly = true),
            field(
                "respondent", FieldKind.TEXT, "受访人姓名$long", "Person interviewed", if (withProblems) null else AnswerValue.Text("张建华"), true,
                problems = p("respondent", "此项必填", "This field is required"),
                hintZh = "户主不在时可由同住家人代答", hintEn = "A family member living here may answer for the head",
                guidanceZh = "受访人须年满 16 周岁并与户主同住；由他人代答时，请在备注中写明与户主的关系。",
                guidanceEn = "The person must be 16 or older and live with the head; when someone else answers, note how they are related.",
            ),
            field("visit_date", FieldKind.DATE, "探访日期", "Visit date", AnswerValue.Date("2025-06-18"), true),
            field("age", FieldKind.CALCULATE, "年龄（自动计算）", "Age (calculated)", AnswerValue.Integer(77), readOnly = true),
            field("lives_alone", FieldKind.YES_NO, "是否仍独居", "Still living alone", AnswerValue.YesNo(true), true, choices = yesNo),
            field("health", FieldKind.SELECT_ONE, "健康状况", "Health", AnswerValue.Choice("fair"), true, choices = listOf(
                ChoiceView("good", "良好", "Good"), ChoiceView("fair", "一般", "Fair"), ChoiceView("poor", "较差", "Poor"),
            )),
            field("needs", FieldKind.SELECT_MULTIPLE, "需要的帮助", "Help needed", AnswerValue.Choices(listOf("meals")), choices = listOf(
                ChoiceView("meals", "助餐", "Meals"), ChoiceView("cleaning", "保洁", "Cleaning"), ChoiceView("medical", "就医陪同", "Medical escort"),
            )),
            field("monthly_income", FieldKind.MONEY, "月收入（元）", "Monthly income (yuan)", AnswerValue.Money(186000), hintZh = "含养老金", hintEn = "Pension included"),
            field("rooms", FieldKind.INTEGER, "住房间数", "Rooms", if (withProblems) AnswerValue.Text("两间") else AnswerValue.Integer(2),
                problems = if (withProblems) listOf(FormProblem("rooms", "type", "请输入整数", "Enter a whole number")) else emptyList()),
            field("contacts", FieldKind.REPEAT, "紧急联系人", "Emergency contacts", entries = 2u, entriesText = "2 人" to "2 people"),
            field("contacts[0].name", FieldKind.TEXT, "姓名", "Name", AnswerValue.Text("张小红"), true, depth = 1u),
            field("contacts[0].phone", FieldKind.PHONE, "电话", "Phone", AnswerValue.Text("13800005678"), depth = 1u),
            field("contacts[1].name", FieldKind.TEXT, "姓名", "Name", null, true, depth = 1u, problems = p("contacts[1].name", "此项必填", "This field is required")),
            field("contacts[1].phone", FieldKind.PHONE, "电话", "Phone", null, depth = 1u),
            field("note", FieldKind.NOTE, "请提醒老人注意用电安全。", "Remind the elder about electrical safety."),
            field("photos", FieldKind.IMAGE, "现场照片", "Photos", null, true, problems = p("photos", "请至少拍一张照片", "Take at least one photo")),
        )
    }

    fun screen(withProblems: Boolean, doorCheck: DoorCheckResult?, state: VisitState = VisitState.DRAFT, longLabels: Boolean = false): VisitScreenView {
        val fields = form(withProblems, longLabels)
        val problems = fields.flatMap { it.problems }
        val cuts = listOf(0, 5, 9, 14, fields.size)
        val titles = listOf("基本情况" to "Basics", "生活情况" to "Daily life", "紧急联系人" to "Emergency contacts", "照片" to "Photos")
        val sections = titles.mapIndexed { i, (zh, en) ->
            SectionView("s$i", zh, en, cuts[i].toUInt(), cuts[i + 1].toUInt(), fields.subList(cuts[i], cuts[i + 1]).sumOf { it.problems.size }.toUInt())
        }
        val buttons = VisitButtonsView(
            ButtonView("保存草稿", "Save draft", true), ButtonView("完成", "Finish", true),
            if (problems.isEmpty()) null else "还有 ${problems.size} 个问题", if (problems.isEmpty()) null else "${problems.size} problems left",
            SectionButtonView("上一节", "Previous", "s0", "基本情况", "Basics"), SectionButtonView("下一节", "Next", "s2", "紧急联系人", "Emergency contacts"),
        )
        return inLanguage(
            VisitScreenView(
                visit("v0", "elder_alone_visit", state), "独居老人探访", "Visit to an elder living alone",
                state == VisitState.DRAFT, fields, problems, doorCheck, emptyList(), sections, 0u, null, buttons,
            ),
            en = false,
        )
    }

    val verified = DoorCheckResult(DoorVerdict.VERIFIED, "已核验", "Verified", emptyList(), DoorOutcome.MET, 12.0, 6.0, 50.0, false, null, "见到本人", "Met in person")

}
