//! The phone's screens other than the visit form, on a real encrypted device
//! with its clock fixed at 14:05 on 5 December 2026 (Beijing time): the home
//! screen, the household list with filters and pages, and the outbox with
//! retry and discard of a set-aside visit.

mod common;

use chrono::{DateTime, NaiveDate, Utc};
use doorstep_core::clock::FixedClock;
use doorstep_core::device::Device;
use doorstep_core::domain::{Address, Relation, ResidentTag, VisitStatus};
use doorstep_core::evidence::photo::encode_jpeg;
use doorstep_core::evidence::raster::RgbImage;
use doorstep_core::household_list::{HouseholdFilter, HouseholdQuery};
use doorstep_core::outbox_view::{EntryState, sync_summary};
use doorstep_core::store::households::{NewHousehold, NewResident};
use doorstep_core::store::outbox::ItemKind;
use doorstep_core::store::{DatabaseKey, OpenMode};
use doorstep_core::sync::protocol::{PullResponse, ReviewDecision};
use doorstep_core::sync::{Network, SyncReport};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

struct Phone {
    _dir: tempfile::TempDir,
    device: Device,
    /// 王秀英: living alone since 2025, not visited in November: overdue.
    elder: Uuid,
    /// 李建国: living alone since 1 December: due by the end of the month.
    newly_alone: Uuid,
    /// 张伟: low income, in drug rehabilitation (a sensitive tag), nothing due.
    migrant: Uuid,
}

fn tag(code: &str, since: &str) -> ResidentTag {
    ResidentTag {
        code: code.into(),
        start: since.parse().unwrap(),
        end: None,
        attributes: BTreeMap::new(),
    }
}

fn household(head: &str, id_number: &str, door: &str, tags: Vec<ResidentTag>) -> NewHousehold {
    NewHousehold {
        address: Address {
            estate: "阳光小区".into(),
            building: Some("3栋".into()),
            door: Some(door.into()),
            ..Address::default()
        },
        residents: vec![NewResident {
            name: head.into(),
            id_number: Some(id_number.into()),
            phone: None,
            relation: Relation::Head,
            tags,
        }],
        ..NewHousehold::default()
    }
}

fn phone() -> Phone {
    let dir = tempfile::tempdir().unwrap();
    let device = Device::open(
        &dir.path().join("d.db"),
        &DatabaseKey::generate(),
        OpenMode::CreateNew,
    )
    .unwrap();
    device.set_clock(Arc::new(FixedClock::at(
        DateTime::parse_from_rfc3339("2026-12-05T14:05:00+08:00").unwrap(),
    )));
    common::sign_in_worker(&device);
    let ids = device
        .store()
        .add_households(vec![
            household(
                "王秀英",
                "11010519491231002X",
                "101",
                vec![tag("elder_alone", "2025-01-01")],
            ),
            household(
                "李建国",
                "110105194805060010",
                "102",
                vec![tag("elder_alone", "2026-12-01")],
            ),
            household(
                "张伟",
                "110105198001010016",
                "103",
                vec![
                    tag("low_income", "2024-03-01"),
                    tag("drug_rehab", "2025-06-01"),
                ],
            ),
        ])
        .unwrap();
    Phone {
        _dir: dir,
        device,
        elder: ids[0],
        newly_alone: ids[1],
        migrant: ids[2],
    }
}

fn good_answers(household: Uuid) -> serde_json::Value {
    json!({
        "household_id": household.to_string(),
        "respondent": "王秀英",
        "visit_date": "2026-12-05",
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

fn camera_jpeg() -> Vec<u8> {
    let (w, h) = (320u32, 240u32);
    let data = (0..w * h)
        .flat_map(|i| [(i % 251) as u8, (i / w % 256) as u8, 90])
        .collect();
    encode_jpeg(&RgbImage::new(w, h, data).unwrap(), 90).unwrap()
}

fn page(phone: &Phone, text: &str, filter: HouseholdFilter) -> Vec<String> {
    phone
        .device
        .household_page(&HouseholdQuery {
            text: text.into(),
            filter,
            offset: 0,
            limit: 0,
        })
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.summary.head)
        .collect()
}

#[test]
fn home_shows_what_is_due_in_words_drafts_with_problems_and_the_last_sync() {
    let phone = phone();
    let home = phone.device.home().unwrap();
    assert_eq!(home.today, NaiveDate::from_ymd_opt(2026, 12, 5).unwrap());
    assert_eq!(home.today_text.zh, "12月5日");
    assert_eq!((home.overdue_count, home.due_count), (1, 1));
    let first = &home.due[0];
    assert_eq!(first.household.head, "王秀英");
    assert!(first.overdue);
    assert_eq!(first.when.zh, "逾期 5 天（截止 11月30日）");
    assert_eq!(first.when.en, "overdue by 5 days (was due 30 Nov)");
    assert_eq!(first.reason.zh, "独居老人 · 每月走访");
    assert_eq!(first.reason.en, "Elder living alone · monthly visit");
    assert!(
        !first.template_title.zh.is_empty() && first.template_title.zh != first.template_id,
        "the template's title, not its id"
    );
    assert_eq!(home.due[1].household.head, "李建国");
    assert_eq!(home.due[1].when.zh, "12月31日前完成");
    assert_eq!(home.last_sync_text.zh, "从未同步");
    assert_eq!(home.last_sync_text.en, "Never synced");
    assert!(home.drafts.is_empty() && home.returned.is_empty());
    assert!(home.signed_in && !home.session_expired);

    let draft = phone
        .device
        .start_visit(phone.elder, "elder_alone_visit")
        .unwrap();
    let home = phone.device.home().unwrap();
    assert_eq!(home.due[0].draft, Some(draft.id), "one tap continues it");
    assert_eq!(home.drafts.len(), 1);
    assert!(
        home.drafts[0].problems >= 5,
        "an empty elder visit has problems"
    );
    phone
        .device
        .set_answers(draft.id, &good_answers(phone.elder))
        .unwrap();
    assert_eq!(
        phone.device.home().unwrap().drafts[0].problems,
        1,
        "only the photo is missing"
    );

    // A visit the server lists for 李建国 on 2 December: nothing due there now.
    phone
        .device
        .store()
        .write(|tx| {
            tx.execute(
                "INSERT INTO past_visits (household_id, visit_id, visit_group, template_id, date, status)
                 VALUES (?1, ?2, ?3, 'elder_alone_visit', '2026-12-02', 'uploaded')",
                [
                    phone.newly_alone.to_string(),
                    Uuid::new_v4().to_string(),
                    Uuid::new_v4().to_string(),
                ],
            )?;
            Ok(())
        })
        .unwrap();
    let home = phone.device.home().unwrap();
    assert_eq!((home.overdue_count, home.due_count), (1, 0));

    let synced = DateTime::parse_from_rfc3339("2026-12-05T13:02:00+08:00")
        .unwrap()
        .with_timezone(&Utc);
    phone.device.store().record_sync(synced, None).unwrap();
    phone
        .device
        .store()
        .record_sync(synced + chrono::Duration::minutes(30), Some("network"))
        .unwrap();
    let home = phone.device.home().unwrap();
    assert_eq!(
        home.last_sync,
        Some(synced),
        "a failed sync is not the last sync"
    );
    assert_eq!(home.last_sync_text.zh, "上次同步：今天 13:02");
    assert_eq!(home.last_sync_text.en, "Last sync: today 13:02");

    phone
        .device
        .store()
        .record_sync(synced + chrono::Duration::hours(1), Some("unauthorized"))
        .unwrap();
    let home = phone.device.home().unwrap();
    assert!(
        home.session_expired,
        "the server refused the sign-in at the last sync"
    );
    let notice = home.session_notice.expect("the home screen says so");
    assert!(notice.zh.starts_with("登录已过期，请重新登录"));
    assert!(notice.en.contains("stay on this phone"));
}

#[test]
fn a_returned_visit_shows_on_home_and_in_the_returned_filter_with_its_comment() {
    let phone = phone();
    let visit = phone
        .device
        .start_visit(phone.elder, "elder_alone_visit")
        .unwrap();
    phone
        .device
        .set_answers(visit.id, &good_answers(phone.elder))
        .unwrap();
    phone
        .device
        .add_photo(visit.id, "photos", &camera_jpeg())
        .unwrap();
    phone.device.finalize(visit.id).unwrap();
    assert_eq!(phone.device.home().unwrap().waiting_upload, 1);
    let decision = ReviewDecision {
        visit_id: visit.id,
        visit_group: visit.visit_group,
        revision: 1,
        status: VisitStatus::Returned,
        comment: "请补拍门牌照片".into(),
        reviewer: "supervisor".into(),
        decided_at: DateTime::parse_from_rfc3339("2026-12-05T10:30:00+08:00")
            .unwrap()
            .with_timezone(&Utc),
    };
    phone
        .device
        .store()
        .apply_pull(&PullResponse {
            cursor: "1".into(),
            more: false,
            households: vec![],
            templates: vec![],
            reviews: vec![decision],
            grids: None,
        })
        .unwrap();
    let home = phone.device.home().unwrap();
    assert_eq!(home.returned.len(), 1);
    assert_eq!(home.returned[0].comment, "请补拍门牌照片");
    assert_eq!(
        home.returned[0].returned_at.as_ref().unwrap().zh,
        "今天 10:30"
    );
    assert_eq!(home.returned[0].visit.head, "王秀英");
    assert_eq!(page(&phone, "", HouseholdFilter::Returned), ["王秀英"]);
}

#[test]
fn the_household_list_filters_pages_and_shows_badges_and_tags_in_words() {
    let phone = phone();
    assert_eq!(
        page(&phone, "", HouseholdFilter::All),
        ["王秀英", "李建国", "张伟"],
        "by code"
    );
    assert_eq!(page(&phone, "", HouseholdFilter::Due), ["王秀英", "李建国"]);
    assert_eq!(page(&phone, "", HouseholdFilter::Overdue), ["王秀英"]);
    assert_eq!(
        page(&phone, "", HouseholdFilter::Tag("low_income".into())),
        ["张伟"]
    );
    assert_eq!(
        page(&phone, "wxy", HouseholdFilter::All),
        ["王秀英"],
        "initials"
    );
    assert_eq!(
        page(&phone, "ljg", HouseholdFilter::Overdue),
        Vec::<String>::new()
    );
    assert_eq!(
        page(&phone, "0016", HouseholdFilter::All),
        ["张伟"],
        "ID ending"
    );

    let all = phone
        .device
        .household_page(&HouseholdQuery {
            text: String::new(),
            filter: HouseholdFilter::All,
            offset: 0,
            limit: 0,
        })
        .unwrap();
    assert_eq!(
        (all.total, all.matching, all.due, all.overdue),
        (3, 3, 2, 1)
    );
    let elder = &all.rows[0];
    let badge = elder.due.as_ref().unwrap();
    assert!(badge.overdue);
    assert_eq!(
        (badge.text.zh.as_str(), badge.text.en.as_str()),
        ("逾期", "overdue")
    );
    assert_eq!(all.rows[1].due.as_ref().unwrap().text.zh, "待走访");
    assert_eq!(elder.tags[0].name.zh, "独居老人");
    let migrant = all
        .rows
        .iter()
        .find(|r| r.summary.id == phone.migrant)
        .unwrap();
    assert_eq!(
        migrant
            .tags
            .iter()
            .map(|t| t.code.as_str())
            .collect::<Vec<_>>(),
        ["low_income"],
        "a sensitive tag stays off the list"
    );
    assert_eq!(migrant.tags[0].name.en, "Low income");
    assert!(migrant.due.is_none());
    assert!(
        all.tags.iter().all(|t| t.tag.code != "drug_rehab"),
        "and off the filters"
    );
    let elders = all
        .tags
        .iter()
        .find(|t| t.tag.code == "elder_alone")
        .unwrap();
    assert_eq!(elders.households, 2);

    // A household whose grid was taken away is kept until its uploads are
    // done, but nothing is due there for this worker any more.
    phone
        .device
        .store()
        .write(|tx| {
            tx.execute(
                "INSERT INTO grids (id, code, name, community, subdistrict)
                 VALUES ('00000000-0000-4000-8000-000000000002', 'G02', '第二网格', '阳光社区', '东城街道')",
                [],
            )?;
            tx.execute(
                "UPDATE households SET grid_id = '00000000-0000-4000-8000-000000000002' WHERE id = ?1",
                [phone.newly_alone.to_string()],
            )?;
            Ok(())
        })
        .unwrap();
    assert_eq!(page(&phone, "", HouseholdFilter::Due), ["王秀英"]);
    assert_eq!(phone.device.home().unwrap().due_count, 0);

    let second = phone
        .device
        .household_page(&HouseholdQuery {
            text: String::new(),
            filter: HouseholdFilter::All,
            offset: 2,
            limit: 2,
        })
        .unwrap();
    assert_eq!((second.total, second.offset, second.rows.len()), (3, 2, 1));
    assert_eq!(second.rows[0].summary.head, "张伟");
}

#[test]
fn the_outbox_says_why_a_visit_waits_and_a_discarded_one_goes_back_to_draft() {
    let phone = phone();
    let visit = phone
        .device
        .start_visit(phone.elder, "elder_alone_visit")
        .unwrap();
    phone
        .device
        .set_answers(visit.id, &good_answers(phone.elder))
        .unwrap();
    phone
        .device
        .add_photo(visit.id, "photos", &camera_jpeg())
        .unwrap();
    phone.device.finalize(visit.id).unwrap();
    let id = format!("visit:{}", visit.id);

    let entries = phone.device.outbox_entries().unwrap();
    assert_eq!(entries.len(), 1, "one entry for the visit and its photo");
    let entry = &entries[0];
    assert_eq!(entry.id, id);
    assert_eq!(entry.state, EntryState::Waiting);
    assert_eq!(entry.state_text.zh, "等待同步");
    assert_eq!((entry.photos, entry.photos_sent), (1, 0));
    assert!(
        entry.discard_effect.is_none(),
        "only a set-aside entry can be discarded"
    );
    assert!(phone.device.discard_outbox_entry(&id).is_err());

    phone.device.set_network(Network::Cellular);
    let entry = phone.device.outbox_entries().unwrap().remove(0);
    assert_eq!(entry.state, EntryState::WaitingForWifi);
    assert_eq!(entry.state_text.zh, "照片等待 Wi-Fi");
    phone.device.set_network(Network::Offline);
    assert_eq!(
        phone.device.outbox_entries().unwrap()[0].state,
        EntryState::WaitingForNetwork
    );
    phone.device.set_network(Network::Wifi);

    let items = phone.device.store().outbox().unwrap();
    let op = items
        .iter()
        .find(|i| i.kind == ItemKind::Operation)
        .unwrap();
    phone
        .device
        .store()
        .mark_failed(op.seq, "network: connection refused", None)
        .unwrap();
    let entry = phone.device.outbox_entries().unwrap().remove(0);
    assert!(matches!(entry.state, EntryState::Retrying { at: Some(_) }));
    assert!(entry.state_text.zh.starts_with("发送失败，将于"));
    assert_eq!(entry.reason.unwrap().zh, "网络不通，未能连上服务器");

    phone
        .device
        .store()
        .set_aside(
            op.seq,
            "household_not_in_grids: this household is not in your grids",
            Some("该住户不在您的网格内"),
        )
        .unwrap();
    let entry = phone.device.outbox_entries().unwrap().remove(0);
    assert_eq!(entry.state, EntryState::SetAside);
    let reason = entry.reason.unwrap();
    assert_eq!(reason.zh, "该住户不在您的网格内");
    assert_eq!(reason.en, "this household is not in your grids");
    assert!(entry.discard_effect.unwrap().zh.contains("退回草稿"));
    assert_eq!(phone.device.home().unwrap().set_aside, 1);

    phone.device.retry_outbox_entry(&id).unwrap();
    assert_eq!(
        phone.device.outbox_entries().unwrap()[0].state,
        EntryState::Waiting,
        "retried: queued again"
    );

    phone
        .device
        .store()
        .set_aside(
            op.seq,
            "household_not_in_grids: not yours",
            Some("该住户不在您的网格内"),
        )
        .unwrap();
    let done = phone.device.discard_outbox_entry(&id).unwrap();
    assert_eq!(done.zh, "已退回草稿，保留在手机上");
    assert!(phone.device.outbox_entries().unwrap().is_empty());
    assert!(phone.device.store().outbox().unwrap().is_empty());
    let record = phone.device.store().visit(visit.id).unwrap();
    assert_eq!(record.visit.status, VisitStatus::Draft, "kept, as a draft");
    assert_eq!(record.photos.len(), 1, "with its photo");
    assert_eq!(record.answers["respondent"], "王秀英", "and its answers");
    let home = phone.device.home().unwrap();
    assert_eq!(home.waiting_upload, 0);
    assert_eq!(
        home.drafts[0].upload_problem.as_ref().unwrap().zh,
        "该住户不在您的网格内"
    );
    phone.device.finalize(visit.id).unwrap();
    assert_eq!(
        phone.device.outbox_entries().unwrap().len(),
        1,
        "finished again, it is queued again"
    );
}

#[test]
fn a_sync_run_is_summed_up_in_words() {
    let mut report = SyncReport {
        visits_uploaded: 2,
        ..SyncReport::default()
    };
    report.pulled.returned = 1;
    let text = sync_summary(&report, &[]);
    assert_eq!(text.zh, "已上传 2 次走访，收到 1 次退回修改。");
    assert_eq!(text.en, "Sent 2 visits, 1 visit returned for rework.");
    let nothing = sync_summary(&SyncReport::default(), &[]);
    assert_eq!(nothing.en, "Synced; nothing waits to be sent");
}
