//! What the integration suites share: the server configuration they start
//! with. When `DOORSTEP_TEST_POSTGRES_URL` is set (see `tests/run-postgres.sh`),
//! each server stores its records in a fresh schema of that PostgreSQL
//! database, so the same suites check both backends; when
//! `DOORSTEP_TEST_S3_URL` is set, accepted blobs go to that S3-compatible bucket.

#![allow(dead_code)]

pub mod browser;

use std::path::Path;

use doorstep_server::ServerConfig;

/// The PostgreSQL database the suites run against, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("DOORSTEP_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// The S3-compatible bucket the suites keep blobs in, if any (`s3://bucket`;
/// endpoint and credentials in the AWS_* variables).
pub fn s3_url() -> Option<String> {
    std::env::var("DOORSTEP_TEST_S3_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A URL naming a fresh, empty schema of the test database (as the search path).
pub async fn fresh_postgres_schema(base: &str) -> String {
    let (client, connection) = tokio_postgres::connect(base, tokio_postgres::NoTls)
        .await
        .expect("connect to the test database");
    let driver = tokio::spawn(connection);
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .expect("create a schema");
    drop(client);
    let _ = driver.await;
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{schema}")
}

/// An ephemeral server configuration over `dir`, on PostgreSQL when the
/// environment asks for it.
pub async fn config(dir: &Path) -> ServerConfig {
    let mut config = ServerConfig::ephemeral(dir);
    if let Some(base) = postgres_url() {
        config.database_url = Some(fresh_postgres_schema(&base).await);
    }
    if let Some(base) = s3_url() {
        // A prefix of its own per server, in the bucket the run created.
        config.blob_url = Some(format!(
            "{}/t_{}",
            base.trim_end_matches('/'),
            uuid::Uuid::new_v4().simple()
        ));
    }
    config
}

/// The password of every user the suites seed.
pub const PASSWORD: &str = "doorstep-demo";

/// A running server seeded with the demo community, and a client for it
/// that does not follow redirects (the console answers sign-ins with them).
pub struct Fixture {
    pub server: doorstep_server::RunningServer,
    pub seed: doorstep_server::seed::SeedSummary,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// A server on the suites' configuration, first changed by `adjust`, seeded
/// with `grids` grids of `households_per_grid` households each.
pub async fn fixture_with(
    grids: usize,
    households_per_grid: usize,
    adjust: impl FnOnce(&mut ServerConfig),
) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = config(dir.path()).await;
    adjust(&mut config);
    let server = doorstep_server::start(config).await.expect("server starts");
    let seed = doorstep_server::seed::seed_demo(
        server.storage().as_ref(),
        &doorstep_server::seed::SeedOptions {
            password: PASSWORD.to_owned(),
            grids,
            households_per_grid,
        },
    )
    .await
    .expect("seeded");
    Fixture {
        server,
        seed,
        http: client(),
        _dir: dir,
    }
}

/// An HTTP client that follows no redirects.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// `s` percent-encoded for a form body or a query string.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The CSRF token of the first form in `html`.
pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a csrf field") + marker.len();
    html[start..]
        .split('"')
        .next()
        .expect("csrf value")
        .to_owned()
}
