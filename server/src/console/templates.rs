//! Form templates for admins: every template with its published versions, and
//! publishing a new version from a JSON definition or an XLSForm workbook (with
//! the CSV or Excel choice files of its `select_one_from_file` questions
//! attached). The core's own loaders check the upload; their problems are shown
//! with their sheet, row and column (XLSForm) or field, and so is what the
//! workbook holds that a phone form leaves out (an instructions sheet, an
//! unsupported setting). A version must be greater than every published one. A
//! published version is validated against at once and reaches the phones on
//! their next pull.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bytes::Bytes;
use doorstep_core::forms::Form;
use doorstep_forms::xlsform::{self, XlsFormError};

use super::ConsoleError;
use super::html::{csrf_field, esc, frame, t};
use super::session::{ConsoleUser, Lang};
use super::upload;
use crate::api::{AppState, RemoteAddr};

/// `GET /console/admin/templates`.
pub async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
) -> Result<Html<String>, ConsoleError> {
    user.require_admin()?;
    Ok(Html(render(&state, &user, "").await?))
}

/// The list of templates and the upload form, after `result`.
async fn render(
    state: &AppState,
    user: &ConsoleUser,
    result: &str,
) -> Result<String, ConsoleError> {
    let lang = user.lang;
    // Template id → (version, title zh, title en), versions ascending.
    let mut by_id: BTreeMap<String, Vec<(u32, String, String)>> = BTreeMap::new();
    for r in state.storage.templates().await? {
        let title = |l: &str| {
            r.definition
                .pointer(&format!("/title/{l}"))
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned()
        };
        by_id
            .entry(r.template_id.clone())
            .or_default()
            .push((r.version, title("zh"), title("en")));
    }
    let mut body = format!(
        "{result}<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "模板编号", "Template id"),
        t(lang, "名称（最新版本）", "Title (latest version)"),
        t(lang, "最新版本", "Latest version"),
        t(lang, "全部版本", "All versions"),
    );
    for (id, versions) in &by_id {
        versions_row(&mut body, lang, id, versions);
    }
    let _ = write!(
        body,
        "</tbody></table><h2>{}</h2><form method=\"post\" action=\"/console/admin/templates\" enctype=\"multipart/form-data\" class=\"msg\">{}\
<p><label>{}<br><input type=\"file\" name=\"file\" accept=\".json,.xlsx,.xls\" required></label></p>\
<p><label>{}<br><input type=\"file\" name=\"attachments\" accept=\".csv,.xlsx,.xls\" multiple></label></p>\
<p><button type=\"submit\">{}</button></p><p class=\"muted\">{}</p></form>",
        t(lang, "发布新版本", "Publish a new version"),
        csrf_field(user),
        t(
            lang,
            "表单定义（JSON 或 XLSForm .xlsx）",
            "Form definition (JSON or XLSForm .xlsx)"
        ),
        t(
            lang,
            "选项文件（可选，select_one_from_file 用的 CSV 或 Excel 文件，可多选）",
            "Choice files (optional: the CSV or Excel files of select_one_from_file; choose several at once)"
        ),
        t(lang, "检查并发布", "Check and publish"),
        t(
            lang,
            "版本号必须大于该模板已发布的所有版本；已开始的走访仍使用原版本。",
            "The version must be greater than every published version of the template; visits already started keep theirs."
        ),
    );
    Ok(frame(
        lang,
        Some(user),
        t(lang, "表单模板", "Form templates"),
        &body,
    ))
}

fn versions_row(body: &mut String, lang: Lang, id: &str, versions: &[(u32, String, String)]) {
    let Some((latest, zh, en)) = versions.last() else {
        return;
    };
    let all: Vec<String> = versions.iter().map(|v| v.0.to_string()).collect();
    let _ = write!(
        body,
        "<tr><td><code>{}</code></td><td>{}</td><td>{latest}</td><td>{}</td></tr>",
        esc(id),
        esc(t(lang, zh, en)),
        esc(&all.join(", ")),
    );
}

/// A (zh, en) line shown to the admin.
type Line = (String, String);

/// The form an upload defines with what its workbook left out, or why it is
/// not a loadable form: (zh, en) lines with their sheet, row and column, each
/// from the forms crate's own Chinese and English texts. `attachments` are the
/// choice files of `select_one_from_file`, found by the name the form gives.
fn load(
    is_workbook: bool,
    bytes: &[u8],
    attachments: &[(String, Bytes)],
) -> Result<(Form, Vec<Line>), Vec<Line>> {
    if is_workbook {
        let files = |name: &str| {
            attachments
                .iter()
                .find(|(n, _)| n == name)
                .or_else(|| {
                    attachments
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(name))
                })
                .map(|(_, b)| b.to_vec())
        };
        return xlsform::import_bytes_with_files(bytes, &files)
            .map(|imported| {
                let warnings = imported
                    .warnings
                    .iter()
                    .map(|w| (w.message_zh(), w.to_string()))
                    .collect();
                (imported.form, warnings)
            })
            .map_err(|errs| errs.0.iter().map(error_lines).collect());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| {
        vec![(
            "文件既不是 UTF-8 编码的 JSON，也不是 .xlsx 工作簿".to_owned(),
            "The file is neither UTF-8 JSON nor an .xlsx workbook".to_owned(),
        )]
    })?;
    Form::from_json(text.trim_start_matches('\u{feff}'))
        .map(|form| (form, Vec::new()))
        .map_err(|errs| {
            errs.0
                .iter()
                .map(|e| {
                    (
                        format!("表单定义有误：{}", e.message_zh()),
                        format!("The form is not valid: {e}"),
                    )
                })
                .collect()
        })
}

/// One reason a workbook was refused, in Chinese and English.
fn error_lines(e: &XlsFormError) -> Line {
    match e {
        XlsFormError::Open(_) => (
            "无法读取该工作簿：请上传 XLSForm 格式的 .xlsx 文件".to_owned(),
            "The workbook cannot be read: upload an XLSForm .xlsx file".to_owned(),
        ),
        XlsFormError::MissingSheet(sheet) => (
            format!("工作簿缺少“{sheet}”工作表"),
            format!("The workbook has no `{sheet}` sheet"),
        ),
        XlsFormError::Cell {
            sheet,
            row,
            column,
            message,
        }
        | XlsFormError::Feature {
            sheet,
            row,
            column,
            message,
            ..
        } => (
            format!("工作表 {sheet} 第 {row} 行 {column} 列：{}", message.zh),
            format!("Sheet {sheet}, row {row}, column {column}: {}", message.en),
        ),
        XlsFormError::Form(e) => (
            format!("表单定义有误：{}", e.message_zh()),
            format!("The form is not valid: {e}"),
        ),
    }
}

/// The list of what the workbook held that the form leaves out, or nothing.
fn warnings_html(lang: Lang, warnings: &[Line]) -> String {
    if warnings.is_empty() {
        return String::new();
    }
    let mut html = format!(
        "<div class=\"msg\" role=\"status\"><p>{}</p><ul>",
        esc(t(
            lang,
            "工作簿中以下内容不适用于手机表单，已略过：",
            "Left out of the workbook because it does not apply to a phone form:"
        ))
    );
    for (zh, en) in warnings {
        let _ = write!(html, "<li>{}</li>", esc(t(lang, zh, en)));
    }
    html.push_str("</ul></div>");
    html
}

/// The templates page headed by why the form was not published (and what its
/// workbook left out), with `status`.
async fn not_published(
    state: &AppState,
    user: &ConsoleUser,
    status: StatusCode,
    problems: &[Line],
    warnings: &[Line],
) -> Result<Response, ConsoleError> {
    let lang = user.lang;
    let mut html = format!(
        "<div class=\"err\" role=\"alert\"><p>{}</p><ul>",
        esc(t(lang, "表单未发布：", "The form was not published:"))
    );
    for (zh, en) in problems {
        let _ = write!(html, "<li>{}</li>", esc(t(lang, zh, en)));
    }
    html.push_str("</ul></div>");
    html.push_str(&warnings_html(lang, warnings));
    let page = render(state, user, &html).await?;
    Ok((status, Html(page)).into_response())
}

/// `POST /console/admin/templates`: loads the uploaded JSON or XLSForm
/// definition (with its attached choice files) and publishes it as a new
/// version, listing what the workbook held that the form leaves out. Refused
/// with 422 and every load problem, or 409 when the version is not greater
/// than the latest published one; nothing is published then.
pub async fn upload(
    State(state): State<AppState>,
    user: ConsoleUser,
    RemoteAddr(remote_addr): RemoteAddr,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ConsoleError> {
    user.require_admin()?;
    let lang = user.lang;
    let file = upload::read(&user, multipart).await?;
    // An .xlsx is a zip archive, an .xls an OLE file; anything else is taken
    // for JSON text.
    let name = file.file_name.to_lowercase();
    let is_workbook = file.bytes.starts_with(b"PK")
        || file.bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
        || name.ends_with(".xlsx")
        || name.ends_with(".xls");
    let source = if is_workbook { "xlsform" } else { "json" };
    let loaded =
        tokio::task::spawn_blocking(move || load(is_workbook, &file.bytes, &file.attachments))
            .await
            .map_err(|e| ConsoleError::Server(e.into()))?;
    let (form, warnings) = match loaded {
        Ok(loaded) => loaded,
        Err(problems) => {
            return not_published(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                &problems,
                &[],
            )
            .await;
        }
    };
    let id = form.id().to_owned();
    let version = form.version();
    let latest = state
        .storage
        .templates()
        .await?
        .iter()
        .filter(|r| r.template_id == id)
        .map(|r| u64::from(r.version))
        .max();
    if u32::try_from(version).is_err() {
        let problems = [(
            format!("版本号 {version} 过大（最大 {}）", u32::MAX),
            format!("Version {version} is too large (at most {})", u32::MAX),
        )];
        return not_published(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            &problems,
            &warnings,
        )
        .await;
    }
    let too_old = latest.is_some_and(|l| version <= l);
    let published = if too_old {
        false
    } else {
        crate::publish(&state, form).await.map_err(|e| {
            tracing::error!(error = %e, "publishing a template failed");
            ConsoleError::Server(crate::error::ApiFailure::internal().into())
        })?
    };
    if !published {
        let latest = latest.unwrap_or(version);
        let problems = [(
            format!("模板 {id} 的版本 {version} 不大于已发布的最新版本 {latest}，请提高版本号"),
            format!(
                "Version {version} of template {id} is not greater than the latest published version {latest}; raise the version"
            ),
        )];
        return not_published(&state, &user, StatusCode::CONFLICT, &problems, &warnings).await;
    }
    state
        .storage
        .audit(&user.caller.audit_entry(
            "template.publish",
            id.clone(),
            serde_json::json!({
                "version": version,
                "source": source,
                "left_out": warnings.len(),
            }),
            remote_addr,
        ))
        .await?;
    tracing::info!(template = %id, version, "template published from the console");
    let done = format!(
        "<div class=\"msg ok\" role=\"status\">{}</div>{}",
        esc(&match lang {
            Lang::Zh => format!("已发布模板 {id} 版本 {version}；手机下次同步时即可使用。"),
            Lang::En => format!(
                "Published template {id} version {version}; phones receive it on their next sync."
            ),
        }),
        warnings_html(lang, &warnings),
    );
    Ok(Html(render(&state, &user, &done).await?).into_response())
}
