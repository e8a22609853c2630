//! The console's dashboard and notices against a real server on loopback (on
//! PostgreSQL too when `DOORSTEP_TEST_POSTGRES_URL` is set): the too-fast and
//! failed-attempts anomalies (flagged at push, listed by the queue's filter,
//! counted on the dashboard), per-grid coverage and overdue follow-ups, and
//! the 张榜公示 notice (masked names, public fields only, one community), and
//! "today" and "this month" at Beijing's midnight, month's end and a phone in
//! another time zone. The server's clock is fixed: no test reads the real date.

mod common;

use common::{Fixture, PASSWORD};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use doorstep_core::domain::{
    Community, DeviceInstant, Grid, ResidentTag, Subdistrict, VisitStatus,
};
use doorstep_core::evidence::{
    DoorCheckInput, DoorCheckPolicy, DoorOutcome, GpsFix, HouseholdLocation, LatLon, Provider,
    check_door,
};
use doorstep_core::sync::protocol::{
    DoorCheckRecord, HouseholdRecord, Operation, OperationBody, ResidentRecord, Role,
    VisitSubmission,
};
use doorstep_server::storage::{AuditEntry, NewReview, NewUser};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use uuid::Uuid;

const HEAD_ID: &str = "330106193809090025";
const HEAD_PHONE: &str = "13812345678";

fn value_between<'a>(html: &'a str, start: &str) -> &'a str {
    let at = html.find(start).expect(start) + start.len();
    html[at..].split('"').next().expect("value")
}

/// The server's clock in these tests: 10:00 on Wednesday 2 December 2026 in
/// Beijing (it runs on from there).
const NOW: &str = "2026-12-02T02:00:00Z";
/// That day in Beijing, and the day before.
const TODAY: &str = "2026-12-02";
const YESTERDAY: &str = "2026-12-01";

/// A seeded server whose clock reads [`NOW`].
async fn fixture() -> Fixture {
    let f = common::fixture_with(2, 3, |_| {}).await;
    f.server.clock().set(at(NOW));
    f
}

/// An instant written in RFC 3339.
fn at(instant: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(instant)
        .expect("an RFC 3339 instant")
        .with_timezone(&Utc)
}

impl Fixture {
    /// A console session cookie of `username`.
    async fn console(&self, username: &str) -> String {
        let form = self
            .http
            .get(format!("{}/console/login", self.server.url()))
            .send()
            .await
            .expect("login form");
        let pre: Vec<String> = form
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| {
                v.to_str()
                    .expect("ascii")
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect();
        let body = form.text().await.expect("body");
        let csrf = value_between(&body, "name=\"csrf\" value=\"").to_owned();
        let r = self
            .http
            .post(format!("{}/console/login", self.server.url()))
            .header(COOKIE, pre.join("; "))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "csrf={}&username={username}&password={PASSWORD}",
                csrf.replace('+', "%2B")
                    .replace('/', "%2F")
                    .replace('=', "%3D")
            ))
            .send()
            .await
            .expect("login");
        assert_eq!(r.headers().get(LOCATION).expect("redirect"), "/console");
        r.headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| {
                v.to_str()
                    .expect("ascii")
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn page(&self, cookie: &str, path: &str) -> (reqwest::StatusCode, Vec<u8>) {
        let r = self
            .http
            .get(format!("{}{path}", self.server.url()))
            .header(COOKIE, cookie)
            .send()
            .await
            .expect("GET");
        let status = r.status();
        (status, r.bytes().await.expect("body").to_vec())
    }

    async fn html(&self, cookie: &str, path: &str) -> String {
        let (status, body) = self.page(cookie, path).await;
        let body = String::from_utf8(body).expect("utf-8");
        assert_eq!(status, reqwest::StatusCode::OK, "{path}: {body}");
        body
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

    /// Pushes one visit; the flags it was stored with.
    async fn push(&self, token: &str, visit: VisitSubmission) -> Vec<String> {
        let r: Value = self
            .http
            .post(format!("{}/api/v1/push", self.server.url()))
            .bearer_auth(token)
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
        serde_json::from_value(r["results"][0]["flags"].clone()).expect("flags")
    }

    async fn household(&self, id: Uuid) -> HouseholdRecord {
        self.server
            .storage()
            .household(id)
            .await
            .expect("read")
            .expect("exists")
    }

    /// A new grid of `community` with worker `worker` assigned to it.
    async fn grid(&self, community: Uuid, code: &str, name: &str, worker: &str) -> Uuid {
        let storage = self.server.storage();
        let id = Uuid::new_v4();
        storage
            .add_grid(&Grid {
                id,
                community_id: community,
                code: code.into(),
                name: name.into(),
            })
            .await
            .expect("grid");
        storage
            .create_user(&NewUser {
                username: worker.into(),
                display_name: "测试网格员".into(),
                role: Role::Worker,
                password_hash: doorstep_server::auth::hash_password(PASSWORD).expect("hash"),
                community_id: None,
                grid_ids: vec![id],
            })
            .await
            .expect("worker");
        id
    }

    /// A located household of `grid` whose head `head` holds `tags`.
    async fn add_household(&self, grid: Uuid, head: &str, tags: &[&str]) -> HouseholdRecord {
        let since = NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
        let h = HouseholdRecord {
            id: Uuid::new_v4(),
            code: format!("T-{}", &Uuid::new_v4().simple().to_string()[..6]),
            grid_id: grid,
            estate: "和平小区".into(),
            building: Some("3栋".into()),
            unit: Some("2单元".into()),
            door: Some("1702".into()),
            lat: Some(30.657),
            lon: Some(104.081),
            location_confirmed: true,
            residence_type: "registered".into(),
            landlord_name: None,
            landlord_phone: None,
            notes: String::new(),
            version: 1,
            residents: vec![
                ResidentRecord {
                    id: Uuid::new_v4(),
                    name: head.into(),
                    id_number: Some(HEAD_ID.into()),
                    phone: Some(HEAD_PHONE.into()),
                    relation: "head".into(),
                    tags: tags
                        .iter()
                        .map(|code| ResidentTag {
                            code: (*code).into(),
                            start: since,
                            end: None,
                            attributes: Default::default(),
                        })
                        .collect(),
                },
                ResidentRecord {
                    id: Uuid::new_v4(),
                    name: "李秀英".into(),
                    id_number: None,
                    phone: None,
                    relation: "spouse".into(),
                    tags: vec![],
                },
            ],
            due: vec![],
            past_visits: Vec::new(),
        };
        self.server
            .storage()
            .upsert_household(&h)
            .await
            .expect("household");
        h
    }

    async fn review(&self, visit: Uuid, status: VisitStatus) {
        let reviewer = self.seed.user("supervisor").expect("supervisor").id;
        self.server
            .storage()
            .record_review(
                &NewReview {
                    visit_id: visit,
                    expected: VisitStatus::Uploaded,
                    status,
                    comment: "请补充".into(),
                    reviewer_id: reviewer,
                    reviewer_name: "周慧敏".into(),
                    decided_at: self.server.clock().now(),
                },
                &AuditEntry {
                    at: self.server.clock().now(),
                    actor_id: reviewer,
                    actor_username: "supervisor".into(),
                    action: "visit.review".into(),
                    target: visit.to_string(),
                    detail: json!({}),
                    remote_addr: None,
                },
            )
            .await
            .expect("review")
            .expect("was waiting");
    }
}

fn elder_answers() -> Value {
    elder_answers_on(TODAY)
}

/// An elder's visit answered as made on `date`.
fn elder_answers_on(date: &str) -> Value {
    json!({
        "household_id": "HP01-0001", "respondent": "王秀英", "visit_date": date,
        "location": {"lat": 30.0, "lon": 104.0, "accuracy_m": 8.5}, "photos": ["photo-0001.jpg"],
        "elder_id": HEAD_ID, "health": "fair", "chronic_illness": ["hypertension"],
        "home_hazards": ["fall_risk"], "emergency_contact": "陈建国（侄子）", "emergency_phone": HEAD_PHONE,
        "care_given": ["emotional_support"], "volunteer": "社区志愿者小刘", "follow_up": "no",
        "outcome": "well"
    })
}

fn dibao_answers() -> Value {
    json!({
        "household_id": "T-1", "respondent": "张建华", "visit_date": YESTERDAY,
        "household_size": 2, "reemployed": "yes", "reemployment_detail": "某超市理货员",
        "life_changes": ["illness"], "monthly_income": 90000, "dibao_standard": 80000,
        "proposal": "increase", "proposed_amount": 50000, "reason": "新增重病，医疗支出增加",
        "photos": ["photo-0001.jpg"]
    })
}

/// A visit of `template` finalized `took` after it started and after its
/// door check, with `outcome` at the door, finalized at `at`.
fn visit(
    h: &HouseholdRecord,
    template: &str,
    answers: Value,
    outcome: DoorOutcome,
    at: DateTime<Utc>,
    took: Duration,
) -> VisitSubmission {
    let home = LatLon {
        lat: h.lat.unwrap_or(30.657),
        lon: h.lon.unwrap_or(104.081),
    };
    let input = DoorCheckInput {
        fix: Some(GpsFix {
            position: home,
            accuracy_m: 8.0,
            altitude_m: None,
            fix_time: at - took,
            provider: Provider::Gps,
            is_mock: false,
            satellites: Some(9),
            monotonic_age: None,
        }),
        checked_at: at - took,
        outcome,
        household: HouseholdLocation::Registered { position: home },
    };
    let result = check_door(&input, &DoorCheckPolicy::default()).expect("door check");
    let id = Uuid::new_v4();
    VisitSubmission {
        visit_id: id,
        visit_group: id,
        revision: 1,
        template_id: template.to_owned(),
        template_version: 1,
        household_id: h.id,
        started: DeviceInstant {
            utc: at - took,
            offset_seconds: 8 * 3600,
        },
        finalized: DeviceInstant {
            utc: at,
            offset_seconds: 8 * 3600,
        },
        answers,
        door_check: Some(DoorCheckRecord { input, result }),
        photos: vec![],
    }
}

/// The number in the dashboard's anomaly row labelled `label`.
fn anomaly_count(dashboard: &str, label: &str) -> String {
    let marker = format!(">{label}</a></td><td>");
    let at = dashboard.find(&marker).expect(label) + marker.len();
    let cell = &dashboard[at..];
    assert!(
        cell.starts_with("<a href=\"/console/queue?flag="),
        "the count links to the queue: {cell}"
    );
    let link_end = cell.find("\">").expect("the link") + 2;
    cell[link_end..]
        .split('<')
        .next()
        .expect("count")
        .to_owned()
}

#[tokio::test]
async fn a_visit_finished_ten_seconds_after_its_door_check_is_flagged_listed_and_counted() {
    let f = fixture().await;
    let token = f.token("worker1").await;
    let h = f.household(f.seed.households[0][0]).await;
    let now = f.server.clock().now() - Duration::minutes(1);
    let quick = visit(
        &h,
        "elder_alone_visit",
        elder_answers(),
        DoorOutcome::Met,
        now,
        Duration::seconds(10),
    );
    let quick_id = quick.visit_id;
    assert!(f.push(&token, quick).await.contains(&"too_fast".to_owned()));
    let normal = visit(
        &h,
        "elder_alone_visit",
        elder_answers(),
        DoorOutcome::Met,
        now,
        Duration::minutes(15),
    );
    assert!(
        !f.push(&token, normal)
            .await
            .contains(&"too_fast".to_owned())
    );
    // Nobody home is short by nature: not too fast.
    let away = visit(
        &h,
        "elder_alone_visit",
        elder_answers(),
        DoorOutcome::NobodyHome,
        now,
        Duration::seconds(5),
    );
    assert!(!f.push(&token, away).await.contains(&"too_fast".to_owned()));
    // A revision corrects answers given before: quick, and not too fast.
    let mut revision = visit(
        &h,
        "elder_alone_visit",
        elder_answers(),
        DoorOutcome::Met,
        now,
        Duration::seconds(10),
    );
    revision.visit_group = Uuid::new_v4();
    revision.revision = 2;
    assert!(
        !f.push(&token, revision)
            .await
            .contains(&"too_fast".to_owned())
    );

    let cookie = f.console("supervisor").await;
    let queue = f.html(&cookie, "/console/queue?flag=too_fast").await;
    assert!(queue.contains("共 1"), "only the quick visit: {queue}");
    assert!(queue.contains(&quick_id.to_string()));
    assert!(queue.contains("<option value=\"too_fast\" selected>"));
    let dashboard = f.html(&cookie, "/console").await;
    assert_eq!(anomaly_count(&dashboard, "用时过短"), "1");
    let page = f
        .html(&cookie, &format!("/console/visits/{quick_id}"))
        .await;
    assert!(
        page.contains("用时过短") && page.contains("从开始到完成用时 10 秒"),
        "{page}"
    );
}

#[tokio::test]
async fn a_visit_handed_in_after_its_grid_was_taken_is_an_anomaly_the_supervisor_can_list() {
    let f = fixture().await;
    let token = f.token("worker1").await;
    let h = f.household(f.seed.households[0][0]).await;
    let begun = visit(
        &h,
        "elder_alone_visit",
        elder_answers(),
        DoorOutcome::Met,
        f.server.clock().now() - Duration::hours(2),
        Duration::minutes(15),
    );
    let id = begun.visit_id;
    let worker1 = f.seed.user("worker1").expect("seeded").id;
    f.server
        .storage()
        .set_user_grids(worker1, &[f.seed.grid_ids[1]])
        .await
        .expect("reassign");
    assert!(
        f.push(&token, begun)
            .await
            .contains(&"grid_released".to_owned())
    );

    let cookie = f.console("supervisor").await;
    let label = "网格调整前开始的走访（该网格已不归此网格员）";
    assert_eq!(
        anomaly_count(&f.html(&cookie, "/console").await, label),
        "1"
    );
    let queue = f.html(&cookie, "/console/queue?flag=grid_released").await;
    assert!(
        queue.contains("共 1") && queue.contains(&id.to_string()),
        "{queue}"
    );
    let page = f.html(&cookie, &format!("/console/visits/{id}")).await;
    assert!(page.contains(label), "{page}");
}

#[tokio::test]
async fn the_third_failed_door_attempt_flags_the_household() {
    let f = fixture().await;
    let token = f.token("worker1").await;
    let h = f.household(f.seed.households[0][1]).await;
    let now = f.server.clock().now() - Duration::hours(1);
    let took = Duration::minutes(2);
    let mut flagged = Vec::new();
    for (i, outcome) in [
        DoorOutcome::NobodyHome,
        DoorOutcome::Refused,
        DoorOutcome::NobodyHome,
    ]
    .into_iter()
    .enumerate()
    {
        let at = now - Duration::days(3 - i as i64);
        let v = visit(&h, "elder_alone_visit", elder_answers(), outcome, at, took);
        flagged.push(
            f.push(&token, v)
                .await
                .contains(&"failed_attempts".to_owned()),
        );
    }
    assert_eq!(flagged, [false, false, true]);
    // Met at last: the count starts again.
    let met = visit(
        &h,
        "elder_alone_visit",
        elder_answers(),
        DoorOutcome::Met,
        now,
        Duration::minutes(20),
    );
    assert!(
        !f.push(&token, met)
            .await
            .contains(&"failed_attempts".to_owned())
    );
    let again = visit(
        &h,
        "elder_alone_visit",
        elder_answers(),
        DoorOutcome::NobodyHome,
        now + Duration::minutes(30),
        took,
    );
    assert!(
        !f.push(&token, again)
            .await
            .contains(&"failed_attempts".to_owned())
    );

    let cookie = f.console("supervisor").await;
    let queue = f.html(&cookie, "/console/queue?flag=failed_attempts").await;
    assert!(queue.contains("共 1") && queue.contains(&h.code), "{queue}");
    let dashboard = f.html(&cookie, "/console").await;
    assert_eq!(
        anomaly_count(&dashboard, "多次未能入户（家中无人或拒绝）"),
        "1"
    );
}

#[tokio::test]
async fn coverage_counts_due_and_visited_households_and_overdue_follow_ups() {
    let f = fixture().await;
    let community = f.seed.community_id.expect("community");
    let grid = f
        .grid(community, "HP-09", "和平社区覆盖网格", "worker9")
        .await;
    let mut households = Vec::new();
    for i in 0..5 {
        households.push(f.add_household(grid, &format!("张{i}华"), &["dibao"]).await);
    }
    f.add_household(grid, "王五", &[]).await; // no tag: never due
    let token = f.token("worker9").await;
    let now = f.server.clock().now() - Duration::minutes(10);
    let mut visits = Vec::new();
    for h in &households[..3] {
        let v = visit(
            h,
            "dibao_review",
            dibao_answers(),
            DoorOutcome::Met,
            now,
            Duration::minutes(20),
        );
        visits.push(v.visit_id);
        f.push(&token, v).await;
    }
    f.review(visits[0], VisitStatus::Returned).await;
    // A second return, already revised: no longer a follow-up waiting.
    f.review(visits[1], VisitStatus::Returned).await;
    let mut revision = visit(
        &households[1],
        "dibao_review",
        dibao_answers(),
        DoorOutcome::Met,
        now + Duration::minutes(5),
        Duration::minutes(20),
    );
    revision.visit_group = visits[1];
    revision.revision = 2;
    f.push(&token, revision).await;

    let cookie = f.console("supervisor").await;
    let dashboard = f.html(&cookie, "/console").await;
    let row = dashboard
        .split(&format!("<tr data-grid=\"{grid}\">"))
        .nth(1)
        .expect("the grid's row")
        .split("</tr>")
        .next()
        .expect("row end");
    let cell = |class: &str| value_between(row, &format!("<td class=\"{class}\">")).to_owned();
    let cell = |class: &str| cell(class).split('<').next().unwrap_or("").to_owned();
    assert_eq!(cell("due"), "5");
    assert_eq!(cell("visited"), "3");
    assert_eq!(cell("percent"), "60%");
    // The two unvisited households held the tag all last quarter unvisited.
    assert_eq!(cell("overdue"), "2");
    assert!(
        row.contains("status=returned\">1</a>"),
        "one return not yet revised: {row}"
    );
}

/// The number on the dashboard's card labelled `label`, and where it links.
fn card(dashboard: &str, label: &str) -> (String, String) {
    let end = dashboard.find(&format!("</b>{label}</a>")).expect(label);
    let marker = "<a class=\"card\" href=\"";
    let start = dashboard[..end].rfind(marker).expect("card") + marker.len();
    let (href, number) = dashboard[start..end].split_once("\"><b>").expect("card");
    (number.to_owned(), href.to_owned())
}

/// The grid's coverage cells on the dashboard: due, visited, overdue.
fn coverage_of(dashboard: &str, grid: Uuid) -> [String; 3] {
    let row = dashboard
        .split(&format!("<tr data-grid=\"{grid}\">"))
        .nth(1)
        .expect("the grid's row")
        .split("</tr>")
        .next()
        .expect("row end");
    ["due", "visited", "overdue"].map(|class| {
        value_between(row, &format!("<td class=\"{class}\">"))
            .split('<')
            .next()
            .unwrap_or("")
            .to_owned()
    })
}

#[tokio::test]
async fn a_visit_at_half_past_seven_in_beijing_on_the_first_counts_for_that_day_and_month() {
    let f = fixture().await;
    let community = f.seed.community_id.expect("community");
    let grid = f
        .grid(community, "HP-07", "和平社区月初网格", "worker7")
        .await;
    let early = f.add_household(grid, "周桂兰", &["elder_alone"]).await;
    let before_midnight = f.add_household(grid, "吴秀珍", &["elder_alone"]).await;
    let after_midnight = f.add_household(grid, "郑玉梅", &["elder_alone"]).await;
    let new_york = f.add_household(grid, "钱淑芬", &["elder_alone"]).await;
    let sunday_new_york = f.add_household(grid, "孙桂香", &["elder_alone"]).await;
    // 08:00 on Tuesday 1 December in Beijing: still 30 November in UTC.
    f.server.clock().set(at("2026-12-01T00:00:00Z"));
    let token = f.token("worker7").await;
    for (h, finalized, offset_hours, date) in [
        // 07:30 on 1 December in Beijing.
        (&early, "2026-11-30T23:30:00Z", 8, "2026-12-01"),
        // 23:59 on 30 November, and 00:01 on 1 December, in Beijing.
        (&before_midnight, "2026-11-30T15:59:00Z", 8, "2026-11-30"),
        (&after_midnight, "2026-11-30T16:01:00Z", 8, "2026-12-01"),
        // 20:00 on 30 November on a phone in New York: 1 December in UTC
        // and in Beijing, but the visit's own day is 30 November.
        (&new_york, "2026-12-01T01:00:00Z", -5, "2026-11-30"),
        // 20:00 on Sunday 29 November in New York: Monday 30 November, this
        // week, in UTC and in Beijing, but last week by its own day.
        (&sunday_new_york, "2026-11-30T01:00:00Z", -5, "2026-11-29"),
    ] {
        let mut v = visit(
            h,
            "elder_alone_visit",
            elder_answers_on(date),
            DoorOutcome::Met,
            at(finalized),
            Duration::minutes(20),
        );
        v.started.offset_seconds = offset_hours * 3600;
        v.finalized.offset_seconds = offset_hours * 3600;
        f.push(&token, v).await;
    }

    let cookie = f.console("supervisor").await;
    let dashboard = f.html(&cookie, "/console").await;
    let (today, link) = card(&dashboard, "今日走访");
    assert_eq!(
        link, "/console/queue?from=2026-12-01",
        "today is 1 December in Beijing"
    );
    // 07:30 and 00:01 in Beijing are today; 23:59 the day before is not, nor
    // the New York visit (09:00 on 1 December in Beijing, 30 November where
    // it was made), as coverage below counts it for November.
    assert_eq!(today, "2");
    // The week began on Monday 30 November: the Sunday evening in New York
    // is last week's, though it was Monday morning in Beijing.
    assert_eq!(card(&dashboard, "本周走访").0, "4");
    let row = dashboard
        .split(&format!("<tr data-grid=\"{grid}\">"))
        .nth(1)
        .expect("the grid's row");
    assert!(row.contains("</a></td><td>4</td>"), "{row}");
    // The card's link lists exactly the visits it counted: the queue's day
    // filters judge a visit by its own local day too.
    let queue = f.html(&cookie, &link).await;
    assert!(
        queue.contains(&early.code)
            && queue.contains(&after_midnight.code)
            && !queue.contains(&before_midnight.code)
            && !queue.contains(&new_york.code),
        "{queue}"
    );
    let november = f.html(&cookie, "/console/queue?to=2026-11-30").await;
    assert!(
        november.contains(&before_midnight.code)
            && november.contains(&new_york.code)
            && !november.contains(&early.code)
            && !november.contains(&after_midnight.code),
        "{november}"
    );
    // This month's routine visit: made by the 07:30 and 00:01 visits, owed
    // by the 23:59 one and the New York phone's (November by their own day).
    let [due, visited, _] = coverage_of(&dashboard, grid);
    assert_eq!((due.as_str(), visited.as_str()), ("5", "2"));

    // The month's last minute in Beijing: December's visits still count.
    f.server.clock().set(at("2026-12-31T15:59:00Z"));
    let cookie = f.console("supervisor").await;
    let dashboard = f.html(&cookie, "/console").await;
    assert_eq!(card(&dashboard, "今日走访").0, "0");
    let [due, visited, overdue_in_december] = coverage_of(&dashboard, grid);
    assert_eq!((due.as_str(), visited.as_str()), ("5", "2"));

    // Two minutes later it is January there (still 31 December in UTC):
    // nobody is visited this month, and the two households missed in
    // December are overdue.
    f.server.clock().advance(Duration::minutes(2));
    let cookie = f.console("supervisor").await;
    let dashboard = f.html(&cookie, "/console").await;
    let (_, link) = card(&dashboard, "今日走访");
    assert_eq!(link, "/console/queue?from=2027-01-01");
    let [due, visited, overdue] = coverage_of(&dashboard, grid);
    assert_eq!((due.as_str(), visited.as_str()), ("5", "0"));
    let more: u64 = overdue.parse::<u64>().expect("a count")
        - overdue_in_december.parse::<u64>().expect("a count");
    assert_eq!(more, 3, "December missed by three households");
}

#[tokio::test]
async fn the_notice_masks_names_holds_only_public_fields_and_one_community() {
    let f = fixture().await;
    let community = f.seed.community_id.expect("community");
    let grid = f
        .grid(community, "HP-08", "和平社区公示网格", "worker8")
        .await;
    let h = f.add_household(grid, "张建华", &["dibao"]).await;
    let waiting = f.add_household(grid, "赵未审", &["dibao"]).await;
    let token = f.token("worker8").await;
    let now = f.server.clock().now() - Duration::minutes(10);
    let approved = visit(
        &h,
        "dibao_review",
        dibao_answers(),
        DoorOutcome::Met,
        now,
        Duration::minutes(20),
    );
    let approved_id = approved.visit_id;
    f.push(&token, approved).await;
    f.review(approved_id, VisitStatus::Approved).await;
    f.push(
        &token,
        visit(
            &waiting,
            "dibao_review",
            dibao_answers(),
            DoorOutcome::Met,
            now,
            Duration::minutes(20),
        ),
    )
    .await;

    // Another community with its own supervisor and an approved visit.
    let storage = f.server.storage();
    let sub = Subdistrict {
        id: Uuid::new_v4(),
        name: "另一街道".into(),
    };
    storage.add_subdistrict(&sub).await.expect("subdistrict");
    let other = Community {
        id: Uuid::new_v4(),
        subdistrict_id: sub.id,
        name: "幸福社区".into(),
    };
    storage.add_community(&other).await.expect("community");
    storage
        .create_user(&NewUser {
            username: "supervisor2".into(),
            display_name: "郑国华".into(),
            role: Role::Supervisor,
            password_hash: doorstep_server::auth::hash_password(PASSWORD).expect("hash"),
            community_id: Some(other.id),
            grid_ids: vec![],
        })
        .await
        .expect("supervisor2");
    let other_grid = f
        .grid(other.id, "XF-01", "幸福社区第一网格", "worker7")
        .await;
    let stranger = f.add_household(other_grid, "孙立新", &["dibao"]).await;
    let other_visit = visit(
        &stranger,
        "dibao_review",
        dibao_answers(),
        DoorOutcome::Met,
        now,
        Duration::minutes(20),
    );
    let other_id = other_visit.visit_id;
    f.push(&f.token("worker7").await, other_visit).await;
    f.review(other_id, VisitStatus::Approved).await;

    // The admin sets the supervision phone every notice prints.
    let admin = f.console("admin").await;
    let form = f.html(&admin, "/console/export").await;
    let csrf = form
        .split("action=\"/console/admin/notice-phone\"")
        .nth(1)
        .and_then(|s| s.split("name=\"csrf\" value=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .expect("the phone form")
        .to_owned();
    let r = f
        .http
        .post(format!("{}/console/admin/notice-phone", f.server.url()))
        .header(COOKIE, &admin)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf={}&phone=028-8765%204321",
            csrf.replace('+', "%2B")
                .replace('/', "%2F")
                .replace('=', "%3D")
        ))
        .send()
        .await
        .expect("set the phone");
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    // Audited at the server clock's time (10:00 on 2 December in Beijing),
    // not the computer's.
    let log = f.server.storage().audit_log(10).await.expect("audit");
    let entry = log
        .iter()
        .find(|e| e.action == "notice.settings")
        .expect("the phone setting is audited");
    assert!(
        (entry.at - at(NOW)).num_seconds().abs() < 60,
        "audited at {}",
        entry.at
    );

    let cookie = f.console("supervisor").await;
    let export = f.html(&cookie, "/console/export").await;
    assert!(
        !export.contains("notice-phone"),
        "the phone is the admin's to set"
    );
    assert!(
        export.contains("/console/export/notice.xlsx") && export.contains("value=\"dibao_review\"")
    );
    let (status, bytes) = f
        .page(
            &cookie,
            "/console/export/notice.xlsx?template=dibao_review&start=2026-12-07&end=2026-12-13",
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an xlsx workbook");
    let rows: Vec<Vec<String>> = book
        .worksheet_range("公示")
        .expect("the notice sheet")
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    // A title with the community, the 公示 period and the supervision phone.
    assert_eq!(rows[0][0], "和平社区低保定期复核公示");
    assert_eq!(rows[1][0], "公示期：2026-12-07 至 2026-12-13");
    assert!(
        rows[2][0].contains("监督电话：028-8765 4321"),
        "{:?}",
        rows[2]
    );
    let rows: Vec<Vec<String>> = rows[3..].to_vec();
    assert_eq!(
        rows.len(),
        2,
        "a header and the one approved visit: {rows:?}"
    );
    assert_eq!(
        rows[0][..6],
        ["社区", "网格", "小区楼栋", "户主", "家庭人数", "救助类型"]
    );
    assert!(
        rows[0].contains(&"复核意见".to_owned())
            && rows[0].contains(&"建议保障金额（元/月）".to_owned()),
        "{:?}",
        rows[0]
    );
    assert!(
        !rows[0].iter().any(|h| h.contains('分')),
        "money in 元: {:?}",
        rows[0]
    );
    let row = &rows[1];
    assert_eq!(
        row[..6],
        [
            "和平社区",
            "和平社区公示网格",
            "和平小区 3栋",
            "张*华",
            "2",
            "低保定期复核"
        ]
    );
    assert!(
        row.iter().any(|c| c == "500.00 元"),
        "the amount in 元: {row:?}"
    );
    // The visit page and the ledger say 元 beside amounts in 元.
    let page = f
        .html(&cookie, &format!("/console/visits/{approved_id}"))
        .await;
    assert!(
        page.contains("<th>家庭月总收入（元）</th><td>900.00 元</td>"),
        "{page}"
    );
    assert!(page.contains("<th>家庭月人均收入（元）</th><td>450.00 元</td>"));
    assert!(page.contains("<th>建议保障金额（元/月）</th><td>500.00 元</td>"));
    assert!(!page.contains("（分"), "no label in fen");
    let ledger = f
        .html(&cookie, "/console/export/ledger.csv?template=dibao_review")
        .await;
    assert!(ledger.contains("建议保障金额（元/月）") && !ledger.contains("（分"));
    let all: String = rows.iter().flatten().cloned().collect::<Vec<_>>().join("|");
    for secret in [
        HEAD_ID,
        HEAD_PHONE,
        "张建华",
        "1702",
        "2单元",
        "某超市理货员",
        "新增重病",
        "90000",
        "900",
        "孙*新",
        "赵*审",
    ] {
        assert!(
            !all.contains(secret),
            "{secret} must not be on the notice: {all}"
        );
    }
    let printable = f
        .html(&cookie, "/console/export/notice.html?template=dibao_review")
        .await;
    assert!(
        printable.contains("张*华") && !printable.contains(HEAD_ID) && !printable.contains("孙*新")
    );
    assert!(printable.contains("<h1>和平社区低保定期复核公示</h1>"));
    assert!(printable.contains("监督电话：028-8765 4321"));
    assert!(printable.contains("公示期："));
    let (status, _) = f
        .page(
            &cookie,
            "/console/export/notice.html?template=dibao_review&start=2026-12-13&end=2026-12-07",
        )
        .await;
    assert_eq!(
        status,
        reqwest::StatusCode::BAD_REQUEST,
        "a period ending before it starts"
    );
    // A kind without public fields has no notice.
    let (status, _) = f
        .page(
            &cookie,
            "/console/export/notice.xlsx?template=elder_alone_visit",
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);

    let cookie2 = f.console("supervisor2").await;
    let theirs = f
        .html(
            &cookie2,
            "/console/export/notice.html?template=dibao_review",
        )
        .await;
    assert!(
        theirs.contains("孙*新") && !theirs.contains("张*华"),
        "{theirs}"
    );
}
