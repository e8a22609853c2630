//! The audit log (who did what to which record, when, from where) and the
//! settings an admin makes, each written with its audit line.

use super::conn::{Conn, Param, Row, ts};
use super::{AuditEntry, AuditFilter, Result};

/// Appends an audit line.
pub(super) async fn insert<C: Conn>(c: &mut C, e: &AuditEntry) -> Result<()> {
    c.execute(
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

const COLUMNS: &str = "at, actor_id, actor_username, action, target, detail, remote_addr";

fn entry(r: &Row) -> Result<AuditEntry> {
    Ok(AuditEntry {
        at: r.time(0)?,
        actor_id: r.uuid(1)?,
        actor_username: r.try_get(2)?,
        action: r.try_get(3)?,
        target: r.try_get(4)?,
        detail: r.json(5)?,
        remote_addr: r.try_get(6)?,
    })
}

/// The latest `limit` lines, newest first.
pub(super) async fn latest<C: Conn>(c: &mut C, limit: usize) -> Result<Vec<AuditEntry>> {
    c.query(
        &format!("SELECT {COLUMNS} FROM audit_log ORDER BY id DESC LIMIT $1"),
        &[&i64::try_from(limit).unwrap_or(i64::MAX)],
    )
    .await?
    .iter()
    .map(entry)
    .collect()
}

/// A page of the lines matching `filter`, newest first, and how many match.
pub(super) async fn page<C: Conn>(
    c: &mut C,
    filter: &AuditFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<AuditEntry>, u64)> {
    let mut clause = String::from("true");
    let mut values: Vec<String> = Vec::new();
    let mut add = |sql: &str, v: String| {
        values.push(v);
        clause.push_str(&format!(" AND {sql} ${}", values.len()));
    };
    if let Some(a) = &filter.actor {
        add("actor_username =", a.clone());
    }
    if let Some(a) = &filter.action {
        add("action =", a.clone());
    }
    if let Some(t) = filter.from {
        add("at >=", ts(t));
    }
    if let Some(t) = filter.until {
        add("at <", ts(t));
    }
    let (limit, offset) = (
        i64::try_from(limit).unwrap_or(i64::MAX),
        i64::try_from(offset).unwrap_or(i64::MAX),
    );
    let mut params: Vec<&(dyn Param + Sync)> =
        values.iter().map(|v| v as &(dyn Param + Sync)).collect();
    let total: u64 = c
        .query_one(
            &format!("SELECT count(*) FROM audit_log WHERE {clause}"),
            &params,
        )
        .await?
        .try_get(0)?;
    params.push(&limit);
    params.push(&offset);
    let n = params.len();
    let lines = c
        .query(
            &format!(
                "SELECT {COLUMNS} FROM audit_log WHERE {clause} ORDER BY id DESC LIMIT ${} OFFSET ${n}",
                n - 1
            ),
            &params,
        )
        .await?
        .iter()
        .map(entry)
        .collect::<Result<Vec<_>>>()?;
    Ok((lines, total))
}

/// A setting's value, if it was ever set.
pub(super) async fn setting<C: Conn>(c: &mut C, name: &str) -> Result<Option<String>> {
    c.query_opt("SELECT value FROM settings WHERE name = $1", &[&name])
        .await?
        .map(|r| r.try_get(0))
        .transpose()
}

/// Sets a setting, with its audit line.
pub(super) async fn set_setting<C: Conn>(
    c: &mut C,
    name: &str,
    value: &str,
    audit: &AuditEntry,
) -> Result<()> {
    c.execute(
        "INSERT INTO settings (name, value) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        &[&name, &value],
    )
    .await?;
    insert(c, audit).await
}
