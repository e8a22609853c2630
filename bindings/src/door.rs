//! The door-check screen: a [`DoorCheckSession`] fed with the phone's fixes
//! and the time, telling the screen what to show (live accuracy, elapsed
//! time, the verdict in zh/en), accepting by itself once a fix is good, and
//! recording the outcome the worker chose — a manual acceptance included.
//!
//! The shell passes the instant of every call (`now_ms`, milliseconds since
//! 1970 UTC, the platform's wall clock); the core keeps no timer of its own.

use crate::badge::BadgeTone;
use crate::error::DoorstepError;
use crate::session::Doorstep;
use crate::visit::{DoorCheckResult, DoorOutcome, GpsFixInput, parse_id};
use chrono::{DateTime, TimeZone, Utc};
use doorstep_core::device::Device;
use doorstep_core::door_session::{self, DoorSession, DoorSessionView, DoorStage};
use std::sync::{Arc, Mutex};

/// Where the door check stands.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Enum)]
pub enum DoorCheckStage {
    /// No fix yet: "正在定位…".
    WaitingForFix,
    /// The fix is not accurate enough yet (`accuracy_m` of `need_m`).
    Improving { accuracy_m: f64, need_m: f64 },
    /// A fix with a problem waiting will not cure (far, mocked, stale, wrong
    /// clock): shown with its verdict; accepting by hand is offered.
    Suspect,
    /// No good fix in time: accepting by hand is offered.
    TimedOut,
    /// A good fix, accepted by itself: choose the outcome.
    Accepted,
    /// Accepted by hand (recorded): choose the outcome.
    AcceptedByHand,
}

/// A reason of a verdict, in both languages.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReasonView {
    pub code: String,
    pub text_zh: String,
    pub text_en: String,
}

/// What the door-check screen shows now.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DoorCheckView {
    pub stage: DoorCheckStage,
    /// Whole seconds since the check began.
    pub elapsed_s: u32,
    /// The newest fix's accuracy in metres (live).
    pub accuracy_m: Option<f64>,
    /// The accuracy a fix needs, in metres.
    pub need_accuracy_m: f64,
    /// The kept fix's distance from the household, in metres.
    pub distance_m: Option<f64>,
    pub geofence_radius_m: f64,
    /// Where the household is registered (or proposed) to be, WGS-84, for a
    /// map of the door and the fix; `None` when it has no location yet.
    pub household_lat: Option<f64>,
    pub household_lon: Option<f64>,
    /// The headline in both languages ("定位精度 45 米，需 ≤ 30 米，请稍候", "已核验，请选择入户结果", …).
    pub headline_zh: String,
    pub headline_en: String,
    /// The verdict of the kept fix, when there is one (what would be recorded).
    pub verdict: Option<DoorCheckResult>,
    /// The kept fix's reasons, most serious first.
    pub reasons: Vec<ReasonView>,
    /// Whether "仍然确认" (accept by hand, recorded) is offered.
    pub can_accept_by_hand: bool,
    /// Whether the outcome buttons are enabled: the check is accepted (by
    /// itself or by hand), and choosing an outcome records it.
    pub can_choose_outcome: bool,
    /// How the headline is coloured (good once accepted, bad when suspect
    /// or timed out, a warning while waiting).
    pub tone: BadgeTone,
}

/// An outcome button of the door-check screen.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OutcomeChoice {
    pub outcome: DoorOutcome,
    pub label_zh: String,
    pub label_en: String,
}

impl From<DoorSessionView> for DoorCheckView {
    fn from(v: DoorSessionView) -> Self {
        Self {
            stage: match v.stage {
                DoorStage::WaitingForFix => DoorCheckStage::WaitingForFix,
                DoorStage::Improving { accuracy_m, need_m } => {
                    DoorCheckStage::Improving { accuracy_m, need_m }
                }
                DoorStage::Suspect => DoorCheckStage::Suspect,
                DoorStage::TimedOut => DoorCheckStage::TimedOut,
                DoorStage::Accepted => DoorCheckStage::Accepted,
                DoorStage::AcceptedByHand => DoorCheckStage::AcceptedByHand,
            },
            elapsed_s: v.elapsed_s,
            accuracy_m: v.accuracy_m,
            need_accuracy_m: v.need_accuracy_m,
            distance_m: v.distance_m,
            geofence_radius_m: v.geofence_radius_m,
            household_lat: v.household_position.map(|p| p.lat),
            household_lon: v.household_position.map(|p| p.lon),
            headline_zh: v.headline.zh,
            headline_en: v.headline.en,
            verdict: v.check.map(DoorCheckResult::from),
            reasons: v
                .reasons
                .into_iter()
                .map(|r| ReasonView {
                    code: r.code.to_owned(),
                    text_zh: r.text.zh,
                    text_en: r.text.en,
                })
                .collect(),
            can_accept_by_hand: v.can_accept_by_hand,
            can_choose_outcome: v.stage.is_accepted(),
            tone: v.stage.tone().into(),
        }
    }
}

fn instant(now_ms: i64) -> Result<DateTime<Utc>, DoorstepError> {
    Utc.timestamp_millis_opt(now_ms).single().ok_or_else(|| {
        DoorstepError::invalid("bad_time", "时间无效", "the time is not a valid instant")
    })
}

/// A door check in progress for one draft visit. Every method may be called
/// from any thread.
#[derive(uniffi::Object)]
pub struct DoorCheckSession {
    device: Arc<Device>,
    session: Mutex<DoorSession>,
}

impl DoorCheckSession {
    fn with<T>(&self, f: impl FnOnce(&mut DoorSession) -> T) -> T {
        let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut session)
    }
}

#[uniffi::export]
impl DoorCheckSession {
    /// What the screen shows now.
    pub fn view(&self) -> DoorCheckView {
        self.with(|s| s.view().into())
    }

    /// The screen's timer: call it about once a second while no fix comes.
    pub fn tick(&self, now_ms: i64) -> Result<DoorCheckView, DoorstepError> {
        let now = instant(now_ms)?;
        Ok(self.with(|s| s.tick(now).into()))
    }

    /// A new fix from the platform (pass its mock flag as it is). Accepts by
    /// itself once a fix is good; later fixes then change nothing.
    pub fn fix(&self, fix: GpsFixInput, now_ms: i64) -> Result<DoorCheckView, DoorstepError> {
        let now = instant(now_ms)?;
        let fix = fix.into_core()?;
        Ok(self.with(|s| s.fix(fix, now))?.into())
    }

    /// "仍然确认": the worker accepts without a good fix. Offered only after a
    /// suspect fix or the wait (`can_accept_by_hand`); recorded with the visit.
    pub fn accept_by_hand(&self, now_ms: i64) -> Result<DoorCheckView, DoorstepError> {
        let now = instant(now_ms)?;
        Ok(self.with(|s| s.accept_by_hand(now))?.into())
    }

    /// Records the accepted check with the outcome the worker chose (replacing
    /// an earlier check of the visit) and returns the verdict stored.
    pub fn record(&self, outcome: DoorOutcome) -> Result<DoorCheckResult, DoorstepError> {
        let session = self.with(|s| s.clone());
        Ok(self
            .device
            .record_door_session(&session, outcome.into())?
            .into())
    }
}

#[uniffi::export]
impl Doorstep {
    /// Begins the door check of a draft at `now_ms`: the screen then feeds it
    /// fixes and ticks, and records the outcome once it is accepted.
    pub fn start_door_check(
        &self,
        visit_id: String,
        now_ms: i64,
    ) -> Result<Arc<DoorCheckSession>, DoorstepError> {
        let device = self.device();
        let session = device.door_session(parse_id(&visit_id)?, instant(now_ms)?)?;
        Ok(Arc::new(DoorCheckSession {
            device,
            session: Mutex::new(session),
        }))
    }

    /// The outcome buttons of the door-check screen, in order, with their words.
    pub fn door_outcomes(&self) -> Vec<OutcomeChoice> {
        door_session::outcome_choices()
            .into_iter()
            .map(|(o, label)| OutcomeChoice {
                outcome: o.into(),
                label_zh: label.zh,
                label_en: label.en,
            })
            .collect()
    }
}
