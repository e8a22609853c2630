//! A visit stays bound to the template version it started with.

use chrono::NaiveDate;
use doorstep_forms::Form;
use doorstep_forms::registry::{RegistryError, TemplateRef, TemplateRegistry};
use serde_json::json;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).expect("date")
}

fn review(version: u64, income_name: &str, proposals: &[(&str, &str, &str)]) -> Form {
    let choices: Vec<_> = proposals
        .iter()
        .map(|(n, zh, en)| json!({"name": n, "label": {"zh": zh, "en": en}}))
        .collect();
    Form::from_json(
        &json!({
            "id": "dibao_review_local", "version": version,
            "title": {"zh": "低保复核（本地）", "en": "Allowance review (local)"},
            "fields": [
                {"name": income_name, "type": "money", "label": {"zh": "家庭月收入", "en": "Monthly income"}, "required": true},
                {"name": "proposal", "type": "select_one", "label": {"zh": "复核意见", "en": "Proposal"}, "required": true, "choices": choices}
            ]
        })
        .to_string(),
    )
    .expect("loads")
}

fn v1() -> Form {
    review(
        1,
        "income",
        &[("keep", "维持", "Keep"), ("cancel", "取消", "Cancel")],
    )
}

fn v2() -> Form {
    review(
        2,
        "monthly_income",
        &[("keep", "维持", "Keep"), ("stop", "停发", "Stop")],
    )
}

#[test]
fn a_draft_survives_a_newer_version_with_renamed_fields_and_changed_choices() {
    let mut reg = TemplateRegistry::new();
    reg.insert(v1()).expect("v1");
    let mut draft = reg.begin("dibao_review_local").expect("begin");
    assert_eq!(
        draft.template,
        TemplateRef {
            id: "dibao_review_local".into(),
            version: 1
        }
    );
    draft.answers = json!({"income": 250000, "proposal": "cancel"});

    reg.insert(v2()).expect("v2");
    assert_eq!(reg.versions("dibao_review_local"), vec![1, 2]);
    assert_eq!(
        reg.latest("dibao_review_local").expect("latest").version(),
        2
    );

    // The draft is still judged by version 1.
    let v = reg.validate(&draft, today()).expect("bound version exists");
    assert!(v.is_valid(), "{:?}", v.problems);
    // Under version 2 the same answers would be wrong: that is why the binding matters.
    let under_v2 = v2().validate(&draft.answers, today());
    assert_eq!(
        under_v2.codes(),
        vec![
            ("income", "unknown_field"),
            ("monthly_income", "required"),
            ("proposal", "unknown_choice")
        ]
    );
    // A new visit binds to version 2.
    assert_eq!(
        reg.begin("dibao_review_local")
            .expect("begin")
            .template
            .version,
        2
    );
}

#[test]
fn old_visits_render_with_their_own_labels() {
    let mut reg = TemplateRegistry::new();
    reg.insert(v1()).expect("v1");
    reg.insert(v2()).expect("v2");
    let old = doorstep_forms::registry::BoundVisit {
        template: TemplateRef {
            id: "dibao_review_local".into(),
            version: 1,
        },
        answers: json!({"income": 250050, "proposal": "cancel"}),
    };
    let rendered = reg.render(&old, today()).expect("render");
    assert_eq!(rendered.len(), 2);
    assert_eq!(rendered[0].path, "income");
    assert_eq!(rendered[0].value.zh, "2,500.50 元");
    assert_eq!(rendered[1].label.zh, "复核意见");
    assert_eq!(rendered[1].value.zh, "取消");
    assert_eq!(rendered[1].value.en, "Cancel");
}

#[test]
fn versions_are_immutable() {
    let mut reg = TemplateRegistry::new();
    reg.insert(v1()).expect("v1");
    reg.insert(v1()).expect("the same definition again is fine");
    let changed = review(1, "income", &[("keep", "维持", "Keep")]);
    assert_eq!(
        reg.insert(changed).expect_err("conflict"),
        RegistryError::Conflict {
            id: "dibao_review_local".into(),
            version: 1
        }
    );
    let missing = TemplateRef {
        id: "dibao_review_local".into(),
        version: 7,
    };
    assert_eq!(
        reg.get(&missing).expect_err("unknown"),
        RegistryError::UnknownVersion {
            id: "dibao_review_local".into(),
            version: 7
        }
    );
}

#[test]
fn the_builtins_are_registered() {
    let reg = TemplateRegistry::with_builtins().expect("builtins load");
    assert_eq!(reg.versions("elder_alone_visit"), vec![1]);
    assert!(matches!(
        reg.latest("family_planning"),
        Err(RegistryError::UnknownTemplate { .. })
    ));
}

#[test]
fn a_visit_with_repeats_inside_repeats_renders_every_entry_by_path() {
    let form = Form::from_json(
        &json!({"id": "household_income", "version": 1, "title": {"zh": "家庭收入", "en": "Household income"},
            "fields": [{"name": "members", "type": "repeat", "label": {"zh": "成员", "en": "Members"}, "children": [
                {"name": "member_name", "type": "text", "label": {"zh": "姓名", "en": "Name"}},
                {"name": "incomes", "type": "repeat", "label": {"zh": "收入", "en": "Incomes"}, "children": [
                    {"name": "amount", "type": "money", "label": {"zh": "金额", "en": "Amount"}}]}]}]})
        .to_string(),
    )
    .expect("loads");
    let mut reg = TemplateRegistry::new();
    reg.insert(form).expect("insert");
    let visit = doorstep_forms::registry::BoundVisit {
        template: TemplateRef {
            id: "household_income".into(),
            version: 1,
        },
        answers: json!({"members": [{"member_name": "甲", "incomes": [{"amount": 100}, {"amount": 250050}]}]}),
    };
    let rendered = reg.render(&visit, today()).expect("render");
    let paths: Vec<(&str, &str)> = rendered
        .iter()
        .map(|a| (a.path.as_str(), a.value.zh.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            ("members[0].member_name", "甲"),
            ("members[0].incomes[0].amount", "1.00 元"),
            ("members[0].incomes[1].amount", "2,500.50 元"),
        ]
    );
}
