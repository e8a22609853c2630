//! Console login and logout.
//!
//! The login form carries its own CSRF token (a random value in a short-lived
//! cookie and in the form, compared on post) since there is no session yet.
//! The password is checked as the phones' login checks it
//! ([`sign_in::attempt`]); after repeated wrong passwords the account or the
//! address is locked ([`crate::app::lockout`]), and the page says how long to
//! wait.

use std::time::Duration;

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use doorstep_protocol::Role;
use serde::Deserialize;

use super::ConsoleError;
use super::html::{esc, frame, t};
use super::session::{self, ConsoleUser, Lang, SESSION_COOKIE, SESSION_HOURS};
use crate::app::lockout::LOCKOUT;
use crate::app::{AppState, RemoteAddr};
use crate::auth;
use crate::ops::sign_in::{self, Attempt, audit_sign_in};
use crate::storage::{AuditEntry, NewConsoleSession};

const LOGIN_CSRF_COOKIE: &str = "ds_login_csrf";

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

/// The login page again after a refused sign-in: the account or address is
/// locked for `locked` more (429, saying how many minutes to wait), or the
/// username or password was wrong (401).
fn refused(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    username: &str,
    locked: Option<Duration>,
) -> Result<Response, ConsoleError> {
    let (status, zh, en) = match locked {
        Some(wait) => {
            let minutes = wait.as_secs().div_ceil(60);
            (
                StatusCode::TOO_MANY_REQUESTS,
                format!("密码错误次数过多，该账号已暂时锁定，请 {minutes} 分钟后再试"),
                format!(
                    "Too many wrong passwords: this account is locked; try again in {minutes} minutes"
                ),
            )
        }
        None => (
            StatusCode::UNAUTHORIZED,
            "用户名或密码错误".to_owned(),
            "Wrong username or password".to_owned(),
        ),
    };
    with_login_csrf(state, headers, status, lang, username, Some((&zh, &en)))
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
    let attempt = sign_in::attempt(
        &state,
        &form.username,
        form.password,
        "console",
        remote_addr.clone(),
    )
    .await?;
    let user = match attempt {
        Attempt::User(user) => user,
        Attempt::Locked(wait) => {
            return refused(&state, &headers, lang, &form.username, Some(wait));
        }
        Attempt::Refused { locked } => {
            tracing::info!(locked, "console login refused");
            return refused(
                &state,
                &headers,
                lang,
                &form.username,
                locked.then_some(LOCKOUT),
            );
        }
    };
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
