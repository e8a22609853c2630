//! `doorstep demo`: a server on embedded SQLite with a seeded community, and
//! simulated grid workers who do a day's visits through the real core — door
//! checks near and far, filled forms, generated photos — and sync them.
//!
//! Each simulated worker is a real device: an encrypted database under
//! `DATA/devices/`, a login, a pull, visits finalized by the core's form
//! engine, and a sync through the outbox, exactly as a phone does it.

use anyhow::Context;
use chrono::NaiveDate;
use clap::Args;
use doorstep_core::device::Device;
use doorstep_core::domain::DeviceInstant;
use doorstep_core::evidence::synthetic::camera_jpeg;
use doorstep_core::evidence::{DoorOutcome, GpsFix, HouseholdLocation, LatLon, Provider};
use doorstep_core::store::households::Disclosure;
use doorstep_core::store::{DatabaseKey, OpenMode};
use doorstep_core::sync::{CancelFlag, Network, SyncOptions};
use doorstep_server::ServerConfig;
use doorstep_server::seed::{SeedOptions, seed_demo};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The password of every demo login.
pub const DEMO_PASSWORD: &str = "doorstep-demo";

#[derive(Args)]
pub struct DemoArgs {
    /// Where the server's database, photos and the simulated phones live.
    #[arg(long, default_value = "target/demo-data")]
    data: PathBuf,
    /// Where the server listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// How many simulated workers do a day's visits (0: none, just the server).
    #[arg(long, default_value_t = 3)]
    workers: usize,
    /// Visits each simulated worker makes.
    #[arg(long, default_value_t = 8)]
    visits: usize,
    /// Stop once the simulated workers have synced, instead of serving until Ctrl-C.
    #[arg(long)]
    exit_after_sync: bool,
    #[command(flatten)]
    tiles: crate::serve_cmd::TileArgs,
}

pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut config = ServerConfig::new(&args.data, args.listen);
        config.map_tiles = args.tiles.source()?;
        let server = doorstep_server::start(config).await?;
        let seeded = seed_demo(server.storage().as_ref(), &SeedOptions::demo()).await?;
        let url = server.url();
        println!(
            "Doorstep demo server: {url}  (health: {url}/healthz, API: {url}/api/openapi.json)"
        );
        if seeded.created {
            println!(
                "Seeded a community: {} grids, {} households.",
                seeded.grid_ids.len(),
                seeded.households.iter().map(Vec::len).sum::<usize>()
            );
        }
        println!("Logins (password {DEMO_PASSWORD}): admin, supervisor, worker1, worker2, worker3");

        let devices = args.data.join("devices");
        std::fs::create_dir_all(&devices)?;
        let mut workers = Vec::new();
        for n in 1..=args.workers.min(3) {
            let (url, devices, visits) = (url.clone(), devices.clone(), args.visits);
            // Each phone runs on its own thread with its own runtime, as phones do.
            workers.push(std::thread::spawn(move || {
                simulate_worker(n, &url, &devices, visits)
            }));
        }
        for worker in workers {
            match worker.join() {
                Ok(Ok(line)) => println!("{line}"),
                Ok(Err(e)) => eprintln!("a simulated worker failed: {e:#}"),
                Err(_) => eprintln!("a simulated worker panicked"),
            }
        }
        if args.exit_after_sync {
            return server.shutdown().await;
        }
        println!("Serving until Ctrl-C.");
        doorstep_server::shutdown_signal().await;
        server.shutdown().await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// One worker's day on a simulated phone; returns a line for the console.
fn simulate_worker(n: usize, url: &str, devices: &Path, visits: usize) -> anyhow::Result<String> {
    let username = format!("worker{n}");
    let db = devices.join(format!("{username}.db"));
    let key_file = devices.join(format!("{username}.key"));
    let key = match std::fs::read_to_string(&key_file) {
        Ok(text) => DatabaseKey::from_hex(&text)?,
        Err(_) => {
            let key = DatabaseKey::generate();
            std::fs::write(&key_file, key.to_hex())?;
            key
        }
    };
    let device = Device::open(&db, &key, OpenMode::OpenOrCreate)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(device.login(url, &username, DEMO_PASSWORD, "demo phone"))?;
    runtime.block_on(device.pull(&CancelFlag::new()))?;

    let households = device.store().list_households()?;
    let already = device
        .store()
        .visits(doorstep_core::store::visits::VisitFilter::All)?
        .len();
    let mut made = 0;
    for (k, summary) in households.iter().skip(already).take(visits).enumerate() {
        let detail = device.store().household(summary.id, Disclosure::Masked)?;
        let elder = detail
            .residents
            .iter()
            .any(|r| r.tags.iter().any(|t| t.code == "elder_alone"));
        let template = if elder {
            "elder_alone_visit"
        } else {
            "hazard_inspection"
        };
        // Begun some minutes ago, as a real visit takes its time (a few
        // implausibly quick ones among them for the supervisor to catch).
        let version = u32::try_from(device.templates().latest(template)?.version())?;
        let worker = device
            .store()
            .session()?
            .context("the demo phone is signed in")?
            .account
            .user_id;
        let now = device.now();
        let started = DeviceInstant {
            utc: now.utc - demo_duration(k, template),
            ..now
        };
        let visit = device
            .store()
            .start_visit_at(summary.id, template, version, worker, started)?;

        let location = device.store().household_location(summary.id)?;
        let (fix, outcome) = demo_fix(k, location, now.utc);
        device.door_check(visit.id, Some(fix), outcome)?;
        let answers = demo_answers(
            template,
            &detail.summary.code,
            &summary.head,
            k,
            device.today(),
        );
        device.set_answers(visit.id, &answers)?;
        // Adding a photo also answers its field.
        device.add_photo(
            visit.id,
            "photos",
            &camera_jpeg((n * 100 + k) as u64, 1600, 1200),
        )?;
        if answers["hazard_found"] == "yes" {
            device.add_photo(
                visit.id,
                "hazard_photos",
                &camera_jpeg((n * 100 + k + 50) as u64, 1600, 1200),
            )?;
        }
        device
            .finalize(visit.id)
            .with_context(|| format!("finalizing a {template} visit"))?;
        made += 1;
    }
    let options = SyncOptions {
        network: Network::Wifi,
        photos_on_cellular: false,
        retry_now: true,
    };
    let report = runtime.block_on(device.sync(options, &|_| {}, &CancelFlag::new()))?;
    Ok(format!(
        "{username}: {made} visits made; synced {} items, {} pending, {} set aside",
        report.uploaded, report.pending, report.set_aside
    ))
}

/// How long visit `k` of a simulated worker's day took: 12 to 26 minutes
/// with an elder living alone, 8 to 15 for a hazard check; every seventh
/// one is over in 40 seconds, implausibly fast.
fn demo_duration(k: usize, template: &str) -> chrono::Duration {
    if k % 7 == 3 {
        return chrono::Duration::seconds(40);
    }
    let minutes = match template {
        "elder_alone_visit" => 12 + (k * 5) % 15,
        _ => 8 + (k * 3) % 8,
    };
    chrono::Duration::minutes(i64::try_from(minutes).unwrap_or(10))
        + chrono::Duration::seconds(i64::try_from((k * 17) % 60).unwrap_or(0))
}

/// A GPS fix at the door taken `now` — or, now and then, 300 m down the
/// road, or mocked.
fn demo_fix(
    k: usize,
    location: HouseholdLocation,
    now: chrono::DateTime<chrono::Utc>,
) -> (GpsFix, DoorOutcome) {
    let door = match location {
        HouseholdLocation::Registered { position }
        | HouseholdLocation::PendingProposal { position } => position,
        HouseholdLocation::Unknown => LatLon {
            lat: 30.6600,
            lon: 104.0850,
        },
    };
    let (dlat, accuracy) = match k % 6 {
        4 => (0.0027, 9.0), // about 300 m away: outside the geofence
        _ => (0.00006 * (k % 3) as f64, 6.0 + (k % 4) as f64),
    };
    let fix = GpsFix {
        position: LatLon {
            lat: door.lat + dlat,
            lon: door.lon + 0.00004,
        },
        accuracy_m: accuracy,
        altitude_m: Some(505.0),
        fix_time: now,
        provider: Provider::Gps,
        is_mock: k % 9 == 7,
        satellites: Some(11),
        monotonic_age: None,
    };
    let outcome = if k % 7 == 5 {
        DoorOutcome::NobodyHome
    } else {
        DoorOutcome::Met
    };
    (fix, outcome)
}

/// Filled answers for the demo's two templates, as a worker would give them
/// on `today`.
fn demo_answers(template: &str, code: &str, head: &str, k: usize, today: NaiveDate) -> Value {
    let mut answers = json!({
        "household_id": code,
        "respondent": head,
        "visit_date": today.to_string(),
    });
    let health = ["good", "fair", "poor"][k % 3];
    let illness: &[&str] = [
        &["none"][..],
        &["hypertension"],
        &["diabetes", "hypertension"],
    ][k % 3];
    let hazards = [["none"], ["fall_risk"], ["gas"]][k % 3];
    let own = match template {
        "elder_alone_visit" => json!({
            "elder_id": "11010519491231002X",
            "health": health,
            "chronic_illness": illness,
            "home_hazards": hazards,
            "emergency_contact": "女儿",
            "emergency_phone": "13912345678",
            "care_given": ["emotional_support", "cleaning"],
            "follow_up": "no",
            "outcome": "well",
        }),
        _ if k % 5 == 3 => json!({
            "hazard_found": "yes",
            "hazard_type": "electrical",
            "hazard_description": "楼道私拉电线为电动车充电",
            "severity": "major",
            "notice_number": format!("整改〔2026〕{:03}号", 100 + k),
            "deadline": (today + chrono::Days::new(14)).to_string(),
            "outcome": "notice_issued",
        }),
        _ => json!({ "hazard_found": "no", "outcome": "no_hazard" }),
    };
    if let (Some(base), Some(own)) = (answers.as_object_mut(), own.as_object()) {
        base.extend(own.clone());
    }
    answers
}

#[cfg(test)]
mod tests {
    use super::*;
    use doorstep_server::anomalies::min_duration;

    #[test]
    fn a_demo_day_has_realistic_visits_and_a_few_implausibly_quick_ones() {
        for template in ["elder_alone_visit", "hazard_inspection"] {
            let quick = (0..21)
                .filter(|k| demo_duration(*k, template) < min_duration(template))
                .count();
            assert_eq!(quick, 3, "one in seven of {template}");
            assert!(
                (0..21).all(|k| demo_duration(k, template) <= chrono::Duration::minutes(30)),
                "nobody stays half an hour"
            );
        }
    }
}
