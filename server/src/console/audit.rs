//! The audit log for admins: newest first, a page at a time, filtered by
//! user, action and date range; each action in words and each record it
//! names linked to its page when it has one.

use std::fmt::Write as _;

use axum::extract::{Query, State};
use axum::response::Html;
use chrono::NaiveDate;
use serde::Deserialize;

use super::ConsoleError;
use super::html::{esc, frame, pager, t, url_encode, when};
use super::queue::day_start;
use super::session::{ConsoleUser, Lang};
use crate::app::AppState;
use crate::storage::AuditFilter;

/// Lines per page.
pub const PAGE_SIZE: u64 = 100;

/// Every action the server records, with what it means (zh, en).
pub const ACTIONS: [(&str, &str, &str); 15] = [
    ("console.login", "登录管理后台", "Signed in to the console"),
    (
        "console.login_refused",
        "管理后台登录被拒绝",
        "Console sign-in refused",
    ),
    (
        "login.failed",
        "登录失败（密码错误）",
        "Failed sign-in (wrong password)",
    ),
    (
        "login.locked",
        "账号因多次失败被锁定",
        "Account locked after failures",
    ),
    ("visit.review", "审核走访", "Reviewed a visit"),
    (
        "household.location.accept",
        "采用提议的住户位置",
        "Accepted a proposed household location",
    ),
    (
        "household.location.reject",
        "不采用提议的住户位置",
        "Rejected a proposed household location",
    ),
    ("ledger.export", "导出台账", "Exported the ledger"),
    ("ledger.import", "导入台账", "Imported a ledger"),
    ("ledger.refused", "台账导入被拒绝", "Ledger import refused"),
    ("notice.export", "导出公示", "Exported a public notice"),
    (
        "notice.settings",
        "修改公示设置",
        "Changed the notice settings",
    ),
    (
        "template.publish",
        "发布表单模板",
        "Published a form template",
    ),
    ("user.create", "创建用户", "Created a user"),
    ("user.grids", "调整用户网格", "Changed a user's grids"),
];

/// An action code in words (the code itself when it is not a known one).
pub fn action_label(lang: Lang, code: &str) -> String {
    ACTIONS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or_else(|| code.to_owned(), |(_, zh, en)| t(lang, zh, en).to_owned())
}

/// The page of the record an audit line names, when it has one.
fn target_link(action: &str, target: &str) -> Option<String> {
    let id = uuid::Uuid::parse_str(target).ok();
    match action {
        "visit.review" => id.map(|v| format!("/console/visits/{v}")),
        "user.create" | "user.grids" | "console.login" => {
            id.map(|u| format!("/console/admin/users/{u}"))
        }
        "template.publish" => Some("/console/admin/templates".to_owned()),
        "household.location.accept" | "household.location.reject" => None,
        _ => None,
    }
}

/// The audit page's query string; every value optional.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: String,
}

impl AuditQuery {
    fn filter(&self, lang: Lang) -> Result<AuditFilter, ConsoleError> {
        let date = |s: &str| -> Result<Option<NaiveDate>, ConsoleError> {
            if s.is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| ConsoleError::Bad {
                    lang,
                    zh: "日期格式应为 年-月-日".into(),
                    en: "Dates are written YYYY-MM-DD".into(),
                })
        };
        let (from, to) = (date(&self.from)?, date(&self.to)?);
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(ConsoleError::Bad {
                lang,
                zh: format!("开始日期 {f} 晚于结束日期 {t}，请调换或修改日期"),
                en: format!("The start date {f} is after the end date {t}; swap or change them"),
            });
        }
        Ok(AuditFilter {
            actor: (!self.user.trim().is_empty()).then(|| self.user.trim().to_owned()),
            action: (!self.action.is_empty()).then(|| self.action.clone()),
            from: from.map(day_start),
            until: to.and_then(|d| d.succ_opt()).map(day_start),
        })
    }

    fn with_page(&self, page: u64) -> String {
        let mut q = String::new();
        for (k, v) in [
            ("user", &self.user),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !v.is_empty() {
                let _ = write!(q, "{k}={}&", url_encode(v));
            }
        }
        let _ = write!(q, "page={page}");
        q
    }
}

/// `GET /console/audit`.
pub async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    Query(q): Query<AuditQuery>,
) -> Result<Html<String>, ConsoleError> {
    let lang = user.lang;
    user.require_admin()?;
    let filter = q.filter(lang)?;
    let mut page_no = super::queue::page_number(&q.page);
    let (mut lines, mut total) = state
        .storage
        .audit_page(
            &filter,
            super::queue::page_offset(page_no, PAGE_SIZE),
            PAGE_SIZE,
        )
        .await?;
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    if page_no > pages {
        page_no = pages;
        (lines, total) = state
            .storage
            .audit_page(
                &filter,
                super::queue::page_offset(page_no, PAGE_SIZE),
                PAGE_SIZE,
            )
            .await?;
    }

    let mut body = format!(
        "<form class=\"filters\" method=\"get\" action=\"/console/audit\">\
<label>{}<input name=\"user\" value=\"{}\" maxlength=\"64\"></label>\
<label>{}<select name=\"action\"><option value=\"\">{}</option>",
        t(lang, "操作人（用户名）", "Who (username)"),
        esc(&q.user),
        t(lang, "操作", "Action"),
        t(lang, "全部", "All"),
    );
    for (code, zh, en) in ACTIONS {
        let _ = write!(
            body,
            "<option value=\"{code}\"{}>{}</option>",
            if q.action == code { " selected" } else { "" },
            esc(t(lang, zh, en))
        );
    }
    let _ = write!(
        body,
        "</select></label><label>{}<input type=\"date\" name=\"from\" value=\"{}\"></label>\
<label>{}<input type=\"date\" name=\"to\" value=\"{}\"></label><button type=\"submit\">{}</button></form>\
<p>{} {total}</p><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "从", "From"),
        esc(&q.from),
        t(lang, "至", "To"),
        esc(&q.to),
        t(lang, "筛选", "Filter"),
        t(lang, "共", "Total"),
        t(lang, "时间", "When"),
        t(lang, "操作人", "Who"),
        t(lang, "操作", "Action"),
        t(lang, "对象", "Record"),
        t(lang, "内容", "Detail"),
        t(lang, "来源地址", "From"),
    );
    for e in &lines {
        let target = match target_link(&e.action, &e.target) {
            Some(href) => format!("<a href=\"{}\">{}</a>", esc(&href), esc(&e.target)),
            None => esc(&e.target),
        };
        let _ = write!(
            body,
            "<tr><td>{}</td><td><a href=\"/console/audit?user={}\">{}</a></td><td title=\"{}\">{}</td><td>{target}</td><td><code>{}</code></td><td>{}</td></tr>",
            esc(&when(e.at)),
            url_encode(&e.actor_username),
            esc(&e.actor_username),
            esc(&e.action),
            esc(&action_label(lang, &e.action)),
            esc(&e.detail.to_string()),
            esc(e.remote_addr.as_deref().unwrap_or("")),
        );
    }
    body.push_str("</tbody></table><p class=\"pager\">");
    body.push_str(&pager(lang, "/console/audit", page_no, pages, |p| {
        q.with_page(p)
    }));
    body.push_str("</p>");
    Ok(Html(frame(
        lang,
        Some(&user),
        t(lang, "审计日志", "Audit log"),
        &body,
    )))
}
