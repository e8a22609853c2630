//! Errors: the rich internal [`ServerError`] and the public answer [`ApiFailure`].
//!
//! Handlers use `?` on internal errors; [`ServerError::into_response`] is the one
//! place that decides what each becomes on the wire and whether it is logged.
//! Public messages come in Chinese and English and never contain personal data
//! (names, ID numbers, phones, positions, answers); neither do log lines.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use doorstep_protocol::{ApiError, BLOB_OFFSET_HEADER};

use crate::blobs::BlobError;
use crate::storage::StorageError;

/// An error answer: its HTTP status and its [`ApiError`] body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {error}")]
pub struct ApiFailure {
    pub status: StatusCode,
    pub error: ApiError,
    /// For `offset_mismatch`: the server's real offset, also sent as a header.
    pub blob_offset: Option<u64>,
}

impl ApiFailure {
    /// An answer with `status` and a body built from the code and both messages.
    pub fn new(status: StatusCode, code: &str, zh: &str, en: &str) -> Self {
        let retryable = status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS;
        Self {
            status,
            error: ApiError::new(code, zh, en, retryable),
            blob_offset: None,
        }
    }

    /// Overrides whether retrying the same request can help.
    pub fn retryable(mut self, retryable: bool) -> Self {
        self.error.retryable = retryable;
        self
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "请先登录",
            "Sign in first",
        )
    }

    pub fn bad_credentials() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "用户名或密码错误",
            "Wrong username or password",
        )
    }

    pub fn token_expired() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "token_expired",
            "登录已过期，请重新登录",
            "Your sign-in has expired; sign in again",
        )
    }

    pub fn token_revoked() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "token_revoked",
            "此设备的登录已被注销，请重新登录",
            "This device was signed out; sign in again",
        )
    }

    pub fn forbidden_role() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "您的账号无权进行此操作",
            "Your account may not do this",
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "找不到该记录",
            "Not found",
        )
    }

    pub fn no_such_route() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "no_such_route",
            "没有这个接口",
            "There is no such API call",
        )
    }

    pub fn bad_request(code: &str, zh: &str, en: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, zh, en)
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            &format!("请求内容过大（上限 {limit} 字节），请分批同步"),
            &format!("The request is too large (limit {limit} bytes); send it in smaller batches"),
        )
    }

    pub fn chunk_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "chunk_too_large",
            &format!("上传分块过大（上限 {limit} 字节）"),
            &format!("The upload chunk is too large (limit {limit} bytes)"),
        )
    }

    pub fn blob_too_large(limit: u64) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "blob_too_large",
            &format!("文件过大（上限 {limit} 字节）"),
            &format!("The file is too large (limit {limit} bytes)"),
        )
    }

    pub fn too_many_ops(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_ops",
            &format!("一次同步的记录过多（上限 {limit} 条）"),
            &format!("Too many operations in one push (limit {limit})"),
        )
    }

    /// Too many wrong passwords for the account or from the address: no
    /// sign-in for `retry_after_s`, not even with the right password.
    pub fn account_locked(retry_after_s: u64) -> Self {
        let minutes = retry_after_s.div_ceil(60);
        let mut f = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "account_locked",
            &format!("密码错误次数过多，该账号已暂时锁定，请 {minutes} 分钟后再试"),
            &format!(
                "Too many wrong passwords: this account is locked; try again in {minutes} minutes"
            ),
        )
        .retryable(false);
        f.error.retry_after_s = Some(retry_after_s);
        f
    }

    pub fn rate_limited(retry_after_s: u64) -> Self {
        let mut f = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            &format!("请求过于频繁，请 {retry_after_s} 秒后再试"),
            &format!("Too many requests; try again in {retry_after_s} s"),
        );
        f.error.retry_after_s = Some(retry_after_s);
        f
    }

    pub fn offset_mismatch(actual: u64) -> Self {
        let mut f = Self::new(
            StatusCode::CONFLICT,
            "offset_mismatch",
            &format!("上传位置不一致，服务器已收到 {actual} 字节"),
            &format!("Wrong upload offset; the server has {actual} bytes"),
        )
        .retryable(true);
        f.blob_offset = Some(actual);
        f
    }

    pub fn hash_mismatch() -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "hash_mismatch",
            "文件校验失败，需重新上传",
            "The file does not match its hash; upload it again from the start",
        )
        .retryable(true)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误，请稍后重试",
            "Server error; try again later",
        )
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(&self.error)).into_response();
        if let Some(after) = self.error.retry_after_s {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(after));
        }
        if let Some(offset) = self.blob_offset {
            response
                .headers_mut()
                .insert(BLOB_OFFSET_HEADER, HeaderValue::from(offset));
        }
        response
    }
}

/// Everything that can go wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A refusal meant for the caller, already in wire form.
    #[error(transparent)]
    Api(#[from] ApiFailure),
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    #[error("blob store: {0}")]
    Blob(#[from] BlobError),
    #[error("background task: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl ServerError {
    /// The public answer for this error; server faults are logged (their
    /// messages hold codes and SQL, never personal data).
    pub fn to_failure(&self) -> ApiFailure {
        match self {
            ServerError::Api(f) => f.clone(),
            ServerError::Blob(BlobError::OffsetMismatch { actual }) => {
                ApiFailure::offset_mismatch(*actual)
            }
            ServerError::Blob(BlobError::HashMismatch) => ApiFailure::hash_mismatch(),
            ServerError::Blob(BlobError::TooLarge { limit }) => ApiFailure::blob_too_large(*limit),
            ServerError::Blob(BlobError::BadRange) => ApiFailure::bad_request(
                "bad_range",
                "上传范围无效",
                "The chunk does not fit the declared total",
            ),
            ServerError::Blob(BlobError::BadName) => ApiFailure::bad_request(
                "bad_blob_name",
                "文件名应为 64 位小写十六进制 SHA-256",
                "A blob name is a 64-character lowercase hex SHA-256",
            ),
            ServerError::Blob(e @ (BlobError::Io(_) | BlobError::Store(_) | BlobError::BadUrl)) => {
                tracing::error!(error = %e, "blob store failure");
                ApiFailure::internal()
            }
            ServerError::Storage(StorageError::Busy) => ApiFailure::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "服务器繁忙，请稍后重试",
                "The server is busy; try again shortly",
            ),
            ServerError::Storage(e) => {
                tracing::error!(error = %e, "storage failure");
                ApiFailure::internal()
            }
            ServerError::Task(e) => {
                tracing::error!(error = %e, "background task failed");
                ApiFailure::internal()
            }
        }
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        self.to_failure().into_response()
    }
}
