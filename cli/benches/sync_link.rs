//! A day's work through a weak link: 60 visits with 180 photos of about 400 KB,
//! synced through a loopback proxy shaped to 20 Mbit/s (upload direction).
//!
//! Prints the throughput as a share of the link (target ≥ 90%), then runs the
//! day again on a fresh server and phone with the connection cut once at 80% of
//! the upload, and prints the bytes sent again (target: at most one chunk, 1 MiB).
//!
//! Run: `cargo bench -p doorstep-cli --bench sync_link`.

use doorstep_core::device::Device;
use doorstep_core::evidence::{DoorOutcome, GpsFix, LatLon, Provider};
use doorstep_core::store::{DatabaseKey, OpenMode};
use doorstep_core::sync::protocol::MAX_CHUNK_BYTES;
use doorstep_core::sync::{CancelFlag, Network, SyncOptions};
use doorstep_server::ServerConfig;
use doorstep_server::seed::{SeedOptions, seed_demo};
use serde_json::json;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const VISITS: usize = 60;
const PHOTOS_PER_VISIT: usize = 3;
const LINK_BYTES_PER_SEC: f64 = 20_000_000.0 / 8.0;

/// Counts and shapes client→server bytes; can cut every open connection once.
struct Link {
    addr: SocketAddr,
    forwarded: Arc<AtomicU64>,
    cut_at: Arc<AtomicU64>,
    cut_done: Arc<AtomicBool>,
}

impl Link {
    fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let forwarded = Arc::new(AtomicU64::new(0));
        let cut_at = Arc::new(AtomicU64::new(u64::MAX));
        let cut_done = Arc::new(AtomicBool::new(false));
        let (fwd, cut, done) = (forwarded.clone(), cut_at.clone(), cut_done.clone());
        std::thread::spawn(move || {
            // One token bucket for the whole link, shared by its connections.
            let bucket = Arc::new(std::sync::Mutex::new((Instant::now(), 0.0f64)));
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let (mut from, mut to) = (
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                );
                let (fwd, cut, done, bucket) =
                    (fwd.clone(), cut.clone(), done.clone(), bucket.clone());
                std::thread::spawn(move || {
                    let mut buf = [0u8; 8192];
                    loop {
                        let n = match from.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        // Wait until the link has carried the bytes before these.
                        let wait = {
                            let mut b = bucket.lock().unwrap_or_else(|e| e.into_inner());
                            let now = Instant::now();
                            let start = if b.0 > now { b.0 } else { now };
                            b.0 = start + Duration::from_secs_f64(n as f64 / LINK_BYTES_PER_SEC);
                            b.0.saturating_duration_since(now)
                        };
                        std::thread::sleep(wait);
                        let total = fwd.fetch_add(n as u64, Ordering::SeqCst) + n as u64;
                        if total >= cut.load(Ordering::SeqCst) && !done.swap(true, Ordering::SeqCst)
                        {
                            break; // the cut: this connection dies mid-request
                        }
                        if to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = from.shutdown(Shutdown::Both);
                    let _ = to.shutdown(Shutdown::Both);
                });
                let (mut from, mut to) = (server, client);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(Shutdown::Both);
                });
            }
        });
        Self {
            addr,
            forwarded,
            cut_at,
            cut_done,
        }
    }
}

/// A photo-like camera JPEG (the pipeline stores it at roughly 300 KB).
fn camera_jpeg(seed: usize) -> Vec<u8> {
    doorstep_core::evidence::synthetic::camera_jpeg(seed as u64, 2000, 1500)
}

struct Day {
    _dir: tempfile::TempDir,
    device: Device,
    payload: u64,
}

/// A fresh server and a phone with a day's finalized visits, not yet synced.
fn prepare(
    rt: &tokio::runtime::Runtime,
    photos: &[Vec<u8>],
) -> (doorstep_server::RunningServer, Day) {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = rt
        .block_on(doorstep_server::start(ServerConfig::ephemeral(
            dir.path().join("server"),
        )))
        .expect("server");
    rt.block_on(seed_demo(server.storage().as_ref(), &SeedOptions::demo()))
        .expect("seed");
    let device = Device::open(
        &dir.path().join("phone.db"),
        &DatabaseKey::generate(),
        OpenMode::CreateNew,
    )
    .expect("device");
    let mut day = Day {
        _dir: dir,
        device,
        payload: 0,
    };
    {
        let url = server.url();
        rt.block_on(day.device.login(&url, "worker1", "doorstep-demo", "bench"))
            .expect("login");
        rt.block_on(day.device.pull(&CancelFlag::new()))
            .expect("pull");
        let households = day.device.store().list_households().expect("households");
        for k in 0..VISITS {
            let visit = day
                .device
                .start_visit(households[k % households.len()].id, "hazard_inspection")
                .expect("start");
            let answers = json!({"household_id": "x", "respondent": "王秀英", "visit_date": "2026-11-20",
                                     "hazard_found": "no", "outcome": "no_hazard"});
            day.device.set_answers(visit.id, &answers).expect("answers");
            let fix = GpsFix {
                position: LatLon {
                    lat: 30.657,
                    lon: 104.081,
                },
                accuracy_m: 8.0,
                altitude_m: None,
                fix_time: chrono::Utc::now(),
                provider: Provider::Gps,
                is_mock: false,
                satellites: None,
                monotonic_age: None,
            };
            day.device
                .door_check(visit.id, Some(fix), DoorOutcome::Met)
                .expect("door");
            for p in 0..PHOTOS_PER_VISIT {
                let photo = day
                    .device
                    .add_photo(visit.id, "photos", &photos[k * PHOTOS_PER_VISIT + p])
                    .expect("photo");
                day.payload += photo.bytes;
            }
            day.device.finalize(visit.id).expect("finalize");
        }
    }
    (server, day)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    eprintln!("generating {} camera photos…", VISITS * PHOTOS_PER_VISIT);
    let photos: Vec<Vec<u8>> = (0..VISITS * PHOTOS_PER_VISIT).map(camera_jpeg).collect();
    let options = SyncOptions {
        network: Network::Wifi,
        photos_on_cellular: false,
        retry_now: true,
    };

    // 1. The whole day through the shaped link.
    let (server, day) = prepare(&rt, &photos);
    let link = Link::start(server.addr());
    let via = format!("http://{}", link.addr);
    rt.block_on(day.device.login(&via, "worker1", "doorstep-demo", "bench"))
        .expect("login");
    let before = link.forwarded.load(Ordering::SeqCst);
    let started = Instant::now();
    let report = rt
        .block_on(day.device.sync(options, &|_| {}, &CancelFlag::new()))
        .expect("sync");
    let elapsed = started.elapsed().as_secs_f64();
    let sent = link.forwarded.load(Ordering::SeqCst) - before;
    assert_eq!(report.pending, 0, "everything went");
    let share = day.payload as f64 / elapsed / LINK_BYTES_PER_SEC;
    println!(
        "day's work: {VISITS} visits, {} photos, {:.1} MB of photos; {:.1} MB on the wire in {:.1} s",
        VISITS * PHOTOS_PER_VISIT,
        day.payload as f64 / 1e6,
        sent as f64 / 1e6,
        elapsed
    );
    println!(
        "throughput: {:.2} MB/s of photo payload on a {:.2} MB/s link = {:.1}% of the link (target >= 90%)",
        day.payload as f64 / elapsed / 1e6,
        LINK_BYTES_PER_SEC / 1e6,
        share * 100.0
    );
    rt.block_on(server.shutdown()).expect("shutdown");
    let clean_bytes = sent;

    // 2. The same day, with the connection cut once at 80% of the upload.
    let (server, day) = prepare(&rt, &photos);
    let link = Link::start(server.addr());
    let via = format!("http://{}", link.addr);
    rt.block_on(day.device.login(&via, "worker1", "doorstep-demo", "bench"))
        .expect("login");
    let before = link.forwarded.load(Ordering::SeqCst);
    link.cut_at
        .store(before + clean_bytes * 8 / 10, Ordering::SeqCst);
    let mut runs = 0;
    loop {
        runs += 1;
        let result = rt.block_on(day.device.sync(options, &|_| {}, &CancelFlag::new()));
        if let Ok(report) = result
            && report.pending == 0
        {
            break;
        }
        assert!(runs < 10, "the day did not get through after the cut");
    }
    assert!(link.cut_done.load(Ordering::SeqCst), "the cut happened");
    let sent = link.forwarded.load(Ordering::SeqCst) - before;
    let resent = sent.saturating_sub(clean_bytes);
    println!(
        "cut at 80%: {runs} sync runs; {:.1} KB sent again beyond the clean run (one chunk = {} KB; target <= one chunk)",
        resent as f64 / 1e3,
        MAX_CHUNK_BYTES / 1024
    );
    rt.block_on(server.shutdown()).expect("shutdown");
}
