//! doorstep-ffi: the UniFFI surface of Doorstep's core for the Android and iOS
//! shells (and the Python tests).
//!
//! The phones see the core only through this crate. It converts core types
//! into plain FFI records and enums; every rule stays in the core.
//!
//! | file | holds |
//! |---|---|
//! | [`session`] | the `Doorstep` object: open with a key, log in and out, the account and grids |
//! | [`households`] | search, a household's screen (residents masked, visits, what is due) |
//! | [`visit`] | a visit as a screen model: fields visible now, answers, door check, photos, finalize, returned visits, revise |
//! | [`door`] | the door-check screen: a session fed with fixes and the time, accepting by itself, manual acceptance recorded |
//! | [`sync`] | network state, sync with a progress listener and cancellation, outbox counts |
//! | [`error`] | the one FFI error: stable codes, zh + en messages, no personal data |
//!
//! Panics are caught by UniFFI at the boundary and become an internal error in
//! the foreign language (so the release profile keeps `panic = "unwind"`).

uniffi::setup_scaffolding!();

pub mod door;
pub mod error;
pub mod households;
pub mod session;
pub mod sync;
pub mod visit;

pub use error::DoorstepError;
pub use session::Doorstep;
