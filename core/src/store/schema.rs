//! The device database schema and its migrations.
//!
//! The schema version lives in `PRAGMA user_version`. Each step of
//! [`upgrade_from`] runs in one immediate transaction that also sets the new
//! version, so a process killed mid-migration leaves the database at the last
//! completed step. A database newer than [`SCHEMA_VERSION`] is refused before
//! anything is written to it.
//!
//! Rules for adding a version: never edit a released step; add a new step that
//! moves the data forward; keep a test that upgrades a database frozen at the
//! previous version and compares its schema with a new one's.

use super::error::{Result, StoreError};
use rusqlite::{Connection, TransactionBehavior};

/// The schema version this code writes.
pub const SCHEMA_VERSION: u32 = 5;

/// Version 1: the administrative tree the device knows, households, residents,
/// category tags and visits.
const V1: &str = r#"
CREATE TABLE grids (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    community TEXT NOT NULL,
    subdistrict TEXT NOT NULL
);
CREATE TABLE households (
    doc INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    code TEXT NOT NULL,
    grid_id TEXT NOT NULL REFERENCES grids(id),
    estate TEXT NOT NULL,
    building TEXT,
    unit TEXT,
    door TEXT,
    lat REAL,
    lon REAL,
    location_set_by TEXT,
    location_set_at TEXT,
    location_confirmed INTEGER NOT NULL DEFAULT 0,
    residence_type TEXT NOT NULL,
    landlord_name TEXT,
    landlord_phone TEXT,
    notes TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE INDEX households_grid ON households(grid_id);
CREATE TABLE residents (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    id_number TEXT,
    phone TEXT,
    relation TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE INDEX residents_household ON residents(household_id, position);
CREATE TABLE tag_definitions (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    attributes TEXT NOT NULL,
    sensitive INTEGER NOT NULL,
    builtin INTEGER NOT NULL
);
CREATE TABLE resident_tags (
    resident_id TEXT NOT NULL REFERENCES residents(id) ON DELETE CASCADE,
    code TEXT NOT NULL REFERENCES tag_definitions(code),
    start_date TEXT NOT NULL,
    end_date TEXT,
    attributes TEXT NOT NULL,
    PRIMARY KEY (resident_id, code, start_date)
);
CREATE TABLE visits (
    id TEXT PRIMARY KEY,
    visit_group TEXT NOT NULL,
    revision INTEGER NOT NULL,
    template_id TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    household_id TEXT NOT NULL REFERENCES households(id),
    worker_id TEXT NOT NULL,
    started_utc TEXT NOT NULL,
    started_offset INTEGER NOT NULL,
    finalized_utc TEXT,
    finalized_offset INTEGER,
    status TEXT NOT NULL,
    review TEXT,
    answers TEXT NOT NULL DEFAULT '{}',
    UNIQUE (visit_group, revision)
);
CREATE INDEX visits_household ON visits(household_id);
"#;

/// Version 2: the full-text search index over names (with pinyin and initials),
/// addresses and ID number endings: one row per household (its rowid is the
/// household's `doc`), holding the terms of its address and of every resident.
/// Prefix indexes keep short prefixes fast.
const V2: &str = r#"
CREATE VIRTUAL TABLE search_index USING fts5(
    terms,
    tokenize = 'unicode61',
    prefix = '1 2 3'
);
"#;

/// Version 3: what sync needs on the device — pulled templates, door checks,
/// photos (their bytes live here, encrypted like everything else), the outbox,
/// and the signed-in session.
const V3: &str = r#"
CREATE TABLE templates (
    template_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    definition TEXT NOT NULL,
    PRIMARY KEY (template_id, version)
);
CREATE TABLE door_checks (
    visit_id TEXT PRIMARY KEY REFERENCES visits(id) ON DELETE CASCADE,
    input TEXT NOT NULL,
    result TEXT NOT NULL
);
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    thumbnail BLOB,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL
);
CREATE TABLE visit_photos (
    visit_id TEXT NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    field TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (visit_id, sha256)
);
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    visit_id TEXT,
    payload TEXT,
    bytes INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX outbox_state ON outbox(state, seq);
CREATE TABLE session (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    server_url TEXT NOT NULL,
    token TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    account TEXT NOT NULL,
    cursor TEXT
);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#;

/// Version 4: each household's past visits as the server lists them, whoever
/// made them (replaced whenever the household is pulled).
const V4: &str = r#"
CREATE TABLE past_visits (
    household_id TEXT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    visit_id TEXT NOT NULL,
    visit_group TEXT NOT NULL,
    template_id TEXT NOT NULL,
    date TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (household_id, visit_id)
);
"#;

/// Version 5: the phone's settings as typed columns (language, the forms'
/// language, the server
/// address remembered across sign-out, Wi-Fi-only sync, photos on cellular,
/// the visit left open),
/// carried over from the key/value table of v3 and the signed-in session; when
/// the last sync succeeded; the Chinese reason of an outbox failure beside the
/// English one; and why a visit whose upload was given up went back to draft.
const V5: &str = r#"
CREATE TABLE phone_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    language TEXT NOT NULL DEFAULT 'zh' CHECK (language IN ('zh', 'en')),
    -- The language forms are shown in when not the app's (ug, bo, …).
    form_language TEXT CHECK (form_language IS NULL OR length(form_language) BETWEEN 1 AND 64),
    server_url TEXT,
    wifi_only_sync INTEGER NOT NULL DEFAULT 1,
    photos_on_cellular INTEGER NOT NULL DEFAULT 0,
    -- The draft the worker had open and the section she was on (JSON).
    open_visit TEXT
);
INSERT INTO phone_settings (id, server_url, photos_on_cellular) VALUES (
    1,
    (SELECT server_url FROM session WHERE id = 1),
    coalesce((SELECT value = 'true' FROM settings WHERE key = 'photos_on_cellular'), 0)
);
DROP TABLE settings;
CREATE TABLE sync_status (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_success_at TEXT,
    last_attempt_at TEXT,
    last_error TEXT
);
INSERT INTO sync_status (id) VALUES (1);
ALTER TABLE outbox ADD COLUMN reason_zh TEXT;
ALTER TABLE visits ADD COLUMN upload_problem TEXT;
"#;

/// The schema version of an open database.
pub fn version(conn: &Connection) -> Result<u32> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Brings the database up to [`SCHEMA_VERSION`], one transaction per step.
/// Refuses (and leaves untouched) a database newer than this code.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let found = version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    migrate_to(conn, SCHEMA_VERSION)
}

/// Upgrades step by step up to `target` (tests use this to freeze old versions).
pub(crate) fn migrate_to(conn: &mut Connection, target: u32) -> Result<()> {
    let mut current = version(conn)?;
    while current < target {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        upgrade_from(&tx, current)?;
        current += 1;
        tx.pragma_update(None, "user_version", current)?;
        tx.commit()?;
    }
    Ok(())
}

/// One migration step: from `version` to `version + 1`.
fn upgrade_from(conn: &Connection, version: u32) -> Result<()> {
    match version {
        0 => {
            conn.execute_batch(V1)?;
            seed_builtin_tags(conn)
        }
        1 => Ok(conn.execute_batch(V2)?),
        2 => Ok(conn.execute_batch(V3)?),
        3 => Ok(conn.execute_batch(V4)?),
        4 => Ok(conn.execute_batch(V5)?),
        other => unreachable!("no migration from schema version {other}"),
    }
}

fn seed_builtin_tags(conn: &Connection) -> Result<()> {
    let mut insert = conn.prepare(
        "INSERT INTO tag_definitions (code, name_zh, name_en, attributes, sensitive, builtin)
         VALUES (?1, ?2, ?3, ?4, ?5, 1)",
    )?;
    for tag in doorstep_model::builtin_tags() {
        let attributes = serde_json::to_string(&tag.attributes).expect("a list of strings");
        insert.execute(rusqlite::params![
            tag.code,
            tag.name_zh,
            tag.name_en,
            attributes,
            tag.sensitive
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema_of(conn: &Connection) -> Vec<(String, String)> {
        let mut stmt = conn
            .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn upgrading_from_every_old_version_gives_the_same_schema_as_a_new_one() {
        let mut fresh = Connection::open_in_memory().unwrap();
        migrate(&mut fresh).unwrap();
        for old_version in 1..SCHEMA_VERSION {
            let mut old = Connection::open_in_memory().unwrap();
            migrate_to(&mut old, old_version).unwrap();
            migrate(&mut old).unwrap();
            assert_eq!(
                schema_of(&old),
                schema_of(&fresh),
                "upgraded from v{old_version}"
            );
        }
    }

    #[test]
    fn upgrading_a_v1_database_gives_the_same_schema_as_a_new_one() {
        let mut old = Connection::open_in_memory().unwrap();
        migrate_to(&mut old, 1).unwrap();
        assert_eq!(version(&old).unwrap(), 1);
        old.execute(
            "INSERT INTO grids (id, code, name, community, subdistrict) VALUES ('g', 'G01', '一网格', '阳光社区', '东城街道')",
            [],
        )
        .unwrap();
        migrate(&mut old).unwrap();

        let mut fresh = Connection::open_in_memory().unwrap();
        migrate(&mut fresh).unwrap();
        assert_eq!(version(&old).unwrap(), SCHEMA_VERSION);
        assert_eq!(schema_of(&old), schema_of(&fresh));
        let grids: i64 = old
            .query_row("SELECT count(*) FROM grids", [], |r| r.get(0))
            .unwrap();
        assert_eq!(grids, 1, "data written at v1 survives the upgrade");
    }

    #[test]
    fn a_newer_database_is_refused_and_left_as_it_was() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let before = schema_of(&conn);
        let err = migrate(&mut conn).unwrap_err();
        assert!(
            matches!(err, StoreError::NewerSchema { found, .. } if found == SCHEMA_VERSION + 1)
        );
        assert_eq!(schema_of(&conn), before);
        assert_eq!(version(&conn).unwrap(), SCHEMA_VERSION + 1);
    }

    #[test]
    fn upgrading_a_v4_database_keeps_the_server_address_and_the_photo_choice() {
        let mut old = Connection::open_in_memory().unwrap();
        migrate_to(&mut old, 4).unwrap();
        old.execute_batch(
            "INSERT INTO session (id, server_url, token, expires_at, account)
                 VALUES (1, 'https://doorstep.example.cn', 't', '2030-01-01T00:00:00Z', '{}');
             INSERT INTO settings (key, value) VALUES ('photos_on_cellular', 'true');",
        )
        .unwrap();
        migrate(&mut old).unwrap();
        let row: (String, Option<String>, bool, bool) = old
            .query_row(
                "SELECT language, server_url, wifi_only_sync, photos_on_cellular FROM phone_settings",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(
            row,
            (
                "zh".to_owned(),
                Some("https://doorstep.example.cn".to_owned()),
                true,
                true
            )
        );

        let mut fresh = Connection::open_in_memory().unwrap();
        migrate(&mut fresh).unwrap();
        let row: (String, Option<String>, bool, bool) = fresh
            .query_row(
                "SELECT language, server_url, wifi_only_sync, photos_on_cellular FROM phone_settings",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(row, ("zh".to_owned(), None, true, false), "the defaults");
    }

    #[test]
    fn builtin_tags_are_seeded() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM tag_definitions", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n as usize, doorstep_model::builtin_tags().len());
    }
}
