//! A demo community to sync against: users, one subdistrict and community with
//! a few grids, and households with residents and category tags, with
//! realistic Chinese names and addresses. The built-in templates are
//! published by [`crate::start`] itself.
//!
//! Generation is deterministic (a fixed-seed generator), so two demo runs show
//! the same households. Seeding an already seeded database changes nothing.
//! Identity numbers carry valid check digits but are invented.

use std::collections::BTreeMap;

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use doorstep_model::{Community, Grid, ResidentTag, Subdistrict};
use doorstep_protocol::{HouseholdRecord, ResidentRecord, Role};
use uuid::Uuid;

use crate::auth::hash_password;
use crate::storage::{NewUser, Storage};

/// What to create.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    /// The password of every seeded user.
    pub password: String,
    /// Grids in the community; one worker (`worker1`, `worker2`, …) per grid.
    pub grids: usize,
    /// Households in each grid.
    pub households_per_grid: usize,
}

impl SeedOptions {
    /// The demo: password `doorstep-demo`, 3 grids of 100 households.
    pub fn demo() -> Self {
        Self {
            password: "doorstep-demo".to_owned(),
            grids: 3,
            households_per_grid: 100,
        }
    }
}

/// A seeded user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededUser {
    pub username: String,
    pub id: Uuid,
    pub role: Role,
    /// The grids a worker is assigned (empty for others).
    pub grid_ids: Vec<Uuid>,
}

/// What [`seed_demo`] created.
#[derive(Debug, Clone, Default)]
pub struct SeedSummary {
    /// False when the database was already seeded (then the rest is empty).
    pub created: bool,
    pub subdistrict_id: Option<Uuid>,
    pub community_id: Option<Uuid>,
    pub grid_ids: Vec<Uuid>,
    /// `admin`, `supervisor`, `worker1` … in that order.
    pub users: Vec<SeededUser>,
    /// Household ids per grid, in grid order.
    pub households: Vec<Vec<Uuid>>,
}

impl SeedSummary {
    /// The seeded user with this username.
    pub fn user(&self, username: &str) -> Option<&SeededUser> {
        self.users.iter().find(|u| u.username == username)
    }
}

/// SplitMix64: small, fixed-seed, good enough for made-up data.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn uuid(&mut self) -> Uuid {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "邓", "冯", "韩", "曹",
];
const GIVEN_MALE: &[&str] = &[
    "建国", "志强", "伟", "军", "勇", "磊", "洋", "俊杰", "浩然", "子轩", "德明", "国华", "文斌",
    "明", "永福", "海涛", "宇航", "家豪",
];
const GIVEN_FEMALE: &[&str] = &[
    "秀英", "桂兰", "丽", "静", "敏", "燕", "艳", "娟", "晓红", "玉梅", "淑珍", "雨涵", "欣怡",
    "婷", "春梅", "慧", "佳怡", "梓涵",
];
const ESTATES: &[&str] = &[
    "和平里小区",
    "锦绣花园",
    "翠竹苑",
    "东风路12号院",
    "红星小区",
    "梧桐雅苑",
    "滨江花城",
    "春熙家园",
    "玉林北路3号院",
    "光华苑",
];
const ORIGINS: &[&str] = &[
    "四川南充",
    "四川达州",
    "重庆万州",
    "贵州遵义",
    "云南昭通",
    "甘肃天水",
];

fn person_name(g: &mut Gen, surname: &str, male: bool) -> String {
    let given = if male {
        g.pick(GIVEN_MALE)
    } else {
        g.pick(GIVEN_FEMALE)
    };
    format!("{surname}{given}")
}

/// An invented but well-formed 18-digit identity number (GB 11643 check digit).
fn id_number(g: &mut Gen, birth: NaiveDate, male: bool) -> String {
    let serial = g.below(500) * 2 + usize::from(male);
    let body = format!("510104{}{:03}", birth.format("%Y%m%d"), serial);
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

fn phone(g: &mut Gen) -> String {
    let prefix = g.pick(&[
        "138", "139", "135", "136", "158", "159", "187", "189", "133", "177",
    ]);
    format!("{prefix}{:08}", g.next() % 100_000_000)
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    // Months and days come from small ranges below, always valid.
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

fn tag(code: &str, start: NaiveDate, attributes: &[(&str, &str)]) -> ResidentTag {
    ResidentTag {
        code: code.to_owned(),
        start,
        end: None,
        attributes: attributes
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn household(g: &mut Gen, grid_id: Uuid, grid_no: usize, n: usize) -> HouseholdRecord {
    let estate = ESTATES[(grid_no * 3 + n % 3) % ESTATES.len()];
    let building = format!("{}栋", 1 + g.below(12));
    let unit = format!("{}单元", 1 + g.below(3));
    let door = format!("{}{:02}", 1 + g.below(18), 1 + g.below(4));
    let (base_lat, base_lon) = (
        30.6570 + grid_no as f64 * 0.006,
        104.0810 + grid_no as f64 * 0.005,
    );
    let located = !g.chance(10);
    let jitter = |g: &mut Gen| (g.below(4000) as f64 - 2000.0) / 1_000_000.0;
    let (lat, lon) = if located {
        (Some(base_lat + jitter(g)), Some(base_lon + jitter(g)))
    } else {
        (None, None)
    };
    let migrant = g.chance(12);
    let surname = *g.pick(SURNAMES);
    let head_male = g.chance(60);
    let this_year = 2026;
    let elder_alone = !migrant && g.chance(8);
    let head_age = if elder_alone {
        72 + g.below(18)
    } else {
        28 + g.below(50)
    } as i32;
    let head_birth = date(
        this_year - head_age,
        1 + g.below(12) as u32,
        1 + g.below(28) as u32,
    );
    let mut residents = Vec::new();
    let mut head_tags = Vec::new();
    let since = date(2019 + g.below(6) as i32, 1 + g.below(12) as u32, 1);
    if elder_alone {
        head_tags.push(tag("elder_alone", since, &[]));
    }
    if migrant {
        let origin = *g.pick(ORIGINS);
        head_tags.push(tag("migrant", since, &[("origin", origin)]));
    }
    if g.chance(9) {
        head_tags.push(tag("dibao", since, &[("area", "城市")]));
    }
    if g.chance(5) {
        let kind = *g.pick(&["肢体", "视力", "听力", "智力"]);
        let level = *g.pick(&["一级", "二级", "三级", "四级"]);
        head_tags.push(tag("disabled", since, &[("type", kind), ("level", level)]));
    }
    if !elder_alone && g.chance(6) {
        head_tags.push(tag("unemployed", since, &[]));
    }
    if g.chance(3) {
        head_tags.push(tag("military_care", since, &[("kind", "退役军人")]));
    }
    residents.push(ResidentRecord {
        id: g.uuid(),
        name: person_name(g, surname, head_male),
        id_number: Some(id_number(g, head_birth, head_male)),
        phone: Some(phone(g)),
        relation: "head".to_owned(),
        tags: head_tags,
    });
    if !elder_alone {
        if g.chance(75) {
            let spouse_surname = *g.pick(SURNAMES);
            let year = head_birth.year() + g.below(5) as i32 - 2;
            let birth = date(year, 1 + g.below(12) as u32, 1 + g.below(28) as u32);
            residents.push(ResidentRecord {
                id: g.uuid(),
                name: person_name(g, spouse_surname, !head_male),
                id_number: Some(id_number(g, birth, !head_male)),
                phone: g.chance(80).then(|| phone(g)),
                relation: "spouse".to_owned(),
                tags: Vec::new(),
            });
        }
        for _ in 0..g.below(3) {
            let male = g.chance(50);
            let age = 3 + g.below(20) as i32;
            let birth = date(
                this_year - age,
                1 + g.below(12) as u32,
                1 + g.below(28) as u32,
            );
            let mut tags = Vec::new();
            if age < 16 && migrant && g.chance(30) {
                tags.push(tag("left_behind_child", since, &[]));
            }
            residents.push(ResidentRecord {
                id: g.uuid(),
                name: person_name(g, surname, male),
                id_number: Some(id_number(g, birth, male)),
                phone: (age >= 18).then(|| phone(g)),
                relation: "child".to_owned(),
                tags,
            });
        }
    }
    let renting = migrant || g.chance(15);
    HouseholdRecord {
        id: g.uuid(),
        code: format!("HP{:02}-{:04}", grid_no + 1, n + 1),
        grid_id,
        estate: estate.to_owned(),
        building: Some(building),
        unit: Some(unit),
        door: Some(door),
        lat,
        lon,
        location_confirmed: located,
        residence_type: if migrant {
            "migrant"
        } else if g.chance(20) {
            "resident"
        } else {
            "registered"
        }
        .to_owned(),
        landlord_name: renting.then(|| {
            let male = g.chance(50);
            let surname = *g.pick(SURNAMES);
            person_name(g, surname, male)
        }),
        landlord_phone: renting.then(|| phone(g)),
        notes: String::new(),
        version: 1,
        residents,
        due: Vec::new(),
        past_visits: Vec::new(),
    }
}

/// Seeds the demo community into `storage`: users `admin`, `supervisor` and
/// `worker1`…`workerN` (one per grid) with `options.password`, a subdistrict, a
/// community, its grids and their households. Promises: a database that
/// already has an `admin` user is left unchanged (`created: false`).
pub async fn seed_demo(
    storage: &dyn Storage,
    options: &SeedOptions,
) -> anyhow::Result<SeedSummary> {
    if storage.user_by_username("admin").await?.is_some() {
        return Ok(SeedSummary::default());
    }
    let mut g = Gen(0x0D00_25E7_2026);
    let subdistrict = Subdistrict {
        id: g.uuid(),
        name: "春熙路街道".to_owned(),
    };
    storage.add_subdistrict(&subdistrict).await?;
    let community = Community {
        id: g.uuid(),
        subdistrict_id: subdistrict.id,
        name: "和平社区".to_owned(),
    };
    storage.add_community(&community).await?;
    const ORDINALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    let mut grid_ids = Vec::new();
    for i in 0..options.grids {
        let grid = Grid {
            id: g.uuid(),
            community_id: community.id,
            code: format!("HP-{:02}", i + 1),
            name: format!("和平社区第{}网格", ORDINALS.get(i).copied().unwrap_or("十")),
        };
        storage.add_grid(&grid).await?;
        grid_ids.push(grid.id);
    }

    let password = options.password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .context("hashing the demo password")??;
    let user = |username: String,
                display_name: &str,
                role: Role,
                community_id: Option<Uuid>,
                grid_ids: Vec<Uuid>| NewUser {
        username,
        display_name: display_name.to_owned(),
        role,
        // One hash for all: the demo users share their password anyway.
        password_hash: hash.clone(),
        community_id,
        grid_ids,
    };
    let mut people = vec![
        user("admin".into(), "系统管理员", Role::Admin, None, Vec::new()),
        user(
            "supervisor".into(),
            "周慧敏",
            Role::Supervisor,
            Some(community.id),
            Vec::new(),
        ),
    ];
    const WORKER_NAMES: [&str; 6] = ["李晓燕", "陈志强", "刘芳", "赵磊", "黄丽娟", "吴俊杰"];
    for (i, grid) in grid_ids.iter().enumerate() {
        let name = WORKER_NAMES.get(i).copied().unwrap_or("网格员");
        people.push(user(
            format!("worker{}", i + 1),
            name,
            Role::Worker,
            None,
            vec![*grid],
        ));
    }
    let mut users = Vec::new();
    for person in people {
        let id = storage.create_user(&person).await?;
        users.push(SeededUser {
            username: person.username,
            id,
            role: person.role,
            grid_ids: person.grid_ids,
        });
    }

    let mut households = Vec::new();
    for (i, grid) in grid_ids.iter().enumerate() {
        let mut ids = Vec::new();
        for n in 0..options.households_per_grid {
            let h = household(&mut g, *grid, i, n);
            storage.upsert_household(&h).await?;
            ids.push(h.id);
        }
        households.push(ids);
    }
    tracing::info!(
        grids = grid_ids.len(),
        households = options.grids * options.households_per_grid,
        "demo community seeded"
    );
    Ok(SeedSummary {
        created: true,
        subdistrict_id: Some(subdistrict.id),
        community_id: Some(community.id),
        grid_ids,
        users,
        households,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_id_numbers_pass_the_core_check() {
        let mut g = Gen(7);
        for _ in 0..50 {
            let male = g.chance(50);
            let birth = date(
                1950 + g.below(60) as i32,
                1 + g.below(12) as u32,
                1 + g.below(28) as u32,
            );
            let n = id_number(&mut g, birth, male);
            let parsed = doorstep_model::IdNumber::parse(&n);
            assert!(parsed.is_ok(), "seeded ID number refused by the core");
        }
    }

    #[test]
    fn phones_pass_the_core_check() {
        let mut g = Gen(9);
        for _ in 0..50 {
            assert!(doorstep_model::Phone::parse(&phone(&mut g)).is_ok());
        }
    }
}
