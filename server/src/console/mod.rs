//! The supervisor console: server-rendered HTML under `/console`, Chinese first
//! with an English switch, no scripts or assets from outside.
//!
//! | module | holds |
//! |---|---|
//! | [`html`] | escaping, the page frame, small formatting helpers |
//! | [`session`] | the session cookie, the signed-in [`ConsoleUser`], CSRF tokens, the language |
//! | [`login`] | login (with lockout after repeated wrong passwords) and logout |
//! | [`dashboard`] | visits today and this week, reviews waiting, per grid, coverage, anomalies |
//! | [`coverage`] | per grid: households due this period and visited, overdue follow-ups |
//! | [`queue`] | the review queue with its filters and paging |
//! | [`visit`] | one visit: answers, photos, door check plot, revisions, flags, and the review actions |
//! | [`tiles`] | the optional static map of map tiles behind the door check |
//! | [`audit`] | the audit log (admins only) |
//! | [`export`] | the ledger (台账) as `.xlsx` and CSV |
//! | [`admin_users`] | users (admins only): the list, creating workers and supervisors, their grids |
//! | [`grids`] | the subdistrict → community → grid tree with households and assignees (admins only) |
//! | [`ledger_table`] | finding the table on a ledger sheet: title rows, two-level headers, 合计 rows |
//! | [`ledger_columns`] | the headers offices use and the field each goes to |
//! | [`ledger_categories`] | 低保 class and amount, disability, 优抚, sex and birth date read from a roster |
//! | [`ledger_rows`] | reading and checking a household ledger workbook, row by row |
//! | [`ledger_pending`] | uploaded ledgers waiting for the admin's confirmation |
//! | [`ledger_preview`] | the preview of a ledger before it is written, with its editable mapping |
//! | [`ledger_export`] | the households of the admin's grids as a roster the importer reads back |
//! | [`ledger_import`] | the ledger upload, preview, confirmation and the blank template (admins only) |
//! | [`templates`] | form templates and their versions; publishing a new version (admins only) |
//! | [`upload`] | reading an upload form (CSRF token and one file) within a size cap |
//! | [`notice`] | the public notice (张榜公示) of approved visits, `.xlsx` and printable HTML |
//!
//! A console session is stored server-side (its hash, user, CSRF token, 12 h
//! lifetime, 2 h idle limit), apart from device tokens: a device token does
//! not open the console and a console cookie does not call the sync API. The
//! cookie is HttpOnly and SameSite=Strict, `Secure` behind TLS. Review actions,
//! sign-in and publishing go through [`crate::ops`], the operations the JSON
//! API calls too, so both check and audit alike.

pub mod admin_users;
pub mod audit;
pub mod coverage;
pub mod dashboard;
pub mod export;
pub mod flags;
pub mod grids;
pub mod html;
pub mod ledger_categories;
pub mod ledger_columns;
pub mod ledger_export;
pub mod ledger_import;
pub mod ledger_pending;
pub mod ledger_preview;
pub mod ledger_registered;
pub mod ledger_rows;
pub mod ledger_table;
pub mod location;
pub mod login;
pub mod notice;
pub mod queue;
pub mod session;
pub mod templates;
pub mod tiles;
pub mod upload;
pub mod visit;
pub mod xlsx_size;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::app::AppState;
use crate::error::ServerError;

pub use session::{ConsoleUser, Lang};

/// The console's settings for this server: cookie policy, the map tile server
/// (if any).
#[derive(Debug)]
pub struct ConsoleShared {
    pub secure_cookies: bool,
    /// Draws visit door checks on these map tiles instead of the plain plot.
    pub tiles: Option<tiles::TileSource>,
}

impl ConsoleShared {
    /// Cookies marked `Secure` when `secure_cookies`; door checks drawn as a plain plot.
    pub fn new(secure_cookies: bool) -> Self {
        Self {
            secure_cookies,
            tiles: None,
        }
    }

    /// The same, drawing door checks on `tiles` when given.
    pub fn with_tiles(self, tiles: Option<tiles::TileSource>) -> Self {
        Self { tiles, ..self }
    }
}

/// The console's routes, and `/` redirecting to it.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/console") }))
        .route("/console", get(dashboard::page))
        .route("/console/", get(|| async { Redirect::to("/console") }))
        .route("/console/login", get(login::form).post(login::submit))
        .route("/console/logout", post(login::logout))
        .route("/console/lang", get(session::switch_lang))
        .route("/console/queue", get(queue::page))
        .route("/console/visits/{visit_id}", get(visit::page))
        .route("/console/visits/{visit_id}/review", post(visit::review))
        .route(
            "/console/visits/{visit_id}/photos/{sha256}",
            get(visit::photo),
        )
        .route(
            "/console/households/{household_id}/location",
            post(location::settle),
        )
        .route("/console/audit", get(audit::page))
        .route("/console/export", get(export::form))
        .route("/console/export/ledger.csv", get(export::csv))
        .route("/console/export/ledger.xlsx", get(export::xlsx))
        .route(
            "/console/admin/users",
            get(admin_users::page).post(admin_users::create),
        )
        .route("/console/admin/users/{user_id}", get(admin_users::edit))
        .route(
            "/console/admin/users/{user_id}/grids",
            post(admin_users::set_grids),
        )
        .route("/console/admin/grids", get(grids::page))
        .route(
            "/console/admin/ledger",
            get(ledger_import::form)
                .post(ledger_import::upload)
                .layer(DefaultBodyLimit::max(upload::BODY_LIMIT)),
        )
        .route(
            "/console/admin/ledger/export.xlsx",
            get(ledger_export::xlsx),
        )
        .route(
            "/console/admin/ledger/confirm",
            post(ledger_import::confirm),
        )
        .route(
            "/console/admin/ledger/template.xlsx",
            get(ledger_import::blank_template),
        )
        .route(
            "/console/admin/templates",
            get(templates::page)
                .post(templates::upload)
                .layer(DefaultBodyLimit::max(upload::BODY_LIMIT)),
        )
        .route("/console/admin/templates/confirm", post(templates::confirm))
        .route("/console/admin/notice-phone", post(notice::set_phone))
        .route("/console/export/notice.xlsx", get(notice::xlsx))
        .route("/console/export/notice.html", get(notice::html))
        .layer(axum::middleware::from_fn(security_headers))
}

/// The console's Content-Security-Policy: no scripts, styles only inline,
/// images and forms only from this server — and images from `tile_origin`
/// too when given (a page that shows map tiles, see [`tiles`]).
pub fn content_security_policy(tile_origin: Option<&str>) -> axum::http::HeaderValue {
    use axum::http::HeaderValue;
    const BASE: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    tile_origin
        .map(|origin| BASE.replace("img-src 'self'", &format!("img-src 'self' {origin}")))
        .and_then(|csp| HeaderValue::from_str(&csp).ok())
        .unwrap_or(HeaderValue::from_static(BASE))
}

/// Headers on every console answer: the [`content_security_policy`] (a page
/// may set its own, wider only by its tile server), never framed, nothing
/// cached (pages and files hold personal data), referrers only to this server.
async fn security_headers(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use axum::http::{HeaderValue, header};
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            content_security_policy(None),
        );
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// Why a console page could not be shown. Messages carry no personal data.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// Not signed in (or the session ended): go to the login page.
    #[error("not signed in")]
    SignedOut,
    /// Signed in, but this role has no business here.
    #[error("forbidden")]
    Forbidden { lang: Lang },
    /// A supervisor on a page for admins only.
    #[error("admins only")]
    AdminOnly { lang: Lang },
    /// Nothing visible to this user under that name.
    #[error("not found")]
    NotFound { lang: Lang },
    /// A form posted without its session's CSRF token.
    #[error("missing or wrong CSRF token")]
    Csrf { lang: Lang },
    /// A request the console cannot use, with what to tell the user.
    #[error("bad request")]
    Bad { lang: Lang, zh: String, en: String },
    /// An upload larger than the console takes.
    #[error("upload too large")]
    TooLarge { lang: Lang, limit_bytes: usize },
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error("writing the spreadsheet: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

impl From<crate::storage::StorageError> for ConsoleError {
    fn from(e: crate::storage::StorageError) -> Self {
        Self::Server(e.into())
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        // Every page but the refused sign-in is shown to someone signed in:
        // it keeps the console's navigation.
        let signed_in = !matches!(self, Self::Forbidden { .. });
        let (status, lang, zh, en) = match self {
            Self::SignedOut => return Redirect::to("/console/login").into_response(),
            Self::AdminOnly { lang } => (
                StatusCode::FORBIDDEN,
                lang,
                "此页面仅限管理员使用。督导员可以使用概览、审核队列和导出台账。".to_owned(),
                "This page is for admins only. Supervisors have the dashboard, the review queue and the ledger export."
                    .to_owned(),
            ),
            Self::Forbidden { lang } => (
                StatusCode::FORBIDDEN,
                lang,
                "您的账号没有管理后台的权限（仅限督导员和管理员）".to_owned(),
                "Your account has no access to the console (supervisors and admins only)"
                    .to_owned(),
            ),
            Self::NotFound { lang } => (
                StatusCode::NOT_FOUND,
                lang,
                "没有找到该记录".to_owned(),
                "No such record".to_owned(),
            ),
            Self::Csrf { lang } => (
                StatusCode::FORBIDDEN,
                lang,
                "表单已失效，请返回刷新页面后重试".to_owned(),
                "This form has expired; go back, reload the page and try again".to_owned(),
            ),
            Self::Bad { lang, zh, en } => (StatusCode::BAD_REQUEST, lang, zh, en),
            Self::TooLarge { lang, limit_bytes } => {
                let mb = limit_bytes.div_ceil(1024 * 1024);
                (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    lang,
                    format!("文件过大：上传文件不能超过 {mb} MB"),
                    format!("The file is too large: uploads are limited to {mb} MB"),
                )
            }
            Self::Xlsx(e) => {
                tracing::error!(error = %e, "console export failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Lang::Zh,
                    "导出失败，请稍后再试".to_owned(),
                    "The export failed; try again later".to_owned(),
                )
            }
            Self::Server(e) => {
                let failure = e.to_failure();
                if failure.status.is_server_error() {
                    tracing::error!(error = %e, "console request failed");
                }
                (
                    failure.status,
                    Lang::Zh,
                    failure.error.message_zh.clone(),
                    failure.error.message_en.clone(),
                )
            }
        };
        let body = html::message_page(lang, status, &zh, &en, signed_in);
        (status, axum::response::Html(body)).into_response()
    }
}
