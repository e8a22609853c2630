//! Anomalies the server derives from what a device sent with a visit, beyond
//! form validation and the door check: a visit finished implausibly fast, and
//! a household with repeated failed door attempts (家中无人 / 拒绝入户).
//!
//! Both become flag codes stored with the visit at ingest, like every other
//! anomaly. [`too_fast`] needs only the visit, so push computes it with the
//! other flags; [`flags_household`] needs the household's earlier visits, so the
//! storage backends apply it inside `apply_ops`, where a batch's earlier visits
//! are already visible.
//!
//! Minimum plausible durations, from the start of the visit (or its door
//! check, when that came first) to finalizing, by the form's visit kind:
//!
//! | visit kind | minimum | why |
//! |---|---|---|
//! | `dibao_application` | 5 min | every member's identity, health, job and income is asked |
//! | `dibao_review`, `temp_assistance` | 3 min | income and circumstances, a proposal with reasons |
//! | anything else | 60 s | even a short form with a photo takes a minute at the door |
//!
//! A door check whose outcome is not "met" (nobody home, refused, moved out,
//! vacant, wrong address) is short by nature and never counts as too fast, nor
//! does a revision of a returned visit (it corrects answers given before). But
//! such a visit that still records interview answers (choices, yes/no, ID
//! numbers, phones, amounts, household members — anything only someone inside
//! could tell) is flagged [`ANSWERS_WITHOUT_ENTRY`]: the supervisor must not
//! approve a full interview of a household nobody met.

use chrono::{Duration, NaiveDate};
use doorstep_evidence::door_check::{
    DEFAULT_FAILED_ATTEMPTS_TO_FLAG, DoorOutcome, FollowUp, WorkingCalendar, plan_follow_up,
};
use doorstep_forms::definition::{Field, FieldType};
use doorstep_protocol::VisitSubmission;

/// The flag of a visit finished faster than its kind allows.
pub const TOO_FAST: &str = "too_fast";
/// The flag of a failed attempt that brings the household's count since it
/// was last met to [`DEFAULT_FAILED_ATTEMPTS_TO_FLAG`] or more.
pub const FAILED_ATTEMPTS: &str = "failed_attempts";

/// The flag of a visit whose door outcome was not "met" but whose form
/// records interview answers.
pub const ANSWERS_WITHOUT_ENTRY: &str = "answers_without_entry";

/// True when the visit's door check says nobody was met (nobody home,
/// refused, moved out, vacant, wrong address) and yet `answers` hold an
/// answer to a question only someone inside could answer: a choice other than
/// the form's own `outcome`, a yes/no, a number, an amount, an ID number, a
/// phone, or a household member. Free text, dates, positions and photos can
/// be recorded at a closed door and do not count.
pub fn answers_without_entry(visit: &VisitSubmission, fields: &[Field]) -> bool {
    let entered = visit
        .door_check
        .as_ref()
        .is_none_or(|d| d.input.outcome == DoorOutcome::Met);
    !entered
        && visit
            .answers
            .as_object()
            .is_some_and(|o| interviewed(fields, o))
}

fn interviewed(fields: &[Field], answers: &serde_json::Map<String, serde_json::Value>) -> bool {
    fields.iter().any(|f| match f.field_type {
        FieldType::Group => f
            .children
            .as_deref()
            .is_some_and(|c| interviewed(c, answers)),
        FieldType::Repeat => answers
            .get(&f.name)
            .and_then(serde_json::Value::as_array)
            .is_some_and(|items| !items.is_empty()),
        FieldType::SelectOne
        | FieldType::SelectMultiple
        | FieldType::YesNo
        | FieldType::Integer
        | FieldType::Decimal
        | FieldType::Money
        | FieldType::IdNumber
        | FieldType::Phone => {
            f.name != "outcome"
                && answers.get(&f.name).is_some_and(|v| match v {
                    serde_json::Value::Null => false,
                    serde_json::Value::String(s) => !s.is_empty(),
                    serde_json::Value::Array(a) => !a.is_empty(),
                    _ => true,
                })
        }
        _ => false,
    })
}

/// A stored door outcome code (`nobody_home`, …) as the outcome.
pub fn parse_outcome(code: &str) -> Option<DoorOutcome> {
    serde_json::from_value(serde_json::Value::String(code.to_owned())).ok()
}

/// The shortest plausible time at the door for a visit kind (see the table above).
pub fn min_duration(visit_kind: &str) -> Duration {
    match visit_kind {
        "dibao_application" => Duration::minutes(5),
        "dibao_review" | "temp_assistance" => Duration::minutes(3),
        _ => Duration::seconds(60),
    }
}

/// True when even the longest the visit can have lasted — from the earlier
/// of its start and its door check to finalizing, by the device's own clock —
/// is shorter than [`min_duration`] of its kind. A door check with an outcome
/// other than "met", and a revision (revision 2 on), are never too fast.
pub fn too_fast(visit: &VisitSubmission, visit_kind: &str) -> bool {
    if visit.revision > 1 {
        return false;
    }
    let from = match &visit.door_check {
        Some(d) if d.input.outcome != DoorOutcome::Met => return false,
        Some(d) => d.input.checked_at.min(visit.started.utc),
        None => visit.started.utc,
    };
    visit.finalized.utc - from < min_duration(visit_kind)
}

/// The stored code of a door outcome (`met`, `nobody_home`, …).
pub fn outcome_code(outcome: DoorOutcome) -> String {
    serde_json::to_value(outcome)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The stored codes of the outcomes that count as a failed attempt.
pub fn failed_outcome_codes() -> [String; 2] {
    [
        outcome_code(DoorOutcome::NobodyHome),
        outcome_code(DoorOutcome::Refused),
    ]
}

/// True when a visit with `outcome` on `visited_on`, after `failed_before`
/// failed attempts since the household was last met, is to be flagged for the
/// supervisor: the core's follow-up planner decides, with the default count.
pub fn flags_household(outcome: DoorOutcome, failed_before: u32, visited_on: NaiveDate) -> bool {
    matches!(
        plan_follow_up(
            outcome,
            visited_on,
            failed_before,
            DEFAULT_FAILED_ATTEMPTS_TO_FLAG,
            &WorkingCalendar::default(),
        ),
        FollowUp::FlagSupervisor { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_third_failed_attempt_flags_and_a_meeting_never_does() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
        assert!(!flags_household(DoorOutcome::NobodyHome, 0, day));
        assert!(!flags_household(DoorOutcome::Refused, 1, day));
        assert!(flags_household(DoorOutcome::NobodyHome, 2, day));
        assert!(flags_household(DoorOutcome::Refused, 5, day));
        assert!(!flags_household(DoorOutcome::Met, 5, day));
        assert_eq!(outcome_code(DoorOutcome::NobodyHome), "nobody_home");
    }
}
