//! [`Storage`] on SQLite: one file under the data directory, WAL, one writer
//! connection and a few readers, every call on tokio's blocking pool.
//!
//! Writes run in `BEGIN IMMEDIATE` transactions that commit only when the
//! closure succeeds; a whole push is one transaction, which is what makes batch
//! ingest fast. The workspace's rusqlite is built with SQLCipher; the server
//! opens its database without a key, which is plain SQLite (the server's disk
//! encryption is the host's business).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use doorstep_evidence::LatLon;
use doorstep_evidence::door_check::DoorOutcome;
use doorstep_model::{Community, DeviceInstant, Grid, Review, Subdistrict, Visit, VisitStatus};
use doorstep_protocol::GridInfo;
use doorstep_protocol::{
    FieldChange, HouseholdRecord, OperationOutcome, OperationResult, ResidentRecord,
    ReviewDecision, Role, TemplateRecord,
};
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Row, Transaction, TransactionBehavior, params,
};
use uuid::Uuid;

use crate::anomalies;

use super::{
    AuditEntry, GridRelease, HouseholdConflict, HouseholdPlace, HouseholdVisit, ImportOutcome,
    NewReview, NewToken, NewUser, NewVisit, PreparedOp, PullPage, PulledHousehold, Result, Session,
    Storage, StorageError, StoredVisit, TokenState, UserRecord, ledger, merge, refused, schema,
};

/// The SQL that fills the tables derived from visits (schema version 4), for
/// visits written to the database directly (bulk loads, benchmarks).
pub use super::schema::FILL_DERIVED;

const READERS: usize = 2;

struct Inner {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

/// The embedded SQLite backend. Cheap to clone.
#[derive(Clone)]
pub struct SqliteStorage {
    inner: Arc<Inner>,
}

fn open_conn(path: &Path, flags: OpenFlags) -> Result<Connection> {
    doorstep_sqlcipher::initialize().map_err(|code| {
        rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            Some("SQLite could not be initialized".into()),
        )
    })?;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

impl SqliteStorage {
    /// Opens (creating when missing) the database at `path`, in WAL mode, at
    /// the current schema. Refuses a database newer than this code.
    pub fn open(path: &Path) -> Result<Self> {
        let mut writer = open_conn(path, OpenFlags::default())?;
        // Before WAL is switched on, which would already change the file.
        schema::refuse_newer(&writer)?;
        let mode: String = writer.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StorageError::Corrupt(format!(
                "journal mode {mode}, not WAL"
            )));
        }
        schema::migrate(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| {
                open_conn(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | OpenFlags::SQLITE_OPEN_URI,
                )
                .map(Mutex::new)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            inner: Arc::new(Inner {
                writer: Mutex::new(writer),
                readers,
                next_reader: AtomicUsize::new(0),
            }),
        })
    }

    /// Runs `f` on a reader connection, off the async threads.
    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let i = inner.next_reader.fetch_add(1, Ordering::Relaxed) % inner.readers.len();
            let conn = inner.readers[i].lock().unwrap_or_else(|e| e.into_inner());
            f(&conn)
        })
        .await
        .map_err(|e| StorageError::Task(e.to_string()))?
    }

    /// Runs `f` in an immediate write transaction that commits only on `Ok`.
    async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut conn = inner.writer.lock().unwrap_or_else(|e| e.into_inner());
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
        .map_err(|e| StorageError::Task(e.to_string()))?
    }
}

// --- conversions ---

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn conversion<E: std::error::Error + Send + Sync + 'static>(idx: usize, e: E) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
}

fn col_uuid(r: &Row<'_>, idx: usize) -> rusqlite::Result<Uuid> {
    let s: String = r.get(idx)?;
    Uuid::parse_str(&s).map_err(|e| conversion(idx, e))
}

fn col_opt_uuid(r: &Row<'_>, idx: usize) -> rusqlite::Result<Option<Uuid>> {
    let s: Option<String> = r.get(idx)?;
    s.map(|s| Uuid::parse_str(&s).map_err(|e| conversion(idx, e)))
        .transpose()
}

/// A stored instant (column `idx`, for the error).
fn parse_time(idx: usize, s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| conversion(idx, e))
}

fn col_time(r: &Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    parse_time(idx, &r.get::<_, String>(idx)?)
}

fn col_opt_time(r: &Row<'_>, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    r.get::<_, Option<String>>(idx)?
        .map(|s| parse_time(idx, &s))
        .transpose()
}

fn col_json<T: serde::de::DeserializeOwned>(r: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let s: String = r.get(idx)?;
    serde_json::from_str(&s).map_err(|e| conversion(idx, e))
}

fn col_status(r: &Row<'_>, idx: usize) -> rusqlite::Result<VisitStatus> {
    let s: String = r.get(idx)?;
    VisitStatus::from_str_opt(&s).ok_or_else(|| conversion(idx, BadValue("visit status")))
}

fn col_role(r: &Row<'_>, idx: usize) -> rusqlite::Result<Role> {
    let s: String = r.get(idx)?;
    Role::from_str_opt(&s).ok_or_else(|| conversion(idx, BadValue("role")))
}

#[derive(Debug, thiserror::Error)]
#[error("unknown {0}")]
struct BadValue(&'static str);

fn stored_result(op_id: Uuid, outcome: OperationOutcome) -> OperationResult {
    OperationResult { op_id, outcome }
}

// --- helpers on a connection ---

fn next_seq(tx: &Connection) -> Result<i64> {
    Ok(tx
        .prepare_cached(
            "UPDATE counters SET value = value + 1 WHERE name = 'change_seq' RETURNING value",
        )?
        .query_row([], |r| r.get(0))?)
}

const GRIDS_OF: &str = "SELECT g.id, g.code, g.name, c.name, s.name
     FROM grids g JOIN communities c ON c.id = g.community_id
     JOIN subdistricts s ON s.id = c.subdistrict_id
     WHERE ?1 = 'admin'
        OR g.id IN (SELECT grid_id FROM user_grids WHERE user_id = ?2)
        OR (?1 = 'supervisor' AND g.community_id = ?3)
     ORDER BY g.code";

fn grids_for(
    conn: &Connection,
    user_id: Uuid,
    role: Role,
    community: Option<Uuid>,
) -> Result<Vec<GridInfo>> {
    let mut stmt = conn.prepare_cached(GRIDS_OF)?;
    let rows = stmt.query_map(
        params![
            role.as_str(),
            user_id.to_string(),
            community.map(|c| c.to_string())
        ],
        |r| {
            Ok(GridInfo {
                id: col_uuid(r, 0)?,
                code: r.get(1)?,
                name: r.get(2)?,
                community: r.get(3)?,
                subdistrict: r.get(4)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

const HOUSEHOLD_COLUMNS: &str = "id, code, grid_id, estate, building, unit, door, lat, lon,
     location_confirmed, residence_type, landlord_name, landlord_phone, notes, version, seq";

fn household_from_row(r: &Row<'_>) -> rusqlite::Result<(HouseholdRecord, i64)> {
    Ok((
        HouseholdRecord {
            id: col_uuid(r, 0)?,
            code: r.get(1)?,
            grid_id: col_uuid(r, 2)?,
            estate: r.get(3)?,
            building: r.get(4)?,
            unit: r.get(5)?,
            door: r.get(6)?,
            lat: r.get(7)?,
            lon: r.get(8)?,
            location_confirmed: r.get(9)?,
            residence_type: r.get(10)?,
            landlord_name: r.get(11)?,
            landlord_phone: r.get(12)?,
            notes: r.get(13)?,
            version: r.get(14)?,
            residents: Vec::new(),
            due: Vec::new(),
            past_visits: Vec::new(),
        },
        r.get(15)?,
    ))
}

fn residents_of(conn: &Connection, household: Uuid) -> Result<Vec<ResidentRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, id_number, phone, relation, tags FROM residents
         WHERE household_id = ? ORDER BY position",
    )?;
    let rows = stmt.query_map([household.to_string()], |r| {
        Ok(ResidentRecord {
            id: col_uuid(r, 0)?,
            name: r.get(1)?,
            id_number: r.get(2)?,
            phone: r.get(3)?,
            relation: r.get(4)?,
            tags: col_json(r, 5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn household_visits(conn: &Connection, household: Uuid) -> Result<Vec<HouseholdVisit>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, visit_group, revision, template_id, finalized_utc, finalized_offset, status
         FROM visits WHERE household_id = ?",
    )?;
    let rows = stmt.query_map([household.to_string()], |r| {
        let at = DeviceInstant {
            utc: col_time(r, 4)?,
            offset_seconds: r.get(5)?,
        };
        Ok(HouseholdVisit {
            visit_id: col_uuid(r, 0)?,
            visit_group: col_uuid(r, 1)?,
            revision: r.get(2)?,
            template_id: r.get(3)?,
            finalized_utc: at.utc,
            date: local_date(&at),
            status: col_status(r, 6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

const VISIT_COLUMNS: &str =
    "id, visit_group, revision, template_id, template_version, household_id,
     worker_id, started_utc, started_offset, finalized_utc, finalized_offset, status, reviewer_id,
     reviewed_at, review_comment, grid_id, answers, flags, door_check_server";

fn visit_from_row(r: &Row<'_>) -> rusqlite::Result<StoredVisit> {
    let review = match (col_opt_uuid(r, 12)?, r.get::<_, Option<String>>(13)?) {
        (Some(reviewer), Some(_)) => Some(Review {
            reviewer,
            at: col_time(r, 13)?,
            comment: r.get::<_, Option<String>>(14)?.unwrap_or_default(),
        }),
        _ => None,
    };
    let door: Option<String> = r.get(18)?;
    Ok(StoredVisit {
        visit: Visit {
            id: col_uuid(r, 0)?,
            visit_group: col_uuid(r, 1)?,
            revision: r.get(2)?,
            template_id: r.get(3)?,
            template_version: r.get(4)?,
            household_id: col_uuid(r, 5)?,
            worker_id: col_uuid(r, 6)?,
            started: DeviceInstant {
                utc: col_time(r, 7)?,
                offset_seconds: r.get(8)?,
            },
            finalized: Some(DeviceInstant {
                utc: col_time(r, 9)?,
                offset_seconds: r.get(10)?,
            }),
            status: col_status(r, 11)?,
            review,
        },
        grid_id: col_uuid(r, 15)?,
        answers: col_json(r, 16)?,
        flags: col_json(r, 17)?,
        server_door_check: door
            .map(|d| serde_json::from_str(&d))
            .transpose()
            .map_err(|e| conversion(18, e))?,
    })
}

fn remembered(tx: &Connection, op_id: Uuid) -> Result<Option<OperationResult>> {
    let mut stmt = tx.prepare_cached("SELECT result FROM op_results WHERE op_id = ?")?;
    let found: Option<String> = stmt
        .query_row([op_id.to_string()], |r| r.get(0))
        .optional()?;
    Ok(found.map(|s| serde_json::from_str(&s)).transpose()?)
}

fn remember(tx: &Connection, user_id: Uuid, result: &OperationResult) -> Result<()> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO op_results (op_id, user_id, result, at) VALUES (?, ?, ?, ?)",
    )?
    .execute(params![
        result.op_id.to_string(),
        user_id.to_string(),
        serde_json::to_string(result)?,
        ts(Utc::now())
    ])?;
    Ok(())
}

fn apply_visit(tx: &Connection, op_id: Uuid, v: &NewVisit) -> Result<OperationOutcome> {
    let s = &v.submission;
    let existing: Option<String> = tx
        .prepare_cached("SELECT flags FROM visits WHERE id = ?")?
        .query_row([s.visit_id.to_string()], |r| r.get(0))
        .optional()?;
    if let Some(flags) = existing {
        // The same revision sent under another op id: it is stored already.
        return Ok(OperationOutcome::Applied {
            flags: serde_json::from_str(&flags)?,
        });
    }
    let taken: Option<String> = tx
        .prepare_cached("SELECT id FROM visits WHERE visit_group = ? AND revision = ?")?
        .query_row(params![s.visit_group.to_string(), s.revision], |r| r.get(0))
        .optional()?;
    if taken.is_some() {
        return Ok(refused(
            "revision_exists",
            "该走访的这一版本已由另一条记录提交",
            "This revision of the visit was already submitted as another record",
        ));
    }
    let mut flags = v.flags.clone();
    if s.revision > 1 {
        let previous: Option<(String, String)> = tx
            .prepare_cached(
                "SELECT status, household_id FROM visits WHERE visit_group = ? AND revision = ?",
            )?
            .query_row(params![s.visit_group.to_string(), s.revision - 1], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        match previous {
            Some((status, _)) if status != VisitStatus::Returned.as_str() => {
                flags.push("revision_not_returned".to_owned());
            }
            Some((_, household)) if household != s.household_id.to_string() => {
                flags.push("revision_other_household".to_owned());
            }
            Some(_) => {}
            None => flags.push("revision_without_previous".to_owned()),
        }
    }
    let outcome = s.door_check.as_ref().map(|d| d.input.outcome);
    if let Some(o) = outcome.filter(|o| o.is_failed_attempt()) {
        let before = failed_attempts_before(tx, v)?;
        if anomalies::flags_household(o, before, local_date(&s.finalized)) {
            flags.push(anomalies::FAILED_ATTEMPTS.to_owned());
        }
    }
    tx.prepare_cached(
        "INSERT INTO visits (id, visit_group, revision, template_id, template_version, household_id,
            grid_id, worker_id, started_utc, started_offset, finalized_utc, finalized_offset, answers,
            door_check_device, door_check_server, photos, flags, status, op_id, received_at,
            door_outcome)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
    )?
    .execute(params![
        s.visit_id.to_string(),
        s.visit_group.to_string(),
        s.revision,
        s.template_id,
        s.template_version,
        s.household_id.to_string(),
        v.grid_id.to_string(),
        v.worker_id.to_string(),
        ts(s.started.utc),
        s.started.offset_seconds,
        ts(s.finalized.utc),
        s.finalized.offset_seconds,
        serde_json::to_string(&s.answers)?,
        s.door_check.as_ref().map(serde_json::to_string).transpose()?,
        v.server_door_check.as_ref().map(serde_json::to_string).transpose()?,
        serde_json::to_string(&s.photos)?,
        serde_json::to_string(&flags)?,
        VisitStatus::Uploaded.as_str(),
        op_id.to_string(),
        ts(Utc::now()),
        outcome.map(anomalies::outcome_code),
    ])?;
    record_derived(tx, v, &flags)?;
    // The household is sent again so devices see its due visits change.
    let seq = next_seq(tx)?;
    tx.prepare_cached("UPDATE households SET seq = ? WHERE id = ?")?
        .execute(params![seq, s.household_id.to_string()])?;
    if let Some(p) = v.proposed_location {
        tx.prepare_cached(
            "UPDATE households SET lat = ?, lon = ?, location_confirmed = 0, version = version + 1
             WHERE id = ? AND lat IS NULL",
        )?
        .execute(params![p.lat, p.lon, s.household_id.to_string()])?;
    }
    Ok(OperationOutcome::Applied { flags })
}

/// The local date of a device instant (the core's one rule, [`doorstep_model::DeviceInstant::local_date`]).
fn local_date(at: &DeviceInstant) -> NaiveDate {
    at.local_date()
}

/// How many earlier visits (by visit, not revision) of the household were
/// failed attempts since it was last met, before this visit was finalized.
fn failed_attempts_before(tx: &Connection, v: &NewVisit) -> Result<u32> {
    let s = &v.submission;
    let [nobody, refused] = anomalies::failed_outcome_codes();
    let n: i64 = tx
        .prepare_cached(
            "SELECT count(DISTINCT visit_group) FROM visits
             WHERE household_id = ?1 AND door_outcome IN (?2, ?3) AND visit_group <> ?4
               AND finalized_utc < ?5
               AND finalized_utc > coalesce((SELECT max(finalized_utc) FROM visits
                    WHERE household_id = ?1 AND door_outcome = ?6 AND finalized_utc <= ?5), '')",
        )?
        .query_row(
            params![
                s.household_id.to_string(),
                nobody,
                refused,
                s.visit_group.to_string(),
                ts(s.finalized.utc),
                anomalies::outcome_code(DoorOutcome::Met),
            ],
            |r| r.get(0),
        )?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Writes what the console reads instead of every visit's JSON: the visit's
/// flags, the households its photos appear in, the household's latest visit
/// of the template (see schema version 4).
fn record_derived(tx: &Connection, v: &NewVisit, flags: &[String]) -> Result<()> {
    let s = &v.submission;
    let id = s.visit_id.to_string();
    let grid = v.grid_id.to_string();
    let household = s.household_id.to_string();
    // The revision before this one is no longer a follow-up waiting.
    tx.prepare_cached(
        "UPDATE visits SET superseded = 1 WHERE visit_group = ?1 AND revision = ?2 - 1",
    )?
    .execute(params![s.visit_group.to_string(), s.revision])?;
    let mut flag = tx.prepare_cached(
        "INSERT OR IGNORE INTO visit_flags (visit_id, grid_id, code) VALUES (?, ?, ?)",
    )?;
    for f in flags {
        flag.execute(params![id, grid, f])?;
    }
    let mut photo = tx.prepare_cached(
        "INSERT OR IGNORE INTO photo_households (sha256, household_id, grid_id) VALUES (?, ?, ?)",
    )?;
    let mut reused = tx.prepare_cached(
        "INSERT OR IGNORE INTO reused_photos (sha256)
         SELECT ?1 WHERE (SELECT count(*) FROM photo_households WHERE sha256 = ?1) > 1",
    )?;
    for p in &s.photos {
        if photo.execute(params![p.sha256, household, grid])? > 0 {
            reused.execute([&p.sha256])?;
        }
    }
    tx.prepare_cached(
        "INSERT INTO household_last_visits (household_id, template_id, finalized_utc, finalized_offset)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (household_id, template_id) DO UPDATE
         SET finalized_utc = excluded.finalized_utc, finalized_offset = excluded.finalized_offset
         WHERE excluded.finalized_utc > household_last_visits.finalized_utc",
    )?
    .execute(params![
        household,
        s.template_id,
        ts(s.finalized.utc),
        s.finalized.offset_seconds
    ])?;
    Ok(())
}

fn apply_edit(
    tx: &Connection,
    user_id: Uuid,
    op_id: Uuid,
    household_id: Uuid,
    base_version: i64,
    changes: &[FieldChange],
) -> Result<OperationOutcome> {
    let sql = format!("SELECT {HOUSEHOLD_COLUMNS} FROM households WHERE id = ?");
    let row = tx
        .prepare_cached(&sql)?
        .query_row([household_id.to_string()], household_from_row)
        .optional()?;
    let Some((current, _)) = row else {
        return Ok(refused(
            "unknown_household",
            "服务器上没有该住户",
            "The server has no such household",
        ));
    };
    let changed_at: HashMap<String, i64> = tx
        .prepare_cached("SELECT field, version FROM household_fields WHERE household_id = ?")?
        .query_map([household_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let plan = match merge::plan(&current, base_version, changes, |f| {
        changed_at.get(f).copied().unwrap_or(0)
    }) {
        Ok(plan) => plan,
        Err(e) => return Ok(e.refusal()),
    };
    let now = ts(Utc::now());
    for c in &plan.conflicts {
        tx.prepare_cached(
            "INSERT INTO household_conflicts (household_id, field, base_version, server_version,
                server_value, device_value, user_id, op_id, at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )?
        .execute(params![
            household_id.to_string(),
            c.field,
            base_version,
            c.server_version,
            c.server_value,
            c.device_value,
            user_id.to_string(),
            op_id.to_string(),
            now
        ])?;
    }
    let mut new_version = current.version;
    if !plan.apply.is_empty() || !plan.conflicts.is_empty() {
        // A conflict too sends the household again, so the device learns the kept value.
        let seq = next_seq(tx)?;
        if !plan.apply.is_empty() {
            new_version += 1;
        }
        tx.prepare_cached("UPDATE households SET version = ?, seq = ? WHERE id = ?")?
            .execute(params![new_version, seq, household_id.to_string()])?;
        for (field, value) in &plan.apply {
            // `field` is one of EDITABLE_FIELDS, so it is a column name.
            tx.execute(
                &format!("UPDATE households SET {field} = ? WHERE id = ?"),
                params![value, household_id.to_string()],
            )?;
            tx.prepare_cached(
                "INSERT INTO household_fields (household_id, field, version) VALUES (?, ?, ?)
                 ON CONFLICT (household_id, field) DO UPDATE SET version = excluded.version",
            )?
            .execute(params![household_id.to_string(), field, new_version])?;
        }
    }
    Ok(OperationOutcome::Merged {
        new_version,
        conflicts: plan.conflicts.iter().map(|c| c.field.to_owned()).collect(),
    })
}

fn write_household(tx: &Connection, h: &HouseholdRecord) -> Result<()> {
    let seq = next_seq(tx)?;
    tx.prepare_cached(
        "INSERT INTO households (id, code, grid_id, estate, building, unit, door, lat, lon,
            location_confirmed, residence_type, landlord_name, landlord_phone, notes, version, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT (id) DO UPDATE SET code = ?2, grid_id = ?3, estate = ?4, building = ?5, unit = ?6,
            door = ?7, lat = ?8, lon = ?9, location_confirmed = ?10, residence_type = ?11,
            landlord_name = ?12, landlord_phone = ?13, notes = ?14, version = ?15, seq = ?16",
    )?
    .execute(params![
        h.id.to_string(),
        h.code,
        h.grid_id.to_string(),
        h.estate,
        h.building,
        h.unit,
        h.door,
        h.lat,
        h.lon,
        h.location_confirmed,
        h.residence_type,
        h.landlord_name,
        h.landlord_phone,
        h.notes,
        h.version,
        seq
    ])?;
    tx.prepare_cached("DELETE FROM residents WHERE household_id = ?")?
        .execute([h.id.to_string()])?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO residents (id, household_id, position, name, id_number, phone, relation, tags)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )?;
    for (i, r) in h.residents.iter().enumerate() {
        insert.execute(params![
            r.id.to_string(),
            h.id.to_string(),
            i as i64,
            r.name,
            r.id_number,
            r.phone,
            r.relation,
            serde_json::to_string(&r.tags)?
        ])?;
    }
    Ok(())
}

fn audit_insert(tx: &Connection, e: &AuditEntry) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO audit_log (at, actor_id, actor_username, action, target, detail, remote_addr)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )?
    .execute(params![
        ts(e.at),
        e.actor_id.to_string(),
        e.actor_username,
        e.action,
        e.target,
        serde_json::to_string(&e.detail)?,
        e.remote_addr
    ])?;
    Ok(())
}

#[async_trait]
impl Storage for SqliteStorage {
    async fn add_subdistrict(&self, s: &Subdistrict) -> Result<()> {
        let (id, name) = (s.id.to_string(), s.name.clone());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO subdistricts (id, name) VALUES (?, ?)",
                params![id, name],
            )?;
            Ok(())
        })
        .await
    }

    async fn add_community(&self, c: &Community) -> Result<()> {
        let c = c.clone();
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO communities (id, subdistrict_id, name) VALUES (?, ?, ?)",
                params![c.id.to_string(), c.subdistrict_id.to_string(), c.name],
            )?;
            Ok(())
        })
        .await
    }

    async fn add_grid(&self, g: &Grid) -> Result<()> {
        let g = g.clone();
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO grids (id, community_id, code, name) VALUES (?, ?, ?, ?)",
                params![g.id.to_string(), g.community_id.to_string(), g.code, g.name],
            )?;
            Ok(())
        })
        .await
    }

    async fn create_user(&self, user: &NewUser) -> Result<Uuid> {
        let user = user.clone();
        self.write(move |tx| {
            let taken: Option<String> = tx
                .query_row("SELECT id FROM users WHERE username = ?", [&user.username], |r| r.get(0))
                .optional()?;
            if taken.is_some() {
                return Err(StorageError::Duplicate("username"));
            }
            let id = Uuid::new_v4();
            tx.execute(
                "INSERT INTO users (id, username, display_name, role, password_hash, community_id, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
                params![
                    id.to_string(),
                    user.username,
                    user.display_name,
                    user.role.as_str(),
                    user.password_hash,
                    user.community_id.map(|c| c.to_string()),
                    ts(Utc::now())
                ],
            )?;
            for g in &user.grid_ids {
                tx.execute(
                    "INSERT INTO user_grids (user_id, grid_id) VALUES (?, ?)",
                    params![id.to_string(), g.to_string()],
                )?;
            }
            Ok(id)
        })
        .await
    }

    async fn set_user_grids(&self, user_id: Uuid, grid_ids: &[Uuid]) -> Result<()> {
        let grids = grid_ids.to_vec();
        self.write(move |tx| {
            let uid = user_id.to_string();
            let held: Vec<Uuid> = tx
                .prepare("SELECT grid_id FROM user_grids WHERE user_id = ?")?
                .query_map([&uid], |r| col_uuid(r, 0))?
                .collect::<rusqlite::Result<_>>()?;
            let now = ts(Utc::now());
            for g in held.iter().filter(|g| !grids.contains(g)) {
                tx.execute(
                    "INSERT INTO grid_releases (user_id, grid_id, released_at) VALUES (?, ?, ?)
                     ON CONFLICT (user_id, grid_id)
                     DO UPDATE SET released_at = excluded.released_at, noticed_at = NULL",
                    params![uid, g.to_string(), now],
                )?;
            }
            tx.execute("DELETE FROM user_grids WHERE user_id = ?", [&uid])?;
            for g in grids {
                tx.execute(
                    "INSERT INTO user_grids (user_id, grid_id) VALUES (?, ?)",
                    params![uid, g.to_string()],
                )?;
                tx.execute(
                    "DELETE FROM grid_releases WHERE user_id = ? AND grid_id = ?",
                    params![uid, g.to_string()],
                )?;
            }
            Ok(())
        })
        .await
    }

    async fn grid_releases(&self, user_id: Uuid) -> Result<HashMap<Uuid, GridRelease>> {
        self.read(move |conn| {
            conn.prepare(
                "SELECT grid_id, released_at, noticed_at FROM grid_releases WHERE user_id = ?",
            )?
            .query_map([user_id.to_string()], |r| {
                Ok((
                    col_uuid(r, 0)?,
                    GridRelease {
                        released_at: col_time(r, 1)?,
                        noticed_at: col_opt_time(r, 2)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<_>>()
            .map_err(Into::into)
        })
        .await
    }

    async fn note_grids_sent(&self, user_id: Uuid, at: DateTime<Utc>) -> Result<()> {
        self.write(move |tx| {
            tx.execute(
                "UPDATE grid_releases SET noticed_at = ? WHERE user_id = ? AND noticed_at IS NULL",
                params![ts(at), user_id.to_string()],
            )?;
            Ok(())
        })
        .await
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>> {
        let username = username.to_owned();
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT id, username, display_name, role, password_hash, community_id, disabled
                     FROM users WHERE username = ?",
                    [username],
                    |r| {
                        Ok(UserRecord {
                            id: col_uuid(r, 0)?,
                            username: r.get(1)?,
                            display_name: r.get(2)?,
                            role: col_role(r, 3)?,
                            password_hash: r.get(4)?,
                            community_id: col_opt_uuid(r, 5)?,
                            disabled: r.get(6)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    async fn grids_of(&self, user_id: Uuid) -> Result<Vec<GridInfo>> {
        self.read(move |conn| {
            let user: Option<(Role, Option<Uuid>)> = conn
                .query_row(
                    "SELECT role, community_id FROM users WHERE id = ?",
                    [user_id.to_string()],
                    |r| Ok((col_role(r, 0)?, col_opt_uuid(r, 1)?)),
                )
                .optional()?;
            match user {
                Some((role, community)) => grids_for(conn, user_id, role, community),
                None => Ok(Vec::new()),
            }
        })
        .await
    }

    async fn insert_token(&self, token: &NewToken) -> Result<()> {
        let t = token.clone();
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO tokens (hash, user_id, device_name, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                params![
                    &t.hash[..],
                    t.user_id.to_string(),
                    t.device_name,
                    ts(t.created_at),
                    ts(t.expires_at)
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn token_state(&self, hash: &[u8; 32], now: DateTime<Utc>) -> Result<TokenState> {
        let hash = *hash;
        self.read(move |conn| {
            let row = conn
                .prepare_cached(
                    "SELECT t.user_id, t.expires_at, t.revoked_at IS NOT NULL, u.username, u.display_name,
                        u.role, u.community_id, u.disabled
                     FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?",
                )?
                .query_row([&hash[..]], |r| {
                    Ok((
                        col_uuid(r, 0)?,
                        col_time(r, 1)?,
                        r.get::<_, bool>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        col_role(r, 5)?,
                        col_opt_uuid(r, 6)?,
                        r.get::<_, bool>(7)?,
                    ))
                })
                .optional()?;
            let Some((user_id, expires_at, revoked, username, display_name, role, community, disabled)) = row
            else {
                return Ok(TokenState::Unknown);
            };
            if disabled {
                return Ok(TokenState::Unknown);
            }
            if revoked {
                return Ok(TokenState::Revoked);
            }
            if expires_at <= now {
                return Ok(TokenState::Expired);
            }
            let grid_ids = grids_for(conn, user_id, role, community)?
                .into_iter()
                .map(|g| g.id)
                .collect();
            Ok(TokenState::Valid(Session {
                user_id,
                username,
                display_name,
                role,
                grid_ids,
            }))
        })
        .await
    }

    async fn revoke_token(&self, hash: &[u8; 32], at: DateTime<Utc>) -> Result<bool> {
        let hash = *hash;
        self.write(move |tx| {
            let n = tx.execute(
                "UPDATE tokens SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL",
                params![ts(at), &hash[..]],
            )?;
            Ok(n > 0)
        })
        .await
    }

    async fn revoke_user_tokens(&self, user_id: Uuid, at: DateTime<Utc>) -> Result<usize> {
        self.write(move |tx| {
            Ok(tx.execute(
                "UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                params![ts(at), user_id.to_string()],
            )?)
        })
        .await
    }

    async fn upsert_household(&self, h: &HouseholdRecord) -> Result<()> {
        let h = h.clone();
        self.write(move |tx| write_household(tx, &h)).await
    }

    async fn household_places(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, HouseholdPlace>> {
        let ids = ids.to_vec();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT grid_id, version, lat, lon, location_confirmed FROM households WHERE id = ?",
            )?;
            let mut out = HashMap::new();
            for id in ids {
                let place = stmt
                    .query_row([id.to_string()], |r| {
                        let lat: Option<f64> = r.get(2)?;
                        let lon: Option<f64> = r.get(3)?;
                        let confirmed: bool = r.get(4)?;
                        Ok(HouseholdPlace {
                            grid_id: col_uuid(r, 0)?,
                            version: r.get(1)?,
                            location: lat.zip(lon).map(|(lat, lon)| (LatLon { lat, lon }, confirmed)),
                        })
                    })
                    .optional()?;
                if let Some(place) = place {
                    out.insert(id, place);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn household(&self, id: Uuid) -> Result<Option<HouseholdRecord>> {
        self.read(move |conn| {
            let sql = format!("SELECT {HOUSEHOLD_COLUMNS} FROM households WHERE id = ?");
            let row = conn
                .query_row(&sql, [id.to_string()], household_from_row)
                .optional()?;
            let Some((mut h, _)) = row else {
                return Ok(None);
            };
            h.residents = residents_of(conn, id)?;
            Ok(Some(h))
        })
        .await
    }

    async fn household_conflicts(&self, id: Uuid) -> Result<Vec<HouseholdConflict>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT household_id, field, base_version, server_version, server_value, device_value,
                    user_id, op_id
                 FROM household_conflicts WHERE household_id = ? ORDER BY id",
            )?;
            let rows = stmt.query_map([id.to_string()], |r| {
                Ok(HouseholdConflict {
                    household_id: col_uuid(r, 0)?,
                    field: r.get(1)?,
                    base_version: r.get(2)?,
                    server_version: r.get(3)?,
                    server_value: r.get(4)?,
                    device_value: r.get(5)?,
                    user_id: col_uuid(r, 6)?,
                    op_id: col_uuid(r, 7)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn publish_template(&self, t: &TemplateRecord) -> Result<bool> {
        let t = t.clone();
        self.write(move |tx| {
            let exists: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM templates WHERE template_id = ? AND version = ?",
                    params![t.template_id, t.version],
                    |r| r.get(0),
                )
                .optional()?;
            if exists.is_some() {
                return Ok(false);
            }
            let seq = next_seq(tx)?;
            tx.execute(
                "INSERT INTO templates (template_id, version, definition, seq) VALUES (?, ?, ?, ?)",
                params![
                    t.template_id,
                    t.version,
                    serde_json::to_string(&t.definition)?,
                    seq
                ],
            )?;
            Ok(true)
        })
        .await
    }

    async fn templates(&self) -> Result<Vec<TemplateRecord>> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare("SELECT template_id, version, definition FROM templates ORDER BY template_id, version")?;
            let rows = stmt.query_map([], |r| {
                Ok(TemplateRecord {
                    template_id: r.get(0)?,
                    version: r.get(1)?,
                    definition: col_json(r, 2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn record_blob(&self, sha256: &str, bytes: u64, by: Uuid) -> Result<()> {
        let sha = sha256.to_owned();
        self.write(move |tx| {
            tx.execute(
                "INSERT OR IGNORE INTO blobs (sha256, bytes, uploaded_by, received_at) VALUES (?, ?, ?, ?)",
                params![sha, bytes as i64, by.to_string(), ts(Utc::now())],
            )?;
            Ok(())
        })
        .await
    }

    async fn blob_size(&self, sha256: &str) -> Result<Option<u64>> {
        let sha = sha256.to_owned();
        self.read(move |conn| {
            let n: Option<i64> = conn
                .prepare_cached("SELECT bytes FROM blobs WHERE sha256 = ?")?
                .query_row([sha], |r| r.get(0))
                .optional()?;
            Ok(n.map(|n| n.max(0) as u64))
        })
        .await
    }

    async fn missing_blobs(&self, sha256s: &[String]) -> Result<HashSet<String>> {
        let shas = sha256s.to_vec();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached("SELECT 1 FROM blobs WHERE sha256 = ?")?;
            let mut missing = HashSet::new();
            for sha in shas {
                if !stmt.exists([&sha])? {
                    missing.insert(sha);
                }
            }
            Ok(missing)
        })
        .await
    }

    async fn op_results(&self, op_ids: &[Uuid]) -> Result<HashMap<Uuid, OperationResult>> {
        let ids = op_ids.to_vec();
        self.read(move |conn| {
            let mut out = HashMap::new();
            for id in ids {
                if let Some(r) = remembered(conn, id)? {
                    out.insert(id, r);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn apply_ops(&self, user_id: Uuid, ops: Vec<PreparedOp>) -> Result<Vec<OperationResult>> {
        self.write(move |tx| {
            let mut results = Vec::with_capacity(ops.len());
            for op in ops {
                let op_id = match &op {
                    PreparedOp::Visit { op_id, .. }
                    | PreparedOp::EditHousehold { op_id, .. }
                    | PreparedOp::Refuse { op_id, .. } => *op_id,
                };
                if let Some(first) = remembered(tx, op_id)? {
                    results.push(first);
                    continue;
                }
                let (outcome, keep) = match op {
                    PreparedOp::Visit { op_id, visit } => (apply_visit(tx, op_id, &visit)?, true),
                    PreparedOp::EditHousehold {
                        op_id,
                        household_id,
                        base_version,
                        changes,
                    } => (
                        apply_edit(tx, user_id, op_id, household_id, base_version, &changes)?,
                        true,
                    ),
                    PreparedOp::Refuse {
                        error, remember, ..
                    } => (OperationOutcome::Refused { error }, remember),
                };
                let result = stored_result(op_id, outcome);
                if keep {
                    remember(tx, user_id, &result)?;
                }
                results.push(result);
            }
            Ok(results)
        })
        .await
    }

    async fn visit(&self, visit_id: Uuid) -> Result<Option<StoredVisit>> {
        self.read(move |conn| {
            let sql = format!("SELECT {VISIT_COLUMNS} FROM visits WHERE id = ?");
            Ok(conn
                .query_row(&sql, [visit_id.to_string()], visit_from_row)
                .optional()?)
        })
        .await
    }

    async fn visit_revisions(&self, visit_group: Uuid) -> Result<Vec<StoredVisit>> {
        self.read(move |conn| {
            let sql = format!(
                "SELECT {VISIT_COLUMNS} FROM visits WHERE visit_group = ? ORDER BY revision"
            );
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map([visit_group.to_string()], visit_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn visit_count(&self) -> Result<u64> {
        self.read(|conn| {
            let n: i64 = conn.query_row("SELECT COUNT(*) FROM visits", [], |r| r.get(0))?;
            Ok(n.max(0) as u64)
        })
        .await
    }

    async fn pull(
        &self,
        user_id: Uuid,
        grid_ids: &[Uuid],
        after: i64,
        limit: usize,
    ) -> Result<PullPage> {
        let grids =
            serde_json::to_string(&grid_ids.iter().map(Uuid::to_string).collect::<Vec<_>>())?;
        let limit = limit.max(1);
        self.read(move |conn| {
            let fetch = (limit + 1) as i64;
            let sql = format!(
                "SELECT {HOUSEHOLD_COLUMNS} FROM households
                 WHERE seq > ?1 AND grid_id IN (SELECT value FROM json_each(?2))
                 ORDER BY seq LIMIT ?3"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let households = stmt
                .query_map(params![after, grids, fetch], household_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut stmt = conn.prepare_cached(
                "SELECT template_id, version, definition, seq FROM templates WHERE seq > ? ORDER BY seq LIMIT ?",
            )?;
            let templates = stmt
                .query_map(params![after, fetch], |r| {
                    Ok((
                        TemplateRecord {
                            template_id: r.get(0)?,
                            version: r.get(1)?,
                            definition: col_json(r, 2)?,
                        },
                        r.get::<_, i64>(3)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut stmt = conn.prepare_cached(
                "SELECT r.visit_id, v.visit_group, v.revision, r.status, r.comment, r.reviewer_name,
                    r.decided_at, r.seq
                 FROM reviews r JOIN visits v ON v.id = r.visit_id
                 WHERE r.worker_id = ? AND r.seq > ? ORDER BY r.seq LIMIT ?",
            )?;
            let reviews = stmt
                .query_map(params![user_id.to_string(), after, fetch], |r| {
                    Ok((
                        ReviewDecision {
                            visit_id: col_uuid(r, 0)?,
                            visit_group: col_uuid(r, 1)?,
                            revision: r.get(2)?,
                            status: col_status(r, 3)?,
                            comment: r.get(4)?,
                            reviewer: r.get(5)?,
                            decided_at: col_time(r, 6)?,
                        },
                        r.get::<_, i64>(7)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;

            // Merge the three by sequence number and keep the first `limit`.
            let mut seqs: Vec<i64> = households
                .iter()
                .map(|(_, s)| *s)
                .chain(templates.iter().map(|(_, s)| *s))
                .chain(reviews.iter().map(|(_, s)| *s))
                .collect();
            seqs.sort_unstable();
            let more = seqs.len() > limit;
            let last_seq = if more { seqs[limit - 1] } else { seqs.last().copied().unwrap_or(after) };
            let mut page = PullPage {
                last_seq,
                more,
                ..PullPage::default()
            };
            for (mut h, seq) in households {
                if seq > last_seq {
                    continue;
                }
                h.residents = residents_of(conn, h.id)?;
                let visits = household_visits(conn, h.id)?;
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
        })
        .await
    }

    async fn record_review(
        &self,
        review: &NewReview,
        audit: &AuditEntry,
    ) -> Result<Option<ReviewDecision>> {
        let review = review.clone();
        let audit = audit.clone();
        self.write(move |tx| {
            let n = tx.execute(
                "UPDATE visits SET status = ?, reviewer_id = ?, reviewed_at = ?, review_comment = ?
                 WHERE id = ? AND status = ?",
                params![
                    review.status.as_str(),
                    review.reviewer_id.to_string(),
                    ts(review.decided_at),
                    review.comment,
                    review.visit_id.to_string(),
                    review.expected.as_str()
                ],
            )?;
            if n == 0 {
                return Ok(None);
            }
            let (group, revision, worker): (Uuid, u32, String) = tx.query_row(
                "SELECT visit_group, revision, worker_id FROM visits WHERE id = ?",
                [review.visit_id.to_string()],
                |r| Ok((col_uuid(r, 0)?, r.get(1)?, r.get(2)?)),
            )?;
            let seq = next_seq(tx)?;
            tx.execute(
                "INSERT INTO reviews (seq, visit_id, worker_id, status, comment, reviewer_id, reviewer_name, decided_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                params![
                    seq,
                    review.visit_id.to_string(),
                    worker,
                    review.status.as_str(),
                    review.comment,
                    review.reviewer_id.to_string(),
                    review.reviewer_name,
                    ts(review.decided_at)
                ],
            )?;
            // The household is sent again: its past visits show the decision.
            let household_seq = next_seq(tx)?;
            tx.execute(
                "UPDATE households SET seq = ?
                 WHERE id = (SELECT household_id FROM visits WHERE id = ?)",
                params![household_seq, review.visit_id.to_string()],
            )?;
            audit_insert(tx, &audit)?;
            Ok(Some(ReviewDecision {
                visit_id: review.visit_id,
                visit_group: group,
                revision,
                status: review.status,
                comment: review.comment,
                reviewer: review.reviewer_name,
                decided_at: review.decided_at,
            }))
        })
        .await
    }

    async fn audit(&self, entry: &AuditEntry) -> Result<()> {
        let entry = entry.clone();
        self.write(move |tx| audit_insert(tx, &entry)).await
    }

    async fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT at, actor_id, actor_username, action, target, detail, remote_addr
                 FROM audit_log ORDER BY id DESC LIMIT ?",
            )?;
            let rows = stmt.query_map([limit as i64], |r| {
                Ok(AuditEntry {
                    at: col_time(r, 0)?,
                    actor_id: col_uuid(r, 1)?,
                    actor_username: r.get(2)?,
                    action: r.get(3)?,
                    target: r.get(4)?,
                    detail: col_json(r, 5)?,
                    remote_addr: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn audit_page(
        &self,
        filter: &super::AuditFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<AuditEntry>, u64)> {
        let f = filter.clone();
        self.read(move |conn| {
            let mut clause = String::from("true");
            let mut params: Vec<rusqlite::types::Value> = Vec::new();
            let mut add = |sql: &str, v: String| {
                clause.push_str(sql);
                params.push(rusqlite::types::Value::Text(v));
            };
            if let Some(a) = &f.actor {
                add(" AND actor_username = ?", a.clone());
            }
            if let Some(a) = &f.action {
                add(" AND action = ?", a.clone());
            }
            if let Some(t) = f.from {
                add(" AND at >= ?", ts(t));
            }
            if let Some(t) = f.until {
                add(" AND at < ?", ts(t));
            }
            let total: i64 = conn.query_row(
                &format!("SELECT count(*) FROM audit_log WHERE {clause}"),
                rusqlite::params_from_iter(params.iter()),
                |r| r.get(0),
            )?;
            params.push(rusqlite::types::Value::Integer(
                i64::try_from(limit).unwrap_or(i64::MAX),
            ));
            params.push(rusqlite::types::Value::Integer(
                i64::try_from(offset).unwrap_or(i64::MAX),
            ));
            let mut stmt = conn.prepare(&format!(
                "SELECT at, actor_id, actor_username, action, target, detail, remote_addr
                 FROM audit_log WHERE {clause} ORDER BY id DESC LIMIT ? OFFSET ?"
            ))?;
            let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| {
                Ok(AuditEntry {
                    at: col_time(r, 0)?,
                    actor_id: col_uuid(r, 1)?,
                    actor_username: r.get(2)?,
                    action: r.get(3)?,
                    target: r.get(4)?,
                    detail: col_json(r, 5)?,
                    remote_addr: r.get(6)?,
                })
            })?;
            Ok((
                rows.collect::<rusqlite::Result<Vec<_>>>()?,
                u64::try_from(total).unwrap_or(0),
            ))
        })
        .await
    }

    async fn insert_console_session(&self, s: &super::NewConsoleSession) -> Result<()> {
        let s = s.clone();
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO console_sessions (hash, user_id, csrf, created_at, expires_at, last_seen, remote_addr)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
                params![
                    &s.hash[..],
                    s.user_id.to_string(),
                    s.csrf,
                    ts(s.created_at),
                    ts(s.expires_at),
                    ts(s.created_at),
                    s.remote_addr
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn console_session(
        &self,
        hash: &[u8; 32],
        now: DateTime<Utc>,
        idle: chrono::Duration,
    ) -> Result<Option<super::ConsoleSession>> {
        let hash = *hash;
        self.write(move |tx| {
            let row = tx
                .prepare_cached(
                    "SELECT s.user_id, s.csrf, u.username, u.display_name, u.role, u.community_id
                     FROM console_sessions s JOIN users u ON u.id = s.user_id
                     WHERE s.hash = ? AND s.ended_at IS NULL AND s.expires_at > ?
                       AND s.last_seen > ? AND u.disabled = 0",
                )?
                .query_row(params![&hash[..], ts(now), ts(now - idle)], |r| {
                    Ok((
                        col_uuid(r, 0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        col_role(r, 4)?,
                        col_opt_uuid(r, 5)?,
                    ))
                })
                .optional()?;
            let Some((user_id, csrf, username, display_name, role, community)) = row else {
                return Ok(None);
            };
            tx.execute(
                "UPDATE console_sessions SET last_seen = ? WHERE hash = ?",
                params![ts(now), &hash[..]],
            )?;
            let grid_ids = grids_for(tx, user_id, role, community)?
                .into_iter()
                .map(|g| g.id)
                .collect();
            Ok(Some(super::ConsoleSession {
                session: Session {
                    user_id,
                    username,
                    display_name,
                    role,
                    grid_ids,
                },
                csrf,
            }))
        })
        .await
    }

    async fn end_console_session(&self, hash: &[u8; 32], at: DateTime<Utc>) -> Result<bool> {
        let hash = *hash;
        self.write(move |tx| {
            let n = tx.execute(
                "UPDATE console_sessions SET ended_at = ? WHERE hash = ? AND ended_at IS NULL",
                params![ts(at), &hash[..]],
            )?;
            Ok(n > 0)
        })
        .await
    }

    async fn review_queue(
        &self,
        filter: &super::QueueFilter,
        offset: u64,
        limit: u64,
    ) -> Result<super::QueuePage> {
        let filter = filter.clone();
        self.read(move |conn| super::console_queries::review_queue(conn, &filter, offset, limit))
            .await
    }

    async fn visit_evidence(&self, visit_id: Uuid) -> Result<Option<super::VisitEvidence>> {
        self.read(move |conn| super::console_queries::visit_evidence(conn, visit_id))
            .await
    }

    async fn workers_of(&self, grid_ids: &[Uuid]) -> Result<Vec<(Uuid, String)>> {
        let grid_ids = grid_ids.to_vec();
        self.read(move |conn| super::console_queries::workers_of(conn, &grid_ids))
            .await
    }

    async fn visit_stats(
        &self,
        grid_ids: &[Uuid],
        today: DateTime<Utc>,
        week: DateTime<Utc>,
    ) -> Result<super::VisitStats> {
        let grid_ids = grid_ids.to_vec();
        self.read(move |conn| super::console_queries::visit_stats(conn, &grid_ids, today, week))
            .await
    }

    async fn users(&self) -> Result<Vec<super::UserSummary>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT u.id, u.username, u.display_name, u.role, u.community_id, c.name, u.disabled
                 FROM users u LEFT JOIN communities c ON c.id = u.community_id
                 ORDER BY u.username",
            )?;
            let mut users = stmt
                .query_map([], |r| {
                    let community = match col_opt_uuid(r, 4)? {
                        Some(id) => Some((id, r.get::<_, Option<String>>(5)?.unwrap_or_default())),
                        None => None,
                    };
                    Ok(super::UserSummary {
                        id: col_uuid(r, 0)?,
                        username: r.get(1)?,
                        display_name: r.get(2)?,
                        role: col_role(r, 3)?,
                        community,
                        grid_ids: Vec::new(),
                        disabled: r.get(6)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut stmt = conn.prepare(
                "SELECT ug.user_id, ug.grid_id FROM user_grids ug JOIN grids g ON g.id = ug.grid_id
                 ORDER BY g.code",
            )?;
            let pairs = stmt
                .query_map([], |r| Ok((col_uuid(r, 0)?, col_uuid(r, 1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            for (user, grid) in pairs {
                if let Some(u) = users.iter_mut().find(|u| u.id == user) {
                    u.grid_ids.push(grid);
                }
            }
            Ok(users)
        })
        .await
    }

    async fn grid_tree(&self) -> Result<Vec<super::GridNode>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT s.id, s.name, c.id, c.name, g.id, g.code, g.name,
                    (SELECT count(*) FROM households h WHERE h.grid_id = g.id)
                 FROM grids g JOIN communities c ON c.id = g.community_id
                 JOIN subdistricts s ON s.id = c.subdistrict_id
                 ORDER BY s.name, c.name, g.code",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(super::GridNode {
                    subdistrict_id: col_uuid(r, 0)?,
                    subdistrict: r.get(1)?,
                    community_id: col_uuid(r, 2)?,
                    community: r.get(3)?,
                    id: col_uuid(r, 4)?,
                    code: r.get(5)?,
                    name: r.get(6)?,
                    households: r.get::<_, i64>(7)?.max(0) as u64,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn ledger_mapping(&self, signature: &str) -> Result<Option<String>> {
        let signature = signature.to_owned();
        self.read(move |conn| ledger::sqlite_mapping(conn, &signature))
            .await
    }

    async fn estate_grids(&self) -> Result<HashMap<String, Uuid>> {
        self.read(ledger::sqlite_estate_grids).await
    }

    async fn remember_ledger(&self, memory: &super::LedgerMemory, at: DateTime<Utc>) -> Result<()> {
        let memory = memory.clone();
        self.write(move |tx| ledger::sqlite_remember(tx, &memory, &ts(at)))
            .await
    }

    async fn import_households(
        &self,
        batch: &[HouseholdRecord],
        audit: &AuditEntry,
    ) -> Result<ImportOutcome> {
        let (mut batch, audit) = (batch.to_vec(), audit.clone());
        // The single writer's immediate transaction: nothing else writes
        // between the check and the inserts.
        self.write(move |tx| {
            let found = ledger::sqlite_registered(tx, &batch)?;
            if !found.is_empty() {
                return Ok(ImportOutcome::AlreadyRegistered(found));
            }
            let taken = ledger::sqlite_taken(tx, &batch)?;
            let codes = ledger::number(&mut batch, taken)?;
            for h in &batch {
                write_household(tx, h)?;
            }
            audit_insert(tx, &audit)?;
            Ok(ImportOutcome::Imported { codes })
        })
        .await
    }

    async fn coverage_households(
        &self,
        grid_ids: &[Uuid],
    ) -> Result<Vec<super::CoverageHousehold>> {
        let grid_ids = grid_ids.to_vec();
        self.read(move |conn| super::console_queries::coverage_households(conn, &grid_ids))
            .await
    }

    async fn setting(&self, name: &str) -> Result<Option<String>> {
        let name = name.to_owned();
        self.read(move |conn| {
            Ok(conn
                .prepare_cached("SELECT value FROM settings WHERE name = ?")?
                .query_row([name], |r| r.get(0))
                .optional()?)
        })
        .await
    }

    async fn set_setting(&self, name: &str, value: &str, audit: &AuditEntry) -> Result<()> {
        let (name, value, audit) = (name.to_owned(), value.to_owned(), audit.clone());
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO settings (name, value) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![name, value])?;
            audit_insert(tx, &audit)
        })
        .await
    }

    async fn settle_location(
        &self,
        household_id: Uuid,
        proposed: LatLon,
        accept: bool,
        audit: &AuditEntry,
    ) -> Result<bool> {
        let audit = audit.clone();
        self.write(move |tx| {
            let id = household_id.to_string();
            let pending: i64 = tx
                .prepare_cached(
                    "SELECT count(*) FROM households
                     WHERE id = ?1 AND lat = ?2 AND lon = ?3 AND location_confirmed = 0",
                )?
                .query_row(params![id, proposed.lat, proposed.lon], |r| r.get(0))?;
            if pending == 0 {
                return Ok(false);
            }
            let seq = next_seq(tx)?;
            let sql = if accept {
                "UPDATE households SET location_confirmed = 1, version = version + 1, seq = ?1
                 WHERE id = ?2"
            } else {
                "UPDATE households SET lat = NULL, lon = NULL, version = version + 1, seq = ?1
                 WHERE id = ?2"
            };
            tx.prepare_cached(sql)?.execute(params![seq, id])?;
            audit_insert(tx, &audit)?;
            Ok(true)
        })
        .await
    }

    async fn open_returns(&self, grid_ids: &[Uuid]) -> Result<Vec<(Uuid, u64)>> {
        let grid_ids = grid_ids.to_vec();
        self.read(move |conn| super::console_queries::open_returns(conn, &grid_ids))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_database_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("doorstep.db");
        {
            let conn = Connection::open(&path).expect("create");
            conn.execute_batch("CREATE TABLE from_the_future (x); PRAGMA user_version = 99;")
                .expect("write");
        }
        let before = std::fs::read(&path).expect("read");
        match SqliteStorage::open(&path) {
            Err(StorageError::NewerSchema { found, supported }) => {
                assert_eq!((found, supported), (99, schema::VERSION));
            }
            Err(other) => panic!("wrong error: {other}"),
            Ok(_) => panic!("a newer database was opened"),
        }
        assert_eq!(
            std::fs::read(&path).expect("read"),
            before,
            "the file is untouched"
        );
    }

    #[test]
    fn a_database_reopens_at_its_version_with_its_data() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("doorstep.db");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let db = SqliteStorage::open(&path).expect("create");
            let s = Subdistrict {
                id: Uuid::new_v4(),
                name: "春熙路街道".into(),
            };
            db.add_subdistrict(&s).await.expect("write");
            drop(db);
            let db = SqliteStorage::open(&path).expect("reopen");
            let n: i64 = db
                .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM subdistricts", [], |r| r.get(0))?))
                .await
                .expect("read");
            assert_eq!(n, 1);
            let version: i64 = db
                .read(|c| Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0))?))
                .await
                .expect("read");
            assert_eq!(version, schema::VERSION);
        });
    }

    #[test]
    fn a_version_1_database_gains_the_console_tables_and_keeps_its_data() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("doorstep.db");
        {
            let conn = Connection::open(&path).expect("create");
            conn.execute_batch(schema::CREATE_V1).expect("v1");
            conn.execute_batch(
                "INSERT INTO subdistricts (id, name) VALUES ('s', '春熙路街道'); PRAGMA user_version = 1;",
            )
            .expect("write");
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let db = SqliteStorage::open(&path).expect("upgrade");
            let (version, subdistricts, sessions, indexes): (i64, i64, i64, i64) = db
                .read(|c| {
                    Ok(c.query_row(
                        "SELECT (SELECT user_version FROM pragma_user_version),
                                (SELECT COUNT(*) FROM subdistricts),
                                (SELECT COUNT(*) FROM console_sessions),
                                (SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'
                                   AND name IN ('visits_grid_finalized', 'visits_status'))",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )?)
                })
                .await
                .expect("read");
            assert_eq!(
                (version, subdistricts, sessions, indexes),
                (schema::VERSION, 1, 0, 2)
            );
        });
    }
}
