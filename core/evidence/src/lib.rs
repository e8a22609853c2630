//! Field evidence for Doorstep: proof that a worker was at the door, and photos that are small,
//! private and tamper-evident. Pure code shared by every shell, the CLI and the server.
//!
//! | module | holds |
//! | --- | --- |
//! | [`geo`] | haversine distance, WGS-84 ⇄ GCJ-02 |
//! | [`door_check`] | the door-check verdict, proposed locations, revisit planning |
//! | [`photo`] | the photo pipeline: refusals, orientation, downscale, JPEG, thumbnail, SHA-256 |
//! | [`decode`] | reduced-scale JPEG and limited PNG decoding |
//! | [`raster`] | the RGB raster, resizing, EXIF orientations |
//! | [`watermark`] | the burned-in CJK watermark |
//! | [`reuse`] | flagging one photo used for two households |
//! | [`photo_error`] | photo refusals with codes and zh/en messages |
//!
//! No error message here contains personal data: no coordinates, names, addresses or text.

pub mod decode;
pub mod door_check;
pub mod geo;
pub mod photo;
pub mod photo_error;
pub mod raster;
pub mod reuse;
pub mod synthetic;
pub mod watermark;

pub use door_check::{
    DoorCheck, DoorCheckInput, DoorCheckPolicy, DoorOutcome, FollowUp, GpsFix, HandAcceptance,
    HouseholdLocation, Provider, Reason, Verdict, WorkingCalendar, check_door, plan_follow_up,
};
pub use geo::{GeoError, LatLon, gcj02_to_wgs84, haversine_m, wgs84_to_gcj02};
pub use photo::{PhotoOptions, ProcessedPhoto, Thumbnail, process_photo};
pub use photo_error::PhotoError;
pub use reuse::{PhotoUse, PhotoUseIndex, ReusedPhoto, find_reused};
pub use watermark::{Watermark, WatermarkFields};

impl From<doorstep_model::LatLon> for LatLon {
    fn from(p: doorstep_model::LatLon) -> Self {
        LatLon {
            lat: p.lat,
            lon: p.lon,
        }
    }
}

impl HouseholdLocation {
    /// The door-check view of a household's stored location: confirmed locations are
    /// registered, unconfirmed ones are pending proposals.
    pub fn from_model(location: Option<&doorstep_model::RegisteredLocation>) -> Self {
        match location {
            Some(l) if l.confirmed => HouseholdLocation::Registered {
                position: l.position.into(),
            },
            Some(l) => HouseholdLocation::PendingProposal {
                position: l.position.into(),
            },
            None => HouseholdLocation::Unknown,
        }
    }
}
