//! Benchmark: validating a 204-field form whose household-members repeat holds 30
//! members, each with 3 income sources in a repeat inside it, as the phone does
//! on every save. Prints p50/p95/p99 over many runs.
//!
//! Run with `cargo bench -p doorstep-forms --bench validate`. Target: p95 < 1 ms.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use doorstep_forms::Form;
use serde_json::{Value, json};

const ROOT_GROUPS: usize = 37;
const MEMBERS: usize = 30;
const INCOMES: usize = 3;

/// 37 groups of 5 fields (185), a repeat with 12 children and a repeat inside
/// it with 2 (and the member's total), 2 totals: 204 fields.
fn definition() -> Value {
    let mut fields = Vec::new();
    for g in 0..ROOT_GROUPS {
        let prev = if g == 0 {
            "'yes'".to_owned()
        } else {
            format!("${{flag_{}}}", g - 1)
        };
        fields.push(json!({"name": format!("section_{g}"), "type": "group", "label": {"zh": format!("第{g}部分"), "en": format!("Part {g}")},
            "relevant": format!("{prev} = 'yes'"), "children": [
            {"name": format!("flag_{g}"), "type": "yes_no", "label": {"zh": "是否", "en": "Flag"}, "required": true},
            {"name": format!("count_{g}"), "type": "integer", "label": {"zh": "数量", "en": "Count"}, "required": true,
             "constraint": ". >= 0 and . <= 100", "relevant": format!("${{flag_{g}}} = 'yes'")},
            {"name": format!("code_{g}"), "type": "text", "label": {"zh": "编码", "en": "Code"},
             "constraint": "regex(., '^[A-Z]{2}[0-9]{4}$')"},
            {"name": format!("kind_{g}"), "type": "select_one", "label": {"zh": "类别", "en": "Kind"}, "required": true,
             "choices": [{"name": "a", "label": {"zh": "甲", "en": "A"}}, {"name": "b", "label": {"zh": "乙", "en": "B"}},
                         {"name": "c", "label": {"zh": "丙", "en": "C"}}]},
            {"name": format!("when_{g}"), "type": "date", "label": {"zh": "日期", "en": "Date"}, "constraint": ". <= today()"}
        ]}));
    }
    fields.push(json!({"name": "members", "type": "repeat", "label": {"zh": "家庭成员", "en": "Members"}, "required": true, "children": [
        {"name": "m_name", "type": "text", "label": {"zh": "姓名", "en": "Name"}, "required": true, "constraint": "string-length(.) <= 20"},
        {"name": "m_id", "type": "id_number", "label": {"zh": "身份证号", "en": "ID"}, "required": true},
        {"name": "m_age", "type": "calculate", "calculation": "age-from-id(${m_id})"},
        {"name": "m_relation", "type": "select_one", "label": {"zh": "关系", "en": "Relation"}, "required": true,
         "choices": [{"name": "self", "label": {"zh": "本人", "en": "Self"}}, {"name": "child", "label": {"zh": "子女", "en": "Child"}}]},
        {"name": "m_in_school", "type": "yes_no", "label": {"zh": "在校", "en": "In school"}, "relevant": "${m_age} < 25"},
        {"name": "m_health", "type": "select_multiple", "label": {"zh": "健康", "en": "Health"},
         "choices": [{"name": "ok", "label": {"zh": "良好", "en": "OK"}}, {"name": "chronic", "label": {"zh": "慢病", "en": "Chronic"}}]},
        {"name": "m_income", "type": "money", "label": {"zh": "收入", "en": "Income"}, "required": true, "constraint": ". >= 0"},
        {"name": "m_phone", "type": "phone", "label": {"zh": "电话", "en": "Phone"}},
        {"name": "m_job", "type": "text", "label": {"zh": "工作", "en": "Job"}, "relevant": "${m_age} >= 16"},
        {"name": "m_disabled", "type": "yes_no", "label": {"zh": "残疾", "en": "Disabled"}, "required": true},
        {"name": "m_level", "type": "integer", "label": {"zh": "等级", "en": "Level"}, "relevant": "${m_disabled} = 'yes'", "constraint": ". >= 1 and . <= 4"},
        {"name": "m_birth", "type": "date", "label": {"zh": "生日", "en": "Birthday"}},
        {"name": "m_incomes", "type": "repeat", "label": {"zh": "收入来源", "en": "Income sources"},
         "relevant": "${m_age} >= 16", "children": [
            {"name": "i_kind", "type": "select_one", "label": {"zh": "类别", "en": "Kind"}, "required": true,
             "choices": [{"name": "wage", "label": {"zh": "工资", "en": "Wage"}}, {"name": "pension", "label": {"zh": "养老金", "en": "Pension"}}]},
            {"name": "i_amount", "type": "money", "label": {"zh": "金额", "en": "Amount"}, "required": true,
             "constraint": ". >= 0", "relevant": "${m_disabled} = 'no' or ${i_kind} = 'pension'"}
        ]},
        {"name": "m_total", "type": "calculate", "calculation": "sum(${i_amount})"}
    ]}));
    fields.push(
        json!({"name": "total_income", "type": "calculate", "calculation": "sum(${m_income})"}),
    );
    fields.push(
        json!({"name": "member_count", "type": "calculate", "calculation": "count(${members})"}),
    );
    json!({"id": "bench", "version": 1, "title": {"zh": "基准", "en": "Bench"}, "fields": fields})
}

fn id_number(body17: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body17
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body17}{check}")
}

fn answers() -> Value {
    let mut a = serde_json::Map::new();
    for g in 0..ROOT_GROUPS {
        a.insert(format!("flag_{g}"), json!("yes"));
        a.insert(format!("count_{g}"), json!(g));
        a.insert(format!("code_{g}"), json!(format!("AB{:04}", g)));
        a.insert(format!("kind_{g}"), json!("b"));
        a.insert(format!("when_{g}"), json!("2026-11-01"));
    }
    let members: Vec<Value> = (0..MEMBERS)
        .map(|i| {
            let body = format!("110105{}{:02}15{:03}", 1950 + i, 1 + i % 12, 100 + i);
            json!({"m_name": format!("成员{i}"), "m_id": id_number(&body), "m_relation": if i == 0 {"self"} else {"child"},
                   "m_in_school": "no", "m_health": ["ok"], "m_income": 150000 + i, "m_phone": "13812345678",
                   "m_job": "工人", "m_disabled": if i % 5 == 0 {"yes"} else {"no"}, "m_level": 2, "m_birth": "1980-01-15",
                   "m_incomes": (0..INCOMES).map(|j| json!({"i_kind": if j == 0 {"pension"} else {"wage"}, "i_amount": 1000 * j}))
                        .collect::<Vec<_>>()})
        })
        .collect();
    a.insert("members".into(), Value::Array(members));
    Value::Object(a)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let form = match Form::from_json(&definition().to_string()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("the benchmark form does not load: {e}");
            std::process::exit(1);
        }
    };
    let answers = answers();
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
    let check = form.validate(&answers, today);
    if !check.is_valid() {
        eprintln!(
            "the benchmark answers should be valid: {:?}",
            check.problems
        );
        std::process::exit(1);
    }
    for _ in 0..300 {
        black_box(form.validate(black_box(&answers), today));
    }
    let runs = 3000;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        black_box(form.validate(black_box(&answers), today));
        times.push(start.elapsed());
    }
    times.sort();
    let groups = ROOT_GROUPS;
    println!(
        "validate: {} fields (+{groups} groups), {} members with {INCOMES} income sources each, {} runs: p50 {:?}, p95 {:?}, p99 {:?}, max {:?} (target p95 < 1 ms)",
        form.field_count() - groups,
        MEMBERS,
        runs,
        percentile(&times, 0.50),
        percentile(&times, 0.95),
        percentile(&times, 0.99),
        times[times.len() - 1],
    );
}
