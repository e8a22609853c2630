//! The application both front ends serve: the state every handler shares and
//! the extractors that read a request. The JSON API ([`crate::api`]) and the
//! console ([`crate::console`]) stand side by side over this module and the
//! operations they share ([`crate::ops`]); neither imports the other.
//!
//! | module | holds |
//! |---|---|
//! | [`extract`] | [`JsonBody`] (a JSON body within the request limit) and [`RemoteAddr`] (the client's address, behind trusted proxies too) |
//! | [`lockout`] | the sign-in lockout after repeated wrong passwords, per account and per address |

pub mod extract;
pub mod lockout;

use std::sync::{Arc, RwLock};

use doorstep_evidence::DoorCheckPolicy;
use doorstep_forms::registry::TemplateRegistry;
use tokio::sync::Semaphore;

use crate::blobs::BlobStore;
use crate::limits::{Limits, RateLimiter};
use crate::storage::Storage;

pub use extract::{JsonBody, RemoteAddr, client_addr};
pub use lockout::SignInLockout;

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
    /// Wrong passwords per account and per address, counted by the phones'
    /// login and the console's alike.
    pub sign_ins: SignInLockout,
    /// The supervisor console's settings: cookie policy, map tiles.
    pub console: crate::console::ConsoleShared,
    /// Proxies whose `X-Forwarded-For` names the client (see [`RemoteAddr`]).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Now and today for expiry, sessions and what is due (moved by tests).
    pub clock: std::sync::Arc<crate::clock::ServerClock>,
}

/// The state handlers receive.
pub type AppState = Arc<Shared>;
