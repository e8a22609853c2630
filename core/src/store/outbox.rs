//! The outbox: everything the device must send, persisted in the encrypted store.
//!
//! Items are photos (blobs, named by their hash) and operations (a finalized
//! visit, a household edit). Each item moves through these states:
//!
//! ```text
//! pending ──▶ uploading ──▶ done
//!    ▲            │
//!    │            ├──▶ failed (next attempt at T) ──(T passes)──▶ pending
//!    │            └──▶ set_aside (reason) — never retried, never blocks others
//!    └── uploading at start-up (the app died mid-upload): back to pending
//! ```
//!
//! A visit's operation waits until every photo it names is `done`; if one of
//! them is set aside, the operation is set aside too, with that reason. Retries
//! back off exponentially with jitter, up to [`MAX_BACKOFF`]; transient
//! failures (network, server busy) are retried for ever, permanent ones (the
//! server refused the item for good) are set aside at once.

use super::Store;
use super::error::{Result, StoreError};
use crate::sync::protocol::Operation;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

/// The first retry waits about this long.
pub const BASE_BACKOFF: Duration = Duration::from_secs(5);
/// No retry waits longer than this.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);

/// What an outbox item carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Blob,
    Operation,
}

/// One item of the outbox, as the sync engine and the phone's queue screen see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub seq: i64,
    pub kind: ItemKind,
    /// The blob's hash, or the operation's id.
    pub key: String,
    pub visit_id: Option<Uuid>,
    pub bytes: u64,
    /// `pending`, `uploading`, `done`, `failed` or `set_aside`.
    pub state: String,
    pub attempts: u32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed, or why the item was set aside. Never
    /// personal data: codes and the server's messages only.
    pub last_error: Option<String>,
}

/// Counts of outbox items by what is left to do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxCounts {
    /// Waiting to go (pending, uploading or failed and waiting to retry).
    pub pending: u64,
    pub set_aside: u64,
    pub done: u64,
}

/// Queues a photo's bytes for upload, queued `at` by the device's clock.
pub(crate) fn enqueue_blob(
    conn: &Connection,
    sha256: &str,
    visit: Uuid,
    bytes: u64,
    at: DateTime<Utc>,
) -> Result<()> {
    // A photo used twice is uploaded once: the blob's hash is its key.
    conn.execute(
        "INSERT INTO outbox (kind, key, visit_id, bytes, state, created_at)
         VALUES ('blob', ?1, ?2, ?3, 'pending', ?4) ON CONFLICT(key) DO NOTHING",
        params![sha256, visit.to_string(), bytes as i64, at.to_rfc3339()],
    )?;
    Ok(())
}

/// Queues an operation for upload, queued `at` by the device's clock.
pub(crate) fn enqueue_operation(
    conn: &Connection,
    op: &Operation,
    visit: Option<Uuid>,
    at: DateTime<Utc>,
) -> Result<()> {
    let payload = serde_json::to_string(op).expect("operations serialize");
    conn.execute(
        "INSERT INTO outbox (kind, key, visit_id, payload, bytes, state, created_at)
         VALUES ('operation', ?1, ?2, ?3, ?4, 'pending', ?5)",
        params![
            op.op_id.to_string(),
            visit.map(|v| v.to_string()),
            payload,
            payload.len() as i64,
            at.to_rfc3339()
        ],
    )?;
    Ok(())
}

/// The wait before attempt number `attempts + 1`: doubling from
/// [`BASE_BACKOFF`], capped at [`MAX_BACKOFF`], then scaled by a random 50–100%
/// so that many phones coming back online together do not retry in lockstep.
pub fn backoff(attempts: u32) -> Duration {
    let doubled = BASE_BACKOFF.saturating_mul(1u32 << attempts.min(16));
    let capped = doubled.min(MAX_BACKOFF);
    let jitter = 0.5 + f64::from(Uuid::new_v4().as_bytes()[0]) / 510.0;
    capped.mul_f64(jitter)
}

impl Store {
    /// Every outbox item, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxItem>> {
        self.read(|conn| items(conn, "1 = 1", []))
    }

    /// How many items are left, set aside and done.
    pub fn outbox_counts(&self) -> Result<OutboxCounts> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT coalesce(sum(state IN ('pending', 'uploading', 'failed')), 0),
                        coalesce(sum(state = 'set_aside'), 0),
                        coalesce(sum(state = 'done'), 0) FROM outbox",
                [],
                |r| {
                    let count = |i: usize| r.get::<_, i64>(i).map(|n| n as u64);
                    Ok(OutboxCounts {
                        pending: count(0)?,
                        set_aside: count(1)?,
                        done: count(2)?,
                    })
                },
            )?)
        })
    }

    /// Puts items left `uploading` by a process that died back to `pending`.
    /// Call once before a sync starts. Returns how many were resumed.
    pub fn resume_interrupted(&self) -> Result<usize> {
        self.write(|tx| {
            Ok(tx.execute(
                "UPDATE outbox SET state = 'pending' WHERE state = 'uploading'",
                [],
            )?)
        })
    }

    /// Items that may be attempted at `now`: pending ones and failed ones whose
    /// wait is over (every failed one when `retry_now`), blobs before
    /// operations, oldest first.
    pub fn due_items(&self, now: DateTime<Utc>, retry_now: bool) -> Result<Vec<OutboxItem>> {
        self.read(|conn| {
            items(
                conn,
                "state = 'pending' OR (state = 'failed' AND (?2 OR next_attempt_at <= ?1))
                 ORDER BY kind = 'operation', seq",
                params![now.to_rfc3339(), retry_now],
            )
        })
    }

    /// The operation an outbox item carries.
    pub fn outbox_operation(&self, seq: i64) -> Result<Operation> {
        self.read(|conn| {
            let payload: Option<String> = conn
                .query_row(
                    "SELECT payload FROM outbox WHERE seq = ?1 AND kind = 'operation'",
                    [seq],
                    |r| r.get(0),
                )
                .optional()?;
            let payload = payload.ok_or(StoreError::NotFound("outbox operation"))?;
            super::visits::from_json(&payload)
        })
    }

    /// Whether the photos of an operation's visit are all uploaded (`Ready`),
    /// still on their way (`Waiting`), or one of them was set aside (`Blocked`).
    pub fn photo_gate(&self, visit: Uuid) -> Result<PhotoGate> {
        self.read(|conn| {
            let (waiting, blocked): (i64, i64) = conn.query_row(
                "SELECT coalesce(sum(o.state != 'done' AND o.state != 'set_aside'), 0),
                        coalesce(sum(o.state = 'set_aside'), 0)
                 FROM visit_photos p JOIN outbox o ON o.kind = 'blob' AND o.key = p.sha256
                 WHERE p.visit_id = ?1",
                [visit.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok(if blocked > 0 {
                PhotoGate::Blocked
            } else if waiting > 0 {
                PhotoGate::Waiting
            } else {
                PhotoGate::Ready
            })
        })
    }

    /// Marks an item as being uploaded now.
    pub fn mark_uploading(&self, seq: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE outbox SET state = 'uploading' WHERE seq = ?1",
                [seq],
            )?;
            Ok(())
        })
    }

    /// Marks an item done; a visit's operation also marks the visit uploaded.
    pub fn mark_done(&self, seq: i64) -> Result<()> {
        let now = self.now().utc;
        self.write(|tx| {
            tx.execute(
                "UPDATE outbox SET state = 'done', done_at = ?2, last_error = NULL WHERE seq = ?1",
                params![seq, now.to_rfc3339()],
            )?;
            let visit: Option<String> = tx
                .query_row(
                    "SELECT visit_id FROM outbox WHERE seq = ?1 AND kind = 'operation'",
                    [seq],
                    |r| r.get(0),
                )
                .optional()?
                .flatten();
            if let Some(visit) = visit {
                let visit = Uuid::parse_str(&visit)
                    .map_err(|_| StoreError::Invalid("bad visit id".into()))?;
                super::visits::mark_uploaded(tx, visit)?;
            }
            // An uploaded household edit: the server's merged household (which
            // may keep the server's value of a field) replaces ours at the next pull.
            tx.execute(
                "UPDATE households SET version = -1 WHERE id = (
                     SELECT json_extract(payload, '$.household_id') FROM outbox
                     WHERE seq = ?1 AND json_extract(payload, '$.type') = 'edit_household')",
                [seq],
            )?;
            Ok(())
        })
    }

    /// Records a transient failure: the item is retried after a backoff.
    /// `error` is `code: English`; `error_zh` the server's Chinese, if any.
    pub fn mark_failed(&self, seq: i64, error: &str, error_zh: Option<&str>) -> Result<()> {
        let now = self.now().utc;
        self.write(|tx| {
            let attempts: u32 =
                tx.query_row("SELECT attempts FROM outbox WHERE seq = ?1", [seq], |r| {
                    r.get(0)
                })?;
            let next = now + backoff(attempts);
            tx.execute(
                "UPDATE outbox SET state = 'failed', attempts = attempts + 1, next_attempt_at = ?2,
                                   last_error = ?3, reason_zh = ?4 WHERE seq = ?1",
                params![seq, next.to_rfc3339(), error, error_zh],
            )?;
            Ok(())
        })
    }

    /// Sets an item aside with its reason (`code: English`, and the server's
    /// Chinese if any); it is not retried until the worker asks, and never
    /// blocks the others.
    pub fn set_aside(&self, seq: i64, reason: &str, reason_zh: Option<&str>) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE outbox SET state = 'set_aside', attempts = attempts + 1, last_error = ?2,
                     reason_zh = ?3 WHERE seq = ?1",
                params![seq, reason, reason_zh],
            )?;
            Ok(())
        })
    }
}

/// Whether a visit's photos allow its operation to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoGate {
    Ready,
    Waiting,
    Blocked,
}

fn items<P: rusqlite::Params>(
    conn: &Connection,
    condition: &str,
    params: P,
) -> Result<Vec<OutboxItem>> {
    let sql = format!(
        "SELECT seq, kind, key, visit_id, bytes, state, attempts, next_attempt_at, last_error
         FROM outbox WHERE {condition}"
    );
    let sql = if condition.contains("ORDER BY") {
        sql
    } else {
        format!("{sql} ORDER BY seq")
    };
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params, |r| {
        let kind: String = r.get(1)?;
        let visit: Option<String> = r.get(3)?;
        let next: Option<String> = r.get(7)?;
        Ok(OutboxItem {
            seq: r.get(0)?,
            kind: if kind == "blob" {
                ItemKind::Blob
            } else {
                ItemKind::Operation
            },
            key: r.get(2)?,
            visit_id: visit.and_then(|v| Uuid::parse_str(&v).ok()),
            bytes: r.get::<_, i64>(4)? as u64,
            state: r.get(5)?,
            attempts: r.get(6)?,
            next_attempt_at: next
                .and_then(|n| DateTime::parse_from_rfc3339(&n).ok())
                .map(|n| n.with_timezone(&Utc)),
            last_error: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_bounded() {
        for attempts in 0..40 {
            let wait = backoff(attempts);
            let full = BASE_BACKOFF
                .saturating_mul(1u32 << attempts.min(16))
                .min(MAX_BACKOFF);
            assert!(
                wait >= full / 2 && wait <= full,
                "attempt {attempts}: {wait:?} vs {full:?}"
            );
        }
        assert!(backoff(30) <= MAX_BACKOFF);
    }
}
