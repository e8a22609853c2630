//! Who is calling: passwords, device tokens and the [`Caller`] every protected
//! handler takes.
//!
//! Passwords are stored as argon2id PHC strings and checked only at login, on
//! the blocking pool. Login hands out a device token: 32 random bytes in hex,
//! shown once; the server keeps only its SHA-256, so checking a request costs
//! one fast hash and one indexed lookup, never a password hash. Tokens expire
//! and can be revoked (logout, or an admin).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use doorstep_protocol::Role;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::app::AppState;
use crate::error::{ApiFailure, ServerError};
use crate::storage::{AuditEntry, TokenState};

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the system random source failed: {0}")]
    Random(String),
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// Hashes a password with argon2id (default parameters) and a random salt,
/// as a PHC string. Slow on purpose: call it off the async threads.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AuthError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Whether `password` matches a PHC string from [`hash_password`]. A malformed
/// stored hash matches nothing. Slow on purpose, like hashing.
pub fn verify_password(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new device token (64 hex characters) and the hash the server keeps.
pub fn new_token() -> Result<(String, [u8; 32]), AuthError> {
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).map_err(|e| AuthError::Random(e.to_string()))?;
    let token = hex(&raw);
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// The hash under which a token is stored.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Lowercase hex of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

/// The signed-in user behind a request, checked against a live token and the
/// rate limit. Handlers that take a `Caller` are protected.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The grids whose households and visits this caller may read and write.
    pub grid_ids: Vec<Uuid>,
    pub token_hash: [u8; 32],
    /// When the request was let in, by the server's clock: what its audit
    /// entries say it happened at.
    pub at: DateTime<Utc>,
}

impl Caller {
    /// Whether the caller may see and change records of `grid_id`.
    pub fn covers(&self, grid_id: Uuid) -> bool {
        self.grid_ids.contains(&grid_id)
    }

    /// Whether the caller reviews visits (supervisors and admins).
    pub fn reviews(&self) -> bool {
        matches!(self.role, Role::Supervisor | Role::Admin)
    }

    /// An audit log entry of this caller's `action` on `target`, at the
    /// request's instant by the server's clock ([`Caller::at`]).
    /// `detail` holds codes and counts, never personal data.
    pub fn audit_entry(
        &self,
        action: &str,
        target: impl Into<String>,
        detail: serde_json::Value,
        remote_addr: Option<String>,
    ) -> AuditEntry {
        AuditEntry {
            at: self.at,
            actor_id: self.user_id,
            actor_username: self.username.clone(),
            action: action.to_owned(),
            target: target.into(),
            detail,
            remote_addr,
        }
    }
}

/// The bearer token of a request, if it carries one.
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(ApiFailure::unauthorized)?;
        let hash = token_hash(token);
        let at = state.clock.now();
        let session = match state.storage.token_state(&hash, at).await? {
            TokenState::Valid(s) => s,
            TokenState::Expired => return Err(ApiFailure::token_expired().into()),
            TokenState::Revoked => return Err(ApiFailure::token_revoked().into()),
            TokenState::Unknown => return Err(ApiFailure::unauthorized().into()),
        };
        state.rate.check(&hash).map_err(ApiFailure::rate_limited)?;
        Ok(Caller {
            user_id: session.user_id,
            username: session.username,
            display_name: session.display_name,
            role: session.role,
            grid_ids: session.grid_ids,
            token_hash: hash,
            at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let phc = hash_password("doorstep-demo").expect("hash");
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password(&phc, "doorstep-demo"));
        assert!(!verify_password(&phc, "doorstep-dem0"));
        assert!(!verify_password("not a phc string", "doorstep-demo"));
    }

    #[test]
    fn tokens_are_random_hex_and_hash_to_what_is_stored() {
        let (a, ha) = new_token().expect("token");
        let (b, _) = new_token().expect("token");
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), ha);
    }
}
