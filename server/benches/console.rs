//! The supervisor console at scale: loads a million visits (3 communities of
//! 10 grids, a worker per grid, 250 households per grid, six visit kinds, four
//! statuses, some anomalies and photos, a year of dates), then times renders
//! of the review queue's first page (no filter; a grid and status filter) and
//! of the dashboard through the real HTTP handlers on a loopback server,
//! signed in as one community's supervisor. Prints p50/p95/p99 per page; the
//! issue's target is p95 < 100 ms on both backends.
//!
//! Visits go in through SQL in bulk (one transaction on SQLite, batches of
//! `unnest` arrays on PostgreSQL); the tables derived from visits at ingest
//! are then filled with the storage's own `FILL_DERIVED`.
//!
//! ```text
//! cargo bench -p doorstep-server --bench console                  # SQLite
//! cargo bench -p doorstep-server --bench console -- --postgres URL  # and PostgreSQL
//! DOORSTEP_BENCH_VISITS=2000 cargo bench -p doorstep-server --bench console -- --test
//! ```
//!
//! `DOORSTEP_BENCH_VISITS` sets the visit count (default 1,000,000),
//! `DOORSTEP_BENCH_RUNS` the renders per page (default 50),
//! `DOORSTEP_BENCH_KEEP` a directory to keep the SQLite database in (to
//! inspect query plans). PostgreSQL is
//! also used when `DOORSTEP_TEST_POSTGRES_URL` is set. `--test` is the smoke
//! mode: 2,000 visits unless told otherwise, 5 renders, and checks that every
//! page answered and the counts add up.

use std::time::{Duration, Instant};

use chrono::{NaiveDate, SecondsFormat, Utc};
use doorstep_core::domain::{Community, Grid, ResidentTag, Subdistrict};
use doorstep_core::sync::protocol::{HouseholdRecord, ResidentRecord, Role};
use doorstep_server::storage::{NewUser, Storage};
use doorstep_server::{RunningServer, ServerConfig, start};
use reqwest::header::{COOKIE, SET_COOKIE};
use uuid::Uuid;

const PASSWORD: &str = "bench-password";
const COMMUNITIES: usize = 3;
const GRIDS: usize = 10;
const HOUSEHOLDS_PER_GRID: usize = 250;
const KINDS: [&str; 6] = [
    "elder_alone_visit",
    "dibao_review",
    "migrant_registration",
    "rental_inspection",
    "disabled_person_visit",
    "temp_assistance",
];
const FLAGS: [&str; 6] = [
    "[\"too_fast\"]",
    "[\"no_door_check\"]",
    "[\"door:outside\"]",
    "[\"form_invalid\",\"form:required@respondent\"]",
    "[\"failed_attempts\"]",
    "[\"door:low_accuracy\"]",
];
const TAGS: [&str; 5] = ["dibao", "migrant", "rental_unit", "disabled", "elder_alone"];

/// A small deterministic generator (SplitMix64).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn uuid(&mut self) -> Uuid {
        Uuid::from_u128((u128::from(self.next()) << 64) | u128::from(self.next()))
    }
}

/// A household of the load: its id, grid and the grid's worker.
#[derive(Clone, Copy)]
struct Home {
    id: Uuid,
    grid: Uuid,
    worker: Uuid,
}

/// One generated visit row, as stored.
struct Row {
    id: String,
    template: &'static str,
    household: String,
    grid: String,
    worker: String,
    finalized: String,
    status: &'static str,
    flags: &'static str,
    photos: String,
}

struct Loaded {
    server: RunningServer,
    /// A grid of the first community, for the filtered queue.
    grid: Uuid,
    _dir: tempfile::TempDir,
}

/// The administrative tree, users and households, through the storage API.
async fn seed(storage: &dyn Storage, g: &mut Gen) -> (Vec<Home>, Uuid) {
    let hash = doorstep_server::auth::hash_password(PASSWORD).expect("hash");
    let sub = Subdistrict {
        id: g.uuid(),
        name: "春熙路街道".into(),
    };
    storage.add_subdistrict(&sub).await.expect("subdistrict");
    let mut homes = Vec::new();
    let mut first_grid = Uuid::nil();
    let since = NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
    for c in 0..COMMUNITIES {
        let community = Community {
            id: g.uuid(),
            subdistrict_id: sub.id,
            name: format!("社区{}", c + 1),
        };
        storage.add_community(&community).await.expect("community");
        storage
            .create_user(&NewUser {
                username: format!("supervisor{}", c + 1),
                display_name: format!("督导员{}", c + 1),
                role: Role::Supervisor,
                password_hash: hash.clone(),
                community_id: Some(community.id),
                grid_ids: vec![],
            })
            .await
            .expect("supervisor");
        for n in 0..GRIDS {
            let grid = Grid {
                id: g.uuid(),
                community_id: community.id,
                code: format!("C{}-{:02}", c + 1, n + 1),
                name: format!("社区{}第{}网格", c + 1, n + 1),
            };
            storage.add_grid(&grid).await.expect("grid");
            if c == 0 && n == 0 {
                first_grid = grid.id;
            }
            let worker = storage
                .create_user(&NewUser {
                    username: format!("worker{}-{}", c + 1, n + 1),
                    display_name: format!("网格员{}-{}", c + 1, n + 1),
                    role: Role::Worker,
                    password_hash: hash.clone(),
                    community_id: None,
                    grid_ids: vec![grid.id],
                })
                .await
                .expect("worker");
            for k in 0..HOUSEHOLDS_PER_GRID {
                // Half the households hold one category tag, so some visits are due.
                let tags = if g.below(2) == 0 {
                    vec![ResidentTag {
                        code: TAGS[usize::try_from(g.below(TAGS.len() as u64)).unwrap_or(0)]
                            .to_owned(),
                        start: since,
                        end: None,
                        attributes: Default::default(),
                    }]
                } else {
                    vec![]
                };
                let h = HouseholdRecord {
                    id: g.uuid(),
                    code: format!("C{}{:02}-{k:04}", c + 1, n + 1),
                    grid_id: grid.id,
                    estate: "和平小区".into(),
                    building: Some(format!("{}栋", 1 + k % 12)),
                    unit: None,
                    door: Some(format!("{}", 101 + k)),
                    lat: Some(30.657),
                    lon: Some(104.081),
                    location_confirmed: true,
                    residence_type: "registered".into(),
                    landlord_name: None,
                    landlord_phone: None,
                    notes: String::new(),
                    version: 1,
                    residents: vec![ResidentRecord {
                        id: g.uuid(),
                        name: "王秀英".into(),
                        id_number: None,
                        phone: None,
                        relation: "head".into(),
                        tags,
                    }],
                    due: vec![],
                    past_visits: Vec::new(),
                };
                storage.upsert_household(&h).await.expect("household");
                homes.push(Home {
                    id: h.id,
                    grid: grid.id,
                    worker,
                });
            }
        }
    }
    (homes, first_grid)
}

/// The next visit: a spread over households, kinds, statuses, anomalies and a year.
fn row(g: &mut Gen, homes: &[Home], now: chrono::DateTime<Utc>) -> Row {
    let home = homes[usize::try_from(g.below(homes.len() as u64)).unwrap_or(0)];
    let status = match g.below(100) {
        0..70 => "approved",
        70..85 => "uploaded",
        85..93 => "returned",
        _ => "rejected",
    };
    let flags = if g.below(100) < 15 {
        FLAGS[usize::try_from(g.below(FLAGS.len() as u64)).unwrap_or(0)]
    } else {
        "[]"
    };
    let finalized =
        now - chrono::Duration::seconds(i64::try_from(g.below(365 * 86_400)).unwrap_or(0));
    // One photo per visit; one in a thousand reuses an earlier-looking hash.
    let sha = if g.below(1000) == 0 {
        format!("{:064x}", g.below(500))
    } else {
        format!("{:032x}{:032x}", g.next(), g.next())
    };
    Row {
        id: g.uuid().to_string(),
        template: KINDS[usize::try_from(g.below(KINDS.len() as u64)).unwrap_or(0)],
        household: home.id.to_string(),
        grid: home.grid.to_string(),
        worker: home.worker.to_string(),
        finalized: finalized.to_rfc3339_opts(SecondsFormat::Micros, true),
        status,
        flags,
        photos: format!(
            "[{{\"sha256\":\"{sha}\",\"bytes\":180000,\"width\":1600,\"height\":1200,\"field\":\"photos\"}}]"
        ),
    }
}

const ANSWERS: &str = "{\"respondent\":\"王秀英\",\"outcome\":\"well\"}";

fn load_sqlite(path: &std::path::Path, homes: &[Home], visits: usize) {
    let mut conn = rusqlite::Connection::open(path).expect("open");
    conn.busy_timeout(Duration::from_secs(60)).expect("timeout");
    let tx = conn.transaction().expect("tx");
    {
        let mut stmt = tx
            .prepare(
                "INSERT INTO visits (id, visit_group, revision, template_id, template_version,
                    household_id, grid_id, worker_id, started_utc, started_offset, finalized_utc,
                    finalized_offset, answers, photos, flags, status, op_id, received_at, door_outcome)
                 VALUES (?1, ?1, 1, ?2, 1, ?3, ?4, ?5, ?6, 28800, ?6, 28800, ?7, ?8, ?9, ?10, ?1, ?6, 'met')",
            )
            .expect("prepare");
        let mut g = Gen(7);
        let now = Utc::now();
        for _ in 0..visits {
            let r = row(&mut g, homes, now);
            stmt.execute(rusqlite::params![
                r.id,
                r.template,
                r.household,
                r.grid,
                r.worker,
                r.finalized,
                ANSWERS,
                r.photos,
                r.flags,
                r.status
            ])
            .expect("insert");
        }
    }
    tx.execute_batch(doorstep_server::storage::sqlite::FILL_DERIVED)
        .expect("derived tables");
    tx.commit().expect("commit");
}

async fn load_postgres(url: &str, homes: &[Home], visits: usize) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    let mut g = Gen(7);
    let now = Utc::now();
    let mut left = visits;
    while left > 0 {
        let n = left.min(5_000);
        left -= n;
        let rows: Vec<Row> = (0..n).map(|_| row(&mut g, homes, now)).collect();
        let col = |f: &dyn Fn(&Row) -> String| rows.iter().map(f).collect::<Vec<String>>();
        client
            .execute(
                "INSERT INTO visits (id, visit_group, revision, template_id, template_version,
                    household_id, grid_id, worker_id, started_utc, started_offset, finalized_utc,
                    finalized_offset, answers, photos, flags, status, op_id, received_at, door_outcome)
                 SELECT id, id, 1, t, 1, h, g, w, f, 28800, f, 28800, $9, p, fl, s, id, f, 'met'
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                             $7::text[], $8::text[], $10::text[]) AS x(id, t, h, g, w, f, p, fl, s)",
                &[
                    &col(&|r| r.id.clone()),
                    &col(&|r| r.template.to_owned()),
                    &col(&|r| r.household.clone()),
                    &col(&|r| r.grid.clone()),
                    &col(&|r| r.worker.clone()),
                    &col(&|r| r.finalized.clone()),
                    &col(&|r| r.photos.clone()),
                    &col(&|r| r.flags.to_owned()),
                    &ANSWERS,
                    &col(&|r| r.status.to_owned()),
                ],
            )
            .await
            .expect("insert");
    }
    client
        .batch_execute(doorstep_server::storage::postgres::FILL_DERIVED)
        .await
        .expect("derived tables");
    client
        .batch_execute("VACUUM ANALYZE")
        .await
        .expect("vacuum");
}

/// A fresh schema of the PostgreSQL database at `base`, as a URL.
async fn fresh_schema(base: &str) -> String {
    let (client, connection) = tokio_postgres::connect(base, tokio_postgres::NoTls)
        .await
        .expect("connect to PostgreSQL");
    tokio::spawn(connection);
    let schema = format!("bench_{}", Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .expect("schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{schema}")
}

async fn load(postgres: Option<&str>, visits: usize) -> Loaded {
    let dir = match std::env::var_os("DOORSTEP_BENCH_KEEP") {
        Some(parent) => tempfile::Builder::new()
            .prefix("console-bench-")
            .disable_cleanup(true)
            .tempdir_in(parent)
            .expect("dir"),
        None => tempfile::tempdir().expect("dir"),
    };
    let mut config = ServerConfig::ephemeral(dir.path());
    let url = match postgres {
        Some(base) => Some(fresh_schema(base).await),
        None => None,
    };
    config.database_url = url.clone();
    let server = start(config).await.expect("server");
    let mut g = Gen(42);
    let (homes, grid) = seed(server.storage().as_ref(), &mut g).await;
    match &url {
        Some(url) => load_postgres(url, &homes, visits).await,
        None => {
            let path = dir.path().join("doorstep.db");
            let homes = homes.clone();
            tokio::task::spawn_blocking(move || load_sqlite(&path, &homes, visits))
                .await
                .expect("load");
        }
    }
    Loaded {
        server,
        grid,
        _dir: dir,
    }
}

fn cookies(r: &reqwest::Response) -> String {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A console session cookie of `supervisor1`.
async fn sign_in(http: &reqwest::Client, base: &str) -> String {
    let form = http
        .get(format!("{base}/console/login"))
        .send()
        .await
        .expect("form");
    let pre = cookies(&form);
    let body = form.text().await.expect("body");
    let marker = "name=\"csrf\" value=\"";
    let at = body.find(marker).expect("csrf") + marker.len();
    let csrf: String = body[at..].split('"').next().expect("csrf").to_owned();
    let enc: String = csrf
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let r = http
        .post(format!("{base}/console/login"))
        .header(COOKIE, pre)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf={enc}&username=supervisor1&password={PASSWORD}"
        ))
        .send()
        .await
        .expect("login");
    assert!(r.status().is_redirection(), "login: {}", r.status());
    cookies(&r)
}

/// Renders `path` `runs` times (after two warm-ups); the sorted times and the last body.
async fn measure(
    http: &reqwest::Client,
    base: &str,
    cookie: &str,
    path: &str,
    runs: usize,
) -> (Vec<Duration>, String) {
    let mut times = Vec::with_capacity(runs);
    let mut body = String::new();
    for i in 0..runs + 2 {
        let t = Instant::now();
        let r = http
            .get(format!("{base}{path}"))
            .header(COOKIE, cookie)
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), reqwest::StatusCode::OK, "{path}");
        body = r.text().await.expect("body");
        if i >= 2 {
            times.push(t.elapsed());
        }
    }
    times.sort();
    (times, body)
}

fn pct(times: &[Duration], p: f64) -> f64 {
    let i = ((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1;
    times[i].as_secs_f64() * 1000.0
}

async fn run(backend: &str, postgres: Option<&str>, visits: usize, runs: usize, smoke: bool) {
    let t = Instant::now();
    let loaded = load(postgres, visits).await;
    let count = loaded.server.storage().visit_count().await.expect("count");
    assert_eq!(count, visits as u64, "every visit loaded");
    eprintln!(
        "{backend}: {visits} visits loaded in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let base = loaded.server.url();
    let cookie = sign_in(&http, &base).await;
    let pages = [
        ("queue, first page", "/console/queue".to_owned()),
        (
            "queue, grid + status",
            format!("/console/queue?grid={}&status=uploaded", loaded.grid),
        ),
        ("dashboard", "/console".to_owned()),
    ];
    for (name, path) in &pages {
        let (times, body) = measure(&http, &base, &cookie, path, runs).await;
        println!(
            "| {backend:<10} | {visits:>9} | {name:<22} | {:>7.1} | {:>7.1} | {:>7.1} |",
            pct(&times, 0.50),
            pct(&times, 0.95),
            pct(&times, 0.99)
        );
        if smoke {
            assert!(body.contains("</html>"), "{name}: a whole page");
            if path.starts_with("/console/queue") {
                assert!(body.contains("/console/visits/"), "{name}: rows listed");
            } else {
                assert!(body.contains("data-grid="), "dashboard: per-grid rows");
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let smoke = args.iter().any(|a| a == "--test");
    let env_number = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
    };
    let visits =
        env_number("DOORSTEP_BENCH_VISITS").unwrap_or(if smoke { 2_000 } else { 1_000_000 });
    let runs = env_number("DOORSTEP_BENCH_RUNS").unwrap_or(if smoke { 5 } else { 50 });
    let postgres = args
        .iter()
        .position(|a| a == "--postgres")
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| {
            std::env::var("DOORSTEP_TEST_POSTGRES_URL")
                .ok()
                .filter(|u| !u.is_empty())
        });
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        println!(
            "| backend    |    visits | page                   | p50 ms  | p95 ms  | p99 ms  |"
        );
        println!(
            "|------------|-----------|------------------------|---------|---------|---------|"
        );
        run("SQLite", None, visits, runs, smoke).await;
        if let Some(url) = &postgres {
            run("PostgreSQL", Some(url), visits, runs, smoke).await;
        }
    });
}
