//! SQLite queries behind the supervisor console: the review queue with its
//! filters (a visit counted once, as its latest revision), a visit's evidence, the workers of some grids, dashboard counts,
//! what the dashboard's coverage and follow-ups need.
//!
//! Grid sets travel as one JSON array parameter (`json_each`), so a query's
//! text does not depend on how many grids a caller has.

use chrono::{DateTime, SecondsFormat, Utc};
use doorstep_model::VisitStatus;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use uuid::Uuid;

use super::{
    CoverageHousehold, QueueFilter, QueuePage, QueueRow, Result, StorageError, VisitEvidence,
    VisitStats,
};

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn id_list(ids: &[Uuid]) -> String {
    serde_json::Value::from(ids.iter().map(Uuid::to_string).collect::<Vec<_>>()).to_string()
}

fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| StorageError::Corrupt("a stored id is not a UUID".into()))
}

fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| StorageError::Corrupt("a stored instant does not parse".into()))
}

/// The WHERE clause and its parameters for a filter.
fn where_clause(f: &QueueFilter) -> (String, Vec<SqlValue>) {
    let mut sql = String::from("v.grid_id IN (SELECT value FROM json_each(?))");
    let mut params = vec![SqlValue::Text(id_list(&f.scope))];
    if let Some(grid) = f.grid {
        sql.push_str(" AND v.grid_id = ?");
        params.push(SqlValue::Text(grid.to_string()));
    }
    if let Some(worker) = f.worker {
        sql.push_str(" AND v.worker_id = ?");
        params.push(SqlValue::Text(worker.to_string()));
    }
    if let Some(t) = &f.template_id {
        sql.push_str(" AND v.template_id = ?");
        params.push(SqlValue::Text(t.clone()));
    }
    if let Some(status) = f.status {
        sql.push_str(" AND v.status = ?");
        params.push(SqlValue::Text(status.as_str().to_owned()));
    }
    if let Some(from) = f.from {
        sql.push_str(" AND v.finalized_utc >= ?");
        params.push(SqlValue::Text(ts(from)));
    }
    if let Some(until) = f.until {
        sql.push_str(" AND v.finalized_utc < ?");
        params.push(SqlValue::Text(ts(until)));
    }
    if !f.all_revisions {
        sql.push_str(" AND v.superseded = 0");
    }
    if let Some(photo) = &f.photo {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM json_each(v.photos) p
                          WHERE json_extract(p.value, '$.sha256') = ?)",
        );
        params.push(SqlValue::Text(photo.clone()));
    }
    if f.reused_photos {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM json_each(v.photos) p
                          JOIN reused_photos r ON r.sha256 = json_extract(p.value, '$.sha256'))",
        );
    }
    if f.flagged {
        sql.push_str(" AND v.flags <> '[]'");
    }
    if let Some(flag) = &f.flag {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM visit_flags f WHERE f.visit_id = v.id AND f.code = ?)",
        );
        params.push(SqlValue::Text(flag.clone()));
    }
    (sql, params)
}

pub(super) fn review_queue(
    conn: &Connection,
    filter: &QueueFilter,
    offset: u64,
    limit: u64,
) -> Result<QueuePage> {
    let (clause, params) = where_clause(filter);
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM visits v WHERE {clause}"),
        params_from_iter(params.iter()),
        |r| r.get(0),
    )?;
    let mut all = params;
    all.push(SqlValue::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    all.push(SqlValue::Integer(i64::try_from(offset).unwrap_or(i64::MAX)));
    let mut stmt = conn.prepare(&format!(
        "SELECT v.id, v.visit_group, v.revision, v.template_id, v.template_version,
                v.household_id, h.code, v.grid_id, g.name, v.worker_id, u.display_name,
                v.finalized_utc, v.status, v.flags, v.door_outcome
         FROM (SELECT v.id FROM visits v WHERE {clause}
               ORDER BY v.finalized_utc DESC, v.id DESC LIMIT ? OFFSET ?) page
         JOIN visits v ON v.id = page.id
         JOIN households h ON h.id = v.household_id
         JOIN grids g ON g.id = v.grid_id
         JOIN users u ON u.id = v.worker_id
         ORDER BY v.finalized_utc DESC, v.id DESC"
    ))?;
    type Raw = (
        String,
        String,
        u32,
        String,
        u32,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
    );
    let raw: Vec<Raw> = stmt
        .query_map(params_from_iter(all.iter()), |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
                r.get(11)?,
                r.get(12)?,
                r.get(13)?,
                r.get(14)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut rows = Vec::with_capacity(raw.len());
    for r in raw {
        rows.push(QueueRow {
            visit_id: parse_uuid(&r.0)?,
            visit_group: parse_uuid(&r.1)?,
            revision: r.2,
            template_id: r.3,
            template_version: r.4,
            household_id: parse_uuid(&r.5)?,
            household_code: r.6,
            grid_id: parse_uuid(&r.7)?,
            grid_name: r.8,
            worker_id: parse_uuid(&r.9)?,
            worker_name: r.10,
            finalized: parse_time(&r.11)?,
            status: VisitStatus::from_str_opt(&r.12)
                .ok_or_else(|| StorageError::Corrupt("unknown visit status".into()))?,
            flags: serde_json::from_str(&r.13)?,
            door_outcome: r.14.as_deref().and_then(crate::anomalies::parse_outcome),
        });
    }
    Ok(QueuePage {
        rows,
        total: u64::try_from(total).unwrap_or(0),
    })
}

pub(super) fn visit_evidence(conn: &Connection, visit_id: Uuid) -> Result<Option<VisitEvidence>> {
    let row: Option<(Option<String>, String, String)> = conn
        .query_row(
            "SELECT door_check_device, photos, received_at FROM visits WHERE id = ?",
            [visit_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((door, photos, received)) = row else {
        return Ok(None);
    };
    Ok(Some(VisitEvidence {
        device_door_check: door.map(|d| serde_json::from_str(&d)).transpose()?,
        photos: serde_json::from_str(&photos)?,
        received_at: parse_time(&received)?,
    }))
}

pub(super) fn workers_of(conn: &Connection, grid_ids: &[Uuid]) -> Result<Vec<(Uuid, String)>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT u.id, u.display_name FROM users u
         JOIN user_grids ug ON ug.user_id = u.id
         WHERE u.role = 'worker' AND ug.grid_id IN (SELECT value FROM json_each(?))
         ORDER BY u.display_name, u.id",
    )?;
    let raw: Vec<(String, String)> = stmt
        .query_map([id_list(grid_ids)], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    raw.into_iter()
        .map(|(id, name)| Ok((parse_uuid(&id)?, name)))
        .collect()
}

pub(super) fn visit_stats(
    conn: &Connection,
    grid_ids: &[Uuid],
    today: DateTime<Utc>,
    week: DateTime<Utc>,
) -> Result<VisitStats> {
    let scope = id_list(grid_ids);
    let count = |sql: &str, params: &[&dyn rusqlite::ToSql]| -> Result<u64> {
        let n: i64 = conn.prepare_cached(sql)?.query_row(params, |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    };
    let since_today = count(
        "SELECT count(*) FROM visits
         WHERE grid_id IN (SELECT value FROM json_each(?1)) AND finalized_utc >= ?2
           AND superseded = 0",
        &[&scope, &ts(today)],
    )?;
    // The week's visits and the reviews waiting are the sums of the per-grid rows.
    let mut stmt = conn.prepare_cached(
        "SELECT g.id, g.name,
                (SELECT count(*) FROM visits v
                 WHERE v.grid_id = g.id AND v.finalized_utc >= ?2 AND v.superseded = 0),
                (SELECT count(*) FROM visits v WHERE v.status = 'uploaded' AND v.grid_id = g.id)
         FROM grids g WHERE g.id IN (SELECT value FROM json_each(?1)) ORDER BY g.code",
    )?;
    let raw: Vec<(String, String, i64, i64)> = stmt
        .query_map(rusqlite::params![scope, ts(week)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut per_grid = Vec::with_capacity(raw.len());
    for (id, name, n, w) in raw {
        per_grid.push((
            parse_uuid(&id)?,
            name,
            u64::try_from(n).unwrap_or(0),
            u64::try_from(w).unwrap_or(0),
        ));
    }
    let mut stmt = conn.prepare_cached(
        "SELECT f.code, count(*) FROM visit_flags f JOIN visits v ON v.id = f.visit_id
         WHERE f.grid_id IN (SELECT value FROM json_each(?)) AND v.superseded = 0
         GROUP BY f.code ORDER BY count(*) DESC, f.code",
    )?;
    let flags: Vec<(String, i64)> = stmt
        .query_map([&scope], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    // Photos seen in more than one household anywhere, counted when more than
    // one of those households is in scope.
    let reused_photos = count(
        "SELECT count(*) FROM reused_photos r
         WHERE (SELECT count(*) FROM photo_households p
                WHERE p.sha256 = r.sha256 AND p.grid_id IN (SELECT value FROM json_each(?1))) > 1",
        &[&scope],
    )?;
    Ok(VisitStats {
        since_today,
        since_week: per_grid.iter().map(|g| g.2).sum(),
        waiting: per_grid.iter().map(|g| g.3).sum(),
        per_grid,
        flags: flags
            .into_iter()
            .map(|(f, n)| (f, u64::try_from(n).unwrap_or(0)))
            .collect(),
        reused_photos,
    })
}

/// The local date of a stored instant and offset.
fn local_date(utc: &str, offset: i32) -> Result<chrono::NaiveDate> {
    let at = doorstep_model::DeviceInstant {
        utc: parse_time(utc)?,
        offset_seconds: offset,
    };
    Ok(at.local_date())
}

pub(super) fn coverage_households(
    conn: &Connection,
    grid_ids: &[Uuid],
) -> Result<Vec<CoverageHousehold>> {
    let scope = id_list(grid_ids);
    let mut by_id: std::collections::BTreeMap<String, CoverageHousehold> = Default::default();
    let mut stmt = conn.prepare_cached(
        "SELECT r.household_id, h.grid_id, r.tags FROM residents r
         JOIN households h ON h.id = r.household_id
         WHERE h.grid_id IN (SELECT value FROM json_each(?)) AND r.tags <> '[]'",
    )?;
    let rows: Vec<(String, String, String)> = stmt
        .query_map([&scope], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (household, grid, tags) in rows {
        let tags: Vec<doorstep_model::ResidentTag> = serde_json::from_str(&tags)?;
        let entry = match by_id.entry(household) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                let household_id = parse_uuid(e.key())?;
                e.insert(CoverageHousehold {
                    household_id,
                    grid_id: parse_uuid(&grid)?,
                    tags: Vec::new(),
                    latest_visits: Vec::new(),
                })
            }
        };
        entry.tags.extend(tags);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT l.household_id, l.template_id, l.finalized_utc, l.finalized_offset
         FROM household_last_visits l JOIN households h ON h.id = l.household_id
         WHERE h.grid_id IN (SELECT value FROM json_each(?))",
    )?;
    let rows: Vec<(String, String, String, i32)> = stmt
        .query_map([&scope], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (household, template, utc, offset) in rows {
        if let Some(h) = by_id.get_mut(&household) {
            h.latest_visits.push((template, local_date(&utc, offset)?));
        }
    }
    Ok(by_id.into_values().collect())
}

pub(super) fn open_returns(conn: &Connection, grid_ids: &[Uuid]) -> Result<Vec<(Uuid, u64)>> {
    // Counted from the partial index of open returns; left to itself the
    // planner would take the (grid, status, finalized) index instead.
    let mut stmt = conn.prepare_cached(
        "SELECT grid_id, count(*) FROM visits INDEXED BY visits_open_returns
         WHERE status = 'returned' AND superseded = 0
           AND grid_id IN (SELECT value FROM json_each(?))
         GROUP BY grid_id",
    )?;
    let rows: Vec<(String, i64)> = stmt
        .query_map([id_list(grid_ids)], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(g, n)| Ok((parse_uuid(&g)?, u64::try_from(n).unwrap_or(0))))
        .collect()
}
