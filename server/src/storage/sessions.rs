//! Who is signed in: device tokens (by their SHA-256) and console sessions.

use chrono::{DateTime, Utc};
use doorstep_protocol::Role;
use uuid::Uuid;

use super::conn::{Conn, ts};
use super::users::grids_for;
use super::{ConsoleSession, NewConsoleSession, NewToken, Result, Session, TokenState};

pub(super) async fn insert_token<C: Conn>(c: &mut C, t: &NewToken) -> Result<()> {
    c.execute(
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

/// What the token with this hash is worth at `now`.
pub(super) async fn token_state<C: Conn>(
    c: &mut C,
    hash: &[u8; 32],
    now: DateTime<Utc>,
) -> Result<TokenState> {
    let row = c
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
    if r.try_get::<bool>(7)? {
        return Ok(TokenState::Unknown);
    }
    if r.try_get::<bool>(2)? {
        return Ok(TokenState::Revoked);
    }
    if r.time(1)? <= now {
        return Ok(TokenState::Expired);
    }
    let session = session(
        c,
        r.uuid(0)?,
        r.role(5)?,
        r.opt_uuid(6)?,
        r.try_get(3)?,
        r.try_get(4)?,
    )
    .await?;
    Ok(TokenState::Valid(session))
}

/// A signed-in user with the grids they may see now.
async fn session<C: Conn>(
    c: &mut C,
    user_id: Uuid,
    role: Role,
    community: Option<Uuid>,
    username: String,
    display_name: String,
) -> Result<Session> {
    let grid_ids = grids_for(c, user_id, role, community)
        .await?
        .into_iter()
        .map(|g| g.id)
        .collect();
    Ok(Session {
        user_id,
        username,
        display_name,
        role,
        grid_ids,
    })
}

pub(super) async fn revoke_token<C: Conn>(
    c: &mut C,
    hash: &[u8; 32],
    at: DateTime<Utc>,
) -> Result<bool> {
    end(
        c,
        "UPDATE tokens SET revoked_at = $1 WHERE hash = $2 AND revoked_at IS NULL",
        hash,
        at,
    )
    .await
}

/// Runs `sql`, which ends the live token or session with hash `$2` at `$1`;
/// false when there was none.
async fn end<C: Conn>(c: &mut C, sql: &str, hash: &[u8; 32], at: DateTime<Utc>) -> Result<bool> {
    Ok(c.execute(sql, &[&ts(at), &&hash[..]]).await? > 0)
}

pub(super) async fn revoke_user_tokens<C: Conn>(
    c: &mut C,
    user_id: Uuid,
    at: DateTime<Utc>,
) -> Result<usize> {
    let n = c
        .execute(
            "UPDATE tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            &[&ts(at), &user_id.to_string()],
        )
        .await?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

pub(super) async fn insert_console_session<C: Conn>(
    c: &mut C,
    s: &NewConsoleSession,
) -> Result<()> {
    c.execute(
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

/// The live console session with this hash at `now`, marked as used now.
pub(super) async fn console_session<C: Conn>(
    c: &mut C,
    hash: &[u8; 32],
    now: DateTime<Utc>,
    idle: chrono::Duration,
) -> Result<Option<ConsoleSession>> {
    let row = c
        .query_opt(
            "SELECT s.user_id, s.csrf, u.username, u.display_name, u.role, u.community_id
             FROM console_sessions s JOIN users u ON u.id = s.user_id
             WHERE s.hash = $1 AND s.ended_at IS NULL AND s.expires_at > $2
               AND s.last_seen > $3 AND NOT u.disabled",
            &[&&hash[..], &ts(now), &ts(now - idle)],
        )
        .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    c.execute(
        "UPDATE console_sessions SET last_seen = $1 WHERE hash = $2",
        &[&ts(now), &&hash[..]],
    )
    .await?;
    let session = session(
        c,
        r.uuid(0)?,
        r.role(4)?,
        r.opt_uuid(5)?,
        r.try_get(2)?,
        r.try_get(3)?,
    )
    .await?;
    Ok(Some(ConsoleSession {
        session,
        csrf: r.try_get(1)?,
    }))
}

pub(super) async fn end_console_session<C: Conn>(
    c: &mut C,
    hash: &[u8; 32],
    at: DateTime<Utc>,
) -> Result<bool> {
    end(
        c,
        "UPDATE console_sessions SET ended_at = $1 WHERE hash = $2 AND ended_at IS NULL",
        hash,
        at,
    )
    .await
}
