//! Pull: changes since a cursor, for the caller's grids.
//!
//! The cursor is opaque to devices (`v1.<change sequence number>.<grid set>`;
//! empty or absent means from the beginning). It names the grids it was made
//! for: when the caller's grids change (a new assignment), a pull with an old
//! cursor starts again from the beginning, so the new grid's households arrive.
//! Devices already take everything idempotently (a lost answer is pulled again). A page holds households of the caller's
//! grids with residents, tags and due visits, every template version published
//! since, and review decisions on the caller's own visits; `more` says to pull
//! again at once.
//!
//! The first page of a pull from the beginning also lists the caller's grids as
//! they are now; the device deletes the households of any other grid. Sending
//! it marks every grid taken from the caller as noticed: visits the phone
//! begins after that in such a grid are refused at push.
//!
//! Each household carries its past visits, whoever made them, so a worker new
//! to it sees its history and her phone's scheduler counts them as done.
//!
//! Due visits are computed by the core scheduler when the household is sent
//! (it is sent again whenever it changes or receives a visit); a deadline that
//! passes without any change is not pushed by itself — the device's own
//! scheduler, running the same core code, tells overdue from due.

use std::collections::{HashMap, HashSet};

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};

use doorstep_forms::FormDefinition;
use doorstep_forms::schedule::Status;
use doorstep_protocol::{DueVisit, PAST_VISITS, PastVisit, PullResponse};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::{Caller, hex};
use crate::error::{ApiFailure, ServerError};
use crate::storage::{HouseholdVisit, PulledHousehold};

const CURSOR_PREFIX: &str = "v1.";

#[derive(Debug, Deserialize)]
pub struct PullQuery {
    #[serde(default)]
    pub cursor: Option<String>,
}

/// A short fingerprint of a set of grids, independent of order.
pub fn grid_set(grids: &[Uuid]) -> String {
    let mut sorted = grids.to_vec();
    sorted.sort_unstable();
    let mut hasher = Sha256::new();
    for g in &sorted {
        hasher.update(g.as_bytes());
    }
    hex(&hasher.finalize()[..6])
}

/// Reads a cursor for a caller whose grids have fingerprint `grids`: the
/// sequence number to pull after (0 when the grids changed since the cursor
/// was made); `None` when it is not a cursor this server made.
pub fn parse_cursor(cursor: Option<&str>, grids: &str) -> Option<i64> {
    let c = match cursor.map(str::trim) {
        None | Some("") => return Some(0),
        Some(c) => c.strip_prefix(CURSOR_PREFIX)?,
    };
    let (seq, made_for) = c.split_once('.')?;
    let seq = seq.parse::<i64>().ok().filter(|n| *n >= 0)?;
    Some(if made_for == grids { seq } else { 0 })
}

/// The cursor for a change sequence number, made for a grid set.
pub fn make_cursor(seq: i64, grids: &str) -> String {
    format!("{CURSOR_PREFIX}{seq}.{grids}")
}

/// `GET /api/v1/pull?cursor=C`.
pub async fn pull(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Json<PullResponse>, ServerError> {
    let bad_cursor = || {
        ApiFailure::bad_request(
            "bad_cursor",
            "同步游标无效，请从头同步",
            "The cursor is not valid; pull from the beginning",
        )
    };
    let Query(q) = query.map_err(|_| bad_cursor())?;
    let grids = grid_set(&caller.grid_ids);
    let after = parse_cursor(q.cursor.as_deref(), &grids).ok_or_else(bad_cursor)?;
    let page = state
        .storage
        .pull(
            caller.user_id,
            &caller.grid_ids,
            after,
            state.pull_page_size,
        )
        .await?;

    let definitions =
        crate::due::scheduled_templates(&state.templates.read().unwrap_or_else(|e| e.into_inner()));
    let defs: Vec<&FormDefinition> = definitions.iter().collect();
    let today = state.clock.today();
    let households = page
        .households
        .into_iter()
        .map(|h| with_due(h, &defs, today))
        .collect();
    // A pull from the beginning tells the device which grids to keep.
    let current_grids = if after == 0 {
        // From now on the phone knows of any grid taken from its worker.
        state
            .storage
            .note_grids_sent(caller.user_id, state.clock.now())
            .await?;
        Some(state.storage.grids_of(caller.user_id).await?)
    } else {
        None
    };
    tracing::debug!(user = %caller.user_id, after, last = page.last_seq, "pull");
    Ok(Json(PullResponse {
        cursor: make_cursor(page.last_seq, &grids),
        more: page.more,
        households,
        templates: page.templates,
        reviews: page.reviews,
        grids: current_grids,
    }))
}

fn with_due(
    h: PulledHousehold,
    templates: &[&FormDefinition],
    today: chrono::NaiveDate,
) -> doorstep_protocol::HouseholdRecord {
    let mut record = h.record;
    record.past_visits = past_visits(&h.visits);
    let household = crate::due::schedule_household(
        record.residents.iter().flat_map(|r| r.tags.iter()),
        h.visits.into_iter().map(|v| (v.template_id, v.date)),
    );
    record.due = doorstep_forms::schedule::due_visits(&household, templates, today)
        .into_iter()
        .map(|d| DueVisit {
            template_id: d.template_id,
            due_by: d.due_by,
            overdue: d.status == Status::Overdue,
        })
        .collect();
    record
}

/// The household's visits as phones list them: the latest revision of each,
/// the [`PAST_VISITS`] newest and the newest of each template besides, newest
/// first.
fn past_visits(visits: &[HouseholdVisit]) -> Vec<PastVisit> {
    let mut latest: HashMap<Uuid, &HouseholdVisit> = HashMap::new();
    for v in visits {
        let kept = latest.entry(v.visit_group).or_insert(v);
        if v.revision > kept.revision {
            *kept = v;
        }
    }
    let mut newest_first: Vec<&HouseholdVisit> = latest.into_values().collect();
    newest_first.sort_by_key(|v| std::cmp::Reverse((v.finalized_utc, v.visit_id)));
    let mut templates = HashSet::new();
    newest_first
        .into_iter()
        .enumerate()
        .filter(|(i, v)| {
            let newest_of_template = templates.insert(v.template_id.as_str());
            *i < PAST_VISITS || newest_of_template
        })
        .map(|(_, v)| PastVisit {
            visit_id: v.visit_id,
            visit_group: v.visit_group,
            template_id: v.template_id.clone(),
            date: v.date,
            status: v.status,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let mine = grid_set(&[Uuid::from_u128(1), Uuid::from_u128(2)]);
        assert_eq!(
            mine,
            grid_set(&[Uuid::from_u128(2), Uuid::from_u128(1)]),
            "order does not matter"
        );
        assert_eq!(parse_cursor(None, &mine), Some(0));
        assert_eq!(parse_cursor(Some(""), &mine), Some(0));
        assert_eq!(parse_cursor(Some(&make_cursor(42, &mine)), &mine), Some(42));
        let other = grid_set(&[Uuid::from_u128(1)]);
        assert_eq!(
            parse_cursor(Some(&make_cursor(42, &other)), &mine),
            Some(0),
            "new grids: from the start"
        );
        for bad in ["42", "v1.42", "v1.-3.abc", "v1.x.abc", "v2.4.abc"] {
            assert_eq!(parse_cursor(Some(bad), &mine), None, "{bad}");
        }
    }
}
