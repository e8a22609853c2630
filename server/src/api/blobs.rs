//! Blob upload endpoints: ask the offset, send a chunk. See [`crate::blobs`]
//! for the rules. Blobs are content-addressed and carry no grid until a visit
//! names them; any signed-in user may upload, and a status answer reveals
//! only whether bytes with that hash were received.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use bytes::Bytes;
use doorstep_protocol::BlobStatus;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiFailure, ServerError};

/// `GET /api/v1/blobs/{sha256}`: how far the server has the blob.
pub async fn status(
    State(state): State<AppState>,
    _caller: Caller,
    Path(sha): Path<String>,
) -> Result<Json<BlobStatus>, ServerError> {
    Ok(Json(
        state.blobs.status(state.storage.as_ref(), &sha).await?,
    ))
}

/// Where a chunk goes.
#[derive(Debug, Deserialize)]
pub struct ChunkQuery {
    pub offset: u64,
    pub total: u64,
}

/// `PUT /api/v1/blobs/{sha256}?offset=N&total=T`: appends a chunk.
pub async fn put_chunk(
    State(state): State<AppState>,
    caller: Caller,
    Path(sha): Path<String>,
    query: Result<Query<ChunkQuery>, QueryRejection>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<BlobStatus>, ServerError> {
    let Query(q) = query.map_err(|_| {
        ApiFailure::bad_request(
            "bad_query",
            "缺少或无效的 offset、total 参数",
            "offset and total are required whole numbers",
        )
    })?;
    let limit = state.limits.max_chunk_bytes;
    let chunk = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiFailure::chunk_too_large(limit)
        } else {
            ApiFailure::bad_request(
                "bad_body",
                "上传内容读取失败",
                "The chunk could not be read",
            )
        }
    })?;
    if chunk.len() > limit {
        return Err(ApiFailure::chunk_too_large(limit).into());
    }
    let status = state
        .blobs
        .append(
            state.storage.as_ref(),
            caller.user_id,
            &sha,
            q.offset,
            q.total,
            chunk,
        )
        .await?;
    Ok(Json(status))
}
