//! The device's clock: what "now" and "today" are for the screen models.
//!
//! Screens ask the [`Device`](crate::device::Device) for the time instead of
//! reading the system clock themselves, so tests and screenshots can fix the
//! date ([`FixedClock`]) and every "today", "overdue" and "last sync 14:05"
//! comes out the same on every day they run.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use doorstep_model::DeviceInstant;

/// Tells the time on the device, with the device's offset from UTC.
pub trait Clock: Send + Sync {
    /// Now, with the device's offset.
    fn now(&self) -> DeviceInstant;
}

/// The system clock and time zone (what the phone uses).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DeviceInstant {
        DeviceInstant::now()
    }
}

/// A clock stopped at one instant (tests, screenshots, demos).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DeviceInstant);

impl FixedClock {
    /// Stopped at `local`, a time with its offset (`2026-12-05T14:05:00+08:00`).
    pub fn at(local: DateTime<FixedOffset>) -> Self {
        Self(DeviceInstant {
            utc: local.with_timezone(&Utc),
            offset_seconds: local.offset().local_minus_utc(),
        })
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DeviceInstant {
        self.0
    }
}

/// The local time of an instant on this device (UTC when the offset is out of
/// range): [`DeviceInstant::local_or_utc`].
pub fn local(instant: DeviceInstant) -> DateTime<FixedOffset> {
    instant.local_or_utc()
}

/// The local calendar day of an instant on this device: the model's one rule,
/// [`DeviceInstant::local_date`], which the server uses too.
pub fn local_date(instant: DeviceInstant) -> NaiveDate {
    instant.local_date()
}
