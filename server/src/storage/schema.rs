//! The SQLite schema: a version number, the creation SQL, and the upgrade steps.
//!
//! Every step runs in one immediate transaction that also sets `user_version`.
//! A database newer than this code is refused and left untouched.

use rusqlite::{Connection, TransactionBehavior};

use super::{Result, StorageError};

/// The schema version this code writes.
pub const VERSION: i64 = 7;

pub(super) const CREATE_V1: &str = r#"
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO counters (name, value) VALUES ('change_seq', 0);

CREATE TABLE subdistricts (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE communities (
    id TEXT PRIMARY KEY,
    subdistrict_id TEXT NOT NULL REFERENCES subdistricts(id),
    name TEXT NOT NULL
);
CREATE TABLE grids (
    id TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);
CREATE INDEX grids_community ON grids(community_id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('worker', 'supervisor', 'admin')),
    password_hash TEXT NOT NULL,
    community_id TEXT REFERENCES communities(id),
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE user_grids (
    user_id TEXT NOT NULL REFERENCES users(id),
    grid_id TEXT NOT NULL REFERENCES grids(id),
    PRIMARY KEY (user_id, grid_id)
) WITHOUT ROWID;

CREATE TABLE tokens (
    hash BLOB PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    device_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TABLE households (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    grid_id TEXT NOT NULL REFERENCES grids(id),
    estate TEXT NOT NULL,
    building TEXT,
    unit TEXT,
    door TEXT,
    lat REAL,
    lon REAL,
    location_confirmed INTEGER NOT NULL DEFAULT 0,
    residence_type TEXT NOT NULL,
    landlord_name TEXT,
    landlord_phone TEXT,
    notes TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL
);
CREATE INDEX households_seq ON households(seq);
CREATE INDEX households_grid ON households(grid_id);

-- The version at which each household field last changed, for field-by-field merges.
CREATE TABLE household_fields (
    household_id TEXT NOT NULL REFERENCES households(id),
    field TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (household_id, field)
) WITHOUT ROWID;

CREATE TABLE household_conflicts (
    id INTEGER PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    field TEXT NOT NULL,
    base_version INTEGER NOT NULL,
    server_version INTEGER NOT NULL,
    server_value TEXT,
    device_value TEXT,
    user_id TEXT NOT NULL,
    op_id TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX household_conflicts_household ON household_conflicts(household_id);

CREATE TABLE residents (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    id_number TEXT,
    phone TEXT,
    relation TEXT NOT NULL,
    tags TEXT NOT NULL
);
CREATE INDEX residents_household ON residents(household_id, position);

CREATE TABLE templates (
    template_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    definition TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (template_id, version)
);
CREATE INDEX templates_seq ON templates(seq);

CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    bytes INTEGER NOT NULL,
    uploaded_by TEXT NOT NULL,
    received_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE visits (
    id TEXT PRIMARY KEY,
    visit_group TEXT NOT NULL,
    revision INTEGER NOT NULL,
    template_id TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    household_id TEXT NOT NULL REFERENCES households(id),
    grid_id TEXT NOT NULL,
    worker_id TEXT NOT NULL REFERENCES users(id),
    started_utc TEXT NOT NULL,
    started_offset INTEGER NOT NULL,
    finalized_utc TEXT NOT NULL,
    finalized_offset INTEGER NOT NULL,
    answers TEXT NOT NULL,
    door_check_device TEXT,
    door_check_server TEXT,
    photos TEXT NOT NULL,
    flags TEXT NOT NULL,
    status TEXT NOT NULL,
    reviewer_id TEXT,
    reviewed_at TEXT,
    review_comment TEXT,
    op_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (visit_group, revision)
);
CREATE INDEX visits_household ON visits(household_id);

CREATE TABLE reviews (
    seq INTEGER PRIMARY KEY,
    visit_id TEXT NOT NULL REFERENCES visits(id),
    worker_id TEXT NOT NULL,
    status TEXT NOT NULL,
    comment TEXT NOT NULL,
    reviewer_id TEXT NOT NULL,
    reviewer_name TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
CREATE INDEX reviews_worker ON reviews(worker_id, seq);

-- The first answer to each operation, so that a replay gets it again.
CREATE TABLE op_results (
    op_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    result TEXT NOT NULL,
    at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_username TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    remote_addr TEXT
);
"#;

/// The supervisor console's queue and dashboard: visits by grid and time.
const UPGRADE_V2: &str = r#"
CREATE INDEX visits_grid_finalized ON visits(grid_id, finalized_utc);
CREATE INDEX visits_status ON visits(status, grid_id);
"#;

/// Console sessions: browser sign-ins of supervisors and admins, apart from
/// device tokens so neither works where the other belongs.
const UPGRADE_V3: &str = r#"
CREATE TABLE console_sessions (
    hash BLOB PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    ended_at TEXT,
    remote_addr TEXT
);
CREATE INDEX console_sessions_user ON console_sessions(user_id);
"#;

/// The console at scale (a million visits): each visit's door outcome (to
/// count a household's failed attempts), and tables derived from the visits
/// at ingest so the dashboard and the queue read a few rows instead of every
/// visit's JSON: each flag of each visit, the households each photo appears
/// in (and the photos seen in more than one), and each household's latest
/// visit per template (all the scheduler needs to tell what is due). Plus the
/// queue's orders (newest first overall, and within a grid and status); a
/// returned visit whose next revision has arrived marked `superseded` at
/// ingest, so the follow-ups still open per grid are one partial index; and
/// residents by ID number, for the ledger import's "already registered".
const UPGRADE_V4: &str = r#"
ALTER TABLE visits ADD COLUMN door_outcome TEXT;
ALTER TABLE visits ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0;
CREATE INDEX visits_household_outcome ON visits(household_id, door_outcome, finalized_utc);
CREATE INDEX visits_finalized ON visits(finalized_utc, id);
CREATE INDEX visits_grid_status_finalized ON visits(grid_id, status, finalized_utc, id);
CREATE INDEX visits_open_returns ON visits(grid_id) WHERE status = 'returned' AND superseded = 0;
CREATE INDEX residents_id_number ON residents(id_number) WHERE id_number IS NOT NULL;
CREATE TABLE visit_flags (
    visit_id TEXT NOT NULL REFERENCES visits(id),
    grid_id TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (visit_id, code)
) WITHOUT ROWID;
CREATE INDEX visit_flags_grid ON visit_flags(grid_id, code);
CREATE TABLE photo_households (
    sha256 TEXT NOT NULL,
    household_id TEXT NOT NULL,
    grid_id TEXT NOT NULL,
    PRIMARY KEY (sha256, household_id)
) WITHOUT ROWID;
CREATE TABLE reused_photos (sha256 TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE household_last_visits (
    household_id TEXT NOT NULL REFERENCES households(id),
    template_id TEXT NOT NULL,
    finalized_utc TEXT NOT NULL,
    finalized_offset INTEGER NOT NULL,
    PRIMARY KEY (household_id, template_id)
) WITHOUT ROWID;
"#;

/// Grids taken from a user: when, and when their phone was first sent the
/// grids they have now. A visit the phone began before then was made in good
/// faith and is accepted (see `api::push`).
const UPGRADE_V5: &str = r#"
CREATE TABLE grid_releases (
    user_id TEXT NOT NULL REFERENCES users(id),
    grid_id TEXT NOT NULL REFERENCES grids(id),
    released_at TEXT NOT NULL,
    noticed_at TEXT,
    PRIMARY KEY (user_id, grid_id)
) WITHOUT ROWID;
"#;

/// Settings an admin makes in the console, by name (the public notice's
/// supervision phone).
const UPGRADE_V6: &str = r#"
CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"#;

/// What a ledger import remembers for the next file: the fields a sheet's
/// columns went to, by a fingerprint of its headers, and estates' grids.
const UPGRADE_V7: &str = r#"
CREATE TABLE ledger_mappings (
    signature TEXT PRIMARY KEY,
    mapping TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE estate_grids (
    estate TEXT PRIMARY KEY,
    grid_id TEXT NOT NULL REFERENCES grids(id),
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
"#;

/// Fills what [`UPGRADE_V4`] derives from the visits table, for visits stored
/// before it (or loaded in bulk without going through ingest).
pub const FILL_DERIVED: &str = r#"
UPDATE visits SET door_outcome = json_extract(door_check_device, '$.input.outcome')
    WHERE door_check_device IS NOT NULL AND door_outcome IS NULL;
UPDATE visits SET superseded = 1 WHERE superseded = 0 AND EXISTS (
    SELECT 1 FROM visits n WHERE n.visit_group = visits.visit_group AND n.revision = visits.revision + 1);
INSERT OR IGNORE INTO visit_flags (visit_id, grid_id, code)
    SELECT v.id, v.grid_id, f.value FROM visits v, json_each(v.flags) f WHERE v.flags <> '[]';
INSERT OR IGNORE INTO photo_households (sha256, household_id, grid_id)
    SELECT json_extract(p.value, '$.sha256'), v.household_id, v.grid_id
    FROM visits v, json_each(v.photos) p
    WHERE v.photos <> '[]' AND json_extract(p.value, '$.sha256') IS NOT NULL;
INSERT OR IGNORE INTO reused_photos (sha256)
    SELECT sha256 FROM photo_households GROUP BY sha256 HAVING count(*) > 1;
INSERT INTO household_last_visits (household_id, template_id, finalized_utc, finalized_offset)
    SELECT household_id, template_id, max(finalized_utc), finalized_offset
    FROM visits WHERE true GROUP BY household_id, template_id
    ON CONFLICT (household_id, template_id) DO UPDATE
    SET finalized_utc = excluded.finalized_utc, finalized_offset = excluded.finalized_offset
    WHERE excluded.finalized_utc > household_last_visits.finalized_utc;
ANALYZE;
"#;

/// Refuses a database written by newer code, before anything touches it.
pub fn refuse_newer(conn: &Connection) -> Result<i64> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > VERSION {
        return Err(StorageError::NewerSchema {
            found,
            supported: VERSION,
        });
    }
    Ok(found)
}

/// Brings the database to [`VERSION`], or refuses one that is newer.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let found = refuse_newer(conn)?;
    for from in found..VERSION {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        upgrade_from(&tx, from)?;
        tx.pragma_update(None, "user_version", from + 1)?;
        tx.commit()?;
    }
    Ok(())
}

fn upgrade_from(conn: &Connection, version: i64) -> Result<()> {
    match version {
        0 => conn.execute_batch(CREATE_V1)?,
        1 => conn.execute_batch(UPGRADE_V2)?,
        2 => conn.execute_batch(UPGRADE_V3)?,
        3 => {
            conn.execute_batch(UPGRADE_V4)?;
            conn.execute_batch(FILL_DERIVED)?;
        }
        4 => conn.execute_batch(UPGRADE_V5)?,
        5 => conn.execute_batch(UPGRADE_V6)?,
        6 => conn.execute_batch(UPGRADE_V7)?,
        other => {
            return Err(StorageError::Corrupt(format!(
                "no upgrade step from schema version {other}"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_4_fills_the_derived_tables_from_stored_visits() {
        let mut conn = Connection::open_in_memory().expect("open");
        for from in 0..3 {
            upgrade_from(&conn, from).expect("old step");
        }
        conn.execute_batch(
            "PRAGMA user_version = 3;
             INSERT INTO subdistricts VALUES ('s', '街道');
             INSERT INTO communities VALUES ('c', 's', '社区');
             INSERT INTO grids VALUES ('g', 'c', 'G-1', '网格');
             INSERT INTO users VALUES ('u', 'w', '网格员', 'worker', 'x', NULL, 0, '2026-01-01');
             INSERT INTO households (id, code, grid_id, estate, residence_type, version, seq)
                 VALUES ('h', 'H-1', 'g', '小区', 'registered', 1, 1);
             INSERT INTO visits (id, visit_group, revision, template_id, template_version,
                 household_id, grid_id, worker_id, started_utc, started_offset, finalized_utc,
                 finalized_offset, answers, door_check_device, photos, flags, status, op_id, received_at)
             VALUES ('v', 'v', 1, 'dibao_review', 1, 'h', 'g', 'u', '2026-03-01T01:00:00.000000Z', 28800,
                 '2026-03-01T02:00:00.000000Z', 28800, '{}', '{\"input\":{\"outcome\":\"refused\"}}',
                 '[{\"sha256\":\"ab\"}]', '[\"door:outside\",\"too_fast\"]', 'uploaded', 'o', 'now');
             INSERT INTO visits (id, visit_group, revision, template_id, template_version,
                 household_id, grid_id, worker_id, started_utc, started_offset, finalized_utc,
                 finalized_offset, answers, photos, flags, status, op_id, received_at)
             VALUES ('r1', 'r1', 1, 'elder_alone_visit', 1, 'h', 'g', 'u', '2026-03-02T01:00:00.000000Z',
                     28800, '2026-03-02T02:00:00.000000Z', 28800, '{}', '[]', '[]', 'returned', 'o1', 'now'),
                    ('r2', 'r1', 2, 'elder_alone_visit', 1, 'h', 'g', 'u', '2026-03-03T01:00:00.000000Z',
                     28800, '2026-03-03T02:00:00.000000Z', 28800, '{}', '[]', '[]', 'uploaded', 'o2', 'now');",
        )
        .expect("a version 3 database with a visit");
        migrate(&mut conn).expect("upgrade");
        let counts: (String, i64, i64, String) = conn
            .query_row(
                "SELECT (SELECT door_outcome FROM visits WHERE id = 'v'),
                        (SELECT count(*) FROM visit_flags WHERE grid_id = 'g'),
                        (SELECT count(*) FROM photo_households WHERE sha256 = 'ab'),
                        (SELECT finalized_utc FROM household_last_visits WHERE template_id = 'dibao_review')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .expect("read");
        assert_eq!(
            counts,
            ("refused".into(), 2, 1, "2026-03-01T02:00:00.000000Z".into())
        );
        // The returned revision 1 has its revision 2: no longer an open follow-up.
        let superseded: Vec<(String, i64)> = conn
            .prepare("SELECT id, superseded FROM visits ORDER BY id")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("read");
        assert_eq!(
            superseded,
            vec![("r1".into(), 1), ("r2".into(), 0), ("v".into(), 0)]
        );
    }
}
