//! The server's log over a working day, at `debug` (more than `doorstep serve`
//! writes by default): a phone logs in (once with a wrong password), pulls,
//! and syncs a visit with ID numbers, phones and a photo; a supervisor signs
//! in (once wrongly), opens the queue and the visit and returns it with a
//! comment; an admin exports the ledger with full ID numbers; requests fail
//! (a bad cursor, a form without its CSRF token). The log holds none of the
//! residents' names, ID numbers or phones, no password, token, session
//! cookie or comment.
//!
//! One test in this binary: it installs the process-wide log.

use std::io::Write;
use std::sync::{Arc, Mutex};

use doorstep_core::device::Device;
use doorstep_core::evidence::{DoorOutcome, GpsFix, LatLon, Provider};
use doorstep_core::store::households::Disclosure;
use doorstep_core::store::{DatabaseKey, OpenMode};
use doorstep_core::sync::{CancelFlag, Network, SyncOptions};
use reqwest::StatusCode;
use serde_json::json;

mod common;

use common::PASSWORD;
use common::browser::Browser;

/// Appends everything written to a shared buffer.
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_working_days_log_holds_no_personal_data_passwords_or_tokens() {
    let captured = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&captured);
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || Sink(Arc::clone(&sink)))
        .init();

    let f = common::fixture_with(2, 6, |_| {}).await;
    let url = f.server.url();

    // The phone: a wrong password, then the day's work.
    let dir = tempfile::tempdir().expect("temp dir");
    let device = Device::open(
        &dir.path().join("phone.db"),
        &DatabaseKey::generate(),
        OpenMode::CreateNew,
    )
    .expect("device");
    assert!(
        device
            .login(&url, "worker1", "not-the-password", "phone")
            .await
            .is_err()
    );
    device
        .login(&url, "worker1", PASSWORD, "phone")
        .await
        .expect("login");
    device.pull(&CancelFlag::new()).await.expect("pull");
    let store = device.store();
    let mut secrets = vec![PASSWORD.to_owned(), "not-the-password".to_owned()];
    secrets.push(store.session().expect("session").expect("signed in").token);
    let mut visited = None;
    for summary in store.list_households().expect("households") {
        let detail = store
            .household(summary.id, Disclosure::Full)
            .expect("household");
        for r in &detail.residents {
            secrets.push(r.name.clone());
            secrets.extend(r.id_number.clone());
            secrets.extend(r.phone.clone());
        }
        // The elder visited: a resident born before 1960, by the ID number.
        let elder = detail.residents.iter().position(|r| {
            r.id_number
                .as_deref()
                .and_then(|n| n.get(6..10)?.parse::<i32>().ok())
                .is_some_and(|year| year < 1960)
        });
        if let (None, Some(elder)) = (&visited, elder) {
            visited = Some((detail, elder));
        }
    }
    let (household, elder) = visited.expect("a household with an elder");
    let head = &household.residents[elder];
    let visit = device
        .start_visit(household.summary.id, "elder_alone_visit")
        .expect("start");
    device
        .set_answers(
            visit.id,
            &json!({
                "household_id": household.summary.id.to_string(),
                "respondent": head.name,
                "visit_date": device.today().to_string(),
                "elder_id": head.id_number,
                "health": "fair",
                "chronic_illness": ["hypertension"],
                "home_hazards": ["none"],
                "emergency_contact": "李明远",
                "emergency_phone": "13912345678",
                "care_given": ["emotional_support"],
                "follow_up": "no",
                "outcome": "well"
            }),
        )
        .expect("answers");
    secrets.extend(["李明远".to_owned(), "13912345678".to_owned()]);
    let fix = GpsFix {
        position: LatLon {
            lat: 30.6571,
            lon: 104.0811,
        },
        accuracy_m: 8.0,
        altitude_m: None,
        fix_time: device.now().utc,
        provider: Provider::Gps,
        is_mock: false,
        satellites: Some(9),
        monotonic_age: None,
    };
    device
        .door_check(visit.id, Some(fix), DoorOutcome::Met)
        .expect("door check");
    let photo = doorstep_core::evidence::synthetic::camera_jpeg(7, 800, 600);
    device.add_photo(visit.id, "photos", &photo).expect("photo");
    device.finalize(visit.id).expect("finalize");
    let options = SyncOptions {
        network: Network::Wifi,
        photos_on_cellular: false,
        retry_now: true,
    };
    let report = device
        .sync(options, &|_| {}, &CancelFlag::new())
        .await
        .expect("sync");
    assert_eq!(report.pending, 0, "everything uploaded");

    // Requests that fail.
    let token = store.session().expect("session").expect("signed in").token;
    let bad = f
        .http
        .get(format!("{url}/api/v1/pull?cursor=v1.x.{}", "9".repeat(12)))
        .bearer_auth(&token)
        .send()
        .await
        .expect("pull");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    // The supervisor: a wrong password, then a return with a comment.
    let mut supervisor = Browser::new(&url);
    let refused = supervisor.try_login("supervisor", "wrong-password-1").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    secrets.push("wrong-password-1".to_owned());
    supervisor.login("supervisor").await;
    secrets.extend(supervisor.cookies.values().cloned());
    let queue = supervisor.get("/console/queue").await;
    assert_eq!(queue.status, StatusCode::OK);
    let page = supervisor
        .get(&format!("/console/visits/{}", visit.id))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let review = format!("/console/visits/{}/review", visit.id);
    let forged = supervisor.post(&review, &[("decision", "approve")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let csrf = supervisor.csrf().await;
    let comment = format!("请核实{}的身份证号", head.name);
    let returned = supervisor
        .post(
            &review,
            &[
                ("decision", "return"),
                ("comment", &comment),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER, "{}", returned.body);
    secrets.push(comment);

    // The admin exports the ledger with full ID numbers.
    let mut admin = Browser::new(&url);
    admin.login("admin").await;
    secrets.extend(admin.cookies.values().cloned());
    let (status, csv) = admin
        .get_bytes("/console/export/ledger.csv?template=elder_alone_visit&full=1")
        .await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).expect("UTF-8");
    assert!(
        csv.contains(head.id_number.as_deref().expect("id")),
        "the export itself holds the full number"
    );

    let log = String::from_utf8_lossy(&captured.lock().expect("log")).into_owned();
    assert!(
        log.contains("pull") && log.lines().count() > 5,
        "the log was captured:\n{log}"
    );
    let leaked: Vec<&String> = secrets
        .iter()
        .filter(|s| !s.is_empty() && log.contains(s.as_str()))
        .collect();
    assert!(leaked.is_empty(), "in the log: {leaked:?}\n{log}");
}
