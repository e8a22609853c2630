//! The phone's household list and home screen on a grid worker's device:
//! 3,000 households (residents with pinyin-searchable names, a third of them
//! with elders living alone, some on 低保, some with a sensitive tag) in a real
//! encrypted SQLCipher file, the clock fixed. Prints p50/p95 per kind of page,
//! warm (scrolling and filtering: what is due is kept until the data changes)
//! and cold (the first page after a write).
//!
//! Run: `cargo bench -p doorstep-core --bench household_list`. Targets: p95 of
//! a warm filtered page < 16 ms (a frame), of a cold one < 100 ms.

use chrono::DateTime;
use doorstep_core::clock::FixedClock;
use doorstep_core::device::Device;
use doorstep_core::domain::{Address, Relation, ResidentTag};
use doorstep_core::household_list::{HouseholdFilter, HouseholdQuery};
use doorstep_core::store::households::{GridInfo, NewHousehold, NewResident};
use doorstep_core::store::settings::Language;
use doorstep_core::store::{DatabaseKey, OpenMode};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

const HOUSEHOLDS: usize = 3_000;
const RUNS: usize = 100;

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"];
const GIVEN: &[&str] = &[
    "伟", "芳", "秀英", "敏", "建国", "桂英", "志强", "玉兰", "淑珍", "国庆",
];

fn tag(code: &str, since: &str) -> ResidentTag {
    ResidentTag {
        code: code.into(),
        start: since.parse().expect("a date"),
        end: None,
        attributes: BTreeMap::new(),
    }
}

fn build(device: &Device) {
    let mut batch = Vec::new();
    for i in 0..HOUSEHOLDS {
        let surname = SURNAMES[i % SURNAMES.len()];
        let mut tags = Vec::new();
        if i % 3 == 0 {
            tags.push(tag(
                "elder_alone",
                if i % 2 == 0 {
                    "2025-01-01"
                } else {
                    "2026-12-01"
                },
            ));
        }
        if i % 10 == 0 {
            tags.push(tag("dibao", "2024-06-01"));
        }
        if i % 20 == 0 {
            tags.push(tag("drug_rehab", "2025-06-01"));
        }
        if i % 7 == 0 {
            tags.push(tag("low_income", "2024-01-01"));
        }
        let residents = (0..1 + i % 3)
            .map(|k| NewResident {
                name: format!("{surname}{}", GIVEN[(i + k) % GIVEN.len()]),
                id_number: None,
                phone: None,
                relation: if k == 0 {
                    Relation::Head
                } else {
                    Relation::Spouse
                },
                tags: if k == 0 { tags.clone() } else { vec![] },
            })
            .collect();
        batch.push(NewHousehold {
            address: Address {
                estate: ["阳光小区", "幸福里", "和平新村"][i % 3].into(),
                building: Some(format!("{}栋", 1 + i % 30)),
                unit: None,
                door: Some(format!("{}", 101 + i % 600)),
            },
            residents,
            ..NewHousehold::default()
        });
    }
    device
        .store()
        .add_households(batch)
        .expect("valid generated households");
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let device = Device::open(
        &dir.path().join("bench.db"),
        &DatabaseKey::generate(),
        OpenMode::CreateNew,
    )
    .expect("new device");
    device.set_clock(Arc::new(FixedClock::at(
        DateTime::parse_from_rfc3339("2026-12-05T14:05:00+08:00").expect("a time"),
    )));
    device
        .store()
        .upsert_grid(&GridInfo {
            id: Uuid::new_v4(),
            code: "G01".into(),
            name: "第一网格".into(),
            community: "阳光社区".into(),
            subdistrict: "东城街道".into(),
        })
        .expect("grid");
    build(&device);

    let query = |text: &str, filter: HouseholdFilter, offset: u32| HouseholdQuery {
        text: text.into(),
        filter,
        offset,
        limit: 50,
    };
    let kinds: Vec<(&str, HouseholdQuery)> = vec![
        ("all, page 1", query("", HouseholdFilter::All, 0)),
        ("all, page 20", query("", HouseholdFilter::All, 950)),
        ("due", query("", HouseholdFilter::Due, 0)),
        ("overdue", query("", HouseholdFilter::Overdue, 0)),
        (
            "tag 低保",
            query("", HouseholdFilter::Tag("dibao".into()), 0),
        ),
        ("\"wang\" + due", query("wang", HouseholdFilter::Due, 0)),
        ("\"wxy\" + all", query("wxy", HouseholdFilter::All, 0)),
    ];
    println!(
        "{HOUSEHOLDS} households: ms per page, p50 / p95, while scrolling and filtering (warm) \
         and the first page after a change to the data (cold)"
    );
    println!(
        "{:<20} {:>5} {:>9} {:>9} {:>9} {:>9}",
        "page", "rows", "warm p50", "warm p95", "cold p50", "cold p95"
    );
    let mut language = [Language::Zh, Language::En].into_iter().cycle();
    let mut measure = |f: &dyn Fn() -> usize, cold: bool| {
        let mut times = Vec::with_capacity(RUNS);
        let mut rows = 0;
        for _ in 0..RUNS {
            if cold {
                // Any write (a visit saved, a sync) makes the list work it out again.
                device
                    .set_language(language.next().expect("endless"))
                    .expect("a write");
            }
            let t = Instant::now();
            rows = f();
            times.push(t.elapsed());
        }
        times.sort();
        (rows, percentile(&times, 0.50), percentile(&times, 0.95))
    };
    for (name, q) in &kinds {
        let page = || device.household_page(q).expect("a page").rows.len();
        let (rows, warm50, warm95) = measure(&page, false);
        let (_, cold50, cold95) = measure(&page, true);
        println!("{name:<20} {rows:>5} {warm50:>9.2} {warm95:>9.2} {cold50:>9.2} {cold95:>9.2}");
    }
    let home = || device.home().expect("home").due.len();
    let (rows, warm50, warm95) = measure(&home, false);
    let (_, cold50, cold95) = measure(&home, true);
    println!(
        "{:<20} {rows:>5} {warm50:>9.2} {warm95:>9.2} {cold50:>9.2} {cold95:>9.2}",
        "home screen"
    );
}
