//! The dashboard: visits finalized today and this week, reviews waiting,
//! per-grid counts, and anomalies from the flags stored on visits.

use std::fmt::Write as _;

use axum::extract::State;
use axum::response::Html;
use chrono::{Datelike, Utc};

use super::ConsoleError;
use super::html::{china, esc, flag_label, frame, t, url_encode};
use super::queue::day_start;
use super::session::ConsoleUser;
use crate::api::AppState;

/// The flags counted as anomalies, in the order shown.
const ANOMALIES: [&str; 6] = [
    "door:outside",
    "door:mock_location",
    "door:clock_skew",
    "door_check_differs",
    "no_door_check",
    "form_invalid",
];

/// `GET /console`.
pub async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
) -> Result<Html<String>, ConsoleError> {
    let lang = user.lang;
    let today = Utc::now().with_timezone(&china()).date_naive();
    let week_start =
        today - chrono::Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let stats = state
        .storage
        .visit_stats(
            &user.caller.grid_ids,
            day_start(today),
            day_start(week_start),
        )
        .await?;
    let mut body = String::new();
    let card = |label: &str, n: u64, href: &str| {
        format!(
            "<a class=\"card\" href=\"{}\"><b>{n}</b>{}</a>",
            esc(href),
            esc(label)
        )
    };
    body.push_str(&card(
        t(lang, "今日走访", "Visits today"),
        stats.since_today,
        &format!("/console/queue?from={today}"),
    ));
    body.push_str(&card(
        t(lang, "本周走访", "Visits this week"),
        stats.since_week,
        &format!("/console/queue?from={week_start}"),
    ));
    body.push_str(&card(
        t(lang, "待审核", "Waiting for review"),
        stats.waiting,
        "/console/queue?status=uploaded",
    ));
    let _ = write!(
        body,
        "<h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "各网格", "Per grid"),
        t(lang, "网格", "Grid"),
        t(lang, "走访", "Visits"),
        t(lang, "待审核", "Waiting"),
    );
    for (id, name, n, waiting) in &stats.per_grid {
        let _ = write!(
            body,
            "<tr><td><a href=\"/console/queue?grid={id}\">{}</a></td><td>{n}</td><td>{waiting}</td></tr>",
            esc(name)
        );
    }
    let _ = write!(
        body,
        "</tbody></table><h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "异常", "Anomalies"),
        t(lang, "类型", "Kind"),
        t(lang, "走访数", "Visits"),
    );
    for code in ANOMALIES {
        let n = stats
            .flags
            .iter()
            .find(|(f, _)| f == code)
            .map_or(0, |(_, n)| *n);
        let _ = write!(
            body,
            "<tr><td><a href=\"/console/queue?flag={}\">{}</a></td><td>{n}</td></tr>",
            url_encode(code),
            esc(&flag_label(lang, code))
        );
    }
    let validation: u64 = stats
        .flags
        .iter()
        .filter(|(f, _)| f.starts_with("form:"))
        .map(|(_, n)| *n)
        .sum();
    let _ = write!(
        body,
        "<tr><td>{}</td><td>{validation}</td></tr><tr><td>{}</td><td>{}</td></tr></tbody></table>\
<p><a href=\"/console/queue?flagged=1&amp;status={}\">{}</a></p>",
        t(lang, "校验问题（按项）", "Validation problems (by item)"),
        t(lang, "同一照片用于多户", "Photo reused across households"),
        stats.reused_photos,
        url_encode("uploaded"),
        t(
            lang,
            "查看待审核的异常走访",
            "Flagged visits waiting for review"
        ),
    );
    Ok(Html(frame(
        lang,
        Some(&user),
        t(lang, "概览", "Dashboard"),
        &body,
    )))
}
