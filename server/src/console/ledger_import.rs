//! Household ledger import for admins: the upload form, the preview, the
//! confirmation, and the blank template workbook. An office's own 花名册 or
//! 台账 (`.xlsx` or `.xls`, title rows, two-level headers, several sheets) is
//! uploaded with, optionally, the grid for the whole file; the preview
//! ([`ledger_preview`]) shows how each column is read and the first
//! households as they will be stored, and lets the admin change the columns'
//! fields and map estates to grids. Nothing is written until the admin
//! confirms a ledger without problems; then it is stored whole in one
//! transaction with its audit line, its households reach the phones of
//! their grids on the next pull, and the columns' fields and the estates'
//! grids are remembered for the next file.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Form, Multipart, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use doorstep_model::builtin_tags;
use uuid::Uuid;

use super::ConsoleError;
use super::export::{XLSX, download};
use super::html::{csrf_field, esc, frame, message_page, t};
use super::ledger_columns::Column;
use super::ledger_pending::{self, Pending};
use super::ledger_preview::{self, Preview, grid_options};
use super::ledger_registered;
use super::ledger_rows::{
    self, Ledger, LedgerError, LedgerGrid, MAX_ROWS, Options, RowProblem, Sheet,
};
use super::session::{ConsoleUser, Lang};
use super::upload::{self, MAX_FILE_BYTES};
use super::xlsx_size::MAX_UNPACKED_BYTES;
use crate::app::{AppState, RemoteAddr};
use crate::storage::{ImportOutcome, LedgerMemory};

/// `GET /console/admin/ledger`: the upload form.
pub async fn form(
    State(state): State<AppState>,
    user: ConsoleUser,
) -> Result<Html<String>, ConsoleError> {
    user.require_admin()?;
    let grids = ledger_grids(&state, &user).await?;
    Ok(Html(page(&user, &grids, "")))
}

/// The grids a ledger may name, each marked whether this user may write to it.
async fn ledger_grids(
    state: &AppState,
    user: &ConsoleUser,
) -> Result<Vec<LedgerGrid>, ConsoleError> {
    Ok(state
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
        .collect())
}

fn page(user: &ConsoleUser, grids: &[LedgerGrid], result: &str) -> String {
    let lang = user.lang;
    let body = format!(
        "{result}<form method=\"post\" action=\"/console/admin/ledger\" enctype=\"multipart/form-data\" class=\"msg\">{}\
<p><label>{}<br><input type=\"file\" name=\"file\" accept=\".xlsx,.xls\" required></label></p>\
<p><label>{}<br><select name=\"grid\">{}</select></label></p>\
<p><button type=\"submit\">{}</button></p></form>\
<p><a href=\"/console/admin/ledger/template.xlsx\">{}</a> · <a href=\"/console/admin/ledger/export.xlsx\">{}</a></p><p class=\"muted\">{}</p>",
        csrf_field(user),
        t(
            lang,
            "台账或花名册（.xlsx 或 .xls）",
            "Ledger or roster workbook (.xlsx or .xls)"
        ),
        t(lang, "整个文件的网格", "Grid for the whole file"),
        grid_options(
            lang,
            grids,
            None,
            (
                "（按文件中的网格列或小区对应的网格）",
                "(by the file's grid column or the estates' grids)"
            )
        ),
        t(lang, "检查并预览", "Check and preview"),
        t(
            lang,
            "下载空白台账模板",
            "Download the blank ledger template"
        ),
        t(
            lang,
            "导出住户花名册（身份证号、电话已遮盖）",
            "Export the household roster (ID numbers and phones masked)"
        ),
        esc(&match lang {
            Lang::Zh => format!(
                "可直接上传社区现有的花名册：标题行、填报行、两级表头和合计行会被识别，每个有表格的工作表都会导入。\
每行一位居民（有“与户主关系”列）时，同一网格、同一地址的行为一户，每户须有且只有一位户主；没有该列时每行为一户的户主。\
导入前会先显示预览，确认后才写入。文件不超过 {} MB、{MAX_ROWS} 行。任何一行有误时不会导入任何数据。",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
            Lang::En => format!(
                "Upload the roster the community already keeps: title rows, filing rows, two-level headers and total rows are recognized, and every sheet with a table is imported. \
With a relation-to-head column there is one resident per row, and rows with the same grid and address are one household, which needs exactly one head; without it each row is a household's head. \
A preview comes first; nothing is written until you confirm. At most {} MB and {MAX_ROWS} rows. If any row is wrong, nothing is imported.",
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

/// The grid chosen in a form: a UUID of a grid in the user's scope; a blank
/// choice is none.
fn chosen_grid(
    lang: Lang,
    grids: &[LedgerGrid],
    value: &str,
) -> Result<Option<Uuid>, ConsoleError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    Uuid::parse_str(value.trim())
        .ok()
        .filter(|id| grids.iter().any(|g| g.id == *id && g.in_scope))
        .map(Some)
        .ok_or_else(|| ConsoleError::Bad {
            lang,
            zh: "所选网格不存在或不在您的管辖范围内".into(),
            en: "The chosen grid does not exist or is outside your scope".into(),
        })
}

/// `POST /console/admin/ledger`: reads the uploaded ledger and shows its
/// preview (a 422 when it has problems, with the report); writes nothing.
/// A file that is not a workbook, has no table or too many rows gets a 400
/// saying so; one that unpacks past [`MAX_UNPACKED_BYTES`] a 413, before it
/// is parsed.
pub async fn upload(
    State(state): State<AppState>,
    user: ConsoleUser,
    RemoteAddr(remote_addr): RemoteAddr,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ConsoleError> {
    user.require_admin()?;
    let file = upload::read(&user, multipart).await?;
    let grids = ledger_grids(&state, &user).await?;
    let grid_field = file
        .fields
        .iter()
        .find(|(k, _)| k == "grid")
        .map_or("", |(_, v)| v.as_str());
    let file_grid = chosen_grid(user.lang, &grids, grid_field)?;
    let pending = Pending::new(user.caller.user_id, file.file_name, file.bytes, file_grid);
    let token = ledger_pending::put(pending.clone());
    show(&state, &user, remote_addr, token, pending, &grids, false).await
}

/// `POST /console/admin/ledger/confirm`: applies the preview's choices (the
/// grid for the whole file, each column's field, estates' grids) and either
/// shows the preview again (`action=apply`, or any problem) or imports the
/// ledger (`action=confirm`) — whole, or not at all with the report.
pub async fn confirm(
    State(state): State<AppState>,
    user: ConsoleUser,
    RemoteAddr(remote_addr): RemoteAddr,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, ConsoleError> {
    user.require_admin()?;
    let lang = user.lang;
    let one: HashMap<&str, &str> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    user.check_csrf(one.get("csrf").copied().unwrap_or(""))?;
    let gone = || ConsoleError::Bad {
        lang,
        zh: "此预览已过期或不存在，请重新上传文件".into(),
        en: "This preview has expired or does not exist; upload the file again".into(),
    };
    let token = one
        .get("token")
        .and_then(|t| Uuid::parse_str(t).ok())
        .ok_or_else(gone)?;
    let mut pending = ledger_pending::get(token, user.caller.user_id).ok_or_else(gone)?;
    let grids = ledger_grids(&state, &user).await?;
    if let Some(v) = one.get("grid") {
        pending.file_grid = chosen_grid(lang, &grids, v)?;
    }
    for (k, v) in &pairs {
        if let Some((s, i)) = k
            .strip_prefix("col_")
            .and_then(|rest| rest.split_once('_'))
            .and_then(|(s, i)| Some((s.parse::<usize>().ok()?, i.parse::<usize>().ok()?)))
            && let Some(slot) = pending.mappings.get_mut(s).and_then(|m| m.get_mut(i))
        {
            *slot = Column::from_code(v);
        }
        if let Some(n) = k.strip_prefix("estate_grid_")
            && let Some(estate) = one.get(format!("estate_{n}").as_str())
            && let Some(grid) = chosen_grid(lang, &grids, v)?
        {
            let estate: String = estate.chars().filter(|c| !c.is_whitespace()).collect();
            pending.estate_grids.retain(|(e, _)| *e != estate);
            pending.estate_grids.push((estate, grid));
        }
    }
    ledger_pending::set(token, pending.clone());
    let import = one.get("action") == Some(&"confirm");
    show(&state, &user, remote_addr, token, pending, &grids, import).await
}

/// Reads the pending ledger with its choices; shows the preview, or, when
/// `import` and the ledger has no problems, stores it.
async fn show(
    state: &AppState,
    user: &ConsoleUser,
    remote_addr: Option<String>,
    token: Uuid,
    mut pending: Pending,
    grids: &[LedgerGrid],
    import: bool,
) -> Result<Response, ConsoleError> {
    let lang = user.lang;
    let bytes = pending.bytes.clone();
    let opened = tokio::task::spawn_blocking(move || ledger_rows::open(&bytes))
        .await
        .map_err(|e| ConsoleError::Server(e.into()))?;
    let mut sheets = match opened {
        Ok(sheets) => sheets,
        Err(e) => {
            ledger_pending::remove(token, user.caller.user_id);
            return Ok(refusal(lang, &e));
        }
    };
    // The admin's choices, else the mapping remembered for these headers.
    if pending.mappings.len() == sheets.len() {
        for (sheet, mapping) in sheets.iter_mut().zip(&pending.mappings) {
            if mapping.len() == sheet.mapping.len() {
                sheet.mapping = mapping.clone();
            }
        }
    } else {
        for sheet in &mut sheets {
            if let Some(json) = state
                .storage
                .ledger_mapping(&sheet.table.signature())
                .await?
                && let Some(remembered) = mapping_from_json(&json, sheet.mapping.len())
            {
                sheet.mapping = remembered;
            }
        }
        pending.mappings = sheets.iter().map(|s| s.mapping.clone()).collect();
        ledger_pending::set(token, pending.clone());
    }
    let mut estate_grids = state.storage.estate_grids().await?;
    estate_grids.extend(pending.estate_grids.iter().cloned());
    let tags = builtin_tags();
    let today = state.clock.today();
    let opts = Options {
        grids,
        tags: &tags,
        today,
        file_grid: pending.file_grid,
        estate_grids: &estate_grids,
    };
    let mut ledger = ledger_rows::check(&sheets, &opts);
    if !ledger.problems.is_empty() {
        return refused_rows(
            state,
            user,
            remote_addr,
            token,
            &pending,
            &sheets,
            &ledger,
            grids,
            &tags,
        )
        .await;
    }
    if !import {
        let body = ledger_preview::render(
            user,
            &Preview {
                token,
                file_name: &pending.file_name,
                sheets: &sheets,
                ledger: &ledger,
                grids,
                file_grid: pending.file_grid,
                tags: &tags,
            },
        );
        return Ok(Html(frame(
            lang,
            Some(user),
            t(lang, "台账预览", "Ledger preview"),
            &body,
        ))
        .into_response());
    }
    let grid_ids: BTreeSet<_> = ledger.households.iter().map(|h| h.grid_id).collect();
    let entry = user.caller.audit_entry(
        "ledger.import",
        "households",
        serde_json::json!({
            "households": ledger.households.len(),
            "residents": ledger.residents,
            "grid_ids": grid_ids,
            "sheets": sheets.len(),
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
            ledger.problems = ledger_registered::problems(&ledger, &found);
            return refused_rows(
                state,
                user,
                remote_addr,
                token,
                &pending,
                &sheets,
                &ledger,
                grids,
                &tags,
            )
            .await;
        }
    };
    for (h, code) in ledger.households.iter_mut().zip(codes) {
        h.code = code;
    }
    let memory = LedgerMemory {
        mappings: sheets
            .iter()
            .map(|s| (s.table.signature(), mapping_to_json(&s.mapping)))
            .collect(),
        estate_grids: pending.estate_grids.clone(),
    };
    state
        .storage
        .remember_ledger(&memory, state.clock.now())
        .await?;
    ledger_pending::remove(token, user.caller.user_id);
    tracing::info!(
        households = ledger.households.len(),
        residents = ledger.residents,
        sheets = sheets.len(),
        "ledger imported"
    );
    Ok(Html(page(user, grids, &imported(lang, &ledger, &sheets))).into_response())
}

/// A mapping as kept: the field code of each column, `null` for none.
fn mapping_to_json(mapping: &[Option<Column>]) -> String {
    let codes: Vec<Option<&str>> = mapping.iter().map(|c| c.map(Column::code)).collect();
    serde_json::to_string(&codes).unwrap_or_else(|_| "[]".to_owned())
}

/// A kept mapping, when it is well formed and has `width` columns.
fn mapping_from_json(json: &str, width: usize) -> Option<Vec<Option<Column>>> {
    let codes: Vec<Option<String>> = serde_json::from_str(json).ok()?;
    (codes.len() == width).then(|| {
        codes
            .iter()
            .map(|c| c.as_deref().and_then(Column::from_code))
            .collect()
    })
}

/// A ledger with problems: its preview with the report (a 422), recording
/// how many problems it had (never what they were) in the audit log.
#[allow(clippy::too_many_arguments)]
async fn refused_rows(
    state: &AppState,
    user: &ConsoleUser,
    remote_addr: Option<String>,
    token: Uuid,
    pending: &Pending,
    sheets: &[Sheet],
    ledger: &Ledger,
    grids: &[LedgerGrid],
    tags: &[doorstep_model::TagDefinition],
) -> Result<Response, ConsoleError> {
    let problems: &[RowProblem] = &ledger.problems;
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
    let lang = user.lang;
    let body = ledger_preview::render(
        user,
        &Preview {
            token,
            file_name: &pending.file_name,
            sheets,
            ledger,
            grids,
            file_grid: pending.file_grid,
            tags,
        },
    );
    let html = frame(
        lang,
        Some(user),
        t(lang, "台账预览", "Ledger preview"),
        &body,
    );
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

/// A whole-file refusal as a page: 413 for a workbook that inflates past the
/// cap, else 400.
fn refusal(lang: Lang, e: &LedgerError) -> Response {
    let mut status = StatusCode::BAD_REQUEST;
    let (zh, en) = match e {
        LedgerError::NotXlsx => (
            "无法读取该文件：请上传 Excel 工作簿（.xlsx 或 .xls）。CSV 或损坏的文件请先用 Excel/WPS 另存为 .xlsx".to_owned(),
            "This file cannot be read: upload an Excel workbook (.xlsx or .xls). Save CSV or damaged files as .xlsx in Excel or WPS first".to_owned(),
        ),
        LedgerError::Empty => (
            "工作簿中没有找到台账表格：没有一个工作表有可识别的表头（如 姓名、身份证号、家庭住址）和数据行".to_owned(),
            "No ledger table found in the workbook: no sheet has a recognizable header row (such as 姓名, 身份证号, 家庭住址) and data rows".to_owned(),
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
    };
    let body = message_page(lang, status, &zh, &en, true);
    (status, Html(body)).into_response()
}

/// What an import wrote: counts, then each household with its head.
fn imported(lang: Lang, ledger: &Ledger, sheets: &[Sheet]) -> String {
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
    let ignored: Vec<String> = sheets
        .iter()
        .flat_map(|s| {
            s.table
                .headers
                .iter()
                .zip(&s.mapping)
                .filter(|(h, m)| m.is_none() && !h.trim().is_empty())
                .map(|(h, _)| ledger_rows::redact_digits(h))
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !ignored.is_empty() {
        let _ = write!(
            out,
            "<p class=\"muted\">{}{}</p>",
            t(lang, "以下列未导入：", "Columns not imported: "),
            esc(&ignored.join("、"))
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
        (
            "网格",
            "网格编号或网格名称；也可在上传时为整个文件选择网格，或在预览中为小区选择网格"
                .to_owned(),
        ),
        (
            "小区",
            "必填：小区名称；或改用“家庭住址”一列填写完整地址（如 阳光小区3栋2单元302），导入时自动拆分"
                .to_owned(),
        ),
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
        (
            "低保类别/保障人数/保障金额",
            "可另加这几列：A类/B类/C类、保障人数、每月保障金额（元），成为该居民的低保标签".to_owned(),
        ),
        (
            "残疾类别/等级、优抚类别",
            "可另加：如“肢体二级”、“复员军人”，成为残疾、优抚标签".to_owned(),
        ),
        (
            "性别/出生日期",
            "可另加：导入时与身份证号核对，不一致的行会列出".to_owned(),
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
