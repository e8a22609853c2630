//! The HTTP side of sync: protocol v1 calls over reqwest.
//!
//! Every failure is classified for the outbox: [`SyncError::is_transient`]
//! errors (no network, a cut connection, a server that is restarting, a
//! retryable refusal) keep an item queued; the rest set it aside.

use super::protocol::{
    ApiError, BlobStatus, LoginRequest, LoginResponse, PROTOCOL_VERSION, PullResponse, PushRequest,
    PushResponse, ReviewDecision, ReviewRequest,
};
use reqwest::{Client, RequestBuilder, Response, StatusCode};
use std::sync::Once;
use std::time::Duration;

/// What went wrong talking to the server. Messages carry no personal data.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("network error: {0}")]
    Network(String),
    #[error("the server refused: {0}")]
    Server(ApiError),
    #[error("signed out: the server no longer accepts this device's token (log in again)")]
    Unauthorized,
    #[error("not signed in on this device")]
    NotSignedIn,
    #[error("the server answered something this app does not understand: {0}")]
    Protocol(String),
    #[error("sync was cancelled")]
    Cancelled,
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl SyncError {
    /// Whether the same call may succeed later without anyone changing anything.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Network(_) | Self::Cancelled => true,
            Self::Server(e) => e.retryable,
            _ => false,
        }
    }

    /// A stable code for the outbox and the phone's messages.
    pub fn code(&self) -> String {
        match self {
            Self::Network(_) => "network".into(),
            Self::Server(e) => e.code.clone(),
            Self::Unauthorized => "unauthorized".into(),
            Self::NotSignedIn => "not_signed_in".into(),
            Self::Protocol(_) => "protocol".into(),
            Self::Cancelled => "cancelled".into(),
            Self::Store(_) => "store".into(),
        }
    }
}

/// A connection to one Doorstep server, optionally with a device token.
#[derive(Clone)]
pub struct ServerClient {
    http: Client,
    base: String,
    token: Option<String>,
}

impl ServerClient {
    /// A client for the server at `base_url` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base_url: &str, token: Option<String>) -> Result<Self, SyncError> {
        static PROVIDER: Once = Once::new();
        // reqwest is built without a default TLS crypto provider to keep the
        // phone library small; ring is installed once per process here.
        PROVIDER.call_once(|| {
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let http = Client::builder()
            .connect_timeout(Duration::from_secs(15))
            // Slow links are normal; a stalled one is not. Each chunk is small.
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| SyncError::Network(e.to_string()))?;
        Ok(Self {
            http,
            base: base_url.trim_end_matches('/').to_owned(),
            token,
        })
    }

    /// Logs in and returns the new device token and account.
    pub async fn login(&self, request: &LoginRequest) -> Result<LoginResponse, SyncError> {
        let response = self
            .send(self.http.post(self.url("/api/v1/login")).json(request))
            .await?;
        json(response).await
    }

    /// Revokes this device's token on the server.
    pub async fn logout(&self) -> Result<(), SyncError> {
        self.send(self.authorized(self.http.post(self.url("/api/v1/logout")))?)
            .await?;
        Ok(())
    }

    /// Sends a batch of operations.
    pub async fn push(&self, request: &PushRequest) -> Result<PushResponse, SyncError> {
        let builder = self.authorized(self.http.post(self.url("/api/v1/push")).json(request))?;
        json(self.send(builder).await?).await
    }

    /// How much of a blob the server already has.
    pub async fn blob_status(&self, sha256: &str) -> Result<BlobStatus, SyncError> {
        let builder =
            self.authorized(self.http.get(self.url(&format!("/api/v1/blobs/{sha256}"))))?;
        json(self.send(builder).await?).await
    }

    /// Sends one chunk of a blob starting at `offset` of `total` bytes.
    pub async fn put_chunk(
        &self,
        sha256: &str,
        offset: u64,
        total: u64,
        chunk: Vec<u8>,
    ) -> Result<BlobStatus, SyncError> {
        let builder = self.authorized(
            self.http
                .put(self.url(&format!("/api/v1/blobs/{sha256}")))
                .query(&[("offset", offset), ("total", total)])
                .header("content-type", "application/octet-stream")
                .body(chunk),
        )?;
        json(self.send(builder).await?).await
    }

    /// One page of changes after `cursor`.
    pub async fn pull(&self, cursor: Option<&str>) -> Result<PullResponse, SyncError> {
        let mut builder = self.http.get(self.url("/api/v1/pull"));
        if let Some(cursor) = cursor {
            builder = builder.query(&[("cursor", cursor)]);
        }
        json(self.send(self.authorized(builder)?).await?).await
    }

    /// A supervisor's decision on a visit revision (approve, return, reject).
    pub async fn review(
        &self,
        visit_id: uuid::Uuid,
        request: &ReviewRequest,
    ) -> Result<ReviewDecision, SyncError> {
        let path = format!("/api/v1/visits/{visit_id}/review");
        let builder = self.authorized(self.http.post(self.url(&path)).json(request))?;
        json(self.send(builder).await?).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn authorized(&self, builder: RequestBuilder) -> Result<RequestBuilder, SyncError> {
        let token = self.token.as_deref().ok_or(SyncError::NotSignedIn)?;
        Ok(builder.bearer_auth(token))
    }

    /// Sends a request; non-success answers become errors with the server's reason.
    async fn send(&self, builder: RequestBuilder) -> Result<Response, SyncError> {
        let response = builder
            .header("x-doorstep-protocol", PROTOCOL_VERSION.to_string())
            .send()
            .await
            .map_err(|e| SyncError::Network(without_url(e)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        if status == StatusCode::UNAUTHORIZED {
            return Err(SyncError::Unauthorized);
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| SyncError::Network(without_url(e)))?;
        match serde_json::from_slice::<ApiError>(&body) {
            Ok(error) => Err(SyncError::Server(error)),
            // A proxy's error page, or a server that died mid-answer.
            Err(_) if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS => {
                Err(SyncError::Network(format!(
                    "the server answered {status} without an explanation"
                )))
            }
            Err(_) => Err(SyncError::Protocol(format!("HTTP {status}"))),
        }
    }
}

async fn json<T: serde::de::DeserializeOwned>(response: Response) -> Result<T, SyncError> {
    let body = response
        .bytes()
        .await
        .map_err(|e| SyncError::Network(without_url(e)))?;
    serde_json::from_slice(&body).map_err(|e| SyncError::Protocol(e.to_string()))
}

/// reqwest's messages include the URL, which may carry a cursor; keep the kind only.
fn without_url(e: reqwest::Error) -> String {
    e.without_url().to_string()
}
