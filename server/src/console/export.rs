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
use super::html::{esc, frame, outcome_label, status_label, t, when};
use super::queue::{QueueQuery, template_titles};
use super::session::ConsoleUser;
use super::visit::rendered_with;
use crate::api::{AppState, RemoteAddr};

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
    full: String,
}

/// The ledger as a header row and data rows of text.
pub struct Ledger {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

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
        ..QueueQuery::default()
    }
    .filter(user)?;
    let page = state.storage.review_queue(&filter, 0, MAX_ROWS).await?;
    let mut header: Vec<String> = [
        t(lang, "完成时间", "Finished"),
        t(lang, "户号", "Household"),
        t(lang, "网格", "Grid"),
        t(lang, "网格员", "Worker"),
        t(lang, "入户情况", "At the door"),
        t(lang, "状态", "Status"),
        t(lang, "版本", "Revision"),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let fixed = header.len();
    let mut paths: Vec<String> = Vec::new();
    let mut rows = Vec::with_capacity(page.rows.len());
    // Oldest first, as a ledger is read.
    for r in page.rows.iter().rev() {
        let Some(v) = state.storage.visit(r.visit_id).await? else {
            continue;
        };
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
        ];
        for (path, lzh, len, vzh, ven) in rendered_with(state, &v, !full) {
            let col = match paths.iter().position(|p| *p == path) {
                Some(i) => i,
                None => {
                    paths.push(path);
                    header.push(t(lang, &lzh, &len).to_owned());
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
                "from": q.from, "to": q.to, "rows": rows.len(), "full": full,
            }),
            remote_addr,
        ))
        .await?;
    Ok(Ledger { header, rows })
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

fn attachment(name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
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

/// The ledger as an `.xlsx` workbook: one sheet, a bold header row, text cells.
pub fn to_xlsx(l: &Ledger) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    to_xlsx_named(l, "台账")
}

/// A table as an `.xlsx` workbook with one sheet named `sheet_name`.
pub fn to_xlsx_named(l: &Ledger, sheet_name: &str) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name)?;
    for (c, h) in l.header.iter().enumerate() {
        sheet.write_string_with_format(0, col(c), h, &bold)?;
    }
    for (r, row) in l.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(r, col(c), v)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
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
    let bytes = tokio::task::spawn_blocking(move || to_xlsx(&l))
        .await
        .map_err(|e| ConsoleError::Server(e.into()))??;
    let mut resp = download(bytes, XLSX, attachment("ledger.xlsx"));
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
    let mut resp = download(
        to_csv(&l),
        "text/csv; charset=utf-8",
        attachment("ledger.csv"),
    );
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
