//! The encrypted device store as the phone uses it: real SQLCipher files on disk.

use chrono::{DateTime, NaiveDate};
use doorstep_core::clock::FixedClock;
use doorstep_core::domain::{Address, Relation, ResidentTag};
use doorstep_core::store::households::{Disclosure, GridInfo, NewHousehold, NewResident};
use doorstep_core::store::schema::SCHEMA_VERSION;
use doorstep_core::store::{DatabaseKey, OpenMode, Store, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use uuid::Uuid;

struct Device {
    _dir: tempfile::TempDir,
    path: PathBuf,
    key: DatabaseKey,
}

fn device() -> Device {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doorstep.db");
    let key = DatabaseKey::generate();
    let store = Store::create(&path, &key).unwrap();
    store
        .upsert_grid(&GridInfo {
            id: Uuid::new_v4(),
            code: "G01".into(),
            name: "第一网格".into(),
            community: "阳光社区".into(),
            subdistrict: "东城街道".into(),
        })
        .unwrap();
    Device {
        _dir: dir,
        path,
        key,
    }
}

fn household(head: &str, estate: &str, door: &str) -> NewHousehold {
    NewHousehold {
        address: Address {
            estate: estate.into(),
            door: Some(door.into()),
            ..Address::default()
        },
        residents: vec![resident(head, Relation::Head)],
        ..NewHousehold::default()
    }
}

fn resident(name: &str, relation: Relation) -> NewResident {
    NewResident {
        name: name.into(),
        id_number: None,
        phone: None,
        relation,
        tags: vec![],
    }
}

fn file_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

/// A short fingerprint of a file, so a failed comparison prints two hashes, not megabytes.
fn fingerprint(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(file_bytes(path)))
}

#[test]
fn the_file_on_disk_is_not_plain_sqlite_and_reopens_with_its_key() {
    let d = device();
    let store = Store::open(&d.path, &d.key).unwrap();
    store
        .add_household(household("张三", "阳光小区", "302"))
        .unwrap();
    drop(store);
    let bytes = file_bytes(&d.path);
    assert_ne!(&bytes[..16], b"SQLite format 3\0");
    assert!(
        !bytes
            .windows("阳光小区".len())
            .any(|w| w == "阳光小区".as_bytes())
    );
    let store = Store::open(&d.path, &d.key).unwrap();
    assert_eq!(store.list_households().unwrap().len(), 1);
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
}

#[test]
fn a_wrong_key_is_reported_as_a_wrong_key_and_changes_nothing() {
    let d = device();
    let before = fingerprint(&d.path);
    let err = Store::open(&d.path, &DatabaseKey::generate())
        .err()
        .unwrap();
    assert!(matches!(err, StoreError::WrongKey), "{err}");
    assert!(err.to_string().contains("wrong key"));
    assert_eq!(fingerprint(&d.path), before);
    assert!(Store::open(&d.path, &d.key).is_ok());
}

#[test]
fn without_the_key_check_a_wrong_key_is_not_mistaken_for_corruption() {
    let d = device();
    std::fs::remove_file(d.path.with_extension("db.keycheck")).unwrap();
    let err = Store::open(&d.path, &DatabaseKey::generate())
        .err()
        .unwrap();
    assert!(matches!(err, StoreError::CannotDecrypt), "{err}");
    assert!(d.path.exists(), "nothing is set aside on a doubt");
    // The right key still opens it, and writes the key check again.
    Store::open(&d.path, &d.key).unwrap();
    assert!(d.path.with_extension("db.keycheck").exists());
}

#[test]
fn a_damaged_database_is_set_aside_never_deleted() {
    let d = device();
    let store = Store::open(&d.path, &d.key).unwrap();
    let batch = (0..300)
        .map(|i| household(&format!("住户{i}"), "阳光小区", &i.to_string()))
        .collect();
    store.add_households(batch).unwrap();
    drop(store);
    let mut bytes = file_bytes(&d.path);
    let len = bytes.len();
    assert!(
        len > 8 * 4096,
        "the test needs several pages, got {len} bytes"
    );
    for b in &mut bytes[4096 * 3..4096 * 3 + 2000] {
        *b ^= 0x5a;
    }
    std::fs::write(&d.path, &bytes).unwrap();

    let err = Store::open(&d.path, &d.key).err().unwrap();
    let StoreError::Corrupt { moved_to } = err else {
        panic!("expected Corrupt, got {err}")
    };
    assert!(!d.path.exists());
    assert!(
        file_bytes(&moved_to) == bytes,
        "the damaged file is kept byte for byte"
    );
    assert!(moved_to.to_string_lossy().contains(".corrupt-"));
    assert!(err_message_names(&moved_to));

    // The phone can start again with a new, empty database.
    let fresh = Store::open_with(&d.path, &d.key, OpenMode::OpenOrCreate).unwrap();
    assert!(fresh.list_households().unwrap().is_empty());
}

fn err_message_names(moved_to: &Path) -> bool {
    let err = StoreError::Corrupt {
        moved_to: moved_to.to_owned(),
    };
    err.to_string().contains(&*moved_to.to_string_lossy())
}

#[test]
fn a_damaged_first_page_with_the_right_key_is_set_aside() {
    let d = device();
    let mut bytes = file_bytes(&d.path);
    for b in &mut bytes[100..600] {
        *b = 0;
    }
    std::fs::write(&d.path, &bytes).unwrap();
    let err = Store::open(&d.path, &d.key).err().unwrap();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
}

#[test]
fn a_database_from_a_newer_app_is_refused_and_left_untouched() {
    let d = device();
    {
        let conn = rusqlite::Connection::open(&d.path).unwrap();
        conn.pragma_update(None, "key", format!("x'{}'", d.key.to_hex()))
            .unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
    }
    let before = fingerprint(&d.path);
    let err = Store::open(&d.path, &d.key).err().unwrap();
    assert!(
        matches!(err, StoreError::NewerSchema { found, supported } if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{err}"
    );
    assert!(err.to_string().contains("newer version"));
    assert_eq!(fingerprint(&d.path), before);
}

#[test]
fn a_plain_sqlite_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    let err = Store::open(&path, &DatabaseKey::generate()).err().unwrap();
    assert!(matches!(err, StoreError::NotEncrypted(_)), "{err}");
}

#[test]
fn missing_and_existing_files_are_told_apart() {
    let d = device();
    assert!(matches!(
        Store::create(&d.path, &d.key),
        Err(StoreError::AlreadyExists(_))
    ));
    let missing = d.path.with_file_name("none.db");
    assert!(matches!(
        Store::open(&missing, &d.key),
        Err(StoreError::Missing(_))
    ));
    assert!(!missing.exists());
}

#[test]
fn invalid_residents_are_refused_without_echoing_personal_data() {
    let d = device();
    let store = Store::open(&d.path, &d.key).unwrap();
    let mut h = household("李四", "幸福里", "5");
    h.residents[0].id_number = Some("110105194912310021".into());
    let err = store.add_household(h).unwrap_err().to_string();
    assert!(
        err.contains("resident 1") && err.contains("bad_check_digit"),
        "{err}"
    );
    assert!(!err.contains("110105") && !err.contains("李四"), "{err}");
    assert!(
        store.list_households().unwrap().is_empty(),
        "nothing of a refused household is written"
    );

    let mut two_heads = household("王五", "幸福里", "6");
    two_heads.residents.push(resident("王六", Relation::Head));
    assert!(store.add_household(two_heads).is_err());
}

#[test]
fn a_baby_born_today_is_registered_before_8_in_the_morning_in_beijing() {
    let d = device();
    let store = Store::open(&d.path, &d.key).unwrap();
    // Born on 1 December 2026.
    let newborn = || {
        let mut h = household("周小宝", "幸福里", "7");
        h.residents[0].id_number = Some("110105202612010014".into());
        h
    };
    let clock =
        |local: &str| Arc::new(FixedClock::at(DateTime::parse_from_rfc3339(local).unwrap()));
    // The evening before, the birth date is still in the future.
    store.set_clock(clock("2026-11-30T23:59:00+08:00"));
    let err = store.add_household(newborn()).unwrap_err().to_string();
    assert!(err.contains("impossible_birth_date"), "{err}");
    // 07:30 on the day is 30 November in UTC, and 1 December on the phone.
    store.set_clock(clock("2026-12-01T07:30:00+08:00"));
    let id = store.add_household(newborn()).unwrap();
    let detail = store.household(id, Disclosure::Masked).unwrap();
    assert_eq!(
        detail.residents[0].birth_date,
        NaiveDate::from_ymd_opt(2026, 12, 1)
    );
}

#[test]
fn a_failed_batch_writes_nothing() {
    let d = device();
    let store = Store::open(&d.path, &d.key).unwrap();
    let mut batch: Vec<_> = (0..10)
        .map(|i| household("赵六", "幸福里", &i.to_string()))
        .collect();
    batch[7].residents[0].phone = Some("12345".into());
    let err = store.add_households(batch).unwrap_err().to_string();
    assert!(err.contains("household 8"), "{err}");
    assert!(store.list_households().unwrap().is_empty());
}

#[test]
fn details_are_masked_unless_asked_for_in_full() {
    let d = device();
    let store = Store::open(&d.path, &d.key).unwrap();
    let mut h = household("张三", "阳光小区", "302");
    h.residents[0].id_number = Some("11010519491231002x".into());
    h.residents[0].phone = Some("138 1234 5678".into());
    h.residents[0].tags = vec![ResidentTag {
        code: "elder_alone".into(),
        start: chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
        end: None,
        attributes: Default::default(),
    }];
    let id = store.add_household(h).unwrap();
    let masked = store.household(id, Disclosure::Masked).unwrap();
    let r = &masked.residents[0];
    assert_eq!(r.id_number.as_deref(), Some("110105********002X"));
    assert_eq!(r.phone.as_deref(), Some("138****5678"));
    assert_eq!(r.birth_date, chrono::NaiveDate::from_ymd_opt(1949, 12, 31));
    assert_eq!(r.tags[0].code, "elder_alone");
    let full = store.household(id, Disclosure::Full).unwrap();
    assert_eq!(
        full.residents[0].id_number.as_deref(),
        Some("11010519491231002X")
    );
    assert_eq!(full.residents[0].phone.as_deref(), Some("13812345678"));
    assert_eq!(full.summary.code, "G01-0001");
}

#[test]
fn search_finds_people_by_name_pinyin_initials_address_and_id_ending() {
    let d = device();
    let store = Store::open(&d.path, &d.key).unwrap();
    let mut zhang = household("张三", "阳光小区3栋", "302");
    zhang.residents.push(NewResident {
        id_number: Some("11010519491231002X".into()),
        ..resident("李秀英", Relation::Spouse)
    });
    let zhang = store.add_household(zhang).unwrap();
    let zeng = store
        .add_household(household("曾国藩", "幸福里", "5"))
        .unwrap();
    let zhangsanfeng = store
        .add_household(household("张三丰", "武当小区", "101"))
        .unwrap();
    let _other = store
        .add_household(household("王五", "幸福里", "7"))
        .unwrap();

    let ids = |q: &str| -> Vec<Uuid> {
        store
            .search_households(q, 50)
            .unwrap()
            .into_iter()
            .map(|h| h.id)
            .collect()
    };
    assert_eq!(ids("zhangsan")[0], zhang, "the exact name ranks first");
    assert_eq!(ids("zhangsan").len(), 2, "张三丰 also starts with zhangsan");
    assert!(ids("zs").contains(&zhang));
    assert!(ids("zsf") == vec![zhangsanfeng]);
    assert!(ids("张三").contains(&zhang));
    assert_eq!(
        ids("秀英"),
        vec![zhang],
        "any resident's given name finds the household"
    );
    assert_eq!(ids("lxy"), vec![zhang]);
    assert_eq!(ids("zeng"), vec![zeng], "曾 as a surname is read zeng");
    assert_eq!(
        ids("cengguofan"),
        vec![zeng],
        "the ordinary reading still finds it"
    );
    assert_eq!(
        ids("002x"),
        vec![zhang],
        "last four of an ID number, any case"
    );
    assert_eq!(ids("302"), vec![zhang]);
    assert_eq!(ids("幸福里").len(), 2);
    assert_eq!(ids("幸福里 wang"), ids("ww"));
    assert!(ids("nobody").is_empty());
    assert!(ids("").is_empty());
    assert!(
        ids("\"*)(").is_empty(),
        "FTS syntax in a query is taken literally"
    );
}
