//! Console login and logout, and the lockout after repeated wrong passwords.
//!
//! The login form carries its own CSRF token (a random value in a short-lived
//! cookie and in the form, compared on post) since there is no session yet.
//! After [`MAX_FAILURES`] wrong passwords for one username within
//! [`LOCKOUT`], that username is locked for [`LOCKOUT`]: even the right
//! password is refused until then, with a message saying how long to wait.
//! [`MAX_FAILURES_PER_ADDRESS`] failures from one address lock that address
//! the same way. The counts live in this process (a restart forgets them).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use doorstep_protocol::Role;
use serde::Deserialize;

use super::ConsoleError;
use super::html::{esc, frame, t};
use super::session::{self, ConsoleUser, Lang, SESSION_COOKIE, SESSION_HOURS};
use crate::api::{AppState, RemoteAddr};
use crate::auth;
use crate::storage::{AuditEntry, NewConsoleSession};

/// Wrong passwords for one username before it is locked.
pub const MAX_FAILURES: u32 = 5;
/// Wrong passwords from one address (any usernames) before it is locked:
/// one machine guessing across many accounts.
pub const MAX_FAILURES_PER_ADDRESS: u32 = 20;
/// How long failures are remembered, and how long a lock lasts.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);
const LOGIN_CSRF_COOKIE: &str = "ds_login_csrf";

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    first: Instant,
    locked_until: Option<Instant>,
}

/// The console's in-process state: failed logins per username, cookie policy,
/// the map tile server (if any).
#[derive(Debug)]
pub struct ConsoleShared {
    pub secure_cookies: bool,
    /// Draws visit door checks on these map tiles instead of the plain plot.
    pub tiles: Option<super::tiles::TileSource>,
    failures: Mutex<HashMap<String, Failures>>,
}

impl ConsoleShared {
    pub fn new(secure_cookies: bool) -> Self {
        Self {
            secure_cookies,
            tiles: None,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// The same, drawing door checks on `tiles` when given.
    pub fn with_tiles(self, tiles: Option<super::tiles::TileSource>) -> Self {
        Self { tiles, ..self }
    }

    /// How long `username` stays locked, if it is.
    fn locked_for(&self, username: &str, now: Instant) -> Option<Duration> {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.get(username)
            .and_then(|f| f.locked_until)
            .and_then(|until| until.checked_duration_since(now))
            .filter(|d| !d.is_zero())
    }

    /// Counts a wrong password under `key`; true when this one locks it.
    fn fail(&self, key: &str, limit: u32, now: Instant) -> bool {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        // Forget stale entries so the map cannot grow without bound.
        map.retain(|_, f| {
            now.duration_since(f.first) < LOCKOUT || f.locked_until.is_some_and(|u| u > now)
        });
        let f = map.entry(key.to_owned()).or_insert(Failures {
            count: 0,
            first: now,
            locked_until: None,
        });
        if f.locked_until.is_some_and(|u| u <= now) {
            *f = Failures {
                count: 0,
                first: now,
                locked_until: None,
            };
        }
        f.count += 1;
        if f.count >= limit && f.locked_until.is_none() {
            f.locked_until = Some(now + LOCKOUT);
            return true;
        }
        false
    }

    fn succeed(&self, username: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(username);
    }

    /// How long a sign-in as `username` from `remote_addr` stays refused
    /// before its password is even checked: the account's lock or the
    /// address's, whichever ends later. The console and the phones' login
    /// share these counts.
    pub fn sign_in_locked(&self, username: &str, remote_addr: Option<&str>) -> Option<Duration> {
        let now = Instant::now();
        self.locked_for(&user_key(username), now)
            .max(address_key(remote_addr).and_then(|a| self.locked_for(&a, now)))
    }

    /// Counts a wrong password for `username` and for `remote_addr`; true
    /// when this one locks either.
    pub fn sign_in_failed(&self, username: &str, remote_addr: Option<&str>) -> bool {
        let now = Instant::now();
        let mut locked = self.fail(&user_key(username), MAX_FAILURES, now);
        if let Some(a) = address_key(remote_addr) {
            locked |= self.fail(&a, MAX_FAILURES_PER_ADDRESS, now);
        }
        locked
    }

    /// Forgets the account's wrong passwords after a good one.
    pub fn sign_in_succeeded(&self, username: &str) {
        self.succeed(&user_key(username));
    }
}

/// The lockout key of a username: trimmed, lower case.
fn user_key(username: &str) -> String {
    format!("user:{}", username.trim().to_lowercase())
}

/// The lockout key of an address: its IP without the port (one machine,
/// whatever connection it uses).
fn address_key(remote_addr: Option<&str>) -> Option<String> {
    remote_addr
        .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
        .map(|a| format!("ip:{}", a.ip()))
}

/// Writes an audit line about a sign-in that did not open a session:
/// `action` (`login.failed`, `login.locked`, `console.login_refused`) by the
/// username as typed (the nil id when no such user exists), `via` the
/// console or the phones' API.
pub async fn audit_sign_in(
    state: &AppState,
    action: &str,
    username: &str,
    user_id: Option<uuid::Uuid>,
    via: &str,
    remote_addr: Option<String>,
) -> Result<(), crate::storage::StorageError> {
    let typed: String = username.trim().chars().take(64).collect();
    state
        .storage
        .audit(&AuditEntry {
            at: state.clock.now(),
            actor_id: user_id.unwrap_or_else(uuid::Uuid::nil),
            actor_username: typed.clone(),
            action: action.to_owned(),
            target: typed,
            detail: serde_json::json!({ "via": via }),
            remote_addr,
        })
        .await
}

/// The login page, with `error` (zh, en) shown above the form.
fn login_page(lang: Lang, csrf: &str, username: &str, error: Option<(&str, &str)>) -> String {
    let error = error
        .map(|(zh, en)| {
            format!(
                "<div class=\"err\" role=\"alert\">{}</div>",
                esc(t(lang, zh, en))
            )
        })
        .unwrap_or_default();
    let body = format!(
        "{error}<form method=\"post\" action=\"/console/login\" class=\"msg\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<p><label>{}<br><input name=\"username\" autocomplete=\"username\" required value=\"{}\"></label></p>\
<p><label>{}<br><input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label></p>\
<p><button type=\"submit\">{}</button></p></form>",
        esc(csrf),
        t(lang, "用户名", "Username"),
        esc(username),
        t(lang, "密码", "Password"),
        t(lang, "登录", "Sign in"),
    );
    frame(
        lang,
        None,
        t(lang, "督导员登录", "Supervisor sign-in"),
        &body,
    )
}

/// 32 random bytes in hex (session cookies, CSRF tokens).
fn random_token() -> Result<String, ConsoleError> {
    auth::new_token().map(|(token, _)| token).map_err(|e| {
        tracing::error!(error = %e, "random source failed");
        ConsoleError::Server(crate::error::ApiFailure::internal().into())
    })
}

/// A login page answer that also (re)sets the login CSRF cookie.
fn with_login_csrf(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    lang: Lang,
    username: &str,
    error: Option<(&str, &str)>,
) -> Result<Response, ConsoleError> {
    let csrf = random_token()?;
    let mut resp = (status, Html(login_page(lang, &csrf, username, error))).into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(
            LOGIN_CSRF_COOKIE,
            &csrf,
            3600,
            session::secure(state, headers),
        ),
    );
    Ok(resp)
}

/// `GET /console/login`.
pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    lang: Lang,
) -> Result<Response, ConsoleError> {
    with_login_csrf(&state, &headers, StatusCode::OK, lang, "", None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// `POST /console/login`: a session cookie for a supervisor or admin whose
/// password matches; workers are refused, repeated failures lock the username.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    lang: Lang,
    RemoteAddr(remote_addr): RemoteAddr,
    Form(form): Form<LoginForm>,
) -> Result<Response, ConsoleError> {
    let expected = session::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || expected != form.csrf {
        return Err(ConsoleError::Csrf { lang });
    }
    let locked = state
        .console
        .sign_in_locked(&form.username, remote_addr.as_deref());
    if let Some(wait) = locked {
        let minutes = wait.as_secs().div_ceil(60);
        let zh = format!("密码错误次数过多，该账号已暂时锁定，请 {minutes} 分钟后再试");
        let en = format!(
            "Too many wrong passwords: this account is locked; try again in {minutes} minutes"
        );
        return with_login_csrf(
            &state,
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            lang,
            &form.username,
            Some((&zh, &en)),
        );
    }
    let user =
        crate::api::login::check_password(&state, form.username.trim(), form.password).await?;
    let Some(user) = user else {
        let locked = state
            .console
            .sign_in_failed(&form.username, remote_addr.as_deref());
        tracing::info!(locked, "console login refused");
        audit_sign_in(
            &state,
            if locked {
                "login.locked"
            } else {
                "login.failed"
            },
            &form.username,
            None,
            "console",
            remote_addr.clone(),
        )
        .await?;
        let (status, zh, en) = if locked {
            (
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "密码错误次数过多，该账号已暂时锁定，请 {} 分钟后再试",
                    LOCKOUT.as_secs() / 60
                ),
                format!(
                    "Too many wrong passwords: this account is locked; try again in {} minutes",
                    LOCKOUT.as_secs() / 60
                ),
            )
        } else {
            (
                StatusCode::UNAUTHORIZED,
                "用户名或密码错误".to_owned(),
                "Wrong username or password".to_owned(),
            )
        };
        return with_login_csrf(
            &state,
            &headers,
            status,
            lang,
            &form.username,
            Some((&zh, &en)),
        );
    };
    state.console.sign_in_succeeded(&form.username);
    if user.role == Role::Worker {
        audit_sign_in(
            &state,
            "console.login_refused",
            &user.username,
            Some(user.id),
            "console",
            remote_addr.clone(),
        )
        .await?;
        return Err(ConsoleError::Forbidden { lang });
    }
    let token = random_token()?;
    let hash = auth::token_hash(&token);
    let csrf = random_token()?;
    let at = state.clock.now();
    state
        .storage
        .insert_console_session(&NewConsoleSession {
            hash,
            user_id: user.id,
            csrf,
            created_at: at,
            expires_at: at + chrono::Duration::hours(SESSION_HOURS),
            remote_addr: remote_addr.clone(),
        })
        .await?;
    state
        .storage
        .audit(&AuditEntry {
            at,
            actor_id: user.id,
            actor_username: user.username.clone(),
            action: "console.login".to_owned(),
            target: user.id.to_string(),
            detail: serde_json::json!({}),
            remote_addr,
        })
        .await?;
    tracing::info!(user = %user.id, "console login");
    let secure = session::secure(&state, &headers);
    let mut resp = Redirect::to("/console").into_response();
    let h = resp.headers_mut();
    h.append(
        header::SET_COOKIE,
        session::set_cookie(SESSION_COOKIE, &token, SESSION_HOURS * 3600, secure),
    );
    h.append(
        header::SET_COOKIE,
        session::set_cookie(LOGIN_CSRF_COOKIE, "", 0, secure),
    );
    Ok(resp)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /console/logout`: ends the session on the server and drops the cookie.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: ConsoleUser,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    user.check_csrf(&form.csrf)?;
    state
        .storage
        .end_console_session(&user.caller.token_hash, state.clock.now())
        .await?;
    let mut resp = Redirect::to("/console/login").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(SESSION_COOKIE, "", 0, session::secure(&state, &headers)),
    );
    Ok(resp)
}
