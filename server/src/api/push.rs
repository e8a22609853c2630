//! Push: a batch of operations, each applied exactly once by its `op_id`.
//!
//! Remembered operations answer their first result. For the others the server
//! checks what needs no transaction first (the caller's grids — or, for a
//! visit, a grid taken from the caller after the phone began it — photo count and
//! presence, the form engine's validation, a visit finished implausibly fast,
//! the door-check verdict recomputed with the server's own household location
//! and policy), then applies the whole batch in one storage transaction. A
//! visit that fails validation is stored as received with flags, never
//! dropped; a visit naming a blob the
//! server lacks is refused as retryable and not remembered, so the device's
//! retry after uploading the blob is applied.

use std::collections::{HashMap, HashSet};

use axum::Json;
use axum::extract::State;
use doorstep_evidence::{HouseholdLocation, check_door};
use doorstep_forms::registry::TemplateRef;
use doorstep_protocol::{
    ApiError, OperationBody, OperationResult, PushRequest, PushResponse, VisitSubmission,
};
use uuid::Uuid;

use crate::app::{AppState, JsonBody};
use crate::auth::Caller;
use crate::blobs::valid_name;
use crate::error::{ApiFailure, ServerError};
use crate::storage::{HouseholdPlace, NewVisit, PreparedOp};

/// `POST /api/v1/push`: one result per operation, in the request's order.
pub async fn push(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<PushRequest>,
) -> Result<Json<PushResponse>, ServerError> {
    if req.ops.len() > state.limits.max_ops_per_push {
        return Err(ApiFailure::too_many_ops(state.limits.max_ops_per_push).into());
    }
    let op_ids: Vec<Uuid> = req.ops.iter().map(|o| o.op_id).collect();
    let remembered = state.storage.op_results(&op_ids).await?;

    let fresh: Vec<_> = req
        .ops
        .iter()
        .filter(|o| !remembered.contains_key(&o.op_id))
        .collect();
    let household_ids: Vec<Uuid> = fresh
        .iter()
        .map(|o| match &o.body {
            OperationBody::SubmitVisit { visit } => visit.household_id,
            OperationBody::EditHousehold { household_id, .. } => *household_id,
        })
        .collect();
    let places = state.storage.household_places(&household_ids).await?;
    // Grids taken from the caller, read only when an operation needs them.
    let releases = if places.values().any(|p| !caller.covers(p.grid_id)) {
        state.storage.grid_releases(caller.user_id).await?
    } else {
        HashMap::new()
    };
    let now = state.clock.now();
    let shas: Vec<String> = fresh
        .iter()
        .filter_map(|o| match &o.body {
            OperationBody::SubmitVisit { visit } => {
                Some(visit.photos.iter().map(|p| p.sha256.clone()))
            }
            OperationBody::EditHousehold { .. } => None,
        })
        .flatten()
        .filter(|s| valid_name(s))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let missing = state.storage.missing_blobs(&shas).await?;

    let mut prepared = Vec::with_capacity(fresh.len());
    for op in &fresh {
        let household = match &op.body {
            OperationBody::SubmitVisit { visit } => visit.household_id,
            OperationBody::EditHousehold { household_id, .. } => *household_id,
        };
        let Some(place) = places.get(&household).copied() else {
            prepared.push(refuse(op.op_id, unknown_household()));
            continue;
        };
        let covered = caller.covers(place.grid_id);
        // A visit in a grid taken from the caller is still theirs to hand in
        // when the phone began it before it could know (see `GridRelease`).
        let released = !covered
            && match &op.body {
                OperationBody::SubmitVisit { visit } => releases
                    .get(&place.grid_id)
                    .is_some_and(|r| r.began_before_notice(visit.started.utc, now)),
                OperationBody::EditHousehold { .. } => false,
            };
        if !covered && !released {
            prepared.push(refuse(op.op_id, forbidden_grid()));
            continue;
        }
        prepared.push(match &op.body {
            OperationBody::SubmitVisit { visit } => {
                let mut op = prepare_visit(&state, &caller, op.op_id, visit, place, &missing);
                if let (true, PreparedOp::Visit { visit, .. }) = (released, &mut op) {
                    visit.flags.push(GRID_RELEASED.to_owned());
                }
                op
            }
            OperationBody::EditHousehold {
                household_id,
                base_version,
                changes,
            } => PreparedOp::EditHousehold {
                op_id: op.op_id,
                household_id: *household_id,
                base_version: *base_version,
                changes: changes.clone(),
            },
        });
    }
    let applied = state.storage.apply_ops(caller.user_id, prepared).await?;

    // Back to the request's order, remembered results in their places.
    let mut applied = applied.into_iter();
    let mut results: Vec<OperationResult> = Vec::with_capacity(req.ops.len());
    for op in &req.ops {
        match remembered.get(&op.op_id) {
            Some(first) => results.push(first.clone()),
            None => match applied.next() {
                Some(r) => results.push(r),
                None => return Err(ApiFailure::internal().into()),
            },
        }
    }
    let flagged = results
        .iter()
        .filter(|r| matches!(&r.outcome, doorstep_protocol::OperationOutcome::Applied { flags } if !flags.is_empty()))
        .count();
    tracing::info!(user = %caller.user_id, ops = results.len(), replays = remembered.len(), flagged, "push");
    Ok(Json(PushResponse { results }))
}

/// The flag on a visit handed in after its grid was taken from the worker,
/// begun before their phone was told.
pub const GRID_RELEASED: &str = "grid_released";

fn refuse(op_id: Uuid, error: ApiError) -> PreparedOp {
    PreparedOp::Refuse {
        op_id,
        remember: !error.retryable,
        error,
    }
}

fn unknown_household() -> ApiError {
    ApiError::new(
        "unknown_household",
        "服务器上没有该住户，或该住户不在您的网格内",
        "The server has no such household in your grids",
        false,
    )
}

fn forbidden_grid() -> ApiError {
    ApiError::new(
        "forbidden_grid",
        "该住户不在您负责的网格内",
        "This household is not in your grids",
        false,
    )
}

/// Checks a visit and computes its flags; refuses what cannot be stored.
fn prepare_visit(
    state: &AppState,
    caller: &Caller,
    op_id: Uuid,
    visit: &VisitSubmission,
    place: HouseholdPlace,
    missing: &HashSet<String>,
) -> PreparedOp {
    let limit = state.limits.max_photos_per_visit;
    if visit.photos.len() > limit {
        return refuse(
            op_id,
            ApiError::new(
                "too_many_photos",
                &format!("一次走访最多 {limit} 张照片"),
                &format!("A visit may carry at most {limit} photos"),
                false,
            ),
        );
    }
    if visit.revision == 0 {
        return refuse(
            op_id,
            ApiError::new(
                "bad_revision",
                "走访版本号应从 1 开始",
                "Visit revisions start at 1",
                false,
            ),
        );
    }
    if visit.photos.iter().any(|p| !valid_name(&p.sha256)) {
        return refuse(
            op_id,
            ApiError::new(
                "bad_photo_ref",
                "照片引用无效",
                "A photo reference is not a SHA-256 name",
                false,
            ),
        );
    }
    if visit.photos.iter().any(|p| missing.contains(&p.sha256)) {
        return refuse(
            op_id,
            ApiError::new(
                "blob_missing",
                "照片尚未上传完成，将先上传照片再重试",
                "A photo of this visit has not been uploaded yet; upload it and retry",
                true,
            ),
        );
    }

    let mut flags = Vec::new();
    let today = visit.finalized.local_date();
    let template = TemplateRef {
        id: visit.template_id.clone(),
        version: u64::from(visit.template_version),
    };
    let form = state
        .templates
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&template);
    match form {
        Ok(form) => {
            if crate::anomalies::too_fast(visit, &form.definition().visit_kind) {
                flags.push(crate::anomalies::TOO_FAST.to_owned());
            }
            if crate::anomalies::answers_without_entry(visit, &form.definition().fields) {
                flags.push(crate::anomalies::ANSWERS_WITHOUT_ENTRY.to_owned());
            }
            let validation = form.validate(&visit.answers, today);
            if !validation.is_valid() {
                flags.push("form_invalid".to_owned());
                flags.extend(
                    validation
                        .problems
                        .iter()
                        .map(|p| format!("form:{}@{}", p.code, p.path)),
                );
            }
        }
        Err(_) => flags.push("unknown_template".to_owned()),
    }

    let mut server_door_check = None;
    let mut proposed_location = None;
    match &visit.door_check {
        None => flags.push("no_door_check".to_owned()),
        Some(record) => {
            if record.result.accepted_by_hand.is_some() {
                flags.push("door_accepted_by_hand".to_owned());
            }
            let mut input = record.input.clone();
            // The server judges against its own record of the household, not the device's.
            input.household = match place.location {
                Some((position, true)) => HouseholdLocation::Registered { position },
                Some((position, false)) => HouseholdLocation::PendingProposal { position },
                None => HouseholdLocation::Unknown,
            };
            match check_door(&input, &state.door_policy) {
                Ok(check) => {
                    if check.verdict != record.result.verdict {
                        flags.push("door_check_differs".to_owned());
                    }
                    flags.extend(check.reasons.iter().map(|r| format!("door:{}", r.code())));
                    if place.location.is_none() {
                        proposed_location = check.proposed_location;
                    }
                    server_door_check = Some(check);
                }
                Err(_) => flags.push("door:bad_position".to_owned()),
            }
        }
    }
    PreparedOp::Visit {
        op_id,
        visit: Box::new(NewVisit {
            submission: visit.clone(),
            grid_id: place.grid_id,
            worker_id: caller.user_id,
            server_door_check,
            flags,
            proposed_location,
        }),
    }
}
