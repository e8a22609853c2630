//! Forms in the language of the community: a worker who reads Uyghur chooses
//! it for the forms her templates carry it in, and the visit screen gives
//! every label, hint and choice in it, Chinese where the form lacks it.

use chrono::{DateTime, NaiveDate};
use doorstep_core::clock::FixedClock;
use doorstep_core::device::Device;
use doorstep_core::domain::Address;
use doorstep_core::forms::Choice;
use doorstep_core::store::households::{GridInfo, NewHousehold, NewResident};
use doorstep_core::store::settings::Language;
use doorstep_core::store::{DatabaseKey, OpenMode};
use doorstep_core::sync::protocol::{Account, LoginResponse, PullResponse, Role, TemplateRecord};
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

/// A form written in Chinese, English and Uyghur, with one hint in Chinese only.
fn uyghur_form() -> serde_json::Value {
    json!({
        "id": "ug_check",
        "version": 1,
        "title": {"zh": "入户走访", "en": "Home visit", "ug": "ئائىلە زىيارىتى"},
        "fields": [
            {"name": "alone", "type": "select_one",
             "label": {"zh": "是否独居", "en": "Lives alone", "ug": "يالغۇز تۇرامدۇ"},
             "hint": {"zh": "问老人本人", "en": "Ask the elder"},
             "guidance_hint": {"zh": "邻居说的不算", "en": "Neighbours do not count", "ug": "قوشنىلارنىڭ سۆزى ھېسابلانمايدۇ"},
             "choices": [
                 {"name": "yes", "label": {"zh": "是", "en": "Yes", "ug": "ھەئە"}},
                 {"name": "no", "label": {"zh": "否", "en": "No"}}
             ]}
        ]
    })
}

fn device() -> (tempfile::TempDir, Device, Uuid, DatabaseKey) {
    let dir = tempfile::tempdir().unwrap();
    let key = DatabaseKey::generate();
    let device = Device::open(&dir.path().join("d.db"), &key, OpenMode::CreateNew).unwrap();
    // The morning of [`day`] in Ürümqi (Beijing time, as the phone keeps it).
    device.set_clock(Arc::new(FixedClock::at(
        DateTime::parse_from_rfc3339("2026-05-01T09:00:00+08:00").unwrap(),
    )));
    let login = LoginResponse {
        token: "t".repeat(64),
        expires_at: device.now().utc + chrono::Duration::days(30),
        account: Account {
            user_id: Uuid::new_v4(),
            username: "worker1".into(),
            display_name: "阿依古丽".into(),
            role: Role::Worker,
            grids: vec![GridInfo {
                id: Uuid::new_v4(),
                code: "G01".into(),
                name: "第一网格".into(),
                community: "团结社区".into(),
                subdistrict: "东城街道".into(),
            }],
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
                estate: "团结小区".into(),
                door: Some("101".into()),
                ..Address::default()
            },
            residents: vec![NewResident {
                name: "买买提".into(),
                id_number: None,
                phone: None,
                relation: doorstep_core::domain::Relation::Head,
                tags: vec![],
            }],
            ..NewHousehold::default()
        })
        .unwrap();
    device
        .store()
        .apply_pull(&PullResponse {
            cursor: "1".into(),
            more: false,
            households: vec![],
            templates: vec![TemplateRecord {
                template_id: "ug_check".into(),
                version: 1,
                definition: uyghur_form(),
            }],
            reviews: vec![],
            grids: None,
        })
        .unwrap();
    device.reload_templates().unwrap();
    (dir, device, household, key)
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
}

fn labels(choices: &[Choice], language: &str) -> Vec<String> {
    choices
        .iter()
        .map(|c| c.label.text_in(language).to_owned())
        .collect()
}

#[test]
fn a_worker_reads_the_form_in_uyghur_with_chinese_where_it_lacks_a_text() {
    let (dir, device, household, key) = device();
    let codes: Vec<(String, String)> = device
        .form_languages()
        .unwrap()
        .into_iter()
        .map(|l| (l.code, l.name.zh))
        .collect();
    assert_eq!(
        codes[..3],
        [
            ("zh".to_owned(), "中文".to_owned()),
            ("en".to_owned(), "英语".to_owned()),
            ("ug".to_owned(), "维吾尔语".to_owned()),
        ],
        "the Uyghur of the pulled template is offered"
    );

    let visit = device.start_visit_on(household, "ug_check", day()).unwrap();
    let screen = device.visit_screen(visit.id, day()).unwrap();
    assert_eq!(screen.language, "zh", "the app's language by default");

    // Chosen by its name as a form writes it; kept as its code.
    let settings = device.set_form_language(Some("Uyghur")).unwrap();
    assert_eq!(settings.form_language.as_deref(), Some("ug"));
    let screen = device.visit_screen(visit.id, day()).unwrap();
    assert_eq!(screen.language, "ug");
    assert_eq!(screen.title.text_in(&screen.language), "ئائىلە زىيارىتى");
    let alone = &screen.fields[0];
    assert_eq!(alone.label.text_in(&screen.language), "يالغۇز تۇرامدۇ");
    assert_eq!(
        alone.hint.as_ref().unwrap().text_in(&screen.language),
        "问老人本人",
        "a hint not written in Uyghur is shown in Chinese"
    );
    assert_eq!(
        alone
            .guidance_hint
            .as_ref()
            .unwrap()
            .text_in(&screen.language),
        "قوشنىلارنىڭ سۆزى ھېسابلانمايدۇ"
    );
    assert_eq!(labels(&alone.choices, &screen.language), ["ھەئە", "否"]);

    // Answering keeps the language; it survives a restart.
    let screen = device
        .set_answer(visit.id, "alone", Some(json!("yes")), day())
        .unwrap();
    assert_eq!(screen.language, "ug");
    drop(device);
    let device = Device::open(&dir.path().join("d.db"), &key, OpenMode::Existing).unwrap();
    assert_eq!(
        device.settings().unwrap().form_language.as_deref(),
        Some("ug")
    );

    // Back to the app's language.
    device.set_language(Language::En).unwrap();
    let settings = device.set_form_language(Some("  ")).unwrap();
    assert_eq!(settings.form_language, None);
    assert_eq!(device.visit_screen(visit.id, day()).unwrap().language, "en");
    assert!(
        device.set_form_language(Some(&"x".repeat(65))).is_err(),
        "a code no template could carry is refused"
    );
    assert_eq!(device.settings().unwrap().form_language, None, "unchanged");
}
