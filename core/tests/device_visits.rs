//! A worker's visit on the device, without a server: start, answer, door check,
//! photo, finalize (refused with every problem, then accepted), the outbox it
//! leaves, and a returned visit revised into a new revision.

mod common;

use chrono::{DateTime, Datelike, NaiveDate};
use doorstep_core::clock::FixedClock;
use doorstep_core::device::{Device, DeviceError};
use doorstep_core::domain::ResidentTag;
use doorstep_core::domain::VisitStatus;
use doorstep_core::domain::{Address, Relation};
use doorstep_core::evidence::photo::encode_jpeg;
use doorstep_core::evidence::raster::RgbImage;
use doorstep_core::evidence::{DoorOutcome, GpsFix, LatLon, Provider, Verdict};
use doorstep_core::forms::schedule::{CampaignDay, Reason};
use doorstep_core::store::households::{Disclosure, GridInfo, NewHousehold, NewResident};
use doorstep_core::store::outbox::ItemKind;
use doorstep_core::store::visits::VisitFilter;
use doorstep_core::store::{DatabaseKey, OpenMode};
use doorstep_core::sync::protocol::{
    FieldChange, HouseholdRecord, PastVisit, PullResponse, ResidentRecord, ReviewDecision,
};
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

/// The device's clock in these tests: a Saturday afternoon in Beijing.
const NOW: &str = "2026-12-05T14:05:00+08:00";

/// Fixes the device's clock at `local` (a time with its offset).
fn set_clock(device: &Device, local: &str) {
    let at = DateTime::parse_from_rfc3339(local).unwrap();
    device.set_clock(Arc::new(FixedClock::at(at)));
}

/// A signed-in device with one household, its clock fixed at [`NOW`].
fn device() -> (tempfile::TempDir, Device, Uuid) {
    let dir = tempfile::tempdir().unwrap();
    let device = Device::open(
        &dir.path().join("d.db"),
        &DatabaseKey::generate(),
        OpenMode::CreateNew,
    )
    .unwrap();
    set_clock(&device, NOW);
    common::sign_in_worker(&device);
    let household = device
        .store()
        .add_household(NewHousehold {
            address: Address {
                estate: "阳光小区".into(),
                door: Some("302".into()),
                ..Address::default()
            },
            residents: vec![NewResident {
                name: "王秀英".into(),
                id_number: Some("11010519491231002X".into()),
                phone: None,
                relation: Relation::Head,
                tags: vec![],
            }],
            ..NewHousehold::default()
        })
        .unwrap();
    (dir, device, household)
}

fn camera_jpeg() -> Vec<u8> {
    let (w, h) = (640u32, 480u32);
    let data = (0..w * h)
        .flat_map(|i| [(i % 251) as u8, (i / w % 256) as u8, 90])
        .collect();
    encode_jpeg(&RgbImage::new(w, h, data).unwrap(), 90).unwrap()
}

fn good_answers(household: Uuid) -> serde_json::Value {
    json!({
        "household_id": household.to_string(),
        "respondent": "王秀英",
        "visit_date": "2026-11-20",
        "elder_id": "11010519491231002X",
        "health": "fair",
        "chronic_illness": ["hypertension"],
        "home_hazards": ["none"],
        "emergency_contact": "李明",
        "emergency_phone": "13812345678",
        "care_given": ["emotional_support"],
        "follow_up": "no",
        "outcome": "well"
    })
}

#[test]
fn a_visit_is_finalized_only_when_complete_and_queues_photos_before_the_visit() {
    let (_dir, device, household) = device();
    let visit = device.start_visit(household, "elder_alone_visit").unwrap();
    assert_eq!(visit.status, VisitStatus::Draft);

    let fix = GpsFix {
        position: LatLon {
            lat: 31.2304,
            lon: 121.4737,
        },
        accuracy_m: 8.0,
        altitude_m: None,
        fix_time: device.now().utc,
        provider: Provider::Gps,
        is_mock: false,
        satellites: Some(9),
        monotonic_age: None,
    };
    let check = device
        .door_check(visit.id, Some(fix), DoorOutcome::Met)
        .unwrap();
    assert_eq!(
        check.verdict,
        Verdict::LocationProposed,
        "a household with no location gets this fix proposed"
    );

    let photo = device
        .add_photo(visit.id, "photos", &camera_jpeg())
        .unwrap();
    assert_eq!(photo.sha256.len(), 64);

    // Nothing answered yet but what the registry knew: refused, with every
    // problem listed, and still a draft.
    match device.finalize(visit.id) {
        Err(DeviceError::Incomplete(problems)) => {
            let paths: Vec<_> = problems.iter().map(|p| p.path.as_str()).collect();
            assert!(
                !paths.contains(&"respondent") && paths.contains(&"health"),
                "the respondent is the head, prefilled: {paths:?}"
            );
        }
        other => panic!("expected Incomplete, got {other:?}"),
    }
    assert!(device.store().outbox().unwrap().is_empty());

    let mut answers = good_answers(household);
    answers["photos"] = json!([photo.sha256]);
    device.set_answers(visit.id, &answers).unwrap();
    let done = device.finalize(visit.id).unwrap();
    assert_eq!(done.status, VisitStatus::Finalized);
    assert!(
        device.set_answers(visit.id, &answers).is_err(),
        "a finalized visit is no longer editable"
    );

    let outbox = device.store().outbox().unwrap();
    let kinds: Vec<_> = outbox.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, [ItemKind::Blob, ItemKind::Operation]);
    assert_eq!(outbox[0].key, photo.sha256);
    let due = device.store().due_items(device.now().utc, false).unwrap();
    assert_eq!(due[0].kind, ItemKind::Blob, "photos go before the visit");
    let record = device.store().visit(visit.id).unwrap();
    assert_eq!(record.photos.len(), 1);
    assert_eq!(
        record.door_check.unwrap().result.verdict,
        Verdict::LocationProposed
    );
}

#[test]
fn a_failed_upload_is_retried_once_its_wait_is_over_by_the_devices_clock() {
    let (_dir, device, household) = device();
    let store = device.store();
    store
        .edit_household(
            household,
            &[FieldChange {
                field: "notes".into(),
                value: Some("独居，耳背".into()),
            }],
        )
        .unwrap();
    let item = store.outbox().unwrap().remove(0);
    store
        .mark_failed(item.seq, "network: connection refused", None)
        .unwrap();
    let due_at = |local: &str| {
        set_clock(&device, local);
        store.due_items(device.now().utc, false).unwrap().len()
    };
    // The first wait is 2.5 to 5 seconds.
    assert_eq!(due_at("2026-12-05T14:05:00+08:00"), 0, "just failed");
    assert_eq!(due_at("2026-12-05T14:05:02+08:00"), 0, "still waiting");
    assert_eq!(due_at("2026-12-05T14:05:05+08:00"), 1, "its wait is over");
    // Asked to retry now, it goes whatever the wait.
    set_clock(&device, NOW);
    assert_eq!(store.due_items(device.now().utc, true).unwrap().len(), 1);
}

#[test]
fn a_returned_visit_becomes_a_task_and_is_revised_into_a_new_revision() {
    let (_dir, device, household) = device();
    let visit = device.start_visit(household, "elder_alone_visit").unwrap();
    device
        .set_answers(visit.id, &good_answers(household))
        .unwrap();
    let photo = device
        .add_photo(visit.id, "photos", &camera_jpeg())
        .unwrap();
    let answers = device.store().visit(visit.id).unwrap().answers;
    assert_eq!(
        answers["photos"],
        json!([photo.sha256]),
        "adding a photo answers its field"
    );
    device.finalize(visit.id).unwrap();

    let decision = ReviewDecision {
        visit_id: visit.id,
        visit_group: visit.visit_group,
        revision: 1,
        status: VisitStatus::Returned,
        comment: "请补拍门牌照片".into(),
        reviewer: "supervisor".into(),
        decided_at: device.now().utc,
    };
    let page = PullResponse {
        cursor: "7".into(),
        more: false,
        households: vec![],
        templates: vec![],
        reviews: vec![decision],
        grids: None,
    };
    let summary = device.store().apply_pull(&page).unwrap();
    assert_eq!(summary.returned, 1);
    assert_eq!(
        device.store().session().unwrap().unwrap().cursor.as_deref(),
        Some("7")
    );

    let tasks = device.store().visits(VisitFilter::Returned).unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(
        tasks[0].visit.review.as_ref().unwrap().comment,
        "请补拍门牌照片"
    );
    assert_eq!(tasks[0].head, "王秀英");

    let next = device.revise(visit.id).unwrap();
    assert_eq!(
        (next.revision, next.status, next.visit_group),
        (2, VisitStatus::Draft, visit.visit_group)
    );
    assert!(
        device
            .store()
            .visits(VisitFilter::Returned)
            .unwrap()
            .is_empty(),
        "the task is taken"
    );
    assert!(device.revise(visit.id).is_err(), "a revision is made once");
    let old = device.store().visit(visit.id).unwrap();
    assert_eq!(
        old.visit.status,
        VisitStatus::Returned,
        "the returned revision is kept as it was"
    );
    let new = device.store().visit(next.id).unwrap();
    assert_eq!(
        new.answers, old.answers,
        "the new revision starts from the old answers"
    );
    device.finalize(next.id).unwrap();
    let ops = device
        .store()
        .outbox()
        .unwrap()
        .into_iter()
        .filter(|i| i.kind == ItemKind::Operation)
        .count();
    assert_eq!(ops, 2, "both revisions are queued");
    let blobs = device
        .store()
        .outbox()
        .unwrap()
        .into_iter()
        .filter(|i| i.kind == ItemKind::Blob)
        .count();
    assert_eq!(blobs, 1, "a photo kept in the revision is not queued twice");
}

fn server_household(grid: Uuid, code: &str, head: &str) -> HouseholdRecord {
    HouseholdRecord {
        id: Uuid::new_v4(),
        code: code.into(),
        grid_id: grid,
        estate: "幸福里".into(),
        building: Some("3栋".into()),
        unit: None,
        door: Some("101".into()),
        lat: None,
        lon: None,
        location_confirmed: false,
        residence_type: "registered".into(),
        landlord_name: None,
        landlord_phone: None,
        notes: String::new(),
        version: 1,
        residents: vec![ResidentRecord {
            id: Uuid::new_v4(),
            name: head.into(),
            id_number: None,
            phone: None,
            relation: "head".into(),
            tags: vec![],
        }],
        due: vec![],
        past_visits: Vec::new(),
    }
}

fn page(households: Vec<HouseholdRecord>, grids: Option<Vec<GridInfo>>) -> PullResponse {
    PullResponse {
        cursor: "v1.9.x".into(),
        more: false,
        households,
        templates: vec![],
        reviews: vec![],
        grids,
    }
}

#[test]
fn households_of_a_grid_taken_away_leave_the_device_once_nothing_of_them_waits_to_upload() {
    let (_dir, device, local) = device();
    let store = device.store();
    let old_grid = store.session().unwrap().unwrap().account.grids[0].clone();
    let (waiting, idle) = (
        server_household(old_grid.id, "HP01-0001", "赵德明"),
        server_household(old_grid.id, "HP01-0002", "钱淑芬"),
    );
    let first = page(
        vec![waiting.clone(), idle.clone()],
        Some(vec![old_grid.clone()]),
    );
    assert_eq!(store.apply_pull(&first).unwrap().removed, 0);
    assert_eq!(store.search_households("钱淑芬", 10).unwrap().len(), 1);

    // A finalized visit with a photo, not yet uploaded.
    let visit = device.start_visit(waiting.id, "elder_alone_visit").unwrap();
    let photo = device
        .add_photo(visit.id, "photos", &camera_jpeg())
        .unwrap();
    let mut answers = good_answers(waiting.id);
    answers["photos"] = json!([photo.sha256]);
    device.set_answers(visit.id, &answers).unwrap();
    device.finalize(visit.id).unwrap();

    // The admin moves the worker to another grid: the pull from the beginning
    // names it and brings its households.
    let new_grid = GridInfo {
        id: Uuid::new_v4(),
        code: "G02".into(),
        name: "第二网格".into(),
        community: "阳光社区".into(),
        subdistrict: "东城街道".into(),
    };
    let arriving = server_household(new_grid.id, "HP02-0001", "孙建国");
    let moved = page(vec![arriving.clone()], Some(vec![new_grid.clone()]));
    let summary = store.apply_pull(&moved).unwrap();
    assert_eq!((summary.removed, summary.households), (1, 1));
    let session = store.session().unwrap().unwrap();
    assert_eq!(session.account.grids, vec![new_grid.clone()]);
    assert!(
        store.household(idle.id, Disclosure::Masked).is_err(),
        "the idle household of the old grid is gone"
    );
    assert!(
        store.search_households("钱淑芬", 10).unwrap().is_empty(),
        "and its people are gone from search"
    );
    assert!(store.household(arriving.id, Disclosure::Masked).is_ok());
    assert!(
        store.household(waiting.id, Disclosure::Masked).is_ok(),
        "a household with a visit still to upload stays"
    );
    assert!(
        store.household(local, Disclosure::Masked).is_ok(),
        "a household entered on this device is not the server's to take away"
    );
    let grids: Vec<Uuid> = store.grids().unwrap().iter().map(|g| g.id).collect();
    assert!(grids.contains(&old_grid.id) && grids.contains(&new_grid.id));
    // The kept household is only waiting to be let go: no new work there.
    assert!(matches!(
        device.start_visit(waiting.id, "elder_alone_visit"),
        Err(DeviceError::NotYourGrid)
    ));
    assert!(
        device.start_visit(arriving.id, "elder_alone_visit").is_ok(),
        "the new grid's households are hers"
    );

    // Once its visit and photo are uploaded, the next pull (not from the
    // beginning) lets it go too, with the visit and the photo's bytes.
    for item in store.outbox().unwrap() {
        store.mark_done(item.seq).unwrap();
    }
    let later = page(vec![], None);
    assert_eq!(store.apply_pull(&later).unwrap().removed, 1);
    assert!(store.household(waiting.id, Disclosure::Masked).is_err());
    assert!(store.visit(visit.id).is_err(), "its visit is gone");
    assert!(store.blob(&photo.sha256).is_err(), "and the photo's bytes");
    assert_eq!(store.apply_pull(&later).unwrap().removed, 0);
}

/// Every day for two years from `from`.
fn sweep(from: &str) -> impl Iterator<Item = NaiveDate> {
    let from: NaiveDate = from.parse().unwrap();
    from.iter_days()
        .take_while(move |d| *d < from + chrono::Months::new(24))
}

/// A household from the server whose head has lived alone since 2020.
fn elder_household(grid: Uuid, code: &str) -> HouseholdRecord {
    let mut elder = server_household(grid, code, "周桂兰");
    elder.residents[0].tags = vec![ResidentTag {
        code: "elder_alone".into(),
        start: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        end: None,
        attributes: Default::default(),
    }];
    elder
}

#[test]
fn a_households_past_visits_from_the_server_show_on_its_screen_and_count_as_done() {
    // On every day of two years, campaign days (春节, 重阳) included: one
    // household never visited, and one per day visited that day by another
    // worker (as the server lists it), all pulled at once.
    let (_dir, device, _) = device();
    let store = device.store();
    let grid = store.session().unwrap().unwrap().account.grids[0].id;
    let unvisited = elder_household(grid, "HP01-0009");
    let visited: Vec<(NaiveDate, HouseholdRecord, PastVisit)> = sweep("2026-10-01")
        .enumerate()
        .map(|(i, day)| {
            let mut elder = elder_household(grid, &format!("HP02-{i:04}"));
            let theirs = PastVisit {
                visit_id: Uuid::new_v4(),
                visit_group: Uuid::new_v4(),
                template_id: "elder_alone_visit".into(),
                date: day,
                status: VisitStatus::Approved,
            };
            elder.past_visits = vec![theirs.clone()];
            (day, elder, theirs)
        })
        .collect();
    assert_eq!(
        visited.len(),
        731,
        "two years day by day, 29 February 2028 too"
    );
    let mut all = vec![unvisited.clone()];
    all.extend(visited.iter().map(|(_, h, _)| h.clone()));
    store.apply_pull(&page(all, None)).unwrap();

    for (today, elder, theirs) in &visited {
        let today = *today;
        set_clock(&device, &format!("{today}T10:00:00+08:00"));
        let due: Vec<String> = device
            .household_screen(unvisited.id, today)
            .unwrap()
            .due
            .into_iter()
            .map(|d| d.template_id)
            .collect();
        assert!(
            !due.is_empty() && due.iter().all(|t| t == "elder_alone_visit"),
            "a monthly visit is due with no visit known, on {today}: {due:?}"
        );
        let screen = device.household_screen(elder.id, today).unwrap();
        assert_eq!(screen.past_visits, vec![theirs.clone()]);
        assert!(screen.visits.is_empty());
        assert!(
            screen.due.is_empty(),
            "that visit counts as done, on {today}: {:?}",
            screen.due
        );
    }

    // A visit of this phone's own is listed once, from the phone, when the
    // server lists it too (on the first of each month).
    for (today, elder, theirs) in visited.iter().filter(|(d, _, _)| d.day() == 1) {
        set_clock(&device, &format!("{today}T10:00:00+08:00"));
        let own = device.start_visit(elder.id, "elder_alone_visit").unwrap();
        let mut elder = elder.clone();
        elder.past_visits.push(PastVisit {
            visit_id: own.id,
            visit_group: own.visit_group,
            template_id: "elder_alone_visit".into(),
            date: *today,
            status: VisitStatus::Uploaded,
        });
        store.apply_pull(&page(vec![elder.clone()], None)).unwrap();
        let screen = device.household_screen(elder.id, *today).unwrap();
        assert_eq!(screen.visits.len(), 1, "on {today}");
        assert_eq!(screen.past_visits, vec![theirs.clone()], "on {today}");
    }
}

/// Whether the household's routine monthly visit shows as due on its screen on `on`.
fn routine_due(device: &Device, household: Uuid, on: &str) -> bool {
    device
        .household_screen(household, on.parse().unwrap())
        .unwrap()
        .due
        .iter()
        .any(|d| matches!(d.reason, Reason::Routine { .. }))
}

/// Whether a campaign visit around `day` shows as due on the household's screen on `on`.
fn campaign_due(device: &Device, household: Uuid, on: &str, day: CampaignDay) -> bool {
    device
        .household_screen(household, on.parse().unwrap())
        .unwrap()
        .due
        .iter()
        .any(|d| matches!(d.reason, Reason::Campaign { day: c, .. } if c == day))
}

/// A device with an elder living alone, visited once by this phone at
/// `finalized` (local time with the phone's offset).
fn elder_visited_at(finalized: &str) -> (tempfile::TempDir, Device, Uuid) {
    let (dir, device, _) = device();
    let store = device.store();
    let grid = store.session().unwrap().unwrap().account.grids[0].id;
    let elder = elder_household(grid, "HP01-0010");
    store.apply_pull(&page(vec![elder.clone()], None)).unwrap();
    set_clock(&device, finalized);
    let visit = device.start_visit(elder.id, "elder_alone_visit").unwrap();
    let photo = device
        .add_photo(visit.id, "photos", &camera_jpeg())
        .unwrap();
    let mut answers = good_answers(elder.id);
    answers["photos"] = json!([photo.sha256]);
    device.set_answers(visit.id, &answers).unwrap();
    device.finalize(visit.id).unwrap();
    (dir, device, elder.id)
}

#[test]
fn the_phones_own_visit_counts_for_its_local_day_not_its_utc_day() {
    // 07:30 in Beijing on 1 December is still 30 November in UTC.
    let (_d, device, elder) = elder_visited_at("2026-12-01T07:30:00+08:00");
    assert!(
        !routine_due(&device, elder, "2026-12-01"),
        "the December visit is done"
    );
    assert!(!routine_due(&device, elder, "2026-12-31"), "all month");

    // Midnight: the first second of the day is that day, the last is the day before.
    let (_d, device, elder) = elder_visited_at("2026-12-01T00:00:00+08:00");
    assert!(!routine_due(&device, elder, "2026-12-01"));
    let (_d, device, elder) = elder_visited_at("2026-11-30T23:59:59+08:00");
    assert!(
        routine_due(&device, elder, "2026-12-01"),
        "a visit late on the month's last day counts for that month"
    );

    // The year's end: 07:00 on New Year's Day is 31 December in UTC.
    let (_d, device, elder) = elder_visited_at("2027-01-01T07:00:00+08:00");
    assert!(!routine_due(&device, elder, "2027-01-01"));

    // A phone in another time zone: 20:00 on 30 November in New York is
    // 1 December in UTC, and counts for November there.
    let (_d, device, elder) = elder_visited_at("2026-11-30T20:00:00-05:00");
    assert!(routine_due(&device, elder, "2026-12-01"));

    // A campaign window's first day (14 days before 春节), early in the morning.
    let festival = CampaignDay::SpringFestival.date_in(2027).unwrap();
    let first = festival - chrono::Duration::days(14);
    let (_d, device, elder) = elder_visited_at(&format!("{first}T07:30:00+08:00"));
    assert!(
        !campaign_due(
            &device,
            elder,
            &first.to_string(),
            CampaignDay::SpringFestival
        ),
        "a visit on the window's first day counts for the campaign"
    );
    // Its last day (春节 itself), late in the evening on a phone west of UTC.
    let (_d, device, elder) = elder_visited_at(&format!("{festival}T23:30:00-05:00"));
    assert!(
        !campaign_due(
            &device,
            elder,
            &festival.to_string(),
            CampaignDay::SpringFestival
        ),
        "a visit on the window's last day counts for the campaign"
    );
}

#[test]
fn a_signature_is_one_picture_and_signing_again_replaces_it() {
    let (_dir, device, household) = device();
    let visit = device
        .start_visit(household, "pension_certification")
        .unwrap();
    let first = device
        .add_photo(visit.id, "signature", &camera_jpeg())
        .unwrap();
    let answers = device.store().visit(visit.id).unwrap().answers;
    assert_eq!(
        answers["signature"],
        json!(first.sha256),
        "the signature field names its picture"
    );
    let problems = device.problems(visit.id).unwrap();
    assert!(
        !problems.iter().any(|p| p.path == "signature"),
        "a signature taken by the phone is accepted: {problems:?}"
    );

    let (w, h) = (320u32, 240u32);
    let ink = (0..w * h)
        .flat_map(|i| [(i % 7 * 30) as u8, 20, 40])
        .collect();
    let other = encode_jpeg(&RgbImage::new(w, h, ink).unwrap(), 90).unwrap();
    let second = device.add_photo(visit.id, "signature", &other).unwrap();
    assert_ne!(first.sha256, second.sha256);
    let answers = device.store().visit(visit.id).unwrap().answers;
    assert_eq!(
        answers["signature"],
        json!(second.sha256),
        "signing again replaces the first"
    );
    let kept: Vec<_> = device
        .store()
        .visit(visit.id)
        .unwrap()
        .photos
        .into_iter()
        .map(|p| p.sha256)
        .collect();
    assert_eq!(
        kept,
        vec![second.sha256],
        "the first signature is no longer uploaded with the visit"
    );
}
