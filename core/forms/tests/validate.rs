//! Validation: every problem at once, with repeat paths, codes and both languages.

use chrono::NaiveDate;
use doorstep_forms::Form;
use serde_json::json;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).expect("date")
}

fn household_form() -> Form {
    let def = json!({
        "id": "household", "version": 1, "title": {"zh": "家庭", "en": "Household"},
        "fields": [
            {"name": "visit_date", "type": "date", "label": {"zh": "走访日期", "en": "Visit date"}, "required": true,
             "constraint": ". <= today()", "constraint_message": {"zh": "不能晚于今天", "en": "cannot be in the future"}},
            {"name": "has_income", "type": "yes_no", "label": {"zh": "有收入", "en": "Has income"}, "required": true},
            {"name": "income", "type": "money", "label": {"zh": "月收入", "en": "Monthly income"}, "required": true,
             "relevant": "${has_income} = 'yes'", "constraint": ". > 0"},
            {"name": "contact", "type": "phone", "label": {"zh": "联系电话", "en": "Phone"}},
            {"name": "members", "type": "repeat", "label": {"zh": "家庭成员", "en": "Members"}, "required": true, "children": [
                {"name": "member_name", "type": "text", "label": {"zh": "姓名", "en": "Name"}, "required": true},
                {"name": "id_number", "type": "id_number", "label": {"zh": "身份证号", "en": "ID number"}, "required": true},
                {"name": "age", "type": "calculate", "calculation": "age-from-id(${id_number})"},
                {"name": "in_school", "type": "yes_no", "label": {"zh": "在校", "en": "In school"}, "relevant": "${age} < 25"},
                {"name": "member_income", "type": "money", "label": {"zh": "收入", "en": "Income"}, "default": 0}
            ]},
            {"name": "total_income", "type": "calculate", "calculation": "sum(${member_income}) + coalesce(${income}, 0)"},
            {"name": "per_capita", "type": "calculate", "calculation": "round(${total_income} div count(${members}))"},
            {"name": "hardship", "type": "select_multiple", "label": {"zh": "致困原因", "en": "Cause of hardship"},
             "choices": [{"name": "illness", "label": {"zh": "疾病", "en": "Illness"}},
                         {"name": "disaster", "label": {"zh": "灾害", "en": "Disaster"}}],
             "constraint": "count-selected(.) >= 1"},
            {"name": "note_low", "type": "note", "label": {"zh": "人均收入低", "en": "Low income"}, "relevant": "${per_capita} < 80000"}
        ]
    });
    Form::from_json(&def.to_string()).expect("loads")
}

#[test]
fn valid_answers_are_cleaned_and_calculated() {
    let form = household_form();
    let v = form.validate(
        &json!({
            "visit_date": "2026-11-20", "has_income": false, "income": 5000,
            "contact": "138 1234 5678",
            "members": [
                {"member_name": "王秀英", "id_number": "11010519491231002x", "member_income": 150000},
                {"member_name": "李明", "id_number": "11010520150612008X"}
            ],
            "hardship": ["illness"]
        }),
        today(),
    );
    assert_eq!(v.problems, vec![]);
    // The answer to the non-relevant `income` is cleared; the ID is normalized.
    assert_eq!(v.answers.get("income"), None);
    assert_eq!(v.answers["has_income"], "no");
    assert_eq!(v.answers["contact"], "13812345678");
    assert_eq!(v.answers["members"][0]["id_number"], "11010519491231002X");
    assert_eq!(v.answers["members"][0]["age"], 76);
    assert_eq!(v.answers["members"][0].get("in_school"), None);
    assert_eq!(v.answers["members"][1]["age"], 11);
    assert_eq!(v.answers["members"][1]["member_income"], 0);
    assert_eq!(v.answers["total_income"], 150000);
    assert_eq!(v.answers["per_capita"], 75000);
}

#[test]
fn every_problem_is_reported_at_once_with_repeat_paths() {
    let form = household_form();
    let v = form.validate(
        &json!({
            "visit_date": "2027-01-01", "has_income": "yes",
            "contact": "12345",
            "members": [
                {"member_name": "王秀英", "id_number": "110105194912310021"},
                {"member_name": "", "id_number": "11010520150612008X"},
                {"member_name": "张三", "id_number": "4403041985", "member_income": 12.5}
            ],
            "hardship": ["illness", "illness"],
            "pets": 2
        }),
        today(),
    );
    assert_eq!(
        v.codes(),
        vec![
            ("pets", "unknown_field"),
            ("visit_date", "constraint"),
            ("income", "required"),
            ("contact", "phone_bad_format"),
            ("members[0].id_number", "bad_check_digit"),
            ("members[1].member_name", "required"),
            ("members[2].id_number", "wrong_length"),
            ("members[2].member_income", "money_not_fen"),
            ("hardship", "duplicate_choice"),
        ]
    );
    let msg = &v.problems[1].message;
    assert_eq!(msg.zh, "「走访日期」不能晚于今天");
    assert_eq!(msg.en, "Visit date: cannot be in the future");
    assert_eq!(v.problems[2].message.zh, "「月收入」为必填项");
    // No message repeats the answer (answers are personal data).
    for p in &v.problems {
        assert!(
            !p.message.zh.contains("4403041985") && !p.message.en.contains("12345"),
            "{p:?}"
        );
    }
}

#[test]
fn a_missing_required_repeat_and_wrong_shapes_are_problems() {
    let form = household_form();
    let v = form.validate(
        &json!({"visit_date": "20261120", "has_income": "maybe", "members": {}}),
        today(),
    );
    assert_eq!(
        v.codes(),
        vec![
            ("visit_date", "bad_date"),
            ("has_income", "unknown_choice"),
            ("members", "wrong_type")
        ]
    );
    let v = form.validate(&json!([1, 2]), today());
    assert_eq!(v.codes(), vec![("", "answers_not_object")]);
}

#[test]
fn relevance_depends_on_calculations_inside_repeats() {
    let form = household_form();
    let v = form.validate(
        &json!({"visit_date": "2026-11-20", "has_income": "no",
                "members": [{"member_name": "李明", "id_number": "11010520150612008X", "in_school": "yes"},
                            {"member_name": "王秀英", "id_number": "11010519491231002X", "in_school": "yes"}]}),
        today(),
    );
    assert!(v.is_valid(), "{:?}", v.problems);
    assert_eq!(v.answers["members"][0]["in_school"], "yes");
    assert_eq!(v.answers["members"][1].get("in_school"), None);
}

#[test]
fn answers_to_sections_and_notes_are_refused_not_lost() {
    let def = json!({
        "id": "sections", "version": 1, "title": {"zh": "分组", "en": "Sections"},
        "fields": [
            {"name": "basic", "type": "group", "label": {"zh": "基本情况", "en": "Basics"}, "children": [
                {"name": "head", "type": "text", "label": {"zh": "户主", "en": "Head"}, "required": true}
            ]},
            {"name": "info", "type": "note", "label": {"zh": "说明", "en": "Info"}}
        ]
    });
    let form = Form::from_json(&def.to_string()).expect("loads");
    let v = form.validate(&json!({"basic": {"head": "王秀英"}, "info": "x"}), today());
    assert_eq!(
        v.codes(),
        vec![
            ("basic", "not_answerable"),
            ("info", "not_answerable"),
            ("head", "required")
        ]
    );
    let v = form.validate(&json!({"head": "王秀英"}), today());
    assert!(v.is_valid());
}

#[test]
fn every_problem_the_validator_gives_has_words_for_a_badge() {
    let form = household_form();
    let answer_sets = [
        json!({}),
        json!({
            "visit_date": "2030-13-40", "has_income": "maybe", "income": 1.5, "contact": "12",
            "members": [{"member_name": 5, "id_number": "110105194912310021", "extra": 1}],
            "hardship": ["illness", "illness", "flood"], "note_low": "x", "unknown": 1
        }),
        json!({"visit_date": "2099-01-01", "has_income": "yes", "income": -5, "hardship": []}),
        json!([]),
    ];
    let mut seen = 0;
    for answers in answer_sets {
        for p in form.validate(&answers, today()).problems {
            seen += 1;
            let words = doorstep_forms::validate::problem_kind_words(&p.code);
            assert!(
                words.is_some(),
                "no words for the problem code `{}`",
                p.code
            );
        }
    }
    assert!(
        seen > 10,
        "the answers gave too few problems to check ({seen})"
    );
}

#[test]
fn a_label_in_one_language_names_the_field_in_both() {
    // Forms written in Excel often label their questions in one language only.
    let def = json!({
        "id": "one_language", "version": 1, "title": {"zh": "单语", "en": ""},
        "fields": [
            {"name": "name", "type": "text", "label": {"zh": "姓名", "en": ""}, "required": true},
            {"name": "age", "type": "integer", "label": {"zh": "", "en": "Age"}, "required": true}
        ]
    });
    let form = Form::from_json(&def.to_string()).expect("loads");
    let v = form.validate(&json!({}), today());
    let messages: Vec<(&str, &str)> = v
        .problems
        .iter()
        .map(|p| (p.message.zh.as_str(), p.message.en.as_str()))
        .collect();
    assert_eq!(
        messages,
        [
            ("「姓名」为必填项", "姓名 is required"),
            ("「Age」为必填项", "Age is required"),
        ]
    );
}
