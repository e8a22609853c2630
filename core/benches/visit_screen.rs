//! One answer on a phone, end to end in the core: `set_answer` on a draft of
//! a 200-field form whose household-members repeat holds 30 members — the
//! answer written to the encrypted store, the form validated, relevance
//! applied, the sections laid out, the worker's place kept — back to a new
//! visit screen. Prints p50/p95/p99 for an answer at the top of the form and
//! one inside the repeat, and for the screen alone.
//!
//! Run: `cargo bench -p doorstep-core --bench visit_screen`. The goal is
//! p95 ≤ 5 ms for one answer through the FFI back to a new screen; this is the
//! core's share of it (the FFI adds the lowering of the screen record).

use chrono::{NaiveDate, Utc};
use doorstep_core::device::Device;
use doorstep_core::domain::{Address, Relation};
use doorstep_core::store::households::{GridInfo, NewHousehold, NewResident};
use doorstep_core::store::{DatabaseKey, OpenMode};
use doorstep_core::sync::protocol::{Account, LoginResponse, PullResponse, Role, TemplateRecord};
use doorstep_core::visit_pages::buttons;
use serde_json::{Value, json};
use std::hint::black_box;
use std::time::{Duration, Instant};
use uuid::Uuid;

const ROOT_GROUPS: usize = 37;
const MEMBERS: usize = 30;
const RUNS: usize = 1000;

/// 37 sections of 5 fields (185), a repeat of 12 fields, 2 totals: 200 fields
/// (the same shape as doorstep-forms' `validate` benchmark).
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
        {"name": "m_birth", "type": "date", "label": {"zh": "生日", "en": "Birthday"}}
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
                   "m_job": "工人", "m_disabled": if i % 5 == 0 {"yes"} else {"no"}, "m_level": 2, "m_birth": "1980-01-15"})
        })
        .collect();
    a.insert("members".into(), Value::Array(members));
    Value::Object(a)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{what}: {} runs: p50 {:?}, p95 {:?}, p99 {:?}, max {:?}",
        times.len(),
        percentile(&times, 0.50),
        percentile(&times, 0.95),
        percentile(&times, 0.99),
        times[times.len() - 1],
    );
}

fn fail(what: &str, e: impl std::fmt::Display) -> ! {
    eprintln!("{what}: {e}");
    std::process::exit(1)
}

fn main() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail("a temporary folder", e));
    let device = Device::open(
        &dir.path().join("bench.db"),
        &DatabaseKey::generate(),
        OpenMode::CreateNew,
    )
    .unwrap_or_else(|e| fail("the device database", e));
    let grid = GridInfo {
        id: Uuid::new_v4(),
        code: "G01".into(),
        name: "第一网格".into(),
        community: "阳光社区".into(),
        subdistrict: "东城街道".into(),
    };
    let login = LoginResponse {
        token: "t".repeat(64),
        expires_at: Utc::now() + chrono::Duration::days(30),
        account: Account {
            user_id: Uuid::new_v4(),
            username: "worker1".into(),
            display_name: "李娜".into(),
            role: Role::Worker,
            grids: vec![grid],
        },
    };
    let store = device.store();
    store
        .save_login("http://127.0.0.1:9", &login)
        .unwrap_or_else(|e| fail("the login", e));
    store
        .apply_pull(&PullResponse {
            cursor: "1".into(),
            more: false,
            households: vec![],
            templates: vec![TemplateRecord {
                template_id: "bench".into(),
                version: 1,
                definition: definition(),
            }],
            reviews: vec![],
            grids: None,
        })
        .unwrap_or_else(|e| fail("the benchmark template", e));
    device
        .reload_templates()
        .unwrap_or_else(|e| fail("the benchmark template", e));
    let household = store
        .add_household(NewHousehold {
            address: Address {
                estate: "阳光小区".into(),
                door: Some("302".into()),
                ..Address::default()
            },
            residents: vec![NewResident {
                name: "王秀英".into(),
                id_number: None,
                phone: None,
                relation: Relation::Head,
                tags: vec![],
            }],
            ..NewHousehold::default()
        })
        .unwrap_or_else(|e| fail("the household", e));
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
    let visit = device
        .start_visit_on(household, "bench", today)
        .unwrap_or_else(|e| fail("the visit", e))
        .id;
    device
        .set_answers(visit, &answers())
        .unwrap_or_else(|e| fail("the answers", e));
    let screen = device
        .visit_screen(visit, today)
        .unwrap_or_else(|e| fail("the screen", e));
    println!(
        "visit screen: {} fields shown, {} sections, {} problems",
        screen.fields.len(),
        screen.sections.len(),
        screen.problems.len()
    );

    let time = |what: &str, path: &str, values: [Value; 2]| {
        for k in 0..50 {
            let v = values[k % 2].clone();
            black_box(device.set_answer(visit, path, Some(v), today).ok());
        }
        let mut times = Vec::with_capacity(RUNS);
        for k in 0..RUNS {
            let v = values[k % 2].clone();
            let start = Instant::now();
            let screen = device
                .set_answer(visit, path, Some(v), today)
                .unwrap_or_else(|e| fail("an answer", e));
            black_box(buttons(&screen));
            times.push(start.elapsed());
        }
        report(what, times);
    };
    time(
        "set_answer at the top (count_3) → new screen",
        "count_3",
        [json!(4), json!(5)],
    );
    time(
        "set_answer in the repeat (members[15].m_name) → new screen",
        "members[15].m_name",
        [json!("成员甲"), json!("成员乙")],
    );
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        black_box(device.visit_screen(visit, today).ok());
        times.push(start.elapsed());
    }
    report("visit_screen alone", times);

    // The share of the write (one transaction per answer; WAL with
    // synchronous = NORMAL, see the store's module docs).
    let mut all = [answers(), answers()];
    all[1]["count_3"] = json!(7);
    let mut times = Vec::with_capacity(RUNS);
    for k in 0..RUNS {
        let start = Instant::now();
        device
            .set_answers(visit, &all[k % 2])
            .unwrap_or_else(|e| fail("the answers", e));
        times.push(start.elapsed());
    }
    report("the answers written to the store alone", times);
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        black_box(
            device
                .store()
                .visit(visit)
                .unwrap_or_else(|e| fail("the visit", e)),
        );
        times.push(start.elapsed());
    }
    report("the visit read from the store alone", times);

    // One answer step by step in the same loop, to see where the time goes.
    let form = match device.templates().latest("bench") {
        Ok(form) => form,
        Err(e) => fail("the benchmark template", e),
    };
    let (mut read, mut write, mut build) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..RUNS {
        let t = Instant::now();
        let mut record = device
            .store()
            .visit(visit)
            .unwrap_or_else(|e| fail("the visit", e));
        read.push(t.elapsed());
        doorstep_core::screen::set_answer_at(
            &form,
            &mut record.answers,
            "count_3",
            Some(json!(k % 2)),
        )
        .unwrap_or_else(|e| fail("an answer", e));
        let t = Instant::now();
        device
            .set_answers(visit, &record.answers)
            .unwrap_or_else(|e| fail("the answers", e));
        write.push(t.elapsed());
        let t = Instant::now();
        black_box(doorstep_core::screen::build_visit_screen(
            &form, record, today, "zh",
        ));
        build.push(t.elapsed());
    }
    report("  step: read the draft", read);
    report("  step: write the answers (durable)", write);
    report(
        "  step: build the screen (validate, relevance, sections)",
        build,
    );
}
