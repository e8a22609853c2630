//! The server's log: one plain line per event on stderr (stdout carries the
//! JSON a script reads). `DOORSTEP_LOG` sets the level — `error`, `warn`,
//! `info` (the default), `debug` or `trace`.
//!
//! What the server logs is ids, counts and error kinds, never personal data:
//! storage errors carry SQLSTATE codes and constraint names, not values
//! (`server/tests/logs.rs` checks a whole working day's log at `debug`).

use tracing::Level;

/// The environment variable that sets the level.
const LEVEL_VAR: &str = "DOORSTEP_LOG";

/// Installs the log for `serve` and `demo`. An unreadable level is reported
/// on stderr and the default used.
pub fn init() {
    let level = match std::env::var(LEVEL_VAR) {
        Ok(text) => text.parse::<Level>().unwrap_or_else(|_| {
            eprintln!(
                "{LEVEL_VAR}={text:?} is not a level (error, warn, info, debug, trace); using info"
            );
            Level::INFO
        }),
        Err(_) => Level::INFO,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
}
