//! Bad definitions are refused at load time with errors that name the field,
//! the property and the column.

use doorstep_forms::expr::types::ExprErrorKind;
use doorstep_forms::form::Property;
use doorstep_forms::{Form, LoadError};
use serde_json::json;

fn load(fields: serde_json::Value) -> Result<Form, Vec<LoadError>> {
    let def = json!({
        "id": "test_form", "version": 1,
        "title": {"zh": "测试", "en": "Test"},
        "fields": fields,
    });
    Form::from_json(&def.to_string()).map_err(|e| e.0)
}

fn text(name: &str) -> serde_json::Value {
    json!({"name": name, "type": "text", "label": {"zh": name, "en": name}})
}

#[test]
fn a_good_form_loads_and_prints_normalized() {
    let form = load(json!([
        {"name": "income", "type": "money", "label": {"zh": "月收入", "en": "Income"}, "required": true,
         "constraint": ".>=0 and .<10000000"},
        {"name": "members", "type": "repeat", "label": {"zh": "成员", "en": "Members"}, "children": [
            {"name": "member_income", "type": "money", "label": {"zh": "收入", "en": "Income"}},
            {"name": "relation", "type": "select_one", "label": {"zh": "关系", "en": "Relation"},
             "choices": [{"name": "self", "label": {"zh": "本人", "en": "Self"}}]}
        ]},
        {"name": "total", "type": "calculate", "calculation": "sum(${member_income})+${income}"},
        {"name": "verified", "type": "yes_no", "label": {"zh": "属实", "en": "Verified"}},
    ]))
    .expect("loads");
    let n = form.normalized_json();
    assert_eq!(n["fields"][0]["constraint"], ". >= 0 and . < 10000000");
    assert_eq!(n["fields"][1]["type"], "repeat");
    assert_eq!(n["fields"][1]["children"][1]["choices"][0]["name"], "self");
    assert_eq!(
        n["fields"][2]["calculation"],
        "sum(${member_income}) + ${income}"
    );
    assert_eq!(n["fields"][3]["type"], "select_one");
    assert_eq!(n["fields"][3]["choices"][1]["label"]["zh"], "否");
    assert_eq!(n["fields"][0]["choices"], serde_json::Value::Null);
}

#[test]
fn duplicate_names_are_refused() {
    let errs =
        load(json!([text("name"), {"name": "g", "type": "group", "children": [text("name")]}]))
            .expect_err("dup");
    assert_eq!(
        errs,
        vec![LoadError::DuplicateName {
            name: "name".into()
        }]
    );
}

#[test]
fn unknown_references_name_field_property_and_column() {
    let mut f = text("b");
    f["relevant"] = json!("${a} = 'x' and ${nope} = 'y'");
    let errs = load(json!([text("a"), f])).expect_err("unknown");
    assert_eq!(
        errs,
        vec![LoadError::Expression {
            field: "b".into(),
            property: Property::Relevant,
            pos: 16,
            kind: ExprErrorKind::UnknownField("nope".into()),
        }]
    );
    assert_eq!(
        errs[0].to_string(),
        "field `b`, relevant, column 16: unknown field `nope`"
    );
}

#[test]
fn calculation_cycles_are_refused() {
    let errs = load(json!([
        {"name": "a", "type": "calculate", "calculation": "${b} + 1"},
        {"name": "b", "type": "calculate", "calculation": "${c} * 2"},
        {"name": "c", "type": "calculate", "calculation": "${a}"},
    ]))
    .expect_err("cycle");
    assert_eq!(
        errs,
        vec![LoadError::Cycle {
            fields: vec!["a".into(), "b".into(), "c".into(), "a".into()]
        }]
    );
}

#[test]
fn select_without_choices_is_refused() {
    let errs = load(json!([{"name": "s", "type": "select_one", "label": {"zh": "选", "en": "S"}}]))
        .expect_err("no choices");
    assert_eq!(errs, vec![LoadError::MissingChoices { field: "s".into() }]);
}

#[test]
fn syntax_errors_are_load_errors() {
    let mut f = text("a");
    f["constraint"] = json!("string-length(.) > ");
    let errs = load(json!([f])).expect_err("syntax");
    assert!(
        matches!(
            &errs[..],
            [LoadError::Expression { field, property: Property::Constraint, pos: 20, kind: ExprErrorKind::Syntax(_) }] if field == "a"
        ),
        "{errs:?}"
    );
}

#[test]
fn visible_type_errors_are_refused() {
    let cases = [
        ("${name} + 1", "cannot use `+` on text"),
        ("${age} = 'old'", "cannot compare a number with text"),
        ("${when} < 5", "cannot order a date with a number"),
        ("sum(${name})", "`sum()` takes a field inside a repeat"),
        ("age-from-id(${age})", "takes an ID number, not a number"),
        ("${name}", "must be a condition"),
    ];
    for (expr, want) in cases {
        let mut f = text("x");
        f["relevant"] = json!(expr);
        let errs = load(json!([
            text("name"),
            {"name": "age", "type": "integer", "label": {"zh": "年龄", "en": "Age"}},
            {"name": "when", "type": "date", "label": {"zh": "日期", "en": "Date"}},
            f
        ]))
        .expect_err(expr);
        assert_eq!(errs.len(), 1, "{expr}: {errs:?}");
        assert!(errs[0].to_string().contains(want), "{expr}: {}", errs[0]);
    }
}

#[test]
fn static_checks_catch_choices_repeats_dot_and_regex() {
    let errs = load(json!([
        {"name": "kind", "type": "select_one", "label": {"zh": "类", "en": "Kind"},
         "choices": [{"name": "fire", "label": {"zh": "火", "en": "Fire"}}]},
        {"name": "m", "type": "repeat", "children": [{"name": "age", "type": "integer"}]},
        {"name": "a", "type": "text", "relevant": "${kind} = 'flood'"},
        {"name": "b", "type": "text", "relevant": "${age} > 3"},
        {"name": "c", "type": "text", "relevant": ". = 'x'"},
        {"name": "d", "type": "text", "constraint": "regex(., '[')"},
        {"name": "e", "type": "text", "relevant": "selected(${kind}, 'flood')"},
    ]))
    .expect_err("bad");
    let kinds: Vec<_> = errs
        .iter()
        .map(|e| match e {
            LoadError::Expression { field, kind, .. } => (field.as_str(), kind.clone()),
            other => panic!("unexpected {other}"),
        })
        .collect();
    assert_eq!(
        kinds[0],
        (
            "a",
            ExprErrorKind::UnknownChoice {
                field: "kind".into(),
                choice: "flood".into()
            }
        )
    );
    assert_eq!(
        kinds[1],
        (
            "b",
            ExprErrorKind::OutsideRepeat {
                field: "age".into(),
                repeat: "m".into()
            }
        )
    );
    assert_eq!(kinds[2], ("c", ExprErrorKind::CurrentOutsideConstraint));
    assert!(matches!(kinds[3], ("d", ExprErrorKind::BadRegex(_))));
    assert_eq!(
        kinds[4],
        (
            "e",
            ExprErrorKind::UnknownChoice {
                field: "kind".into(),
                choice: "flood".into()
            }
        )
    );
}

#[test]
fn structural_problems_are_all_reported() {
    let errs = load(json!([
        {"name": "1bad", "type": "text"},
        {"name": "g", "type": "group", "children": []},
        {"name": "outer", "type": "repeat", "children": [
            {"name": "inner", "type": "repeat", "children": [text("z")]}
        ]},
        {"name": "c", "type": "calculate"},
        {"name": "p", "type": "image", "min_count": 3, "max_count": 1},
        {"name": "n", "type": "integer", "default": "seven"},
        {"name": "s", "type": "select_multiple", "choices": [
            {"name": "a", "label": {"zh": "甲", "en": "A"}}, {"name": "a", "label": {"zh": "乙", "en": "B"}}]},
    ]))
    .expect_err("bad");
    let want = [
        LoadError::BadName {
            name: "1bad".into(),
        },
        LoadError::EmptyContainer { field: "g".into() },
        LoadError::MissingCalculation { field: "c".into() },
        LoadError::BadCounts { field: "p".into() },
        LoadError::DuplicateChoice {
            field: "s".into(),
            choice: "a".into(),
        },
    ];
    for w in want {
        assert!(errs.contains(&w), "missing {w:?} in {errs:?}");
    }
    assert!(
        errs.iter()
            .any(|e| matches!(e, LoadError::BadDefault { field, .. } if field == "n"))
    );
}

#[test]
fn an_unknown_format_or_property_is_refused() {
    let err = Form::from_json(r#"{"format": 3, "id": "x", "version": 1, "title": {}, "fields": [{"name": "a", "type": "text"}]}"#)
        .expect_err("format");
    assert_eq!(
        err.0,
        vec![LoadError::Format {
            found: 3,
            supported: 2
        }]
    );
    let err = Form::from_json(r#"{"id": "x", "version": 1, "title": {}, "fields": [{"name": "a", "type": "text", "colour": "red"}]}"#)
        .expect_err("typo");
    assert!(
        matches!(&err.0[..], [LoadError::Json(m)] if m.contains("colour")),
        "{err}"
    );
}

/// A form in a format this build reads, as JSON with `format` and `fields`.
fn form_json(format: u32, fields: serde_json::Value) -> String {
    serde_json::json!({"format": format, "id": "x", "version": 1, "title": {"zh": "表"}, "fields": fields})
        .to_string()
}

#[test]
fn a_newer_format_is_refused_in_words_and_a_form_says_the_format_it_needs() {
    // A format from a newer app, with a property this build has never heard
    // of: the format is told, not the property, in Chinese and English.
    let err = Form::from_json(&form_json(
        3,
        serde_json::json!([{"name": "a", "type": "text", "label": {"zh": "甲"}, "hologram": true}]),
    ))
    .expect_err("newer format");
    assert_eq!(
        err.0,
        vec![LoadError::Format {
            found: 3,
            supported: 2
        }]
    );
    assert!(err.0[0].to_string().contains("update the app"), "{err}");
    assert!(err.0[0].message_zh().contains("请更新入户通应用"));
    // Format 1 still reads, and 0 is no format.
    let plain = serde_json::json!([{"name": "a", "type": "text", "label": {"zh": "甲"}}]);
    let form = Form::from_json(&form_json(1, plain.clone())).expect("format 1 reads");
    assert_eq!(form.definition().oldest_format(), 1);
    assert!(matches!(
        &Form::from_json(&form_json(0, plain)).expect_err("0").0[..],
        [LoadError::Format { found: 0, .. }]
    ));
    // What a format-1 reader would refuse or show wrong needs format 2: a
    // choice_filter, a repeat in a repeat, a language beyond zh and en.
    let cascading = serde_json::json!([
        {"name": "street", "type": "select_one", "label": {"zh": "街道"},
         "choices": [{"name": "s1", "label": {"zh": "一街"}}]},
        {"name": "community", "type": "select_one", "label": {"zh": "社区"}, "choice_filter": "street = ${street}",
         "choices": [{"name": "c1", "label": {"zh": "一社区"}, "columns": {"street": "s1"}}]}
    ]);
    let nested = serde_json::json!([
        {"name": "members", "type": "repeat", "label": {"zh": "成员"}, "children": [
            {"name": "incomes", "type": "repeat", "label": {"zh": "收入"}, "children": [
                {"name": "amount", "type": "money", "label": {"zh": "金额"}}]}]}
    ]);
    let uyghur =
        serde_json::json!([{"name": "a", "type": "text", "label": {"zh": "姓名", "ug": "ئىسىم"}}]);
    for (fields, field, what) in [
        (cascading, "community", "a choice_filter"),
        (nested, "incomes", "a repeat inside a repeat"),
        (uyghur, "a", "a language beyond Chinese and English"),
    ] {
        let form = Form::from_json(&form_json(2, fields.clone())).expect("format 2 reads");
        assert_eq!(form.definition().oldest_format(), 2);
        let err = Form::from_json(&form_json(1, fields)).expect_err("format 1 says too little");
        assert!(
            matches!(&err.0[..], [LoadError::FormatTooOld { declared: 1, needed: 2, field: f, what_en, .. }] if f == field && *what_en == what),
            "{err}"
        );
    }
}
