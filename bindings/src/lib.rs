//! doorstep-ffi: the UniFFI surface of Doorstep's core for the Android and iOS
//! shells (and the Python tests).
//!
//! The phones see the core only through this crate. It converts core types
//! into plain FFI records and enums; every rule stays in the core.
//!
//! | file | holds |
//! |---|---|
//! | [`badge`] | a visit's state and the network as badges: the core's words and tone |
//! | [`session`] | the `Doorstep` object: open with a key, log in and out, the account and grids |
//! | [`home`] | the home screen ("今日"): due, returned, drafts, waiting, last sync; the clock tests fix |
//! | [`household_list`] | the household list: search, filters, pages with totals, badges, tags in words |
//! | [`households`] | search, a household's screen (residents masked, visits, what is due) |
//! | [`visit`] | a visit as a screen model: fields visible now, answers, door check, photos, finalize, returned visits, revise |
//! | [`outbox`] | the outbox as entries: state and reason in words, retry and discard of a set-aside one |
//! | [`door`] | the door-check screen: a session fed with fixes and the time, accepting by itself, manual acceptance recorded |
//! | [`sync`] | network state, sync with a progress listener and cancellation, outbox counts |
//! | [`settings`] | language, server address, Wi-Fi-only sync, photos on cellular (kept in the database) |
//! | [`changes`] | the listener told that data changed (after a sync, a visit change, a settings change, …) |
//! | [`error`] | the one FFI error: stable codes, zh + en messages, no personal data |
//!
//! Panics are caught by UniFFI at the boundary and become an internal error in
//! the foreign language (so the release profile keeps `panic = "unwind"`).

uniffi::setup_scaffolding!();

pub mod badge;
pub mod changes;
pub mod door;
pub mod error;
pub mod home;
pub mod household_list;
pub mod households;
pub mod outbox;
pub mod session;
pub mod settings;
pub mod sync;
pub mod visit;

pub use error::DoorstepError;
pub use session::Doorstep;
