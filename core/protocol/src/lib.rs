//! Sync protocol v1: the JSON the phone and the server exchange.
//!
//! The server is the only writer of shared state and its state is a fold over
//! what devices submit (as CommCare does it). Everything a device sends carries
//! an id it generated itself, so a retry can never apply anything twice:
//!
//! | call | path | body → answer |
//! |---|---|---|
//! | log in | `POST /api/v1/login` | [`LoginRequest`] → [`LoginResponse`] |
//! | log out (revoke this token) | `POST /api/v1/logout` | — → 204 |
//! | push operations | `POST /api/v1/push` | [`PushRequest`] → [`PushResponse`] |
//! | ask a blob's upload offset | `GET /api/v1/blobs/{sha256}` | — → [`BlobStatus`] |
//! | send a blob chunk | `PUT /api/v1/blobs/{sha256}?offset=N&total=T` | bytes → [`BlobStatus`] |
//! | pull changes | `GET /api/v1/pull?cursor=C` | — → [`PullResponse`] |
//! | review a visit (supervisors) | `POST /api/v1/visits/{visit_id}/review` | [`ReviewRequest`] → [`ReviewDecision`] |
//! | health | `GET /healthz` | — → 200 when ready |
//! | the API described | `GET /api/openapi.json` | — → OpenAPI 3.1 |
//!
//! Every call but login, health and the OpenAPI document carries
//! `Authorization: Bearer <token>`. Every error is an [`ApiError`] body with a
//! stable code and a message in Chinese and English, and the HTTP status says
//! whether retrying can help (see [`ApiError::is_retryable`]).
//!
//! A photo is a blob named by the SHA-256 of its stored bytes. The device sends
//! a visit's blobs before the visit; the server checks the hash when the last
//! chunk arrives and refuses a mismatch (the device starts that blob again). A
//! visit that names a blob the server does not have is refused as retryable.
//! A chunk sent at the wrong offset is answered 409 `offset_mismatch`, with the
//! server's real offset in the [`BLOB_OFFSET_HEADER`] header (a `GET` tells it too).
//!
//! A household edit that was applied answers [`OperationOutcome::Merged`] with
//! the household's new version, its `conflicts` empty when there were none.
//!
//! This crate holds the wire types only, with no I/O: the phone's core (its
//! HTTP client and sync engine) and the server both depend on it, and neither
//! brings the other's storage along.

use chrono::{DateTime, NaiveDate, Utc};
use doorstep_evidence::{DoorCheck, DoorCheckInput};
use doorstep_model::{DeviceInstant, ResidentTag, VisitStatus};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The protocol version this code speaks; sent as `X-Doorstep-Protocol`.
pub const PROTOCOL_VERSION: u32 = 1;
/// Largest blob chunk the server accepts in one request.
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;
/// Largest blob (a processed photo is far smaller; a raw camera file is refused at capture).
pub const MAX_BLOB_BYTES: u64 = 25 * 1024 * 1024;
/// Largest JSON request body.
pub const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;
/// Most operations in one push.
pub const MAX_OPS_PER_PUSH: usize = 200;
/// Most photos one visit may carry.
pub const MAX_PHOTOS_PER_VISIT: usize = 30;
/// Requests one token may make per minute before it is asked to slow down.
pub const MAX_REQUESTS_PER_MINUTE: u32 = 600;

/// Response header carrying the server's real offset of a blob upload when a
/// chunk arrived at the wrong offset (409 `offset_mismatch`).
pub const BLOB_OFFSET_HEADER: &str = "x-doorstep-blob-offset";

/// A grid as a signed-in user works in it: named in the login answer and in
/// a pull from the beginning, and kept by the device (the server owns the full
/// administrative tree).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridInfo {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub community: String,
    pub subdistrict: String,
}

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 网格员: visits the households of their grids, from the phone.
    Worker,
    /// Reviews the visits of their community's grids, in the console.
    Supervisor,
    /// Manages users, grids and templates.
    Admin,
}

impl Role {
    /// The stable identifier stored in databases and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Worker => "worker",
            Self::Supervisor => "supervisor",
            Self::Admin => "admin",
        }
    }

    /// Parses [`Role::as_str`]'s output.
    pub fn from_str_opt(s: &str) -> Option<Self> {
        [Self::Worker, Self::Supervisor, Self::Admin]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// A name for the device, shown to admins managing tokens ("Redmi 9A").
    pub device_name: String,
}

/// The signed-in user and the grids they work in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub grids: Vec<GridInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginResponse {
    /// The device token: random, shown once, stored hashed by the server.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub account: Account,
}

/// One change a device submits. `op_id` is generated on the device when the
/// change is made and never changes, so replays are recognized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    pub op_id: Uuid,
    #[serde(flatten)]
    pub body: OperationBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
// Operations live briefly in batches of at most MAX_OPS_PER_PUSH; boxing the
// visit would cost every caller a `Box` for no measurable gain.
#[allow(clippy::large_enum_variant)]
pub enum OperationBody {
    /// A finalized visit revision (the first, or a revision of a returned one).
    SubmitVisit { visit: VisitSubmission },
    /// Field-by-field edits of a household, made against `base_version`.
    EditHousehold {
        household_id: Uuid,
        base_version: i64,
        changes: Vec<FieldChange>,
    },
}

/// A finalized visit revision as the device recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitSubmission {
    pub visit_id: Uuid,
    pub visit_group: Uuid,
    pub revision: u32,
    pub template_id: String,
    pub template_version: u32,
    pub household_id: Uuid,
    pub started: DeviceInstant,
    pub finalized: DeviceInstant,
    /// The form's answers (JSON object keyed by field name).
    pub answers: serde_json::Value,
    pub door_check: Option<DoorCheckRecord>,
    pub photos: Vec<PhotoRef>,
}

/// A door check: what the phone measured and the verdict the core gave it.
/// The server recomputes the verdict from `input` with its own policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorCheckRecord {
    pub input: DoorCheckInput,
    pub result: DoorCheck,
}

/// A photo in a visit, by the hash of its stored bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoRef {
    /// Lowercase hex SHA-256 of the stored JPEG: the blob's name.
    pub sha256: String,
    pub bytes: u64,
    pub width: u32,
    pub height: u32,
    /// The form field the photo answers.
    pub field: String,
}

/// The household fields a device may edit with [`FieldChange`]s.
pub const EDITABLE_HOUSEHOLD_FIELDS: [&str; 8] = [
    "estate",
    "building",
    "unit",
    "door",
    "residence_type",
    "landlord_name",
    "landlord_phone",
    "notes",
];

/// One field of a household changed on the device. `value: None` clears it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushRequest {
    pub ops: Vec<Operation>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushResponse {
    /// One result per operation, in the request's order.
    pub results: Vec<OperationResult>,
}

/// What became of one operation. A replayed `op_id` gets its first result again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationResult {
    pub op_id: Uuid,
    #[serde(flatten)]
    pub outcome: OperationOutcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum OperationOutcome {
    /// Stored. `flags` lists what the server found worth a supervisor's look
    /// (validation problems by code, a door check it judged differently, …);
    /// a flagged visit is stored as received, never dropped.
    Applied { flags: Vec<String> },
    /// A household edit applied except for fields also changed on the server
    /// since `base_version`: those keep the server's value, and the conflict is
    /// recorded for the supervisor.
    Merged {
        new_version: i64,
        conflicts: Vec<String>,
    },
    /// Not stored. `error.retryable` says whether sending it again can help
    /// (a missing blob: yes; another grid's household: no).
    Refused { error: ApiError },
}

/// How far the server has a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobStatus {
    /// Bytes received so far; the next chunk starts here.
    pub offset: u64,
    /// Whether the blob is complete and its hash checked.
    pub complete: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PullResponse {
    /// Pass this back as `cursor` next time; changes after it will follow.
    pub cursor: String,
    /// Whether more changes are waiting (pull again at once).
    pub more: bool,
    /// Households of the caller's grids created or changed since the cursor.
    pub households: Vec<HouseholdRecord>,
    /// Template versions published since the cursor (definition JSON).
    pub templates: Vec<TemplateRecord>,
    /// Review decisions on the caller's visits since the cursor.
    pub reviews: Vec<ReviewDecision>,
    /// The caller's grids as they are now, sent on a pull from the beginning
    /// (the first pull, and every pull after the caller's grids changed, since
    /// that resets the cursor). The device then keeps only these grids'
    /// households. Absent from older servers, and on later pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grids: Option<Vec<GridInfo>>,
}

/// A household as the server holds it, with its residents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdRecord {
    pub id: Uuid,
    pub code: String,
    pub grid_id: Uuid,
    pub estate: String,
    pub building: Option<String>,
    pub unit: Option<String>,
    pub door: Option<String>,
    /// Registered WGS-84 location, and whether a supervisor confirmed it.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub location_confirmed: bool,
    pub residence_type: String,
    pub landlord_name: Option<String>,
    pub landlord_phone: Option<String>,
    pub notes: String,
    pub version: i64,
    pub residents: Vec<ResidentRecord>,
    /// Visits due for this household (template id and the date they are due by).
    pub due: Vec<DueVisit>,
    /// The household's visits on the server, whoever made them (see
    /// [`PastVisit`]). Absent from older servers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub past_visits: Vec<PastVisit>,
}

/// A visit a household received, as a pull lists it: what a worker new to the
/// household (on a new phone, or in a grid handed over to her) sees of its
/// past, and what the phone's scheduler counts as done. One per visit (its
/// latest revision): the [`PAST_VISITS`] newest, and the newest of each
/// template besides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastVisit {
    /// The latest revision's id.
    pub visit_id: Uuid,
    pub visit_group: Uuid,
    pub template_id: String,
    /// The local date it was finalized on.
    pub date: NaiveDate,
    pub status: VisitStatus,
}

/// How many of a household's newest visits a pull lists.
pub const PAST_VISITS: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResidentRecord {
    pub id: Uuid,
    pub name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub relation: String,
    pub tags: Vec<ResidentTag>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueVisit {
    pub template_id: String,
    pub due_by: NaiveDate,
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateRecord {
    pub template_id: String,
    pub version: u32,
    pub definition: serde_json::Value,
}

/// A supervisor's decision on one visit revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewDecision {
    pub visit_id: Uuid,
    pub visit_group: Uuid,
    pub revision: u32,
    /// `approved`, `returned` or `rejected`.
    pub status: VisitStatus,
    /// The supervisor's comment (required for returned and rejected).
    pub comment: String,
    pub reviewer: String,
    pub decided_at: DateTime<Utc>,
}

/// What a supervisor decides about one visit revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewAction {
    /// 通过: the visit is accepted.
    Approve,
    /// 退回: the worker must revise it (a comment saying what to fix is required).
    Return,
    /// 驳回: the visit is refused for good (a reason is required).
    Reject,
}

/// The body of `POST /api/v1/visits/{visit_id}/review`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRequest {
    pub decision: ReviewAction,
    /// Required (not blank) for `return` and `reject`; optional for `approve`.
    #[serde(default)]
    pub comment: String,
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message_en}")]
pub struct ApiError {
    /// Stable and machine-readable, e.g. `payload_too_large`, `rate_limited`.
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
    /// Whether the same request may succeed later (after `retry_after_s`, if given).
    pub retryable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u64>,
}

impl ApiError {
    /// An error with its code and both messages.
    pub fn new(code: &str, zh: &str, en: &str, retryable: bool) -> Self {
        Self {
            code: code.to_owned(),
            message_zh: zh.to_owned(),
            message_en: en.to_owned(),
            retryable,
            retry_after_s: None,
        }
    }

    /// Whether retrying the same request can help.
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }
}
