//! The dashboard's coverage (逐户): per grid, the households due a routine
//! visit in the current period and how many of them got it, and the
//! follow-ups that are overdue. "Due" is the core scheduler's, applied as pull
//! applies it ([`crate::due`]); each template's period is its own schedule's
//! (a month, a quarter, …).

use std::collections::HashMap;

use chrono::NaiveDate;
use doorstep_forms::FormDefinition;
use doorstep_forms::schedule::{Reason, Status, due_visits};
use uuid::Uuid;

use crate::due::schedule_household;
use crate::storage::CoverageHousehold;

/// One grid's coverage and overdue follow-ups.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Households that owe a routine visit this period (by their tags).
    pub due: u64,
    /// Of those, households with every routine visit of the period made.
    pub visited: u64,
    /// Visits (routine or campaign) whose deadline passed without one.
    pub overdue: u64,
}

impl Coverage {
    /// Visited as a whole percent of due; `None` when nothing is due.
    pub fn percent(&self) -> Option<u64> {
        (self.due > 0).then(|| self.visited * 100 / self.due)
    }
}

/// Coverage per grid as of `today`. Promises: a household counts as due when
/// the scheduler, ignoring its visits, expects a routine visit of it today;
/// as visited when, with its visits, it expects none; each overdue item the
/// scheduler reports counts once.
pub fn per_grid(
    households: &[CoverageHousehold],
    templates: &[&FormDefinition],
    today: NaiveDate,
) -> HashMap<Uuid, Coverage> {
    let routine = |r: &Reason| matches!(r, Reason::Routine { .. });
    let mut out: HashMap<Uuid, Coverage> = HashMap::new();
    for h in households {
        let owed = schedule_household(&h.tags, Vec::new());
        let is_due = due_visits(&owed, templates, today)
            .iter()
            .any(|d| routine(&d.reason));
        let made = schedule_household(&h.tags, h.latest_visits.iter().cloned());
        let left = due_visits(&made, templates, today);
        let c = out.entry(h.grid_id).or_default();
        if is_due {
            c.due += 1;
            if !left.iter().any(|d| routine(&d.reason)) {
                c.visited += 1;
            }
        }
        c.overdue += left.iter().filter(|d| d.status == Status::Overdue).count() as u64;
    }
    out
}
