//! How a server is set up: where its data lives, where it listens, and the
//! limits and policies it applies. [`ServerConfig::new`] gives the defaults of
//! protocol v1; tests shorten the token lifetime or the rate limit.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use doorstep_evidence::DoorCheckPolicy;

use crate::limits::Limits;

/// Everything [`crate::start`] and [`crate::serve`] need. Its `Debug` leaves
/// out the database URL, which may hold a password.
#[derive(Clone)]
pub struct ServerConfig {
    /// Holds `doorstep.db` (SQLite), `blobs/` (accepted photos) and `staging/`
    /// (partial uploads). Created when missing.
    pub data_dir: PathBuf,
    /// A PostgreSQL URL (`postgres://user:password@host/db`): when set, the
    /// server stores its records there instead of `doorstep.db` (blobs stay
    /// under `data_dir`).
    pub database_url: Option<String>,
    /// An S3-compatible bucket (`s3://bucket` or `s3://bucket/prefix`) for
    /// accepted photos instead of `data_dir/blobs`; partial uploads stay in
    /// `data_dir/staging`. See [`crate::blobs::BlobStore::open_s3`].
    pub blob_url: Option<String>,
    /// Where to listen; port 0 picks a free port (see [`crate::RunningServer::url`]).
    pub listen: SocketAddr,
    /// How long a device token stays valid after login.
    pub token_ttl: Duration,
    /// Request, chunk, blob, push, photo and rate limits.
    pub limits: Limits,
    /// The thresholds the server recomputes door-check verdicts with.
    pub door_policy: DoorCheckPolicy,
    /// Most items (households, templates, reviews together) in one pull page.
    pub pull_page_size: usize,
    /// Marks console cookies `Secure`: set it when the server sits behind TLS.
    /// A request arriving with `X-Forwarded-Proto: https` gets them `Secure` anyway.
    pub secure_cookies: bool,
    /// A map tile server for the console's visit page (see
    /// [`crate::console::tiles`]); without one it draws a plain plot.
    pub map_tiles: Option<crate::console::tiles::TileSource>,
    /// Reverse proxies whose `X-Forwarded-For` is believed: a request from
    /// one of them counts as coming from the address it forwarded for (the
    /// last one in the header not itself a trusted proxy). From anywhere else
    /// the header is ignored, so a client cannot pose as another address.
    pub trusted_proxies: Vec<IpAddr>,
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_ref().map(|_| "(set, not shown)"),
            )
            .field("blob_url", &self.blob_url)
            .field("listen", &self.listen)
            .field("token_ttl", &self.token_ttl)
            .field("limits", &self.limits)
            .field("door_policy", &self.door_policy)
            .field("pull_page_size", &self.pull_page_size)
            .field("secure_cookies", &self.secure_cookies)
            .field("map_tiles", &self.map_tiles)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish()
    }
}

impl ServerConfig {
    /// The defaults: 30-day tokens, the protocol's limits, the project-wide
    /// door-check policy, pages of 500 items.
    pub fn new(data_dir: impl Into<PathBuf>, listen: SocketAddr) -> Self {
        Self {
            data_dir: data_dir.into(),
            database_url: None,
            blob_url: None,
            listen,
            token_ttl: Duration::from_secs(30 * 24 * 3600),
            limits: Limits::default(),
            door_policy: DoorCheckPolicy::default(),
            pull_page_size: 500,
            secure_cookies: false,
            map_tiles: None,
            trusted_proxies: Vec::new(),
        }
    }

    /// The defaults, listening on an ephemeral loopback port (for tests and the demo).
    pub fn ephemeral(data_dir: impl Into<PathBuf>) -> Self {
        Self::new(data_dir, SocketAddr::from(([127, 0, 0, 1], 0)))
    }
}
