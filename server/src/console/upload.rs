//! Reading the console's upload forms (`multipart/form-data`): the session's
//! CSRF token, one file within [`MAX_FILE_BYTES`], and a few short text
//! fields (a `<select>` beside the file). A body past
//! [`BODY_LIMIT`] is cut off by the router; either way the user is told the
//! limit, never shown a bare 413.

use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::http::StatusCode;
use bytes::{Bytes, BytesMut};

use super::ConsoleError;
use super::session::ConsoleUser;

/// The largest file an upload form takes (ledgers, templates).
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// The largest upload request: the file and the form around it.
pub const BODY_LIMIT: usize = MAX_FILE_BYTES + 64 * 1024;
/// The largest text field (the CSRF token, a choice) read from an upload form.
const MAX_TEXT_BYTES: usize = 256;
/// Most text fields besides the token read from an upload form.
const MAX_FIELDS: usize = 16;
/// Most files read beside the main one (`attachments`).
const MAX_ATTACHMENTS: usize = 16;

/// A checked upload: its CSRF token matched the session.
#[derive(Debug)]
pub struct Upload {
    /// The name the browser gave the file (may be empty).
    pub file_name: String,
    pub bytes: Bytes,
    /// The form's other text fields (name, value), in order.
    pub fields: Vec<(String, String)>,
    /// Files sent beside `file` under the name `attachments` (e.g. the choice
    /// lists of a form), each with the name the browser gave it, in order.
    pub attachments: Vec<(String, Bytes)>,
}

/// Reads an upload form whose file field is `file`, with any further files
/// under `attachments`. Promises: the CSRF token was this session's (else
/// [`ConsoleError::Csrf`]); the file is non-empty and every file at most
/// [`MAX_FILE_BYTES`] (else a clear `Bad` or `TooLarge`); empty attachment
/// slots (a file input left blank) are dropped; a request that is not a
/// multipart form is refused with a clear message.
pub async fn read(
    user: &ConsoleUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Upload, ConsoleError> {
    let lang = user.lang;
    let unreadable = || ConsoleError::Bad {
        lang,
        zh: "上传内容无法读取，请通过页面上的表单选择文件后重试".into(),
        en: "The upload could not be read; choose the file with the form on the page and try again"
            .into(),
    };
    let mut multipart = multipart.map_err(|_| unreadable())?;
    let mut csrf_ok = false;
    let mut file: Option<(String, Bytes)> = None;
    let mut fields = Vec::new();
    let mut attachments = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(multipart_error(user, e.status(), unreadable())),
        };
        match field.name() {
            Some("csrf") => {
                let token = read_capped(field, MAX_TEXT_BYTES, user).await?;
                user.check_csrf(std::str::from_utf8(&token).unwrap_or(""))?;
                csrf_ok = true;
            }
            Some("file") => {
                let file_name = field.file_name().unwrap_or("").to_owned();
                let bytes = read_capped(field, MAX_FILE_BYTES, user).await?;
                file = Some((file_name, bytes));
            }
            Some("attachments") if attachments.len() < MAX_ATTACHMENTS => {
                let file_name = field.file_name().unwrap_or("").to_owned();
                let bytes = read_capped(field, MAX_FILE_BYTES, user).await?;
                if !bytes.is_empty() {
                    attachments.push((file_name, bytes));
                }
            }
            Some(name) if fields.len() < MAX_FIELDS => {
                let name = name.to_owned();
                let value = read_capped(field, MAX_TEXT_BYTES, user).await?;
                fields.push((name, String::from_utf8_lossy(&value).into_owned()));
            }
            _ => {}
        }
    }
    if !csrf_ok {
        tracing::warn!(user = %user.caller.user_id, "console upload without a CSRF token");
        return Err(ConsoleError::Csrf { lang });
    }
    match file {
        Some((file_name, bytes)) if !bytes.is_empty() => Ok(Upload {
            file_name,
            bytes,
            fields,
            attachments,
        }),
        _ => Err(ConsoleError::Bad {
            lang,
            zh: "请选择要上传的文件".into(),
            en: "Choose a file to upload".into(),
        }),
    }
}

/// One field's bytes, refused past `cap` without reading the rest.
async fn read_capped(
    mut field: axum::extract::multipart::Field<'_>,
    cap: usize,
    user: &ConsoleUser,
) -> Result<Bytes, ConsoleError> {
    let lang = user.lang;
    let mut out = BytesMut::new();
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if out.len() + chunk.len() > cap {
                    return Err(too_large(user));
                }
                out.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(out.freeze()),
            Err(e) => {
                return Err(multipart_error(
                    user,
                    e.status(),
                    ConsoleError::Bad {
                        lang,
                        zh: "上传中断，请重试".into(),
                        en: "The upload was interrupted; try again".into(),
                    },
                ));
            }
        }
    }
}

fn too_large(user: &ConsoleUser) -> ConsoleError {
    ConsoleError::TooLarge {
        lang: user.lang,
        limit_bytes: MAX_FILE_BYTES,
    }
}

/// A multipart failure: the size limit when the body was cut off, else `other`.
fn multipart_error(user: &ConsoleUser, status: StatusCode, other: ConsoleError) -> ConsoleError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(user)
    } else {
        other
    }
}
