//! The visit flow on the device as a worker meets it: the answers the visit
//! already knows filled in when it starts, the form moved through by
//! sections, the door check fed with fixes until it accepts, and the open
//! visit found again after the app was killed.

mod common;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use doorstep_core::device::{Device, DeviceError};
use doorstep_core::domain::{Address, Relation};
use doorstep_core::door_session::DoorStage;
use doorstep_core::evidence::photo::encode_jpeg;
use doorstep_core::evidence::raster::RgbImage;
use doorstep_core::evidence::{
    DoorOutcome, GpsFix, LatLon, PhotoOptions, Provider, Verdict, Watermark, process_photo,
};
use doorstep_core::store::households::{NewHousehold, NewResident};
use doorstep_core::store::{DatabaseKey, OpenMode};
use doorstep_core::visit_pages::{Finish, buttons};
use serde_json::json;
use uuid::Uuid;

fn device() -> (tempfile::TempDir, Device, Uuid) {
    let (dir, device, household, _) = device_with_key();
    (dir, device, household)
}

fn device_with_key() -> (tempfile::TempDir, Device, Uuid, DatabaseKey) {
    let dir = tempfile::tempdir().unwrap();
    let key = DatabaseKey::generate();
    let device = Device::open(&dir.path().join("d.db"), &key, OpenMode::CreateNew).unwrap();
    // The device's clock stands on the visits' day, so what it stamps and
    // judges is the same on every day the tests run.
    device.set_clock(std::sync::Arc::new(doorstep_core::clock::FixedClock::at(
        DateTime::parse_from_rfc3339(&format!("{}T10:00:00+08:00", day())).unwrap(),
    )));
    common::sign_in_worker(&device);
    let household = device
        .store()
        .add_household(NewHousehold {
            address: Address {
                estate: "阳光小区".into(),
                door: Some("302".into()),
                ..Address::default()
            },
            residents: vec![
                NewResident {
                    name: "李明".into(),
                    id_number: None,
                    phone: Some("13812345678".into()),
                    relation: Relation::Child,
                    tags: vec![],
                },
                NewResident {
                    name: "王秀英".into(),
                    id_number: Some("11010519491231002X".into()),
                    phone: None,
                    relation: Relation::Head,
                    tags: vec![],
                },
            ],
            ..NewHousehold::default()
        })
        .unwrap();
    (dir, device, household, key)
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
}

#[test]
fn a_new_visit_starts_with_what_the_registry_knows() {
    let (_dir, device, household) = device();
    let code = device
        .store()
        .household(
            household,
            doorstep_core::store::households::Disclosure::Masked,
        )
        .unwrap()
        .summary
        .code;
    let visit = device
        .start_visit_on(household, "dibao_application", day())
        .unwrap();
    let record = device.store().visit(visit.id).unwrap();
    assert_eq!(record.answers["household_id"], json!(code));
    assert_eq!(record.answers["respondent"], json!("王秀英"), "the head");
    assert_eq!(record.answers["visit_date"], json!("2026-05-01"));
    assert_eq!(
        record.answers["members"],
        json!([
            {"member_name": "王秀英", "member_id": "11010519491231002X"},
            {"member_name": "李明", "relation": "child"},
        ]),
        "the head first; what the registry does not know is left to the worker"
    );
    let screen = device.visit_screen(visit.id, day()).unwrap();
    assert!(
        !screen
            .problems
            .iter()
            .any(|p| ["household_id", "respondent", "visit_date"].contains(&p.path.as_str())),
        "the hazard form's required 户编号 is no longer the worker's to type"
    );
    assert!(
        screen
            .problems
            .iter()
            .any(|p| p.path == "members[1].member_id"),
        "a missing ID number is still asked"
    );

    let hazard = device
        .start_visit_on(household, "hazard_inspection", day())
        .unwrap();
    let answers = device.store().visit(hazard.id).unwrap().answers;
    assert_eq!(answers["household_id"], json!(code));
    assert!(answers.get("members").is_none());
}

fn keys(screen: &doorstep_core::screen::VisitScreen) -> Vec<&str> {
    screen.sections.iter().map(|s| s.key.as_str()).collect()
}

#[test]
fn the_form_moves_by_sections_and_finish_jumps_to_the_first_problem() {
    let (_dir, device, household) = device();
    let visit = device
        .start_visit_on(household, "hazard_inspection", day())
        .unwrap()
        .id;
    let screen = device.visit_screen(visit, day()).unwrap();
    assert_eq!(
        keys(&screen),
        ["household_id", "photos"],
        "the hazard section is hidden"
    );
    assert_eq!(screen.sections[0].title.zh, "基本信息");
    assert_eq!(screen.current_section, 0);
    let b = buttons(&screen);
    assert!(b.previous.is_none());
    assert_eq!(b.next.as_ref().unwrap().section_key, "photos");
    assert_eq!(b.finish.label.zh, "完成");
    assert!(b.finish.enabled && b.save_draft.enabled);
    assert_eq!(b.finish_hint.unwrap().zh, "还有 3 个问题");

    // An answer shows the hazard's section at once; she stays where she answered.
    let screen = device
        .set_answer(visit, "hazard_found", Some(json!("yes")), day())
        .unwrap();
    assert_eq!(keys(&screen), ["household_id", "hazard", "photos"]);
    assert_eq!(screen.current_section, 0);
    let hazard = &screen.sections[1];
    assert_eq!(hazard.title.zh, "隐患情况");
    assert!(hazard.problem_count >= 4, "its required fields are empty");
    let on_page: Vec<&str> = screen.fields[hazard.start as usize..hazard.end as usize]
        .iter()
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(on_page[..2], ["hazard", "hazard_type"]);

    // 完成 with problems: refused, moved to the first problem's section.
    let screen = match device.finish(visit, day()).unwrap() {
        Finish::Problems(screen) => screen,
        Finish::Finalized(_) => panic!("finalized with problems"),
    };
    let jump = screen.first_problem.clone().unwrap();
    assert_eq!(
        (jump.section_key.as_str(), jump.path.as_str()),
        ("hazard", "hazard_type")
    );
    assert_eq!(screen.current_section, 1);
    assert!(screen.editable, "still a draft");
    assert_eq!(
        device.visit_screen(visit, day()).unwrap().current_section,
        1,
        "the place is kept"
    );

    let screen = device.go_to_section(visit, "photos", day()).unwrap();
    assert_eq!(screen.current_section, 2);
    assert!(buttons(&screen).next.is_none());
    assert_eq!(buttons(&screen).previous.unwrap().section_key, "hazard");
    assert!(matches!(
        device.go_to_section(visit, "no_such", day()),
        Err(DeviceError::UnknownSection)
    ));
}

#[test]
fn after_the_app_is_killed_the_open_visit_is_reopened_where_she_was() {
    let (dir, device, household, key) = device_with_key();
    assert_eq!(device.open_visit(day()).unwrap(), None);
    let visit = device
        .start_visit_on(household, "hazard_inspection", day())
        .unwrap()
        .id;
    let open = device
        .open_visit(day())
        .unwrap()
        .expect("a new draft is open");
    assert_eq!(open.section_key, "household_id");
    assert!(!open.door_checked, "the door check comes first");
    device
        .set_answer(visit, "outcome", Some(json!("no_hazard")), day())
        .unwrap();
    // Killed, not closed: a kill runs no destructor, so the connections are
    // never closed and the WAL is not checkpointed into the database file.
    // Forgetting the device leaves the files just so (its memory is leaked).
    std::mem::forget(device);
    let wal = std::fs::metadata(dir.path().join("d.db-wal")).map_or(0, |m| m.len());
    assert!(
        wal > 0,
        "the last answer is only in the WAL, as a kill leaves it"
    );

    let device = Device::open(&dir.path().join("d.db"), &key, OpenMode::Existing).unwrap();
    let open = device
        .open_visit(day())
        .unwrap()
        .expect("the draft is reopened");
    assert_eq!(open.summary.visit.id, visit);
    assert_eq!(open.section_key, "photos", "the section of the last answer");
    assert_eq!(open.section_title.zh, "其他信息");
    assert_eq!(
        open.message.zh,
        "已恢复未完成的走访：入户安全隐患排查，停在「其他信息」"
    );
    assert_eq!(
        device
            .visit_screen(visit, day())
            .unwrap()
            .fields
            .iter()
            .find(|f| f.path == "outcome")
            .unwrap()
            .value,
        Some(json!("no_hazard")),
        "nothing is lost"
    );

    // She left it (保存草稿 or back): not reopened at start, but she comes
    // back to her section; answering again makes it the open visit again.
    device.leave_visit(visit).unwrap();
    assert_eq!(device.open_visit(day()).unwrap(), None);
    let screen = device.visit_screen(visit, day()).unwrap();
    assert_eq!(
        screen.sections[screen.current_section as usize].key,
        "photos"
    );

    // Once finished, there is nothing to reopen.
    device
        .set_answer(visit, "hazard_found", Some(json!("no")), day())
        .unwrap();
    assert!(device.open_visit(day()).unwrap().is_some());
    device.add_photo(visit, "photos", &camera_jpeg()).unwrap();
    match device.finish(visit, day()).unwrap() {
        Finish::Finalized(v) => assert_eq!(v.id, visit),
        Finish::Problems(s) => panic!("problems: {:?}", s.problems),
    }
    assert_eq!(device.open_visit(day()).unwrap(), None);
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-05-01T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn fix(at: DateTime<Utc>, accuracy_m: f64) -> GpsFix {
    GpsFix {
        position: LatLon {
            lat: 31.2304,
            lon: 121.4737,
        },
        accuracy_m,
        altitude_m: None,
        fix_time: at,
        provider: Provider::Gps,
        is_mock: false,
        satellites: Some(7),
        monotonic_age: None,
    }
}

#[test]
fn a_door_check_accepted_by_hand_is_recorded_with_the_visit() {
    let (_dir, device, household) = device();
    let visit = device
        .start_visit_on(household, "hazard_inspection", day())
        .unwrap()
        .id;
    let mut session = device.door_session(visit, t0()).unwrap();
    let at = t0() + Duration::seconds(20);
    let view = session.fix(fix(at, 120.0), at).unwrap();
    assert!(matches!(view.stage, DoorStage::Improving { .. }));
    assert!(matches!(
        device.record_door_session(&session, DoorOutcome::Met),
        Err(DeviceError::DoorCheckNotAccepted)
    ));
    session.tick(t0() + Duration::seconds(75));
    session
        .accept_by_hand(t0() + Duration::seconds(80))
        .unwrap();
    let check = device
        .record_door_session(&session, DoorOutcome::NobodyHome)
        .unwrap();
    assert_eq!(check.verdict, Verdict::LowAccuracy);
    let stored = device.store().visit(visit).unwrap().door_check.unwrap();
    assert_eq!(stored.result.accepted_by_hand.unwrap().waited_s, 80);
    assert_eq!(stored.input.outcome, DoorOutcome::NobodyHome);
    assert_eq!(stored.input.fix.unwrap().accuracy_m, 120.0);
}

#[test]
fn a_good_fix_at_a_household_without_a_location_is_accepted_by_itself() {
    let (_dir, device, household) = device();
    let visit = device
        .start_visit_on(household, "hazard_inspection", day())
        .unwrap()
        .id;
    let mut session = device.door_session(visit, t0()).unwrap();
    let at = t0() + Duration::seconds(6);
    let view = session.fix(fix(at, 9.0), at).unwrap();
    assert_eq!(view.stage, DoorStage::Accepted);
    assert_eq!(view.headline.zh, "已提议住户位置（待审核），请选择入户结果");
    let check = device
        .record_door_session(&session, DoorOutcome::Met)
        .unwrap();
    assert_eq!(check.verdict, Verdict::LocationProposed);
    assert_eq!(check.accepted_by_hand, None);
}

const FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

fn camera_jpeg() -> Vec<u8> {
    let (w, h) = (640u32, 480u32);
    let data = (0..w * h)
        .flat_map(|i| [(i % 251) as u8, (i / w % 256) as u8, 90])
        .collect();
    encode_jpeg(&RgbImage::new(w, h, data).unwrap(), 90).unwrap()
}

#[test]
fn photos_carry_the_evidence_watermark_once_the_font_is_named() {
    let (dir, device, household) = device();
    let taken = t0().fixed_offset();
    let plain = device
        .start_visit_on(household, "hazard_inspection", day())
        .unwrap()
        .id;
    let without = device
        .add_photo_at(plain, "photos", &camera_jpeg(), taken)
        .unwrap();

    let not_a_font = dir.path().join("font.ttf");
    std::fs::write(&not_a_font, b"not a font").unwrap();
    assert!(device.set_watermark_font(&not_a_font, 0).is_err());
    assert!(
        device
            .set_watermark_font(&dir.path().join("missing.ttc"), 0)
            .is_err()
    );
    device
        .set_watermark_font(std::path::Path::new(FONT), 0)
        .unwrap();

    let marked = device
        .start_visit_on(household, "hazard_inspection", day())
        .unwrap()
        .id;
    let mut session = device.door_session(marked, t0()).unwrap();
    session.fix(fix(t0(), 9.0), t0()).unwrap();
    device
        .record_door_session(&session, DoorOutcome::Met)
        .unwrap();
    let with = device
        .add_photo_at(marked, "photos", &camera_jpeg(), taken)
        .unwrap();
    assert_ne!(with.sha256, without.sha256, "the pixels changed");

    // Exactly the evidence lines, drawn by the evidence crate's pipeline.
    let summary = device
        .store()
        .household(
            household,
            doorstep_core::store::households::Disclosure::Masked,
        )
        .unwrap()
        .summary;
    let lines = vec![
        "时间：2026-05-01 09:00:00 +00:00".to_owned(),
        format!("住户：{} {}", summary.code, summary.address),
        "网格员：李娜".to_owned(),
        "到户核验：已提议住户位置（待审核），精度 9 米".to_owned(),
    ];
    let mark = Watermark::new(std::fs::read(FONT).unwrap(), 0, lines).unwrap();
    let expected = process_photo(&camera_jpeg(), &PhotoOptions::default(), Some(&mark)).unwrap();
    assert_eq!(with.sha256, expected.sha256);
}

#[test]
fn members_are_added_and_removed_within_the_forms_counts() {
    let (_dir, device, household) = device();
    let visit = device
        .start_visit_on(household, "dibao_application", day())
        .unwrap()
        .id;
    let members = |s: &doorstep_core::screen::VisitScreen| {
        s.fields
            .iter()
            .find(|f| f.path == "members")
            .and_then(|f| f.entries)
    };
    // 添加成员: the core puts the new entry after the two from the registry.
    let screen = device.add_repeat_entry(visit, "members", day()).unwrap();
    assert_eq!(members(&screen), Some(3));
    assert!(
        screen
            .fields
            .iter()
            .any(|f| f.path == "members[2].member_name")
    );
    let screen = device
        .remove_repeat_entry(visit, "members[1]", day())
        .unwrap();
    assert_eq!(members(&screen), Some(2));
    for _ in 2..20 {
        device.add_repeat_entry(visit, "members", day()).unwrap();
    }
    let full = device.visit_screen(visit, day()).unwrap();
    assert_eq!(members(&full), Some(20));
    assert!(
        !full
            .fields
            .iter()
            .any(|f| f.path == "members" && f.can_add_entry())
    );
    assert!(matches!(
        device.add_repeat_entry(visit, "members", day()),
        Err(DeviceError::RepeatFull)
    ));
    assert!(device.add_repeat_entry(visit, "no_such", day()).is_err());

    // 当事人: at least two parties; the second cannot be removed.
    let dispute = device
        .start_visit_on(household, "dispute_mediation", day())
        .unwrap()
        .id;
    device.add_repeat_entry(dispute, "parties", day()).unwrap();
    device.add_repeat_entry(dispute, "parties", day()).unwrap();
    assert!(matches!(
        device.remove_repeat_entry(dispute, "parties[0]", day()),
        Err(DeviceError::RepeatAtMinimum)
    ));
    assert_eq!(
        members(&device.visit_screen(visit, day()).unwrap()),
        Some(20),
        "a refused change changes nothing"
    );
}
