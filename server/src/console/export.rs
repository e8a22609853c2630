//! Exports of the ledger (台账): the visits of one kind in a date range, one
//! row each, with the form's labels as column headers, as `.xlsx` and as CSV
//! (UTF-8 with a BOM so Excel shows Chinese). ID numbers and phones are masked unless an
//! admin explicitly asks for full values; every export is audited. The page
//! also offers the public notice ([`super::notice`]).

use std::fmt::Write as _;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::ConsoleError;
use std::collections::HashMap;

use doorstep_forms::registry::TemplateRef;
use doorstep_forms::{Field, FieldType};
use doorstep_model::VisitStatus;
use uuid::Uuid;

use super::html::{esc, flag_label, frame, outcome_label, status_label, t, url_encode, when};
use super::queue::{QueueQuery, template_titles};
use super::session::ConsoleUser;
use super::visit::rendered_with;
use crate::app::{AppState, RemoteAddr};

/// Most rows in one export.
pub const MAX_ROWS: u64 = 20_000;

/// `GET /console/export`: the export form.
pub async fn form(
    State(state): State<AppState>,
    user: ConsoleUser,
) -> Result<Html<String>, ConsoleError> {
    let lang = user.lang;
    let titles = template_titles(&state).await?;
    let mut body = format!(
        "<form class=\"filters\" method=\"get\" action=\"/console/export/ledger.csv\">\
<label>{}<select name=\"template\" required>",
        t(lang, "走访类型", "Visit kind")
    );
    for (id, (zh, en)) in &titles {
        let _ = write!(
            body,
            "<option value=\"{}\">{}</option>",
            esc(id),
            esc(t(lang, zh, en))
        );
    }
    let _ = write!(
        body,
        "</select></label><label>{}<select name=\"status\"><option value=\"\">{}</option>",
        t(lang, "状态", "Status"),
        t(lang, "全部", "All"),
    );
    for st in [
        VisitStatus::Approved,
        VisitStatus::Uploaded,
        VisitStatus::Returned,
        VisitStatus::Rejected,
    ] {
        let _ = write!(
            body,
            "<option value=\"{}\">{}</option>",
            st.as_str(),
            esc(status_label(lang, st))
        );
    }
    let _ = write!(
        body,
        "</select></label><label>{}<select name=\"grid\"><option value=\"\">{}</option>",
        t(lang, "网格", "Grid"),
        t(lang, "全部", "All"),
    );
    for g in state.storage.grids_of(user.caller.user_id).await? {
        let _ = write!(body, "<option value=\"{}\">{}</option>", g.id, esc(&g.name));
    }
    let _ = write!(
        body,
        "</select></label><label>{}<input type=\"date\" name=\"from\"></label>\
<label>{}<input type=\"date\" name=\"to\"></label>",
        t(lang, "从", "From"),
        t(lang, "至", "To"),
    );
    if user.is_admin() {
        let _ = write!(
            body,
            "<label><input type=\"checkbox\" name=\"full\" value=\"1\">{}</label>",
            t(
                lang,
                "导出完整身份证号和电话（将记入审计日志）",
                "Full ID numbers and phones (audited)"
            )
        );
    }
    let _ = write!(
        body,
        "<button type=\"submit\" formaction=\"/console/export/ledger.xlsx\">{}</button> \
<button type=\"submit\">{}</button></form><p class=\"muted\">{}</p>",
        t(lang, "导出 Excel", "Export Excel"),
        t(lang, "导出 CSV", "Export CSV"),
        t(
            lang,
            "身份证号和电话默认脱敏显示。",
            "ID numbers and phones are masked by default."
        ),
    );
    body.push_str(&super::notice::form_section(&state, lang));
    let phone = state.storage.setting(super::notice::PHONE_SETTING).await?;
    body.push_str(&super::notice::phone_form(lang, &user, phone.as_deref()));
    Ok(Html(frame(
        lang,
        Some(&user),
        t(lang, "导出台账", "Export ledger"),
        &body,
    )))
}

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    template: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    grid: String,
    #[serde(default)]
    full: String,
}

/// What a column holds, so a workbook writes numbers as numbers and dates
/// as dates (CSV keeps the text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CellKind {
    #[default]
    Text,
    /// An integer or decimal.
    Number,
    /// An amount in 元, shown as `1500.00元` and written as the number 1500.00.
    Yuan,
    /// `YYYY-MM-DD`.
    Date,
    /// `YYYY-MM-DD HH:MM` (China Standard Time).
    DateTime,
}

/// A table to export: lines above it (a title), a header row, data rows of
/// text, and each column's kind (`Text` where missing).
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub preamble: Vec<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub kinds: Vec<CellKind>,
}

/// The type of the field named `name` anywhere in `fields`.
fn field_type(fields: &[Field], name: &str) -> Option<FieldType> {
    fields.iter().find_map(|f| {
        if f.name == name {
            Some(f.field_type)
        } else {
            f.children.as_deref().and_then(|c| field_type(c, name))
        }
    })
}

/// The cell kind of an answer of `field_type`.
fn answer_kind(field_type: Option<FieldType>) -> CellKind {
    match field_type {
        Some(FieldType::Integer | FieldType::Decimal) => CellKind::Number,
        Some(FieldType::Money) => CellKind::Yuan,
        Some(FieldType::Date) => CellKind::Date,
        _ => CellKind::Text,
    }
}

/// The form fields a ledger leaves out: the household code the worker typed
/// (the ledger's own 户号 column says it).
const DUPLICATE_FIELDS: [&str; 1] = ["household_id"];

/// Builds the ledger for `user`; full values only for an admin who asked.
pub async fn ledger(
    state: &AppState,
    user: &ConsoleUser,
    q: &ExportQuery,
    remote_addr: Option<String>,
) -> Result<Ledger, ConsoleError> {
    let lang = user.lang;
    if q.template.is_empty() {
        return Err(ConsoleError::Bad {
            lang,
            zh: "请选择走访类型".into(),
            en: "Choose a visit kind".into(),
        });
    }
    let full = !q.full.is_empty();
    if full {
        user.require_admin()?;
    }
    let filter = QueueQuery {
        template: q.template.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        status: q.status.clone(),
        grid: q.grid.clone(),
        ..QueueQuery::default()
    }
    .filter(user)?;
    let page = state.storage.review_queue(&filter, 0, MAX_ROWS).await?;
    let reviewers: HashMap<Uuid, String> = state
        .storage
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let columns: [(&str, &str, CellKind); 12] = [
        ("完成时间", "Finished", CellKind::DateTime),
        ("户号", "Household", CellKind::Text),
        ("网格", "Grid", CellKind::Text),
        ("网格员", "Worker", CellKind::Text),
        ("入户情况", "At the door", CellKind::Text),
        ("状态", "Status", CellKind::Text),
        ("版本", "Revision", CellKind::Number),
        ("异常", "Flags", CellKind::Text),
        ("审核人", "Reviewer", CellKind::Text),
        ("审核时间", "Reviewed", CellKind::DateTime),
        ("照片数", "Photos", CellKind::Number),
        ("表单版本", "Form version", CellKind::Number),
    ];
    let mut header: Vec<String> = columns
        .iter()
        .map(|(zh, en, _)| t(lang, zh, en).to_owned())
        .collect();
    let mut kinds: Vec<CellKind> = columns.iter().map(|c| c.2).collect();
    let fixed = header.len();
    let mut paths: Vec<String> = Vec::new();
    let mut rows = Vec::with_capacity(page.rows.len());
    // Oldest first, as a ledger is read.
    for r in page.rows.iter().rev() {
        let Some(v) = state.storage.visit(r.visit_id).await? else {
            continue;
        };
        let photos = state
            .storage
            .visit_evidence(r.visit_id)
            .await?
            .map_or(0, |e| e.photos.len());
        let review = v.visit.review.as_ref();
        let flags: Vec<String> = r.flags.iter().map(|f| flag_label(lang, f)).collect();
        let mut row = vec![
            when(r.finalized),
            r.household_code.clone(),
            r.grid_name.clone(),
            r.worker_name.clone(),
            r.door_outcome.map_or_else(
                || t(lang, "无到户核验", "No door check").to_owned(),
                |o| outcome_label(lang, o).to_owned(),
            ),
            status_label(lang, r.status).to_owned(),
            r.revision.to_string(),
            flags.join(t(lang, "；", "; ")),
            review
                .and_then(|rv| reviewers.get(&rv.reviewer).cloned())
                .unwrap_or_default(),
            review.map(|rv| when(rv.at)).unwrap_or_default(),
            photos.to_string(),
            r.template_version.to_string(),
        ];
        let fields = state
            .templates
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&TemplateRef {
                id: v.visit.template_id.clone(),
                version: u64::from(v.visit.template_version),
            })
            .map(|f| f.definition().fields.clone())
            .unwrap_or_default();
        for (path, lzh, len, vzh, ven) in rendered_with(state, &v, !full) {
            if DUPLICATE_FIELDS.contains(&path.as_str()) {
                continue;
            }
            let col = match paths.iter().position(|p| *p == path) {
                Some(i) => i,
                None => {
                    let name = path.rsplit('.').next().unwrap_or(&path);
                    let label = match t(lang, &lzh, &len) {
                        "" => name.to_owned(),
                        l => l.to_owned(),
                    };
                    header.push(label);
                    kinds.push(answer_kind(field_type(&fields, name)));
                    paths.push(path);
                    paths.len() - 1
                }
            };
            if row.len() < fixed + col + 1 {
                row.resize(fixed + col + 1, String::new());
            }
            row[fixed + col] = t(lang, &vzh, &ven).to_owned();
        }
        rows.push(row);
    }
    for row in &mut rows {
        row.resize(header.len(), String::new());
    }
    state
        .storage
        .audit(&user.caller.audit_entry(
            "ledger.export",
            q.template.clone(),
            serde_json::json!({
                "from": q.from, "to": q.to, "status": q.status, "grid": q.grid,
                "rows": rows.len(), "full": full,
            }),
            remote_addr,
        ))
        .await?;
    Ok(Ledger {
        preamble: Vec::new(),
        header,
        rows,
        kinds,
    })
}

/// The download name of a ledger: the form's title, 台账 and today's date
/// (`入户安全隐患排查_台账_2026-12-05.xlsx`).
pub async fn ledger_file_name(
    state: &AppState,
    user: &ConsoleUser,
    template: &str,
    ext: &str,
) -> Result<String, ConsoleError> {
    let titles = template_titles(state).await?;
    let title = titles
        .get(template)
        .map_or(template, |(zh, en)| t(user.lang, zh, en));
    let today = state.clock.today();
    Ok(format!(
        "{}_{}_{today}.{ext}",
        file_safe(title),
        t(user.lang, "台账", "ledger")
    ))
}

/// A title made safe as a file name: separators and quotes become `_`.
pub fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | '"' | ':' | '*' | '?' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// One CSV field: quoted when needed, and a leading formula character
/// neutralised so a spreadsheet shows the text instead of running it.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '@', '\t', '\r'])
        || (s.starts_with('-') && s.parse::<f64>().is_err())
    {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The ledger as CSV text with a UTF-8 BOM and CRLF line ends.
pub fn to_csv(l: &Ledger) -> String {
    let mut out = String::from("\u{feff}");
    for row in std::iter::once(&l.header).chain(&l.rows) {
        let line: Vec<String> = row.iter().map(|c| csv_field(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A `Content-Disposition` saving as `name` (RFC 6266: an ASCII fallback,
/// and the UTF-8 name percent-encoded for every browser that reads it).
pub fn attachment(name: &str) -> HeaderValue {
    let kept: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    let fallback = kept.trim_start_matches(['_', '.']);
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
        url_encode(name)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// The media type of an `.xlsx` workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `body` as a file download of `content_type`, saved as `disposition` says.
pub fn download(
    body: impl IntoResponse,
    content_type: &'static str,
    disposition: HeaderValue,
) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CONTENT_DISPOSITION, disposition);
    resp
}

/// The ledger as an `.xlsx` workbook: one sheet, a bold header row, typed cells.
pub fn to_xlsx(l: &Ledger) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    to_xlsx_named(l, "台账")
}

/// A table as an `.xlsx` workbook with one sheet named `sheet_name`: its
/// preamble lines, then a bold header row, then the rows with numbers as
/// numbers, amounts in 元 with two decimals, dates and times as dates (a
/// cell whose text does not read as its kind stays text).
pub fn to_xlsx_named(l: &Ledger, sheet_name: &str) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::Format;
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = Format::new().set_bold();
    let yuan = Format::new().set_num_format("0.00");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let date_time = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name)?;
    let top = u32::try_from(l.preamble.len()).unwrap_or(0);
    for (r, line) in l.preamble.iter().enumerate() {
        sheet.write_string_with_format(u32::try_from(r).unwrap_or(0), 0, line, &bold)?;
    }
    for (c, h) in l.header.iter().enumerate() {
        sheet.write_string_with_format(top, col(c), h, &bold)?;
    }
    for (r, row) in l.rows.iter().enumerate() {
        let r = u32::try_from(r).map_or(u32::MAX, |r| r.saturating_add(top + 1));
        for (c, v) in row.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            let kind = l.kinds.get(c).copied().unwrap_or_default();
            let (row, column) = (r, col(c));
            match kind {
                CellKind::Number => match v.parse::<f64>() {
                    Ok(n) => sheet.write_number(row, column, n)?,
                    Err(_) => sheet.write_string(row, column, v)?,
                },
                CellKind::Yuan => match v
                    .trim_end_matches('元')
                    .trim_start_matches('¥')
                    .parse::<f64>()
                {
                    Ok(n) => sheet.write_number_with_format(row, column, n, &yuan)?,
                    Err(_) => sheet.write_string(row, column, v)?,
                },
                CellKind::Date => match excel_date(v, false) {
                    Some(d) => sheet.write_datetime_with_format(row, column, &d, &date)?,
                    None => sheet.write_string(row, column, v)?,
                },
                CellKind::DateTime => match excel_date(v, true) {
                    Some(d) => sheet.write_datetime_with_format(row, column, &d, &date_time)?,
                    None => sheet.write_string(row, column, v)?,
                },
                CellKind::Text => sheet.write_string(row, column, v)?,
            };
        }
    }
    sheet.set_freeze_panes(top + 1, 0)?;
    book.save_to_buffer()
}

/// `YYYY-MM-DD` (or `YYYY-MM-DD HH:MM` with `time`) as a workbook date;
/// `None` when the text is not one.
fn excel_date(text: &str, time: bool) -> Option<rust_xlsxwriter::ExcelDateTime> {
    use chrono::{Datelike, Timelike};
    let at = if time {
        chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").ok()?
    } else {
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()?
            .and_time(chrono::NaiveTime::MIN)
    };
    let day = rust_xlsxwriter::ExcelDateTime::from_ymd(
        u16::try_from(at.year()).ok()?,
        u8::try_from(at.month()).ok()?,
        u8::try_from(at.day()).ok()?,
    )
    .ok()?;
    if time {
        day.and_hms(
            u16::try_from(at.hour()).ok()?,
            u8::try_from(at.minute()).ok()?,
            0,
        )
        .ok()
    } else {
        Some(day)
    }
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// `GET /console/export/ledger.xlsx`.
pub async fn xlsx(
    State(state): State<AppState>,
    user: ConsoleUser,
    RemoteAddr(remote_addr): RemoteAddr,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ConsoleError> {
    let l = ledger(&state, &user, &q, remote_addr).await?;
    let name = ledger_file_name(&state, &user, &q.template, "xlsx").await?;
    let bytes = tokio::task::spawn_blocking(move || to_xlsx(&l))
        .await
        .map_err(|e| ConsoleError::Server(e.into()))??;
    let mut resp = download(bytes, XLSX, attachment(&name));
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// `GET /console/export/ledger.csv`.
pub async fn csv(
    State(state): State<AppState>,
    user: ConsoleUser,
    RemoteAddr(remote_addr): RemoteAddr,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ConsoleError> {
    let l = ledger(&state, &user, &q, remote_addr).await?;
    let name = ledger_file_name(&state, &user, &q.template, "csv").await?;
    let mut resp = download(to_csv(&l), "text/csv; charset=utf-8", attachment(&name));
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("王秀英"), "王秀英");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-3"), "-3");
    }
}
