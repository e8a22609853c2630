//! Who is using the console: the session cookie, the signed-in
//! [`ConsoleUser`] (supervisors and admins only), CSRF tokens and the language.

use axum::extract::{FromRequestParts, Query};
use axum::http::header::{COOKIE, HOST, REFERER};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use doorstep_protocol::Role;
use serde::Deserialize;

use super::ConsoleError;
use crate::app::AppState;
use crate::auth::{Caller, token_hash};
use crate::storage::ConsoleSession;

/// The cookie holding the session token.
pub const SESSION_COOKIE: &str = "ds_session";
/// The cookie holding the chosen language.
pub const LANG_COOKIE: &str = "ds_lang";
/// How long a console session lasts at most.
pub const SESSION_HOURS: i64 = 12;
/// A console session unused this long has ended.
pub const IDLE_MINUTES: i64 = 120;

/// The console's language: Chinese unless English was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "zh" => Some(Self::Zh),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// `?lang=` first, then the language cookie, then Chinese.
    pub fn of(parts: &Parts) -> Self {
        let from_query = parts.uri.query().and_then(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == "lang")
                .and_then(|(_, v)| Self::parse(v))
        });
        from_query
            .or_else(|| cookie(&parts.headers, LANG_COOKIE).and_then(|v| Self::parse(&v)))
            .unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts))
    }
}

/// The value of one cookie of a request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Whether cookies set in answer to this request must be `Secure`.
pub fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.console.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value for the console; `max_age` 0 deletes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age_s: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let v = format!(
        "{name}={value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}"
    );
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// The signed-in supervisor or admin behind a console request.
#[derive(Debug, Clone)]
pub struct ConsoleUser {
    /// The same caller the JSON API sees, for the shared code paths (its
    /// `token_hash` is the console session's).
    pub caller: Caller,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
    pub lang: Lang,
}

impl ConsoleUser {
    pub fn is_admin(&self) -> bool {
        self.caller.role == Role::Admin
    }

    /// Refuses anyone but an admin (the admin pages), with the Forbidden page.
    pub fn require_admin(&self) -> Result<(), ConsoleError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ConsoleError::AdminOnly { lang: self.lang })
        }
    }

    /// Refuses a form post whose CSRF token is not this session's.
    pub fn check_csrf(&self, given: &str) -> Result<(), ConsoleError> {
        let a = self.csrf.as_bytes();
        let b = given.as_bytes();
        // Compared in full whatever the first difference, so timing tells nothing.
        let same =
            a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
        if same {
            Ok(())
        } else {
            tracing::warn!(user = %self.caller.user_id, "console form without a valid CSRF token");
            Err(ConsoleError::Csrf { lang: self.lang })
        }
    }
}

impl FromRequestParts<AppState> for ConsoleUser {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = Lang::of(parts);
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(ConsoleError::SignedOut)?;
        let hash = token_hash(&token);
        let at = state.clock.now();
        let live = state
            .storage
            .console_session(&hash, at, chrono::Duration::minutes(IDLE_MINUTES))
            .await?;
        let Some(ConsoleSession { session, csrf }) = live else {
            return Err(ConsoleError::SignedOut);
        };
        // Sessions are only opened for reviewers; a role changed since is refused.
        if session.role == Role::Worker {
            return Err(ConsoleError::Forbidden { lang });
        }
        Ok(ConsoleUser {
            csrf,
            caller: Caller {
                user_id: session.user_id,
                username: session.username,
                display_name: session.display_name,
                role: session.role,
                grid_ids: session.grid_ids,
                token_hash: hash,
                at,
            },
            lang,
        })
    }
}

#[derive(Deserialize)]
pub struct LangQuery {
    to: String,
}

/// `GET /console/lang?to=en`: remembers the language and goes back to the
/// console page the user came from (never to another site).
pub async fn switch_lang(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = Lang::parse(&q.to).unwrap_or_default();
    let value = match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    };
    let back = back_path(&headers).unwrap_or_else(|| "/console".to_owned());
    let mut resp = Redirect::to(&back).into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            LANG_COOKIE,
            value,
            365 * 24 * 3600,
            secure(&state, &headers),
        ),
    );
    resp
}

/// The console path of the Referer when it is this same host.
fn back_path(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(HOST)?.to_str().ok()?;
    let referer = headers.get(REFERER)?.to_str().ok()?;
    let rest = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))?;
    let path = rest.strip_prefix(host)?;
    let path = path.split('#').next()?;
    // Drop a `lang=` parameter so the cookie decides from now on.
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    if !(p == "/console" || p.starts_with("/console/")) || p.starts_with("/console/lang") {
        return None;
    }
    let q: Vec<&str> = q
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
        .collect();
    Some(if q.is_empty() {
        p.to_owned()
    } else {
        format!("{p}?{}", q.join("&"))
    })
}
