//! Devices and server end to end: a real server on loopback (in this process),
//! and phones that are real `doorstep device` processes over encrypted
//! databases — so a phone can be SIGKILLed in the middle of a sync.
//!
//! After every fault, once the network is good again: every finalized visit and
//! photo is on the server exactly once and byte-identical, and the outbox holds
//! nothing but set-aside items.

#[path = "pause_point.rs"]
mod pause_point;

use doorstep_core::sync::ServerClient;
use doorstep_core::sync::protocol::{LoginRequest, ReviewAction, ReviewRequest};
use doorstep_server::seed::{SeedOptions, seed_demo};
use doorstep_server::{RunningServer, ServerConfig};
use pause_point::Paused;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;
use uuid::Uuid;

struct Server {
    rt: tokio::runtime::Runtime,
    running: Option<RunningServer>,
    data: tempfile::TempDir,
    addr: SocketAddr,
}

impl Server {
    fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let data = tempfile::tempdir().unwrap();
        let running = rt
            .block_on(doorstep_server::start(ServerConfig::ephemeral(data.path())))
            .unwrap();
        let small = SeedOptions {
            households_per_grid: 20,
            ..SeedOptions::demo()
        };
        rt.block_on(seed_demo(running.storage().as_ref(), &small))
            .unwrap();
        let addr = running.addr();
        Self {
            rt,
            running: Some(running),
            data,
            addr,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn running(&self) -> &RunningServer {
        self.running.as_ref().expect("server is up")
    }

    /// Stops the server while a phone is stopped at its pause point: the stop
    /// is asked for first, then the phone is let go into a server going down
    /// (requests in flight are let finish, and one may be the phone's, so the
    /// phone must go on for the stop to end). Waits for both.
    fn kill_during(&mut self, paused: Paused) {
        let running = self.running.take().expect("server is up");
        let stopping = self.rt.spawn(running.shutdown());
        let mut phone = paused.resume();
        self.rt.block_on(stopping).unwrap().unwrap();
        // The phone's sync fails or leaves items pending; what it left is
        // checked after the restart.
        phone.wait().unwrap();
    }

    /// Starts it again on the same data and address.
    fn restart(&mut self) {
        let config = ServerConfig::new(self.data.path(), self.addr);
        self.running = Some(self.rt.block_on(doorstep_server::start(config)).unwrap());
    }

    /// SHA-256 of every accepted blob, checked against its name.
    fn blob_hashes(&self) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        let mut stack = vec![self.data.path().join("blobs")];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let name = path.file_name().unwrap().to_string_lossy().into_owned();
                    if name.contains('#') {
                        // object_store's file still being written, renamed into place when done.
                        continue;
                    }
                    let Ok(bytes) = std::fs::read(&path) else {
                        continue;
                    };
                    let hash = format!("{:x}", Sha256::digest(bytes));
                    assert_eq!(
                        hash, name,
                        "a stored blob is byte-identical to what its name says"
                    );
                    found.insert(hash);
                }
            }
        }
        found
    }

    fn review(&self, visit: Uuid, decision: ReviewAction, comment: &str) {
        self.rt.block_on(async {
            let anonymous = ServerClient::new(&self.url(), None).unwrap();
            let login = anonymous
                .login(&LoginRequest {
                    username: "supervisor".into(),
                    password: "doorstep-demo".into(),
                    device_name: "console".into(),
                })
                .await
                .unwrap();
            let client = ServerClient::new(&self.url(), Some(login.token)).unwrap();
            client
                .review(
                    visit,
                    &ReviewRequest {
                        decision,
                        comment: comment.into(),
                    },
                )
                .await
                .unwrap();
        });
    }
}

struct Phone {
    dir: tempfile::TempDir,
}

impl Phone {
    fn new(server: &Server, user: &str) -> Self {
        Self::at(&server.url(), user)
    }

    /// A new phone logged in as `user` at `url` (the server, or a proxy in front of it).
    fn at(url: &str, user: &str) -> Self {
        let phone = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        phone.ok(&["init"]);
        phone.ok(&[
            "login",
            "--server",
            url,
            "--user",
            user,
            "--password",
            "doorstep-demo",
        ]);
        phone.ok(&["pull"]);
        phone
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_doorstep"));
        cmd.arg("device")
            .arg("--db")
            .arg(self.dir.path().join("phone.db"))
            .arg("--key-file")
            .arg(self.dir.path().join("phone.key"))
            .args(args);
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// One finalized hazard sweep with `photos` photos; returns the visit id.
    fn visit(&self, household: &str, seed: usize, photos: usize) -> String {
        let visit = self.ok(&[
            "visit",
            "start",
            "--household",
            household,
            "--template",
            "hazard_inspection",
        ]);
        let visit = visit["visit_id"].as_str().unwrap().to_owned();
        let answers = json!({
            "household_id": household, "respondent": "王秀英", "visit_date": "2026-11-20",
            "hazard_found": "no", "outcome": "no_hazard"
        });
        let answers = self.file(
            &format!("answers-{seed}.json"),
            answers.to_string().as_bytes(),
        );
        self.ok(&["visit", "answers", &visit, answers.to_str().unwrap()]);
        self.ok(&[
            "visit",
            "door-check",
            &visit,
            "--lat",
            "30.6571",
            "--lon",
            "104.0811",
            "--accuracy",
            "8",
        ]);
        for p in 0..photos {
            let photo = self.file(
                &format!("photo-{seed}-{p}.jpg"),
                &camera_jpeg(seed * 10 + p),
            );
            self.ok(&["visit", "photo", &visit, photo.to_str().unwrap()]);
        }
        self.ok(&["visit", "finalize", &visit]);
        visit
    }

    fn households(&self) -> Vec<String> {
        let list = self.ok(&["household", "list"]);
        list.as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_owned())
            .collect()
    }

    fn photo_hashes(&self) -> BTreeSet<String> {
        let outbox = self.ok(&["outbox"]);
        outbox
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["kind"] == "blob")
            .map(|i| i["key"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Syncs until nothing is pending (bounded), returning the last report.
    fn sync_until_done(&self) -> Value {
        let mut last = Value::Null;
        for _ in 0..10 {
            let out = self.run(&["sync"]);
            if out.status.success() {
                last = serde_json::from_slice(&out.stdout).unwrap();
                if last["pending"] == 0 {
                    return last;
                }
            }
        }
        panic!("the outbox did not drain: {last}");
    }

    fn assert_outbox_drained(&self) {
        for item in self.ok(&["outbox"]).as_array().unwrap() {
            assert!(
                item["state"] == "done"
                    || (item["state"] == "set_aside" && item["last_error"].is_string()),
                "left in the outbox: {item}"
            );
        }
    }
}

/// A photo-like camera JPEG, different for every seed.
fn camera_jpeg(seed: usize) -> Vec<u8> {
    doorstep_core::evidence::synthetic::camera_jpeg(seed as u64, 1200, 900)
}

fn assert_on_server_once(server: &Server, visits: &[String]) {
    let storage = server.running().storage();
    for visit in visits {
        let id = Uuid::parse_str(visit).unwrap();
        assert!(
            server.rt.block_on(storage.visit(id)).unwrap().is_some(),
            "visit {visit} is on the server"
        );
    }
    let count = server.rt.block_on(storage.visit_count()).unwrap();
    assert_eq!(
        count as usize,
        visits.len(),
        "each visit is on the server exactly once"
    );
}

#[test]
fn a_returned_visit_comes_back_to_the_phone_and_its_revision_goes_up() {
    let server = Server::start();
    let phone = Phone::new(&server, "worker1");
    let household = phone.households()[0].clone();
    let first = phone.visit(&household, 1, 1);
    let report = phone.ok(&["sync"]);
    assert_eq!(
        (report["uploaded"].as_u64(), report["pending"].as_u64()),
        (Some(2), Some(0)),
        "{report}"
    );

    server.review(
        Uuid::parse_str(&first).unwrap(),
        ReviewAction::Return,
        "请补拍门牌号照片",
    );
    phone.ok(&["pull"]);
    let tasks = phone.ok(&["visit", "list", "--returned"]);
    assert_eq!(tasks.as_array().unwrap().len(), 1, "{tasks}");
    assert_eq!(tasks[0]["visit_id"], first.as_str());
    assert_eq!(tasks[0]["comment"], "请补拍门牌号照片");

    let revised = phone.ok(&["visit", "revise", &first]);
    let second = revised["visit_id"].as_str().unwrap().to_owned();
    assert_eq!(revised["revision"], 2);
    let door = phone.file("door.jpg", &camera_jpeg(99));
    phone.ok(&["visit", "photo", &second, door.to_str().unwrap()]);
    let correction = phone.file("correction.json", r#"{"respondent": "李桂兰"}"#.as_bytes());
    phone.ok(&[
        "visit",
        "answers",
        "--merge",
        &second,
        correction.to_str().unwrap(),
    ]);
    phone.ok(&["visit", "finalize", &second]);
    let report = phone.ok(&["sync"]);
    assert_eq!(report["pending"], 0, "{report}");
    assert!(
        phone
            .ok(&["visit", "list", "--returned"])
            .as_array()
            .unwrap()
            .is_empty()
    );

    let storage = server.running().storage();
    let old = server
        .rt
        .block_on(storage.visit(Uuid::parse_str(&first).unwrap()))
        .unwrap()
        .unwrap();
    let new = server
        .rt
        .block_on(storage.visit(Uuid::parse_str(&second).unwrap()))
        .unwrap()
        .unwrap();
    assert_eq!(
        old.visit.status,
        doorstep_core::domain::VisitStatus::Returned
    );
    assert_eq!(
        (new.visit.revision, new.visit.visit_group),
        (2, old.visit.visit_group)
    );
    assert_eq!(new.answers["respondent"], "李桂兰", "the corrected answer");
    assert_eq!(
        new.answers["hazard_found"], old.answers["hazard_found"],
        "the answers the correction did not name are kept"
    );
    assert_eq!(server.blob_hashes(), phone.photo_hashes());
    phone.assert_outbox_drained();

    server.review(Uuid::parse_str(&second).unwrap(), ReviewAction::Approve, "");
    phone.ok(&["pull"]);
    let all = phone.ok(&["visit", "list"]);
    let status_of = |id: &str| {
        all.as_array()
            .unwrap()
            .iter()
            .find(|v| v["visit_id"] == id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status_of(&second), "approved");
    assert_eq!(status_of(&first), "returned");
}

/// An admin moves a worker to another grid: her phone's next pull brings the
/// new grid's households and deletes the old grid's, visits included — except
/// a household whose visit is still waiting to upload.
#[test]
fn a_grid_taken_from_a_worker_leaves_her_phone_once_her_work_there_is_uploaded() {
    let server = Server::start();
    let phone = Phone::new(&server, "worker1");
    let old = phone.households();
    assert_eq!(old.len(), 20);
    let uploaded = phone.visit(&old[0], 1, 1);
    phone.sync_until_done();
    let waiting = phone.visit(&old[1], 2, 1);
    let visit_ids = || -> BTreeSet<String> {
        phone
            .ok(&["visit", "list"])
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["visit_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(visit_ids(), BTreeSet::from([uploaded, waiting.clone()]));

    let storage = server.running().storage();
    server.rt.block_on(async {
        let worker1 = storage.user_by_username("worker1").await.unwrap().unwrap();
        let worker2 = storage.user_by_username("worker2").await.unwrap().unwrap();
        let grid2 = storage.grids_of(worker2.id).await.unwrap()[0].id;
        storage.set_user_grids(worker1.id, &[grid2]).await.unwrap();
    });
    let pulled = phone.ok(&["pull"]);
    assert_eq!(
        (pulled["removed"].as_u64(), pulled["households"].as_u64()),
        (Some(19), Some(20)),
        "{pulled}"
    );
    let now: BTreeSet<String> = phone.households().into_iter().collect();
    assert_eq!(now.len(), 21);
    assert!(
        now.contains(&old[1]),
        "the household whose visit waits stays"
    );
    assert!(old.iter().skip(2).all(|h| !now.contains(h)));
    assert!(!now.contains(&old[0]));
    assert_eq!(
        visit_ids(),
        BTreeSet::from([waiting.clone()]),
        "the uploaded visit left with its household"
    );

    // The waiting visit was begun before the phone knew: it uploads, flagged
    // for the supervisor, and then its household leaves too.
    phone.sync_until_done();
    let stored = server
        .rt
        .block_on(storage.visit(waiting.parse().unwrap()))
        .unwrap()
        .expect("the waiting visit reached the server");
    assert!(
        stored.flags.contains(&"grid_released".to_owned()),
        "{:?}",
        stored.flags
    );
    let now: BTreeSet<String> = phone.households().into_iter().collect();
    assert_eq!(now.len(), 20, "only the new grid's households");
    assert!(!now.contains(&old[1]));
    assert!(visit_ids().is_empty());
}

#[test]
fn a_new_phone_shows_the_visits_a_household_received_on_another() {
    let server = Server::start();
    let old_phone = Phone::new(&server, "worker1");
    let household = old_phone.households()[0].clone();
    let visit = old_phone.visit(&household, 1, 1);
    old_phone.sync_until_done();

    let new_phone = Phone::new(&server, "worker1");
    let shown = new_phone.ok(&["household", "show", &household]);
    assert_eq!(shown["visits"], json!([]), "{shown}");
    let past = shown["past_visits"].as_array().expect("past visits");
    assert_eq!(past.len(), 1, "{shown}");
    assert_eq!(past[0]["visit_id"], visit.as_str());
    assert_eq!(
        (past[0]["template_id"].as_str(), past[0]["status"].as_str()),
        (Some("hazard_inspection"), Some("uploaded"))
    );

    // The phone that made it lists it as its own, once.
    let own = old_phone.ok(&["pull"]);
    assert!(own["households"].as_u64().is_some(), "{own}");
    let shown = old_phone.ok(&["household", "show", &household]);
    assert_eq!(shown["visits"], json!([visit]));
    assert_eq!(shown["past_visits"], json!([]));
}

#[test]
fn a_phone_killed_mid_sync_and_a_server_restarted_mid_upload_lose_nothing_and_duplicate_nothing() {
    let mut server = Server::start();
    let phone = Phone::new(&server, "worker2");
    let households = phone.households();
    let visits: Vec<String> = (0..12)
        .map(|k| phone.visit(&households[k % households.len()], k, 2))
        .collect();
    let photos = phone.photo_hashes();
    assert_eq!(photos.len(), 24);

    // SIGKILL the phone when it has settled three photos and has the rest to
    // send: it is stopped there by the test hook, and killed while it waits.
    let paused = Paused::start(phone.command(&["sync"]), "sync", 3);
    let on_server = server.blob_hashes().len();
    // Two photos go at once, so the server may have the next one too.
    assert!(
        (3..photos.len()).contains(&on_server),
        "the kill lands mid-sync: {on_server} of {} photos on the server",
        photos.len()
    );
    paused.kill();
    assert_eq!(
        phone.ok(&["check"]),
        json!(["ok"]),
        "the killed phone's database is sound"
    );
    let done = phone
        .ok(&["outbox"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "blob" && i["state"] == "done")
        .count();
    assert_eq!(
        done, 3,
        "what the phone had settled before the kill is kept"
    );

    // The server goes down while the phone is part-way through the rest (stopped
    // after settling one more item of this run), and comes back.
    let paused = Paused::start(phone.command(&["sync"]), "sync", 1);
    assert!(
        server.blob_hashes().len() < photos.len(),
        "the server goes down before it has every photo"
    );
    server.kill_during(paused);
    server.restart();

    let report = phone.sync_until_done();
    assert_eq!(report["set_aside"], 0, "{report}");
    assert_eq!(
        server.blob_hashes(),
        photos,
        "every photo is on the server, byte-identical"
    );
    assert_on_server_once(&server, &visits);
    phone.assert_outbox_drained();

    // A replayed sync sends nothing twice.
    let again = phone.ok(&["sync"]);
    assert_eq!(again["uploaded"], 0);
    assert_on_server_once(&server, &visits);
}

#[test]
fn a_token_revoked_mid_sync_keeps_everything_queued_until_the_worker_logs_in_again() {
    let server = Server::start();
    let phone = Phone::new(&server, "worker3");
    let households = phone.households();
    let visits: Vec<String> = (0..3)
        .map(|k| phone.visit(&households[k], 100 + k, 1))
        .collect();

    let token = phone_token(&phone);
    assert!(
        server
            .rt
            .block_on(server.running().revoke_token(&token))
            .unwrap()
    );
    let out = phone.run(&["sync"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("log in again"), "{stderr}");
    let outbox = phone.ok(&["outbox"]);
    assert!(
        outbox
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["state"] == "pending" || i["state"] == "done"),
        "nothing is set aside for a revoked token: {outbox}"
    );

    phone.ok(&[
        "login",
        "--server",
        &server.url(),
        "--user",
        "worker3",
        "--password",
        "doorstep-demo",
    ]);
    let report = phone.sync_until_done();
    assert_eq!(report["set_aside"], 0);
    assert_on_server_once(&server, &visits);
    phone.assert_outbox_drained();
}

/// The device token, read the way a forensic tool could not: through the
/// phone's own key. (The token is only ever stored inside the encrypted database.)
fn phone_token(phone: &Phone) -> String {
    use doorstep_core::store::{DatabaseKey, Store};
    let key = std::fs::read_to_string(phone.dir.path().join("phone.key")).unwrap();
    let store = Store::open(
        &phone.dir.path().join("phone.db"),
        &DatabaseKey::from_hex(&key).unwrap(),
    )
    .unwrap();
    store.session().unwrap().unwrap().token
}

/// A loopback TCP proxy that, while `faulty`, cuts each connection after a
/// random number of bytes and delays traffic a little, as a weak mobile link does.
struct FaultProxy {
    addr: SocketAddr,
    faulty: std::sync::Arc<std::sync::atomic::AtomicBool>,
    cuts: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// When set, the next blob chunk on its way up gets one byte flipped.
    corrupt_next_chunk: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl FaultProxy {
    fn start(upstream: SocketAddr) -> Self {
        use std::io::{Read, Write};
        use std::net::{Shutdown, TcpListener, TcpStream};
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let faulty = Arc::new(AtomicBool::new(false));
        let cuts = Arc::new(AtomicU64::new(0));
        let corrupt_next_chunk = Arc::new(AtomicBool::new(false));
        let (flag, counter) = (Arc::clone(&faulty), Arc::clone(&cuts));
        let corrupt = Arc::clone(&corrupt_next_chunk);
        std::thread::spawn(move || {
            let mut seed = 0x2545_F491_4F6C_DD1Du64;
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // Cut somewhere between 2 KB and 1.5 MB into the upload.
                let budget = if flag.load(Ordering::SeqCst) {
                    2_000 + seed % 1_500_000
                } else {
                    u64::MAX
                };
                let delay = Duration::from_millis(seed % 3);
                let pipe = |mut from: TcpStream,
                            mut to: TcpStream,
                            mut budget: u64,
                            counter: Option<Arc<AtomicU64>>,
                            corrupt: Option<Arc<AtomicBool>>| {
                    move || {
                        let mut buf = [0u8; 16 * 1024];
                        loop {
                            let n = match from.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => n,
                            };
                            if let Some(corrupt) = &corrupt
                                && buf[..n].starts_with(b"PUT /api/v1/blobs/")
                                && let Some(h) = buf[..n].windows(4).position(|w| w == b"\r\n\r\n")
                                && h + 68 < n
                                && corrupt.swap(false, Ordering::SeqCst)
                            {
                                buf[h + 68] ^= 0xFF;
                            }
                            let n_send = (n as u64).min(budget) as usize;
                            if to.write_all(&buf[..n_send]).is_err() {
                                break;
                            }
                            budget -= n_send as u64;
                            if budget == 0 {
                                if let Some(c) = &counter {
                                    c.fetch_add(1, Ordering::SeqCst);
                                }
                                break;
                            }
                            // Not a wait for anything: the pause between
                            // writes is the slow link being simulated (0–2 ms).
                            std::thread::sleep(delay);
                        }
                        let _ = from.shutdown(Shutdown::Both);
                        let _ = to.shutdown(Shutdown::Both);
                    }
                };
                let up = pipe(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    budget,
                    Some(Arc::clone(&counter)),
                    Some(Arc::clone(&corrupt)),
                );
                let down = pipe(server, client, u64::MAX, None, None);
                std::thread::spawn(up);
                std::thread::spawn(down);
            }
        });
        Self {
            addr,
            faulty,
            cuts,
            corrupt_next_chunk,
        }
    }

    fn set_faulty(&self, on: bool) {
        self.faulty.store(on, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn through_a_link_that_cuts_connections_at_random_everything_arrives_once() {
    let server = Server::start();
    let proxy = FaultProxy::start(server.addr);
    let phone = Phone::at(&format!("http://{}", proxy.addr), "worker1");
    let households = phone.households();
    let visits: Vec<String> = (0..8)
        .map(|k| phone.visit(&households[k], 200 + k, 2))
        .collect();
    let photos = phone.photo_hashes();

    proxy.set_faulty(true);
    let mut failed_runs = 0;
    for _ in 0..40 {
        let out = phone.run(&["sync"]);
        if !out.status.success() {
            failed_runs += 1;
            continue;
        }
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        if report["pending"] == 0 {
            break;
        }
    }
    assert!(
        proxy.cuts.load(std::sync::atomic::Ordering::SeqCst) > 0,
        "the link did cut connections"
    );
    proxy.set_faulty(false);
    let report = phone.sync_until_done();
    assert_eq!(
        report["set_aside"], 0,
        "{report} after {failed_runs} failed runs"
    );
    assert_eq!(
        server.blob_hashes(),
        photos,
        "every photo arrived byte-identical"
    );
    assert_on_server_once(&server, &visits);
    phone.assert_outbox_drained();
}

#[test]
fn on_cellular_photos_wait_for_wifi_and_their_visits_wait_for_them() {
    let server = Server::start();
    let phone = Phone::new(&server, "worker1");
    let households = phone.households();
    let with_photo = phone.visit(&households[0], 300, 1);

    let report = phone.ok(&["sync", "--network", "cellular"]);
    assert_eq!(report["uploaded"], 0, "{report}");
    assert_eq!(
        report["pending"], 2,
        "the photo and its visit wait: {report}"
    );
    assert!(server.blob_hashes().is_empty());

    let report = phone.ok(&["sync", "--network", "wifi"]);
    assert_eq!(
        (report["uploaded"].as_u64(), report["pending"].as_u64()),
        (Some(2), Some(0)),
        "{report}"
    );
    assert_on_server_once(&server, &[with_photo]);
}

#[test]
fn household_edits_merge_field_by_field_and_a_pull_never_overwrites_unsent_edits() {
    let server = Server::start();
    let phone_a = Phone::new(&server, "worker1");
    let phone_b = Phone::new(&server, "worker1");
    let household = phone_a.households()[0].clone();
    let address_of = |phone: &Phone| -> String {
        let list = phone.ok(&["household", "list"]);
        let row = list
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["id"] == household.as_str())
            .unwrap()
            .clone();
        row["address"].as_str().unwrap().to_owned()
    };

    phone_b.ok(&["household", "edit", &household, "door=901"]);
    phone_b.ok(&["sync"]);

    phone_a.ok(&[
        "household",
        "edit",
        &household,
        "door=777",
        "notes=独居，耳背，需大声说话",
    ]);
    phone_a.ok(&["pull"]);
    assert!(
        address_of(&phone_a).ends_with("777"),
        "a pull keeps the unsent edit: {}",
        address_of(&phone_a)
    );

    let report = phone_a.ok(&["sync"]);
    assert_eq!(report["pending"], 0, "{report}");
    assert!(
        address_of(&phone_a).ends_with("901"),
        "the server's door wins the conflict: {}",
        address_of(&phone_a)
    );

    let storage = server.running().storage();
    let id = Uuid::parse_str(&household).unwrap();
    let stored = server.rt.block_on(storage.household(id)).unwrap().unwrap();
    assert_eq!(stored.door.as_deref(), Some("901"));
    assert_eq!(
        stored.notes, "独居，耳背，需大声说话",
        "the field changed only on the phone is merged"
    );
    let conflicts = server.rt.block_on(storage.household_conflicts(id)).unwrap();
    assert_eq!(
        conflicts.len(),
        1,
        "the conflict is recorded for the supervisor"
    );

    let bad = phone_a.run(&["household", "edit", &household, "residence_type=martian"]);
    assert!(!bad.status.success());
}

#[test]
fn a_chunk_corrupted_on_the_way_is_refused_and_the_photo_sent_again() {
    let server = Server::start();
    let proxy = FaultProxy::start(server.addr);
    let phone = Phone::at(&format!("http://{}", proxy.addr), "worker2");
    let households = phone.households();
    let visits: Vec<String> = (0..2)
        .map(|k| phone.visit(&households[k], 400 + k, 1))
        .collect();
    let photos = phone.photo_hashes();

    proxy
        .corrupt_next_chunk
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let first = phone.ok(&["sync"]);
    assert!(
        !proxy
            .corrupt_next_chunk
            .load(std::sync::atomic::Ordering::SeqCst),
        "a chunk was corrupted"
    );
    assert!(
        first["pending"].as_u64().unwrap() > 0,
        "the damaged photo (and its visit) wait: {first}"
    );
    let outbox = phone.ok(&["outbox"]);
    let failed: Vec<_> = outbox
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["state"] == "failed")
        .collect();
    assert!(
        failed.iter().any(|i| i["last_error"]
            .as_str()
            .unwrap_or("")
            .starts_with("hash_mismatch")),
        "the server refused the damaged photo: {outbox}"
    );

    let report = phone.sync_until_done();
    assert_eq!(report["set_aside"], 0, "{report}");
    assert_eq!(
        server.blob_hashes(),
        photos,
        "the photo arrived whole the second time"
    );
    assert_on_server_once(&server, &visits);
    phone.assert_outbox_drained();
}
