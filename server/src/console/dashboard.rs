//! The dashboard: visits finalized today and this week, reviews waiting,
//! per-grid counts with coverage and overdue follow-ups, and anomalies from
//! the flags stored on visits.

use std::fmt::Write as _;

use axum::extract::State;
use axum::response::Html;
use chrono::Datelike;

use super::ConsoleError;
use super::html::{esc, flag_label, frame, t, url_encode};
use super::session::ConsoleUser;
use crate::app::AppState;

/// The flags counted as anomalies, in the order shown (and offered as the
/// queue's anomaly filter).
pub const ANOMALIES: [&str; 11] = [
    "answers_without_entry",
    "too_fast",
    "failed_attempts",
    super::flags::PHOTO_REUSED,
    "door:outside",
    "door:mock_location",
    "door:clock_skew",
    "door_check_differs",
    "no_door_check",
    "form_invalid",
    "grid_released",
];

/// `GET /console`.
pub async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
) -> Result<Html<String>, ConsoleError> {
    let lang = user.lang;
    let today = state.clock.today();
    let week_start =
        today - chrono::Duration::days(i64::from(today.weekday().num_days_from_monday()));
    // Independent reads, side by side (the backends have several readers).
    let scope = &user.caller.grid_ids;
    let (stats, households, returns) = tokio::try_join!(
        state.storage.visit_stats(scope, today, week_start),
        state.storage.coverage_households(scope),
        state.storage.open_returns(scope),
    )?;
    let coverage = {
        let definitions = crate::due::scheduled_templates(
            &state.templates.read().unwrap_or_else(|e| e.into_inner()),
        );
        let defs: Vec<_> = definitions.iter().collect();
        super::coverage::per_grid(&households, &defs, today)
    };
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
        "<h2>{}</h2><table id=\"per-grid\"><thead><tr><th>{}</th><th>{}</th><th>{}</th>\
<th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "各网格", "Per grid"),
        t(lang, "网格", "Grid"),
        t(lang, "本周走访", "Visits this week"),
        t(lang, "待审核", "Waiting"),
        t(lang, "本期应访户数", "Households due this period"),
        t(lang, "本期已访户数", "Visited this period"),
        t(lang, "覆盖率", "Coverage"),
        t(lang, "逾期未访", "Overdue visits"),
        t(lang, "退回待修改", "Returned, not yet revised"),
    );
    for (id, name, n, waiting) in &stats.per_grid {
        let c = coverage.get(id).copied().unwrap_or_default();
        let returned = returns.iter().find(|(g, _)| g == id).map_or(0, |(_, n)| *n);
        let _ = write!(
            body,
            "<tr data-grid=\"{id}\"><td><a href=\"/console/queue?grid={id}\">{}</a></td><td>{n}</td><td>{waiting}</td>\
<td class=\"due\">{}</td><td class=\"visited\">{}</td><td class=\"percent\">{}</td><td class=\"overdue\">{}</td>\
<td class=\"returned\"><a href=\"/console/queue?grid={id}&amp;status=returned\">{returned}</a></td></tr>",
            esc(name),
            c.due,
            c.visited,
            c.percent()
                .map_or_else(|| "—".to_owned(), |p| format!("{p}%")),
            c.overdue,
        );
    }
    let _ = write!(
        body,
        "</tbody></table><h2>{}</h2><table id=\"anomalies\"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "异常", "Anomalies"),
        t(lang, "类型", "Kind"),
        t(lang, "数量", "Count"),
        t(lang, "含义与阈值", "What it means"),
    );
    let validation: u64 = stats
        .flags
        .iter()
        .filter(|(f, _)| f.starts_with("form:"))
        .map(|(_, n)| *n)
        .sum();
    let row = |code: &str, label: &str, n: u64, unit: &str| {
        format!(
            "<tr><td><a href=\"/console/queue?flag={}\">{}</a></td><td><a href=\"/console/queue?flag={}\">{n}</a>{}</td><td class=\"muted\">{}</td></tr>",
            url_encode(code),
            esc(label),
            url_encode(code),
            esc(unit),
            esc(&super::flags::reason(lang, code, &state.door_policy).unwrap_or_default()),
        )
    };
    for code in ANOMALIES {
        let (n, unit) = if code == super::flags::PHOTO_REUSED {
            (stats.reused_photos, t(lang, " 张照片", " photos"))
        } else {
            let n = stats
                .flags
                .iter()
                .find(|(f, _)| f == code)
                .map_or(0, |(_, n)| *n);
            (n, "")
        };
        body.push_str(&row(code, &flag_label(lang, code), n, unit));
    }
    body.push_str(&row(
        "form_invalid",
        t(lang, "校验问题（按项）", "Validation problems (by item)"),
        validation,
        "",
    ));
    let _ = write!(
        body,
        "</tbody></table><p><a href=\"/console/queue?flagged=1&amp;status={}\">{}</a></p>",
        url_encode("uploaded"),
        t(
            lang,
            "查看待审核的异常走访",
            "Flagged visits waiting for review"
        ),
    );
    let _ = write!(
        body,
        "<p class=\"muted\">{}</p>",
        t(
            lang,
            "应访户数按各表单的走访周期（月、季度等）和住户标签计算；逾期未访含上期未访和错过的节日走访；退回待修改是已退回、网格员尚未重新提交的走访。",
            "Households due follow each form's schedule (monthly, quarterly, …) and the households' tags; overdue visits are those missed last period or in a campaign window; returned visits wait for the worker's revision."
        )
    );
    Ok(Html(frame(
        lang,
        Some(&user),
        t(lang, "概览", "Dashboard"),
        &body,
    )))
}
