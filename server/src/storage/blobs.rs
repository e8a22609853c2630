//! Which photo blobs were verified and stored (the bytes live in the blob store).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Result;
use super::conn::{Conn, List, ts};

/// Records that a blob was verified and stored at `now` (once).
pub(super) async fn record_blob<C: Conn>(
    c: &mut C,
    sha256: &str,
    bytes: u64,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    c.execute(
        "INSERT INTO blobs (sha256, bytes, uploaded_by, received_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (sha256) DO NOTHING",
        &[
            &sha256,
            &i64::try_from(bytes).unwrap_or(i64::MAX),
            &by.to_string(),
            &ts(now),
        ],
    )
    .await?;
    Ok(())
}

pub(super) async fn blob_size<C: Conn>(c: &mut C, sha256: &str) -> Result<Option<u64>> {
    c.query_opt("SELECT bytes FROM blobs WHERE sha256 = $1", &[&sha256])
        .await?
        .map(|r| r.try_get(0))
        .transpose()
}

/// Which of these blobs are not stored.
pub(super) async fn missing_blobs<C: Conn>(
    c: &mut C,
    sha256s: &[String],
) -> Result<HashSet<String>> {
    let sql = format!(
        "SELECT sha256 FROM blobs WHERE {}",
        c.dialect().in_list("sha256", 1)
    );
    let mut missing: HashSet<String> = sha256s.iter().cloned().collect();
    for r in c.query(&sql, &[&List(sha256s.to_vec())]).await? {
        missing.remove(r.try_get::<&str>(0)?);
    }
    Ok(missing)
}
