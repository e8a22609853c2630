//! Extractors both front ends use: a JSON body refused with a clear
//! [`ApiFailure`] when it is too large or malformed, and the client's address.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use bytes::Bytes;
use serde::de::DeserializeOwned;

use super::AppState;
use crate::error::ApiFailure;

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
