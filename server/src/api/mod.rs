//! The JSON API of protocol v1: its routes and handlers, over the shared
//! state and extractors of [`crate::app`] and the operations of [`crate::ops`].
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

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get, post};
use doorstep_protocol::PROTOCOL_VERSION;

use crate::app::AppState;
use crate::error::ApiFailure;
use crate::limits::Limits;

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

/// The API's routes, from [`routes`].
pub fn router(limits: &Limits) -> Router<AppState> {
    routes(limits)
        .into_iter()
        .fold(Router::new(), |router, route| {
            router.route(route.path, route.handler)
        })
}

/// Refuses a request that declares a protocol version this server does not
/// speak (`X-Doorstep-Protocol`); a request without the header is taken as v1.
pub async fn check_protocol(
    req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
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
    Json(serde_json::json!({ "status": "ok", "protocol": doorstep_protocol::PROTOCOL_VERSION }))
}

async fn openapi() -> impl IntoResponse {
    Json(crate::openapi::document())
}
