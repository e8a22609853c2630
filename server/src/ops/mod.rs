//! The operations both front ends perform, written once: the JSON API
//! ([`crate::api`]) and the console ([`crate::console`]) call them and only
//! turn their answers into JSON or pages, so a review, a sign-in or a
//! published template is checked and audited the same way from either.
//!
//! | module | holds |
//! |---|---|
//! | [`review`] | a supervisor's decision on a visit: role, grid, lifecycle, conflict, audit |
//! | [`sign_in`] | a password checked under the lockout, failures counted and audited |
//! | [`publish`] | a template version published to storage and to the validating registry |

pub mod publish;
pub mod review;
pub mod sign_in;
