//! The door check: was the worker really at the household's door, and what happens next.
//!
//! The phone hands over one location fix (or none) and the outcome at the door; [`check_door`]
//! returns a [`DoorCheck`]: a single [`Verdict`] for lists, every [`Reason`] that applied, the
//! [`Figures`] behind them (distance, accuracy, age, clock skew) for the supervisor, and, for a
//! household with no registered location, the fix proposed as its location pending a
//! supervisor's confirmation. Thresholds live in [`DoorCheckPolicy`] so a community can set its
//! own geofence radius.
//!
//! [`plan_follow_up`] turns an outcome into the next step: "nobody home" and "refused" book a
//! revisit on the next working day of a [`WorkingCalendar`] (which knows China's holidays and
//! make-up working days when the caller supplies them), and the third failed attempt flags the
//! household for the supervisor instead.
//!
//! Everything here is pure: no clock, no store. The caller passes the device time and the
//! household's state, and persists the result.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use crate::geo::{GeoError, LatLon, haversine_m};

/// Where the position came from, as the phone's OS reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// Satellite receiver.
    Gps,
    /// Cell towers / Wi-Fi.
    Network,
    /// A fused provider mixing both.
    Fused,
    /// Anything else.
    Other,
}

/// One location fix from the phone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpsFix {
    /// WGS-84 position.
    pub position: LatLon,
    /// Horizontal accuracy radius in metres (68 % confidence on Android and iOS).
    pub accuracy_m: f64,
    /// Altitude in metres above the WGS-84 ellipsoid, when the provider gave one.
    pub altitude_m: Option<f64>,
    /// The fix's timestamp as the provider reports it (GNSS time for a GPS fix).
    pub fix_time: DateTime<Utc>,
    /// Which provider produced the fix.
    pub provider: Provider,
    /// The OS's mock-location flag (`Location.isMock()` / `isFromMockProvider()`).
    pub is_mock: bool,
    /// Satellites used in the fix, when known.
    pub satellites: Option<u8>,
    /// Age of the fix by the device's monotonic clock (Android `elapsedRealtimeNanos`), when
    /// known. With it, staleness and clock skew can be told apart; without it, the age is
    /// taken from the device clock and the fix time.
    pub monotonic_age: Option<Duration>,
}

/// What the worker found at the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DoorOutcome {
    /// 见到本人: met the resident.
    Met,
    /// 家中无人: nobody home.
    NobodyHome,
    /// 拒绝入户: refused entry.
    Refused,
    /// 已搬离: moved out.
    MovedOut,
    /// 房屋空置: vacant.
    Vacant,
    /// 地址有误: wrong address.
    WrongAddress,
}

impl DoorOutcome {
    /// The label workers see.
    pub fn label_zh(self) -> &'static str {
        match self {
            DoorOutcome::Met => "见到本人",
            DoorOutcome::NobodyHome => "家中无人",
            DoorOutcome::Refused => "拒绝入户",
            DoorOutcome::MovedOut => "已搬离",
            DoorOutcome::Vacant => "房屋空置",
            DoorOutcome::WrongAddress => "地址有误",
        }
    }

    /// The label in English.
    pub fn label_en(self) -> &'static str {
        match self {
            DoorOutcome::Met => "Met the resident",
            DoorOutcome::NobodyHome => "Nobody home",
            DoorOutcome::Refused => "Refused entry",
            DoorOutcome::MovedOut => "Moved out",
            DoorOutcome::Vacant => "Vacant",
            DoorOutcome::WrongAddress => "Wrong address",
        }
    }

    /// True for the outcomes that count as a failed attempt and call for a revisit.
    pub fn is_failed_attempt(self) -> bool {
        matches!(self, DoorOutcome::NobodyHome | DoorOutcome::Refused)
    }
}

/// The thresholds of a door check. `Default` gives the project-wide defaults; a community may
/// override any of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorCheckPolicy {
    /// Radius of the household's geofence in metres (default 50).
    pub geofence_radius_m: f64,
    /// A fix whose accuracy is worse (larger) than this is "low accuracy" (default 30 m).
    pub max_accuracy_m: f64,
    /// A fix older than this at the time of the check is "stale" (default 2 minutes).
    pub max_fix_age: Duration,
    /// Device clock and fix time further apart than this are "clock skew" (default 10 minutes).
    pub max_clock_skew: Duration,
}

impl Default for DoorCheckPolicy {
    fn default() -> Self {
        DoorCheckPolicy {
            geofence_radius_m: 50.0,
            max_accuracy_m: 30.0,
            max_fix_age: Duration::minutes(2),
            max_clock_skew: Duration::minutes(10),
        }
    }
}

/// What the store knows about where a household is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum HouseholdLocation {
    /// Registered or confirmed by a supervisor.
    Registered {
        /// WGS-84 position.
        position: LatLon,
    },
    /// Proposed by an earlier door check, awaiting a supervisor's confirmation.
    PendingProposal {
        /// WGS-84 position.
        position: LatLon,
    },
    /// No location yet.
    Unknown,
}

/// The single verdict shown in lists, most serious first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Within the geofence, good fix.
    Verified,
    /// The household had no location; this good fix is proposed as its location.
    LocationProposed,
    /// The fix is good but outside the geofence.
    Outside,
    /// The fix's accuracy is worse than the threshold.
    LowAccuracy,
    /// The fix is older than the threshold.
    StaleFix,
    /// The device clock and the fix time disagree by more than the threshold.
    ClockSkew,
    /// The OS flagged the fix as coming from a mock-location app.
    MockLocation,
    /// No fix at all.
    NoFix,
}

impl Verdict {
    /// A stable code for storage and the server.
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Verified => "verified",
            Verdict::LocationProposed => "location_proposed",
            Verdict::Outside => "outside",
            Verdict::LowAccuracy => "low_accuracy",
            Verdict::StaleFix => "stale_fix",
            Verdict::ClockSkew => "clock_skew",
            Verdict::MockLocation => "mock_location",
            Verdict::NoFix => "no_fix",
        }
    }

    /// The label workers and supervisors see.
    pub fn label_zh(self) -> &'static str {
        match self {
            Verdict::Verified => "已核验",
            Verdict::LocationProposed => "已提议住户位置（待审核）",
            Verdict::Outside => "不在范围内",
            Verdict::LowAccuracy => "定位精度不足",
            Verdict::StaleFix => "定位已过时",
            Verdict::ClockSkew => "手机时间异常",
            Verdict::MockLocation => "模拟定位",
            Verdict::NoFix => "无定位",
        }
    }

    /// The label in English.
    pub fn label_en(self) -> &'static str {
        match self {
            Verdict::Verified => "Verified",
            Verdict::LocationProposed => "Location proposed (awaiting review)",
            Verdict::Outside => "Outside the household's area",
            Verdict::LowAccuracy => "Location not accurate enough",
            Verdict::StaleFix => "Location out of date",
            Verdict::ClockSkew => "Phone clock is wrong",
            Verdict::MockLocation => "Mock location",
            Verdict::NoFix => "No location",
        }
    }
}

/// A problem found with the fix; a check can have several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// No fix was available.
    NoFix,
    /// The OS's mock-location flag was set.
    MockLocation,
    /// Device clock and fix time too far apart.
    ClockSkew,
    /// Fix too old.
    StaleFix,
    /// Accuracy worse than the threshold.
    LowAccuracy,
    /// Outside the geofence even allowing for the accuracy.
    Outside,
}

impl Reason {
    /// A stable code for storage and the server.
    pub fn code(self) -> &'static str {
        match self {
            Reason::NoFix => "no_fix",
            Reason::MockLocation => "mock_location",
            Reason::ClockSkew => "clock_skew",
            Reason::StaleFix => "stale_fix",
            Reason::LowAccuracy => "low_accuracy",
            Reason::Outside => "outside",
        }
    }

    /// What a supervisor reads.
    pub fn message_zh(self) -> &'static str {
        match self {
            Reason::NoFix => "没有定位",
            Reason::MockLocation => "检测到模拟定位",
            Reason::ClockSkew => "手机时间与定位时间相差过大",
            Reason::StaleFix => "定位已过时",
            Reason::LowAccuracy => "定位精度不足",
            Reason::Outside => "不在住户地址范围内",
        }
    }

    /// The same in English.
    pub fn message_en(self) -> &'static str {
        match self {
            Reason::NoFix => "No location fix",
            Reason::MockLocation => "A mock location was detected",
            Reason::ClockSkew => "The phone's clock and the fix's time are too far apart",
            Reason::StaleFix => "The location fix is out of date",
            Reason::LowAccuracy => "The location is not accurate enough",
            Reason::Outside => "Not within the household's address area",
        }
    }

    fn verdict(self) -> Verdict {
        match self {
            Reason::NoFix => Verdict::NoFix,
            Reason::MockLocation => Verdict::MockLocation,
            Reason::ClockSkew => Verdict::ClockSkew,
            Reason::StaleFix => Verdict::StaleFix,
            Reason::LowAccuracy => Verdict::LowAccuracy,
            Reason::Outside => Verdict::Outside,
        }
    }
}

/// Which location the distance was measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reference {
    /// The registered (confirmed) location.
    Registered,
    /// An earlier proposal still awaiting confirmation.
    PendingProposal,
    /// None: the household has no location.
    None,
}

/// The numbers behind a verdict, kept with it for the supervisor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Distance from the fix to the reference location, in metres.
    pub distance_m: Option<f64>,
    /// The fix's accuracy in metres.
    pub accuracy_m: Option<f64>,
    /// The geofence radius that applied.
    pub geofence_radius_m: f64,
    /// The accuracy threshold that applied.
    pub max_accuracy_m: f64,
    /// Age of the fix at the check, in seconds.
    pub fix_age_s: Option<i64>,
    /// Device clock minus fix time (after removing the monotonic age), in seconds.
    pub clock_skew_s: Option<i64>,
    /// What the distance was measured against.
    pub reference: Reference,
}

/// The result of one door check, to be stored with the visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorCheck {
    /// The headline verdict: the most serious reason, or `Verified` / `LocationProposed`.
    pub verdict: Verdict,
    /// Every problem found, most serious first. Empty when verified or proposed.
    pub reasons: Vec<Reason>,
    /// The figures behind the verdict.
    pub figures: Figures,
    /// For a household with no location: this fix's position, proposed as its location and
    /// pending a supervisor's confirmation. Only a fix with no problems is proposed.
    pub proposed_location: Option<LatLon>,
    /// The outcome at the door, as given.
    pub outcome: DoorOutcome,
    /// Set when the worker accepted the check by hand instead of waiting for
    /// a good fix: the supervisor sees it with the verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_by_hand: Option<HandAcceptance>,
}

/// A door check the worker accepted by hand (the verdict stands as it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandAcceptance {
    /// How long the phone had waited for a good fix, in seconds.
    pub waited_s: u32,
}

/// The data of one door check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorCheckInput {
    /// The fix, or `None` when the phone had none.
    pub fix: Option<GpsFix>,
    /// The device clock when the worker recorded the outcome.
    pub checked_at: DateTime<Utc>,
    /// The outcome at the door.
    pub outcome: DoorOutcome,
    /// What is known of the household's location.
    pub household: HouseholdLocation,
}

/// Computes the verdict of a door check under `policy`.
///
/// Promises: every threshold is inclusive on the good side (accuracy equal to the threshold is
/// acceptable, a fix exactly `max_fix_age` old is fresh, a skew of exactly `max_clock_skew` is
/// tolerated). The fix is inside the geofence when `distance ≤ radius + accuracy`, i.e. when its
/// circle of uncertainty touches the fence. Fails only on a position that is not a valid
/// coordinate.
pub fn check_door(input: &DoorCheckInput, policy: &DoorCheckPolicy) -> Result<DoorCheck, GeoError> {
    let reference = match input.household {
        HouseholdLocation::Registered { .. } => Reference::Registered,
        HouseholdLocation::PendingProposal { .. } => Reference::PendingProposal,
        HouseholdLocation::Unknown => Reference::None,
    };
    let mut figures = Figures {
        distance_m: None,
        accuracy_m: None,
        geofence_radius_m: policy.geofence_radius_m,
        max_accuracy_m: policy.max_accuracy_m,
        fix_age_s: None,
        clock_skew_s: None,
        reference,
    };
    let Some(fix) = &input.fix else {
        return Ok(DoorCheck {
            verdict: Verdict::NoFix,
            reasons: vec![Reason::NoFix],
            figures,
            proposed_location: None,
            outcome: input.outcome,
            accepted_by_hand: None,
        });
    };
    let position = fix.position.validate()?;

    let mut reasons = Vec::new();
    if fix.is_mock {
        reasons.push(Reason::MockLocation);
    }

    // With a monotonic age, the fix time the device clock implies is `checked_at - age`; any
    // difference from the provider's fix time is the device clock's error. Without it the two
    // cannot be told apart, so a large difference counts as skew and a small one as age.
    let by_clock = input.checked_at - fix.fix_time;
    let (age, skew) = match fix.monotonic_age {
        Some(age) => (age, by_clock - age),
        None if by_clock.abs() > policy.max_clock_skew => (Duration::zero(), by_clock),
        None => (by_clock.max(Duration::zero()), Duration::zero()),
    };
    figures.fix_age_s = Some(age.num_seconds());
    figures.clock_skew_s = Some(skew.num_seconds());
    if skew.abs() > policy.max_clock_skew {
        reasons.push(Reason::ClockSkew);
    }
    if age > policy.max_fix_age {
        reasons.push(Reason::StaleFix);
    }

    let accuracy_ok = fix.accuracy_m.is_finite() && fix.accuracy_m >= 0.0;
    figures.accuracy_m = accuracy_ok.then_some(fix.accuracy_m);
    if !accuracy_ok || fix.accuracy_m > policy.max_accuracy_m {
        reasons.push(Reason::LowAccuracy);
    }

    let target = match input.household {
        HouseholdLocation::Registered { position } => Some(position),
        HouseholdLocation::PendingProposal { position } => Some(position),
        HouseholdLocation::Unknown => None,
    };
    if let Some(target) = target {
        let target = target.validate()?;
        let distance = haversine_m(position, target);
        figures.distance_m = Some(distance);
        let slack = if accuracy_ok { fix.accuracy_m } else { 0.0 };
        if distance > policy.geofence_radius_m + slack {
            reasons.push(Reason::Outside);
        }
    }

    let (verdict, proposed_location) = match reasons.first() {
        Some(first) => (first.verdict(), None),
        None if target.is_none() => (Verdict::LocationProposed, Some(position)),
        None => (Verdict::Verified, None),
    };
    Ok(DoorCheck {
        verdict,
        reasons,
        figures,
        proposed_location,
        outcome: input.outcome,
        accepted_by_hand: None,
    })
}

/// Which days are working days: Monday to Friday, minus public holidays, plus the weekend
/// make-up days (调休) that China's State Council announces each year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingCalendar {
    /// Weekdays that are holidays.
    pub holidays: BTreeSet<NaiveDate>,
    /// Weekend days that are working days.
    pub make_up_working_days: BTreeSet<NaiveDate>,
}

impl WorkingCalendar {
    /// True when `day` is a working day in this calendar.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        if self.make_up_working_days.contains(&day) {
            return true;
        }
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        !weekend && !self.holidays.contains(&day)
    }

    /// The first working day strictly after `day`, or `None` if there is none within a year
    /// (only a calendar that declares a whole year of holidays gets `None`).
    pub fn next_working_day(&self, day: NaiveDate) -> Option<NaiveDate> {
        let mut d = day;
        for _ in 0..366 {
            d = d.succ_opt()?;
            if self.is_working_day(d) {
                return Some(d);
            }
        }
        None
    }
}

/// How many failed attempts (nobody home / refused) flag a household by default.
pub const DEFAULT_FAILED_ATTEMPTS_TO_FLAG: u32 = 3;

/// What should happen after a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum FollowUp {
    /// Nothing further is scheduled by the door check.
    None,
    /// Visit again on this (local) date.
    Revisit {
        /// The local date of the revisit.
        on: NaiveDate,
        /// Failed attempts so far, this one included.
        failed_attempts: u32,
    },
    /// Too many failed attempts: the supervisor decides what happens next.
    FlagSupervisor {
        /// Failed attempts so far, this one included.
        failed_attempts: u32,
    },
}

/// Plans the follow-up for a visit made on the local date `visited_on`.
///
/// `failed_before` counts the household's failed attempts since it was last met. Promises:
/// "met", "moved out", "vacant" and "wrong address" schedule nothing; "nobody home" and
/// "refused" schedule a revisit on the next working day, unless this attempt brings the count
/// to `flag_after` (default [`DEFAULT_FAILED_ATTEMPTS_TO_FLAG`]), in which case the household is
/// flagged for the supervisor instead. A calendar without a working day in the next year also
/// flags the household rather than dropping it.
pub fn plan_follow_up(
    outcome: DoorOutcome,
    visited_on: NaiveDate,
    failed_before: u32,
    flag_after: u32,
    calendar: &WorkingCalendar,
) -> FollowUp {
    if !outcome.is_failed_attempt() {
        return FollowUp::None;
    }
    let failed_attempts = failed_before.saturating_add(1);
    if failed_attempts >= flag_after.max(1) {
        return FollowUp::FlagSupervisor { failed_attempts };
    }
    match calendar.next_working_day(visited_on) {
        Some(on) => FollowUp::Revisit {
            on,
            failed_attempts,
        },
        None => FollowUp::FlagSupervisor { failed_attempts },
    }
}
