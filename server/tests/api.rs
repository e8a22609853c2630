//! The sync API against a real server on loopback: login and tokens, grid
//! scoping on every endpoint, push exactly once, resumable blobs, limits,
//! flagged visits, household merges, and the return-for-rework loop.

use std::time::Duration;

use chrono::{DateTime, Utc};
use doorstep_core::domain::DeviceInstant;
use doorstep_core::evidence::{
    DoorCheckInput, DoorCheckPolicy, DoorOutcome, GpsFix, HouseholdLocation, LatLon, Provider,
    check_door,
};
use doorstep_core::sync::protocol::{
    BLOB_OFFSET_HEADER, DoorCheckRecord, HouseholdRecord, Operation, OperationBody,
    OperationOutcome, PhotoRef, PushResponse, VisitSubmission,
};
use doorstep_server::seed::{SeedOptions, SeedSummary, seed_demo};
use doorstep_server::{RunningServer, ServerConfig, start};

mod common;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

const PASSWORD: &str = "correct horse 电池";

struct Fixture {
    server: RunningServer,
    http: reqwest::Client,
    seed: SeedSummary,
    _dir: tempfile::TempDir,
}

async fn fixture_with(adjust: impl FnOnce(&mut ServerConfig)) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = common::config(dir.path()).await;
    adjust(&mut config);
    let server = start(config).await.expect("server starts");
    let seed = seed_demo(
        server.storage().as_ref(),
        &SeedOptions {
            password: PASSWORD.to_owned(),
            grids: 3,
            households_per_grid: 4,
        },
    )
    .await
    .expect("seeded");
    assert!(seed.created);
    Fixture {
        server,
        http: client(),
        seed,
        _dir: dir,
    }
}

async fn fixture() -> Fixture {
    fixture_with(|_| {}).await
}

impl Fixture {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    async fn try_login(&self, username: &str, password: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.url("/api/v1/login"))
            .json(&json!({"username": username, "password": password, "device_name": "Redmi 9A"}))
            .send()
            .await
            .expect("login request");
        let status = r.status();
        (status, r.json().await.expect("login JSON"))
    }

    async fn login(&self, username: &str) -> String {
        let (status, body) = self.try_login(username, PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().expect("token").to_owned()
    }

    async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn post(
        &self,
        token: &str,
        path: &str,
        body: &impl serde::Serialize,
    ) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("POST");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn push(&self, token: &str, ops: &[Operation]) -> PushResponse {
        let (status, body) = self
            .post(token, "/api/v1/push", &json!({ "ops": ops }))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_value(body).expect("push response")
    }

    async fn put_chunk(
        &self,
        token: &str,
        sha: &str,
        offset: u64,
        total: u64,
        bytes: &[u8],
    ) -> reqwest::Response {
        self.http
            .put(self.url(&format!(
                "/api/v1/blobs/{sha}?offset={offset}&total={total}"
            )))
            .bearer_auth(token)
            .body(bytes.to_vec())
            .send()
            .await
            .expect("PUT")
    }

    fn worker_grid(&self, n: usize) -> Uuid {
        self.seed.grid_ids[n - 1]
    }

    /// A household of grid `n` with a registered location.
    async fn located_household(&self, n: usize) -> HouseholdRecord {
        for id in &self.seed.households[n - 1] {
            let h = self
                .server
                .storage()
                .household(*id)
                .await
                .expect("read")
                .expect("exists");
            if h.lat.is_some() && h.location_confirmed {
                return h;
            }
        }
        panic!("no located household in grid {n}");
    }
}

/// An HTTP client; reqwest is built without a default TLS provider in this workspace.
fn client() -> reqwest::Client {
    // Installing twice is refused harmlessly; another test may have done it.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn finalized_at() -> DateTime<Utc> {
    "2026-11-22T02:00:00Z".parse().expect("instant")
}

/// Good answers for `elder_alone_visit` (the forms crate's realistic example).
fn good_answers(lat: f64, lon: f64) -> Value {
    json!({
        "household_id": "HP01-0001", "respondent": "王秀英", "visit_date": "2026-11-22",
        "location": {"lat": lat, "lon": lon, "accuracy_m": 8.5}, "photos": ["photo-0001.jpg"],
        "elder_id": "330106193809090025", "health": "fair", "chronic_illness": ["hypertension", "diabetes"],
        "home_hazards": ["fall_risk"], "emergency_contact": "陈建国（侄子）", "emergency_phone": "0571-87654321",
        "care_given": ["emotional_support", "cleaning"], "volunteer": "社区志愿者小刘", "follow_up": "no",
        "outcome": "well"
    })
}

fn submission(h: &HouseholdRecord, answers: Value, photos: Vec<PhotoRef>) -> VisitSubmission {
    let at = finalized_at();
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
    VisitSubmission {
        visit_id: id,
        visit_group: id,
        revision: 1,
        template_id: "elder_alone_visit".to_owned(),
        template_version: 1,
        household_id: h.id,
        started: DeviceInstant {
            utc: at - chrono::Duration::minutes(20),
            offset_seconds: 8 * 3600,
        },
        finalized: DeviceInstant {
            utc: at,
            offset_seconds: 8 * 3600,
        },
        answers,
        door_check: Some(DoorCheckRecord { input, result }),
        photos,
    }
}

fn submit(visit: VisitSubmission) -> Operation {
    Operation {
        op_id: Uuid::new_v4(),
        body: OperationBody::SubmitVisit { visit },
    }
}

fn edit(household_id: Uuid, base_version: i64, changes: &[(&str, Option<&str>)]) -> Operation {
    Operation {
        op_id: Uuid::new_v4(),
        body: OperationBody::EditHousehold {
            household_id,
            base_version,
            changes: changes
                .iter()
                .map(|(f, v)| doorstep_core::sync::protocol::FieldChange {
                    field: (*f).to_owned(),
                    value: v.map(str::to_owned),
                })
                .collect(),
        },
    }
}

fn refused_code(outcome: &OperationOutcome) -> Option<(&str, bool)> {
    match outcome {
        OperationOutcome::Refused { error } => Some((error.code.as_str(), error.retryable)),
        _ => None,
    }
}

// --- login and tokens ---

#[tokio::test]
async fn login_answers_a_token_for_the_right_password_only() {
    let f = fixture().await;
    let (status, body) = f.try_login("worker1", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let token = body["token"].as_str().expect("token");
    assert_eq!(token.len(), 64);
    assert_eq!(body["account"]["role"], "worker");
    let grids = body["account"]["grids"].as_array().expect("grids");
    assert_eq!(grids.len(), 1);
    assert_eq!(grids[0]["id"], f.worker_grid(1).to_string());
    assert_eq!(grids[0]["community"], "和平社区");

    let (status, body) = f.try_login("supervisor", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["account"]["grids"].as_array().map(Vec::len),
        Some(3),
        "a supervisor sees the community's grids"
    );

    for (user, password) in [("worker1", "wrong"), ("nobody", PASSWORD), ("worker1", "")] {
        let (status, body) = f.try_login(user, password).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["code"], "bad_credentials");
        assert_eq!(body["message_zh"], "用户名或密码错误");
        assert_eq!(body["retryable"], false);
    }
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let f = fixture_with(|c| c.token_ttl = Duration::from_secs(60)).await;
    let token = f.login("worker1").await;
    assert_eq!(f.get(&token, "/api/v1/pull").await.0, StatusCode::OK);
    f.server.clock().advance(chrono::Duration::seconds(59));
    assert_eq!(
        f.get(&token, "/api/v1/pull").await.0,
        StatusCode::OK,
        "still good a second before it expires"
    );
    f.server.clock().advance(chrono::Duration::seconds(2));
    let (status, body) = f.get(&token, "/api/v1/pull").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "token_expired");
}

#[tokio::test]
async fn revoked_and_logged_out_tokens_are_refused_and_others_still_work() {
    let f = fixture().await;
    let a = f.login("worker1").await;
    let b = f.login("worker1").await;
    let c = f.login("worker1").await;
    assert!(f.server.revoke_token(&a).await.expect("revoke"));
    let (status, body) = f.get(&a, "/api/v1/pull").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("token_revoked"))
    );

    let r = f
        .http
        .post(f.url("/api/v1/logout"))
        .bearer_auth(&b)
        .send()
        .await
        .expect("logout");
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(f.get(&b, "/api/v1/pull").await.1["code"], "token_revoked");

    assert_eq!(
        f.get(&c, "/api/v1/pull").await.0,
        StatusCode::OK,
        "other devices stay signed in"
    );
    let (status, body) = f.get("not-a-token", "/api/v1/pull").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let r = f.http.get(f.url("/api/v1/pull")).send().await.expect("GET");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

// --- grid scoping, endpoint by endpoint ---

#[tokio::test]
async fn push_refuses_visits_and_edits_of_another_grid() {
    let f = fixture().await;
    let token = f.login("worker1").await;
    let theirs = f.located_household(2).await;
    let visit = submit(submission(&theirs, good_answers(30.0, 104.0), vec![]));
    let edit_op = edit(theirs.id, theirs.version, &[("notes", Some("改了"))]);
    let res = f.push(&token, &[visit, edit_op]).await;
    for r in &res.results {
        assert_eq!(
            refused_code(&r.outcome),
            Some(("forbidden_grid", false)),
            "{r:?}"
        );
    }
    assert_eq!(f.server.storage().visit_count().await.expect("count"), 0);
    let after = f
        .server
        .storage()
        .household(theirs.id)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, theirs, "the other grid's household is untouched");
}

#[tokio::test]
async fn pull_sends_only_the_callers_grids() {
    let f = fixture().await;
    let token = f.login("worker1").await;
    let (status, body) = f.get(&token, "/api/v1/pull").await;
    assert_eq!(status, StatusCode::OK);
    let households = body["households"].as_array().expect("households");
    assert_eq!(households.len(), 4);
    for h in households {
        assert_eq!(h["grid_id"], f.worker_grid(1).to_string());
        assert!(!h["residents"].as_array().expect("residents").is_empty());
    }
    assert_eq!(
        body["templates"].as_array().map(Vec::len),
        Some(14),
        "every built-in template version"
    );

    let (_, body) = f.get(&f.login("supervisor").await, "/api/v1/pull").await;
    assert_eq!(body["households"].as_array().map(Vec::len), Some(12));
}

#[tokio::test]
async fn review_is_for_supervisors_of_the_visits_grid_only() {
    let f = fixture().await;
    let worker = f.login("worker1").await;
    let h = f.located_household(1).await;
    let visit = submission(&h, good_answers(30.0, 104.0), vec![]);
    let visit_id = visit.visit_id;
    f.push(&worker, &[submit(visit)]).await;

    // A supervisor of another community.
    let storage = f.server.storage();
    let sub = doorstep_core::domain::Subdistrict {
        id: Uuid::new_v4(),
        name: "另一街道".into(),
    };
    storage.add_subdistrict(&sub).await.expect("subdistrict");
    let community = doorstep_core::domain::Community {
        id: Uuid::new_v4(),
        subdistrict_id: sub.id,
        name: "幸福社区".into(),
    };
    storage.add_community(&community).await.expect("community");
    storage
        .add_grid(&doorstep_core::domain::Grid {
            id: Uuid::new_v4(),
            community_id: community.id,
            code: "XF-01".into(),
            name: "幸福社区第一网格".into(),
        })
        .await
        .expect("grid");
    storage
        .create_user(&doorstep_server::storage::NewUser {
            username: "supervisor2".into(),
            display_name: "郑国华".into(),
            role: doorstep_core::sync::protocol::Role::Supervisor,
            password_hash: doorstep_server::auth::hash_password(PASSWORD).expect("hash"),
            community_id: Some(community.id),
            grid_ids: vec![],
        })
        .await
        .expect("user");
    let other = f.login("supervisor2").await;
    let path = format!("/api/v1/visits/{visit_id}/review");
    let body = json!({"decision": "approve"});
    let (status, answer) = f.post(&other, &path, &body).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (status, answer) = f.post(&worker, &path, &body).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let worker2 = f.login("worker2").await;
    assert_eq!(
        f.post(&worker2, &path, &body).await.0,
        StatusCode::FORBIDDEN
    );
    let stored = storage
        .visit(visit_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        stored.visit.status,
        doorstep_core::domain::VisitStatus::Uploaded,
        "nothing was decided"
    );

    let (status, answer) = f.post(&f.login("supervisor").await, &path, &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "approved");
}

#[tokio::test]
async fn review_decisions_reach_only_the_visits_worker() {
    let f = fixture().await;
    let w1 = f.login("worker1").await;
    let w2 = f.login("worker2").await;
    let sup = f.login("supervisor").await;
    let h = f.located_household(1).await;
    let visit = submission(&h, good_answers(30.0, 104.0), vec![]);
    let id = visit.visit_id;
    f.push(&w1, &[submit(visit)]).await;
    let (status, _) = f
        .post(
            &sup,
            &format!("/api/v1/visits/{id}/review"),
            &json!({"decision": "reject", "comment": "重复登记"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, mine) = f.get(&w1, "/api/v1/pull").await;
    assert_eq!(mine["reviews"].as_array().map(Vec::len), Some(1));
    assert_eq!(mine["reviews"][0]["status"], "rejected");
    assert_eq!(mine["reviews"][0]["comment"], "重复登记");
    let (_, theirs) = f.get(&w2, "/api/v1/pull").await;
    assert_eq!(theirs["reviews"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn blob_calls_need_a_token() {
    let f = fixture().await;
    let name = sha(b"photo");
    let r = f
        .http
        .get(f.url(&format!("/api/v1/blobs/{name}")))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = f
        .http
        .put(f.url(&format!("/api/v1/blobs/{name}?offset=0&total=5")))
        .body(b"photo".to_vec())
        .send()
        .await
        .expect("PUT");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let token = f.login("worker1").await;
    assert_eq!(
        f.get(&token, &format!("/api/v1/blobs/{name}")).await.1["offset"],
        0
    );
}

// --- push ---

#[tokio::test]
async fn a_replayed_push_answers_the_first_result_and_stores_nothing_twice() {
    let f = fixture().await;
    let token = f.login("worker1").await;
    let h = f.located_household(1).await;
    let op = submit(submission(
        &h,
        good_answers(h.lat.unwrap_or(0.0), h.lon.unwrap_or(0.0)),
        vec![],
    ));
    let first = f.push(&token, std::slice::from_ref(&op)).await;
    let OperationOutcome::Applied { flags } = &first.results[0].outcome else {
        panic!("not applied: {first:?}");
    };
    assert!(
        flags.is_empty(),
        "a good visit at the door has no flags: {flags:?}"
    );
    let again = f.push(&token, &[op.clone(), op.clone()]).await;
    assert_eq!(
        again.results,
        vec![first.results[0].clone(), first.results[0].clone()]
    );

    // The same revision under a new op id is recognized too.
    let mut resent = op.clone();
    resent.op_id = Uuid::new_v4();
    let res = f.push(&token, &[resent]).await;
    assert!(matches!(
        res.results[0].outcome,
        OperationOutcome::Applied { .. }
    ));
    assert_eq!(f.server.storage().visit_count().await.expect("count"), 1);

    // Concurrent duplicates.
    let op2 = submit(submission(&h, good_answers(30.0, 104.0), vec![]));
    let (a, b) = tokio::join!(
        f.push(&token, std::slice::from_ref(&op2)),
        f.push(&token, std::slice::from_ref(&op2))
    );
    assert_eq!(a.results, b.results);
    assert_eq!(f.server.storage().visit_count().await.expect("count"), 2);
}

#[tokio::test]
async fn an_invalid_visit_is_stored_as_received_and_flagged() {
    let f = fixture().await;
    let token = f.login("worker1").await;
    let h = f.located_household(1).await;
    let mut answers = good_answers(30.0, 104.0);
    answers["emergency_phone"] = json!("1381234567");
    if let Some(o) = answers.as_object_mut() {
        o.remove("care_given");
    }
    let visit = submission(&h, answers.clone(), vec![]);
    let id = visit.visit_id;
    let res = f.push(&token, &[submit(visit)]).await;
    let OperationOutcome::Applied { flags } = &res.results[0].outcome else {
        panic!("an invalid visit must be stored: {res:?}");
    };
    assert!(flags.contains(&"form_invalid".to_owned()), "{flags:?}");
    assert!(
        flags.contains(&"form:phone_bad_format@emergency_phone".to_owned()),
        "{flags:?}"
    );
    assert!(
        flags.contains(&"form:required@care_given".to_owned()),
        "{flags:?}"
    );
    let stored = f
        .server
        .storage()
        .visit(id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(stored.answers, answers, "stored exactly as received");
    assert_eq!(&stored.flags, flags);
}

#[tokio::test]
async fn the_server_recomputes_the_door_check_with_its_own_household_location() {
    let f = fixture().await;
    let token = f.login("worker1").await;
    let h = f.located_household(1).await;
    let mut visit = submission(&h, good_answers(30.0, 104.0), vec![]);
    // The device claims the door is where the worker stands, 1 km away; the server knows better.
    let record = visit.door_check.as_mut().expect("door check");
    let fix = record.input.fix.as_mut().expect("fix");
    fix.position.lat += 0.009;
    record.input.household = HouseholdLocation::Registered {
        position: fix.position,
    };
    record.result = check_door(&record.input, &DoorCheckPolicy::default()).expect("check");
    let res = f.push(&token, &[submit(visit)]).await;
    let OperationOutcome::Applied { flags } = &res.results[0].outcome else {
        panic!("{res:?}")
    };
    assert!(
        flags.contains(&"door_check_differs".to_owned()),
        "{flags:?}"
    );
    assert!(flags.contains(&"door:outside".to_owned()), "{flags:?}");
}

#[tokio::test]
async fn a_door_check_the_worker_accepted_by_hand_is_flagged_for_the_supervisor() {
    let f = fixture().await;
    let token = f.login("worker1").await;
    let h = f.located_household(1).await;
    let mut visit = submission(&h, good_answers(30.0, 104.0), vec![]);
    let record = visit.door_check.as_mut().expect("door check");
    record.result.accepted_by_hand = Some(doorstep_core::evidence::HandAcceptance { waited_s: 75 });
    let res = f.push(&token, &[submit(visit)]).await;
    let OperationOutcome::Applied { flags } = &res.results[0].outcome else {
        panic!("{res:?}")
    };
    assert!(
        flags.contains(&"door_accepted_by_hand".to_owned()),
        "{flags:?}"
    );
}

#[tokio::test]
async fn a_household_edit_merges_field_by_field_and_records_conflicts() {
    let f = fixture().await;
    let token = f.login("worker1").await;
    let h = f.located_household(1).await;
    let base = h.version;
    let res = f
        .push(
            &token,
            &[edit(
                h.id,
                base,
                &[("door", Some("1802")), ("notes", Some("独居，子女在外地"))],
            )],
        )
        .await;
    assert_eq!(
        res.results[0].outcome,
        OperationOutcome::Merged {
            new_version: base + 1,
            conflicts: vec![]
        }
    );
    // A second device edited from the same base: door collides, building does not.
    let stale = edit(
        h.id,
        base,
        &[("door", Some("1801")), ("building", Some("7栋"))],
    );
    let stale_res = f.push(&token, std::slice::from_ref(&stale)).await;
    assert_eq!(
        stale_res.results[0].outcome,
        OperationOutcome::Merged {
            new_version: base + 2,
            conflicts: vec!["door".to_owned()]
        }
    );
    let now = f
        .server
        .storage()
        .household(h.id)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        now.door.as_deref(),
        Some("1802"),
        "the server's value is kept"
    );
    assert_eq!(now.building.as_deref(), Some("7栋"));
    assert_eq!(now.notes, "独居，子女在外地");
    let conflicts = f
        .server
        .storage()
        .household_conflicts(h.id)
        .await
        .expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].field, "door");
    assert_eq!(conflicts[0].server_value.as_deref(), Some("1802"));
    assert_eq!(conflicts[0].device_value.as_deref(), Some("1801"));
    // Unknown fields and bad values are refused whole.
    let res = f
        .push(
            &token,
            &[
                edit(h.id, base + 2, &[("grid_id", Some("x"))]),
                edit(h.id, base + 2, &[("residence_type", Some("castle"))]),
            ],
        )
        .await;
    for r in &res.results {
        assert_eq!(refused_code(&r.outcome), Some(("bad_field", false)));
    }
    // The replay of the conflicting edit answers the same, and records nothing new.
    let again = f.push(&token, &[stale]).await;
    assert_eq!(again.results, stale_res.results);
    let conflicts = f
        .server
        .storage()
        .household_conflicts(h.id)
        .await
        .expect("conflicts");
    assert_eq!(conflicts.len(), 1, "a replay records no second conflict");
}

// --- blobs ---

#[tokio::test]
async fn a_blob_upload_resumes_at_the_servers_offset_and_is_checked() {
    let f = fixture().await;
    let token = f.login("worker1").await;
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let name = sha(&data);
    let total = data.len() as u64;
    let chunk = 128 * 1024;

    let (_, status) = f.get(&token, &format!("/api/v1/blobs/{name}")).await;
    assert_eq!(status, json!({"offset": 0, "complete": false}));
    let r = f.put_chunk(&token, &name, 0, total, &data[..chunk]).await;
    assert_eq!(r.status(), StatusCode::OK);
    // The connection dropped; the device asks where to resume.
    let (_, status) = f.get(&token, &format!("/api/v1/blobs/{name}")).await;
    assert_eq!(status["offset"], chunk);
    // A chunk at the wrong offset is refused with the real one and changes nothing.
    let r = f.put_chunk(&token, &name, 0, total, &data[..chunk]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        r.headers()[BLOB_OFFSET_HEADER].to_str().ok(),
        Some(chunk.to_string().as_str())
    );
    let body: Value = r.json().await.expect("JSON");
    assert_eq!(body["code"], "offset_mismatch");
    assert_eq!(body["retryable"], true);
    let r = f
        .put_chunk(&token, &name, chunk as u64, total, &data[chunk..2 * chunk])
        .await;
    assert_eq!(
        r.json::<Value>().await.expect("JSON"),
        json!({"offset": 2 * chunk, "complete": false})
    );
    let r = f
        .put_chunk(&token, &name, 2 * chunk as u64, total, &data[2 * chunk..])
        .await;
    assert_eq!(
        r.json::<Value>().await.expect("JSON"),
        json!({"offset": total, "complete": true})
    );
    let (_, status) = f.get(&token, &format!("/api/v1/blobs/{name}")).await;
    assert_eq!(status, json!({"offset": total, "complete": true}));
    let stored = f
        .server
        .blob_bytes(&name)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(&stored[..], &data[..], "byte-identical");
    // Sending it again is harmless.
    let r = f.put_chunk(&token, &name, 0, total, &data[..chunk]).await;
    assert_eq!(r.json::<Value>().await.expect("JSON")["complete"], true);
}

#[tokio::test]
async fn a_blob_whose_bytes_do_not_match_its_name_is_refused_and_discarded() {
    let f = fixture().await;
    let token = f.login("worker1").await;
    let good = b"the real photo bytes".to_vec();
    let name = sha(&good);
    let mut corrupted = good.clone();
    corrupted[3] ^= 0x40;
    let total = good.len() as u64;
    let r = f.put_chunk(&token, &name, 0, total, &corrupted[..10]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = f
        .put_chunk(&token, &name, 10, total, &corrupted[10..])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.expect("JSON");
    assert_eq!(body["code"], "hash_mismatch");
    assert_eq!(body["retryable"], true);
    let (_, status) = f.get(&token, &format!("/api/v1/blobs/{name}")).await;
    assert_eq!(
        status,
        json!({"offset": 0, "complete": false}),
        "the partial upload is gone"
    );
    assert_eq!(f.server.blob_bytes(&name).await.expect("read"), None);
    let r = f.put_chunk(&token, &name, 0, total, &good).await;
    assert_eq!(r.json::<Value>().await.expect("JSON")["complete"], true);
}

#[tokio::test]
async fn a_visit_waits_for_its_photos_then_is_applied() {
    let f = fixture().await;
    let token = f.login("worker1").await;
    let h = f.located_household(1).await;
    let photo = b"\xff\xd8 jpeg bytes \xff\xd9".to_vec();
    let name = sha(&photo);
    let refs = vec![PhotoRef {
        sha256: name.clone(),
        bytes: photo.len() as u64,
        width: 1600,
        height: 1200,
        field: "photos".into(),
    }];
    let op = submit(submission(&h, good_answers(30.0, 104.0), refs));
    let res = f.push(&token, std::slice::from_ref(&op)).await;
    assert_eq!(
        refused_code(&res.results[0].outcome),
        Some(("blob_missing", true))
    );
    assert_eq!(f.server.storage().visit_count().await.expect("count"), 0);
    let r = f
        .put_chunk(&token, &name, 0, photo.len() as u64, &photo)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let res = f.push(&token, &[op]).await;
    assert!(
        matches!(res.results[0].outcome, OperationOutcome::Applied { .. }),
        "{res:?}"
    );
}

// --- limits ---

#[tokio::test]
async fn oversized_requests_and_chunks_get_413_with_codes() {
    let f = fixture_with(|c| {
        c.limits.max_request_bytes = 64 * 1024;
        c.limits.max_chunk_bytes = 16 * 1024;
    })
    .await;
    let token = f.login("worker1").await;
    let h = f.located_household(1).await;
    let mut answers = good_answers(30.0, 104.0);
    answers["volunteer"] = json!("很长".repeat(40_000));
    let (status, body) = f
        .post(
            &token,
            "/api/v1/push",
            &json!({"ops": [submit(submission(&h, answers, vec![]))]}),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["code"], "payload_too_large");
    assert!(
        body["message_zh"]
            .as_str()
            .unwrap_or_default()
            .contains("65536")
    );

    let data = vec![7u8; 20 * 1024];
    let r = f
        .put_chunk(&token, &sha(&data), 0, data.len() as u64, &data)
        .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        r.json::<Value>().await.expect("JSON")["code"],
        "chunk_too_large"
    );

    let photos: Vec<PhotoRef> = (0..31)
        .map(|i| PhotoRef {
            sha256: sha(&[i]),
            bytes: 1,
            width: 1,
            height: 1,
            field: "photos".into(),
        })
        .collect();
    let res = f
        .push(
            &token,
            &[submit(submission(&h, good_answers(30.0, 104.0), photos))],
        )
        .await;
    assert_eq!(
        refused_code(&res.results[0].outcome),
        Some(("too_many_photos", false))
    );

    let ops: Vec<Operation> = (0..201)
        .map(|_| edit(h.id, 1, &[("notes", Some("x"))]))
        .collect();
    let (status, body) = f.post(&token, "/api/v1/push", &json!({ "ops": ops })).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("too_many_ops"))
    );
}

#[tokio::test]
async fn too_many_requests_from_one_token_get_429_with_a_wait() {
    let f = fixture_with(|c| c.limits.requests_per_minute = 5).await;
    let token = f.login("worker1").await;
    for _ in 0..5 {
        assert_eq!(f.get(&token, "/api/v1/pull").await.0, StatusCode::OK);
    }
    let r = f
        .http
        .get(f.url("/api/v1/pull"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .ok()
        .and_then(|s| s.parse().ok())
        .expect("Retry-After");
    let body: Value = r.json().await.expect("JSON");
    assert_eq!(body["code"], "rate_limited");
    assert_eq!(body["retryable"], true);
    assert_eq!(body["retry_after_s"], wait);
    assert!((1..=60).contains(&wait));
    let other = f.login("worker2").await;
    assert_eq!(
        f.get(&other, "/api/v1/pull").await.0,
        StatusCode::OK,
        "another token is not slowed"
    );
}

// --- pull and the return-for-rework loop ---

#[tokio::test]
async fn a_new_grid_assignment_sends_that_grids_households_to_an_old_cursor() {
    let f = fixture().await;
    let token = f.login("worker1").await;
    let (_, first) = f.get(&token, "/api/v1/pull").await;
    let grid_ids = |page: &Value| -> Vec<String> {
        page["grids"]
            .as_array()
            .expect("grids")
            .iter()
            .map(|g| g["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        grid_ids(&first),
        [f.worker_grid(1).to_string()],
        "a first pull names the worker's grids"
    );
    let cursor = first["cursor"].as_str().expect("cursor").to_owned();
    let (_, nothing) = f
        .get(&token, &format!("/api/v1/pull?cursor={cursor}"))
        .await;
    assert_eq!(nothing["households"].as_array().map(Vec::len), Some(0));
    assert!(nothing.get("grids").is_none(), "a later pull does not");

    let worker1 = f.seed.user("worker1").expect("seeded").id;
    f.server
        .storage()
        .set_user_grids(worker1, &[f.worker_grid(1), f.worker_grid(2)])
        .await
        .expect("assign");
    let (status, after) = f
        .get(&token, &format!("/api/v1/pull?cursor={cursor}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let households = after["households"].as_array().expect("households");
    assert_eq!(
        households.len(),
        8,
        "both grids' households, the new grid's included"
    );
    assert!(
        households
            .iter()
            .any(|h| h["grid_id"] == f.worker_grid(2).to_string())
    );
    let mut named = grid_ids(&after);
    named.sort();
    let mut assigned = [f.worker_grid(1).to_string(), f.worker_grid(2).to_string()];
    assigned.sort();
    assert_eq!(
        named, assigned,
        "the pull after the change names the new set"
    );
}

#[tokio::test]
async fn a_visit_begun_before_the_phone_knew_its_grid_was_taken_is_accepted_and_flagged() {
    let f = fixture().await;
    let token = f.login("worker1").await;
    let h = f.located_household(1).await;
    let (_, first) = f.get(&token, "/api/v1/pull").await;
    let cursor = first["cursor"].as_str().expect("cursor").to_owned();
    let worker1 = f.seed.user("worker1").expect("seeded").id;
    let storage = f.server.storage();
    storage
        .set_user_grids(worker1, &[f.worker_grid(2)])
        .await
        .expect("reassign");

    // Begun yesterday, handed in before the phone has pulled: the work was
    // done in good faith, so it is stored, flagged for the supervisor. An
    // edit of the household is not the worker's any more.
    let begun_before = submission(&h, good_answers(30.0, 104.0), vec![]);
    let id = begun_before.visit_id;
    let res = f
        .push(
            &token,
            &[
                submit(begun_before),
                edit(h.id, h.version, &[("notes", Some("改了"))]),
            ],
        )
        .await;
    let OperationOutcome::Applied { flags } = &res.results[0].outcome else {
        panic!("the visit begun before the change must be stored: {res:?}");
    };
    assert!(flags.contains(&"grid_released".to_owned()), "{flags:?}");
    assert_eq!(
        refused_code(&res.results[1].outcome),
        Some(("forbidden_grid", false))
    );
    let stored = storage.visit(id).await.expect("read").expect("stored");
    assert_eq!(
        stored.grid_id,
        f.worker_grid(1),
        "under the household's grid"
    );

    // The phone's next pull starts from the beginning and names the new grids;
    // from then on it knows, and a visit it begins there is refused.
    let (_, told) = f
        .get(&token, &format!("/api/v1/pull?cursor={cursor}"))
        .await;
    assert_eq!(told["grids"][0]["id"], f.worker_grid(2).to_string());
    // Begun after the pull but before this push: the push's own time is not
    // what counts.
    f.server.clock().advance(chrono::Duration::seconds(5));
    let mut begun_after = submission(&h, good_answers(30.0, 104.0), vec![]);
    begun_after.started.utc = f.server.clock().now();
    begun_after.finalized.utc = begun_after.started.utc + chrono::Duration::seconds(1);
    let res = f.push(&token, &[submit(begun_after.clone())]).await;
    assert_eq!(
        refused_code(&res.results[0].outcome),
        Some(("forbidden_grid", false))
    );

    // Given back, the grid is the worker's again, and its release forgotten.
    storage
        .set_user_grids(worker1, &[f.worker_grid(1), f.worker_grid(2)])
        .await
        .expect("give back");
    assert!(
        storage
            .grid_releases(worker1)
            .await
            .expect("read")
            .is_empty()
    );
    begun_after.visit_id = Uuid::new_v4();
    begun_after.visit_group = begun_after.visit_id;
    let res = f.push(&token, &[submit(begun_after)]).await;
    let OperationOutcome::Applied { flags } = &res.results[0].outcome else {
        panic!("the worker's own grid again: {res:?}");
    };
    assert!(!flags.contains(&"grid_released".to_owned()), "{flags:?}");
}

#[tokio::test]
async fn pull_pages_follow_the_cursor_to_the_end() {
    let f = fixture_with(|c| c.pull_page_size = 5).await;
    let token = f.login("worker1").await;
    let mut cursor = String::new();
    let (mut households, mut templates, mut pages) = (0, 0, 0);
    loop {
        let (status, body) = f
            .get(&token, &format!("/api/v1/pull?cursor={cursor}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        pages += 1;
        households += body["households"].as_array().map_or(0, Vec::len);
        templates += body["templates"].as_array().map_or(0, Vec::len);
        cursor = body["cursor"].as_str().expect("cursor").to_owned();
        if body["more"] == false {
            break;
        }
        assert!(pages < 20, "paging does not end");
    }
    assert_eq!((households, templates), (4, 14));
    assert!(pages >= 4);
    let (_, body) = f
        .get(&token, &format!("/api/v1/pull?cursor={cursor}"))
        .await;
    assert_eq!(body["households"].as_array().map(Vec::len), Some(0));
    assert_eq!(body["cursor"], cursor.as_str());
    let (status, body) = f.get(&token, "/api/v1/pull?cursor=garbage").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_cursor"))
    );
}

#[tokio::test]
async fn a_pulled_household_lists_its_past_visits_latest_revision_first_with_review_status() {
    let f = fixture().await;
    let worker = f.login("worker1").await;
    let sup = f.login("supervisor").await;
    let h = f.located_household(1).await;
    let past_of = |page: &Value| -> Vec<(String, String)> {
        page["households"]
            .as_array()
            .expect("households")
            .iter()
            .find(|x| x["id"] == h.id.to_string())
            .map(|x| {
                x["past_visits"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|p| {
                                (
                                    p["visit_id"].as_str().unwrap().to_owned(),
                                    p["status"].as_str().unwrap().to_owned(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .expect("the household is on the page")
    };
    let (_, first) = f.get(&worker, "/api/v1/pull").await;
    assert!(past_of(&first).is_empty(), "no visits yet");

    // A visit returned and revised, and an older one of another kind.
    let rev1 = submission(&h, good_answers(30.0, 104.0), vec![]);
    let mut older = submission(&h, good_answers(30.0, 104.0), vec![]);
    older.template_id = "hazard_inspection".into();
    older.finalized.utc -= chrono::Duration::days(40);
    older.started.utc -= chrono::Duration::days(40);
    f.push(&worker, &[submit(rev1.clone()), submit(older.clone())])
        .await;
    let review = |id: Uuid, body: Value| {
        let path = format!("/api/v1/visits/{id}/review");
        let sup = sup.clone();
        let f = &f;
        async move {
            let (status, body) = f.post(&sup, &path, &body).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    };
    review(
        rev1.visit_id,
        json!({"decision": "return", "comment": "请补拍门牌照片"}),
    )
    .await;
    let mut rev2 = submission(&h, good_answers(30.0, 104.0), vec![]);
    rev2.visit_group = rev1.visit_group;
    rev2.revision = 2;
    f.push(&worker, &[submit(rev2.clone())]).await;

    // A new phone of the same worker: one line per visit, the revision's.
    let phone2 = f.login("worker1").await;
    let (_, fresh) = f.get(&phone2, "/api/v1/pull").await;
    assert_eq!(
        past_of(&fresh),
        [
            (rev2.visit_id.to_string(), "uploaded".to_owned()),
            (older.visit_id.to_string(), "uploaded".to_owned())
        ]
    );

    // An approval sends the household again with the decision.
    let cursor = fresh["cursor"].as_str().expect("cursor").to_owned();
    review(rev2.visit_id, json!({"decision": "approve"})).await;
    let (_, after) = f
        .get(&phone2, &format!("/api/v1/pull?cursor={cursor}"))
        .await;
    assert_eq!(
        past_of(&after)[0],
        (rev2.visit_id.to_string(), "approved".to_owned())
    );
}

#[tokio::test]
async fn a_returned_visit_reaches_the_worker_and_the_revision_comes_back() {
    let f = fixture().await;
    let worker = f.login("worker1").await;
    let sup = f.login("supervisor").await;
    let h = f.located_household(1).await;
    let (_, first) = f.get(&worker, "/api/v1/pull").await;
    let cursor = first["cursor"].as_str().expect("cursor").to_owned();

    let rev1 = submission(&h, good_answers(30.0, 104.0), vec![]);
    f.push(&worker, &[submit(rev1.clone())]).await;
    let path = format!("/api/v1/visits/{}/review", rev1.visit_id);
    let (status, body) = f
        .post(&sup, &path, &json!({"decision": "return", "comment": "  "}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("comment_required"))
    );
    let (status, body) = f
        .post(
            &sup,
            &path,
            &json!({"decision": "return", "comment": "请补拍门牌照片"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "returned");
    assert_eq!(body["reviewer"], "周慧敏");
    let (status, body) = f.post(&sup, &path, &json!({"decision": "approve"})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("invalid_transition"))
    );

    let (_, pulled) = f
        .get(&worker, &format!("/api/v1/pull?cursor={cursor}"))
        .await;
    let reviews = pulled["reviews"].as_array().expect("reviews");
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0]["visit_id"], rev1.visit_id.to_string());
    assert_eq!(reviews[0]["status"], "returned");
    assert_eq!(reviews[0]["comment"], "请补拍门牌照片");
    assert!(
        pulled["households"]
            .as_array()
            .expect("households")
            .iter()
            .any(|x| x["id"] == h.id.to_string()),
        "the visited household is sent again"
    );

    let mut rev2 = submission(&h, good_answers(30.0, 104.0), vec![]);
    rev2.visit_group = rev1.visit_group;
    rev2.revision = 2;
    let res = f.push(&worker, &[submit(rev2.clone())]).await;
    assert_eq!(
        res.results[0].outcome,
        OperationOutcome::Applied { flags: vec![] }
    );
    let storage = f.server.storage();
    let old = storage
        .visit(rev1.visit_id)
        .await
        .expect("read")
        .expect("kept");
    let new = storage
        .visit(rev2.visit_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        old.visit.status,
        doorstep_core::domain::VisitStatus::Returned
    );
    assert_eq!(
        new.visit.status,
        doorstep_core::domain::VisitStatus::Uploaded
    );
    assert_eq!(
        (new.visit.visit_group, new.visit.revision),
        (rev1.visit_group, 2)
    );
    let revisions = storage
        .visit_revisions(rev1.visit_group)
        .await
        .expect("revisions");
    let ids: Vec<Uuid> = revisions.iter().map(|v| v.visit.id).collect();
    assert_eq!(ids, vec![rev1.visit_id, rev2.visit_id]);
    assert_eq!(
        revisions[0]
            .visit
            .review
            .as_ref()
            .map(|r| r.comment.as_str()),
        Some("请补拍门牌照片")
    );

    let audit = storage.audit_log(10).await.expect("audit");
    assert_eq!(audit.len(), 1, "one decision, one audit line");
    assert_eq!(audit[0].action, "visit.review");
    assert_eq!(audit[0].actor_username, "supervisor");
    assert_eq!(audit[0].target, rev1.visit_id.to_string());
    assert_eq!(audit[0].detail["decision"], "return");
    assert!(
        audit[0]
            .remote_addr
            .as_deref()
            .is_some_and(|a| a.starts_with("127.0.0.1:"))
    );
}

// --- health and the API description ---

#[tokio::test]
async fn health_and_every_documented_route_answer() {
    let f = fixture().await;
    let r = f.http.get(f.url("/healthz")).send().await.expect("GET");
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = f
        .http
        .get(f.url("/api/openapi.json"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    assert_eq!(doc["openapi"], "3.1.0");
    let token = f.login("admin").await;
    let paths = doc["paths"].as_object().expect("paths");
    assert_eq!(paths.len(), 8);
    for (path, item) in paths {
        let concrete = path
            .replace("{sha256}", &sha(b"x"))
            .replace("{visit_id}", &Uuid::new_v4().to_string());
        for method in item.as_object().expect("item").keys() {
            let method =
                reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let r = f
                .http
                .request(method.clone(), f.url(&concrete))
                .bearer_auth(&token)
                .send()
                .await
                .expect("request");
            let status = r.status();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            assert_ne!(body["code"], "no_such_route", "{method} {path}");
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        }
    }
    // The loop above logged the admin out; sign in again.
    let token = f.login("worker1").await;
    let r = f
        .http
        .get(f.url("/api/v1/pull"))
        .bearer_auth(&token)
        .header("x-doorstep-protocol", "1")
        .send()
        .await
        .expect("GET");
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the device's header for v1 is accepted"
    );
    let r = f
        .http
        .get(f.url("/api/v1/pull"))
        .bearer_auth(&token)
        .header("x-doorstep-protocol", "2")
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.expect("JSON");
    assert_eq!(body["code"], "unsupported_protocol");
    let r = f
        .http
        .get(f.url("/api/v1/nothing"))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        r.json::<Value>().await.expect("JSON")["code"],
        "no_such_route"
    );
}

#[tokio::test]
async fn the_server_restarts_on_its_data_and_resumes_uploads() {
    let dir = tempfile::tempdir().expect("dir");
    let config = common::config(dir.path()).await;
    let server = start(config.clone()).await.expect("start");
    seed_demo(
        server.storage().as_ref(),
        &SeedOptions {
            password: PASSWORD.into(),
            grids: 1,
            households_per_grid: 2,
        },
    )
    .await
    .expect("seed");
    let http = client();
    let login = |url: String| {
        let http = http.clone();
        async move {
            let v: Value = http
                .post(format!("{url}/api/v1/login"))
                .json(&json!({"username": "worker1", "password": PASSWORD, "device_name": "t"}))
                .send()
                .await
                .expect("login")
                .json()
                .await
                .expect("JSON");
            v["token"].as_str().expect("token").to_owned()
        }
    };
    let token = login(server.url()).await;
    let data = vec![42u8; 1000];
    let name = sha(&data);
    let r = http
        .put(format!(
            "{}/api/v1/blobs/{name}?offset=0&total=1000",
            server.url()
        ))
        .bearer_auth(&token)
        .body(data[..600].to_vec())
        .send()
        .await
        .expect("PUT");
    assert_eq!(r.status(), StatusCode::OK);
    server.shutdown().await.expect("shutdown");

    let server = start(config).await.expect("restart");
    let again = seed_demo(server.storage().as_ref(), &SeedOptions::demo())
        .await
        .expect("seed again");
    assert!(!again.created, "seeding twice changes nothing");
    let status: Value = http
        .get(format!("{}/api/v1/blobs/{name}", server.url()))
        .bearer_auth(&token)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        status,
        json!({"offset": 600, "complete": false}),
        "the token and the partial upload survive"
    );
    let r = http
        .put(format!(
            "{}/api/v1/blobs/{name}?offset=600&total=1000",
            server.url()
        ))
        .bearer_auth(&token)
        .body(data[600..].to_vec())
        .send()
        .await
        .expect("PUT");
    assert_eq!(r.json::<Value>().await.expect("JSON")["complete"], true);
    server.shutdown().await.expect("shutdown");
}

/// Whether the pulled `household` lists `template` as due, and by when.
fn due_of(page: &Value, household: Uuid, template: &str) -> Vec<String> {
    page["households"]
        .as_array()
        .expect("households")
        .iter()
        .find(|x| x["id"] == household.to_string())
        .expect("the household is on the page")["due"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|d| d["template_id"] == template)
                .map(|d| d["due_by"].as_str().expect("date").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

impl Fixture {
    /// The first `n` households of worker1's grid, made homes of elders
    /// living alone (since 2020).
    async fn elders(&self, n: usize) -> Vec<HouseholdRecord> {
        let mut elders = Vec::new();
        for id in self.seed.households[0].iter().take(n) {
            let mut h = self
                .server
                .storage()
                .household(*id)
                .await
                .expect("read")
                .expect("exists");
            h.residents[0]
                .tags
                .push(doorstep_core::domain::ResidentTag {
                    code: "elder_alone".into(),
                    start: "2020-01-01".parse().expect("date"),
                    end: None,
                    attributes: Default::default(),
                });
            h.version += 1;
            self.server
                .storage()
                .upsert_household(&h)
                .await
                .expect("tag");
            elders.push(h);
        }
        elders
    }

    /// Pushes an elder's visit finalized at `finalized` (UTC) on a phone
    /// `offset_hours` east of UTC, answered as made on `date`.
    async fn push_elder_visit(
        &self,
        token: &str,
        h: &HouseholdRecord,
        finalized: &str,
        offset_hours: i32,
        date: &str,
    ) {
        let mut answers = good_answers(30.0, 104.0);
        answers["visit_date"] = json!(date);
        let mut visit = submission(h, answers, vec![]);
        visit.finalized = DeviceInstant {
            utc: finalized.parse().expect("instant"),
            offset_seconds: offset_hours * 3600,
        };
        visit.started = DeviceInstant {
            utc: visit.finalized.utc - chrono::Duration::minutes(20),
            ..visit.finalized
        };
        self.push(token, &[submit(visit)]).await;
    }
}

#[tokio::test]
async fn a_visit_on_a_campaigns_first_or_last_local_day_counts_for_the_campaign() {
    // 春节 2027 is 6 February; the elders' campaign window opens 14 days
    // before, on 23 January.
    let f = fixture().await;
    let elders = f.elders(4).await;
    let [early, eve, last, new_york] = elders.as_slice() else {
        panic!("four households");
    };
    // 10:00 on 23 January in Beijing, the window's first day.
    f.server
        .clock()
        .set("2027-01-23T02:00:00Z".parse().expect("instant"));
    let worker = f.login("worker1").await;
    // 23:59 on 22 January in Beijing: a minute before the window.
    f.push_elder_visit(&worker, eve, "2027-01-22T15:59:00Z", 8, "2027-01-22")
        .await;
    // 07:30 on 23 January in Beijing (22 January in UTC): its first day.
    f.push_elder_visit(&worker, early, "2027-01-22T23:30:00Z", 8, "2027-01-23")
        .await;
    let (_, page) = f.get(&worker, "/api/v1/pull").await;
    assert_eq!(
        due_of(&page, early.id, "elder_alone_visit"),
        Vec::<String>::new(),
        "the first morning's visit makes January's and the campaign's"
    );
    assert_eq!(
        due_of(&page, eve.id, "elder_alone_visit"),
        ["2027-02-06"],
        "the eve's visit makes January's, not the campaign's"
    );

    // 23:30 on 春节 in Beijing (15:30 UTC), seen a quarter of an hour later.
    f.server
        .clock()
        .set("2027-02-06T15:45:00Z".parse().expect("instant"));
    let worker = f.login("worker1").await;
    f.push_elder_visit(&worker, last, "2027-02-06T15:30:00Z", 8, "2027-02-06")
        .await;
    let (_, page) = f.get(&worker, "/api/v1/pull").await;
    let campaign_due = |page: &Value, h: &HouseholdRecord| {
        due_of(page, h.id, "elder_alone_visit").contains(&"2027-02-06".to_owned())
    };
    assert!(
        !campaign_due(&page, last),
        "the last evening's visit counts"
    );
    assert!(campaign_due(&page, eve), "the eve's does not");

    // 20:00 on 春节 on a phone in New York: 01:00 on 7 February in UTC, 09:00
    // in Beijing, after the window there; by its own day it is in it.
    f.server
        .clock()
        .set("2027-02-07T01:30:00Z".parse().expect("instant"));
    let worker = f.login("worker1").await;
    f.push_elder_visit(&worker, new_york, "2027-02-07T01:00:00Z", -5, "2027-02-06")
        .await;
    let (_, page) = f.get(&worker, "/api/v1/pull").await;
    assert!(!campaign_due(&page, new_york), "its own day was 春节");
    assert!(campaign_due(&page, eve), "missed, overdue");
}

#[tokio::test]
async fn a_visit_counts_for_its_local_day_and_today_is_the_communitys_day() {
    let f = fixture().await;
    let worker = f.login("worker1").await;
    let elders = f.elders(2).await;
    let [first, second] = elders.as_slice() else {
        panic!("two households");
    };
    // 07:45 on 1 December in Beijing, still 30 November in UTC.
    f.server
        .clock()
        .set("2026-11-30T23:45:00Z".parse().expect("instant"));
    // The first elder visited at midnight in Beijing (16:00 UTC the day
    // before), the second a second earlier: 30 November.
    for (h, at) in [
        (first, "2026-11-30T16:00:00Z"),
        (second, "2026-11-30T15:59:59Z"),
    ] {
        let mut visit = submission(h, good_answers(30.0, 104.0), vec![]);
        visit.finalized.utc = at.parse().expect("instant");
        visit.started.utc = visit.finalized.utc - chrono::Duration::minutes(20);
        f.push(&worker, &[submit(visit)]).await;
    }
    let (_, page) = f.get(&worker, "/api/v1/pull").await;
    assert_eq!(
        due_of(&page, first.id, "elder_alone_visit"),
        Vec::<String>::new(),
        "a visit at midnight in Beijing counts for 1 December, today there"
    );
    assert_eq!(
        due_of(&page, second.id, "elder_alone_visit"),
        ["2026-12-31"],
        "a visit a second before counts for November: December's is due"
    );
}
