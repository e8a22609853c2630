//! Server ingest on SQLite: visits per second, each with its door check and
//! form validation, pushed in batches of 200 by several devices at once over
//! loopback HTTP. Prints the figure; the target is ≥ 5,000 visits/s on
//! a 2-core machine.
//!
//! `cargo bench -p doorstep-server --bench ingest` (add `--profile dev` for a
//! quick run with optimized dependencies). `DOORSTEP_BENCH_BATCHES` sets the
//! batches per device (default 10).

use std::time::Instant;

use chrono::{DateTime, Utc};
use doorstep_core::domain::DeviceInstant;
use doorstep_core::evidence::{
    DoorCheckInput, DoorCheckPolicy, DoorOutcome, GpsFix, HouseholdLocation, LatLon, Provider,
    check_door,
};
use doorstep_core::sync::protocol::{
    DoorCheckRecord, HouseholdRecord, Operation, OperationBody, OperationOutcome, PushResponse,
    VisitSubmission,
};
use doorstep_server::seed::{SeedOptions, seed_demo};
use doorstep_server::{ServerConfig, start};
use serde_json::json;
use uuid::Uuid;

const DEVICES_PER_WORKER: usize = 2;
const BATCH: usize = 200;

fn visit(h: &HouseholdRecord, at: DateTime<Utc>) -> Operation {
    let position = LatLon {
        lat: h.lat.unwrap_or(30.657),
        lon: h.lon.unwrap_or(104.081),
    };
    let input = DoorCheckInput {
        fix: Some(GpsFix {
            position,
            accuracy_m: 8.0,
            altitude_m: None,
            fix_time: at - chrono::Duration::seconds(10),
            provider: Provider::Gps,
            is_mock: false,
            satellites: Some(9),
            monotonic_age: None,
        }),
        checked_at: at,
        outcome: DoorOutcome::Met,
        household: HouseholdLocation::Registered { position },
    };
    let result = check_door(&input, &DoorCheckPolicy::default()).expect("door check");
    let id = Uuid::new_v4();
    Operation {
        op_id: Uuid::new_v4(),
        body: OperationBody::SubmitVisit {
            visit: VisitSubmission {
                visit_id: id,
                visit_group: id,
                revision: 1,
                template_id: "elder_alone_visit".into(),
                template_version: 1,
                household_id: h.id,
                started: DeviceInstant {
                    utc: at - chrono::Duration::minutes(20),
                    offset_seconds: 28_800,
                },
                finalized: DeviceInstant {
                    utc: at,
                    offset_seconds: 28_800,
                },
                answers: json!({
                    "household_id": h.code, "respondent": "王秀英", "visit_date": "2026-11-22",
                    "location": {"lat": position.lat, "lon": position.lon, "accuracy_m": 8.5},
                    "photos": ["photo-0001.jpg"], "elder_id": "330106193809090025", "health": "fair",
                    "chronic_illness": ["hypertension"], "home_hazards": ["fall_risk"],
                    "emergency_contact": "陈建国（侄子）", "emergency_phone": "0571-87654321",
                    "care_given": ["emotional_support"], "follow_up": "no", "outcome": "well"
                }),
                door_check: Some(DoorCheckRecord { input, result }),
                photos: vec![],
            },
        },
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let batches: usize = std::env::var("DOORSTEP_BENCH_BATCHES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let dir = tempfile::tempdir()?;
    let mut config = ServerConfig::ephemeral(dir.path());
    config.limits.requests_per_minute = u32::MAX;
    let server = start(config).await?;
    let seed = seed_demo(
        server.storage().as_ref(),
        &SeedOptions {
            password: "bench".into(),
            grids: 3,
            households_per_grid: 50,
        },
    )
    .await?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let at: DateTime<Utc> = "2026-11-22T02:00:00Z".parse()?;

    // Every device's batches are built before the clock starts.
    let mut devices = Vec::new();
    for (w, households) in seed.households.iter().enumerate() {
        let mut records = Vec::new();
        for id in households {
            records.push(
                server
                    .storage()
                    .household(*id)
                    .await?
                    .expect("seeded household"),
            );
        }
        for _ in 0..DEVICES_PER_WORKER {
            let login: serde_json::Value = http
                .post(format!("{}/api/v1/login", server.url()))
                .json(&json!({"username": format!("worker{}", w + 1), "password": "bench", "device_name": "bench"}))
                .send()
                .await?
                .json()
                .await?;
            let token = login["token"].as_str().expect("token").to_owned();
            let bodies: Vec<Vec<u8>> = (0..batches)
                .map(|b| {
                    let ops: Vec<Operation> = (0..BATCH)
                        .map(|i| visit(&records[(b * BATCH + i) % records.len()], at))
                        .collect();
                    serde_json::to_vec(&json!({ "ops": ops })).expect("JSON")
                })
                .collect();
            devices.push((token, bodies));
        }
    }
    let total = devices.len() * batches * BATCH;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (token, bodies) in devices {
        let http = http.clone();
        let url = format!("{}/api/v1/push", server.url());
        tasks.push(tokio::spawn(async move {
            let mut applied = 0usize;
            for body in bodies {
                let res: PushResponse = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                applied += res
                    .results
                    .iter()
                    .filter(|r| matches!(r.outcome, OperationOutcome::Applied { .. }))
                    .count();
            }
            anyhow::Ok(applied)
        }));
    }
    let mut applied = 0;
    for t in tasks {
        applied += t.await??;
    }
    let secs = started.elapsed().as_secs_f64();
    let stored = server.storage().visit_count().await?;
    println!(
        "ingest: {applied} of {total} visits applied by {} devices in {secs:.2} s = {:.0} visits/s (stored: {stored})",
        seed.households.len() * DEVICES_PER_WORKER,
        applied as f64 / secs
    );
    server.shutdown().await?;
    anyhow::ensure!(
        applied == total && stored as usize == total,
        "not every visit was stored once"
    );
    Ok(())
}
