//! The supervisor console against a real server on loopback: sessions and
//! CSRF, lockout, roles and scoping, review actions through the JSON API's
//! path (a returned visit reaches the worker's pull), escaping, exports.

use chrono::{DateTime, Utc};
use doorstep_core::domain::{DeviceInstant, VisitStatus};
use doorstep_core::evidence::{
    DoorCheckInput, DoorCheckPolicy, DoorOutcome, GpsFix, HouseholdLocation, LatLon, Provider,
    check_door,
};
use doorstep_core::sync::protocol::{
    DoorCheckRecord, HouseholdRecord, Operation, OperationBody, PhotoRef, VisitSubmission,
};
use doorstep_server::ServerConfig;
use doorstep_server::console::tiles::{TileCrs, TileSource};

mod common;

use common::browser::Browser;
use common::{Fixture, PASSWORD};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

const ELDER_ID: &str = "330106193809090025";

/// The server's clock in these tests: 10:00 on Wednesday 2 December 2026 in
/// Beijing (it runs on from there), so "today" never straddles a midnight.
fn now() -> DateTime<Utc> {
    "2026-12-02T02:00:00Z".parse().expect("instant")
}

/// A seeded server whose clock reads [`now`].
async fn fixture() -> Fixture {
    fixture_with_config(|_| {}).await
}

/// A seeded server whose configuration `adjust` changed first, its clock at [`now`].
async fn fixture_with_config(adjust: impl FnOnce(&mut ServerConfig)) -> Fixture {
    let f = common::fixture_with(3, 4, adjust).await;
    f.server.clock().set(now());
    f
}

impl Fixture {
    fn browser(&self) -> Browser {
        Browser::new(&self.server.url())
    }

    async fn token(&self, username: &str) -> String {
        let r: Value = self
            .http
            .post(format!("{}/api/v1/login", self.server.url()))
            .json(&json!({"username": username, "password": PASSWORD, "device_name": "test"}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("JSON");
        r["token"].as_str().expect("token").to_owned()
    }

    async fn located_household(&self, grid: usize) -> HouseholdRecord {
        for id in &self.seed.households[grid - 1] {
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
        panic!("no located household in grid {grid}");
    }

    /// worker1 submits a visit of a household of grid 1; its id.
    async fn submitted(&self, answers: Value, photos: Vec<PhotoRef>) -> (Uuid, HouseholdRecord) {
        let h = self.located_household(1).await;
        let visit = submission(&h, answers, photos);
        let id = visit.visit_id;
        self.push_visit(visit).await;
        (id, h)
    }

    /// worker1 pushes one visit, which is applied; its flags.
    async fn push_visit(&self, visit: VisitSubmission) -> Vec<String> {
        let token = self.token("worker1").await;
        let r: Value = self
            .http
            .post(format!("{}/api/v1/push", self.server.url()))
            .bearer_auth(&token)
            .json(&json!({"ops": [Operation {
                op_id: Uuid::new_v4(),
                body: OperationBody::SubmitVisit { visit },
            }]}))
            .send()
            .await
            .expect("push")
            .json()
            .await
            .expect("JSON");
        assert_eq!(r["results"][0]["status"], "applied", "{r}");
        serde_json::from_value(r["results"][0]["flags"].clone()).unwrap_or_default()
    }

    async fn status_of(&self, id: Uuid) -> VisitStatus {
        self.server
            .storage()
            .visit(id)
            .await
            .expect("read")
            .expect("stored")
            .visit
            .status
    }

    /// A supervisor of another community, `supervisor2`.
    async fn other_supervisor(&self) {
        let storage = self.server.storage();
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
    }
}

/// When the tests' visits were finalized: five minutes before [`now`].
fn finalized_at() -> DateTime<Utc> {
    now() - chrono::Duration::minutes(5)
}

fn good_answers(respondent: &str) -> Value {
    json!({
        "household_id": "HP01-0001", "respondent": respondent, "visit_date": finalized_at().date_naive().to_string(),
        "location": {"lat": 30.0, "lon": 104.0, "accuracy_m": 8.5}, "photos": ["photo-0001.jpg"],
        "elder_id": ELDER_ID, "health": "fair", "chronic_illness": ["hypertension", "diabetes"],
        "home_hazards": ["fall_risk"], "emergency_contact": "陈建国（侄子）", "emergency_phone": "13812345678",
        "care_given": ["emotional_support", "cleaning"], "volunteer": "社区志愿者小刘", "follow_up": "no",
        "outcome": "well"
    })
}

fn submission(h: &HouseholdRecord, answers: Value, photos: Vec<PhotoRef>) -> VisitSubmission {
    let at = finalized_at();
    let home = LatLon {
        lat: h.lat.unwrap_or(30.657),
        lon: h.lon.unwrap_or(104.081),
    };
    // About 25 m north of the door: inside the geofence, visible on the plot.
    let position = LatLon {
        lat: home.lat + 0.000_22,
        lon: home.lon,
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
        household: HouseholdLocation::Registered { position: home },
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

#[tokio::test]
async fn login_sets_a_strict_httponly_session_and_logout_ends_it() {
    let f = fixture().await;
    let mut b = f.browser();
    let p = b.get("/").await;
    assert_eq!(p.location.as_deref(), Some("/console"));
    let p = b.get("/console").await;
    assert_eq!(p.location.as_deref(), Some("/console/login"));

    let p = b.try_login("supervisor", "wrong").await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    assert!(p.body.contains("用户名或密码错误"));

    b.login("supervisor").await;
    let session = b
        .set_cookie_lines
        .iter()
        .find(|l| l.starts_with("ds_session=") && !l.contains("Max-Age=0"))
        .expect("session cookie")
        .clone();
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Strict"), "{session}");
    assert!(!session.contains("Secure"), "plain HTTP on loopback");
    let p = b.get("/console").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("待审核"));
    let en = b.get("/console?lang=en").await;
    assert!(en.body.contains("Waiting for review"));

    // Behind a TLS proxy the cookie is Secure.
    let r = f
        .http
        .get(format!("{}/console/login", f.server.url()))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .expect("GET");
    let line = r
        .headers()
        .get(SET_COOKIE)
        .expect("cookie")
        .to_str()
        .expect("ascii");
    assert!(line.contains("; Secure"), "{line}");

    // The console cookie does not call the sync API.
    let cookie = b.cookies.get("ds_session").cloned().expect("session");
    let api = f
        .http
        .get(format!("{}/api/v1/pull", f.server.url()))
        .bearer_auth(&cookie)
        .send()
        .await
        .expect("pull");
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    // The session ends after two idle hours, and after twelve in any case.
    let hash = doorstep_server::auth::token_hash(&cookie);
    let storage = f.server.storage();
    let idle = chrono::Duration::minutes(120);
    let now = f.server.clock().now();
    assert!(
        storage
            .console_session(&hash, now, idle)
            .await
            .expect("read")
            .is_some()
    );
    let later = now + chrono::Duration::minutes(121);
    assert!(
        storage
            .console_session(&hash, later, idle)
            .await
            .expect("read")
            .is_none()
    );
    let much_later = now + chrono::Duration::hours(13);
    let always = chrono::Duration::days(1);
    assert!(
        storage
            .console_session(&hash, much_later, always)
            .await
            .expect("read")
            .is_none()
    );

    // Logout needs the session's CSRF token.
    let csrf = b.csrf().await;
    let p = b.post("/console/logout", &[("csrf", "forged")]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/console").await.status, StatusCode::OK);
    let stolen = b.cookies.get("ds_session").cloned().expect("session");
    let p = b.post("/console/logout", &[("csrf", &csrf)]).await;
    assert_eq!(p.location.as_deref(), Some("/console/login"));
    assert_eq!(
        b.get("/console").await.location.as_deref(),
        Some("/console/login")
    );
    // The old cookie is dead on the server too.
    b.cookies.insert("ds_session".into(), stolen);
    assert_eq!(
        b.get("/console").await.location.as_deref(),
        Some("/console/login")
    );
}

#[tokio::test]
async fn login_without_its_csrf_token_is_refused() {
    let f = fixture().await;
    let mut b = f.browser();
    b.get("/console/login").await;
    let p = b
        .post(
            "/console/login",
            &[
                ("csrf", "x"),
                ("username", "supervisor"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(!b.cookies.contains_key("ds_session"));
}

#[tokio::test]
async fn workers_are_refused_in_both_languages() {
    let f = fixture().await;
    let mut b = f.browser();
    let p = b.try_login("worker1", PASSWORD).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.body.contains("没有管理后台的权限"), "{}", p.body);
    assert!(p.body.contains("no access to the console"));
    assert!(!b.cookies.contains_key("ds_session"));
    // Device tokens do not open the console, not even a supervisor's.
    for who in ["worker1", "supervisor"] {
        let token = f.token(who).await;
        b.cookies.insert("ds_session".into(), token);
        assert_eq!(
            b.get("/console/queue").await.location.as_deref(),
            Some("/console/login")
        );
    }
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_account_even_for_the_right_one() {
    let f = fixture().await;
    let mut b = f.browser();
    for _ in 0..4 {
        assert_eq!(
            b.try_login("supervisor", "guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let p = b.try_login("supervisor", "guess").await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(p.body.contains("锁定"), "{}", p.body);
    let p = b.try_login("supervisor", PASSWORD).await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS, "stays locked");
    assert!(!b.cookies.contains_key("ds_session"));
    // Another account is not affected.
    b.login("admin").await;
}

#[tokio::test]
async fn a_review_post_without_the_csrf_token_changes_nothing() {
    let f = fixture().await;
    let (id, _) = f.submitted(good_answers("王秀英"), vec![]).await;
    let mut b = f.browser();
    b.login("supervisor").await;
    let path = format!("/console/visits/{id}/review");
    let p = b.post(&path, &[("decision", "approve")]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = b
        .post(&path, &[("decision", "approve"), ("csrf", &"0".repeat(64))])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(f.status_of(id).await, VisitStatus::Uploaded);
    // Another session's token does not work either.
    let mut other = f.browser();
    other.login("admin").await;
    let foreign = other.csrf().await;
    let p = b
        .post(&path, &[("decision", "approve"), ("csrf", &foreign)])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(f.status_of(id).await, VisitStatus::Uploaded);
    let csrf = b.csrf().await;
    let p = b
        .post(&path, &[("decision", "approve"), ("csrf", &csrf)])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(f.status_of(id).await, VisitStatus::Approved);
}

#[tokio::test]
async fn a_supervisor_never_sees_another_communitys_visits() {
    let f = fixture().await;
    let (id, h) = f.submitted(good_answers("王秀英"), vec![]).await;
    f.other_supervisor().await;
    let mut mine = f.browser();
    mine.login("supervisor").await;
    let q = mine.get("/console/queue").await;
    assert!(q.body.contains(&id.to_string()));
    assert!(q.body.contains(&h.code));

    let mut other = f.browser();
    other.login("supervisor2").await;
    let q = other.get("/console/queue").await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(!q.body.contains(&id.to_string()));
    assert!(!q.body.contains(&h.code));
    // Even naming the other community's grid in the filter shows nothing.
    let q = other
        .get(&format!("/console/queue?grid={}", h.grid_id))
        .await;
    assert!(!q.body.contains(&id.to_string()));
    let d = other.get(&format!("/console/visits/{id}")).await;
    assert_eq!(d.status, StatusCode::NOT_FOUND);
    assert!(!d.body.contains("王秀英"));
    let csrf = other.csrf().await;
    let p = other
        .post(
            &format!("/console/visits/{id}/review"),
            &[("decision", "approve"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert_eq!(f.status_of(id).await, VisitStatus::Uploaded);
    let dash = other.get("/console").await;
    assert!(!dash.body.contains(&h.code));
    let csv = other
        .get("/console/export/ledger.csv?template=elder_alone_visit")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(!csv.body.contains("王秀英"));
    // Admins are not console-scoped to one community but still see the visit.
    let mut admin = f.browser();
    admin.login("admin").await;
    assert_eq!(
        admin.get(&format!("/console/visits/{id}")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_visit_page_shows_labels_masks_and_escapes() {
    let f = fixture().await;
    let (id, _) = f
        .submitted(good_answers("<script>alert(1)</script>"), vec![])
        .await;
    let mut b = f.browser();
    b.login("supervisor").await;
    let p = b.get(&format!("/console/visits/{id}")).await;
    assert_eq!(p.status, StatusCode::OK);
    // Every answer row has its label; choices and relations in words.
    let answers = p
        .body
        .split("填报内容")
        .nth(1)
        .and_then(|s| s.split("</table>").next())
        .expect("the answers");
    for row in answers.split("<tr>").skip(2) {
        let label = row
            .split("<th>")
            .nth(1)
            .and_then(|s| s.split("</th>").next())
            .unwrap_or("");
        assert!(!label.trim().is_empty(), "a row without a label: {row}");
    }
    assert!(answers.contains("老人年龄"), "the computed age has a label");
    assert!(answers.contains("高血压、糖尿病"), "choices by label");
    let residents = p
        .body
        .split("住户成员")
        .nth(1)
        .and_then(|s| s.split("</table>").next())
        .expect("the residents");
    assert!(residents.contains("户主"), "{residents}");
    assert!(!residents.contains(">head<"), "{residents}");
    let en = b.get(&format!("/console/visits/{id}?lang=en")).await;
    assert!(en.body.contains("Hypertension, Diabetes"));
    assert!(p.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!p.body.contains("<script>"));
    assert!(!p.body.contains(ELDER_ID), "the ID number is masked");
    assert!(p.body.contains("330106********0025"));
    assert!(!p.body.contains("13812345678"), "the phone is masked");
    assert!(p.body.contains("138****5678"));
    assert!(!p.body.contains(">elder_id<"), "labels, not field names");
    assert!(p.body.contains("<svg"), "the door-check plot");
    let household = f.located_household(1).await;
    for r in &household.residents {
        assert!(p.body.contains(&r.name), "residents are listed");
        if let Some(id) = &r.id_number {
            assert!(
                !p.body.contains(id.as_str()),
                "a resident's ID number is masked"
            );
        }
        if let Some(phone) = &r.phone {
            assert!(
                !p.body.contains(phone.as_str()),
                "a resident's phone is masked"
            );
        }
    }
    assert!(p.body.contains("已核验"));
    let q = b.get("/console/queue?status=uploaded&flagged=&grid=&worker=&template=elder_alone_visit&from=&to=").await;
    assert!(q.body.contains(&id.to_string()));
    let q = b.get("/console/queue?template=%27%20OR%201%3D1%20--").await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(
        !q.body.contains(&id.to_string()),
        "SQL in a filter is just text"
    );
    let q = b.get("/console/queue?grid=%27%20OR%201%3D1").await;
    assert_eq!(q.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_return_needs_a_comment_and_reaches_the_workers_pull() {
    let f = fixture().await;
    let worker = f.token("worker1").await;
    let (id, _) = f.submitted(good_answers("王秀英"), vec![]).await;
    let mut b = f.browser();
    b.login("supervisor").await;
    let csrf = b.csrf().await;
    let path = format!("/console/visits/{id}/review");
    let p = b
        .post(
            &path,
            &[("decision", "return"), ("comment", "  "), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("必须填写意见"), "{}", p.body);
    assert_eq!(f.status_of(id).await, VisitStatus::Uploaded);
    let p = b
        .post(
            &path,
            &[
                ("decision", "return"),
                ("comment", "请补拍门牌照片"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(f.status_of(id).await, VisitStatus::Returned);

    let pulled: Value = f
        .http
        .get(format!("{}/api/v1/pull", f.server.url()))
        .bearer_auth(&worker)
        .send()
        .await
        .expect("pull")
        .json()
        .await
        .expect("JSON");
    let reviews = pulled["reviews"].as_array().expect("reviews");
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0]["visit_id"], id.to_string());
    assert_eq!(reviews[0]["status"], "returned");
    assert_eq!(reviews[0]["comment"], "请补拍门牌照片");

    // The worker revises and syncs; the console shows what changed; approve it.
    let h = f.located_household(1).await;
    let mut answers = good_answers("王秀英");
    answers["health"] = json!("good");
    let mut rev2 = submission(&h, answers, vec![]);
    rev2.visit_group = id;
    rev2.revision = 2;
    let rev2_id = rev2.visit_id;
    let r: Value = f
        .http
        .post(format!("{}/api/v1/push", f.server.url()))
        .bearer_auth(&worker)
        .json(&json!({"ops": [Operation {
            op_id: Uuid::new_v4(),
            body: OperationBody::SubmitVisit { visit: rev2 },
        }]}))
        .send()
        .await
        .expect("push")
        .json()
        .await
        .expect("JSON");
    assert_eq!(r["results"][0]["status"], "applied", "{r}");
    let q = b.get("/console/queue?status=uploaded").await;
    assert!(q.body.contains(&rev2_id.to_string()));
    let detail = b.get(&format!("/console/visits/{rev2_id}")).await;
    let history = detail
        .body
        .split("修改记录")
        .nth(1)
        .expect("revision history");
    assert!(
        history.contains("请补拍门牌照片"),
        "the first revision's return comment"
    );
    let last_row = history.split("<tr>").last().expect("rows");
    assert!(last_row.contains("健康状况"), "what changed: {last_row}");
    assert!(
        !last_row.contains("老人姓名"),
        "only what changed: {last_row}"
    );
    let p = b
        .post(
            &format!("/console/visits/{rev2_id}/review"),
            &[("decision", "approve"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(f.status_of(rev2_id).await, VisitStatus::Approved);
    assert_eq!(f.status_of(id).await, VisitStatus::Returned);

    // The same audit line as the JSON API, with where it came from.
    let log = f.server.storage().audit_log(10).await.expect("audit");
    let line = log
        .iter()
        .find(|e| e.action == "visit.review" && e.target == id.to_string())
        .expect("audited");
    assert_eq!(line.target, id.to_string());
    assert_eq!(line.actor_username, "supervisor");
    assert_eq!(line.detail["decision"], "return");
    assert!(
        line.remote_addr
            .as_deref()
            .is_some_and(|a| a.starts_with("127.0.0.1"))
    );

    // The audit page is for admins.
    assert_eq!(b.get("/console/audit").await.status, StatusCode::FORBIDDEN);
    let mut admin = f.browser();
    admin.login("admin").await;
    let page = admin.get("/console/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("visit.review"));
    assert!(page.body.contains(&id.to_string()));
}

#[tokio::test]
async fn photos_are_served_only_to_those_who_may_see_the_visit() {
    let f = fixture().await;
    let worker = f.token("worker1").await;
    let bytes = b"\xff\xd8\xff\xe0 not really a camera photo \xff\xd9".to_vec();
    let sha: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let r = f
        .http
        .put(format!(
            "{}/api/v1/blobs/{sha}?offset=0&total={}",
            f.server.url(),
            bytes.len()
        ))
        .bearer_auth(&worker)
        .body(bytes.clone())
        .send()
        .await
        .expect("PUT");
    assert!(r.status().is_success(), "{}", r.status());
    let photo = PhotoRef {
        sha256: sha.clone(),
        bytes: bytes.len() as u64,
        width: 640,
        height: 480,
        field: "photos".into(),
    };
    let mut answers = good_answers("王秀英");
    answers["photos"] = json!([sha]);
    let (id, _) = f.submitted(answers, vec![photo]).await;
    let mut b = f.browser();
    b.login("supervisor").await;
    let page = b.get(&format!("/console/visits/{id}")).await;
    let src = format!("/console/visits/{id}/photos/{sha}");
    assert!(page.body.contains(&src));
    // The photo answer is a thumbnail, not a list of hashes.
    let answers = page
        .body
        .split("填报内容")
        .nth(1)
        .and_then(|s| s.split("</table>").next())
        .expect("the answers");
    let row = answers
        .split("<tr>")
        .find(|r| r.contains("现场照片"))
        .expect("the photo answer's row");
    assert!(
        row.contains(&format!("<img class=\"thumb\" src=\"{src}\"")),
        "{row}"
    );
    assert!(!page.body.contains("[&quot;"), "no JSON list");
    // The hash is shown short, never whole as text.
    assert!(page.body.contains(&format!("{}…", &sha[..12])));
    assert!(!page.body.contains(&format!(">{sha}")) && !page.body.contains(&format!("{sha}<")));
    let r = f
        .http
        .get(format!("{}{src}", f.server.url()))
        .header(COOKIE, b.cookie_header())
        .send()
        .await
        .expect("photo");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), bytes.as_slice());
    // Without a session, another visit's path, or a traversal: nothing.
    assert_eq!(
        f.browser().get(&src).await.location.as_deref(),
        Some("/console/login")
    );
    let other = Uuid::new_v4();
    assert_eq!(
        b.get(&format!("/console/visits/{other}/photos/{sha}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.get(&format!(
            "/console/visits/{id}/photos/..%2F..%2Fdoorstep.db"
        ))
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    f.other_supervisor().await;
    let mut stranger = f.browser();
    stranger.login("supervisor2").await;
    assert_eq!(stranger.get(&src).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_ledger_csv_is_masked_unless_an_admin_asks_and_is_audited() {
    let f = fixture().await;
    let (id, h) = f.submitted(good_answers("王秀英"), vec![]).await;
    let mut b = f.browser();
    b.login("supervisor").await;
    let p = b
        .get("/console/export/ledger.csv?template=elder_alone_visit")
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.starts_with('\u{feff}'), "a BOM for Excel");
    let lines: Vec<&str> = p.body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("完成时间,户号,网格,网格员,入户情况,状态,版本"));
    assert!(lines[1].contains(&h.code));
    assert!(lines[1].contains("王秀英"));
    assert!(lines[1].contains("330106********0025"));
    assert!(!p.body.contains(ELDER_ID));
    assert!(!p.body.contains("13812345678"));
    // A date range without the visit gives the header only.
    let p = b
        .get("/console/export/ledger.csv?template=elder_alone_visit&from=2020-01-01&to=2020-01-31")
        .await;
    assert_eq!(p.body.trim_start_matches('\u{feff}').lines().count(), 1);
    // Full values: refused to a supervisor, given to an admin who asks, audited.
    let p = b
        .get("/console/export/ledger.csv?template=elder_alone_visit&full=1")
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let mut admin = f.browser();
    admin.login("admin").await;
    let p = admin
        .get("/console/export/ledger.csv?template=elder_alone_visit&full=1")
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains(ELDER_ID));
    assert!(p.body.contains("13812345678"));
    let log = f.server.storage().audit_log(20).await.expect("audit");
    assert!(log.iter().any(|e| e.action == "ledger.export"
        && e.actor_username == "admin"
        && e.detail["full"] == true));
    let _ = id;
}

#[tokio::test]
async fn the_ledger_xlsx_reads_back_with_its_rows() {
    use calamine::{Reader, Xlsx};

    let f = fixture().await;
    let (_, h) = f.submitted(good_answers("王秀英"), vec![]).await;
    f.submitted(good_answers("李桂兰"), vec![]).await;
    let mut b = f.browser();
    b.login("supervisor").await;
    let r = f
        .http
        .get(format!(
            "{}/console/export/ledger.xlsx?template=elder_alone_visit",
            f.server.url()
        ))
        .header(COOKIE, b.cookie_header())
        .send()
        .await
        .expect("export");
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.expect("bytes").to_vec();
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an xlsx workbook");
    let range = book.worksheet_range("台账").expect("the ledger sheet");
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 3, "a header and two visits");
    assert_eq!(rows[0][..3], ["完成时间", "户号", "网格"]);
    let respondents: Vec<&str> = rows[1..]
        .iter()
        .map(|r| {
            r.iter()
                .find(|c| *c == "王秀英" || *c == "李桂兰")
                .map(String::as_str)
                .expect("the respondent")
        })
        .collect();
    assert_eq!(respondents.len(), 2);
    assert!(respondents.contains(&"王秀英") && respondents.contains(&"李桂兰"));
    for row in &rows[1..] {
        assert_eq!(row[1], h.code);
        assert!(row.iter().any(|c| c == "330106********0025"));
        assert!(!row.iter().any(|c| c == ELDER_ID));
    }
    // Typed cells: the time as a date, the revision and photo count as
    // numbers, choices by label; a label on every column, no second code.
    use calamine::{Data, DataType};
    let header = &rows[0];
    assert!(header.iter().all(|h| !h.is_empty()), "{header:?}");
    for name in ["入户情况", "异常", "审核人", "审核时间", "照片数"] {
        assert!(header.iter().any(|h| h == name), "{name} in {header:?}");
    }
    assert!(
        !header.iter().any(|h| h == "户编号"),
        "one code column: {header:?}"
    );
    let cell = |r: usize, name: &str| -> Data {
        let c = header.iter().position(|h| h == name).expect(name);
        range.get((r, c)).cloned().expect("a cell")
    };
    assert!(
        cell(1, "完成时间").is_datetime(),
        "{:?}",
        cell(1, "完成时间")
    );
    assert!(matches!(cell(1, "版本"), Data::Float(n) if n == 1.0));
    assert!(matches!(cell(1, "照片数"), Data::Float(_)));
    assert!(cell(1, "走访日期").is_datetime());
    assert_eq!(cell(1, "健康状况").to_string(), "一般");
    assert_eq!(cell(1, "入户情况").to_string(), "见到本人");
    // Named by the form's title and the day.
    let r = f
        .http
        .get(format!(
            "{}/console/export/ledger.xlsx?template=elder_alone_visit",
            f.server.url()
        ))
        .header(COOKIE, b.cookie_header())
        .send()
        .await
        .expect("export");
    let disposition = r
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let today = f.server.clock().today();
    let encoded = disposition
        .split("filename*=UTF-8''")
        .nth(1)
        .expect("a UTF-8 file name");
    let mut bytes = Vec::new();
    let mut it = encoded.bytes();
    while let Some(c) = it.next() {
        if c == b'%' {
            let hex: String = [it.next(), it.next()]
                .iter()
                .flatten()
                .map(|b| *b as char)
                .collect();
            bytes.push(u8::from_str_radix(&hex, 16).expect("hex"));
        } else {
            bytes.push(c);
        }
    }
    assert_eq!(
        String::from_utf8(bytes).expect("utf-8"),
        format!("独居_孤寡老人探访_台账_{today}.xlsx"),
        "{disposition}"
    );
    assert!(
        disposition.contains(&format!("filename=\"{today}.xlsx\"")),
        "{disposition}"
    );
    // The status filter: nothing approved yet.
    let p = b
        .get("/console/export/ledger.csv?template=elder_alone_visit&status=approved")
        .await;
    assert_eq!(p.body.trim_start_matches('\u{feff}').lines().count(), 1);
}

#[tokio::test]
async fn the_dashboard_counts_visits_waiting_and_anomalies_and_english_sticks() {
    let f = fixture().await;
    f.submitted(good_answers("王秀英"), vec![]).await;
    // An invalid visit: stored, flagged for validation.
    let mut bad = good_answers("李桂兰");
    bad["health"] = json!("not-a-choice");
    let (bad_id, _) = f.submitted(bad, vec![]).await;
    let mut b = f.browser();
    b.login("supervisor").await;
    // Its page says what is wrong in the form's words, not as a code.
    let page = b.get(&format!("/console/visits/{bad_id}")).await;
    let flags = page
        .body
        .split("id=\"flags\"")
        .nth(1)
        .and_then(|s| s.split("</ul>").next())
        .expect("the flags");
    assert!(flags.contains("健康状况"), "{flags}");
    // The queue's badge names the problem in words too, not `unknown_choice@health`.
    let queue = b.get("/console/queue?flagged=1").await;
    assert!(
        queue.body.contains("校验：health 选项不在列表中"),
        "{}",
        queue.body
    );
    assert!(!queue.body.contains("unknown_choice@"), "{}", queue.body);
    let p = b.get("/console").await;
    assert_eq!(p.status, StatusCode::OK);
    let card = |label: &str| {
        let at = p.body.find(label).expect(label);
        let before = &p.body[..at];
        let n = before.rsplit("<b>").next().expect("card");
        n.trim_end_matches("</b>").to_owned()
    };
    assert_eq!(card("今日走访"), "2");
    assert_eq!(card("待审核"), "2");
    assert!(p.body.contains("表单校验未通过"));
    let flagged = b.get("/console/queue?flagged=1").await;
    assert!(
        flagged.body.contains("共 1"),
        "only the invalid visit is flagged"
    );

    // The language switch is remembered in a cookie.
    let r = b
        .http
        .get(format!("{}/console/lang?to=en", b.base))
        .header(COOKIE, b.cookie_header())
        .header(
            "referer",
            format!("{}/console/queue?status=uploaded", b.base),
        )
        .send()
        .await
        .expect("switch");
    let page = b.take(r).await;
    assert_eq!(
        page.location.as_deref(),
        Some("/console/queue?status=uploaded")
    );
    let p = b.get("/console").await;
    assert!(p.body.contains("Waiting for review"));
    assert!(p.body.contains("Form validation failed"));
    // Another site as the referer is not followed.
    let r = b
        .http
        .get(format!("{}/console/lang?to=zh", b.base))
        .header(COOKIE, b.cookie_header())
        .header("referer", "https://evil.example/console")
        .send()
        .await
        .expect("switch");
    assert_eq!(b.take(r).await.location.as_deref(), Some("/console"));
}

#[tokio::test]
async fn map_tiles_show_only_when_configured_and_only_their_server_joins_the_csp() {
    // Without a tile server: the plain plot, images from this server only.
    let plain = fixture().await;
    let (id, _) = plain.submitted(good_answers("王秀英"), vec![]).await;
    let mut b = plain.browser();
    b.login("supervisor").await;
    let p = b.get(&format!("/console/visits/{id}")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("<svg"), "the plot");
    assert!(!p.body.contains("class=\"tile\""));
    let csp = p.csp.expect("a CSP");
    assert!(csp.contains("img-src 'self';"), "{csp}");

    let tiles = TileSource::new("https://tiles.example.org/{z}/{x}/{y}.png", TileCrs::Gcj02)
        .expect("a tile URL");
    let f = fixture_with_config(|c| c.map_tiles = Some(tiles)).await;
    let (id, _) = f.submitted(good_answers("王秀英"), vec![]).await;
    let mut b = f.browser();
    b.login("supervisor").await;
    let p = b.get(&format!("/console/visits/{id}")).await;
    assert_eq!(p.status, StatusCode::OK);
    let imgs = p
        .body
        .matches("<img class=\"tile\" src=\"https://tiles.example.org/")
        .count();
    assert!((1..=4).contains(&imgs), "{imgs} tiles: {}", p.body);
    assert!(p.body.contains("referrerpolicy=\"no-referrer\""));
    assert!(p.body.contains("class=\"household\"") && p.body.contains("class=\"fix\""));
    assert!(!p.body.contains("<script"));
    let csp = p.csp.expect("a CSP");
    assert!(
        csp.contains("img-src 'self' https://tiles.example.org;"),
        "{csp}"
    );
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    // Pages without tiles keep the narrow policy.
    let dashboard = b.get("/console").await;
    let csp = dashboard.csp.expect("a CSP");
    assert!(csp.contains("img-src 'self';"), "{csp}");
}

/// A visit of `h` whose door check found `outcome`, with `answers`.
fn submission_at_door(
    h: &HouseholdRecord,
    answers: Value,
    outcome: DoorOutcome,
) -> VisitSubmission {
    let mut visit = submission(h, answers, vec![]);
    if let Some(d) = visit.door_check.as_mut() {
        d.input.outcome = outcome;
        d.result = check_door(&d.input, &DoorCheckPolicy::default()).expect("door check");
    }
    visit
}

#[tokio::test]
async fn a_full_interview_of_a_household_nobody_met_is_flagged_and_shows_its_door_outcome() {
    let f = fixture().await;
    let h = f.located_household(1).await;
    let visit = submission_at_door(&h, good_answers("王秀英"), DoorOutcome::NobodyHome);
    let id = visit.visit_id;
    let flags = f.push_visit(visit).await;
    assert!(
        flags.iter().any(|x| x == "answers_without_entry"),
        "{flags:?}"
    );
    let mut b = f.browser();
    b.login("supervisor").await;
    let p = b.get(&format!("/console/visits/{id}")).await;
    let outcome = p
        .body
        .split("id=\"door-outcome\">")
        .nth(1)
        .and_then(|s| s.split("</td>").next())
        .expect("the door outcome row");
    assert!(outcome.contains("家中无人"), "{outcome}");
    assert!(p.body.contains("本次未入户"), "a warning above the answers");
    assert!(p.body.contains("未入户却有访谈内容"), "the flag in words");
    assert!(
        !p.body.contains("结论：已核验"),
        "no bare verdict that reads as approval"
    );
    let en = b.get(&format!("/console/visits/{id}?lang=en")).await;
    assert!(en.body.contains("Nobody home"));

    let q = b.get("/console/queue").await;
    let row = q
        .body
        .split("<tr>")
        .find(|r| r.contains(&id.to_string()))
        .expect("the queue row");
    assert!(row.contains("家中无人"), "{row}");

    let csv = b
        .get("/console/export/ledger.csv?template=elder_alone_visit")
        .await;
    let line = csv
        .body
        .lines()
        .find(|l| l.contains(&h.code))
        .expect("a ledger row");
    assert!(line.contains("家中无人"), "{line}");

    // Met at the door: no such flag, and the row says so.
    let (met, _) = f.submitted(good_answers("王秀英"), vec![]).await;
    let stored = f
        .server
        .storage()
        .visit(met)
        .await
        .expect("read")
        .expect("stored");
    assert!(!stored.flags.iter().any(|x| x == "answers_without_entry"));
    // Nobody home with only what a closed door allows: no flag.
    let closed = submission_at_door(
        &h,
        json!({"household_id": h.code, "visit_date": finalized_at().date_naive().to_string(), "outcome": "not_home"}),
        DoorOutcome::NobodyHome,
    );
    let flags = f.push_visit(closed).await;
    assert!(
        !flags.iter().any(|x| x == "answers_without_entry"),
        "{flags:?}"
    );
}

#[tokio::test]
async fn a_visit_keeps_the_title_and_labels_of_its_template_version() {
    let f = fixture().await;
    let (id, _) = f.submitted(good_answers("王秀英"), vec![]).await;
    let source = doorstep_core::forms::templates::source("elder_alone_visit").expect("built in");
    let mut v2: Value = serde_json::from_str(source).expect("JSON");
    v2["version"] = json!(2);
    v2["title"] = json!({"zh": "高龄老人关爱走访", "en": "Care visit to an older person"});
    for field in v2["fields"].as_array_mut().expect("fields") {
        if field["name"] == "health" {
            field["label"] = json!({"zh": "身体情况", "en": "Physical condition"});
        }
    }
    let form = doorstep_core::forms::Form::from_json(&v2.to_string()).expect("loads");
    assert!(f.server.publish_template(form).await.expect("publish"));

    let mut b = f.browser();
    b.login("supervisor").await;
    let p = b.get(&format!("/console/visits/{id}")).await;
    assert!(p.body.contains("独居/孤寡老人探访"), "v1's title");
    assert!(!p.body.contains("高龄老人关爱走访"));
    assert!(p.body.contains("健康状况") && !p.body.contains("身体情况"));
    let q = b.get("/console/queue").await;
    let row = q
        .body
        .split("<tr>")
        .find(|r| r.contains(&id.to_string()))
        .expect("the queue row");
    assert!(row.contains("独居/孤寡老人探访"), "{row}");
    // Choosing a kind offers the latest title.
    assert!(q.body.contains("高龄老人关爱走访"));
}

#[tokio::test]
async fn a_revised_visit_counts_once_and_the_queue_lists_its_latest_revision() {
    let f = fixture().await;
    let (id, h) = f.submitted(good_answers("王秀英"), vec![]).await;
    let mut b = f.browser();
    b.login("supervisor").await;
    let csrf = b.csrf().await;
    let p = b
        .post(
            &format!("/console/visits/{id}/review"),
            &[
                ("decision", "return"),
                ("comment", "请补拍照片"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let mut rev2 = submission(&h, good_answers("王秀英"), vec![]);
    rev2.visit_group = id;
    rev2.revision = 2;
    let rev2_id = rev2.visit_id;
    f.push_visit(rev2).await;

    let dash = b.get("/console").await;
    let card = |label: &str| {
        let at = dash.body.find(label).expect(label);
        let n = dash.body[..at].rsplit("<b>").next().expect("card");
        n.trim_end_matches("</b>").to_owned()
    };
    assert_eq!(card("今日走访"), "1", "two revisions are one visit");
    assert_eq!(card("本周走访"), "1");
    let q = b.get("/console/queue").await;
    assert!(q.body.contains("共 1"), "one line per visit");
    assert!(q.body.contains(&rev2_id.to_string()));
    assert!(!q.body.contains(&format!("/console/visits/{id}\"")));
    let returned = b.get("/console/queue?status=returned").await;
    assert!(
        !returned.body.contains(&id.to_string()),
        "a superseded return is not waiting"
    );
    assert!(returned.body.contains("共 0"));
    // The history is on the visit page.
    let p = b.get(&format!("/console/visits/{rev2_id}")).await;
    assert!(p.body.contains(&format!("/console/visits/{id}\"")));
    // The ledger has one row per visit.
    let csv = b
        .get("/console/export/ledger.csv?template=elder_alone_visit")
        .await;
    assert_eq!(csv.body.trim_start_matches('\u{feff}').lines().count(), 2);
}

impl Fixture {
    /// worker1's pull after `cursor` (from the beginning when `None`), whole.
    async fn pull_after(&self, token: &str, cursor: Option<&str>) -> (Vec<Value>, String) {
        let mut cursor = cursor.map(str::to_owned);
        let mut households = Vec::new();
        loop {
            let mut url = format!("{}/api/v1/pull", self.server.url());
            if let Some(c) = &cursor {
                url.push_str(&format!("?cursor={}", common::enc(c)));
            }
            let r: Value = self
                .http
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("pull")
                .json()
                .await
                .expect("JSON");
            households.extend(r["households"].as_array().cloned().unwrap_or_default());
            cursor = r["cursor"].as_str().map(str::to_owned);
            if r["more"] != true {
                break;
            }
        }
        (households, cursor.unwrap_or_default())
    }

    /// A household of grid 1 with no location: the last located one, its
    /// location cleared.
    async fn unlocated_household(&self) -> HouseholdRecord {
        let storage = self.server.storage();
        for id in self.seed.households[0].iter().rev() {
            let mut h = storage.household(*id).await.expect("read").expect("exists");
            if h.lat.is_some() {
                h.lat = None;
                h.lon = None;
                h.location_confirmed = false;
                h.version += 1;
                storage.upsert_household(&h).await.expect("write");
                return h;
            }
        }
        panic!("no household in grid 1");
    }
}

/// The numbers printed after "距离 " on a page.
fn distances(body: &str) -> Vec<String> {
    body.split("距离 ")
        .skip(1)
        .filter_map(|s| s.split(" m").next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_door_check_figures_agree_and_a_proposed_location_is_settled_by_the_supervisor() {
    let f = fixture().await;
    // The figures above the plot and the plot's own caption say the same.
    let h = f.located_household(1).await;
    let mut far = submission(&h, good_answers("王秀英"), vec![]);
    if let Some(d) = far.door_check.as_mut()
        && let Some(fix) = d.input.fix.as_mut()
    {
        fix.position.lat += 0.0027;
        fix.position.lon += 0.00004;
        d.result = check_door(&d.input, &DoorCheckPolicy::default()).expect("door check");
    }
    let far_id = far.visit_id;
    f.push_visit(far).await;
    let mut b = f.browser();
    b.login("supervisor").await;
    let p = b.get(&format!("/console/visits/{far_id}")).await;
    let d = distances(&p.body);
    assert!(d.len() >= 2, "{d:?}");
    assert!(d.iter().all(|x| *x == d[0]), "{d:?}");

    // A household without a location: the fix is proposed, no home marker.
    let worker = f.token("worker1").await;
    let (_, cursor) = f.pull_after(&worker, None).await;
    let bare = f.unlocated_household().await;
    let mut visit = submission(&bare, good_answers("王秀英"), vec![]);
    if let Some(d) = visit.door_check.as_mut() {
        d.input.household = HouseholdLocation::Unknown;
        d.result = check_door(&d.input, &DoorCheckPolicy::default()).expect("door check");
    }
    let id = visit.visit_id;
    f.push_visit(visit).await;
    let stored = f
        .server
        .storage()
        .household(bare.id)
        .await
        .expect("read")
        .expect("there");
    assert!(
        stored.lat.is_some() && !stored.location_confirmed,
        "proposed"
    );
    let p = b.get(&format!("/console/visits/{id}")).await;
    assert!(!p.body.contains("<svg"), "no plot with a home at the fix");
    assert!(p.body.contains("核验时此户尚无登记位置"));
    assert!(p.body.contains("id=\"proposed-location\""));

    // The supervisor accepts it: audited, and the phone gets it at its next pull.
    let csrf = b.csrf().await;
    let lat = stored.lat.expect("lat").to_string();
    let lon = stored.lon.expect("lon").to_string();
    let path = format!("/console/households/{}/location", bare.id);
    let back = id.to_string();
    let fields = [
        ("csrf", csrf.as_str()),
        ("decision", "accept"),
        ("lat", lat.as_str()),
        ("lon", lon.as_str()),
        ("back", back.as_str()),
    ];
    let r = b.post(&path, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/console/visits/{id}").as_str())
    );
    let settled = f
        .server
        .storage()
        .household(bare.id)
        .await
        .expect("read")
        .expect("there");
    assert!(settled.location_confirmed);
    let (pulled, _) = f.pull_after(&worker, Some(&cursor)).await;
    let mine = pulled
        .iter()
        .find(|x| x["id"] == bare.id.to_string())
        .expect("the household comes again");
    assert_eq!(mine["location_confirmed"], true);
    assert_eq!(mine["lat"].as_f64(), stored.lat);
    let log = f.server.storage().audit_log(10).await.expect("audit");
    assert!(log.iter().any(|e| e.action == "household.location.accept"
        && e.target == bare.id.to_string()
        && e.actor_username == "supervisor"));
    // Settled once: a second decision is refused and changes nothing.
    let r = b.post(&path, &fields).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        !b.get(&format!("/console/visits/{id}"))
            .await
            .body
            .contains("id=\"proposed-location\"")
    );
}

#[tokio::test]
async fn a_rejected_proposed_location_leaves_the_household_without_one() {
    let f = fixture().await;
    let bare = f.unlocated_household().await;
    let mut visit = submission(&bare, good_answers("王秀英"), vec![]);
    if let Some(d) = visit.door_check.as_mut() {
        d.input.household = HouseholdLocation::Unknown;
        d.result = check_door(&d.input, &DoorCheckPolicy::default()).expect("door check");
    }
    f.push_visit(visit).await;
    let stored = f
        .server
        .storage()
        .household(bare.id)
        .await
        .expect("read")
        .expect("there");
    let mut b = f.browser();
    b.login("supervisor").await;
    let csrf = b.csrf().await;
    let lat = stored.lat.expect("proposed").to_string();
    let lon = stored.lon.expect("proposed").to_string();
    // A position that is no position is refused with a clear error.
    for (bad_lat, bad_lon) in [
        ("NaN", lon.as_str()),
        (lat.as_str(), "inf"),
        ("91", lon.as_str()),
    ] {
        let r = b
            .post(
                &format!("/console/households/{}/location", bare.id),
                &[
                    ("csrf", &csrf),
                    ("decision", "reject"),
                    ("lat", bad_lat),
                    ("lon", bad_lon),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad_lat},{bad_lon}");
        assert!(r.body.contains("位置无效"), "{}", r.body);
    }
    let r = b
        .post(
            &format!("/console/households/{}/location", bare.id),
            &[
                ("csrf", &csrf),
                ("decision", "reject"),
                ("lat", &lat),
                ("lon", &lon),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = f
        .server
        .storage()
        .household(bare.id)
        .await
        .expect("read")
        .expect("there");
    assert!(after.lat.is_none() && after.lon.is_none());
    assert!(after.version > stored.version, "sent again to the phones");
    let log = f.server.storage().audit_log(10).await.expect("audit");
    assert!(log.iter().any(|e| e.action == "household.location.reject"));
    // Without the session's CSRF token nothing happens.
    let r = b
        .post(
            &format!("/console/households/{}/location", bare.id),
            &[
                ("csrf", "forged"),
                ("decision", "accept"),
                ("lat", &lat),
                ("lon", &lon),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_page_past_the_end_shows_the_last_and_a_reversed_date_range_is_refused() {
    let f = fixture().await;
    let (id, _) = f.submitted(good_answers("王秀英"), vec![]).await;
    let mut b = f.browser();
    b.login("supervisor").await;
    let p = b.get("/console/queue?page=2").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("1 / 1"), "not 2 / 1");
    assert!(!p.body.contains("2 / 1"));
    assert!(p.body.contains(&id.to_string()), "the last page's rows");
    // A page number at or past the integer's limit is past the end too.
    for huge in ["18446744073709551615", "99999999999999999999999999"] {
        let p = b.get(&format!("/console/queue?page={huge}")).await;
        assert_eq!(p.status, StatusCode::OK, "page {huge}");
        assert!(p.body.contains("1 / 1"), "page {huge}");
        assert!(p.body.contains(&id.to_string()), "page {huge}");
    }
    let p = b.get("/console/queue?from=2026-03-10&to=2026-03-01").await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(
        p.body
            .contains("开始日期 2026-03-10 晚于结束日期 2026-03-01"),
        "{}",
        p.body
    );
    let p = b
        .get("/console/export/ledger.csv?template=elder_alone_visit&from=2026-03-10&to=2026-03-01")
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn anomaly_flags_say_why_with_their_thresholds_and_link_to_the_queue() {
    let f = fixture().await;
    let worker = f.token("worker1").await;
    // One photo handed in for two households.
    let bytes = b"\xff\xd8\xff\xe0 the same door photo twice \xff\xd9".to_vec();
    let sha: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let r = f
        .http
        .put(format!(
            "{}/api/v1/blobs/{sha}?offset=0&total={}",
            f.server.url(),
            bytes.len()
        ))
        .bearer_auth(&worker)
        .body(bytes.clone())
        .send()
        .await
        .expect("PUT");
    assert!(r.status().is_success());
    let photo = PhotoRef {
        sha256: sha.clone(),
        bytes: bytes.len() as u64,
        width: 640,
        height: 480,
        field: "photos".into(),
    };
    let first = f.located_household(1).await;
    let storage = f.server.storage();
    let mut second = None;
    for id in &f.seed.households[0] {
        if *id != first.id {
            second = storage.household(*id).await.expect("read");
            break;
        }
    }
    let second = second.expect("a second household");
    let mut answers = good_answers("王秀英");
    answers["photos"] = json!([sha]);
    let a = submission(&first, answers.clone(), vec![photo.clone()]);
    let mut b2 = submission(&second, answers, vec![photo]);
    // The second one also took ten seconds.
    b2.started.utc = b2.finalized.utc - chrono::Duration::seconds(10);
    let (a_id, b_id) = (a.visit_id, b2.visit_id);
    f.push_visit(a).await;
    let flags = f.push_visit(b2).await;
    assert!(flags.iter().any(|x| x == "too_fast"), "{flags:?}");

    let mut b = f.browser();
    b.login("supervisor").await;
    let dash = b.get("/console").await;
    let anomalies = dash
        .body
        .split("id=\"anomalies\"")
        .nth(1)
        .and_then(|s| s.split("</table>").next())
        .expect("the anomalies table");
    for row in anomalies.split("<tr>").skip(2) {
        assert!(
            row.contains("href=\"/console/queue?flag="),
            "every count links to the queue: {row}"
        );
    }
    let reused = anomalies
        .split("<tr>")
        .find(|r| r.contains("同一照片用于多户"))
        .expect("the reused photo row");
    assert!(reused.contains(">1</a>"), "{reused}");
    let fast = anomalies
        .split("<tr>")
        .find(|r| r.contains("用时过短"))
        .expect("the too-fast row");
    assert!(
        fast.contains("其他走访 1 分钟"),
        "the threshold in words: {fast}"
    );
    assert!(!dash.body.contains(">too_fast<"));
    assert!(anomalies.contains("href=\"/console/queue?flag=form_invalid\""));

    let q = b.get("/console/queue?flag=photo_reused").await;
    assert!(q.body.contains("共 2"), "both visits");
    assert!(q.body.contains(&a_id.to_string()) && q.body.contains(&b_id.to_string()));
    for (me, other) in [(a_id, b_id), (b_id, a_id)] {
        let p = b.get(&format!("/console/visits/{me}")).await;
        let flags = p
            .body
            .split("id=\"flags\"")
            .nth(1)
            .and_then(|s| s.split("</ul>").next())
            .expect("the flags");
        assert!(flags.contains("同一照片用于多户"), "{flags}");
        assert!(
            flags.contains(&format!("/console/visits/{other}")),
            "{flags}"
        );
    }
    let p = b.get(&format!("/console/visits/{b_id}")).await;
    assert!(
        p.body
            .contains("从开始到完成用时 10 秒，该类走访最短合理用时 1 分 0 秒"),
        "{}",
        p.body
    );
}

/// A phone's login; its status and JSON body.
async fn api_login(
    f: &Fixture,
    username: &str,
    password: &str,
    forwarded: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = f
        .http
        .post(format!("{}/api/v1/login", f.server.url()))
        .json(&json!({"username": username, "password": password, "device_name": "test"}));
    if let Some(ip) = forwarded {
        req = req.header("x-forwarded-for", ip);
    }
    let r = req.send().await.expect("login");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_phone_login_honours_the_console_lockout_and_sign_in_failures_are_audited() {
    let f = fixture().await;
    for _ in 0..4 {
        let (status, body) = api_login(&f, "supervisor", "guess", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    let (status, body) = api_login(&f, "supervisor", "guess", None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "account_locked");
    assert!(body["message_zh"].as_str().unwrap_or("").contains("锁定"));
    // Locked: the right password too, on the phone and in the console.
    let (status, _) = api_login(&f, "supervisor", PASSWORD, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let mut b = f.browser();
    assert_eq!(
        b.try_login("supervisor", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another account is not affected.
    let (status, _) = api_login(&f, "worker1", PASSWORD, None).await;
    assert_eq!(status, StatusCode::OK);
    // A worker refused at the console is recorded too.
    assert_eq!(
        b.try_login("worker1", PASSWORD).await.status,
        StatusCode::FORBIDDEN
    );

    let log = f.server.storage().audit_log(50).await.expect("audit");
    let failed = log
        .iter()
        .filter(|e| e.action == "login.failed" && e.actor_username == "supervisor")
        .count();
    assert_eq!(failed, 4);
    assert!(log.iter().any(|e| e.action == "login.locked"
        && e.actor_username == "supervisor"
        && e.detail["via"] == "api"));
    assert!(
        log.iter()
            .any(|e| e.action == "console.login_refused" && e.actor_username == "worker1")
    );
    assert!(
        log.iter().all(|e| !e.detail.to_string().contains("guess")),
        "no passwords"
    );

    // The admin reads them in words, filtered and paged, with links.
    let mut admin = f.browser();
    admin.login("admin").await;
    let p = admin.get("/console/audit?action=login.failed").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("共 4"), "only the failed sign-ins");
    assert!(p.body.contains("登录失败（密码错误）"));
    let p = admin.get("/console/audit?user=worker1").await;
    let rows = p.body.split("<tbody>").nth(1).expect("the lines");
    assert!(
        rows.contains("管理后台登录被拒绝") && !rows.contains("登录失败"),
        "{rows}"
    );
    let p = admin
        .get("/console/audit?from=2020-01-01&to=2020-01-31")
        .await;
    assert!(p.body.contains("共 0"));
    let p = admin
        .get("/console/audit?from=2026-03-10&to=2026-03-01")
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    let p = admin.get("/console/audit?page=9").await;
    assert!(p.body.contains("1 / 1"));
    let p = admin.get("/console/audit?page=18446744073709551615").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.body.contains("1 / 1"),
        "a page at the integer's limit is the last"
    );
    // A review is linked to its visit.
    let (id, _) = f.submitted(good_answers("王秀英"), vec![]).await;
    let mut sup = f.browser();
    sup.login("admin").await;
    let csrf = sup.csrf().await;
    sup.post(
        &format!("/console/visits/{id}/review"),
        &[("decision", "approve"), ("csrf", &csrf)],
    )
    .await;
    let p = admin.get("/console/audit?action=visit.review").await;
    assert!(
        p.body
            .contains(&format!("<a href=\"/console/visits/{id}\">")),
        "{}",
        p.body
    );
    assert!(p.body.contains("审核走访"));
}

#[tokio::test]
async fn only_a_trusted_proxy_names_the_client_address() {
    // Behind a trusted proxy: one client's failures do not lock another.
    let f =
        fixture_with_config(|c| c.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")]).await;
    for n in 0..20 {
        let (status, _) = api_login(&f, &format!("nobody{n}"), "guess", Some("203.0.113.7")).await;
        let expected = if n < 19 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(status, expected, "attempt {n}");
    }
    let (status, _) = api_login(&f, "worker1", PASSWORD, Some("203.0.113.7")).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "that address is locked"
    );
    let (status, _) = api_login(&f, "worker1", PASSWORD, Some("198.51.100.2")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "another client behind the proxy is not"
    );
    let log = f.server.storage().audit_log(5).await.expect("audit");
    assert!(log.iter().any(|e| {
        e.remote_addr
            .as_deref()
            .is_some_and(|a| a.starts_with("203.0.113.7"))
    }));

    // Without one, the header is ignored: a client cannot pose as another.
    let f = fixture().await;
    for n in 0..20 {
        let forged = format!("203.0.113.{n}");
        api_login(&f, &format!("nobody{n}"), "guess", Some(&forged)).await;
    }
    let (status, _) = api_login(&f, "worker1", PASSWORD, Some("198.51.100.2")).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the connecting address is locked"
    );
}
