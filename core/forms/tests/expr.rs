//! Expression parser, printer and evaluator.

use chrono::NaiveDate;
use doorstep_forms::expr::ast::{BinOp, Expr, ExprKind, Func};
use doorstep_forms::expr::eval::{Env, Value, eval};
use doorstep_forms::expr::parse;
use proptest::prelude::*;
use regex::Regex;
use std::collections::HashMap;

fn arb_expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        (0u32..1_000_000).prop_map(|n| Expr::new(ExprKind::Number(f64::from(n) / 100.0))),
        "[a-z 低保户']{0,6}".prop_map(|s| Expr::new(ExprKind::String(s))),
        "[a-z低][a-z0-9_]{0,6}".prop_map(|s| Expr::new(ExprKind::Field(s))),
        Just(Expr::new(ExprKind::Current)),
    ];
    leaf.prop_recursive(5, 48, 4, |inner| {
        prop_oneof![
            inner
                .clone()
                .prop_map(|e| Expr::new(ExprKind::Neg(Box::new(e)))),
            (0..BinOp::ALL.len(), inner.clone(), inner.clone()).prop_map(|(i, l, r)| Expr::new(
                ExprKind::Binary(BinOp::ALL[i], Box::new(l), Box::new(r))
            )),
            (0..Func::ALL.len(), prop::collection::vec(inner, 0..4)).prop_map(|(i, mut args)| {
                let func = Func::ALL[i];
                let (min, max) = func.arity();
                let seed = args
                    .first()
                    .cloned()
                    .unwrap_or_else(|| Expr::new(ExprKind::Number(1.0)));
                while args.len() < min {
                    args.push(seed.clone());
                }
                if let Some(max) = max {
                    args.truncate(max);
                }
                Expr::new(ExprKind::Call(func, args))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn printing_then_parsing_gives_the_same_tree(e in arb_expr()) {
        let text = e.to_string();
        let back = parse(&text).map_err(|err| TestCaseError::fail(format!("{text}: {err}")))?;
        prop_assert_eq!(&back, &e, "printed as {}", text);
        // Printing is a normal form: printing the parsed tree gives the same text.
        prop_assert_eq!(back.to_string(), text);
    }

    #[test]
    fn the_parser_never_panics(s in "\\PC{0,40}") {
        let _ = parse(&s);
    }
}

#[test]
fn precedence_follows_xpath() {
    let e = parse("1 + 2 * 3 = 7 and not(${a} > 3 or ${b} <= 2)").expect("parses");
    assert_eq!(
        e.to_string(),
        "1 + 2 * 3 = 7 and not(${a} > 3 or ${b} <= 2)"
    );
    let e = parse("(1 + 2) * 3").expect("parses");
    assert_eq!(e.to_string(), "(1 + 2) * 3");
    let e = parse("10 - (4 - 3)").expect("parses");
    assert_eq!(e.to_string(), "10 - (4 - 3)");
    let e = parse("10 - 4 - 3").expect("parses");
    assert_eq!(e.to_string(), "10 - 4 - 3");
}

#[test]
fn syntax_errors_name_the_column() {
    let err = parse("${a} > ").expect_err("incomplete");
    assert_eq!(err.pos, 8);
    let err = parse("${a} + foo(1)").expect_err("unknown function");
    assert_eq!(err.pos, 8);
    assert!(err.message.contains("unknown function `foo()`"), "{err}");
    let err = parse("'open").expect_err("unterminated string");
    assert_eq!(err.pos, 1);
    let err = parse("count-selected(${a}, 1)").expect_err("arity");
    assert!(err.message.contains("takes 1 argument"), "{err}");
    let err = parse("income > 3").expect_err("bare word");
    assert!(err.message.contains("write `${income}`"), "{err}");
    let err = parse("(1 + 2").expect_err("unclosed paren");
    assert_eq!(err.pos, 7);
}

struct TestEnv {
    values: HashMap<&'static str, Value>,
    lists: HashMap<&'static str, Vec<Value>>,
    current: Value,
    regexes: HashMap<String, Regex>,
}

impl Env for TestEnv {
    fn value(&self, name: &str) -> Value {
        self.values.get(name).cloned().unwrap_or(Value::Null)
    }
    fn values(&self, name: &str) -> Vec<Value> {
        self.lists.get(name).cloned().unwrap_or_default()
    }
    fn count(&self, name: &str) -> usize {
        self.lists.get(name).map_or(0, Vec::len)
    }
    fn current(&self) -> Value {
        self.current.clone()
    }
    fn today(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).expect("valid date")
    }
    fn regex(&self, pattern: &str) -> Option<&Regex> {
        self.regexes.get(pattern)
    }
}

fn env() -> TestEnv {
    let mut regexes = HashMap::new();
    regexes.insert(
        "^[0-9]{6}$".to_owned(),
        Regex::new("^[0-9]{6}$").expect("regex"),
    );
    TestEnv {
        values: HashMap::from([
            ("income", Value::Num(120000.0)),
            ("hardship", Value::Str("illness disaster".to_owned())),
            ("id", Value::Str("11010519491231002X".to_owned())),
            (
                "visit",
                Value::Date(NaiveDate::from_ymd_opt(2026, 11, 1).expect("date")),
            ),
            ("name", Value::Str("王秀英".to_owned())),
        ]),
        lists: HashMap::from([(
            "member_income",
            vec![Value::Num(100.0), Value::Null, Value::Num(250.5)],
        )]),
        current: Value::Str("100080".to_owned()),
        regexes,
    }
}

fn run(src: &str) -> Value {
    eval(&parse(src).expect("parses"), &env())
}

#[test]
fn functions_compute_what_xlsform_users_expect() {
    assert_eq!(run("selected(${hardship}, 'illness')"), Value::Bool(true));
    assert_eq!(
        run("selected(${hardship}, 'education')"),
        Value::Bool(false)
    );
    assert_eq!(run("count-selected(${hardship})"), Value::Num(2.0));
    assert_eq!(run("string-length(${name})"), Value::Num(3.0));
    assert_eq!(run("regex(., '^[0-9]{6}$')"), Value::Bool(true));
    assert_eq!(
        run("if(${income} > 100000, 'high', 'low')"),
        Value::Str("high".to_owned())
    );
    assert_eq!(
        run("coalesce(${missing}, 'none')"),
        Value::Str("none".to_owned())
    );
    assert_eq!(run("count(${member_income})"), Value::Num(3.0));
    assert_eq!(run("sum(${member_income})"), Value::Num(350.5));
    assert_eq!(run("age-from-id(${id})"), Value::Num(76.0));
    assert_eq!(run("age-from-id('123')"), Value::Null);
    assert_eq!(run("today() - ${visit}"), Value::Num(21.0));
    assert_eq!(run("${visit} <= today()"), Value::Bool(true));
    assert_eq!(run("${visit} = '2026-11-01'"), Value::Bool(true));
    assert_eq!(run("not(${missing} = '')"), Value::Bool(false));
    assert_eq!(run("${missing} > 3"), Value::Bool(false));
    assert_eq!(run("10 div 4"), Value::Num(2.5));
    assert_eq!(run("10 mod 4"), Value::Num(2.0));
    assert_eq!(run("1 div 0"), Value::Null);
    assert_eq!(run("round(2.567, 2)"), Value::Num(2.57));
    assert_eq!(
        run("concat(${name}, '-', 3)"),
        Value::Str("王秀英-3".to_owned())
    );
    assert_eq!(run("-${income} + 1"), Value::Num(-119999.0));
    assert_eq!(run("true() and false() or true()"), Value::Bool(true));
}

struct Shapes(Vec<doorstep_forms::Choice>);

impl doorstep_forms::expr::types::Schema for Shapes {
    fn shape(&self, name: &str) -> Option<doorstep_forms::expr::types::FieldShape<'_>> {
        use doorstep_forms::FieldType;
        use doorstep_forms::expr::types::FieldShape;
        let (field_type, repeat) = match name.chars().next()? {
            'a' => (FieldType::Integer, None),
            'b' => (FieldType::Text, None),
            'c' => (FieldType::Date, None),
            'd' => (FieldType::SelectMultiple, None),
            'e' => (FieldType::Money, Some("m")),
            'm' => (FieldType::Repeat, None),
            _ => return None,
        };
        Some(FieldShape {
            field_type,
            repeat,
            choices: (field_type == FieldType::SelectMultiple).then_some(self.0.as_slice()),
        })
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]
    /// Any tree, checked against a schema and evaluated, ends in a verdict, never a panic.
    #[test]
    fn checking_and_evaluating_never_panic(e in arb_expr()) {
        use doorstep_forms::expr::types::{Context, Ty, check};
        let shapes = Shapes(vec![doorstep_forms::Choice::new("x", "甲", "X")]);
        for ctx in [
            Context::default(),
            Context { current: Some(Ty::Num), repeat: Some("m"), this: Some("a"), columns: None },
        ] {
            let verdict = check(&e, &shapes, ctx);
            if let Err(errors) = verdict {
                prop_assert!(!errors.is_empty());
            }
        }
        let _ = eval(&e, &env());
    }
}

#[test]
fn text_and_aggregate_functions_that_xlsforms_use() {
    let form = doorstep_forms::Form::from_json(
        &serde_json::json!({"id": "f", "version": 1, "title": {"zh": "表", "en": "Form"}, "fields": [
            {"name": "address", "type": "text", "label": {"zh": "地址", "en": "Address"},
             "constraint": "contains(., '号') and not(starts-with(., ' ')) and not(ends-with(., '-'))"},
            {"name": "code", "type": "text", "label": {"zh": "编码", "en": "Code"}},
            {"name": "district", "type": "calculate", "calculation": "substr(${code}, 0, 6)"},
            {"name": "tail", "type": "calculate", "calculation": "substr(${code}, 6)"},
            {"name": "code_number", "type": "calculate", "calculation": "number(${code}) + 1"},
            {"name": "code_text", "type": "calculate", "calculation": "concat(string(${n}), '户')"},
            {"name": "n", "type": "integer", "label": {"zh": "户数", "en": "Households"}},
            {"name": "members", "type": "repeat", "label": {"zh": "成员", "en": "Members"}, "children": [
                {"name": "age", "type": "integer", "label": {"zh": "年龄", "en": "Age"}}]},
            {"name": "oldest", "type": "calculate", "calculation": "max(${age})"},
            {"name": "youngest", "type": "calculate", "calculation": "min(${age})"}
        ]})
        .to_string(),
    )
    .expect("loads");
    let today = NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
    let v = form.validate(
        &serde_json::json!({"address": "建设路12号", "code": "11010512", "n": 3,
                            "members": [{"age": 70}, {"age": 8}, {}]}),
        today,
    );
    assert!(v.is_valid(), "{:?}", v.problems);
    assert_eq!(v.answers["district"], "110105");
    assert_eq!(v.answers["tail"], "12");
    assert_eq!(v.answers["code_number"], 11010513);
    assert_eq!(v.answers["code_text"], "3户");
    assert_eq!(v.answers["oldest"], 70);
    assert_eq!(v.answers["youngest"], 8);
    let v = form.validate(&serde_json::json!({"address": "建设路-"}), today);
    assert_eq!(v.codes(), vec![("address", "constraint")]);
    assert!(v.answers.get("oldest").is_none(), "no members, no oldest");
}
