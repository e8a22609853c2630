//! The door-check screen as a state machine: fed with the phone's location
//! fixes and the time, it says what the screen shows — live accuracy, elapsed
//! time, the verdict in Chinese and English — and accepts by itself once a fix
//! is good.
//!
//! ```text
//!            fix                fix, accurate, no problem
//! WaitingForFix ──▶ Improving ───────────────────────────▶ Accepted (automatic)
//!      │               │  ▲ an accurate fix with a problem
//!      │               ▼  │ (far, stale, wrong clock), or
//!      │             Suspect  any mocked fix
//!      └──── timeout ──┴──────▶ TimedOut
//!   Suspect / TimedOut ── accept_by_hand ──▶ AcceptedByHand (recorded)
//! ```
//!
//! Nothing here reads a clock: every call passes the instant it happens
//! (`now`), so the screen's timer and the tests drive it alike. Each fix is
//! judged by the evidence crate's [`check_door`] with the device's policy; the
//! screen shows the newest fix's verdict, and the fix kept for the record is
//! the best so far (not mocked, fewest problems, then the most accurate). Once
//! accepted, [`Device::record_door_session`] stores the verdict with the
//! outcome the worker chose; a check accepted by hand carries
//! [`HandAcceptance`], which travels to the server with the visit.

use crate::device::{Device, DeviceError};
use crate::display::Tone;
use crate::evidence::door_check::HandAcceptance;
use crate::evidence::{
    DoorCheck, DoorCheckInput, DoorCheckPolicy, DoorOutcome, GpsFix, HouseholdLocation, LatLon,
    Reason, check_door,
};
use crate::forms::LocalizedText;
use crate::store::StoreError;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// How long the screen waits for a good fix before offering to accept by hand.
pub const DEFAULT_WAIT: Duration = Duration::seconds(60);

/// Where the door check stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DoorStage {
    /// No fix yet.
    WaitingForFix,
    /// The fix is not accurate enough yet: waiting for it to improve.
    Improving { accuracy_m: f64, need_m: f64 },
    /// An accurate fix with a problem (outside the household's area, stale,
    /// a wrong clock), or any mocked fix: shown with its verdict.
    Suspect,
    /// No good fix came in time.
    TimedOut,
    /// A good fix: accepted by itself.
    Accepted,
    /// Accepted by the worker without a good fix (recorded).
    AcceptedByHand,
}

impl DoorStage {
    /// True once the worker can choose the outcome at the door.
    pub fn is_accepted(self) -> bool {
        matches!(self, Self::Accepted | Self::AcceptedByHand)
    }

    /// How the screen colours the stage's headline: good once accepted, bad
    /// for a suspect fix or a timeout, a warning while it waits.
    pub fn tone(self) -> Tone {
        match self {
            Self::Accepted | Self::AcceptedByHand => Tone::Good,
            Self::Suspect | Self::TimedOut => Tone::Bad,
            Self::WaitingForFix | Self::Improving { .. } => Tone::Warn,
        }
    }
}

/// One reason of a verdict in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonText {
    pub code: &'static str,
    pub text: LocalizedText,
}

/// What the door-check screen shows now.
#[derive(Debug, Clone, PartialEq)]
pub struct DoorSessionView {
    pub stage: DoorStage,
    /// Whole seconds since the check began.
    pub elapsed_s: u32,
    /// The newest fix's accuracy, in metres.
    pub accuracy_m: Option<f64>,
    /// The accuracy a fix needs, in metres.
    pub need_accuracy_m: f64,
    /// The shown fix's distance from the household, in metres.
    pub distance_m: Option<f64>,
    pub geofence_radius_m: f64,
    /// Where the household is registered (or proposed) to be, for a map of
    /// the door and the fix; `None` when it has no location yet.
    pub household_position: Option<LatLon>,
    /// The verdict shown: of the newest fix while waiting; once accepted, of
    /// the fix recorded (the best one).
    pub check: Option<DoorCheck>,
    /// The headline: "正在定位…", "精度 45 米，需 ≤ 30 米", "已核验", …
    pub headline: LocalizedText,
    /// The shown verdict's reasons, most serious first.
    pub reasons: Vec<ReasonText>,
    /// Whether "仍然确认" (accept by hand, recorded) is offered.
    pub can_accept_by_hand: bool,
}

/// A fix with its verdict.
#[derive(Debug, Clone)]
struct Judged {
    fix: GpsFix,
    check: DoorCheck,
    at: DateTime<Utc>,
}

/// A door check in progress for one visit.
#[derive(Debug, Clone)]
pub struct DoorSession {
    visit: Uuid,
    household: HouseholdLocation,
    policy: DoorCheckPolicy,
    wait: Duration,
    started: DateTime<Utc>,
    now: DateTime<Utc>,
    latest: Option<Judged>,
    best: Option<Judged>,
    by_hand: Option<HandAcceptance>,
}

impl DoorSession {
    /// A check for `visit` at a household whose location is `household`,
    /// begun at `now`, waiting at most `wait` for a good fix.
    pub fn new(
        visit: Uuid,
        household: HouseholdLocation,
        policy: DoorCheckPolicy,
        wait: Duration,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            visit,
            household,
            policy,
            wait,
            started: now,
            now,
            latest: None,
            best: None,
            by_hand: None,
        }
    }

    /// The visit this check is for.
    pub fn visit(&self) -> Uuid {
        self.visit
    }

    fn advance(&mut self, now: DateTime<Utc>) {
        // A clock that steps back never makes the timer run backwards.
        if now > self.now {
            self.now = now;
        }
    }

    /// The time passing with no new fix (the screen's timer).
    pub fn tick(&mut self, now: DateTime<Utc>) -> DoorSessionView {
        self.advance(now);
        self.view()
    }

    /// A new fix from the phone at `now`. Once the check is accepted, later
    /// fixes change nothing. Fails only on a position that is no place on Earth.
    pub fn fix(&mut self, fix: GpsFix, now: DateTime<Utc>) -> Result<DoorSessionView, DeviceError> {
        self.advance(now);
        if self.stage().is_accepted() {
            return Ok(self.view());
        }
        let input = DoorCheckInput {
            fix: Some(fix.clone()),
            checked_at: self.now,
            outcome: DoorOutcome::Met,
            household: self.household,
        };
        let check = check_door(&input, &self.policy).map_err(|_| DeviceError::BadPosition)?;
        let judged = Judged {
            fix,
            check,
            at: self.now,
        };
        let better = match &self.best {
            None => true,
            Some(b) => rank(&judged) < rank(b),
        };
        if better {
            self.best = Some(judged.clone());
        }
        self.latest = Some(judged);
        Ok(self.view())
    }

    /// The worker accepts the check as it stands without a good fix: allowed
    /// once a suspect fix is shown or the wait is over; recorded with the
    /// visit for the supervisor.
    pub fn accept_by_hand(&mut self, now: DateTime<Utc>) -> Result<DoorSessionView, DeviceError> {
        self.advance(now);
        if !self.view().can_accept_by_hand {
            return Err(DeviceError::TooEarlyToAcceptByHand);
        }
        self.by_hand = Some(HandAcceptance {
            waited_s: self.elapsed_s(),
        });
        Ok(self.view())
    }

    fn elapsed_s(&self) -> u32 {
        u32::try_from((self.now - self.started).num_seconds().max(0)).unwrap_or(u32::MAX)
    }

    /// The stage the check is at now.
    pub fn stage(&self) -> DoorStage {
        if self.by_hand.is_some() {
            return DoorStage::AcceptedByHand;
        }
        if let Some(best) = &self.best
            && best.check.reasons.is_empty()
        {
            return DoorStage::Accepted;
        }
        if self.now - self.started >= self.wait {
            return DoorStage::TimedOut;
        }
        match &self.latest {
            None => DoorStage::WaitingForFix,
            // A mock location stays one however long she waits.
            Some(j) if j.check.reasons.contains(&Reason::MockLocation) => DoorStage::Suspect,
            // A poor fix may also look far or old: a better one may cure both.
            Some(j) if j.check.reasons.contains(&Reason::LowAccuracy) => DoorStage::Improving {
                accuracy_m: j.fix.accuracy_m,
                need_m: self.policy.max_accuracy_m,
            },
            Some(_) => DoorStage::Suspect,
        }
    }

    /// What the screen shows now: the verdict of the newest fix while
    /// waiting, the one to be recorded once accepted.
    pub fn view(&self) -> DoorSessionView {
        let stage = self.stage();
        let shown = if stage.is_accepted() {
            &self.best
        } else {
            &self.latest
        };
        let check = shown.as_ref().map(|b| {
            let mut c = b.check.clone();
            c.accepted_by_hand = self.by_hand;
            c
        });
        let reasons = check
            .as_ref()
            .map(|c| {
                c.reasons
                    .iter()
                    .map(|r| ReasonText {
                        code: r.code(),
                        text: LocalizedText::new(r.message_zh(), r.message_en()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        DoorSessionView {
            stage,
            elapsed_s: self.elapsed_s(),
            accuracy_m: self.latest.as_ref().map(|j| j.fix.accuracy_m),
            need_accuracy_m: self.policy.max_accuracy_m,
            distance_m: check.as_ref().and_then(|c| c.figures.distance_m),
            geofence_radius_m: self.policy.geofence_radius_m,
            household_position: match self.household {
                HouseholdLocation::Registered { position }
                | HouseholdLocation::PendingProposal { position } => Some(position),
                HouseholdLocation::Unknown => None,
            },
            headline: headline(stage, check.as_ref()),
            reasons,
            can_accept_by_hand: matches!(stage, DoorStage::Suspect | DoorStage::TimedOut),
            check,
        }
    }

    /// The check to record with `outcome`, once accepted.
    fn outcome(&self, outcome: DoorOutcome) -> Result<(DoorCheckInput, DoorCheck), DeviceError> {
        if !self.stage().is_accepted() {
            return Err(DeviceError::DoorCheckNotAccepted);
        }
        let input = DoorCheckInput {
            fix: self.best.as_ref().map(|b| b.fix.clone()),
            checked_at: self.best.as_ref().map_or(self.now, |b| b.at),
            outcome,
            household: self.household,
        };
        let mut check = check_door(&input, &self.policy).map_err(|_| DeviceError::BadPosition)?;
        check.accepted_by_hand = self.by_hand;
        Ok((input, check))
    }
}

/// Orders fixes: a mocked one last, then fewer problems first, then the more
/// accurate.
fn rank(j: &Judged) -> (bool, usize, u64) {
    let accuracy = if j.fix.accuracy_m.is_finite() && j.fix.accuracy_m >= 0.0 {
        (j.fix.accuracy_m * 100.0) as u64
    } else {
        u64::MAX
    };
    (
        j.check.reasons.contains(&Reason::MockLocation),
        j.check.reasons.len(),
        accuracy,
    )
}

/// The headline of a stage, with its figures, in both languages.
fn headline(stage: DoorStage, check: Option<&DoorCheck>) -> LocalizedText {
    let verdict = |c: &DoorCheck| (c.verdict.label_zh(), c.verdict.label_en());
    match stage {
        DoorStage::WaitingForFix => LocalizedText::new("正在定位…", "Finding your location…"),
        DoorStage::Improving { accuracy_m, need_m } => LocalizedText::new(
            format!("定位精度 {accuracy_m:.0} 米，需 ≤ {need_m:.0} 米，请稍候"),
            format!("Accuracy {accuracy_m:.0} m, need ≤ {need_m:.0} m: please wait"),
        ),
        DoorStage::Suspect => match check {
            Some(c) => {
                let (zh, en) = verdict(c);
                LocalizedText::new(format!("核验未通过：{zh}"), format!("Not verified: {en}"))
            }
            None => LocalizedText::new("核验未通过", "Not verified"),
        },
        DoorStage::TimedOut => LocalizedText::new(
            "等待超时，未取得合格定位，可手动确认（将记录）",
            "No good location in time: you may accept by hand (it is recorded)",
        ),
        DoorStage::Accepted => match check {
            Some(c) => {
                let (zh, en) = verdict(c);
                LocalizedText::new(
                    format!("{zh}，请选择入户结果"),
                    format!("{en}: choose the outcome"),
                )
            }
            None => LocalizedText::new("已核验", "Verified"),
        },
        DoorStage::AcceptedByHand => LocalizedText::new(
            "已手动确认（将记录），请选择入户结果",
            "Accepted by hand (recorded): choose the outcome",
        ),
    }
}

/// The outcomes a worker chooses from at the door, in the order shown, with
/// their words.
pub fn outcome_choices() -> Vec<(DoorOutcome, LocalizedText)> {
    [
        DoorOutcome::Met,
        DoorOutcome::NobodyHome,
        DoorOutcome::Refused,
        DoorOutcome::MovedOut,
        DoorOutcome::Vacant,
        DoorOutcome::WrongAddress,
    ]
    .into_iter()
    .map(|o| (o, LocalizedText::new(o.label_zh(), o.label_en())))
    .collect()
}

impl Device {
    /// Begins the door check of a draft at `now`, waiting at most
    /// [`DEFAULT_WAIT`] for a good fix.
    pub fn door_session(
        &self,
        visit: Uuid,
        now: DateTime<Utc>,
    ) -> Result<DoorSession, DeviceError> {
        let record = self.store().visit(visit)?;
        if record.visit.status != doorstep_model::VisitStatus::Draft {
            return Err(StoreError::Invalid("only a draft visit can be changed".into()).into());
        }
        let household = self.store().household_location(record.visit.household_id)?;
        Ok(DoorSession::new(
            visit,
            household,
            self.door_policy().clone(),
            DEFAULT_WAIT,
            now,
        ))
    }

    /// Records an accepted door check with the outcome the worker chose
    /// (replacing an earlier one) and returns the verdict stored.
    pub fn record_door_session(
        &self,
        session: &DoorSession,
        outcome: DoorOutcome,
    ) -> Result<DoorCheck, DeviceError> {
        let (input, check) = session.outcome(outcome)?;
        self.store()
            .record_door_check(session.visit, &input, &check)?;
        Ok(check)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_headline_is_green_once_accepted_red_when_suspect_or_late() {
        use crate::display::Tone;
        assert_eq!(DoorStage::Accepted.tone(), Tone::Good);
        assert_eq!(DoorStage::AcceptedByHand.tone(), Tone::Good);
        assert_eq!(DoorStage::Suspect.tone(), Tone::Bad);
        assert_eq!(DoorStage::TimedOut.tone(), Tone::Bad);
        assert_eq!(DoorStage::WaitingForFix.tone(), Tone::Warn);
        let improving = DoorStage::Improving {
            accuracy_m: 45.0,
            need_m: 30.0,
        };
        assert_eq!(improving.tone(), Tone::Warn);
    }

    use super::*;
    use crate::evidence::{LatLon, Provider};

    const HOME: LatLon = LatLon {
        lat: 31.2304,
        lon: 121.4737,
    };

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-05-01T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn fix(at: DateTime<Utc>, accuracy_m: f64, north_m: f64, is_mock: bool) -> GpsFix {
        GpsFix {
            position: LatLon {
                lat: HOME.lat + north_m / 111_320.0,
                lon: HOME.lon,
            },
            accuracy_m,
            altitude_m: None,
            fix_time: at,
            provider: Provider::Gps,
            is_mock,
            satellites: Some(8),
            monotonic_age: None,
        }
    }

    fn session() -> DoorSession {
        DoorSession::new(
            Uuid::new_v4(),
            HouseholdLocation::Registered { position: HOME },
            DoorCheckPolicy::default(),
            DEFAULT_WAIT,
            t0(),
        )
    }

    #[test]
    fn waits_for_accuracy_then_accepts_by_itself() {
        let mut s = session();
        let v = s.tick(t0() + Duration::seconds(3));
        assert_eq!(v.stage, DoorStage::WaitingForFix);
        assert_eq!(v.elapsed_s, 3);
        assert_eq!(v.headline.zh, "正在定位…");
        assert!(!v.can_accept_by_hand);

        let at = t0() + Duration::seconds(5);
        let v = s.fix(fix(at, 45.0, 5.0, false), at).unwrap();
        assert_eq!(
            v.stage,
            DoorStage::Improving {
                accuracy_m: 45.0,
                need_m: 30.0
            }
        );
        assert_eq!(v.headline.zh, "定位精度 45 米，需 ≤ 30 米，请稍候");
        assert_eq!(v.accuracy_m, Some(45.0));

        let at = t0() + Duration::seconds(12);
        let v = s.fix(fix(at, 8.0, 5.0, false), at).unwrap();
        assert_eq!(v.stage, DoorStage::Accepted);
        assert_eq!(v.headline.zh, "已核验，请选择入户结果");
        assert_eq!(v.headline.en, "Verified: choose the outcome");
        assert!(v.reasons.is_empty());

        // Later fixes, even bad ones, do not undo an accepted check.
        let at = t0() + Duration::seconds(20);
        let v = s.fix(fix(at, 8.0, 500.0, true), at).unwrap();
        assert_eq!(v.stage, DoorStage::Accepted);
        let (input, check) = s.outcome(DoorOutcome::Met).unwrap();
        assert_eq!(check.accepted_by_hand, None);
        assert_eq!(input.fix.unwrap().accuracy_m, 8.0);
    }

    #[test]
    fn a_far_fix_and_a_mocked_fix_are_suspect_with_their_reasons_in_both_languages() {
        let mut s = session();
        let at = t0() + Duration::seconds(4);
        let v = s.fix(fix(at, 10.0, 400.0, false), at).unwrap();
        assert_eq!(v.stage, DoorStage::Suspect);
        assert_eq!(v.headline.zh, "核验未通过：不在范围内");
        assert_eq!(v.reasons[0].code, "outside");
        assert_eq!(
            v.reasons[0].text.en,
            "Not within the household's address area"
        );
        assert!(v.distance_m.unwrap() > 350.0);
        assert_eq!(v.household_position, Some(HOME));
        assert!(v.can_accept_by_hand);

        let mut s = session();
        let v = s.fix(fix(at, 5.0, 0.0, true), at).unwrap();
        assert_eq!(v.stage, DoorStage::Suspect);
        assert_eq!(v.headline.en, "Not verified: Mock location");
        assert_eq!(v.reasons[0].text.zh, "检测到模拟定位");
        assert!(
            s.outcome(DoorOutcome::Met).is_err(),
            "nothing is recorded before it is accepted"
        );
    }

    #[test]
    fn after_the_wait_she_may_accept_by_hand_and_it_is_recorded() {
        let mut s = session();
        let early = t0() + Duration::seconds(10);
        assert!(
            s.accept_by_hand(early).is_err(),
            "not while it is still improving"
        );
        let at = t0() + Duration::seconds(30);
        s.fix(fix(at, 80.0, 0.0, false), at).unwrap();
        let v = s.tick(t0() + Duration::seconds(61));
        assert_eq!(v.stage, DoorStage::TimedOut);
        assert!(v.can_accept_by_hand);
        let v = s.accept_by_hand(t0() + Duration::seconds(65)).unwrap();
        assert_eq!(v.stage, DoorStage::AcceptedByHand);
        let (_, check) = s.outcome(DoorOutcome::NobodyHome).unwrap();
        assert_eq!(
            check.accepted_by_hand,
            Some(HandAcceptance { waited_s: 65 })
        );
        assert_eq!(
            check.verdict.code(),
            "low_accuracy",
            "the verdict stands as it is"
        );
        assert_eq!(check.outcome, DoorOutcome::NobodyHome);
    }

    #[test]
    fn the_most_accurate_of_several_poor_fixes_is_kept() {
        let mut s = session();
        for (k, acc) in [(1, 60.0), (2, 40.0), (3, 90.0)] {
            let at = t0() + Duration::seconds(k);
            s.fix(fix(at, acc, 0.0, false), at).unwrap();
        }
        let at = t0() + Duration::seconds(4);
        s.fix(fix(at, 3.0, 0.0, true), at).unwrap();
        let v = s.view();
        assert_eq!(
            v.accuracy_m,
            Some(3.0),
            "the newest fix's accuracy is shown live"
        );
        assert_eq!(v.stage, DoorStage::Suspect);
        s.accept_by_hand(at).unwrap();
        let (input, check) = s.outcome(DoorOutcome::Met).unwrap();
        assert_eq!(
            input.fix.unwrap().accuracy_m,
            40.0,
            "the most accurate fix that is not mocked is recorded"
        );
        assert_eq!(s.view().check.unwrap(), check);
    }

    #[test]
    fn a_poor_fix_that_looks_far_is_still_improving() {
        let mut s = session();
        let at = t0() + Duration::seconds(2);
        let v = s.fix(fix(at, 80.0, 300.0, false), at).unwrap();
        assert!(matches!(v.stage, DoorStage::Improving { .. }));
        assert_eq!(v.reasons[0].code, "low_accuracy");
        assert!(!v.can_accept_by_hand);
    }
}
