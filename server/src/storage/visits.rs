//! Visits as devices push them: applying a push's operations exactly once,
//! the rules a new revision is checked by (revision flags, the failed-attempts
//! anomaly), what the console reads instead of every visit's JSON, and
//! reading stored revisions back.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use doorstep_evidence::door_check::DoorOutcome;
use doorstep_model::{DeviceInstant, Review, Visit, VisitStatus};
use doorstep_protocol::{OperationOutcome, OperationResult};
use uuid::Uuid;

use super::changes::{next_seq, take_turn};
use super::conn::{Conn, List, Row, ts};
use super::households::apply_edit;
use super::{NewVisit, PreparedOp, Result, StoredVisit, refused};
use crate::anomalies;

/// The remembered result of an operation.
async fn remembered<C: Conn>(c: &mut C, op_id: Uuid) -> Result<Option<OperationResult>> {
    c.query_opt(
        "SELECT result FROM op_results WHERE op_id = $1",
        &[&op_id.to_string()],
    )
    .await?
    .map(|r| r.json(0))
    .transpose()
}

/// Remembers an operation's result, so a replay answers the same.
async fn remember<C: Conn>(
    c: &mut C,
    user_id: Uuid,
    result: &OperationResult,
    now: DateTime<Utc>,
) -> Result<()> {
    c.execute(
        "INSERT INTO op_results (op_id, user_id, result, at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (op_id) DO NOTHING",
        &[
            &result.op_id.to_string(),
            &user_id.to_string(),
            &serde_json::to_string(result)?,
            &ts(now),
        ],
    )
    .await?;
    Ok(())
}

/// The remembered results of these operations.
pub(super) async fn op_results<C: Conn>(
    c: &mut C,
    op_ids: &[Uuid],
) -> Result<HashMap<Uuid, OperationResult>> {
    let sql = format!(
        "SELECT op_id, result FROM op_results WHERE {}",
        c.dialect().in_list("op_id", 1)
    );
    let mut out = HashMap::new();
    for r in c.query(&sql, &[&List::ids(op_ids)]).await? {
        out.insert(r.uuid(0)?, r.json(1)?);
    }
    Ok(out)
}

/// Applies a push's operations in order, each exactly once by its id, at `now`.
pub(super) async fn apply_ops<C: Conn>(
    c: &mut C,
    user_id: Uuid,
    ops: Vec<PreparedOp>,
    now: DateTime<Utc>,
) -> Result<Vec<OperationResult>> {
    // Pushes take turns from here on, so two pushes of one op_id do not
    // both apply it: the second answers the first's remembered result.
    take_turn(c).await?;
    let mut results = Vec::with_capacity(ops.len());
    for op in ops {
        let op_id = match &op {
            PreparedOp::Visit { op_id, .. }
            | PreparedOp::EditHousehold { op_id, .. }
            | PreparedOp::Refuse { op_id, .. } => *op_id,
        };
        if let Some(first) = remembered(c, op_id).await? {
            results.push(first);
            continue;
        }
        let (outcome, keep) = match op {
            PreparedOp::Visit { op_id, visit } => (apply_visit(c, op_id, &visit, now).await?, true),
            PreparedOp::EditHousehold {
                op_id,
                household_id,
                base_version,
                changes,
            } => (
                apply_edit(c, user_id, op_id, household_id, base_version, &changes, now).await?,
                true,
            ),
            PreparedOp::Refuse {
                error, remember, ..
            } => (OperationOutcome::Refused { error }, remember),
        };
        let result = OperationResult { op_id, outcome };
        if keep {
            remember(c, user_id, &result, now).await?;
        }
        results.push(result);
    }
    Ok(results)
}

/// Stores one visit revision with the flags the server adds, and sends its
/// household again.
async fn apply_visit<C: Conn>(
    c: &mut C,
    op_id: Uuid,
    v: &NewVisit,
    now: DateTime<Utc>,
) -> Result<OperationOutcome> {
    let s = &v.submission;
    let existing = c
        .query_opt(
            "SELECT flags FROM visits WHERE id = $1",
            &[&s.visit_id.to_string()],
        )
        .await?;
    if let Some(row) = existing {
        // The same revision sent under another op id: it is stored already.
        return Ok(OperationOutcome::Applied {
            flags: row.json(0)?,
        });
    }
    let group = s.visit_group.to_string();
    let revision = i64::from(s.revision);
    let taken = c
        .query_opt(
            "SELECT id FROM visits WHERE visit_group = $1 AND revision = $2",
            &[&group, &revision],
        )
        .await?;
    if taken.is_some() {
        return Ok(refused(
            "revision_exists",
            "该走访的这一版本已由另一条记录提交",
            "This revision of the visit was already submitted as another record",
        ));
    }
    let mut flags = v.flags.clone();
    if s.revision > 1 {
        let previous = c
            .query_opt(
                "SELECT status, household_id FROM visits WHERE visit_group = $1 AND revision = $2",
                &[&group, &(revision - 1)],
            )
            .await?;
        match previous {
            Some(r) => {
                if r.try_get::<&str>(0)? != VisitStatus::Returned.as_str() {
                    flags.push("revision_not_returned".to_owned());
                } else if r.try_get::<&str>(1)? != s.household_id.to_string() {
                    flags.push("revision_other_household".to_owned());
                }
            }
            None => flags.push("revision_without_previous".to_owned()),
        }
    }
    let outcome = s.door_check.as_ref().map(|d| d.input.outcome);
    if let Some(o) = outcome.filter(|o| o.is_failed_attempt()) {
        let before = failed_attempts_before(c, v).await?;
        if anomalies::flags_household(o, before, s.finalized.local_date()) {
            flags.push(anomalies::FAILED_ATTEMPTS.to_owned());
        }
    }
    c.execute(
        "INSERT INTO visits (id, visit_group, revision, template_id, template_version, household_id,
            grid_id, worker_id, started_utc, started_offset, finalized_utc, finalized_offset, answers,
            door_check_device, door_check_server, photos, flags, status, op_id, received_at,
            door_outcome)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
        &[
            &s.visit_id.to_string(),
            &group,
            &revision,
            &s.template_id,
            &i64::from(s.template_version),
            &s.household_id.to_string(),
            &v.grid_id.to_string(),
            &v.worker_id.to_string(),
            &ts(s.started.utc),
            &s.started.offset_seconds,
            &ts(s.finalized.utc),
            &s.finalized.offset_seconds,
            &serde_json::to_string(&s.answers)?,
            &s.door_check.as_ref().map(serde_json::to_string).transpose()?,
            &v.server_door_check
                .as_ref()
                .map(serde_json::to_string)
                .transpose()?,
            &serde_json::to_string(&s.photos)?,
            &serde_json::to_string(&flags)?,
            &VisitStatus::Uploaded.as_str(),
            &op_id.to_string(),
            &ts(now),
            &outcome.map(anomalies::outcome_code),
        ],
    )
    .await?;
    record_derived(c, v, &flags).await?;
    // The household is sent again so devices see its due visits change.
    let seq = next_seq(c).await?;
    let household = s.household_id.to_string();
    c.execute(
        "UPDATE households SET seq = $1 WHERE id = $2",
        &[&seq, &household],
    )
    .await?;
    if let Some(p) = v.proposed_location {
        c.execute(
            "UPDATE households SET lat = $1, lon = $2, location_confirmed = FALSE,
                version = version + 1
             WHERE id = $3 AND lat IS NULL",
            &[&p.lat, &p.lon, &household],
        )
        .await?;
    }
    Ok(OperationOutcome::Applied { flags })
}

/// How many earlier visits (by visit, not revision) of the household were
/// failed attempts since it was last met, before this visit was finalized.
async fn failed_attempts_before<C: Conn>(c: &mut C, v: &NewVisit) -> Result<u32> {
    let s = &v.submission;
    let [nobody, refused] = anomalies::failed_outcome_codes();
    let n: u64 = c
        .query_one(
            "SELECT count(DISTINCT visit_group) FROM visits
             WHERE household_id = $1 AND door_outcome IN ($2, $3) AND visit_group <> $4
               AND finalized_utc < $5
               AND finalized_utc > coalesce((SELECT max(finalized_utc) FROM visits
                    WHERE household_id = $1 AND door_outcome = $6 AND finalized_utc <= $5), '')",
            &[
                &s.household_id.to_string(),
                &nobody,
                &refused,
                &s.visit_group.to_string(),
                &ts(s.finalized.utc),
                &anomalies::outcome_code(DoorOutcome::Met),
            ],
        )
        .await?
        .try_get(0)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Writes what the console reads instead of every visit's JSON: the visit's
/// flags, the households its photos appear in, the household's latest visit
/// of the template (see schema version 4).
async fn record_derived<C: Conn>(c: &mut C, v: &NewVisit, flags: &[String]) -> Result<()> {
    let s = &v.submission;
    let id = s.visit_id.to_string();
    let grid = v.grid_id.to_string();
    let household = s.household_id.to_string();
    // The revision before this one is no longer a follow-up waiting.
    c.execute(
        "UPDATE visits SET superseded = TRUE WHERE visit_group = $1 AND revision = $2",
        &[&s.visit_group.to_string(), &(i64::from(s.revision) - 1)],
    )
    .await?;
    for f in flags {
        c.execute(
            "INSERT INTO visit_flags (visit_id, grid_id, code) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
            &[&id, &grid, f],
        )
        .await?;
    }
    for p in &s.photos {
        let added = c
            .execute(
                "INSERT INTO photo_households (sha256, household_id, grid_id) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&p.sha256, &household, &grid],
            )
            .await?;
        if added > 0 {
            c.execute(
                "INSERT INTO reused_photos (sha256)
                 SELECT CAST($1 AS TEXT)
                 WHERE (SELECT count(*) FROM photo_households WHERE sha256 = $1) > 1
                 ON CONFLICT DO NOTHING",
                &[&p.sha256],
            )
            .await?;
        }
    }
    c.execute(
        "INSERT INTO household_last_visits (household_id, template_id, finalized_utc, finalized_offset)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (household_id, template_id) DO UPDATE
         SET finalized_utc = excluded.finalized_utc, finalized_offset = excluded.finalized_offset
         WHERE excluded.finalized_utc > household_last_visits.finalized_utc",
        &[
            &household,
            &s.template_id,
            &ts(s.finalized.utc),
            &s.finalized.offset_seconds,
        ],
    )
    .await?;
    Ok(())
}

/// The columns [`visit_from_row`] reads, in order.
const VISIT_COLUMNS: &str =
    "id, visit_group, revision, template_id, template_version, household_id,
     worker_id, started_utc, started_offset, finalized_utc, finalized_offset, status, reviewer_id,
     reviewed_at, review_comment, grid_id, answers, flags, door_check_server";

fn visit_from_row(r: &Row) -> Result<StoredVisit> {
    let review = match (r.opt_uuid(12)?, r.opt_time(13)?) {
        (Some(reviewer), Some(at)) => Some(Review {
            reviewer,
            at,
            comment: r.try_get::<Option<String>>(14)?.unwrap_or_default(),
        }),
        _ => None,
    };
    Ok(StoredVisit {
        visit: Visit {
            id: r.uuid(0)?,
            visit_group: r.uuid(1)?,
            revision: r.try_get(2)?,
            template_id: r.try_get(3)?,
            template_version: r.try_get(4)?,
            household_id: r.uuid(5)?,
            worker_id: r.uuid(6)?,
            started: DeviceInstant {
                utc: r.time(7)?,
                offset_seconds: r.try_get(8)?,
            },
            finalized: Some(DeviceInstant {
                utc: r.time(9)?,
                offset_seconds: r.try_get(10)?,
            }),
            status: r.status(11)?,
            review,
        },
        grid_id: r.uuid(15)?,
        answers: r.json(16)?,
        flags: r.json(17)?,
        server_door_check: r.opt_json(18)?,
    })
}

pub(super) async fn visit<C: Conn>(c: &mut C, visit_id: Uuid) -> Result<Option<StoredVisit>> {
    let sql = format!("SELECT {VISIT_COLUMNS} FROM visits WHERE id = $1");
    c.query_opt(&sql, &[&visit_id.to_string()])
        .await?
        .map(|r| visit_from_row(&r))
        .transpose()
}

pub(super) async fn visit_revisions<C: Conn>(
    c: &mut C,
    visit_group: Uuid,
) -> Result<Vec<StoredVisit>> {
    let sql =
        format!("SELECT {VISIT_COLUMNS} FROM visits WHERE visit_group = $1 ORDER BY revision");
    c.query(&sql, &[&visit_group.to_string()])
        .await?
        .iter()
        .map(visit_from_row)
        .collect()
}

pub(super) async fn visit_count<C: Conn>(c: &mut C) -> Result<u64> {
    c.query_one("SELECT count(*) FROM visits", &[])
        .await?
        .try_get(0)
}
