//! The visit flow on the device as a worker meets it: the answers the visit
//! already knows filled in when it starts, the form moved through by
//! sections, the door check fed with fixes until it accepts, and the open
//! visit found again after the app was killed.

use chrono::{NaiveDate, Utc};
use doorstep_core::device::Device;
use doorstep_core::domain::{Address, Relation};
use doorstep_core::store::households::{GridInfo, NewHousehold, NewResident};
use doorstep_core::store::{DatabaseKey, OpenMode};
use doorstep_core::sync::protocol::{Account, LoginResponse, Role};
use serde_json::json;
use uuid::Uuid;

fn device() -> (tempfile::TempDir, Device, Uuid) {
    let dir = tempfile::tempdir().unwrap();
    let device = Device::open(
        &dir.path().join("d.db"),
        &DatabaseKey::generate(),
        OpenMode::CreateNew,
    )
    .unwrap();
    let grid = GridInfo {
        id: Uuid::new_v4(),
        code: "G01".into(),
        name: "第一网格".into(),
        community: "阳光社区".into(),
        subdistrict: "东城街道".into(),
    };
    let login = LoginResponse {
        token: "t".repeat(64),
        expires_at: Utc::now() + chrono::Duration::days(30),
        account: Account {
            user_id: Uuid::new_v4(),
            username: "worker1".into(),
            display_name: "李娜".into(),
            role: Role::Worker,
            grids: vec![grid],
        },
    };
    device
        .store()
        .save_login("http://127.0.0.1:9", &login)
        .unwrap();
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
    (dir, device, household)
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
