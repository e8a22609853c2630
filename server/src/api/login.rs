//! Login and logout. Login checks the password (argon2id, off the async
//! threads, a bounded number at once) and answers a new device token with the
//! account and its grids; a wrong username and a wrong password look the same.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use doorstep_protocol::{Account, LoginRequest, LoginResponse};

use super::{AppState, JsonBody, RemoteAddr};
use crate::auth::{self, Caller};
use crate::error::{ApiFailure, ServerError};
use crate::storage::{NewToken, UserRecord};

/// Longest device name kept.
const MAX_DEVICE_NAME: usize = 100;

/// `POST /api/v1/login`: a token for a user whose password matches. The
/// console's lockout applies (the same counts, per account and per address):
/// a locked account or address is refused with `account_locked` before its
/// password is checked. Failures and locks are audited.
pub async fn login(
    State(state): State<AppState>,
    RemoteAddr(remote_addr): RemoteAddr,
    JsonBody(req): JsonBody<LoginRequest>,
) -> Result<Json<LoginResponse>, ServerError> {
    if let Some(wait) = state
        .console
        .sign_in_locked(&req.username, remote_addr.as_deref())
    {
        return Err(ApiFailure::account_locked(wait.as_secs().max(1)).into());
    }
    let Some(user) = check_password(&state, &req.username, req.password).await? else {
        let locked = state
            .console
            .sign_in_failed(&req.username, remote_addr.as_deref());
        crate::console::login::audit_sign_in(
            &state,
            if locked {
                "login.locked"
            } else {
                "login.failed"
            },
            &req.username,
            None,
            "api",
            remote_addr,
        )
        .await?;
        if locked {
            let wait = crate::console::login::LOCKOUT.as_secs();
            return Err(ApiFailure::account_locked(wait).into());
        }
        return Err(ApiFailure::bad_credentials().into());
    };
    state.console.sign_in_succeeded(&req.username);
    let (token, hash) = auth::new_token().map_err(|e| {
        tracing::error!(error = %e, "token generation failed");
        ApiFailure::internal()
    })?;
    let now = state.clock.now();
    let expires_at = now + state.token_ttl;
    state
        .storage
        .insert_token(&NewToken {
            hash,
            user_id: user.id,
            device_name: req.device_name.chars().take(MAX_DEVICE_NAME).collect(),
            created_at: now,
            expires_at,
        })
        .await?;
    let grids = state.storage.grids_of(user.id).await?;
    tracing::info!(user = %user.id, "login");
    Ok(Json(LoginResponse {
        token,
        expires_at,
        account: Account {
            user_id: user.id,
            username: user.username,
            display_name: user.display_name,
            role: user.role,
            grids,
        },
    }))
}

/// The enabled user with this username when `password` is theirs. Takes as
/// long for an unknown username as for a wrong password; the argon2 check runs
/// on the blocking pool, a bounded number at once (the console logs in here too).
pub async fn check_password(
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

/// `POST /api/v1/logout`: revokes the token the request carries.
pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<StatusCode, ServerError> {
    state
        .storage
        .revoke_token(&caller.token_hash, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
