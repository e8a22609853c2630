//! Search latency on a community-sized device database: 20,000 households and
//! 60,000 residents with realistic names, addresses and ID numbers, in a real
//! encrypted SQLCipher file. Prints p50/p95/p99 per kind of query and overall.
//!
//! Run: `cargo bench -p doorstep-core --bench search`. Target: p95 < 5 ms.

use doorstep_core::domain::{Address, Relation};
use doorstep_core::store::households::{GridInfo, NewHousehold, NewResident};
use doorstep_core::store::{DatabaseKey, Store};
use std::time::{Duration, Instant};
use uuid::Uuid;

const HOUSEHOLDS: usize = 20_000;
const RESIDENTS_PER_HOUSEHOLD: usize = 3;
const QUERIES_PER_KIND: usize = 400;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
    "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
    "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴",
    "单", "欧阳", "诸葛", "司马",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "建国", "玉兰", "淑珍", "志强",
    "海燕", "春梅", "国庆", "红梅", "德华", "文", "斌", "凤英", "子涵", "浩然", "欣怡", "梓萱",
    "宇轩", "一诺", "俊杰", "雨桐", "振华", "桂兰", "秀珍", "光明", "卫东", "爱国",
];
const ESTATES: &[&str] = &[
    "阳光小区",
    "幸福里",
    "和平新村",
    "东风小区",
    "建设路社区",
    "桃园小区",
    "锦绣花园",
    "翠湖苑",
    "滨江花园",
    "红旗新村",
    "光明小区",
    "长青苑",
    "金桂园",
    "育才小区",
    "工人新村",
    "春晖苑",
];

/// A small deterministic generator, so every run builds the same community.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() % items.len()]
    }
}

fn id_number(rng: &mut Lcg) -> String {
    let body = format!(
        "{}{:04}{:02}{:02}{:03}",
        ["110105", "320102", "440305", "510104", "330106"][rng.next() % 5],
        1935 + rng.next() % 85,
        1 + rng.next() % 12,
        1 + rng.next() % 28,
        rng.next() % 1000
    );
    "0123456789X"
        .chars()
        .map(|c| format!("{body}{c}"))
        .find(|n| doorstep_core::domain::IdNumber::parse(n).is_ok())
        .expect("one check character fits")
}

struct Community {
    names: Vec<String>,
    doors: Vec<(String, String)>,
    id_endings: Vec<String>,
}

fn build(store: &Store) -> Community {
    let mut rng = Lcg(20261122);
    let mut community = Community {
        names: vec![],
        doors: vec![],
        id_endings: vec![],
    };
    let mut batch = Vec::new();
    for i in 0..HOUSEHOLDS {
        let surname = rng.pick(SURNAMES);
        let residents: Vec<NewResident> = (0..RESIDENTS_PER_HOUSEHOLD)
            .map(|k| {
                let name = format!(
                    "{}{}",
                    if k == 2 { rng.pick(SURNAMES) } else { surname },
                    rng.pick(GIVEN)
                );
                let id = (!rng.next().is_multiple_of(3)).then(|| id_number(&mut rng));
                if i.is_multiple_of(50) {
                    community.names.push(name.clone());
                    if let Some(id) = &id {
                        community.id_endings.push(id[14..].to_lowercase());
                    }
                }
                NewResident {
                    name,
                    id_number: id,
                    phone: None,
                    relation: [Relation::Head, Relation::Spouse, Relation::Child][k],
                    tags: vec![],
                }
            })
            .collect();
        let estate = rng.pick(ESTATES);
        let door = format!("{}{:02}", 1 + rng.next() % 18, 1 + rng.next() % 4);
        if i.is_multiple_of(50) {
            community.doors.push((estate.to_owned(), door.clone()));
        }
        batch.push(NewHousehold {
            address: Address {
                estate: estate.to_owned(),
                building: Some(format!("{}栋", 1 + rng.next() % 40)),
                unit: Some(format!("{}单元", 1 + rng.next() % 4)),
                door: Some(door),
            },
            residents,
            ..NewHousehold::default()
        });
        if batch.len() == 2000 {
            store
                .add_households(std::mem::take(&mut batch))
                .expect("valid generated households");
        }
    }
    community
}

fn pinyin_of(name: &str) -> (String, String) {
    use pinyin::ToPinyin;
    let syllables: Vec<&str> = name.to_pinyin().flatten().map(|p| p.plain()).collect();
    (
        syllables.concat(),
        syllables.iter().filter_map(|s| s.get(..1)).collect(),
    )
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("bench.db");
    let store = Store::create(&path, &DatabaseKey::generate()).expect("new store");
    store
        .upsert_grid(&GridInfo {
            id: Uuid::new_v4(),
            code: "G01".into(),
            name: "第一网格".into(),
            community: "阳光社区".into(),
            subdistrict: "东城街道".into(),
        })
        .expect("grid");
    let started = Instant::now();
    let community = build(&store);
    println!(
        "built {HOUSEHOLDS} households / {} residents in {:.1} s ({} MB on disk)",
        HOUSEHOLDS * RESIDENTS_PER_HOUSEHOLD,
        started.elapsed().as_secs_f64(),
        std::fs::metadata(&path)
            .map(|m| m.len() / 1_000_000)
            .unwrap_or(0)
    );

    let mut kinds: Vec<(&str, Vec<String>)> = vec![
        ("name", vec![]),
        ("full pinyin", vec![]),
        ("initials", vec![]),
        ("surname only", vec![]),
        ("address + door", vec![]),
        ("ID last 4", vec![]),
    ];
    for name in community.names.iter().take(QUERIES_PER_KIND) {
        let (full, initials) = pinyin_of(name);
        kinds[0].1.push(name.clone());
        kinds[1].1.push(full);
        kinds[2].1.push(initials);
        kinds[3]
            .1
            .push(name.chars().next().map(String::from).unwrap_or_default());
    }
    kinds[4].1 = community
        .doors
        .iter()
        .take(QUERIES_PER_KIND)
        .map(|(e, d)| format!("{e} {d}"))
        .collect();
    kinds[5].1 = community
        .id_endings
        .iter()
        .take(QUERIES_PER_KIND)
        .cloned()
        .collect();

    let mut all = Vec::new();
    println!(
        "{:<16} {:>8} {:>9} {:>9} {:>9} {:>10}",
        "query kind", "queries", "p50 ms", "p95 ms", "p99 ms", "avg hits"
    );
    for (kind, queries) in &kinds {
        let mut times = Vec::with_capacity(queries.len());
        let mut hits = 0usize;
        for q in queries {
            let t = Instant::now();
            let found = store
                .search_households(q, doorstep_core::search::DEFAULT_LIMIT)
                .expect("search");
            times.push(t.elapsed());
            assert!(
                !found.is_empty(),
                "a query taken from the data finds something"
            );
            hits += found.len();
        }
        times.sort();
        println!(
            "{:<16} {:>8} {:>9.3} {:>9.3} {:>9.3} {:>10.1}",
            kind,
            times.len(),
            percentile(&times, 0.50),
            percentile(&times, 0.95),
            percentile(&times, 0.99),
            hits as f64 / times.len() as f64
        );
        all.extend(times);
    }
    all.sort();
    println!(
        "ALL search latency over {} queries: p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms (target p95 < 5 ms)",
        all.len(),
        percentile(&all, 0.50),
        percentile(&all, 0.95),
        percentile(&all, 0.99)
    );
}
