//! Sync between the phone and the server.
//!
//! [`protocol`] holds the wire types both sides share.

pub mod protocol;
