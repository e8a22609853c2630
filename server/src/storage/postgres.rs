//! [`Storage`] on PostgreSQL, with `tokio-postgres` and a `deadpool-postgres`
//! pool, over plain TCP, TLS (see [`super::pg_tls`] for `sslmode` and
//! `sslrootcert`) or a Unix socket.
//!
//! Writes run in one transaction that commits only when every statement
//! succeeded; a whole push is one transaction. Reads that span several
//! statements (a pull, a household with its residents) run in one
//! `REPEATABLE READ, READ ONLY` transaction, so they see one snapshot.
//!
//! # The change sequence
//!
//! The sequence is a counter row (`counters.change_seq`) bumped with
//! `UPDATE … RETURNING` inside the writing transaction, not a PostgreSQL
//! `SEQUENCE`. A sequence hands out numbers without waiting, so transaction
//! A could take 7, B take 8 and commit first, a pull see 8 and move its cursor
//! past 7, and A's change would never be pulled. The counter row's lock is
//! held until commit, so the next writer that needs a number waits until the
//! previous one committed (or rolled back, leaving a harmless gap): numbers
//! become visible in order. A pull reads its three tables in one snapshot,
//! so once it has seen `n`, every change numbered `≤ n` is in that snapshot.
//! The price is the one SQLite pays anyway: changes are serialized.
//!
//! `apply_ops` takes the counter row's lock before it looks up remembered
//! operations, so two concurrent pushes of the same `op_id` take turns and the
//! second answers the first's remembered result (exactly once).
//!
//! Errors carry SQLSTATE codes and constraint names, never the server's
//! message or detail (which can quote the values, i.e. personal data).

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use doorstep_evidence::LatLon;
use doorstep_evidence::door_check::DoorOutcome;
use doorstep_model::{Community, DeviceInstant, Grid, Review, Subdistrict, Visit, VisitStatus};
use doorstep_protocol::GridInfo;
use doorstep_protocol::{
    FieldChange, HouseholdRecord, OperationOutcome, OperationResult, ResidentRecord,
    ReviewDecision, Role, TemplateRecord,
};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Row, Transaction};
use uuid::Uuid;

use crate::anomalies;

use super::{
    AuditEntry, ConsoleSession, CoverageHousehold, GridRelease, HouseholdConflict, HouseholdPlace,
    HouseholdVisit, ImportOutcome, NewConsoleSession, NewReview, NewToken, NewUser, NewVisit,
    PreparedOp, PullPage, PulledHousehold, QueueFilter, QueuePage, QueueRow, Result, Session,
    Storage, StorageError, StoredVisit, TokenState, UserRecord, VisitEvidence, VisitStats, ledger,
    merge, pg_schema, pg_tls, refused,
};

/// The SQL that fills the tables derived from visits (schema version 4), for
/// visits written to the database directly (bulk loads, benchmarks).
pub use super::pg_schema::FILL_DERIVED;

/// Connections in the pool.
const POOL_SIZE: usize = 8;

impl From<tokio_postgres::Error> for StorageError {
    fn from(e: tokio_postgres::Error) -> Self {
        match e.as_db_error() {
            // The code and the constraint only: the message and detail can quote values.
            Some(db) => StorageError::Postgres(match db.constraint() {
                Some(c) => format!("SQLSTATE {} ({c})", db.code().code()),
                None => format!("SQLSTATE {}", db.code().code()),
            }),
            None => match e.code() {
                Some(code) => StorageError::Postgres(format!("SQLSTATE {}", code.code())),
                None => StorageError::Postgres(e.to_string()),
            },
        }
    }
}

impl From<deadpool_postgres::PoolError> for StorageError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => StorageError::Postgres(format!("connection pool: {other}")),
        }
    }
}

/// The PostgreSQL backend. Cheap to clone.
#[derive(Clone)]
pub struct PostgresStorage {
    pool: Pool,
}

impl PostgresStorage {
    /// Connects to `url` (`postgres://user:password@host:port/db`, or the
    /// key=value form, with libpq's `sslmode` and `sslrootcert`), brings the
    /// schema to the current version, and opens a pool. Refuses a database
    /// newer than this code, leaving it untouched, and a server whose TLS
    /// certificate does not pass the check `sslmode` asks for.
    pub async fn connect(url: &str) -> Result<Self> {
        let (config, tls, _) = pg_tls::parse(url)?;
        let (mut client, connection) = config
            .connect(tls.clone())
            .await
            .map_err(pg_tls::connect_error)?;
        let driver = tokio::spawn(connection);
        let migrated = pg_schema::migrate(&mut client).await;
        drop(client);
        let _ = driver.await;
        migrated?;
        let manager = Manager::from_config(
            config,
            tls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StorageError::Postgres(format!("connection pool: {e}")))?;
        Ok(Self { pool })
    }

    async fn client(&self) -> Result<Object> {
        Ok(self.pool.get().await?)
    }
}

/// Starts a read-only transaction on one snapshot.
async fn read_tx(c: &mut Object) -> Result<deadpool_postgres::Transaction<'_>> {
    let tx = c.transaction().await?;
    tx.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await?;
    Ok(tx)
}

// --- conversions ---

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| StorageError::Corrupt("a stored id is not a UUID".into()))
}

fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| StorageError::Corrupt("a stored instant does not parse".into()))
}

fn col_uuid(r: &Row, i: usize) -> Result<Uuid> {
    parse_uuid(r.try_get::<_, &str>(i)?)
}

fn col_opt_uuid(r: &Row, i: usize) -> Result<Option<Uuid>> {
    r.try_get::<_, Option<&str>>(i)?.map(parse_uuid).transpose()
}

fn col_time(r: &Row, i: usize) -> Result<DateTime<Utc>> {
    parse_time(r.try_get::<_, &str>(i)?)
}

fn col_json<T: serde::de::DeserializeOwned>(r: &Row, i: usize) -> Result<T> {
    Ok(serde_json::from_str(r.try_get::<_, &str>(i)?)?)
}

fn col_u32(r: &Row, i: usize) -> Result<u32> {
    let n: i64 = r.try_get(i)?;
    u32::try_from(n).map_err(|_| StorageError::Corrupt("a stored number is out of range".into()))
}

fn col_u64(r: &Row, i: usize) -> Result<u64> {
    let n: i64 = r.try_get(i)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

fn col_status(r: &Row, i: usize) -> Result<VisitStatus> {
    VisitStatus::from_str_opt(r.try_get::<_, &str>(i)?)
        .ok_or_else(|| StorageError::Corrupt("unknown visit status".into()))
}

fn col_role(r: &Row, i: usize) -> Result<Role> {
    Role::from_str_opt(r.try_get::<_, &str>(i)?)
        .ok_or_else(|| StorageError::Corrupt("unknown role".into()))
}

fn ids(ids: &[Uuid]) -> Vec<String> {
    ids.iter().map(Uuid::to_string).collect()
}

fn is_unique_violation(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION)
}

// --- helpers in a transaction ---

/// The next change number; the counter row stays locked until the transaction ends.
async fn next_seq(tx: &Transaction<'_>) -> Result<i64> {
    let row = tx
        .query_one(
            "UPDATE counters SET value = value + 1 WHERE name = 'change_seq' RETURNING value",
            &[],
        )
        .await?;
    Ok(row.try_get(0)?)
}

/// Takes the counter row's lock without taking a number.
async fn lock_seq(tx: &Transaction<'_>) -> Result<()> {
    tx.query_one(
        "SELECT value FROM counters WHERE name = 'change_seq' FOR UPDATE",
        &[],
    )
    .await?;
    Ok(())
}

const GRIDS_OF: &str = "SELECT g.id, g.code, g.name, c.name, s.name
     FROM grids g JOIN communities c ON c.id = g.community_id
     JOIN subdistricts s ON s.id = c.subdistrict_id
     WHERE $1::text = 'admin'
        OR g.id IN (SELECT grid_id FROM user_grids WHERE user_id = $2)
        OR ($1::text = 'supervisor' AND g.community_id = $3)
     ORDER BY g.code";

async fn grids_for(
    tx: &Transaction<'_>,
    user_id: Uuid,
    role: Role,
    community: Option<Uuid>,
) -> Result<Vec<GridInfo>> {
    let rows = tx
        .query(
            GRIDS_OF,
            &[
                &role.as_str(),
                &user_id.to_string(),
                &community.map(|c| c.to_string()),
            ],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(GridInfo {
                id: col_uuid(r, 0)?,
                code: r.try_get(1)?,
                name: r.try_get(2)?,
                community: r.try_get(3)?,
                subdistrict: r.try_get(4)?,
            })
        })
        .collect()
}

const HOUSEHOLD_COLUMNS: &str = "id, code, grid_id, estate, building, unit, door, lat, lon,
     location_confirmed, residence_type, landlord_name, landlord_phone, notes, version, seq";

fn household_from_row(r: &Row) -> Result<(HouseholdRecord, i64)> {
    Ok((
        HouseholdRecord {
            id: col_uuid(r, 0)?,
            code: r.try_get(1)?,
            grid_id: col_uuid(r, 2)?,
            estate: r.try_get(3)?,
            building: r.try_get(4)?,
            unit: r.try_get(5)?,
            door: r.try_get(6)?,
            lat: r.try_get(7)?,
            lon: r.try_get(8)?,
            location_confirmed: r.try_get(9)?,
            residence_type: r.try_get(10)?,
            landlord_name: r.try_get(11)?,
            landlord_phone: r.try_get(12)?,
            notes: r.try_get(13)?,
            version: r.try_get(14)?,
            residents: Vec::new(),
            due: Vec::new(),
            past_visits: Vec::new(),
        },
        r.try_get(15)?,
    ))
}

async fn residents_of(tx: &Transaction<'_>, household: Uuid) -> Result<Vec<ResidentRecord>> {
    let rows = tx
        .query(
            "SELECT id, name, id_number, phone, relation, tags FROM residents
             WHERE household_id = $1 ORDER BY position",
            &[&household.to_string()],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ResidentRecord {
                id: col_uuid(r, 0)?,
                name: r.try_get(1)?,
                id_number: r.try_get(2)?,
                phone: r.try_get(3)?,
                relation: r.try_get(4)?,
                tags: col_json(r, 5)?,
            })
        })
        .collect()
}

async fn household_visits(tx: &Transaction<'_>, household: Uuid) -> Result<Vec<HouseholdVisit>> {
    let rows = tx
        .query(
            "SELECT id, visit_group, revision, template_id, finalized_utc, finalized_offset, status
             FROM visits WHERE household_id = $1",
            &[&household.to_string()],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let at = DeviceInstant {
                utc: col_time(r, 4)?,
                offset_seconds: r.try_get(5)?,
            };
            Ok(HouseholdVisit {
                visit_id: col_uuid(r, 0)?,
                visit_group: col_uuid(r, 1)?,
                revision: col_u32(r, 2)?,
                template_id: r.try_get(3)?,
                finalized_utc: at.utc,
                date: local_date(&at),
                status: col_status(r, 6)?,
            })
        })
        .collect()
}

const VISIT_COLUMNS: &str =
    "id, visit_group, revision, template_id, template_version, household_id,
     worker_id, started_utc, started_offset, finalized_utc, finalized_offset, status, reviewer_id,
     reviewed_at, review_comment, grid_id, answers, flags, door_check_server";

fn visit_from_row(r: &Row) -> Result<StoredVisit> {
    let review = match (col_opt_uuid(r, 12)?, r.try_get::<_, Option<&str>>(13)?) {
        (Some(reviewer), Some(at)) => Some(Review {
            reviewer,
            at: parse_time(at)?,
            comment: r.try_get::<_, Option<String>>(14)?.unwrap_or_default(),
        }),
        _ => None,
    };
    let door: Option<&str> = r.try_get(18)?;
    Ok(StoredVisit {
        visit: Visit {
            id: col_uuid(r, 0)?,
            visit_group: col_uuid(r, 1)?,
            revision: col_u32(r, 2)?,
            template_id: r.try_get(3)?,
            template_version: col_u32(r, 4)?,
            household_id: col_uuid(r, 5)?,
            worker_id: col_uuid(r, 6)?,
            started: DeviceInstant {
                utc: col_time(r, 7)?,
                offset_seconds: r.try_get(8)?,
            },
            finalized: Some(DeviceInstant {
                utc: col_time(r, 9)?,
                offset_seconds: r.try_get(10)?,
            }),
            status: col_status(r, 11)?,
            review,
        },
        grid_id: col_uuid(r, 15)?,
        answers: col_json(r, 16)?,
        flags: col_json(r, 17)?,
        server_door_check: door.map(serde_json::from_str).transpose()?,
    })
}

async fn remembered(tx: &Transaction<'_>, op_id: Uuid) -> Result<Option<OperationResult>> {
    let row = tx
        .query_opt(
            "SELECT result FROM op_results WHERE op_id = $1",
            &[&op_id.to_string()],
        )
        .await?;
    row.map(|r| col_json(&r, 0)).transpose()
}

async fn remember(tx: &Transaction<'_>, user_id: Uuid, result: &OperationResult) -> Result<()> {
    tx.execute(
        "INSERT INTO op_results (op_id, user_id, result, at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (op_id) DO NOTHING",
        &[
            &result.op_id.to_string(),
            &user_id.to_string(),
            &serde_json::to_string(result)?,
            &ts(Utc::now()),
        ],
    )
    .await?;
    Ok(())
}

async fn apply_visit(tx: &Transaction<'_>, op_id: Uuid, v: &NewVisit) -> Result<OperationOutcome> {
    let s = &v.submission;
    let existing = tx
        .query_opt(
            "SELECT flags FROM visits WHERE id = $1",
            &[&s.visit_id.to_string()],
        )
        .await?;
    if let Some(row) = existing {
        // The same revision sent under another op id: it is stored already.
        return Ok(OperationOutcome::Applied {
            flags: col_json(&row, 0)?,
        });
    }
    let group = s.visit_group.to_string();
    let revision = i64::from(s.revision);
    let taken = tx
        .query_opt(
            "SELECT id FROM visits WHERE visit_group = $1 AND revision = $2",
            &[&group, &revision],
        )
        .await?;
    if taken.is_some() {
        return Ok(refused(
            "revision_exists",
            "该走访的这一版本已由另一条记录提交",
            "This revision of the visit was already submitted as another record",
        ));
    }
    let mut flags = v.flags.clone();
    if s.revision > 1 {
        let previous = tx
            .query_opt(
                "SELECT status, household_id FROM visits WHERE visit_group = $1 AND revision = $2",
                &[&group, &(revision - 1)],
            )
            .await?;
        match previous {
            Some(r) => {
                let status: &str = r.try_get(0)?;
                let household: &str = r.try_get(1)?;
                if status != VisitStatus::Returned.as_str() {
                    flags.push("revision_not_returned".to_owned());
                } else if household != s.household_id.to_string() {
                    flags.push("revision_other_household".to_owned());
                }
            }
            None => flags.push("revision_without_previous".to_owned()),
        }
    }
    let outcome = s.door_check.as_ref().map(|d| d.input.outcome);
    if let Some(o) = outcome.filter(|o| o.is_failed_attempt()) {
        let before = failed_attempts_before(tx, v).await?;
        if anomalies::flags_household(o, before, local_date(&s.finalized)) {
            flags.push(anomalies::FAILED_ATTEMPTS.to_owned());
        }
    }
    tx.execute(
        "INSERT INTO visits (id, visit_group, revision, template_id, template_version, household_id,
            grid_id, worker_id, started_utc, started_offset, finalized_utc, finalized_offset, answers,
            door_check_device, door_check_server, photos, flags, status, op_id, received_at,
            door_outcome)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
        &[
            &s.visit_id.to_string(),
            &group,
            &revision,
            &s.template_id,
            &i64::from(s.template_version),
            &s.household_id.to_string(),
            &v.grid_id.to_string(),
            &v.worker_id.to_string(),
            &ts(s.started.utc),
            &s.started.offset_seconds,
            &ts(s.finalized.utc),
            &s.finalized.offset_seconds,
            &serde_json::to_string(&s.answers)?,
            &s.door_check.as_ref().map(serde_json::to_string).transpose()?,
            &v.server_door_check
                .as_ref()
                .map(serde_json::to_string)
                .transpose()?,
            &serde_json::to_string(&s.photos)?,
            &serde_json::to_string(&flags)?,
            &VisitStatus::Uploaded.as_str(),
            &op_id.to_string(),
            &ts(Utc::now()),
            &outcome.map(anomalies::outcome_code),
        ],
    )
    .await?;
    record_derived(tx, v, &flags).await?;
    // The household is sent again so devices see its due visits change.
    let seq = next_seq(tx).await?;
    let household = s.household_id.to_string();
    tx.execute(
        "UPDATE households SET seq = $1 WHERE id = $2",
        &[&seq, &household],
    )
    .await?;
    if let Some(p) = v.proposed_location {
        tx.execute(
            "UPDATE households SET lat = $1, lon = $2, location_confirmed = FALSE, version = version + 1
             WHERE id = $3 AND lat IS NULL",
            &[&p.lat, &p.lon, &household],
        )
        .await?;
    }
    Ok(OperationOutcome::Applied { flags })
}

/// The local date of a device instant (the core's one rule, [`doorstep_model::DeviceInstant::local_date`]).
fn local_date(at: &DeviceInstant) -> NaiveDate {
    at.local_date()
}

/// How many earlier visits (by visit, not revision) of the household were
/// failed attempts since it was last met, before this visit was finalized.
async fn failed_attempts_before(tx: &Transaction<'_>, v: &NewVisit) -> Result<u32> {
    let s = &v.submission;
    let [nobody, refused] = anomalies::failed_outcome_codes();
    let row = tx
        .query_one(
            "SELECT count(DISTINCT visit_group) FROM visits
             WHERE household_id = $1 AND door_outcome IN ($2, $3) AND visit_group <> $4
               AND finalized_utc < $5
               AND finalized_utc > coalesce((SELECT max(finalized_utc) FROM visits
                    WHERE household_id = $1 AND door_outcome = $6 AND finalized_utc <= $5), '')",
            &[
                &s.household_id.to_string(),
                &nobody,
                &refused,
                &s.visit_group.to_string(),
                &ts(s.finalized.utc),
                &anomalies::outcome_code(DoorOutcome::Met),
            ],
        )
        .await?;
    Ok(u32::try_from(col_u64(&row, 0)?).unwrap_or(u32::MAX))
}

/// Writes what the console reads instead of every visit's JSON: the visit's
/// flags, the households its photos appear in, the household's latest visit
/// of the template (see schema version 4).
async fn record_derived(tx: &Transaction<'_>, v: &NewVisit, flags: &[String]) -> Result<()> {
    let s = &v.submission;
    let id = s.visit_id.to_string();
    let grid = v.grid_id.to_string();
    let household = s.household_id.to_string();
    // The revision before this one is no longer a follow-up waiting.
    tx.execute(
        "UPDATE visits SET superseded = true WHERE visit_group = $1 AND revision = $2",
        &[&s.visit_group.to_string(), &(i64::from(s.revision) - 1)],
    )
    .await?;
    for f in flags {
        tx.execute(
            "INSERT INTO visit_flags (visit_id, grid_id, code) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
            &[&id, &grid, f],
        )
        .await?;
    }
    for p in &s.photos {
        let added = tx
            .execute(
                "INSERT INTO photo_households (sha256, household_id, grid_id) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&p.sha256, &household, &grid],
            )
            .await?;
        if added > 0 {
            tx.execute(
                "INSERT INTO reused_photos (sha256)
                 SELECT $1::text WHERE (SELECT count(*) FROM photo_households WHERE sha256 = $1) > 1
                 ON CONFLICT DO NOTHING",
                &[&p.sha256],
            )
            .await?;
        }
    }
    tx.execute(
        "INSERT INTO household_last_visits (household_id, template_id, finalized_utc, finalized_offset)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (household_id, template_id) DO UPDATE
         SET finalized_utc = excluded.finalized_utc, finalized_offset = excluded.finalized_offset
         WHERE excluded.finalized_utc > household_last_visits.finalized_utc",
        &[
            &household,
            &s.template_id,
            &ts(s.finalized.utc),
            &s.finalized.offset_seconds,
        ],
    )
    .await?;
    Ok(())
}

async fn apply_edit(
    tx: &Transaction<'_>,
    user_id: Uuid,
    op_id: Uuid,
    household_id: Uuid,
    base_version: i64,
    changes: &[FieldChange],
) -> Result<OperationOutcome> {
    let hid = household_id.to_string();
    let sql = format!("SELECT {HOUSEHOLD_COLUMNS} FROM households WHERE id = $1 FOR UPDATE");
    let Some(row) = tx.query_opt(&sql, &[&hid]).await? else {
        return Ok(refused(
            "unknown_household",
            "服务器上没有该住户",
            "The server has no such household",
        ));
    };
    let (current, _) = household_from_row(&row)?;
    let mut changed_at: HashMap<String, i64> = HashMap::new();
    for r in tx
        .query(
            "SELECT field, version FROM household_fields WHERE household_id = $1",
            &[&hid],
        )
        .await?
    {
        changed_at.insert(r.try_get(0)?, r.try_get(1)?);
    }
    let plan = match merge::plan(&current, base_version, changes, |f| {
        changed_at.get(f).copied().unwrap_or(0)
    }) {
        Ok(plan) => plan,
        Err(e) => return Ok(e.refusal()),
    };
    let now = ts(Utc::now());
    for c in &plan.conflicts {
        tx.execute(
            "INSERT INTO household_conflicts (household_id, field, base_version, server_version,
                server_value, device_value, user_id, op_id, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &hid,
                &c.field,
                &base_version,
                &c.server_version,
                &c.server_value,
                &c.device_value,
                &user_id.to_string(),
                &op_id.to_string(),
                &now,
            ],
        )
        .await?;
    }
    let mut new_version = current.version;
    if !plan.apply.is_empty() || !plan.conflicts.is_empty() {
        // A conflict too sends the household again, so the device learns the kept value.
        let seq = next_seq(tx).await?;
        if !plan.apply.is_empty() {
            new_version += 1;
        }
        tx.execute(
            "UPDATE households SET version = $1, seq = $2 WHERE id = $3",
            &[&new_version, &seq, &hid],
        )
        .await?;
        for (field, value) in &plan.apply {
            // `field` is one of EDITABLE_FIELDS, so it is a column name.
            tx.execute(
                &format!("UPDATE households SET {field} = $1 WHERE id = $2"),
                &[value, &hid],
            )
            .await?;
            tx.execute(
                "INSERT INTO household_fields (household_id, field, version) VALUES ($1, $2, $3)
                 ON CONFLICT (household_id, field) DO UPDATE SET version = excluded.version",
                &[&hid, field, &new_version],
            )
            .await?;
        }
    }
    Ok(OperationOutcome::Merged {
        new_version,
        conflicts: plan.conflicts.iter().map(|c| c.field.to_owned()).collect(),
    })
}

async fn write_household(tx: &Transaction<'_>, h: &HouseholdRecord) -> Result<()> {
    let seq = next_seq(tx).await?;
    let hid = h.id.to_string();
    tx.execute(
        "INSERT INTO households (id, code, grid_id, estate, building, unit, door, lat, lon,
            location_confirmed, residence_type, landlord_name, landlord_phone, notes, version, seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (id) DO UPDATE SET code = $2, grid_id = $3, estate = $4, building = $5,
            unit = $6, door = $7, lat = $8, lon = $9, location_confirmed = $10,
            residence_type = $11, landlord_name = $12, landlord_phone = $13, notes = $14,
            version = $15, seq = $16",
        &[
            &hid,
            &h.code,
            &h.grid_id.to_string(),
            &h.estate,
            &h.building,
            &h.unit,
            &h.door,
            &h.lat,
            &h.lon,
            &h.location_confirmed,
            &h.residence_type,
            &h.landlord_name,
            &h.landlord_phone,
            &h.notes,
            &h.version,
            &seq,
        ],
    )
    .await?;
    tx.execute("DELETE FROM residents WHERE household_id = $1", &[&hid])
        .await?;
    let insert = tx
        .prepare(
            "INSERT INTO residents (id, household_id, position, name, id_number, phone, relation, tags)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .await?;
    for (i, r) in h.residents.iter().enumerate() {
        tx.execute(
            &insert,
            &[
                &r.id.to_string(),
                &hid,
                &(i as i64),
                &r.name,
                &r.id_number,
                &r.phone,
                &r.relation,
                &serde_json::to_string(&r.tags)?,
            ],
        )
        .await?;
    }
    Ok(())
}

async fn audit_insert(tx: &Transaction<'_>, e: &AuditEntry) -> Result<()> {
    tx.execute(
        "INSERT INTO audit_log (at, actor_id, actor_username, action, target, detail, remote_addr)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &ts(e.at),
            &e.actor_id.to_string(),
            &e.actor_username,
            &e.action,
            &e.target,
            &serde_json::to_string(&e.detail)?,
            &e.remote_addr,
        ],
    )
    .await?;
    Ok(())
}

type Param = Box<dyn ToSql + Sync + Send>;

fn refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

/// The review queue's WHERE clause and its parameters.
fn where_clause(f: &QueueFilter) -> (String, Vec<Param>) {
    let mut params: Vec<Param> = vec![Box::new(ids(&f.scope))];
    let mut sql = String::from("v.grid_id = ANY($1)");
    fn add(sql: &mut String, sql_part: &str, p: Param, params: &mut Vec<Param>) {
        params.push(p);
        sql.push_str(&sql_part.replace("$?", &format!("${}", params.len())));
    }
    if let Some(grid) = f.grid {
        add(
            &mut sql,
            " AND v.grid_id = $?",
            Box::new(grid.to_string()),
            &mut params,
        );
    }
    if let Some(worker) = f.worker {
        add(
            &mut sql,
            " AND v.worker_id = $?",
            Box::new(worker.to_string()),
            &mut params,
        );
    }
    if let Some(t) = &f.template_id {
        add(
            &mut sql,
            " AND v.template_id = $?",
            Box::new(t.clone()),
            &mut params,
        );
    }
    if let Some(status) = f.status {
        add(
            &mut sql,
            " AND v.status = $?",
            Box::new(status.as_str().to_owned()),
            &mut params,
        );
    }
    if let Some(from) = f.from {
        add(
            &mut sql,
            " AND v.finalized_utc >= $?",
            Box::new(ts(from)),
            &mut params,
        );
    }
    if let Some(until) = f.until {
        add(
            &mut sql,
            " AND v.finalized_utc < $?",
            Box::new(ts(until)),
            &mut params,
        );
    }
    if !f.all_revisions {
        sql.push_str(" AND NOT v.superseded");
    }
    if let Some(photo) = &f.photo {
        add(
            &mut sql,
            " AND EXISTS (SELECT 1 FROM jsonb_array_elements(v.photos::jsonb) p(value)
                          WHERE p.value ->> 'sha256' = $?)",
            Box::new(photo.clone()),
            &mut params,
        );
    }
    if f.reused_photos {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM jsonb_array_elements(v.photos::jsonb) p(value)
                          JOIN reused_photos r ON r.sha256 = p.value ->> 'sha256')",
        );
    }
    if f.flagged {
        sql.push_str(" AND v.flags <> '[]'");
    }

    if let Some(flag) = &f.flag {
        add(
            &mut sql,
            " AND EXISTS (SELECT 1 FROM visit_flags f WHERE f.visit_id = v.id AND f.code = $?)",
            Box::new(flag.clone()),
            &mut params,
        );
    }
    (sql, params)
}

#[async_trait]
impl Storage for PostgresStorage {
    async fn add_subdistrict(&self, s: &Subdistrict) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO subdistricts (id, name) VALUES ($1, $2)",
                &[&s.id.to_string(), &s.name],
            )
            .await?;
        Ok(())
    }

    async fn add_community(&self, c: &Community) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO communities (id, subdistrict_id, name) VALUES ($1, $2, $3)",
                &[&c.id.to_string(), &c.subdistrict_id.to_string(), &c.name],
            )
            .await?;
        Ok(())
    }

    async fn add_grid(&self, g: &Grid) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO grids (id, community_id, code, name) VALUES ($1, $2, $3, $4)",
                &[
                    &g.id.to_string(),
                    &g.community_id.to_string(),
                    &g.code,
                    &g.name,
                ],
            )
            .await?;
        Ok(())
    }

    async fn create_user(&self, user: &NewUser) -> Result<Uuid> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let id = Uuid::new_v4();
        let inserted = tx
            .execute(
                "INSERT INTO users (id, username, display_name, role, password_hash, community_id, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &id.to_string(),
                    &user.username,
                    &user.display_name,
                    &user.role.as_str(),
                    &user.password_hash,
                    &user.community_id.map(|c| c.to_string()),
                    &ts(Utc::now()),
                ],
            )
            .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(StorageError::Duplicate("username")),
            Err(e) => return Err(e.into()),
        }
        for g in &user.grid_ids {
            tx.execute(
                "INSERT INTO user_grids (user_id, grid_id) VALUES ($1, $2)",
                &[&id.to_string(), &g.to_string()],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    async fn set_user_grids(&self, user_id: Uuid, grid_ids: &[Uuid]) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let uid = user_id.to_string();
        let held = tx
            .query(
                "SELECT grid_id FROM user_grids WHERE user_id = $1 FOR UPDATE",
                &[&uid],
            )
            .await?
            .iter()
            .map(|r| col_uuid(r, 0))
            .collect::<Result<Vec<_>>>()?;
        let now = ts(Utc::now());
        for g in held.iter().filter(|g| !grid_ids.contains(g)) {
            tx.execute(
                "INSERT INTO grid_releases (user_id, grid_id, released_at) VALUES ($1, $2, $3)
                 ON CONFLICT (user_id, grid_id)
                 DO UPDATE SET released_at = excluded.released_at, noticed_at = NULL",
                &[&uid, &g.to_string(), &now],
            )
            .await?;
        }
        tx.execute("DELETE FROM user_grids WHERE user_id = $1", &[&uid])
            .await?;
        for g in grid_ids {
            tx.execute(
                "INSERT INTO user_grids (user_id, grid_id) VALUES ($1, $2)",
                &[&uid, &g.to_string()],
            )
            .await?;
            tx.execute(
                "DELETE FROM grid_releases WHERE user_id = $1 AND grid_id = $2",
                &[&uid, &g.to_string()],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn grid_releases(&self, user_id: Uuid) -> Result<HashMap<Uuid, GridRelease>> {
        self.client()
            .await?
            .query(
                "SELECT grid_id, released_at, noticed_at FROM grid_releases WHERE user_id = $1",
                &[&user_id.to_string()],
            )
            .await?
            .iter()
            .map(|r| {
                let noticed: Option<&str> = r.try_get(2)?;
                Ok((
                    col_uuid(r, 0)?,
                    GridRelease {
                        released_at: col_time(r, 1)?,
                        noticed_at: noticed.map(parse_time).transpose()?,
                    },
                ))
            })
            .collect()
    }

    async fn note_grids_sent(&self, user_id: Uuid, at: DateTime<Utc>) -> Result<()> {
        self.client()
            .await?
            .execute(
                "UPDATE grid_releases SET noticed_at = $1 WHERE user_id = $2 AND noticed_at IS NULL",
                &[&ts(at), &user_id.to_string()],
            )
            .await?;
        Ok(())
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT id, username, display_name, role, password_hash, community_id, disabled
                 FROM users WHERE username = $1",
                &[&username],
            )
            .await?;
        row.map(|r| {
            Ok(UserRecord {
                id: col_uuid(&r, 0)?,
                username: r.try_get(1)?,
                display_name: r.try_get(2)?,
                role: col_role(&r, 3)?,
                password_hash: r.try_get(4)?,
                community_id: col_opt_uuid(&r, 5)?,
                disabled: r.try_get(6)?,
            })
        })
        .transpose()
    }

    async fn grids_of(&self, user_id: Uuid) -> Result<Vec<GridInfo>> {
        let mut c = self.client().await?;
        let tx = read_tx(&mut c).await?;
        let row = tx
            .query_opt(
                "SELECT role, community_id FROM users WHERE id = $1",
                &[&user_id.to_string()],
            )
            .await?;
        match row {
            Some(r) => grids_for(&tx, user_id, col_role(&r, 0)?, col_opt_uuid(&r, 1)?).await,
            None => Ok(Vec::new()),
        }
    }

    async fn insert_token(&self, t: &NewToken) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO tokens (hash, user_id, device_name, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &&t.hash[..],
                    &t.user_id.to_string(),
                    &t.device_name,
                    &ts(t.created_at),
                    &ts(t.expires_at),
                ],
            )
            .await?;
        Ok(())
    }

    async fn token_state(&self, hash: &[u8; 32], now: DateTime<Utc>) -> Result<TokenState> {
        let mut c = self.client().await?;
        let tx = read_tx(&mut c).await?;
        let row = tx
            .query_opt(
                "SELECT t.user_id, t.expires_at, t.revoked_at IS NOT NULL, u.username,
                    u.display_name, u.role, u.community_id, u.disabled
                 FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1",
                &[&&hash[..]],
            )
            .await?;
        let Some(r) = row else {
            return Ok(TokenState::Unknown);
        };
        if r.try_get::<_, bool>(7)? {
            return Ok(TokenState::Unknown);
        }
        if r.try_get::<_, bool>(2)? {
            return Ok(TokenState::Revoked);
        }
        if col_time(&r, 1)? <= now {
            return Ok(TokenState::Expired);
        }
        let user_id = col_uuid(&r, 0)?;
        let role = col_role(&r, 5)?;
        let grid_ids = grids_for(&tx, user_id, role, col_opt_uuid(&r, 6)?)
            .await?
            .into_iter()
            .map(|g| g.id)
            .collect();
        Ok(TokenState::Valid(Session {
            user_id,
            username: r.try_get(3)?,
            display_name: r.try_get(4)?,
            role,
            grid_ids,
        }))
    }

    async fn revoke_token(&self, hash: &[u8; 32], at: DateTime<Utc>) -> Result<bool> {
        let n = self
            .client()
            .await?
            .execute(
                "UPDATE tokens SET revoked_at = $1 WHERE hash = $2 AND revoked_at IS NULL",
                &[&ts(at), &&hash[..]],
            )
            .await?;
        Ok(n > 0)
    }

    async fn revoke_user_tokens(&self, user_id: Uuid, at: DateTime<Utc>) -> Result<usize> {
        let n = self
            .client()
            .await?
            .execute(
                "UPDATE tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
                &[&ts(at), &user_id.to_string()],
            )
            .await?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    async fn upsert_household(&self, h: &HouseholdRecord) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        write_household(&tx, h).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn household_places(&self, ids_in: &[Uuid]) -> Result<HashMap<Uuid, HouseholdPlace>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT id, grid_id, version, lat, lon, location_confirmed FROM households
                 WHERE id = ANY($1)",
                &[&ids(ids_in)],
            )
            .await?;
        let mut out = HashMap::new();
        for r in rows {
            let lat: Option<f64> = r.try_get(3)?;
            let lon: Option<f64> = r.try_get(4)?;
            let confirmed: bool = r.try_get(5)?;
            out.insert(
                col_uuid(&r, 0)?,
                HouseholdPlace {
                    grid_id: col_uuid(&r, 1)?,
                    version: r.try_get(2)?,
                    location: lat
                        .zip(lon)
                        .map(|(lat, lon)| (LatLon { lat, lon }, confirmed)),
                },
            );
        }
        Ok(out)
    }

    async fn household(&self, id: Uuid) -> Result<Option<HouseholdRecord>> {
        let mut c = self.client().await?;
        let tx = read_tx(&mut c).await?;
        let sql = format!("SELECT {HOUSEHOLD_COLUMNS} FROM households WHERE id = $1");
        let Some(row) = tx.query_opt(&sql, &[&id.to_string()]).await? else {
            return Ok(None);
        };
        let (mut h, _) = household_from_row(&row)?;
        h.residents = residents_of(&tx, id).await?;
        Ok(Some(h))
    }

    async fn household_conflicts(&self, id: Uuid) -> Result<Vec<HouseholdConflict>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT household_id, field, base_version, server_version, server_value,
                    device_value, user_id, op_id
                 FROM household_conflicts WHERE household_id = $1 ORDER BY id",
                &[&id.to_string()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(HouseholdConflict {
                    household_id: col_uuid(r, 0)?,
                    field: r.try_get(1)?,
                    base_version: r.try_get(2)?,
                    server_version: r.try_get(3)?,
                    server_value: r.try_get(4)?,
                    device_value: r.try_get(5)?,
                    user_id: col_uuid(r, 6)?,
                    op_id: col_uuid(r, 7)?,
                })
            })
            .collect()
    }

    async fn publish_template(&self, t: &TemplateRecord) -> Result<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let version = i64::from(t.version);
        // Taking the number first serializes publishers, so the check below is race-free.
        let seq = next_seq(&tx).await?;
        let exists = tx
            .query_opt(
                "SELECT 1 FROM templates WHERE template_id = $1 AND version = $2",
                &[&t.template_id, &version],
            )
            .await?;
        if exists.is_some() {
            // Rolled back: the number is not used.
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO templates (template_id, version, definition, seq) VALUES ($1, $2, $3, $4)",
            &[
                &t.template_id,
                &version,
                &serde_json::to_string(&t.definition)?,
                &seq,
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn templates(&self) -> Result<Vec<TemplateRecord>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT template_id, version, definition FROM templates ORDER BY template_id, version",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(TemplateRecord {
                    template_id: r.try_get(0)?,
                    version: col_u32(r, 1)?,
                    definition: col_json(r, 2)?,
                })
            })
            .collect()
    }

    async fn record_blob(&self, sha256: &str, bytes: u64, by: Uuid) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO blobs (sha256, bytes, uploaded_by, received_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (sha256) DO NOTHING",
                &[
                    &sha256,
                    &i64::try_from(bytes).unwrap_or(i64::MAX),
                    &by.to_string(),
                    &ts(Utc::now()),
                ],
            )
            .await?;
        Ok(())
    }

    async fn blob_size(&self, sha256: &str) -> Result<Option<u64>> {
        let row = self
            .client()
            .await?
            .query_opt("SELECT bytes FROM blobs WHERE sha256 = $1", &[&sha256])
            .await?;
        row.map(|r| col_u64(&r, 0)).transpose()
    }

    async fn missing_blobs(&self, sha256s: &[String]) -> Result<HashSet<String>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT sha256 FROM blobs WHERE sha256 = ANY($1)",
                &[&sha256s],
            )
            .await?;
        let mut missing: HashSet<String> = sha256s.iter().cloned().collect();
        for r in rows {
            missing.remove(r.try_get::<_, &str>(0)?);
        }
        Ok(missing)
    }

    async fn op_results(&self, op_ids: &[Uuid]) -> Result<HashMap<Uuid, OperationResult>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT op_id, result FROM op_results WHERE op_id = ANY($1)",
                &[&ids(op_ids)],
            )
            .await?;
        let mut out = HashMap::new();
        for r in rows {
            out.insert(col_uuid(&r, 0)?, col_json(&r, 1)?);
        }
        Ok(out)
    }

    async fn apply_ops(&self, user_id: Uuid, ops: Vec<PreparedOp>) -> Result<Vec<OperationResult>> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        // Pushes take turns from here on: see the module's notes.
        lock_seq(&tx).await?;
        let mut results = Vec::with_capacity(ops.len());
        for op in ops {
            let op_id = match &op {
                PreparedOp::Visit { op_id, .. }
                | PreparedOp::EditHousehold { op_id, .. }
                | PreparedOp::Refuse { op_id, .. } => *op_id,
            };
            if let Some(first) = remembered(&tx, op_id).await? {
                results.push(first);
                continue;
            }
            let (outcome, keep) = match op {
                PreparedOp::Visit { op_id, visit } => {
                    (apply_visit(&tx, op_id, &visit).await?, true)
                }
                PreparedOp::EditHousehold {
                    op_id,
                    household_id,
                    base_version,
                    changes,
                } => (
                    apply_edit(&tx, user_id, op_id, household_id, base_version, &changes).await?,
                    true,
                ),
                PreparedOp::Refuse {
                    error, remember, ..
                } => (OperationOutcome::Refused { error }, remember),
            };
            let result = OperationResult { op_id, outcome };
            if keep {
                remember(&tx, user_id, &result).await?;
            }
            results.push(result);
        }
        tx.commit().await?;
        Ok(results)
    }

    async fn visit(&self, visit_id: Uuid) -> Result<Option<StoredVisit>> {
        let sql = format!("SELECT {VISIT_COLUMNS} FROM visits WHERE id = $1");
        let row = self
            .client()
            .await?
            .query_opt(&sql, &[&visit_id.to_string()])
            .await?;
        row.map(|r| visit_from_row(&r)).transpose()
    }

    async fn visit_revisions(&self, visit_group: Uuid) -> Result<Vec<StoredVisit>> {
        let sql =
            format!("SELECT {VISIT_COLUMNS} FROM visits WHERE visit_group = $1 ORDER BY revision");
        let rows = self
            .client()
            .await?
            .query(&sql, &[&visit_group.to_string()])
            .await?;
        rows.iter().map(visit_from_row).collect()
    }

    async fn visit_count(&self) -> Result<u64> {
        let row = self
            .client()
            .await?
            .query_one("SELECT count(*) FROM visits", &[])
            .await?;
        col_u64(&row, 0)
    }

    async fn pull(
        &self,
        user_id: Uuid,
        grid_ids: &[Uuid],
        after: i64,
        limit: usize,
    ) -> Result<PullPage> {
        let limit = limit.max(1);
        let fetch = i64::try_from(limit + 1).unwrap_or(i64::MAX);
        let grids = ids(grid_ids);
        let mut c = self.client().await?;
        // One snapshot for the three tables: see the module's notes.
        let tx = read_tx(&mut c).await?;
        let sql = format!(
            "SELECT {HOUSEHOLD_COLUMNS} FROM households
             WHERE seq > $1 AND grid_id = ANY($2) ORDER BY seq LIMIT $3"
        );
        let households = tx
            .query(&sql, &[&after, &grids, &fetch])
            .await?
            .iter()
            .map(household_from_row)
            .collect::<Result<Vec<_>>>()?;
        let templates = tx
            .query(
                "SELECT template_id, version, definition, seq FROM templates
                 WHERE seq > $1 ORDER BY seq LIMIT $2",
                &[&after, &fetch],
            )
            .await?
            .iter()
            .map(|r| {
                Ok((
                    TemplateRecord {
                        template_id: r.try_get(0)?,
                        version: col_u32(r, 1)?,
                        definition: col_json(r, 2)?,
                    },
                    r.try_get::<_, i64>(3)?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let reviews = tx
            .query(
                "SELECT r.visit_id, v.visit_group, v.revision, r.status, r.comment, r.reviewer_name,
                    r.decided_at, r.seq
                 FROM reviews r JOIN visits v ON v.id = r.visit_id
                 WHERE r.worker_id = $1 AND r.seq > $2 ORDER BY r.seq LIMIT $3",
                &[&user_id.to_string(), &after, &fetch],
            )
            .await?
            .iter()
            .map(|r| {
                Ok((
                    ReviewDecision {
                        visit_id: col_uuid(r, 0)?,
                        visit_group: col_uuid(r, 1)?,
                        revision: col_u32(r, 2)?,
                        status: col_status(r, 3)?,
                        comment: r.try_get(4)?,
                        reviewer: r.try_get(5)?,
                        decided_at: col_time(r, 6)?,
                    },
                    r.try_get::<_, i64>(7)?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;

        // Merge the three by sequence number and keep the first `limit`.
        let mut seqs: Vec<i64> = households
            .iter()
            .map(|(_, s)| *s)
            .chain(templates.iter().map(|(_, s)| *s))
            .chain(reviews.iter().map(|(_, s)| *s))
            .collect();
        seqs.sort_unstable();
        let more = seqs.len() > limit;
        let last_seq = if more {
            seqs[limit - 1]
        } else {
            seqs.last().copied().unwrap_or(after)
        };
        let mut page = PullPage {
            last_seq,
            more,
            ..PullPage::default()
        };
        for (mut h, seq) in households {
            if seq > last_seq {
                continue;
            }
            h.residents = residents_of(&tx, h.id).await?;
            let visits = household_visits(&tx, h.id).await?;
            page.households.push(PulledHousehold { record: h, visits });
        }
        page.templates = templates
            .into_iter()
            .filter(|(_, s)| *s <= last_seq)
            .map(|(t, _)| t)
            .collect();
        page.reviews = reviews
            .into_iter()
            .filter(|(_, s)| *s <= last_seq)
            .map(|(r, _)| r)
            .collect();
        Ok(page)
    }

    async fn record_review(
        &self,
        review: &NewReview,
        audit: &AuditEntry,
    ) -> Result<Option<ReviewDecision>> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let vid = review.visit_id.to_string();
        let row = tx
            .query_opt(
                "UPDATE visits SET status = $1, reviewer_id = $2, reviewed_at = $3, review_comment = $4
                 WHERE id = $5 AND status = $6
                 RETURNING visit_group, revision, worker_id",
                &[
                    &review.status.as_str(),
                    &review.reviewer_id.to_string(),
                    &ts(review.decided_at),
                    &review.comment,
                    &vid,
                    &review.expected.as_str(),
                ],
            )
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let group = col_uuid(&row, 0)?;
        let revision = col_u32(&row, 1)?;
        let worker: String = row.try_get(2)?;
        let seq = next_seq(&tx).await?;
        tx.execute(
            "INSERT INTO reviews (seq, visit_id, worker_id, status, comment, reviewer_id,
                reviewer_name, decided_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &seq,
                &vid,
                &worker,
                &review.status.as_str(),
                &review.comment,
                &review.reviewer_id.to_string(),
                &review.reviewer_name,
                &ts(review.decided_at),
            ],
        )
        .await?;
        // The household is sent again: its past visits show the decision.
        let household_seq = next_seq(&tx).await?;
        tx.execute(
            "UPDATE households SET seq = $1
             WHERE id = (SELECT household_id FROM visits WHERE id = $2)",
            &[&household_seq, &vid],
        )
        .await?;
        audit_insert(&tx, audit).await?;
        tx.commit().await?;
        Ok(Some(ReviewDecision {
            visit_id: review.visit_id,
            visit_group: group,
            revision,
            status: review.status,
            comment: review.comment.clone(),
            reviewer: review.reviewer_name.clone(),
            decided_at: review.decided_at,
        }))
    }

    async fn audit(&self, entry: &AuditEntry) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        audit_insert(&tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT at, actor_id, actor_username, action, target, detail, remote_addr
                 FROM audit_log ORDER BY id DESC LIMIT $1",
                &[&i64::try_from(limit).unwrap_or(i64::MAX)],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: col_time(r, 0)?,
                    actor_id: col_uuid(r, 1)?,
                    actor_username: r.try_get(2)?,
                    action: r.try_get(3)?,
                    target: r.try_get(4)?,
                    detail: col_json(r, 5)?,
                    remote_addr: r.try_get(6)?,
                })
            })
            .collect()
    }

    async fn audit_page(
        &self,
        filter: &super::AuditFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<AuditEntry>, u64)> {
        let mut clause = String::from("true");
        let mut params: Vec<Param> = Vec::new();
        let mut add = |sql: &str, v: String| {
            params.push(Box::new(v));
            clause.push_str(&sql.replace("$?", &format!("${}", params.len())));
        };
        if let Some(a) = &filter.actor {
            add(" AND actor_username = $?", a.clone());
        }
        if let Some(a) = &filter.action {
            add(" AND action = $?", a.clone());
        }
        if let Some(t) = filter.from {
            add(" AND at >= $?", ts(t));
        }
        if let Some(t) = filter.until {
            add(" AND at < $?", ts(t));
        }
        let mut c = self.client().await?;
        let tx = read_tx(&mut c).await?;
        let total = col_u64(
            &tx.query_one(
                &format!("SELECT count(*) FROM audit_log WHERE {clause}"),
                &refs(&params),
            )
            .await?,
            0,
        )?;
        params.push(Box::new(i64::try_from(limit).unwrap_or(i64::MAX)));
        params.push(Box::new(i64::try_from(offset).unwrap_or(i64::MAX)));
        let n = params.len();
        let rows = tx
            .query(
                &format!(
                    "SELECT at, actor_id, actor_username, action, target, detail, remote_addr
                     FROM audit_log WHERE {clause} ORDER BY id DESC LIMIT ${} OFFSET ${n}",
                    n - 1
                ),
                &refs(&params),
            )
            .await?;
        let lines = rows
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: col_time(r, 0)?,
                    actor_id: col_uuid(r, 1)?,
                    actor_username: r.try_get(2)?,
                    action: r.try_get(3)?,
                    target: r.try_get(4)?,
                    detail: col_json(r, 5)?,
                    remote_addr: r.try_get(6)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((lines, total))
    }

    async fn insert_console_session(&self, s: &NewConsoleSession) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO console_sessions (hash, user_id, csrf, created_at, expires_at, last_seen,
                    remote_addr)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &&s.hash[..],
                    &s.user_id.to_string(),
                    &s.csrf,
                    &ts(s.created_at),
                    &ts(s.expires_at),
                    &ts(s.created_at),
                    &s.remote_addr,
                ],
            )
            .await?;
        Ok(())
    }

    async fn console_session(
        &self,
        hash: &[u8; 32],
        now: DateTime<Utc>,
        idle: chrono::Duration,
    ) -> Result<Option<ConsoleSession>> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let row = tx
            .query_opt(
                "UPDATE console_sessions s SET last_seen = $2
                 FROM users u
                 WHERE u.id = s.user_id AND s.hash = $1 AND s.ended_at IS NULL
                   AND s.expires_at > $2 AND s.last_seen > $3 AND NOT u.disabled
                 RETURNING s.user_id, s.csrf, u.username, u.display_name, u.role, u.community_id",
                &[&&hash[..], &ts(now), &ts(now - idle)],
            )
            .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        let user_id = col_uuid(&r, 0)?;
        let role = col_role(&r, 4)?;
        let grid_ids = grids_for(&tx, user_id, role, col_opt_uuid(&r, 5)?)
            .await?
            .into_iter()
            .map(|g| g.id)
            .collect();
        let out = ConsoleSession {
            session: Session {
                user_id,
                username: r.try_get(2)?,
                display_name: r.try_get(3)?,
                role,
                grid_ids,
            },
            csrf: r.try_get(1)?,
        };
        tx.commit().await?;
        Ok(Some(out))
    }

    async fn end_console_session(&self, hash: &[u8; 32], at: DateTime<Utc>) -> Result<bool> {
        let n = self
            .client()
            .await?
            .execute(
                "UPDATE console_sessions SET ended_at = $1 WHERE hash = $2 AND ended_at IS NULL",
                &[&ts(at), &&hash[..]],
            )
            .await?;
        Ok(n > 0)
    }

    async fn review_queue(
        &self,
        filter: &QueueFilter,
        offset: u64,
        limit: u64,
    ) -> Result<QueuePage> {
        let (clause, mut params) = where_clause(filter);
        let mut c = self.client().await?;
        let tx = read_tx(&mut c).await?;
        let total = tx
            .query_one(
                &format!("SELECT count(*) FROM visits v WHERE {clause}"),
                &refs(&params),
            )
            .await?;
        let total = col_u64(&total, 0)?;
        params.push(Box::new(i64::try_from(limit).unwrap_or(i64::MAX)));
        params.push(Box::new(i64::try_from(offset).unwrap_or(i64::MAX)));
        let n = params.len();
        let sql = format!(
            "SELECT v.id, v.visit_group, v.revision, v.template_id, v.template_version,
                    v.household_id, h.code, v.grid_id, g.name, v.worker_id, u.display_name,
                    v.finalized_utc, v.status, v.flags, v.door_outcome
             FROM (SELECT v.id FROM visits v WHERE {clause}
                   ORDER BY v.finalized_utc DESC, v.id DESC LIMIT ${} OFFSET ${n}) page
             JOIN visits v ON v.id = page.id
             JOIN households h ON h.id = v.household_id
             JOIN grids g ON g.id = v.grid_id
             JOIN users u ON u.id = v.worker_id
             ORDER BY v.finalized_utc DESC, v.id DESC",
            n - 1
        );
        let rows = tx.query(&sql, &refs(&params)).await?;
        let rows = rows
            .iter()
            .map(|r| {
                Ok(QueueRow {
                    visit_id: col_uuid(r, 0)?,
                    visit_group: col_uuid(r, 1)?,
                    revision: col_u32(r, 2)?,
                    template_id: r.try_get(3)?,
                    template_version: col_u32(r, 4)?,
                    household_id: col_uuid(r, 5)?,
                    household_code: r.try_get(6)?,
                    grid_id: col_uuid(r, 7)?,
                    grid_name: r.try_get(8)?,
                    worker_id: col_uuid(r, 9)?,
                    worker_name: r.try_get(10)?,
                    finalized: col_time(r, 11)?,
                    status: col_status(r, 12)?,
                    flags: col_json(r, 13)?,
                    door_outcome: r
                        .try_get::<_, Option<&str>>(14)?
                        .and_then(crate::anomalies::parse_outcome),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(QueuePage { rows, total })
    }

    async fn visit_evidence(&self, visit_id: Uuid) -> Result<Option<VisitEvidence>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT door_check_device, photos, received_at FROM visits WHERE id = $1",
                &[&visit_id.to_string()],
            )
            .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        let door: Option<&str> = r.try_get(0)?;
        Ok(Some(VisitEvidence {
            device_door_check: door.map(serde_json::from_str).transpose()?,
            photos: col_json(&r, 1)?,
            received_at: col_time(&r, 2)?,
        }))
    }

    async fn workers_of(&self, grid_ids: &[Uuid]) -> Result<Vec<(Uuid, String)>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT DISTINCT u.id, u.display_name FROM users u
                 JOIN user_grids ug ON ug.user_id = u.id
                 WHERE u.role = 'worker' AND ug.grid_id = ANY($1)
                 ORDER BY u.display_name, u.id",
                &[&ids(grid_ids)],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((col_uuid(r, 0)?, r.try_get(1)?)))
            .collect()
    }

    async fn visit_stats(
        &self,
        grid_ids: &[Uuid],
        today: DateTime<Utc>,
        week: DateTime<Utc>,
    ) -> Result<VisitStats> {
        let scope = ids(grid_ids);
        let mut c = self.client().await?;
        let tx = read_tx(&mut c).await?;
        let since_today = col_u64(
            &tx.query_one(
                "SELECT count(*) FROM visits
                 WHERE grid_id = ANY($1) AND finalized_utc >= $2 AND NOT superseded",
                &[&scope, &ts(today)],
            )
            .await?,
            0,
        )?;
        // The week's visits and the reviews waiting are the sums of the per-grid rows.
        let per_grid = tx
            .query(
                "SELECT g.id, g.name,
                        (SELECT count(*) FROM visits v
                         WHERE v.grid_id = g.id AND v.finalized_utc >= $2 AND NOT v.superseded),
                        (SELECT count(*) FROM visits v WHERE v.status = 'uploaded' AND v.grid_id = g.id)
                 FROM grids g WHERE g.id = ANY($1) ORDER BY g.code",
                &[&scope, &ts(week)],
            )
            .await?
            .iter()
            .map(|r| {
                Ok((
                    col_uuid(r, 0)?,
                    r.try_get(1)?,
                    col_u64(r, 2)?,
                    col_u64(r, 3)?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let flags = tx
            .query(
                "SELECT f.code, count(*) FROM visit_flags f JOIN visits v ON v.id = f.visit_id
                 WHERE f.grid_id = ANY($1) AND NOT v.superseded
                 GROUP BY f.code ORDER BY count(*) DESC, f.code",
                &[&scope],
            )
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, col_u64(r, 1)?)))
            .collect::<Result<Vec<_>>>()?;
        // Photos seen in more than one household anywhere, counted when more
        // than one of those households is in scope.
        let reused_photos = col_u64(
            &tx.query_one(
                "SELECT count(*) FROM reused_photos r
                 WHERE (SELECT count(*) FROM photo_households p
                        WHERE p.sha256 = r.sha256 AND p.grid_id = ANY($1)) > 1",
                &[&scope],
            )
            .await?,
            0,
        )?;
        Ok(VisitStats {
            since_today,
            since_week: per_grid.iter().map(|g| g.2).sum(),
            waiting: per_grid.iter().map(|g| g.3).sum(),
            per_grid,
            flags,
            reused_photos,
        })
    }

    async fn users(&self) -> Result<Vec<super::UserSummary>> {
        let mut c = self.client().await?;
        let tx = read_tx(&mut c).await?;
        let mut users = tx
            .query(
                "SELECT u.id, u.username, u.display_name, u.role, u.community_id, c.name, u.disabled
                 FROM users u LEFT JOIN communities c ON c.id = u.community_id
                 ORDER BY u.username COLLATE \"C\"",
                &[],
            )
            .await?
            .iter()
            .map(|r| {
                let community = match col_opt_uuid(r, 4)? {
                    Some(id) => Some((id, r.try_get::<_, Option<String>>(5)?.unwrap_or_default())),
                    None => None,
                };
                Ok(super::UserSummary {
                    id: col_uuid(r, 0)?,
                    username: r.try_get(1)?,
                    display_name: r.try_get(2)?,
                    role: col_role(r, 3)?,
                    community,
                    grid_ids: Vec::new(),
                    disabled: r.try_get(6)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let pairs = tx
            .query(
                "SELECT ug.user_id, ug.grid_id FROM user_grids ug JOIN grids g ON g.id = ug.grid_id
                 ORDER BY g.code COLLATE \"C\"",
                &[],
            )
            .await?;
        for r in &pairs {
            let (user, grid) = (col_uuid(r, 0)?, col_uuid(r, 1)?);
            if let Some(u) = users.iter_mut().find(|u| u.id == user) {
                u.grid_ids.push(grid);
            }
        }
        Ok(users)
    }

    async fn grid_tree(&self) -> Result<Vec<super::GridNode>> {
        self.client()
            .await?
            .query(
                "SELECT s.id, s.name, c.id, c.name, g.id, g.code, g.name,
                    (SELECT count(*) FROM households h WHERE h.grid_id = g.id)
                 FROM grids g JOIN communities c ON c.id = g.community_id
                 JOIN subdistricts s ON s.id = c.subdistrict_id
                 ORDER BY s.name COLLATE \"C\", c.name COLLATE \"C\", g.code COLLATE \"C\"",
                &[],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(super::GridNode {
                    subdistrict_id: col_uuid(r, 0)?,
                    subdistrict: r.try_get(1)?,
                    community_id: col_uuid(r, 2)?,
                    community: r.try_get(3)?,
                    id: col_uuid(r, 4)?,
                    code: r.try_get(5)?,
                    name: r.try_get(6)?,
                    households: col_u64(r, 7)?,
                })
            })
            .collect()
    }

    async fn ledger_mapping(&self, signature: &str) -> Result<Option<String>> {
        let c = self.client().await?;
        ledger::pg_mapping(&c, signature).await
    }

    async fn estate_grids(&self) -> Result<HashMap<String, Uuid>> {
        let c = self.client().await?;
        ledger::pg_estate_grids(&c).await
    }

    async fn remember_ledger(&self, memory: &super::LedgerMemory, at: DateTime<Utc>) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        ledger::pg_remember(&tx, memory, &ts(at)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn import_households(
        &self,
        batch: &[HouseholdRecord],
        audit: &AuditEntry,
    ) -> Result<ImportOutcome> {
        let mut batch = batch.to_vec();
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        // Every household write takes the change counter's row first: holding
        // it, the check and the numbering below (each statement reads what
        // committed before it, under READ COMMITTED) see every earlier import,
        // and no later one starts writing before this one commits.
        lock_seq(&tx).await?;
        let found = ledger::pg_registered(&tx, &batch).await?;
        if !found.is_empty() {
            return Ok(ImportOutcome::AlreadyRegistered(found));
        }
        let taken = ledger::pg_taken(&tx, &batch).await?;
        let codes = ledger::number(&mut batch, taken)?;
        for h in &batch {
            write_household(&tx, h).await?;
        }
        audit_insert(&tx, audit).await?;
        tx.commit().await?;
        Ok(ImportOutcome::Imported { codes })
    }

    async fn coverage_households(&self, grid_ids: &[Uuid]) -> Result<Vec<CoverageHousehold>> {
        let scope = ids(grid_ids);
        let mut c = self.client().await?;
        let tx = read_tx(&mut c).await?;
        let mut by_id: std::collections::BTreeMap<String, CoverageHousehold> = Default::default();
        for r in tx
            .query(
                "SELECT r.household_id, h.grid_id, r.tags FROM residents r
                 JOIN households h ON h.id = r.household_id
                 WHERE h.grid_id = ANY($1) AND r.tags <> '[]'",
                &[&scope],
            )
            .await?
        {
            let household: String = r.try_get(0)?;
            let tags: Vec<doorstep_model::ResidentTag> = col_json(&r, 2)?;
            let entry = match by_id.entry(household) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    let household_id = parse_uuid(e.key())?;
                    e.insert(CoverageHousehold {
                        household_id,
                        grid_id: col_uuid(&r, 1)?,
                        tags: Vec::new(),
                        latest_visits: Vec::new(),
                    })
                }
            };
            entry.tags.extend(tags);
        }
        for r in tx
            .query(
                "SELECT l.household_id, l.template_id, l.finalized_utc, l.finalized_offset
                 FROM household_last_visits l JOIN households h ON h.id = l.household_id
                 WHERE h.grid_id = ANY($1)",
                &[&scope],
            )
            .await?
        {
            let household: &str = r.try_get(0)?;
            if let Some(h) = by_id.get_mut(household) {
                let at = DeviceInstant {
                    utc: col_time(&r, 2)?,
                    offset_seconds: r.try_get(3)?,
                };
                h.latest_visits.push((r.try_get(1)?, local_date(&at)));
            }
        }
        Ok(by_id.into_values().collect())
    }

    async fn setting(&self, name: &str) -> Result<Option<String>> {
        let row = self
            .client()
            .await?
            .query_opt("SELECT value FROM settings WHERE name = $1", &[&name])
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    async fn set_setting(&self, name: &str, value: &str, audit: &AuditEntry) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        tx.execute(
            "INSERT INTO settings (name, value) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            &[&name, &value],
        )
        .await?;
        audit_insert(&tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn settle_location(
        &self,
        household_id: Uuid,
        proposed: LatLon,
        accept: bool,
        audit: &AuditEntry,
    ) -> Result<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let id = household_id.to_string();
        let pending = tx
            .query_opt(
                "SELECT 1 FROM households
                 WHERE id = $1 AND lat = $2 AND lon = $3 AND NOT location_confirmed
                 FOR UPDATE",
                &[&id, &proposed.lat, &proposed.lon],
            )
            .await?;
        if pending.is_none() {
            return Ok(false);
        }
        let seq = next_seq(&tx).await?;
        let sql = if accept {
            "UPDATE households SET location_confirmed = true, version = version + 1, seq = $1
             WHERE id = $2"
        } else {
            "UPDATE households SET lat = NULL, lon = NULL, version = version + 1, seq = $1
             WHERE id = $2"
        };
        tx.execute(sql, &[&seq, &id]).await?;
        audit_insert(&tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn open_returns(&self, grid_ids: &[Uuid]) -> Result<Vec<(Uuid, u64)>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT grid_id, count(*) FROM visits
                 WHERE status = 'returned' AND NOT superseded AND grid_id = ANY($1)
                 GROUP BY grid_id",
                &[&ids(grid_ids)],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((col_uuid(r, 0)?, col_u64(r, 1)?)))
            .collect()
    }
}
