//! doorstep-server: the sync API the phones talk to and the supervisor console.
//!
//! Nothing is served yet: the sync protocol, storage backends (SQLite, then
//! PostgreSQL) and the console are the work of the sync and console issues.
//! The crate exists so the workspace has its final shape; it exports nothing
//! until there is something real to export.
