//! The schema: one ladder of steps from version 0 (an empty database) to
//! [`VERSION`], each step with its statements for SQLite and for PostgreSQL
//! ([`ddl`], side by side where they differ), and how each backend records
//! the version it is at.
//!
//! Every step runs in one transaction that also records the new version
//! (SQLite's `user_version`; PostgreSQL's `schema_version` table, under an
//! advisory lock so two servers starting together do not both migrate). A
//! database newer than this code is refused and left untouched.

mod ddl;

use rusqlite::{Connection, TransactionBehavior};
use tokio_postgres::Client;

use super::conn::Dialect;
use super::{Result, StorageError};

#[cfg(test)]
pub(crate) use ddl::CREATE_V1_SQLITE;
pub use ddl::{FILL_DERIVED_POSTGRES, FILL_DERIVED_SQLITE};

/// The schema version this code writes.
pub const VERSION: i64 = 7;

/// One step up the ladder: its statements on each backend, and whether the
/// tables derived from visits are filled after it.
struct Step {
    sqlite: &'static str,
    postgres: &'static str,
    fill_derived: bool,
}

/// The steps, the first from version 0 to 1.
const LADDER: [Step; VERSION as usize] = [
    // The tree, users, tokens, households, templates, visits, reviews, audit.
    Step {
        sqlite: ddl::CREATE_V1_SQLITE,
        postgres: ddl::CREATE_V1_POSTGRES,
        fill_derived: false,
    },
    Step {
        sqlite: ddl::UPGRADE_V2,
        postgres: ddl::UPGRADE_V2,
        fill_derived: false,
    },
    Step {
        sqlite: ddl::UPGRADE_V3_SQLITE,
        postgres: ddl::UPGRADE_V3_POSTGRES,
        fill_derived: false,
    },
    Step {
        sqlite: ddl::UPGRADE_V4_SQLITE,
        postgres: ddl::UPGRADE_V4_POSTGRES,
        fill_derived: true,
    },
    Step {
        sqlite: ddl::UPGRADE_V5_SQLITE,
        postgres: ddl::UPGRADE_V5_POSTGRES,
        fill_derived: false,
    },
    Step {
        sqlite: ddl::UPGRADE_V6_SQLITE,
        postgres: ddl::UPGRADE_V6_POSTGRES,
        fill_derived: false,
    },
    Step {
        sqlite: ddl::UPGRADE_V7_SQLITE,
        postgres: ddl::UPGRADE_V7_POSTGRES,
        fill_derived: false,
    },
];

/// The statements that take a database of `dialect` from version `from` to
/// the next, then the fill of the derived tables when that step asks for it.
fn step(dialect: Dialect, from: i64) -> Result<(&'static str, Option<&'static str>)> {
    let step = usize::try_from(from)
        .ok()
        .and_then(|i| LADDER.get(i))
        .ok_or_else(|| {
            StorageError::Corrupt(format!("no upgrade step from schema version {from}"))
        })?;
    Ok(match dialect {
        Dialect::Sqlite => (
            step.sqlite,
            step.fill_derived.then_some(FILL_DERIVED_SQLITE),
        ),
        Dialect::Postgres => (
            step.postgres,
            step.fill_derived.then_some(FILL_DERIVED_POSTGRES),
        ),
    })
}

/// Refuses a version newer than this code.
fn refuse_newer(found: i64) -> Result<i64> {
    if found > VERSION {
        return Err(StorageError::NewerSchema {
            found,
            supported: VERSION,
        });
    }
    Ok(found)
}

/// SQLite: refuses a database written by newer code, before anything touches it.
pub fn sqlite_refuse_newer(conn: &Connection) -> Result<i64> {
    refuse_newer(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// SQLite: brings the database to [`VERSION`], or refuses one that is newer.
pub fn sqlite_migrate(conn: &mut Connection) -> Result<()> {
    let found = sqlite_refuse_newer(conn)?;
    for from in found..VERSION {
        let (sql, fill) = step(Dialect::Sqlite, from)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        if let Some(fill) = fill {
            tx.execute_batch(fill)?;
        }
        tx.pragma_update(None, "user_version", from + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// PostgreSQL: held while migrating, so concurrent starts take turns.
const MIGRATION_LOCK: i64 = 0x646f_6f72_7374_6570; // "doorstep"

/// PostgreSQL: the version recorded in the database (0 when it has no schema yet).
async fn pg_found_version(client: &Client) -> Result<i64> {
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

/// PostgreSQL: brings the database to [`VERSION`], or refuses one that is
/// newer (before changing anything).
pub async fn pg_migrate(client: &mut Client) -> Result<()> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let outcome = pg_migrate_locked(client).await;
    let unlock = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await;
    outcome?;
    unlock?;
    Ok(())
}

async fn pg_migrate_locked(client: &mut Client) -> Result<()> {
    let found = refuse_newer(pg_found_version(client).await?)?;
    for from in found..VERSION {
        let (sql, fill) = step(Dialect::Postgres, from)?;
        let tx = client.transaction().await?;
        if from == 0 {
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL);
                 DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES (0);",
            )
            .await?;
        }
        tx.batch_execute(sql).await?;
        if let Some(fill) = fill {
            tx.batch_execute(fill).await?;
        }
        tx.execute("UPDATE schema_version SET version = $1", &[&(from + 1)])
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ddl::CREATE_V1_POSTGRES;
    use super::*;

    #[test]
    fn version_4_fills_the_derived_tables_from_stored_visits() {
        let mut conn = Connection::open_in_memory().expect("open");
        for from in 0..3 {
            conn.execute_batch(step(Dialect::Sqlite, from).expect("old step").0)
                .expect("old step");
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
        sqlite_migrate(&mut conn).expect("upgrade");
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
                 {CREATE_V1_POSTGRES}
                 INSERT INTO subdistricts (id, name) VALUES ('s', '春熙路街道');"
            ))
            .await
            .expect("v1");
        pg_migrate(&mut client).await.expect("upgrade");
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
        pg_migrate(&mut client).await.expect("again");
        crate::storage::postgres::PostgresStorage::connect(&url)
            .await
            .expect("open");
    }
}
