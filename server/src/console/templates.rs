//! Form templates for admins: every template with its published versions, and
//! publishing a new version from a JSON definition or an XLSForm workbook (with
//! the CSV or Excel choice files of its `select_one_from_file` questions
//! attached), in two steps. The upload is checked by the core's own loaders:
//! a form that does not load is refused with one line per problem (sheet, row
//! and column, or field); one that loads is shown on a check page — what the
//! workbook holds that a phone form leaves out (sheet, row, column, why) and
//! its questions — and published only when the admin presses 发布 / Publish
//! (取消 / Cancel discards it). Between the two steps the uploaded bytes wait in
//! this server's memory under their content hash, for the admin who uploaded
//! them, for [`PENDING_TTL`]; publishing loads them again, so what is
//! published is what was checked. A version must be greater than every
//! published one. A published version is validated against at once and
//! reaches the phones on their next pull.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use axum::Form as PostedForm;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bytes::Bytes;
use doorstep_forms::xlsform::{self, XlsFormError, XlsFormWarning};
use doorstep_forms::{Field, Form};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::ConsoleError;
use super::html::{csrf_field, esc, frame, t};
use super::session::{ConsoleUser, Lang};
use super::upload;
use crate::app::{AppState, RemoteAddr};

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
        t(lang, "检查", "Check"),
        t(
            lang,
            "先检查：列出略过的内容和全部问题，确认后才发布。版本号必须大于该模板已发布的所有版本；已开始的走访仍使用原版本。",
            "Checked first: what is left out and every question are listed, and nothing is published until you confirm. The version must be greater than every published version of the template; visits already started keep theirs."
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
) -> Result<(Form, Vec<XlsFormWarning>), Vec<Line>> {
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
            .map(|imported| (imported.form, imported.warnings))
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

/// How long a checked upload can be published.
pub const PENDING_TTL: Duration = Duration::from_secs(60 * 60);
/// Most checked uploads waiting at once (each at most the upload limit).
const MAX_PENDING: usize = 16;

/// An upload between its check page and 发布 / 取消.
#[derive(Debug, Clone)]
struct Pending {
    is_workbook: bool,
    bytes: Bytes,
    attachments: Vec<(String, Bytes)>,
    at: Instant,
}

/// Checked uploads by (admin, content hash).
static PENDING: LazyLock<Mutex<HashMap<(Uuid, String), Pending>>> = LazyLock::new(Default::default);

fn pending() -> std::sync::MutexGuard<'static, HashMap<(Uuid, String), Pending>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// The SHA-256 of an upload (its kind, the definition and every attached
/// file with its name), in hex: the same upload has the same hash.
fn content_hash(is_workbook: bool, bytes: &[u8], attachments: &[(String, Bytes)]) -> String {
    let mut h = Sha256::new();
    h.update([u8::from(is_workbook)]);
    for part in
        std::iter::once(("", bytes)).chain(attachments.iter().map(|(n, b)| (n.as_str(), &b[..])))
    {
        h.update((part.0.len() as u64).to_le_bytes());
        h.update(part.0.as_bytes());
        h.update((part.1.len() as u64).to_le_bytes());
        h.update(part.1);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Keeps a checked upload for `user` under its hash, dropping expired ones
/// and, past [`MAX_PENDING`], the oldest.
fn keep(user: Uuid, hash: String, p: Pending) {
    let mut map = pending();
    map.retain(|_, v| v.at.elapsed() < PENDING_TTL);
    while map.len() >= MAX_PENDING {
        let Some(oldest) = map.iter().min_by_key(|(_, v)| v.at).map(|(k, _)| k.clone()) else {
            break;
        };
        map.remove(&oldest);
    }
    map.insert((user, hash), p);
}

/// Takes the upload `user` checked under `hash` out of the waiting ones,
/// while it has not expired.
fn take(user: Uuid, hash: &str) -> Option<Pending> {
    pending()
        .remove(&(user, hash.to_owned()))
        .filter(|p| p.at.elapsed() < PENDING_TTL)
}

/// Why a form of a loadable upload cannot be published as it is: its version
/// is too large, or not greater than the latest published one (409).
async fn version_problem(
    state: &AppState,
    form: &Form,
) -> Result<Option<(StatusCode, Line)>, ConsoleError> {
    let id = form.id();
    let version = form.version();
    if u32::try_from(version).is_err() {
        return Ok(Some((
            StatusCode::UNPROCESSABLE_ENTITY,
            (
                format!("版本号 {version} 过大（最大 {}）", u32::MAX),
                format!("Version {version} is too large (at most {})", u32::MAX),
            ),
        )));
    }
    let latest = state
        .storage
        .templates()
        .await?
        .iter()
        .filter(|r| r.template_id == id)
        .map(|r| u64::from(r.version))
        .max();
    Ok(latest
        .filter(|&l| version <= l)
        .map(|latest| (StatusCode::CONFLICT, not_greater(id, version, latest))))
}

fn not_greater(id: &str, version: u64, latest: u64) -> Line {
    (
        format!("模板 {id} 的版本 {version} 不大于已发布的最新版本 {latest}，请提高版本号"),
        format!(
            "Version {version} of template {id} is not greater than the latest published version {latest}; raise the version"
        ),
    )
}

/// The (zh, en) lines of what a workbook left out, for the pages after the check.
fn warning_lines(warnings: &[XlsFormWarning]) -> Vec<Line> {
    warnings
        .iter()
        .map(|w| (w.message_zh(), w.to_string()))
        .collect()
}

/// Loads an upload off the async threads.
async fn load_blocking(
    is_workbook: bool,
    bytes: Bytes,
    attachments: Vec<(String, Bytes)>,
) -> Result<Result<(Form, Vec<XlsFormWarning>), Vec<Line>>, ConsoleError> {
    tokio::task::spawn_blocking(move || load(is_workbook, &bytes, &attachments))
        .await
        .map_err(|e| ConsoleError::Server(e.into()))
}

/// `POST /console/admin/templates`: loads the uploaded JSON or XLSForm
/// definition (with its attached choice files) and shows the check page:
/// what the workbook left out (sheet, row, column, why), the questions, and
/// 发布 / 取消. Nothing is published yet. Refused with 422 and one line per
/// load problem, or 409 when the version is not greater than the latest
/// published one.
pub async fn upload(
    State(state): State<AppState>,
    user: ConsoleUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ConsoleError> {
    user.require_admin()?;
    let file = upload::read(&user, multipart).await?;
    // An .xlsx is a zip archive, an .xls an OLE file; anything else is taken
    // for JSON text.
    let name = file.file_name.to_lowercase();
    let is_workbook = file.bytes.starts_with(b"PK")
        || file.bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
        || name.ends_with(".xlsx")
        || name.ends_with(".xls");
    let loaded = load_blocking(is_workbook, file.bytes.clone(), file.attachments.clone()).await?;
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
    if let Some((status, problem)) = version_problem(&state, &form).await? {
        return not_published(&state, &user, status, &[problem], &warning_lines(&warnings)).await;
    }
    let hash = content_hash(is_workbook, &file.bytes, &file.attachments);
    keep(
        user.caller.user_id,
        hash.clone(),
        Pending {
            is_workbook,
            bytes: file.bytes,
            attachments: file.attachments,
            at: Instant::now(),
        },
    );
    let body = check_page(&user, &form, &warnings, &hash);
    Ok(Html(frame(
        user.lang,
        Some(&user),
        t(user.lang, "检查表单模板", "Check the form template"),
        &body,
    ))
    .into_response())
}

/// The check page's body: the form's id, version and title, what was left
/// out as a table (sheet, row, column, why), every question, and 发布 / 取消.
fn check_page(user: &ConsoleUser, form: &Form, warnings: &[XlsFormWarning], hash: &str) -> String {
    let lang = user.lang;
    let def = form.definition();
    let mut html = format!(
        "<div class=\"msg\" role=\"status\"><p>{}</p></div>",
        esc(&match lang {
            Lang::Zh => format!(
                "表单可以发布：模板 {} 版本 {}（{}），定义格式 {}。请核对下面的内容，确认后按“发布”；尚未发布。",
                def.id, def.version, def.title.zh, def.format
            ),
            Lang::En => format!(
                "The form can be published: template {} version {} ({}), definition format {}. Check what follows and press Publish; nothing is published yet.",
                def.id,
                def.version,
                def.title.text_in("en"),
                def.format
            ),
        })
    );
    let _ = write!(html, "<h2>{}</h2>", t(lang, "略过的内容", "Left out"));
    if warnings.is_empty() {
        let _ = write!(
            html,
            "<p>{}</p>",
            t(lang, "没有略过任何内容。", "Nothing was left out.")
        );
    } else {
        let _ = write!(
            html,
            "<p>{}</p><table class=\"warnings\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            t(
                lang,
                "工作簿中以下内容不适用于手机表单，发布时会略过：",
                "What the workbook holds that does not apply to a phone form, left out when published:"
            ),
            t(lang, "工作表", "Sheet"),
            t(lang, "行", "Row"),
            t(lang, "列", "Column"),
            t(lang, "原因", "Why"),
        );
        for w in warnings {
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&w.sheet),
                w.row.map_or_else(|| "—".to_owned(), |r| r.to_string()),
                esc(w.column.as_deref().unwrap_or("—")),
                esc(t(lang, &w.message.zh, &w.message.en)),
            );
        }
        html.push_str("</tbody></table>");
    }
    let mut rows = String::new();
    let questions = question_rows(&mut rows, lang, &def.fields, 0);
    let _ = write!(
        html,
        "<h2>{}</h2><table class=\"questions\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{rows}</tbody></table>",
        esc(&match lang {
            Lang::Zh => format!("问题（{questions} 个）"),
            Lang::En => format!("Questions ({questions})"),
        }),
        t(lang, "名称", "Name"),
        t(lang, "类型", "Type"),
        t(lang, "标签", "Label"),
        t(lang, "选项", "Choices"),
    );
    let _ = write!(
        html,
        "<form method=\"post\" action=\"/console/admin/templates/confirm\" class=\"msg\">{}\
<input type=\"hidden\" name=\"upload\" value=\"{}\">\
<p><button type=\"submit\" name=\"action\" value=\"publish\">{}</button> \
<button type=\"submit\" name=\"action\" value=\"cancel\">{}</button></p></form>",
        csrf_field(user),
        esc(hash),
        t(lang, "发布", "Publish"),
        t(lang, "取消", "Cancel"),
    );
    html
}

/// One table row per field, sections indented under their parent; returns
/// how many are questions (not sections, notes or calculations).
fn question_rows(out: &mut String, lang: Lang, fields: &[Field], depth: usize) -> usize {
    use doorstep_forms::FieldType;
    let mut questions = 0;
    for f in fields {
        let kind = serde_json::to_value(f.field_type)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let choices = f.choices.as_deref().unwrap_or_default();
        let shown: Vec<&str> = choices
            .iter()
            .take(6)
            .map(|c| t(lang, &c.label.zh, &c.label.en))
            .map(|l| if l.is_empty() { "—" } else { l })
            .collect();
        let mut listed = shown.join(t(lang, "、", ", "));
        if choices.len() > shown.len() {
            let more = choices.len() - shown.len();
            listed.push_str(&match lang {
                Lang::Zh => format!(" 等 {} 项", choices.len()),
                Lang::En => format!(" and {more} more"),
            });
        }
        let label = f.label.text_in(match lang {
            Lang::Zh => "zh",
            Lang::En => "en",
        });
        let _ = write!(
            out,
            "<tr><td style=\"padding-left:{}em\"><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            depth * 2,
            esc(&f.name),
            esc(&kind),
            esc(label),
            esc(&listed),
        );
        if !(f.field_type.is_container()
            || matches!(f.field_type, FieldType::Note | FieldType::Calculate))
        {
            questions += 1;
        }
        questions += question_rows(
            out,
            lang,
            f.children.as_deref().unwrap_or_default(),
            depth + 1,
        );
    }
    questions
}

/// `POST /console/admin/templates/confirm`: 发布 (`action=publish`) loads the
/// upload checked under `upload` again and publishes it, listing what it left
/// out; 取消 (`action=cancel`) discards it. Either way the upload no longer
/// waits. An upload that expired (or was never checked by this admin) is
/// told, to be uploaded again.
pub async fn confirm(
    State(state): State<AppState>,
    user: ConsoleUser,
    RemoteAddr(remote_addr): RemoteAddr,
    PostedForm(pairs): PostedForm<Vec<(String, String)>>,
) -> Result<Response, ConsoleError> {
    user.require_admin()?;
    let lang = user.lang;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str())
    };
    user.check_csrf(get("csrf"))?;
    let taken = take(user.caller.user_id, get("upload"));
    if get("action") == "cancel" {
        let note = format!(
            "<div class=\"msg\" role=\"status\">{}</div>",
            esc(t(
                lang,
                "已取消：表单未发布，上传的文件已丢弃。",
                "Cancelled: the form was not published and the upload was discarded."
            ))
        );
        return Ok(Html(render(&state, &user, &note).await?).into_response());
    }
    let Some(p) = taken else {
        return Err(ConsoleError::Bad {
            lang,
            zh: "这次检查已过期或不存在，请重新上传表单文件".into(),
            en: "This check has expired or does not exist; upload the form file again".into(),
        });
    };
    let source = if p.is_workbook { "xlsform" } else { "json" };
    let (form, warnings) = match load_blocking(p.is_workbook, p.bytes, p.attachments).await? {
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
    let warnings = warning_lines(&warnings);
    if let Some((status, problem)) = version_problem(&state, &form).await? {
        return not_published(&state, &user, status, &[problem], &warnings).await;
    }
    let id = form.id().to_owned();
    let version = form.version();
    let published = crate::ops::publish::publish(&state, form)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "publishing a template failed");
            ConsoleError::Server(crate::error::ApiFailure::internal().into())
        })?;
    if !published {
        // Another admin published this version in between.
        let problems = [not_greater(&id, version, version)];
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
