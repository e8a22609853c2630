//! Sync between the phone and the server.
//!
//! - [`protocol`]: the wire types both sides share (the `doorstep-protocol` crate).
//! - [`client`]: protocol calls over HTTP, with errors classified as transient or not.
//! - [`engine`]: one sync run — the outbox pushed, then a pull — with progress and cancel.
//!
//! The outbox itself lives in the encrypted store ([`crate::store::outbox`]).

pub mod client;
pub mod engine;
pub use doorstep_protocol as protocol;

pub use client::{ServerClient, SyncError};
pub use engine::{CancelFlag, Network, Progress, SyncOptions, SyncReport, pull, sync};
