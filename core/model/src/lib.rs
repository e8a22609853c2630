//! Doorstep's domain model, with no I/O: the administrative tree, households,
//! residents and their category tags, visits and their lifecycle, and the rules
//! for identity numbers and phones that every other part (forms, store, server)
//! relies on.
//!
//! Personal data in these types (`IdNumber`, `Phone`) masks itself in `Debug`
//! and `Display`, so a stray log line cannot leak it.

pub mod address_split;
pub mod admin;
pub mod household;
pub mod id_number;
pub mod phone;
pub mod resident;
pub mod tag;
pub mod visit;

pub use admin::{Community, Grid, Subdistrict, Worker};
pub use household::{Address, Household, LatLon, RegisteredLocation, ResidenceType, Tenure};
pub use id_number::{IdNumber, IdNumberError, Sex};
pub use phone::{Phone, PhoneError};
pub use resident::{Relation, Resident};
pub use tag::{ResidentTag, TagDefinition, TagError, builtin_tags};
pub use visit::{DeviceInstant, Review, Visit, VisitError, VisitEvent, VisitStatus};
