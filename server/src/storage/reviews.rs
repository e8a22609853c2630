//! A supervisor's review of a visit revision. A review is recorded only if
//! the visit is still in the status the supervisor saw; it reaches the
//! worker's phone in their pull, and sends the household again (its past
//! visits show the decision).

use doorstep_protocol::ReviewDecision;

use super::changes::next_seq;
use super::conn::{Conn, ts};
use super::{AuditEntry, NewReview, Result, audit};

/// Records a review and its audit line; `None` when the visit is no longer
/// in `review.expected`.
pub(super) async fn record_review<C: Conn>(
    c: &mut C,
    review: &NewReview,
    audit: &AuditEntry,
) -> Result<Option<ReviewDecision>> {
    let vid = review.visit_id.to_string();
    let row = c
        .query_opt(
            "UPDATE visits SET status = $1, reviewer_id = $2, reviewed_at = $3, review_comment = $4
             WHERE id = $5 AND status = $6
             RETURNING visit_group, revision, worker_id",
            &[
                &review.status.as_str(),
                &review.reviewer_id.to_string(),
                &ts(review.decided_at),
                &review.comment,
                &vid,
                &review.expected.as_str(),
            ],
        )
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let group = row.uuid(0)?;
    let revision: u32 = row.try_get(1)?;
    let worker: String = row.try_get(2)?;
    let seq = next_seq(c).await?;
    c.execute(
        "INSERT INTO reviews (seq, visit_id, worker_id, status, comment, reviewer_id,
            reviewer_name, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &seq,
            &vid,
            &worker,
            &review.status.as_str(),
            &review.comment,
            &review.reviewer_id.to_string(),
            &review.reviewer_name,
            &ts(review.decided_at),
        ],
    )
    .await?;
    // The household is sent again: its past visits show the decision.
    let household_seq = next_seq(c).await?;
    c.execute(
        "UPDATE households SET seq = $1
         WHERE id = (SELECT household_id FROM visits WHERE id = $2)",
        &[&household_seq, &vid],
    )
    .await?;
    audit::insert(c, audit).await?;
    Ok(Some(ReviewDecision {
        visit_id: review.visit_id,
        visit_group: group,
        revision,
        status: review.status,
        comment: review.comment.clone(),
        reviewer: review.reviewer_name.clone(),
        decided_at: review.decided_at,
    }))
}
