//! Household ledger import for admins: the upload form, the blank template
//! workbook, and the upload itself. A ledger is imported whole or not at all:
//! any problem gives the row-by-row report (sheet row, column, code, message,
//! a masked value) and nothing is written; a clean one is stored in one
//! transaction with its audit line, and its households reach the phones of
//! their grids on the next pull.

use std::fmt::Write as _;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use doorstep_core::domain::builtin_tags;

use super::ConsoleError;
use super::export::{XLSX, download};
use super::html::{csrf_field, esc, frame, message_page, t};
use super::ledger_registered;
use super::ledger_rows::{self, Ledger, LedgerError, LedgerGrid, MAX_ROWS, RowProblem};
use super::session::{ConsoleUser, Lang};
use super::upload::{self, MAX_FILE_BYTES};
use super::xlsx_size::MAX_UNPACKED_BYTES;
use crate::api::{AppState, RemoteAddr};
use crate::storage::ImportOutcome;

/// Problems listed on one report page; the rest are counted.
const MAX_LISTED: usize = 1000;

/// `GET /console/admin/ledger`: the upload form.
pub async fn form(user: ConsoleUser) -> Result<Html<String>, ConsoleError> {
    user.require_admin()?;
    Ok(Html(page(&user, "")))
}

fn page(user: &ConsoleUser, result: &str) -> String {
    let lang = user.lang;
    let body = format!(
        "{result}<form method=\"post\" action=\"/console/admin/ledger\" enctype=\"multipart/form-data\" class=\"msg\">{}\
<p><label>{}<br><input type=\"file\" name=\"file\" accept=\".xlsx\" required></label></p>\
<p><button type=\"submit\">{}</button></p></form>\
<p><a href=\"/console/admin/ledger/template.xlsx\">{}</a></p><p class=\"muted\">{}</p>",
        csrf_field(user),
        t(lang, "台账文件（.xlsx）", "Ledger workbook (.xlsx)"),
        t(lang, "检查并导入", "Check and import"),
        t(
            lang,
            "下载空白台账模板",
            "Download the blank ledger template"
        ),
        esc(&match lang {
            Lang::Zh => format!(
                "每行一位居民；同一网格、同一地址的行为一户，每户须有且只有一位户主。\
文件不超过 {} MB、{MAX_ROWS} 行。任何一行有误时不会导入任何数据。",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
            Lang::En => format!(
                "One resident per row; rows with the same grid and address are one household, \
which needs exactly one head. At most {} MB and {MAX_ROWS} rows. If any row is wrong, nothing is imported.",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        }),
    );
    frame(
        lang,
        Some(user),
        t(lang, "导入住户台账", "Import household ledger"),
        &body,
    )
}

/// `POST /console/admin/ledger`: checks the uploaded ledger and imports it
/// whole, or answers 422 with the report and imports nothing; a row whose
/// resident or household is already stored is such a problem. A file that is
/// not a workbook, an empty one or one with too many rows gets a 400 saying
/// so; one that unpacks past [`MAX_UNPACKED_BYTES`] a 413, before it is parsed.
pub async fn upload(
    State(state): State<AppState>,
    user: ConsoleUser,
    RemoteAddr(remote_addr): RemoteAddr,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ConsoleError> {
    user.require_admin()?;
    let lang = user.lang;
    let file = upload::read(&user, multipart).await?;
    let grids: Vec<LedgerGrid> = state
        .storage
        .grid_tree()
        .await?
        .into_iter()
        .map(|g| LedgerGrid {
            in_scope: user.caller.covers(g.id),
            id: g.id,
            code: g.code,
            name: g.name,
        })
        .collect();
    let today = Utc::now().with_timezone(&super::html::china()).date_naive();
    let bytes = file.bytes;
    let read = tokio::task::spawn_blocking(move || {
        ledger_rows::read(&bytes, &grids, &builtin_tags(), today)
    })
    .await
    .map_err(|e| ConsoleError::Server(e.into()))?;
    let mut ledger = match read {
        Ok(ledger) => ledger,
        Err(LedgerError::Rows(problems)) => {
            return refused_rows(&state, &user, remote_addr, &problems).await;
        }
        Err(e) => return Ok(refusal(lang, &e)),
    };
    let grid_ids: std::collections::BTreeSet<_> =
        ledger.households.iter().map(|h| h.grid_id).collect();
    let entry = user.caller.audit_entry(
        "ledger.import",
        "households",
        serde_json::json!({
            "households": ledger.households.len(),
            "residents": ledger.residents,
            "grid_ids": grid_ids,
        }),
        remote_addr.clone(),
    );
    let codes = match state
        .storage
        .import_households(&ledger.households, &entry)
        .await?
    {
        ImportOutcome::Imported { codes } => codes,
        ImportOutcome::AlreadyRegistered(found) => {
            let problems = ledger_registered::problems(&ledger, &found);
            return refused_rows(&state, &user, remote_addr, &problems).await;
        }
    };
    for (h, code) in ledger.households.iter_mut().zip(codes) {
        h.code = code;
    }
    tracing::info!(
        households = ledger.households.len(),
        residents = ledger.residents,
        "ledger imported"
    );
    Ok(Html(page(&user, &imported(lang, &ledger))).into_response())
}

/// Refuses a ledger with its row-by-row report (a 422), recording how many
/// problems it had (never what they were) in the audit log.
async fn refused_rows(
    state: &AppState,
    user: &ConsoleUser,
    remote_addr: Option<String>,
    problems: &[RowProblem],
) -> Result<Response, ConsoleError> {
    tracing::info!(problems = problems.len(), "ledger import refused");
    state
        .storage
        .audit(&user.caller.audit_entry(
            "ledger.refused",
            "households",
            serde_json::json!({ "problems": problems.len() }),
            remote_addr,
        ))
        .await?;
    let html = page(user, &report(user.lang, problems));
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

/// A whole-file refusal as a page: 413 for a workbook that inflates past the
/// cap, else 400.
fn refusal(lang: Lang, e: &LedgerError) -> Response {
    let mut status = StatusCode::BAD_REQUEST;
    let (zh, en) = match e {
        LedgerError::NotXlsx => (
            "无法读取该文件：请上传 Excel 工作簿（.xlsx）。旧版 .xls、CSV 或损坏的文件请先用 Excel/WPS 另存为 .xlsx".to_owned(),
            "This file cannot be read: upload an Excel workbook (.xlsx). Save old .xls, CSV or damaged files as .xlsx in Excel or WPS first".to_owned(),
        ),
        LedgerError::Empty => (
            "工作簿的第一个工作表中没有表头或数据行".to_owned(),
            "The workbook's first sheet has no header row or no data rows".to_owned(),
        ),
        LedgerError::TooManyRows { found } => (
            format!("数据行过多：共 {found} 行，一次最多导入 {MAX_ROWS} 行，请分批导入"),
            format!("Too many rows: {found}; at most {MAX_ROWS} can be imported at once, split the file"),
        ),
        LedgerError::TooLargeUnpacked => {
            status = StatusCode::PAYLOAD_TOO_LARGE;
            let mb = MAX_UNPACKED_BYTES / (1024 * 1024);
            (
                format!("工作簿解压后超过 {mb} MB，无法导入；请只保留台账工作表和数据，或分批导入"),
                format!("The workbook unpacks to more than {mb} MB and cannot be imported; keep only the ledger sheet and its data, or split the file"),
            )
        }
        LedgerError::Rows(_) => (
            "台账有错误".to_owned(),
            "The ledger has problems".to_owned(),
        ),
    };
    let body = message_page(lang, status, &zh, &en, true);
    (status, Html(body)).into_response()
}

/// The row-by-row report of a refused ledger.
fn report(lang: Lang, problems: &[RowProblem]) -> String {
    let mut out = format!(
        "<div class=\"err\" role=\"alert\">{}</div><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(&match lang {
            Lang::Zh => format!(
                "发现 {} 处错误，未导入任何数据。请修改后重新上传。",
                problems.len()
            ),
            Lang::En => format!(
                "{} problems found; nothing was imported. Correct them and upload again.",
                problems.len()
            ),
        }),
        t(lang, "行", "Row"),
        t(lang, "列", "Column"),
        t(lang, "代码", "Code"),
        t(lang, "说明", "Problem"),
        t(lang, "内容", "Value"),
    );
    for p in problems.iter().take(MAX_LISTED) {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            p.row,
            esc(&p.column),
            esc(p.code),
            esc(t(lang, &p.zh, &p.en)),
            esc(&p.value),
        );
    }
    out.push_str("</tbody></table>");
    if problems.len() > MAX_LISTED {
        let _ = write!(
            out,
            "<p>{}</p>",
            esc(&match lang {
                Lang::Zh => format!("另有 {} 处错误未列出。", problems.len() - MAX_LISTED),
                Lang::En => format!(
                    "{} more problems are not listed.",
                    problems.len() - MAX_LISTED
                ),
            })
        );
    }
    out
}

/// What an import wrote: counts, then each household with its head.
fn imported(lang: Lang, ledger: &Ledger) -> String {
    let mut out = format!(
        "<div class=\"msg ok\" role=\"status\">{}</div>",
        esc(&match lang {
            Lang::Zh => format!(
                "已导入 {} 户、{} 位居民；手机下次同步时即可看到。",
                ledger.households.len(),
                ledger.residents
            ),
            Lang::En => format!(
                "Imported {} households and {} residents; phones receive them on their next sync.",
                ledger.households.len(),
                ledger.residents
            ),
        })
    );
    if !ledger.ignored_columns.is_empty() {
        let _ = write!(
            out,
            "<p class=\"muted\">{}{}</p>",
            t(lang, "以下列未导入：", "Columns not imported: "),
            esc(&ledger.ignored_columns.join("、"))
        );
    }
    let _ = write!(
        out,
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "户编号", "Household"),
        t(lang, "地址", "Address"),
        t(lang, "户主", "Head"),
        t(lang, "人数", "Residents"),
    );
    for h in &ledger.households {
        let address: String = [
            Some(&h.estate),
            h.building.as_ref(),
            h.unit.as_ref(),
            h.door.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&h.code),
            esc(&address),
            esc(h.residents.first().map_or("", |r| r.name.as_str())),
            h.residents.len(),
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// `GET /console/admin/ledger/template.xlsx`: the header row to fill in, and a
/// second sheet explaining the columns and the values they take.
pub async fn blank_template(user: ConsoleUser) -> Result<Response, ConsoleError> {
    user.require_admin()?;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    let sheet = wb.add_worksheet();
    sheet.set_name("台账")?;
    for (i, h) in ledger_rows::template_headers().iter().enumerate() {
        let col = u16::try_from(i).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, col, *h, &bold)?;
        // Text cells, so ID numbers and phones keep every digit.
        sheet.set_column_format(col, &text)?;
        sheet.set_column_width(col, 14)?;
    }
    let help = wb.add_worksheet();
    help.set_name("说明")?;
    let tags: Vec<String> = builtin_tags().into_iter().map(|t| t.name_zh).collect();
    let lines = [
        ("网格", "必填：网格编号或网格名称".to_owned()),
        ("小区", "必填：小区名称（或完整地址）".to_owned()),
        (
            "楼栋/单元/门牌号",
            "选填；同一网格、同一地址的行为同一户".to_owned(),
        ),
        ("居住类型", "户籍、常住 或 流动；空白为户籍".to_owned()),
        (
            "房东姓名/房东电话",
            "出租屋填写；填了房东电话须填房东姓名".to_owned(),
        ),
        ("姓名", "必填：居民姓名".to_owned()),
        ("身份证号", "选填；请以文本格式录入18位号码".to_owned()),
        ("联系电话", "选填：手机号或带区号的固定电话".to_owned()),
        (
            "与户主关系",
            "必填：户主、配偶、子女、父母、孙子女、兄弟姐妹、其他亲属、租户、其他；每户一位户主"
                .to_owned(),
        ),
        (
            "人员类别",
            format!("选填，多个用“、”分隔：{}", tags.join("、")),
        ),
    ];
    for (i, (col, what)) in lines.iter().enumerate() {
        let row = u32::try_from(i).unwrap_or(u32::MAX);
        help.write_string_with_format(row, 0, *col, &bold)?;
        help.write_string(row, 1, what)?;
    }
    help.set_column_width(0, 18)?;
    help.set_column_width(1, 90)?;
    let bytes = wb.save_to_buffer()?;
    Ok(download(
        bytes,
        XLSX,
        HeaderValue::from_static(
            "attachment; filename=\"ledger-template.xlsx\"; filename*=UTF-8''%E4%BD%8F%E6%88%B7%E5%8F%B0%E8%B4%A6%E6%A8%A1%E6%9D%BF.xlsx",
        ),
    ))
}
