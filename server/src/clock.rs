//! The server's clock: what "now" and "today" are for token expiry, sessions,
//! what is due and the console's dates. Production reads the system clock;
//! tests move it ([`ServerClock::advance`], [`ServerClock::set`]) instead of
//! sleeping or depending on the day they run.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use doorstep_model::DeviceInstant;
use std::sync::atomic::{AtomicI64, Ordering};

/// The system clock, shifted by what a test moved it (nothing in production).
#[derive(Debug, Default)]
pub struct ServerClock {
    /// Milliseconds added to the system clock.
    shift_ms: AtomicI64,
}

impl ServerClock {
    /// Now, in UTC.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.shift_ms.load(Ordering::Relaxed))
    }

    /// Today in the community's calendar (China Standard Time), whatever the
    /// server's own time zone: the phone's and the server's one local-date
    /// rule ([`DeviceInstant::local_date`]) at the community's offset.
    pub fn today(&self) -> NaiveDate {
        DeviceInstant {
            utc: self.now(),
            offset_seconds: crate::console::html::china().local_minus_utc(),
        }
        .local_date()
    }

    /// Moves the clock forward by `by` (tests: a token's expiry without a sleep).
    pub fn advance(&self, by: Duration) {
        self.shift_ms
            .fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }

    /// Sets the clock to `at` (tests: a fixed day); it runs on from there.
    pub fn set(&self, at: DateTime<Utc>) {
        self.shift_ms
            .store((at - Utc::now()).num_milliseconds(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_the_community_day_and_the_clock_moves_when_told() {
        let clock = ServerClock::default();
        // 07:30 in Beijing on 1 December is 30 November in UTC.
        clock.set("2026-11-30T23:30:00Z".parse().expect("time"));
        assert_eq!(
            clock.today(),
            NaiveDate::from_ymd_opt(2026, 12, 1).expect("day")
        );
        // 16:00 UTC is midnight in Beijing: the next day.
        clock.set("2026-12-01T15:59:59Z".parse().expect("time"));
        assert_eq!(
            clock.today(),
            NaiveDate::from_ymd_opt(2026, 12, 1).expect("day")
        );
        clock.advance(Duration::seconds(2));
        assert_eq!(
            clock.today(),
            NaiveDate::from_ymd_opt(2026, 12, 2).expect("day")
        );
    }
}
