//! Login and logout. Login signs in as the console does ([`sign_in::attempt`]:
//! the lockout, the password, failures audited) and answers a new device token
//! with the account and its grids; a wrong username and a wrong password look
//! the same.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use doorstep_protocol::{Account, LoginRequest, LoginResponse};

use crate::app::lockout::LOCKOUT;
use crate::app::{AppState, JsonBody, RemoteAddr};
use crate::auth::{self, Caller};
use crate::error::{ApiFailure, ServerError};
use crate::ops::sign_in::{self, Attempt};
use crate::storage::NewToken;

/// Longest device name kept.
const MAX_DEVICE_NAME: usize = 100;

/// `POST /api/v1/login`: a token for a user whose password matches. The
/// lockout the console shares applies (the same counts, per account and per address):
/// a locked account or address is refused with `account_locked` before its
/// password is checked. Failures and locks are audited.
pub async fn login(
    State(state): State<AppState>,
    RemoteAddr(remote_addr): RemoteAddr,
    JsonBody(req): JsonBody<LoginRequest>,
) -> Result<Json<LoginResponse>, ServerError> {
    let user =
        match sign_in::attempt(&state, &req.username, req.password, "api", remote_addr).await? {
            Attempt::User(user) => user,
            Attempt::Locked(wait) => {
                return Err(ApiFailure::account_locked(wait.as_secs().max(1)).into());
            }
            Attempt::Refused { locked: true } => {
                return Err(ApiFailure::account_locked(LOCKOUT.as_secs()).into());
            }
            Attempt::Refused { locked: false } => return Err(ApiFailure::bad_credentials().into()),
        };
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
