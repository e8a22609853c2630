//! The SQLite schema: a version number, the creation SQL, and the upgrade steps.
//!
//! Every step runs in one immediate transaction that also sets `user_version`.
//! A database newer than this code is refused and left untouched.

use rusqlite::{Connection, TransactionBehavior};

use super::{Result, StorageError};

/// The schema version this code writes.
pub const VERSION: i64 = 3;

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
        other => {
            return Err(StorageError::Corrupt(format!(
                "no upgrade step from schema version {other}"
            )));
        }
    }
    Ok(())
}
