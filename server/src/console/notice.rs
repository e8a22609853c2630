//! The public notice (张榜公示) of approved visits of a kind that has one (低保,
//! 临时救助, …): only what may be posted on a board, as `.xlsx` and as a
//! printable HTML page.
//!
//! A notice row holds the community and grid, the estate and building (never
//! the unit or door), the household head's name with the given name masked
//! (张*华), the number of people in the household, the kind of assistance (the
//! form's title), the answers of the form's fields marked `public`, and the
//! visit and approval dates. ID numbers, phones, health and disability never
//! appear: a field of an identity, phone or location type is left out even if
//! a form marks it public, and every value still goes through the console's
//! masking. Only approved visits in the user's grids are listed; every notice
//! is audited.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use doorstep_forms::{FieldType, LocalizedText};
use doorstep_model::VisitStatus;
use serde::Deserialize;
use uuid::Uuid;

use super::ConsoleError;
use super::export::{Ledger, MAX_ROWS, XLSX, attachment, download, file_safe, to_xlsx_named};
use super::html::{china, csrf_field, esc, t};
use super::queue::QueueQuery;
use super::session::{ConsoleUser, Lang};
use super::visit::rendered;
use crate::app::{AppState, RemoteAddr};

/// The notice's query string.
#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    template: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// The first day of the 公示 period (today when empty).
    #[serde(default)]
    start: String,
    /// The last day of the 公示 period ([`NOTICE_DAYS`] days from the start when empty).
    #[serde(default)]
    end: String,
}

/// How long a notice stays posted unless the period is given: the seven
/// days (公示期) 低保 rules ask for.
pub const NOTICE_DAYS: u64 = 7;

/// The setting holding the notice's supervision phone (监督电话).
pub const PHONE_SETTING: &str = "notice.phone";

/// The 公示 period of a query: its start and end dates, or a 400 when they
/// do not read as dates or end before they start; it starts `today` unless
/// the query says otherwise.
fn period(
    lang: Lang,
    q: &NoticeQuery,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), ConsoleError> {
    let parse = |s: &str| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
            bad(
                lang,
                "日期格式应为 年-月-日",
                "Dates are written YYYY-MM-DD",
            )
        })
    };
    let start = if q.start.is_empty() {
        today
    } else {
        parse(&q.start)?
    };
    let end = if q.end.is_empty() {
        start + chrono::Days::new(NOTICE_DAYS - 1)
    } else {
        parse(&q.end)?
    };
    if end < start {
        return Err(bad(
            lang,
            &format!("公示期的结束日期 {end} 早于开始日期 {start}"),
            &format!("The notice period ends ({end}) before it starts ({start})"),
        ));
    }
    Ok((start, end))
}

/// A name with the given name masked: the surname and, for three characters
/// or more, the last character kept (张*华, 欧**华, 张*).
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_owned(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// Field types never posted, whatever a form says.
fn never_public(kind: FieldType) -> bool {
    matches!(
        kind,
        FieldType::IdNumber
            | FieldType::Phone
            | FieldType::Geopoint
            | FieldType::Image
            | FieldType::Signature
            | FieldType::Group
            | FieldType::Repeat
    )
}

/// A template that has a notice: its id and title, and its public fields
/// (name and label), from its latest version.
pub struct NoticeKind {
    pub id: String,
    pub title: LocalizedText,
    pub fields: Vec<(String, LocalizedText)>,
}

/// The templates that have a notice: those with a public top-level field.
pub fn notice_kinds(state: &AppState) -> Vec<NoticeKind> {
    let registry = state.templates.read().unwrap_or_else(|e| e.into_inner());
    doorstep_forms::templates::ids()
        .filter_map(|id| registry.latest(id).ok())
        .filter_map(|form| {
            let d = form.definition();
            let fields: Vec<_> = d
                .fields
                .iter()
                .filter(|f| f.public && !never_public(f.field_type))
                .map(|f| (f.name.clone(), f.label.clone()))
                .collect();
            (!fields.is_empty()).then(|| NoticeKind {
                id: d.id.clone(),
                title: d.title.clone(),
                fields,
            })
        })
        .collect()
}

fn bad(lang: Lang, zh: &str, en: &str) -> ConsoleError {
    ConsoleError::Bad {
        lang,
        zh: zh.to_owned(),
        en: en.to_owned(),
    }
}

/// Builds the notice for `user`: approved visits of the kind in their grids,
/// oldest first, with only the columns a notice may carry.
pub async fn notice(
    state: &AppState,
    user: &ConsoleUser,
    q: &NoticeQuery,
    remote_addr: Option<String>,
) -> Result<Ledger, ConsoleError> {
    let lang = user.lang;
    let Some(NoticeKind {
        id: template,
        title,
        fields,
    }) = notice_kinds(state).into_iter().find(|k| k.id == q.template)
    else {
        return Err(bad(
            lang,
            "请选择可以公示的走访类型",
            "Choose a visit kind that has a public notice",
        ));
    };
    let filter = QueueQuery {
        template: template.clone(),
        status: VisitStatus::Approved.as_str().to_owned(),
        from: q.from.clone(),
        to: q.to.clone(),
        ..QueueQuery::default()
    }
    .filter(user)?;
    let (start, end) = period(lang, q, state.clock.today())?;
    let page = state.storage.review_queue(&filter, 0, MAX_ROWS).await?;
    let grids: HashMap<Uuid, (String, String)> = state
        .storage
        .grids_of(user.caller.user_id)
        .await?
        .into_iter()
        .map(|g| (g.id, (g.community, g.name)))
        .collect();
    let mut communities: Vec<&str> = grids.values().map(|(c, _)| c.as_str()).collect();
    communities.sort_unstable();
    communities.dedup();
    let phone = state.storage.setting(PHONE_SETTING).await?;
    let preamble = vec![
        match lang {
            Lang::Zh => format!("{}{}公示", communities.join("、"), title.zh),
            Lang::En => format!("{}: {} — public notice", communities.join(", "), title.en),
        },
        match lang {
            Lang::Zh => format!("公示期：{start} 至 {end}"),
            Lang::En => format!("Posted from {start} to {end}"),
        },
        match (lang, phone) {
            (Lang::Zh, Some(p)) => format!("监督电话：{p}。如有异议，请在公示期内反映。"),
            (Lang::En, Some(p)) => {
                format!("Supervision phone: {p}. Objections are heard during the period.")
            }
            (Lang::Zh, None) => "监督电话：未设置（请管理员在导出页面设置）".to_owned(),
            (Lang::En, None) => {
                "Supervision phone: not set (an admin sets it on the export page)".to_owned()
            }
        },
    ];
    let mut header: Vec<String> = [
        t(lang, "社区", "Community"),
        t(lang, "网格", "Grid"),
        t(lang, "小区楼栋", "Estate and building"),
        t(lang, "户主", "Head of household"),
        t(lang, "家庭人数", "People"),
        t(lang, "救助类型", "Kind of assistance"),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    header.extend(
        fields
            .iter()
            .map(|(_, label)| t(lang, &label.zh, &label.en).to_owned()),
    );
    header.push(t(lang, "走访日期", "Visit date").to_owned());
    header.push(t(lang, "审核通过日期", "Approved on").to_owned());

    let mut rows = Vec::with_capacity(page.rows.len());
    for r in page.rows.iter().rev() {
        let (Some(v), Some(h)) = (
            state.storage.visit(r.visit_id).await?,
            state.storage.household(r.household_id).await?,
        ) else {
            continue;
        };
        let (community, grid) = grids.get(&r.grid_id).cloned().unwrap_or_default();
        let head = h
            .residents
            .iter()
            .find(|p| p.relation == "head")
            .or_else(|| h.residents.first())
            .map(|p| mask_name(&p.name))
            .unwrap_or_default();
        let place = match &h.building {
            Some(b) => format!("{} {b}", h.estate),
            None => h.estate.clone(),
        };
        let answers: HashMap<String, (String, String)> = rendered(state, &v)
            .into_iter()
            .map(|(path, _, _, zh, en)| (path, (zh, en)))
            .collect();
        let mut row = vec![
            community,
            grid,
            place,
            head,
            h.residents.len().to_string(),
            t(lang, &title.zh, &title.en).to_owned(),
        ];
        for (name, _) in &fields {
            row.push(
                answers
                    .get(name)
                    .map(|(zh, en)| t(lang, zh, en).to_owned())
                    .unwrap_or_default(),
            );
        }
        let day = |at: chrono::DateTime<Utc>| at.with_timezone(&china()).date_naive().to_string();
        row.push(day(r.finalized));
        row.push(
            v.visit
                .review
                .as_ref()
                .map(|rv| day(rv.at))
                .unwrap_or_default(),
        );
        rows.push(row);
    }
    state
        .storage
        .audit(&user.caller.audit_entry(
            "notice.export",
            template,
            serde_json::json!({
                "from": q.from, "to": q.to, "start": start, "end": end, "rows": rows.len(),
            }),
            remote_addr,
        ))
        .await?;
    Ok(Ledger {
        preamble,
        header,
        rows,
        kinds: Vec::new(),
    })
}

/// The export page's notice form: kinds with a notice, a date range, Excel or print.
pub fn form_section(state: &AppState, lang: Lang) -> String {
    let mut out = format!(
        "<h2>{}</h2><form class=\"filters\" method=\"get\" action=\"/console/export/notice.html\">\
<label>{}<select name=\"template\" required>",
        t(lang, "张榜公示", "Public notice"),
        t(lang, "走访类型", "Visit kind"),
    );
    for k in notice_kinds(state) {
        let _ = write!(
            out,
            "<option value=\"{}\">{}</option>",
            esc(&k.id),
            esc(t(lang, &k.title.zh, &k.title.en))
        );
    }
    let _ = write!(
        out,
        "</select></label><label>{}<input type=\"date\" name=\"from\"></label>\
<label>{}<input type=\"date\" name=\"to\"></label>\
<label>{}<input type=\"date\" name=\"start\"></label><label>{}<input type=\"date\" name=\"end\"></label>\
<button type=\"submit\" formaction=\"/console/export/notice.xlsx\">{}</button> \
<button type=\"submit\">{}</button></form><p class=\"muted\">{}</p>",
        t(lang, "审核通过的走访：从", "Approved visits from"),
        t(lang, "至", "To"),
        t(
            lang,
            "公示期：开始（默认今天）",
            "Posted from (default today)"
        ),
        t(lang, "结束（默认 7 天）", "Until (default 7 days)"),
        t(lang, "导出 Excel", "Export Excel"),
        t(lang, "打印版", "Printable page"),
        t(
            lang,
            "仅含已审核通过的走访和表单中允许公示的项目；户主姓名隐去名字，不含身份证号、电话、门牌号和健康、残疾情况。",
            "Approved visits only, with only the form items marked public; the head's given name is masked; no ID numbers, phones, door numbers, health or disability."
        ),
    );
    out
}

/// The admin's form for the notice's supervision phone, showing the current one.
pub fn phone_form(lang: Lang, user: &ConsoleUser, current: Option<&str>) -> String {
    if !user.is_admin() {
        return String::new();
    }
    format!(
        "<form method=\"post\" action=\"/console/admin/notice-phone\" class=\"filters\">{}\
<label>{}<input name=\"phone\" required maxlength=\"30\" value=\"{}\" inputmode=\"tel\"></label>\
<button type=\"submit\">{}</button></form>",
        csrf_field(user),
        t(lang, "公示的监督电话", "The notice's supervision phone"),
        esc(current.unwrap_or("")),
        t(lang, "保存", "Save"),
    )
}

#[derive(Deserialize)]
pub struct PhoneForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    phone: String,
}

/// `POST /console/admin/notice-phone`: an admin sets the supervision phone
/// every notice prints (digits, spaces, `-`, `+`, parentheses; audited).
pub async fn set_phone(
    State(state): State<AppState>,
    user: ConsoleUser,
    RemoteAddr(remote_addr): RemoteAddr,
    Form(form): Form<PhoneForm>,
) -> Result<Response, ConsoleError> {
    user.require_admin()?;
    user.check_csrf(&form.csrf)?;
    let lang = user.lang;
    let phone = form.phone.trim();
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+' | '(' | ')'));
    if !allowed || !(5..=20).contains(&digits) || phone.chars().count() > 30 {
        return Err(bad(
            lang,
            "监督电话应为 5 到 20 位数字，可含空格、“-”、“+”和括号",
            "The supervision phone is 5 to 20 digits, with spaces, '-', '+' and parentheses allowed",
        ));
    }
    let audit = user.caller.audit_entry(
        "notice.settings",
        PHONE_SETTING,
        serde_json::json!({ "phone": phone }),
        remote_addr,
    );
    state
        .storage
        .set_setting(PHONE_SETTING, phone, &audit)
        .await?;
    Ok(Redirect::to("/console/export").into_response())
}

/// `GET /console/export/notice.xlsx`.
pub async fn xlsx(
    State(state): State<AppState>,
    user: ConsoleUser,
    RemoteAddr(remote_addr): RemoteAddr,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, ConsoleError> {
    let n = notice(&state, &user, &q, remote_addr).await?;
    let today = state.clock.today();
    let name = format!(
        "{}_{today}.xlsx",
        file_safe(n.preamble.first().map_or("公示", String::as_str))
    );
    let bytes = tokio::task::spawn_blocking(move || to_xlsx_named(&n, "公示"))
        .await
        .map_err(|e| ConsoleError::Server(e.into()))??;
    Ok(download(bytes, XLSX, attachment(&name)))
}

/// `GET /console/export/notice.html`: a bare page to print and post.
pub async fn html(
    State(state): State<AppState>,
    user: ConsoleUser,
    RemoteAddr(remote_addr): RemoteAddr,
    Query(q): Query<NoticeQuery>,
) -> Result<Html<String>, ConsoleError> {
    let lang = user.lang;
    let n = notice(&state, &user, &q, remote_addr).await?;
    let title = n.preamble.first().cloned().unwrap_or_default();
    let mut out = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title>\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<style>body{{font-family:'PingFang SC','Microsoft YaHei',serif;margin:2em}}table{{border-collapse:collapse}}\
td,th{{border:1px solid #333;padding:.3em .6em}}.wide{{overflow-x:auto}}a{{display:inline-block;min-height:44px;line-height:44px}}@media print{{a{{display:none}}}}</style></head><body>\
<h1>{}</h1>",
        t(lang, "zh-CN", "en"),
        esc(&title),
        esc(&title),
    );
    for line in n.preamble.iter().skip(1) {
        let _ = write!(out, "<p>{}</p>", esc(line));
    }
    out.push_str("<div class=\"wide\"><table><thead><tr>");
    for h in &n.header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in &n.rows {
        out.push_str("<tr>");
        for c in row {
            let _ = write!(out, "<td>{}</td>", esc(c));
        }
        out.push_str("</tr>");
    }
    let _ = write!(
        out,
        "</tbody></table></div><p>{} {}</p><p><a href=\"/console/export\">{}</a></p></body></html>",
        t(lang, "共", "Total"),
        n.rows.len(),
        t(lang, "返回", "Back"),
    );
    Ok(Html(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_names_are_masked() {
        assert_eq!(mask_name("张建华"), "张*华");
        assert_eq!(mask_name("欧阳明华"), "欧**华");
        assert_eq!(mask_name("张华"), "张*");
        assert_eq!(mask_name(""), "");
    }
}
