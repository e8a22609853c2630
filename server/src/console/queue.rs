//! The review queue: visit revisions of the user's grids, newest first, with
//! filters (grid, worker, visit kind, status, date range, flagged) and paging.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::extract::{Query, State};
use axum::response::Html;
use chrono::{DateTime, NaiveDate, Utc};
use doorstep_model::VisitStatus;
use serde::Deserialize;
use uuid::Uuid;

use super::ConsoleError;
use super::html::{
    esc, flag_badge, flag_label, frame, outcome_cell, pager, status_label, t, url_encode, when,
};
use super::session::{ConsoleUser, Lang};
use crate::app::AppState;
use crate::storage::QueueFilter;

/// Lines per page.
pub const PAGE_SIZE: u64 = 50;

/// The queue's query string; every value optional, empty means unset.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    pub grid: String,
    #[serde(default)]
    pub worker: String,
    #[serde(default)]
    pub template: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub flagged: String,
    /// One flag code, e.g. `door:outside` (the dashboard's anomaly links).
    #[serde(default)]
    pub flag: String,
    #[serde(default)]
    pub page: String,
}

/// Midnight of a date in China Standard Time, as UTC.
pub fn day_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0)
        .and_then(|dt| dt.and_local_timezone(super::html::china()).single())
        .map_or_else(
            || d.and_time(chrono::NaiveTime::MIN).and_utc(),
            |dt| dt.with_timezone(&Utc),
        )
}

fn bad(lang: Lang, zh: &str, en: &str) -> ConsoleError {
    ConsoleError::Bad {
        lang,
        zh: zh.to_owned(),
        en: en.to_owned(),
    }
}

impl QueueQuery {
    /// The storage filter for `user`, or a 400 naming the bad parameter.
    pub fn filter(&self, user: &ConsoleUser) -> Result<QueueFilter, ConsoleError> {
        let lang = user.lang;
        let uuid = |s: &str, zh: &str, en: &str| -> Result<Option<Uuid>, ConsoleError> {
            if s.is_empty() {
                return Ok(None);
            }
            Uuid::parse_str(s).map(Some).map_err(|_| bad(lang, zh, en))
        };
        let date = |s: &str| -> Result<Option<NaiveDate>, ConsoleError> {
            if s.is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| {
                    bad(
                        lang,
                        "日期格式应为 年-月-日",
                        "Dates are written YYYY-MM-DD",
                    )
                })
        };
        let status = if self.status.is_empty() {
            None
        } else {
            Some(
                VisitStatus::from_str_opt(&self.status)
                    .ok_or_else(|| bad(lang, "未知的状态", "Unknown status"))?,
            )
        };
        let (from, to) = (date(&self.from)?, date(&self.to)?);
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(bad(
                lang,
                &format!("开始日期 {f} 晚于结束日期 {t}，请调换或修改日期"),
                &format!("The start date {f} is after the end date {t}; swap or change them"),
            ));
        }
        Ok(QueueFilter {
            scope: user.caller.grid_ids.clone(),
            grid: uuid(&self.grid, "未知的网格", "Unknown grid")?,
            worker: uuid(&self.worker, "未知的网格员", "Unknown worker")?,
            template_id: (!self.template.is_empty()).then(|| self.template.clone()),
            status,
            from,
            until: to.and_then(|d| d.succ_opt()),
            flagged: !self.flagged.is_empty(),
            // A reused photo is found from the photos, not stored as a flag.
            flag: (!self.flag.is_empty() && self.flag != super::flags::PHOTO_REUSED)
                .then(|| self.flag.clone()),
            photo: None,
            reused_photos: self.flag == super::flags::PHOTO_REUSED,
            all_revisions: false,
        })
    }

    /// This query as a query string, with `page` replaced.
    fn with_page(&self, page: u64) -> String {
        let pairs = [
            ("grid", &self.grid),
            ("worker", &self.worker),
            ("template", &self.template),
            ("status", &self.status),
            ("from", &self.from),
            ("to", &self.to),
            ("flagged", &self.flagged),
            ("flag", &self.flag),
        ];
        let mut q = String::new();
        for (k, v) in pairs {
            if !v.is_empty() {
                let _ = write!(q, "{k}={}&", url_encode(v));
            }
        }
        let _ = write!(q, "page={page}");
        q
    }
}

/// Each template id with its latest title (zh, en), for choosing a kind.
pub async fn template_titles(
    state: &AppState,
) -> Result<BTreeMap<String, (String, String)>, ConsoleError> {
    Ok(version_titles(state)
        .await?
        .into_iter()
        .map(|((id, _), title)| (id, title))
        .collect())
}

/// Each template version's own title (zh, en): a visit is shown under the
/// title of the version it was made with, whatever was published since.
pub async fn version_titles(state: &AppState) -> Result<VersionTitles, ConsoleError> {
    let mut out = BTreeMap::new();
    for record in state.storage.templates().await? {
        let title = &record.definition["title"];
        let text = |lang: &str| {
            title[lang]
                .as_str()
                .unwrap_or(&record.template_id)
                .to_owned()
        };
        out.insert(
            (record.template_id.clone(), record.version),
            (text("zh"), text("en")),
        );
    }
    Ok(out)
}

/// Titles by template id and version, in version order.
pub type VersionTitles = BTreeMap<(String, u32), (String, String)>;

/// The title of a visit made with `version` of `template_id` in the language
/// (the id when no such version is stored).
pub fn title_of<'a>(
    titles: &'a VersionTitles,
    lang: Lang,
    template_id: &'a str,
    version: u32,
) -> &'a str {
    titles
        .get(&(template_id.to_owned(), version))
        .map_or(template_id, |(zh, en)| t(lang, zh, en))
}

fn option(value: &str, label: &str, selected: &str) -> String {
    format!(
        "<option value=\"{}\"{}>{}</option>",
        esc(value),
        if value == selected { " selected" } else { "" },
        esc(label)
    )
}

/// The anomaly filter's options: the dashboard's anomalies, and the flag
/// asked for when it is another one (a validation item, say).
fn anomaly_options(lang: Lang, selected: &str) -> String {
    let mut out: String = super::dashboard::ANOMALIES
        .iter()
        .map(|code| option(code, &flag_label(lang, code), selected))
        .collect();
    if !selected.is_empty() && !super::dashboard::ANOMALIES.contains(&selected) {
        out.push_str(&option(selected, &flag_label(lang, selected), selected));
    }
    out
}

/// `GET /console/queue`.
/// The page a `?page=` asks for, from 1: page 1 for none or nonsense, and
/// the largest number for one too long to hold (so it shows the last page).
pub(crate) fn page_number(text: &str) -> u64 {
    let text = text.trim();
    match text.parse::<u64>() {
        Ok(n) => n.max(1),
        Err(_) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => u64::MAX,
        Err(_) => 1,
    }
}

/// Where page `page_no` (from 1) of `size` lines starts; never overflows
/// (the storage shows nothing past the end and the caller the last page).
pub(crate) fn page_offset(page_no: u64, size: u64) -> u64 {
    page_no.saturating_sub(1).saturating_mul(size)
}

pub async fn render(
    state: &AppState,
    user: &ConsoleUser,
    q: &QueueQuery,
) -> Result<String, ConsoleError> {
    let lang = user.lang;
    let filter = q.filter(user)?;
    let mut page_no = page_number(&q.page);
    let mut result = state
        .storage
        .review_queue(&filter, page_offset(page_no, PAGE_SIZE), PAGE_SIZE)
        .await?;
    // A page past the end shows the last page, never "2 / 1" over nothing.
    let last = result.total.div_ceil(PAGE_SIZE).max(1);
    if page_no > last {
        page_no = last;
        result = state
            .storage
            .review_queue(&filter, page_offset(page_no, PAGE_SIZE), PAGE_SIZE)
            .await?;
    }
    let grids = state.storage.grids_of(user.caller.user_id).await?;
    let workers = state.storage.workers_of(&user.caller.grid_ids).await?;
    let versions = version_titles(state).await?;
    let titles: BTreeMap<String, (String, String)> = versions
        .iter()
        .map(|((id, _), title)| (id.clone(), title.clone()))
        .collect();

    let mut body = String::new();
    body.push_str("<form class=\"filters\" method=\"get\" action=\"/console/queue\">");
    let _ = write!(
        body,
        "<label>{}<select name=\"grid\"><option value=\"\">{}</option>",
        t(lang, "网格", "Grid"),
        t(lang, "全部", "All")
    );
    for g in &grids {
        body.push_str(&option(&g.id.to_string(), &g.name, &q.grid));
    }
    let _ = write!(
        body,
        "</select></label><label>{}<select name=\"worker\"><option value=\"\">{}</option>",
        t(lang, "网格员", "Worker"),
        t(lang, "全部", "All")
    );
    for (id, name) in &workers {
        body.push_str(&option(&id.to_string(), name, &q.worker));
    }
    let _ = write!(
        body,
        "</select></label><label>{}<select name=\"template\"><option value=\"\">{}</option>",
        t(lang, "走访类型", "Visit kind"),
        t(lang, "全部", "All")
    );
    for (id, (zh, en)) in &titles {
        body.push_str(&option(id, t(lang, zh, en), &q.template));
    }
    let _ = write!(
        body,
        "</select></label><label>{}<select name=\"status\"><option value=\"\">{}</option>",
        t(lang, "状态", "Status"),
        t(lang, "全部", "All")
    );
    for s in [
        VisitStatus::Uploaded,
        VisitStatus::Approved,
        VisitStatus::Returned,
        VisitStatus::Rejected,
    ] {
        body.push_str(&option(s.as_str(), status_label(lang, s), &q.status));
    }
    let _ = write!(
        body,
        "</select></label><label>{}<input type=\"date\" name=\"from\" value=\"{}\"></label>\
<label>{}<input type=\"date\" name=\"to\" value=\"{}\"></label>\
<label><input type=\"checkbox\" name=\"flagged\" value=\"1\"{}>{}</label>\
<label>{}<select name=\"flag\"><option value=\"\">{}</option>{}</select></label>\
<button type=\"submit\">{}</button></form>",
        t(lang, "从", "From"),
        esc(&q.from),
        t(lang, "至", "To"),
        esc(&q.to),
        if q.flagged.is_empty() { "" } else { " checked" },
        t(lang, "仅看有异常", "Flagged only"),
        t(lang, "异常类型", "Anomaly"),
        t(lang, "全部", "All"),
        anomaly_options(lang, &q.flag),
        t(lang, "筛选", "Filter"),
    );
    let _ = write!(
        body,
        "<p>{} {}</p><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "共", "Total"),
        result.total,
        t(lang, "完成时间", "Finished"),
        t(lang, "走访类型", "Visit kind"),
        t(lang, "户号", "Household"),
        t(lang, "网格", "Grid"),
        t(lang, "网格员", "Worker"),
        t(lang, "入户情况", "At the door"),
        t(lang, "状态", "Status"),
        t(lang, "异常", "Flags"),
    );
    for r in &result.rows {
        let kind = title_of(&versions, lang, &r.template_id, r.template_version);
        let flags: String = r
            .flags
            .iter()
            .map(|f| flag_badge(lang, f, &state.door_policy))
            .collect();
        let revision = if r.revision > 1 {
            format!(
                " <span class=\"muted\">({} {})</span>",
                t(lang, "第", "rev."),
                r.revision
            )
        } else {
            String::new()
        };
        let _ = write!(
            body,
            "<tr><td><a href=\"/console/visits/{}\">{}</a></td><td>{}{revision}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{flags}</td></tr>",
            r.visit_id,
            esc(&when(r.finalized)),
            esc(kind),
            esc(&r.household_code),
            esc(&r.grid_name),
            esc(&r.worker_name),
            outcome_cell(lang, r.door_outcome),
            esc(status_label(lang, r.status)),
        );
    }
    body.push_str("</tbody></table><p>");
    let pages = result.total.div_ceil(PAGE_SIZE).max(1);
    body.push_str(&pager(lang, "/console/queue", page_no, pages, |p| {
        q.with_page(p)
    }));
    body.push_str("</p>");
    Ok(frame(
        lang,
        Some(user),
        t(lang, "审核队列", "Review queue"),
        &body,
    ))
}

/// `GET /console/queue`.
pub async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    Query(q): Query<QueueQuery>,
) -> Result<Html<String>, ConsoleError> {
    render(&state, &user, &q).await.map(Html)
}
