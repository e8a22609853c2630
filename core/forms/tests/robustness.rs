//! Whatever a phone, a file or a person sends, validation answers with problems
//! and never panics; cleaned answers hold only the form's own fields.

use chrono::NaiveDate;
use proptest::prelude::*;
use serde_json::Value;

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop::sample::select(vec![
            "yes",
            "no",
            "",
            "2026-11-20",
            "2099-01-01",
            "11010519491231002X",
            "110105194912310021",
            "13812345678",
            "keep",
            "cancel",
            "other",
            "none",
            "illness",
            "1",
            "2",
        ])
        .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(("[a-z_]{1,10}", inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn field_names(fields: &[doorstep_forms::Field], out: &mut Vec<String>) {
    for f in fields {
        out.push(f.name.clone());
        if let Some(children) = &f.children {
            field_names(children, out);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn validation_never_panics_and_cleans_to_known_fields(
        template in 0usize..14,
        entries in prop::collection::vec((any::<prop::sample::Index>(), arb_json()), 0..24),
        repeat_items in prop::collection::vec(prop::collection::vec((any::<prop::sample::Index>(), arb_json()), 0..8), 0..4),
    ) {
        let id = doorstep_forms::templates::ids().nth(template).expect("14 templates");
        let form = doorstep_forms::templates::load(id).expect("listed").expect("loads");
        let mut names = Vec::new();
        field_names(&form.definition().fields, &mut names);
        let mut answers = serde_json::Map::new();
        for (i, v) in entries {
            answers.insert(i.get(&names).clone(), v);
        }
        // Give every repeat some instances keyed by real field names too.
        for f in form.definition().fields.iter().filter(|f| f.children.is_some()) {
            if f.field_type == doorstep_forms::FieldType::Repeat {
                let items: Vec<Value> = repeat_items
                    .iter()
                    .map(|kv| Value::Object(kv.iter().map(|(i, v)| (i.get(&names).clone(), v.clone())).collect()))
                    .collect();
                answers.insert(f.name.clone(), Value::Array(items));
            }
        }
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).expect("date");
        let v = form.validate(&Value::Object(answers), today);
        for p in &v.problems {
            prop_assert!(!p.code.is_empty());
            prop_assert!(!p.message.zh.is_empty() && !p.message.en.is_empty());
        }
        for key in v.answers.keys() {
            prop_assert!(names.contains(key), "{key} is not a field of {id}");
        }
    }
}

/// A household's members, each with income sources (a repeat inside a repeat),
/// with a cascading filter inside the inner repeat.
fn nested_form() -> doorstep_forms::Form {
    doorstep_forms::Form::from_json(
        &serde_json::json!({"id": "nested", "version": 1, "title": {"zh": "嵌套", "en": "Nested"}, "fields": [
            {"name": "street", "type": "select_one", "label": {"zh": "街道", "en": "Street"},
             "choices": [{"name": "a", "label": {"zh": "甲", "en": "A"}}, {"name": "b", "label": {"zh": "乙", "en": "B"}}]},
            {"name": "members", "type": "repeat", "label": {"zh": "成员", "en": "Members"}, "children": [
                {"name": "age", "type": "integer", "label": {"zh": "年龄", "en": "Age"}, "required_if": "${street} = 'a'"},
                {"name": "incomes", "type": "repeat", "label": {"zh": "收入", "en": "Incomes"}, "relevant": "${age} >= 16", "children": [
                    {"name": "kind", "type": "select_one", "label": {"zh": "类别", "en": "Kind"},
                     "choice_filter": "street = ${street} or name = 'wage'",
                     "choices": [{"name": "wage", "label": {"zh": "工资", "en": "Wage"}},
                                 {"name": "farm", "label": {"zh": "农业", "en": "Farming"}, "columns": {"street": "b"}}]},
                    {"name": "amount", "type": "money", "label": {"zh": "金额", "en": "Amount"}, "required": true, "constraint": ". >= 0"}
                ]},
                {"name": "member_total", "type": "calculate", "calculation": "sum(${amount})"}
            ]},
            {"name": "total", "type": "calculate", "calculation": "sum(${amount}) + count(${incomes})"}
        ]})
        .to_string(),
    )
    .expect("the nested form loads")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn nested_repeats_never_panic_and_clean_to_known_fields(
        street in arb_json(),
        members in prop::collection::vec(
            (arb_json(), prop::collection::vec((arb_json(), arb_json(), arb_json()), 0..4), any::<bool>()),
            0..5,
        ),
    ) {
        let form = nested_form();
        let members: Vec<Value> = members
            .into_iter()
            .map(|(age, incomes, as_list)| {
                let incomes: Vec<Value> = incomes
                    .into_iter()
                    .map(|(kind, amount, extra)| serde_json::json!({"kind": kind, "amount": amount, "extra": extra}))
                    .collect();
                let incomes = if as_list { Value::Array(incomes) } else { incomes.into_iter().next().unwrap_or(Value::Null) };
                serde_json::json!({"age": age, "incomes": incomes})
            })
            .collect();
        let answers = serde_json::json!({"street": street, "members": members});
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).expect("date");
        let v = form.validate(&answers, today);
        for p in &v.problems {
            prop_assert!(!p.message.zh.is_empty() && !p.message.en.is_empty());
        }
        let paths = form.relevant_paths(&answers, today);
        for path in form.offered_choices(&answers, today).keys() {
            prop_assert!(paths.contains(path), "{path} offered but not asked");
        }
    }
}
