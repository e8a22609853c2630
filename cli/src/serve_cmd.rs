//! `doorstep serve [--data DIR] [--listen ADDR] [--database-url postgres://...]
//! [--blob-url s3://bucket] [--tile-url URL --tile-crs wgs84|gcj02]
//! [--trusted-proxy IP]...`:
//! runs the sync server on embedded SQLite (or on PostgreSQL with
//! `--database-url`) with its photos under `DIR`, until Ctrl-C or SIGTERM.
//!
//! When the server is ready it prints one line of JSON on stdout,
//! `{"url", "data", "database"}` (`database` is `sqlite` or `postgres`, never the URL), so a script can wait for it and read the port (with
//! `--listen 127.0.0.1:0` the system picks one). The database starts empty but
//! for the built-in templates; `doorstep demo` seeds users and households.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use doorstep_server::ServerConfig;
use doorstep_server::console::tiles::{TileCrs, TileSource};
use serde::Serialize;

#[derive(Args)]
pub struct ServeArgs {
    /// Where the server's database and photos live (created when missing).
    #[arg(long, default_value = "doorstep-data")]
    data: PathBuf,
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Store records in this PostgreSQL database
    /// (`postgres://user:password@host:port/db`, with libpq's `sslmode` and
    /// `sslrootcert` for TLS) instead of `DATA/doorstep.db`. Photos stay under
    /// `--data`.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Keep accepted photos in this S3-compatible bucket (`s3://bucket` or
    /// `s3://bucket/prefix`) instead of `DATA/blobs`; credentials, region and
    /// endpoint come from the AWS_* variables (AWS_ENDPOINT, AWS_ALLOW_HTTP for
    /// MinIO and the like). Partial uploads stay under `--data`.
    #[arg(long, value_name = "URL")]
    blob_url: Option<String>,
    /// A reverse proxy (its IP address; repeat for several) whose
    /// `X-Forwarded-For` names the client. Without it the header is ignored
    /// and the connecting address is the client's, so behind a proxy every
    /// client would share the proxy's address (and its login lockout).
    #[arg(long = "trusted-proxy", value_name = "IP")]
    trusted_proxies: Vec<std::net::IpAddr>,
    #[command(flatten)]
    tiles: TileArgs,
}

/// The console's optional map tiles (shared by `serve` and `demo`).
#[derive(Args)]
pub struct TileArgs {
    /// Draw visit door checks on map tiles from this server
    /// (`https://…/{z}/{x}/{y}.png`; the supervisor's browser fetches them,
    /// so the tile server learns roughly where visits are). Without it the
    /// console draws a plain plot that needs no network.
    #[arg(long, value_name = "URL")]
    tile_url: Option<String>,
    /// The datum of those tiles: `wgs84` (OpenStreetMap and most others) or
    /// `gcj02` (AutoNavi 高德, Tencent and other Chinese map servers).
    #[arg(long, value_name = "wgs84|gcj02", default_value = "wgs84")]
    tile_crs: TileCrs,
}

impl TileArgs {
    /// The tile server, if one was named; fails on a URL without `{z}`,
    /// `{x}`, `{y}` or not http(s).
    pub fn source(&self) -> anyhow::Result<Option<TileSource>> {
        self.tile_url
            .as_deref()
            .map(|url| TileSource::new(url, self.tile_crs).context("--tile-url"))
            .transpose()
    }
}

#[derive(Serialize)]
struct Ready {
    url: String,
    data: String,
    database: &'static str,
}

/// Runs the server until it is told to stop; fails when the data directory or
/// the address cannot be used.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let mut config = ServerConfig::new(&args.data, args.listen);
        config.database_url = args.database_url.clone();
        config.blob_url = args.blob_url.clone();
        config.map_tiles = args.tiles.source()?;
        config.trusted_proxies = args.trusted_proxies.clone();
        let server = doorstep_server::start(config).await?;
        crate::print_json(&Ready {
            url: server.url(),
            data: args.data.display().to_string(),
            database: if args.database_url.is_some() {
                "postgres"
            } else {
                "sqlite"
            },
        })?;
        doorstep_server::shutdown_signal().await;
        server.shutdown().await
    })?;
    Ok(ExitCode::SUCCESS)
}
