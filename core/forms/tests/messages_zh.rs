//! Every error a form author can see has a Chinese text beside its English one:
//! each `LoadError` and `ExprErrorKind` variant, every parser and type-check
//! message, and serde's JSON errors. The English texts are checked elsewhere.

use doorstep_forms::expr::parse;
use doorstep_forms::expr::types::ExprErrorKind;
use doorstep_forms::form::Property;
use doorstep_forms::{Form, LoadError, LocalizedText};
use serde_json::json;

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// A Chinese text worth the name: non-empty, with Chinese in it, not the English.
fn assert_chinese(zh: &str, en: &str) {
    assert!(!zh.trim().is_empty(), "empty Chinese text for {en:?}");
    assert!(has_cjk(zh), "no Chinese in {zh:?} (English: {en:?})");
    assert_ne!(zh, en, "the Chinese text is the English one");
}

fn text(zh: &str, en: &str) -> LocalizedText {
    LocalizedText::new(zh, en)
}

fn every_expr_error_kind() -> Vec<ExprErrorKind> {
    let all = vec![
        ExprErrorKind::Syntax(text("表达式为空", "the expression is empty")),
        ExprErrorKind::UnknownField("agee".into()),
        ExprErrorKind::CurrentOutsideConstraint,
        ExprErrorKind::OutsideRepeat {
            field: "age".into(),
            repeat: "members".into(),
        },
        ExprErrorKind::NotAValue("members".into()),
        ExprErrorKind::UnknownChoice {
            field: "relation".into(),
            choice: "cousin".into(),
        },
        ExprErrorKind::UnknownColumn("street".into()),
        ExprErrorKind::BadRegex("regex parse error: unclosed group".into()),
        ExprErrorKind::Type(text("文本不能取负", "cannot negate text")),
    ];
    // A new variant fails to compile here until it is added above.
    for k in &all {
        match k {
            ExprErrorKind::Syntax(_)
            | ExprErrorKind::UnknownField(_)
            | ExprErrorKind::CurrentOutsideConstraint
            | ExprErrorKind::OutsideRepeat { .. }
            | ExprErrorKind::NotAValue(_)
            | ExprErrorKind::UnknownChoice { .. }
            | ExprErrorKind::UnknownColumn(_)
            | ExprErrorKind::BadRegex(_)
            | ExprErrorKind::Type(_) => {}
        }
    }
    all
}

fn every_load_error() -> Vec<LoadError> {
    let f = || "income".to_owned();
    let mut all = vec![
        LoadError::Json("missing field `id` at line 1 column 2".into()),
        LoadError::Format {
            found: 9,
            supported: 2,
        },
        LoadError::FormatTooOld {
            declared: 1,
            needed: 2,
            field: f(),
            what_zh: "按条件筛选选项（choice_filter）",
            what_en: "a choice_filter",
        },
        LoadError::MissingId,
        LoadError::NoFields,
        LoadError::BadName { name: "1st".into() },
        LoadError::DuplicateName { name: f() },
        LoadError::MissingChoices { field: f() },
        LoadError::DuplicateChoice {
            field: f(),
            choice: "yes".into(),
        },
        LoadError::BadChoiceName {
            field: f(),
            choice: "a b".into(),
        },
        LoadError::ChoicesOnNonSelect { field: f() },
        LoadError::ChildrenOnNonContainer { field: f() },
        LoadError::EmptyContainer { field: f() },
        LoadError::MissingCalculation { field: f() },
        LoadError::BadCounts { field: f() },
        LoadError::BadDefault {
            field: f(),
            reason: text("应为数字", "must be a number"),
        },
        LoadError::Cycle {
            fields: vec!["a".into(), "b".into(), "a".into()],
        },
    ];
    for property in [
        "constraint",
        "default",
        "calculation",
        "required flag",
        "min_count/max_count",
        "choice_filter",
    ] {
        all.push(LoadError::PropertyNotAllowed {
            field: f(),
            property,
        });
    }
    for property in [
        Property::Relevant,
        Property::Constraint,
        Property::Calculation,
        Property::ChoiceFilter,
        Property::Required,
    ] {
        for kind in every_expr_error_kind() {
            all.push(LoadError::Expression {
                field: f(),
                property,
                pos: 3,
                kind,
            });
        }
    }
    // A new variant fails to compile here until it is added above.
    for e in &all {
        match e {
            LoadError::Json(_)
            | LoadError::Format { .. }
            | LoadError::FormatTooOld { .. }
            | LoadError::MissingId
            | LoadError::NoFields
            | LoadError::BadName { .. }
            | LoadError::DuplicateName { .. }
            | LoadError::MissingChoices { .. }
            | LoadError::DuplicateChoice { .. }
            | LoadError::BadChoiceName { .. }
            | LoadError::ChoicesOnNonSelect { .. }
            | LoadError::ChildrenOnNonContainer { .. }
            | LoadError::EmptyContainer { .. }
            | LoadError::PropertyNotAllowed { .. }
            | LoadError::MissingCalculation { .. }
            | LoadError::BadCounts { .. }
            | LoadError::BadDefault { .. }
            | LoadError::Expression { .. }
            | LoadError::Cycle { .. } => {}
        }
    }
    all
}

#[test]
fn every_expression_error_kind_has_a_chinese_text() {
    for kind in every_expr_error_kind() {
        assert_chinese(&kind.message_zh(), &kind.to_string());
    }
}

#[test]
fn every_load_error_has_a_chinese_text_that_keeps_its_names() {
    for e in every_load_error() {
        let zh = e.message_zh();
        assert_chinese(&zh, &e.to_string());
        // The names an author must find stay in the Chinese text.
        match &e {
            LoadError::DuplicateName { name } | LoadError::BadName { name } => {
                assert!(zh.contains(name.as_str()), "{zh}");
            }
            LoadError::Expression { field, pos, .. } => {
                assert!(zh.contains(field.as_str()), "{zh}");
                assert!(zh.contains(&format!("第 {pos} 列")), "{zh}");
            }
            LoadError::Cycle { .. } => assert!(zh.contains("a -> b -> a"), "{zh}"),
            _ => {}
        }
    }
}

#[test]
fn every_parser_message_has_a_chinese_text() {
    let bad = [
        "",
        "1 2",
        "(1",
        "(1 2",
        "1 +",
        "income",
        "foo(1)",
        "not()",
        "if(1, 2)",
        "concat(1 2",
        "concat(1",
        ")",
        "'open",
        "$x",
        "${a",
        "${}",
        "../a",
        "1 # 2",
    ];
    for src in bad {
        let err = parse(src).expect_err(src);
        assert_chinese(&err.message_zh, &err.message);
    }
}

/// The expression errors of a form with these fields, as (zh, en).
fn expression_errors(fields: serde_json::Value) -> Vec<(String, String)> {
    let def = json!({
        "id": "f",
        "version": 1,
        "title": {"zh": "表", "en": "Form"},
        "fields": fields,
    });
    let errs = Form::from_json(&def.to_string()).expect_err("refused").0;
    errs.iter()
        .map(|e| match e {
            LoadError::Expression { kind, .. } => {
                if let ExprErrorKind::Type(m) | ExprErrorKind::Syntax(m) = kind {
                    assert_chinese(&m.zh, &m.en);
                }
                (e.message_zh(), e.to_string())
            }
            other => panic!("not an expression error: {other}"),
        })
        .collect()
}

#[test]
fn every_type_check_message_has_a_chinese_text() {
    let exprs = [
        "-${t} > 0",
        "${d} + ${t} = ${d}",
        "${t} * 2 > 1",
        "${n} < ${t}",
        "${n} = ${d}",
        "selected(1, 'a')",
        "count-selected(${s}) > 0",
        "regex(${t}, ${t})",
        "count(${n}) > 0",
        "sum(${y}) > 0",
        "sum(${n}) > 0",
        "age-from-id(${n}) > 18",
        "int(${t}) > 0",
        "${t}",
        "${q} = 1",
        ". > 1",
        "${x} > 1",
        "${r} > 1",
        "${s} = 'c'",
        "regex(${t}, '(')",
        "${t} = 'a' and",
    ];
    let mut fields = vec![
        json!({"name": "t", "type": "text", "label": {"zh": "文", "en": "T"}}),
        json!({"name": "n", "type": "integer", "label": {"zh": "数", "en": "N"}}),
        json!({"name": "d", "type": "date", "label": {"zh": "日", "en": "D"}}),
        json!({"name": "s", "type": "select_one", "label": {"zh": "选", "en": "S"},
               "choices": [{"name": "a", "label": {"zh": "甲", "en": "A"}}]}),
        json!({"name": "r", "type": "repeat", "label": {"zh": "组", "en": "R"}, "children": [
            {"name": "x", "type": "integer", "label": {"zh": "x", "en": "x"}},
            {"name": "y", "type": "text", "label": {"zh": "y", "en": "y"}},
        ]}),
    ];
    for (i, e) in exprs.iter().enumerate() {
        fields.push(json!({"name": format!("c{i}"), "type": "note",
                           "label": {"zh": "注", "en": "Note"}, "relevant": e}));
    }
    let errs = expression_errors(serde_json::Value::from(fields));
    assert!(errs.len() >= exprs.len(), "{errs:#?}");
    for (zh, en) in &errs {
        assert_chinese(zh, en);
    }
}

#[test]
fn json_errors_are_told_in_chinese_with_their_position() {
    let cases = [
        ("{\"id\": \"x\"", "提前结束"),
        ("{\"id\": \"x\", \"version\": 1}", "缺少必需的项 `title`"),
        (
            "{\"id\": \"x\", \"version\": 1, \"title\": {}, \"fields\": [], \"colour\": 1}",
            "不认识的项 `colour`",
        ),
        ("{\"id\": 5}", "值的类型不对"),
        ("{\"id\" \"x\"}", "JSON 语法错误"),
    ];
    for (text, want) in cases {
        let errs = Form::from_json(text).expect_err(text).0;
        let [e @ LoadError::Json(_)] = &errs[..] else {
            panic!("{errs:?}");
        };
        let zh = e.message_zh();
        assert_chinese(&zh, &e.to_string());
        assert!(zh.contains(want), "{zh}");
        assert!(zh.contains("第 1 行第"), "{zh}");
    }
}
