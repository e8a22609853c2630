//! Signing in with a password, the same way from the phones' login and the
//! console's: the lockout checked first, the password checked (argon2id, off
//! the async threads, a bounded number at once), a failure counted and
//! audited. A wrong username and a wrong password look the same.

use std::time::Duration;

use uuid::Uuid;

use crate::app::AppState;
use crate::auth;
use crate::error::{ApiFailure, ServerError};
use crate::storage::{AuditEntry, StorageError, UserRecord};

/// What became of a sign-in attempt.
#[derive(Debug)]
pub enum Attempt {
    /// Refused before the password was checked: the account or the address
    /// stays locked this much longer. Not audited again.
    Locked(Duration),
    /// A wrong username or password, counted and audited; `locked` when this
    /// failure locked the account or the address (for
    /// [`LOCKOUT`](crate::app::lockout::LOCKOUT)).
    Refused { locked: bool },
    /// The password is this enabled user's; the account's failures are forgotten.
    User(UserRecord),
}

/// Signs in as `username` with `password`, `via` the console or the phones'
/// `api` (named in the audit line), from `remote_addr`: refused while the
/// account or address is locked; a wrong password counts towards the lockout
/// and writes a `login.failed` (or `login.locked`) audit line.
pub async fn attempt(
    state: &AppState,
    username: &str,
    password: String,
    via: &str,
    remote_addr: Option<String>,
) -> Result<Attempt, ServerError> {
    if let Some(wait) = state.sign_ins.locked(username, remote_addr.as_deref()) {
        return Ok(Attempt::Locked(wait));
    }
    let Some(user) = check_password(state, username, password).await? else {
        let locked = state.sign_ins.failed(username, remote_addr.as_deref());
        audit_sign_in(
            state,
            if locked {
                "login.locked"
            } else {
                "login.failed"
            },
            username,
            None,
            via,
            remote_addr,
        )
        .await?;
        return Ok(Attempt::Refused { locked });
    };
    state.sign_ins.succeeded(username);
    Ok(Attempt::User(user))
}

/// The enabled user with this username when `password` is theirs. Takes as
/// long for an unknown username as for a wrong password; the argon2 check runs
/// on the blocking pool, a bounded number at once.
async fn check_password(
    state: &AppState,
    username: &str,
    password: String,
) -> Result<Option<UserRecord>, ServerError> {
    let user = state.storage.user_by_username(username.trim()).await?;
    let user = user.filter(|u| !u.disabled);
    let phc = user
        .as_ref()
        .map_or_else(|| state.dummy_hash.clone(), |u| u.password_hash.clone());
    let ok = {
        let _permit = state
            .login_permits
            .acquire()
            .await
            .map_err(|_| ApiFailure::internal())?;
        tokio::task::spawn_blocking(move || auth::verify_password(&phc, &password)).await?
    };
    Ok(user.filter(|_| ok))
}

/// Writes an audit line about a sign-in that did not open a session:
/// `action` (`login.failed`, `login.locked`, `console.login_refused`) by the
/// username as typed (the nil id when no such user exists), `via` the
/// console or the phones' API.
pub async fn audit_sign_in(
    state: &AppState,
    action: &str,
    username: &str,
    user_id: Option<Uuid>,
    via: &str,
    remote_addr: Option<String>,
) -> Result<(), StorageError> {
    let typed: String = username.trim().chars().take(64).collect();
    state
        .storage
        .audit(&AuditEntry {
            at: state.clock.now(),
            actor_id: user_id.unwrap_or_else(Uuid::nil),
            actor_username: typed.clone(),
            action: action.to_owned(),
            target: typed,
            detail: serde_json::json!({ "via": via }),
            remote_addr,
        })
        .await
}
