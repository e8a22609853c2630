//! Review: a supervisor approves, returns (with a comment saying what to fix)
//! or rejects (with a reason) one uploaded visit revision of their grids.
//!
//! The lifecycle rules are the core's ([`Visit::apply`](doorstep_model::Visit::apply));
//! the decision is recorded only if the visit is still as the supervisor saw
//! it, together with an audit line (who, when, what, from where). The decision
//! reaches the worker's device with the next pull.

use axum::http::StatusCode;
use doorstep_model::{DeviceInstant, VisitError, VisitEvent};
use doorstep_protocol::{ReviewAction, ReviewDecision};
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiFailure, ServerError};
use crate::storage::{AuditEntry, NewReview};

/// Longest review comment kept, in characters.
const MAX_COMMENT_CHARS: usize = 2000;

/// Applies one review decision for `caller` (the JSON API and the console
/// both come here): checks the role and the grid, the lifecycle rule, records
/// the decision only if nobody decided meanwhile, and writes the audit line.
pub async fn decide(
    state: &AppState,
    caller: &Caller,
    remote_addr: Option<String>,
    visit_id: Uuid,
    action: ReviewAction,
    comment: &str,
) -> Result<ReviewDecision, ServerError> {
    if !caller.reviews() {
        return Err(ApiFailure::forbidden_role().into());
    }
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(ApiFailure::bad_request(
            "comment_too_long",
            &format!("意见最多 {MAX_COMMENT_CHARS} 字"),
            &format!("A comment has at most {MAX_COMMENT_CHARS} characters"),
        )
        .into());
    }
    let stored = state.storage.visit(visit_id).await?;
    // A visit outside the supervisor's grids is answered as if it did not exist.
    let Some(stored) = stored.filter(|v| caller.covers(v.grid_id)) else {
        return Err(ApiFailure::not_found().into());
    };
    let mut visit = stored.visit;
    let expected = visit.status;
    let comment = comment.trim().to_owned();
    let event = match action {
        ReviewAction::Approve => VisitEvent::Approve,
        ReviewAction::Return => VisitEvent::Return {
            comment: comment.clone(),
        },
        ReviewAction::Reject => VisitEvent::Reject {
            reason: comment.clone(),
        },
    };
    let now = state.clock.now();
    let at = DeviceInstant {
        utc: now,
        offset_seconds: 0,
    };
    visit
        .apply(event, at, caller.user_id)
        .map_err(|e| match e {
            VisitError::CommentRequired => ApiFailure::bad_request(
                "comment_required",
                "退回或驳回时必须填写意见",
                "Returning or rejecting a visit needs a comment",
            ),
            VisitError::NotAllowed { from, .. } => ApiFailure::new(
                StatusCode::CONFLICT,
                "invalid_transition",
                &format!("该走访当前为“{}”，不能进行此审核", from.label_zh()),
                &format!(
                    "The visit is {}; this decision is not possible",
                    from.as_str()
                ),
            ),
        })?;
    let decision = match action {
        ReviewAction::Approve => "approve",
        ReviewAction::Return => "return",
        ReviewAction::Reject => "reject",
    };
    let audit = AuditEntry {
        at: now,
        actor_id: caller.user_id,
        actor_username: caller.username.clone(),
        action: "visit.review".to_owned(),
        target: visit_id.to_string(),
        detail: serde_json::json!({
            "decision": decision,
            "from": expected.as_str(),
            "to": visit.status.as_str(),
            "visit_group": visit.visit_group,
            "revision": visit.revision,
        }),
        remote_addr,
    };
    let recorded = state
        .storage
        .record_review(
            &NewReview {
                visit_id,
                expected,
                status: visit.status,
                comment,
                reviewer_id: caller.user_id,
                reviewer_name: caller.display_name.clone(),
                decided_at: now,
            },
            &audit,
        )
        .await?;
    let Some(recorded) = recorded else {
        return Err(ApiFailure::new(
            StatusCode::CONFLICT,
            "review_conflict",
            "该走访刚被他人审核，请刷新后再试",
            "Someone else reviewed this visit meanwhile; reload it",
        )
        .into());
    };
    tracing::info!(reviewer = %caller.user_id, visit = %visit_id, decision, "review");
    Ok(recorded)
}
