//! The HTTP API of protocol v1: shared state, the router, and the extractors
//! that turn bad requests into [`ApiFailure`]s.
//!
//! | module | answers |
//! |---|---|
//! | [`login`] | `POST /api/v1/login`, `POST /api/v1/logout` |
//! | [`push`] | `POST /api/v1/push` |
//! | [`blobs`] | `GET`/`PUT /api/v1/blobs/{sha256}` |
//! | [`pull`] | `GET /api/v1/pull` |
//! | [`review`] | `POST /api/v1/visits/{visit_id}/review` |
//!
//! The router is built from [`routes`], the same table the OpenAPI test checks,
//! so a route cannot exist without being documented.

pub mod blobs;
pub mod login;
pub mod pull;
pub mod push;
pub mod review;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use axum::Json;
use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get, post};
use bytes::Bytes;
use doorstep_core::evidence::DoorCheckPolicy;
use doorstep_core::forms::registry::TemplateRegistry;
use doorstep_core::sync::protocol::PROTOCOL_VERSION;
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;

use crate::blobs::BlobStore;
use crate::error::ApiFailure;
use crate::limits::{Limits, RateLimiter};
use crate::storage::Storage;

/// What every handler shares.
pub struct Shared {
    pub storage: Arc<dyn Storage>,
    pub blobs: BlobStore,
    /// Every published template version, for validating visits.
    pub templates: RwLock<TemplateRegistry>,
    pub limits: Limits,
    pub rate: RateLimiter,
    pub door_policy: DoorCheckPolicy,
    pub token_ttl: chrono::Duration,
    pub pull_page_size: usize,
    /// A hash checked when the username is unknown, so failures take equally long.
    pub dummy_hash: String,
    /// Bounds the argon2 checks running at once (each takes ~19 MiB and real CPU).
    pub login_permits: Semaphore,
    /// The supervisor console's own state: failed logins, cookie policy.
    pub console: crate::console::ConsoleShared,
    /// Proxies whose `X-Forwarded-For` names the client (see [`RemoteAddr`]).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Now and today for expiry, sessions and what is due (moved by tests).
    pub clock: Arc<crate::clock::ServerClock>,
}

/// The state handlers receive.
pub type AppState = Arc<Shared>;

/// One route: its path, the methods it answers, and its handlers.
pub struct Route {
    pub path: &'static str,
    pub methods: &'static [&'static str],
    pub handler: MethodRouter<AppState>,
}

/// Every route the server answers.
pub fn routes(limits: &Limits) -> Vec<Route> {
    vec![
        Route {
            path: "/healthz",
            methods: &["get"],
            handler: get(healthz),
        },
        Route {
            path: "/api/openapi.json",
            methods: &["get"],
            handler: get(openapi),
        },
        Route {
            path: "/api/v1/login",
            methods: &["post"],
            handler: post(login::login),
        },
        Route {
            path: "/api/v1/logout",
            methods: &["post"],
            handler: post(login::logout),
        },
        Route {
            path: "/api/v1/push",
            methods: &["post"],
            handler: post(push::push),
        },
        Route {
            path: "/api/v1/blobs/{sha256}",
            methods: &["get", "put"],
            // A chunk may be larger than a JSON body; its own limit applies.
            handler: get(blobs::status)
                .put(blobs::put_chunk)
                .layer(DefaultBodyLimit::max(limits.max_chunk_bytes)),
        },
        Route {
            path: "/api/v1/pull",
            methods: &["get"],
            handler: get(pull::pull),
        },
        Route {
            path: "/api/v1/visits/{visit_id}/review",
            methods: &["post"],
            handler: post(review::review),
        },
    ]
}

/// The whole application, ready to serve.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for route in routes(&state.limits) {
        router = router.route(route.path, route.handler);
    }
    router
        .merge(crate::console::router())
        .fallback(|| async { ApiFailure::no_such_route() })
        .method_not_allowed_fallback(|| async {
            ApiFailure::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "该接口不支持此请求方法",
                "This API call does not take this method",
            )
        })
        .layer(DefaultBodyLimit::max(state.limits.max_request_bytes))
        .layer(axum::middleware::from_fn(check_protocol))
        .with_state(state)
}

/// Refuses a request that declares a protocol version this server does not
/// speak (`X-Doorstep-Protocol`); a request without the header is taken as v1.
async fn check_protocol(req: Request, next: axum::middleware::Next) -> axum::response::Response {
    let declared = req
        .headers()
        .get("x-doorstep-protocol")
        .map(|v| v.to_str().map(str::trim));
    match declared {
        None => next.run(req).await,
        Some(Ok(v)) if v == PROTOCOL_VERSION.to_string() => next.run(req).await,
        Some(_) => ApiFailure::bad_request(
            "unsupported_protocol",
            &format!("应用版本与服务器不兼容（服务器协议版本 {PROTOCOL_VERSION}），请更新应用"),
            &format!("This app speaks another protocol than the server (version {PROTOCOL_VERSION}); update the app"),
        )
        .into_response(),
    }
}

async fn healthz() -> impl IntoResponse {
    Json(
        serde_json::json!({ "status": "ok", "protocol": doorstep_core::sync::protocol::PROTOCOL_VERSION }),
    )
}

async fn openapi() -> impl IntoResponse {
    Json(crate::openapi::document())
}

/// A JSON body, refused as `payload_too_large` (413) past the request limit and
/// as `bad_json` (400) when it does not parse. The parse error names the line
/// and column only: the body may hold personal data.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiFailure;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let limit = state.limits.max_request_bytes;
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiFailure::payload_too_large(limit)
            } else {
                ApiFailure::bad_request(
                    "bad_body",
                    "请求内容读取失败",
                    "The request body could not be read",
                )
            }
        })?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| {
            ApiFailure::bad_request(
                "bad_json",
                &format!("请求格式错误（第 {} 行第 {} 列）", e.line(), e.column()),
                &format!(
                    "The request body is not valid ({:?} at line {}, column {})",
                    e.classify(),
                    e.line(),
                    e.column()
                ),
            )
        })
    }
}

/// The client's address as the server saw it, when known.
pub struct RemoteAddr(pub Option<String>);

impl FromRequestParts<AppState> for RemoteAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| *addr);
        Ok(RemoteAddr(peer.map(|p| {
            client_addr(p, &parts.headers, &state.trusted_proxies).to_string()
        })))
    }
}

/// The client's address: the peer itself, unless the peer is a trusted
/// proxy; then the last `X-Forwarded-For` address that is not a trusted
/// proxy (port 0), or the peer when the header names none.
pub fn client_addr(
    peer: SocketAddr,
    headers: &axum::http::HeaderMap,
    trusted: &[std::net::IpAddr],
) -> SocketAddr {
    if !trusted.contains(&peer.ip()) {
        return peer;
    }
    let forwarded: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .map_or(peer, |ip| SocketAddr::new(ip, 0))
}
