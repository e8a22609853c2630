//! The PostgreSQL schema: a version table, the creation SQL, and the upgrade steps.
//!
//! The schema mirrors SQLite's (see `schema.rs`): ids, instants (RFC 3339 UTC
//! with microseconds, which sort as text in time order) and JSON documents are
//! stored as text, exactly as the SQLite backend writes them, so both backends
//! order and compare the same way. Every step runs in one transaction that
//! also records the new version in `schema_version`, under an advisory lock so
//! two servers starting together do not both migrate. A database newer than
//! this code is refused and left untouched.

use tokio_postgres::Client;

use super::{Result, StorageError};

/// The schema version this code writes (kept equal to SQLite's for clarity).
pub const VERSION: i64 = 7;

/// Held while migrating, so concurrent starts take turns.
const MIGRATION_LOCK: i64 = 0x646f_6f72_7374_6570; // "doorstep"

pub(super) const CREATE_V1: &str = r#"
CREATE TABLE counters (name TEXT COLLATE "C" PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO counters (name, value) VALUES ('change_seq', 0);

CREATE TABLE subdistricts (id TEXT COLLATE "C" PRIMARY KEY, name TEXT COLLATE "C" NOT NULL);
CREATE TABLE communities (
    id TEXT COLLATE "C" PRIMARY KEY,
    subdistrict_id TEXT COLLATE "C" NOT NULL REFERENCES subdistricts(id),
    name TEXT COLLATE "C" NOT NULL
);
CREATE TABLE grids (
    id TEXT COLLATE "C" PRIMARY KEY,
    community_id TEXT COLLATE "C" NOT NULL REFERENCES communities(id),
    code TEXT COLLATE "C" NOT NULL UNIQUE,
    name TEXT COLLATE "C" NOT NULL
);
CREATE INDEX grids_community ON grids(community_id);

CREATE TABLE users (
    id TEXT COLLATE "C" PRIMARY KEY,
    username TEXT COLLATE "C" NOT NULL UNIQUE,
    display_name TEXT COLLATE "C" NOT NULL,
    role TEXT COLLATE "C" NOT NULL CHECK (role IN ('worker', 'supervisor', 'admin')),
    password_hash TEXT COLLATE "C" NOT NULL,
    community_id TEXT COLLATE "C" REFERENCES communities(id),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT COLLATE "C" NOT NULL
);
CREATE TABLE user_grids (
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    grid_id TEXT COLLATE "C" NOT NULL REFERENCES grids(id),
    PRIMARY KEY (user_id, grid_id)
);

CREATE TABLE tokens (
    hash BYTEA PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    device_name TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL,
    revoked_at TEXT COLLATE "C"
);
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TABLE households (
    id TEXT COLLATE "C" PRIMARY KEY,
    code TEXT COLLATE "C" NOT NULL,
    grid_id TEXT COLLATE "C" NOT NULL REFERENCES grids(id),
    estate TEXT COLLATE "C" NOT NULL,
    building TEXT COLLATE "C",
    unit TEXT COLLATE "C",
    door TEXT COLLATE "C",
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    location_confirmed BOOLEAN NOT NULL DEFAULT FALSE,
    residence_type TEXT COLLATE "C" NOT NULL,
    landlord_name TEXT COLLATE "C",
    landlord_phone TEXT COLLATE "C",
    notes TEXT COLLATE "C" NOT NULL DEFAULT '',
    version BIGINT NOT NULL,
    seq BIGINT NOT NULL
);
CREATE INDEX households_seq ON households(seq);
CREATE INDEX households_grid ON households(grid_id);

CREATE TABLE household_fields (
    household_id TEXT COLLATE "C" NOT NULL REFERENCES households(id),
    field TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (household_id, field)
);

CREATE TABLE household_conflicts (
    id BIGSERIAL PRIMARY KEY,
    household_id TEXT COLLATE "C" NOT NULL REFERENCES households(id),
    field TEXT COLLATE "C" NOT NULL,
    base_version BIGINT NOT NULL,
    server_version BIGINT NOT NULL,
    server_value TEXT COLLATE "C",
    device_value TEXT COLLATE "C",
    user_id TEXT COLLATE "C" NOT NULL,
    op_id TEXT COLLATE "C" NOT NULL,
    at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX household_conflicts_household ON household_conflicts(household_id);

CREATE TABLE residents (
    id TEXT COLLATE "C" PRIMARY KEY,
    household_id TEXT COLLATE "C" NOT NULL REFERENCES households(id),
    position BIGINT NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    id_number TEXT COLLATE "C",
    phone TEXT COLLATE "C",
    relation TEXT COLLATE "C" NOT NULL,
    tags TEXT COLLATE "C" NOT NULL
);
CREATE INDEX residents_household ON residents(household_id, position);

CREATE TABLE templates (
    template_id TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL,
    definition TEXT COLLATE "C" NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (template_id, version)
);
CREATE INDEX templates_seq ON templates(seq);

CREATE TABLE blobs (
    sha256 TEXT COLLATE "C" PRIMARY KEY,
    bytes BIGINT NOT NULL,
    uploaded_by TEXT COLLATE "C" NOT NULL,
    received_at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE visits (
    id TEXT COLLATE "C" PRIMARY KEY,
    visit_group TEXT COLLATE "C" NOT NULL,
    revision BIGINT NOT NULL,
    template_id TEXT COLLATE "C" NOT NULL,
    template_version BIGINT NOT NULL,
    household_id TEXT COLLATE "C" NOT NULL REFERENCES households(id),
    grid_id TEXT COLLATE "C" NOT NULL,
    worker_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    started_utc TEXT COLLATE "C" NOT NULL,
    started_offset INTEGER NOT NULL,
    finalized_utc TEXT COLLATE "C" NOT NULL,
    finalized_offset INTEGER NOT NULL,
    answers TEXT COLLATE "C" NOT NULL,
    door_check_device TEXT COLLATE "C",
    door_check_server TEXT COLLATE "C",
    photos TEXT COLLATE "C" NOT NULL,
    flags TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    reviewer_id TEXT COLLATE "C",
    reviewed_at TEXT COLLATE "C",
    review_comment TEXT COLLATE "C",
    op_id TEXT COLLATE "C" NOT NULL,
    received_at TEXT COLLATE "C" NOT NULL,
    UNIQUE (visit_group, revision)
);
CREATE INDEX visits_household ON visits(household_id);

CREATE TABLE reviews (
    seq BIGINT PRIMARY KEY,
    visit_id TEXT COLLATE "C" NOT NULL REFERENCES visits(id),
    worker_id TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    comment TEXT COLLATE "C" NOT NULL,
    reviewer_id TEXT COLLATE "C" NOT NULL,
    reviewer_name TEXT COLLATE "C" NOT NULL,
    decided_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX reviews_worker ON reviews(worker_id, seq);

CREATE TABLE op_results (
    op_id TEXT COLLATE "C" PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL,
    result TEXT COLLATE "C" NOT NULL,
    at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TEXT COLLATE "C" NOT NULL,
    actor_id TEXT COLLATE "C" NOT NULL,
    actor_username TEXT COLLATE "C" NOT NULL,
    action TEXT COLLATE "C" NOT NULL,
    target TEXT COLLATE "C" NOT NULL,
    detail TEXT COLLATE "C" NOT NULL,
    remote_addr TEXT COLLATE "C"
);
"#;

const UPGRADE_V2: &str = r#"
CREATE INDEX visits_grid_finalized ON visits(grid_id, finalized_utc);
CREATE INDEX visits_status ON visits(status, grid_id);
"#;

const UPGRADE_V3: &str = r#"
CREATE TABLE console_sessions (
    hash BYTEA PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    csrf TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL,
    last_seen TEXT COLLATE "C" NOT NULL,
    ended_at TEXT COLLATE "C",
    remote_addr TEXT COLLATE "C"
);
CREATE INDEX console_sessions_user ON console_sessions(user_id);
"#;

/// The console at scale, as SQLite's version 4 (see `schema.rs`): door
/// outcomes, tables derived from the visits at ingest, the queue's orders,
/// superseded revisions for the open follow-ups, residents by ID number.
const UPGRADE_V4: &str = r#"
ALTER TABLE visits ADD COLUMN door_outcome TEXT COLLATE "C";
ALTER TABLE visits ADD COLUMN superseded BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX visits_household_outcome ON visits(household_id, door_outcome, finalized_utc);
CREATE INDEX visits_finalized ON visits(finalized_utc, id);
CREATE INDEX visits_grid_status_finalized ON visits(grid_id, status, finalized_utc, id);
CREATE INDEX visits_open_returns ON visits(grid_id) WHERE status = 'returned' AND NOT superseded;
CREATE INDEX residents_id_number ON residents(id_number) WHERE id_number IS NOT NULL;
CREATE TABLE visit_flags (
    visit_id TEXT COLLATE "C" NOT NULL REFERENCES visits(id),
    grid_id TEXT COLLATE "C" NOT NULL,
    code TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (visit_id, code)
);
CREATE INDEX visit_flags_grid ON visit_flags(grid_id, code);
CREATE TABLE photo_households (
    sha256 TEXT COLLATE "C" NOT NULL,
    household_id TEXT COLLATE "C" NOT NULL,
    grid_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (sha256, household_id)
);
CREATE TABLE reused_photos (sha256 TEXT COLLATE "C" PRIMARY KEY);
CREATE TABLE household_last_visits (
    household_id TEXT COLLATE "C" NOT NULL REFERENCES households(id),
    template_id TEXT COLLATE "C" NOT NULL,
    finalized_utc TEXT COLLATE "C" NOT NULL,
    finalized_offset INTEGER NOT NULL,
    PRIMARY KEY (household_id, template_id)
);
"#;

/// Grids taken from a user: when, and when their phone was first sent the
/// grids they have now (as the SQLite schema's version 5).
const UPGRADE_V5: &str = r#"
CREATE TABLE grid_releases (
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    grid_id TEXT COLLATE "C" NOT NULL REFERENCES grids(id),
    released_at TEXT COLLATE "C" NOT NULL,
    noticed_at TEXT COLLATE "C",
    PRIMARY KEY (user_id, grid_id)
);
"#;

/// Settings an admin makes in the console, by name (the public notice's
/// supervision phone), as the SQLite schema's version 6.
const UPGRADE_V6: &str = r#"
CREATE TABLE settings (
    name TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL
);
"#;

/// What a ledger import remembers for the next file (as the SQLite
/// schema's version 7).
const UPGRADE_V7: &str = r#"
CREATE TABLE ledger_mappings (
    signature TEXT COLLATE "C" PRIMARY KEY,
    mapping TEXT NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL
);
CREATE TABLE estate_grids (
    estate TEXT COLLATE "C" PRIMARY KEY,
    grid_id TEXT COLLATE "C" NOT NULL REFERENCES grids(id),
    updated_at TEXT COLLATE "C" NOT NULL
);
"#;

/// Fills what [`UPGRADE_V4`] derives from the visits table, for visits stored
/// before it (or loaded in bulk without going through ingest).
pub const FILL_DERIVED: &str = r#"
UPDATE visits SET door_outcome = door_check_device::jsonb -> 'input' ->> 'outcome'
    WHERE door_check_device IS NOT NULL AND door_outcome IS NULL;
UPDATE visits v SET superseded = true WHERE NOT superseded AND EXISTS (
    SELECT 1 FROM visits n WHERE n.visit_group = v.visit_group AND n.revision = v.revision + 1);
INSERT INTO visit_flags (visit_id, grid_id, code)
    SELECT DISTINCT v.id, v.grid_id, f.value
    FROM visits v, jsonb_array_elements_text(v.flags::jsonb) AS f(value) WHERE v.flags <> '[]'
    ON CONFLICT DO NOTHING;
INSERT INTO photo_households (sha256, household_id, grid_id)
    SELECT p.value ->> 'sha256', v.household_id, min(v.grid_id)
    FROM visits v, jsonb_array_elements(v.photos::jsonb) AS p(value)
    WHERE v.photos <> '[]' AND p.value ->> 'sha256' IS NOT NULL
    GROUP BY 1, 2
    ON CONFLICT DO NOTHING;
INSERT INTO reused_photos (sha256)
    SELECT sha256 FROM photo_households GROUP BY sha256 HAVING count(*) > 1
    ON CONFLICT DO NOTHING;
INSERT INTO household_last_visits (household_id, template_id, finalized_utc, finalized_offset)
    SELECT DISTINCT ON (household_id, template_id) household_id, template_id, finalized_utc, finalized_offset
    FROM visits ORDER BY household_id, template_id, finalized_utc DESC
    ON CONFLICT (household_id, template_id) DO UPDATE
    SET finalized_utc = excluded.finalized_utc, finalized_offset = excluded.finalized_offset
    WHERE excluded.finalized_utc > household_last_visits.finalized_utc;
ANALYZE;
"#;

fn step(from: i64) -> Result<&'static str> {
    match from {
        0 => Ok(CREATE_V1),
        1 => Ok(UPGRADE_V2),
        2 => Ok(UPGRADE_V3),
        3 => Ok(UPGRADE_V4),
        4 => Ok(UPGRADE_V5),
        5 => Ok(UPGRADE_V6),
        6 => Ok(UPGRADE_V7),
        other => Err(StorageError::Corrupt(format!(
            "no upgrade step from schema version {other}"
        ))),
    }
}

/// The version recorded in the database (0 when it has no schema yet).
async fn found_version(client: &Client) -> Result<i64> {
    let row = client
        .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
        .await?;
    if !row.try_get::<_, bool>(0)? {
        return Ok(0);
    }
    let row = client
        .query_opt("SELECT version FROM schema_version", &[])
        .await?;
    Ok(match row {
        Some(r) => r.try_get(0)?,
        None => 0,
    })
}

/// Brings the database to [`VERSION`], or refuses one that is newer (before
/// changing anything).
pub async fn migrate(client: &mut Client) -> Result<()> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let outcome = migrate_locked(client).await;
    let unlock = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await;
    outcome?;
    unlock?;
    Ok(())
}

async fn migrate_locked(client: &mut Client) -> Result<()> {
    let found = found_version(client).await?;
    if found > VERSION {
        return Err(StorageError::NewerSchema {
            found,
            supported: VERSION,
        });
    }
    for from in found..VERSION {
        let tx = client.transaction().await?;
        if from == 0 {
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL);
                 DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES (0);",
            )
            .await?;
        }
        tx.batch_execute(step(from)?).await?;
        if from == 3 {
            tx.batch_execute(FILL_DERIVED).await?;
        }
        tx.execute("UPDATE schema_version SET version = $1", &[&(from + 1)])
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client on a fresh schema of the test database
    /// (`DOORSTEP_TEST_POSTGRES_URL`, see `tests/run-postgres.sh`); fails,
    /// never skips, without one.
    async fn fresh_client() -> (String, Client) {
        let base = std::env::var("DOORSTEP_TEST_POSTGRES_URL")
            .expect("DOORSTEP_TEST_POSTGRES_URL is not set: run server/tests/run-postgres.sh");
        let (client, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        client
            .batch_execute(&format!(
                "CREATE SCHEMA {schema}; SET search_path = {schema}"
            ))
            .await
            .expect("schema");
        let sep = if base.contains('?') { '&' } else { '?' };
        (
            format!("{base}{sep}options=-c%20search_path%3D{schema}"),
            client,
        )
    }

    #[tokio::test]
    #[ignore = "needs PostgreSQL: run server/tests/run-postgres.sh"]
    async fn a_version_1_database_gains_the_console_tables_and_keeps_its_data() {
        let (url, mut client) = fresh_client().await;
        client
            .batch_execute(&format!(
                "CREATE TABLE schema_version (version BIGINT NOT NULL);
                 INSERT INTO schema_version (version) VALUES (1);
                 {CREATE_V1}
                 INSERT INTO subdistricts (id, name) VALUES ('s', '春熙路街道');"
            ))
            .await
            .expect("v1");
        migrate(&mut client).await.expect("upgrade");
        let row = client
            .query_one(
                "SELECT (SELECT version FROM schema_version),
                        (SELECT count(*) FROM subdistricts),
                        (SELECT count(*) FROM console_sessions),
                        (SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema()
                           AND indexname IN ('visits_grid_finalized', 'visits_status'))",
                &[],
            )
            .await
            .expect("read");
        assert_eq!(
            (
                row.get::<_, i64>(0),
                row.get::<_, i64>(1),
                row.get::<_, i64>(2),
                row.get::<_, i64>(3)
            ),
            (VERSION, 1, 0, 2)
        );
        // Migrating again changes nothing, and the storage opens on it.
        migrate(&mut client).await.expect("again");
        crate::storage::postgres::PostgresStorage::connect(&url)
            .await
            .expect("open");
    }
}
