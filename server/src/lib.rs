//! doorstep-server: the sync server the phones talk to (protocol v1, see
//! [`doorstep_protocol`]), on axum and tokio.
//!
//! | module | holds |
//! |---|---|
//! | [`config`] | [`ServerConfig`]: data directory, listen address, token lifetime, limits |
//! | [`anomalies`] | anomalies derived at ingest: visits finished too fast, repeated failed door attempts |
//! | [`due`] | the core scheduler applied to a stored household: due and overdue visits |
//! | [`storage`] | the [`storage::Storage`] trait and its SQLite and PostgreSQL backends |
//! | [`blobs`] | content-addressed photo blobs with resumable chunked uploads |
//! | [`auth`] | argon2id passwords, hashed device tokens, the per-request [`Caller`](auth::Caller) |
//! | [`app`] | the state every handler shares, the extractors, the sign-in lockout |
//! | [`ops`] | the operations both front ends perform: review, sign-in, publishing a template |
//! | [`api`] | the JSON API of protocol v1: login, push, blobs, pull, review |
//! | [`console`] | the supervisor console: server-rendered HTML pages under `/console` |
//! | [`limits`] | request, chunk, photo and rate limits |
//! | [`error`] | internal errors and the zh/en [`ApiError`](doorstep_protocol::ApiError) answers |
//! | [`openapi`] | the OpenAPI 3.1 document |
//! | [`seed`] | a demo community: users, grids, households, residents, tags |
//!
//! The JSON API and the console are siblings over [`app`] and [`ops`]: neither
//! imports the other, and [`router`] puts them together.
//!
//! Start a server with [`start`] (tests, the demo: ephemeral port, graceful
//! shutdown) or [`serve`] (runs until Ctrl-C or SIGTERM). Behaviour lives in the
//! core: the server validates visits with the core form engine and recomputes
//! door checks with the core's `check_door`. Nothing here logs personal data.

pub mod anomalies;
pub mod api;
pub mod app;
pub mod auth;
pub mod blobs;
pub mod clock;
pub mod config;
pub mod console;
pub mod due;
pub mod error;
pub mod limits;
pub mod openapi;
pub mod ops;
pub mod seed;
pub mod storage;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use doorstep_forms::registry::TemplateRegistry;
use doorstep_forms::{Form, FormDefinition};
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;

pub use config::ServerConfig;
pub use limits::Limits;

use app::{AppState, Shared, SignInLockout};
use error::ApiFailure;
use ops::publish::publish;
use storage::Storage;
use storage::sqlite::SqliteStorage;

/// A server answering on loopback or wherever it was told, until shut down.
pub struct RunningServer {
    addr: SocketAddr,
    state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// The base URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's clock (tests move it instead of sleeping).
    pub fn clock(&self) -> &clock::ServerClock {
        &self.state.clock
    }

    /// The server's storage, for seeding, admin work and checks.
    pub fn storage(&self) -> Arc<dyn Storage> {
        Arc::clone(&self.state.storage)
    }

    /// Revokes a device token (an admin's action, or a test's); false when it
    /// was unknown or already revoked.
    pub async fn revoke_token(&self, token: &str) -> anyhow::Result<bool> {
        Ok(self
            .state
            .storage
            .revoke_token(&auth::token_hash(token), self.state.clock.now())
            .await?)
    }

    /// The bytes of an accepted blob, `None` when the server does not have it
    /// complete (for checks that every photo arrived byte-identical).
    pub async fn blob_bytes(&self, sha256: &str) -> anyhow::Result<Option<bytes::Bytes>> {
        if !blobs::valid_name(sha256) || self.state.storage.blob_size(sha256).await?.is_none() {
            return Ok(None);
        }
        Ok(Some(self.state.blobs.get(sha256).await?))
    }

    /// Publishes a template version and makes it available for validation at
    /// once; false when that version was already published.
    pub async fn publish_template(&self, form: Form) -> anyhow::Result<bool> {
        publish(&self.state, form).await
    }

    /// Stops accepting connections, lets requests in flight finish, and waits.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            // The server may already have stopped on its own; then there is nobody to tell.
            let _ = stop.send(());
        }
        self.task.await.context("server task")?.context("server")?;
        Ok(())
    }
}

/// The whole application, ready to serve: the JSON API's routes and the
/// console's, every request checked for the protocol version it declares and
/// held to the request size limit; anything else is answered as an API error.
pub fn router(state: AppState) -> Router {
    api::router(&state.limits)
        .merge(console::router())
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
        .layer(axum::middleware::from_fn(api::check_protocol))
        .with_state(state)
}

/// Opens the data directory (SQLite database unless `config.database_url`
/// names PostgreSQL; blob store), publishes the
/// built-in templates if missing, binds `config.listen` and starts answering.
/// Returns once the server accepts connections (`/healthz` answers 200).
pub async fn start(config: ServerConfig) -> anyhow::Result<RunningServer> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    // One clock for the handlers and the storage's own stamps (tests move it).
    let clock = Arc::new(clock::ServerClock::default());
    let storage: Arc<dyn Storage> = match &config.database_url {
        Some(url) => Arc::new(
            storage::postgres::PostgresStorage::connect(url)
                .await
                .context("opening the PostgreSQL database")?
                .with_clock(Arc::clone(&clock)),
        ),
        None => {
            let db_path = config.data_dir.join("doorstep.db");
            Arc::new(
                tokio::task::spawn_blocking(move || SqliteStorage::open(&db_path))
                    .await
                    .context("opening the database")??
                    .with_clock(Arc::clone(&clock)),
            )
        }
    };
    let blobs = match &config.blob_url {
        Some(url) => blobs::BlobStore::open_s3(url, &config.data_dir, config.limits.max_blob_bytes),
        None => blobs::BlobStore::open_local(&config.data_dir, config.limits.max_blob_bytes),
    }
    .context("opening the blob store")?;
    let dummy_hash =
        tokio::task::spawn_blocking(|| auth::hash_password("doorstep-timing-equalizer")).await??;
    let token_ttl =
        chrono::Duration::from_std(config.token_ttl).context("token lifetime too long")?;

    let state: AppState = Arc::new(Shared {
        storage,
        blobs,
        templates: RwLock::new(TemplateRegistry::new()),
        rate: limits::RateLimiter::new(config.limits.requests_per_minute),
        limits: config.limits.clone(),
        door_policy: config.door_policy.clone(),
        token_ttl,
        pull_page_size: config.pull_page_size.max(1),
        dummy_hash,
        login_permits: Semaphore::new(2),
        sign_ins: SignInLockout::new(),
        console: console::ConsoleShared::new(config.secure_cookies)
            .with_tiles(config.map_tiles.clone()),
        trusted_proxies: config.trusted_proxies.clone(),
        clock,
    });

    for form in doorstep_forms::templates::all()? {
        publish(&state, form).await?;
    }
    for record in state.storage.templates().await? {
        let loaded = serde_json::from_value::<FormDefinition>(record.definition)
            .map_err(|e| e.to_string())
            .and_then(|def| Form::load(def).map_err(|e| e.to_string()));
        match loaded {
            Ok(form) => {
                let inserted = state
                    .templates
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(form);
                if let Err(e) = inserted {
                    tracing::error!(template = %record.template_id, version = record.version, error = %e, "stored template conflicts");
                }
            }
            Err(e) => {
                tracing::error!(template = %record.template_id, version = record.version, error = %e, "stored template does not load")
            }
        }
    }

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    let app = router(Arc::clone(&state));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            // A dropped sender means the handle is gone: stop too.
            let _ = stopped.await;
        })
        .await
    });
    tracing::info!(%addr, "doorstep-server listening");
    Ok(RunningServer {
        addr,
        state,
        stop: Some(stop),
        task,
    })
}

/// Runs a server until Ctrl-C or SIGTERM, then shuts it down gracefully.
/// Prints one line with the URL on stderr when it is ready.
pub async fn serve(config: ServerConfig) -> anyhow::Result<()> {
    let server = start(config).await?;
    eprintln!("doorstep-server listening on {}", server.url());
    shutdown_signal().await;
    server.shutdown().await
}

/// Resolves on Ctrl-C, or SIGTERM on Unix.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
