//! The audit log, newest first: admins only.

use std::fmt::Write as _;

use axum::extract::State;
use axum::response::Html;

use super::ConsoleError;
use super::html::{esc, frame, t, when};
use super::session::ConsoleUser;
use crate::api::AppState;

/// Lines shown.
const LINES: usize = 500;

/// `GET /console/audit`.
pub async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
) -> Result<Html<String>, ConsoleError> {
    let lang = user.lang;
    user.require_admin()?;
    let lines = state.storage.audit_log(LINES).await?;
    let mut body = format!(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "时间", "When"),
        t(lang, "操作人", "Who"),
        t(lang, "操作", "Action"),
        t(lang, "对象", "Record"),
        t(lang, "内容", "Detail"),
        t(lang, "来源地址", "From"),
    );
    for e in &lines {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            esc(&when(e.at)),
            esc(&e.actor_username),
            esc(&e.action),
            esc(&e.target),
            esc(&e.detail.to_string()),
            esc(e.remote_addr.as_deref().unwrap_or("")),
        );
    }
    body.push_str("</tbody></table>");
    Ok(Html(frame(
        lang,
        Some(&user),
        t(lang, "审计日志", "Audit log"),
        &body,
    )))
}
