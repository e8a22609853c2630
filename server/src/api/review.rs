//! Review over the API: a supervisor approves, returns or rejects one uploaded
//! visit revision of their grids, through [`decide`], the operation the
//! console's review buttons use too.

use axum::Json;
use axum::extract::{Path, State};
use doorstep_protocol::{ReviewDecision, ReviewRequest};
use uuid::Uuid;

use crate::app::{AppState, JsonBody, RemoteAddr};
use crate::auth::Caller;
use crate::error::{ApiFailure, ServerError};
use crate::ops::review::decide;

/// `POST /api/v1/visits/{visit_id}/review`.
pub async fn review(
    State(state): State<AppState>,
    caller: Caller,
    RemoteAddr(remote_addr): RemoteAddr,
    Path(visit_id): Path<String>,
    JsonBody(req): JsonBody<ReviewRequest>,
) -> Result<Json<ReviewDecision>, ServerError> {
    let visit_id = Uuid::parse_str(&visit_id).map_err(|_| ApiFailure::not_found())?;
    decide(
        &state,
        &caller,
        remote_addr,
        visit_id,
        req.decision,
        &req.comment,
    )
    .await
    .map(Json)
}
