//! The server's storage, behind one async trait, written once ([`db::Db`])
//! over a small connection interface ([`conn`]) that SQLite (embedded, the
//! default: [`sqlite::SqliteStorage`]) and PostgreSQL
//! ([`postgres::PostgresStorage`]) implement.
//!
//! The server state is a fold over what devices submit. Every change bumps one
//! global change sequence ([`changes`]); households, template versions and
//! review decisions carry the sequence number of their last change, and a
//! pull cursor is the highest sequence number a device has seen. A backend
//! must hand out sequence numbers so that once a pull has seen `n`, no change
//! numbered `≤ n` can commit later (SQLite's single writer does this by
//! construction; PostgreSQL takes the number under a lock).
//!
//! The operations live in modules named for what they hold: [`users`],
//! [`sessions`], [`households`], [`templates`], [`blobs`], [`visits`],
//! [`pull`], [`reviews`], [`audit`], [`ledger`], [`console_queries`].
//!
//! Personal data crosses this trait (names, ID numbers, answers) but never goes
//! into a [`StorageError`] message.

mod audit;
mod blobs;
mod changes;
pub mod conn;
mod console_queries;
pub mod db;
mod households;
mod ledger;
pub mod merge;
pub mod pg_tls;
mod pull;
mod reviews;
mod schema;
mod sessions;
mod templates;
mod users;
mod visits;

/// The embedded SQLite storage, the default.
pub mod sqlite {
    /// The SQL that fills the tables derived from visits (schema version 4),
    /// for visits written to the database directly (bulk loads, benchmarks).
    pub use super::schema::FILL_DERIVED_SQLITE as FILL_DERIVED;

    /// [`super::Storage`] on SQLite.
    pub type SqliteStorage = super::db::Db<super::conn::sqlite::SqliteBackend>;
}

/// The PostgreSQL storage.
pub mod postgres {
    /// The SQL that fills the tables derived from visits (schema version 4),
    /// for visits written to the database directly (bulk loads, benchmarks).
    pub use super::schema::FILL_DERIVED_POSTGRES as FILL_DERIVED;

    /// [`super::Storage`] on PostgreSQL.
    pub type PostgresStorage = super::db::Db<super::conn::postgres::PgBackend>;
}

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use doorstep_evidence::{DoorCheck, LatLon};
use doorstep_model::{Community, Grid, Subdistrict, Visit};
use doorstep_protocol::GridInfo;
use doorstep_protocol::{
    ApiError, FieldChange, HouseholdRecord, OperationResult, ReviewDecision, Role, TemplateRecord,
    VisitSubmission,
};
use uuid::Uuid;

pub use ledger::{AlreadyRegistered, ImportOutcome, LedgerMemory};

/// Why storage failed. Messages carry no personal data.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL: an SQLSTATE code and constraint name, or a connection problem.
    #[error("postgres: {0}")]
    Postgres(String),
    #[error("stored JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the database is busy")]
    Busy,
    #[error(
        "the database schema is version {found}, newer than this server ({supported}); it was left untouched"
    )]
    NewerSchema { found: i64, supported: i64 },
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("{0} already exists")]
    Duplicate(&'static str),
    #[error("background task: {0}")]
    Task(String),
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// A user to create. `community_id` scopes a supervisor; `grid_ids` a worker.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// An argon2id PHC string (see [`crate::auth::hash_password`]).
    pub password_hash: String,
    pub community_id: Option<Uuid>,
    pub grid_ids: Vec<Uuid>,
}

/// A stored user, with the password hash for login.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub community_id: Option<Uuid>,
    pub disabled: bool,
}

/// A grid taken from a user and not given back: when, and when their phone
/// was first sent the grids they have now (the first pull from the beginning
/// after it). Until then the phone cannot know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridRelease {
    pub released_at: DateTime<Utc>,
    pub noticed_at: Option<DateTime<Utc>>,
}

impl GridRelease {
    /// Whether a visit the phone began at `started` (by its own clock) was
    /// begun before the phone was told, `now` standing in when it has not
    /// been told yet: such a visit was made in good faith.
    pub fn began_before_notice(&self, started: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        started < self.noticed_at.unwrap_or(now)
    }
}

/// A device token to store (its SHA-256, never the token itself).
#[derive(Debug, Clone)]
pub struct NewToken {
    pub hash: [u8; 32],
    pub user_id: Uuid,
    pub device_name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Who a valid token belongs to, and the grids they may see.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Workers: their assigned grids; supervisors: their community's; admins: all.
    pub grid_ids: Vec<Uuid>,
}

/// What a token is worth.
#[derive(Debug, Clone)]
pub enum TokenState {
    Valid(Session),
    Expired,
    Revoked,
    /// Never issued (or its user is disabled).
    Unknown,
}

/// Where a household is: its grid and its stored location.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HouseholdPlace {
    pub grid_id: Uuid,
    pub version: i64,
    pub location: Option<(LatLon, bool)>,
}

/// A visit revision ready to store: what the device sent and what the server found.
#[derive(Debug, Clone)]
pub struct NewVisit {
    pub submission: VisitSubmission,
    pub grid_id: Uuid,
    pub worker_id: Uuid,
    /// The verdict the server recomputed, when the visit had a door check.
    pub server_door_check: Option<DoorCheck>,
    /// Codes worth a supervisor's look (validation problems, door-check doubts).
    pub flags: Vec<String>,
    /// A location the server's door check proposes for a household that has none.
    pub proposed_location: Option<LatLon>,
}

/// One operation of a push after the server's checks, to apply in order.
#[derive(Debug, Clone)]
pub enum PreparedOp {
    Visit {
        op_id: Uuid,
        visit: Box<NewVisit>,
    },
    EditHousehold {
        op_id: Uuid,
        household_id: Uuid,
        base_version: i64,
        changes: Vec<FieldChange>,
    },
    /// Refused before storage. `remember`: a replay gets this same answer
    /// (a permanent refusal); a retryable one is not remembered.
    Refuse {
        op_id: Uuid,
        error: ApiError,
        remember: bool,
    },
}

/// The household fields a device may edit (with [`FieldChange`]): the
/// protocol's list, which the phone checks against too.
pub use doorstep_protocol::EDITABLE_HOUSEHOLD_FIELDS as EDITABLE_FIELDS;

/// A household in a pull page, with the visits the scheduler needs.
#[derive(Debug, Clone)]
pub struct PulledHousehold {
    pub record: HouseholdRecord,
    /// Every visit revision the household received.
    pub visits: Vec<HouseholdVisit>,
}

/// A visit revision a pulled household received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdVisit {
    pub visit_id: Uuid,
    pub visit_group: Uuid,
    pub revision: u32,
    pub template_id: String,
    pub finalized_utc: DateTime<Utc>,
    /// The local date it was finalized on.
    pub date: NaiveDate,
    pub status: doorstep_model::VisitStatus,
}

/// One page of changes after a cursor.
#[derive(Debug, Clone, Default)]
pub struct PullPage {
    pub households: Vec<PulledHousehold>,
    pub templates: Vec<TemplateRecord>,
    pub reviews: Vec<ReviewDecision>,
    /// The sequence number of the last change in the page (the cursor given when empty).
    pub last_seq: i64,
    pub more: bool,
}

/// A stored visit revision with its review state, for review and inspection.
#[derive(Debug, Clone)]
pub struct StoredVisit {
    /// The lifecycle view (status, review) of the revision.
    pub visit: Visit,
    pub grid_id: Uuid,
    pub answers: serde_json::Value,
    pub flags: Vec<String>,
    pub server_door_check: Option<DoorCheck>,
}

/// A review to record; applied only if the visit is still in `expected`.
#[derive(Debug, Clone)]
pub struct NewReview {
    pub visit_id: Uuid,
    pub expected: doorstep_model::VisitStatus,
    pub status: doorstep_model::VisitStatus,
    pub comment: String,
    pub reviewer_id: Uuid,
    pub reviewer_name: String,
    pub decided_at: DateTime<Utc>,
}

/// One audit log line: who did what to which record, when and from where.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor_id: Uuid,
    pub actor_username: String,
    /// e.g. `visit.review`, `token.revoke`.
    pub action: String,
    /// The record acted on, e.g. a visit id.
    pub target: String,
    /// What was decided (codes, never personal data).
    pub detail: serde_json::Value,
    /// The client's address as the server saw it.
    pub remote_addr: Option<String>,
}

/// Which audit lines to list; every field optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// The actor's username, exactly.
    pub actor: Option<String>,
    /// The action code, exactly (`visit.review`).
    pub action: Option<String>,
    /// At or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Before this instant.
    pub until: Option<DateTime<Utc>>,
}

/// A household edit that collided with a server-side change.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdConflict {
    pub household_id: Uuid,
    pub field: String,
    pub base_version: i64,
    pub server_version: i64,
    /// The value the server kept.
    pub server_value: Option<String>,
    /// The value the device sent, kept for the supervisor.
    pub device_value: Option<String>,
    pub user_id: Uuid,
    pub op_id: Uuid,
}

/// A console session to store: the SHA-256 of the cookie value (never the
/// value itself) and the CSRF token its forms carry.
#[derive(Debug, Clone)]
pub struct NewConsoleSession {
    pub hash: [u8; 32],
    pub user_id: Uuid,
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub remote_addr: Option<String>,
}

/// A live console session: who, with which grids, and its CSRF token.
#[derive(Debug, Clone)]
pub struct ConsoleSession {
    pub session: Session,
    pub csrf: String,
}

/// What the review queue shows: always limited to `scope` (the caller's grids),
/// narrowed by the other fields when set.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// The grids the caller may see; nothing outside them is ever listed.
    pub scope: Vec<Uuid>,
    pub grid: Option<Uuid>,
    pub worker: Option<Uuid>,
    pub template_id: Option<String>,
    pub status: Option<doorstep_model::VisitStatus>,
    /// Finalized on this day or later, by the visit's own local day (the
    /// one rule, [`doorstep_model::DeviceInstant::local_date`]).
    pub from: Option<chrono::NaiveDate>,
    /// Finalized before this day, by the visit's own local day.
    pub until: Option<chrono::NaiveDate>,
    /// Only visits with at least one flag.
    pub flagged: bool,
    /// Only visits carrying this flag code (e.g. `door:outside`).
    pub flag: Option<String>,
    /// Only visits carrying this photo (by SHA-256 name).
    pub photo: Option<String>,
    /// Only visits carrying a photo seen in visits of more than one household.
    pub reused_photos: bool,
    /// Every revision, superseded ones too; by default a visit is listed
    /// once, as its latest revision (its history is on the visit page).
    pub all_revisions: bool,
}

/// One line of the review queue.
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub visit_id: Uuid,
    pub visit_group: Uuid,
    pub revision: u32,
    pub template_id: String,
    pub template_version: u32,
    pub household_id: Uuid,
    pub household_code: String,
    pub grid_id: Uuid,
    pub grid_name: String,
    pub worker_id: Uuid,
    pub worker_name: String,
    pub finalized: DateTime<Utc>,
    pub status: doorstep_model::VisitStatus,
    pub flags: Vec<String>,
    /// What the worker found at the door, when the visit had a door check.
    pub door_outcome: Option<doorstep_evidence::DoorOutcome>,
}

/// A page of the review queue and how many lines match in all.
#[derive(Debug, Clone, Default)]
pub struct QueuePage {
    pub rows: Vec<QueueRow>,
    pub total: u64,
}

/// What a device sent with a visit beyond its answers: its own door check
/// (with the fix) and its photos.
#[derive(Debug, Clone)]
pub struct VisitEvidence {
    pub device_door_check: Option<doorstep_protocol::DoorCheckRecord>,
    pub photos: Vec<doorstep_protocol::PhotoRef>,
    pub received_at: DateTime<Utc>,
}

/// Counts for the console's dashboard, over the grids in scope.
#[derive(Debug, Clone, Default)]
pub struct VisitStats {
    pub since_today: u64,
    pub since_week: u64,
    /// Uploaded, not yet reviewed.
    pub waiting: u64,
    /// Per grid: id, name, visits since `week`, waiting.
    pub per_grid: Vec<(Uuid, String, u64, u64)>,
    /// Per flag code: how many visits carry it.
    pub flags: Vec<(String, u64)>,
    /// Photos (by hash) appearing in visits of more than one household.
    pub reused_photos: u64,
}

/// A user as the admin pages list them: no password hash.
#[derive(Debug, Clone, PartialEq)]
pub struct UserSummary {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The community a supervisor oversees as a whole, with its name.
    pub community: Option<(Uuid, String)>,
    /// Grids assigned one by one, by grid code.
    pub grid_ids: Vec<Uuid>,
    pub disabled: bool,
}

/// One grid of the administrative tree, with where it sits and its size.
#[derive(Debug, Clone, PartialEq)]
pub struct GridNode {
    pub subdistrict_id: Uuid,
    pub subdistrict: String,
    pub community_id: Uuid,
    pub community: String,
    pub id: Uuid,
    pub code: String,
    pub name: String,
    /// Households stored in the grid.
    pub households: u64,
}

/// What the scheduler needs of one household for the dashboard's coverage:
/// its residents' category tags and, per template, the local date of its
/// latest visit (every question the scheduler asks is "was there a visit
/// between some day and today", which the latest visit answers).
#[derive(Debug, Clone)]
pub struct CoverageHousehold {
    pub household_id: Uuid,
    pub grid_id: Uuid,
    pub tags: Vec<doorstep_model::ResidentTag>,
    pub latest_visits: Vec<(String, NaiveDate)>,
}

/// The server's storage. Every method is atomic: it commits entirely or not at all.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    // --- the administrative tree and users ---

    /// Adds a subdistrict (街道).
    async fn add_subdistrict(&self, s: &Subdistrict) -> Result<()>;
    /// Adds a community (社区) of an existing subdistrict.
    async fn add_community(&self, c: &Community) -> Result<()>;
    /// Adds a grid (网格) of an existing community.
    async fn add_grid(&self, g: &Grid) -> Result<()>;
    /// Creates a user; [`StorageError::Duplicate`] when the username is taken.
    async fn create_user(&self, user: &NewUser) -> Result<Uuid>;
    /// Replaces a user's grid assignments (an admin's action). Their next pull
    /// starts from the beginning, since their cursor names the old grids. A
    /// grid taken away is recorded as released now (see [`GridRelease`]); a
    /// grid given (back) forgets its release.
    async fn set_user_grids(&self, user_id: Uuid, grid_ids: &[Uuid]) -> Result<()>;
    /// The grids taken from a user and not given back, by grid.
    async fn grid_releases(&self, user_id: Uuid) -> Result<HashMap<Uuid, GridRelease>>;
    /// Records that the user's phone was sent their current grids at `at`:
    /// every release it had not been told of is noticed then.
    async fn note_grids_sent(&self, user_id: Uuid, at: DateTime<Utc>) -> Result<()>;
    /// The user with this username, disabled or not.
    async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>>;
    /// The grids a user may see, with their community and subdistrict names.
    async fn grids_of(&self, user_id: Uuid) -> Result<Vec<GridInfo>>;

    // --- device tokens ---

    /// Stores a new device token.
    async fn insert_token(&self, token: &NewToken) -> Result<()>;
    /// What the token with this hash is worth at `now`.
    async fn token_state(&self, hash: &[u8; 32], now: DateTime<Utc>) -> Result<TokenState>;
    /// Revokes one token; false when there was no such live token.
    async fn revoke_token(&self, hash: &[u8; 32], at: DateTime<Utc>) -> Result<bool>;
    /// Revokes every live token of a user; how many were revoked.
    async fn revoke_user_tokens(&self, user_id: Uuid, at: DateTime<Utc>) -> Result<usize>;

    // --- households and templates ---

    /// Creates or replaces a household with its residents (imports and seeding);
    /// it is sent again in pulls. Its `version` is taken as given.
    async fn upsert_household(&self, h: &HouseholdRecord) -> Result<()>;
    /// Where each of these households is; unknown ids are absent.
    async fn household_places(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, HouseholdPlace>>;
    /// A household as stored (due visits left empty).
    async fn household(&self, id: Uuid) -> Result<Option<HouseholdRecord>>;
    /// Conflicts recorded for a household, oldest first.
    async fn household_conflicts(&self, id: Uuid) -> Result<Vec<HouseholdConflict>>;
    /// Publishes a template version; false when that version was already there.
    async fn publish_template(&self, t: &TemplateRecord) -> Result<bool>;
    /// Every published template version.
    async fn templates(&self) -> Result<Vec<TemplateRecord>>;

    // --- blobs ---

    /// Records that a blob was verified and stored.
    async fn record_blob(&self, sha256: &str, bytes: u64, by: Uuid) -> Result<()>;
    /// The size of a verified blob, if it is stored.
    async fn blob_size(&self, sha256: &str) -> Result<Option<u64>>;
    /// Which of these blobs are not stored.
    async fn missing_blobs(&self, sha256s: &[String]) -> Result<HashSet<String>>;

    // --- push ---

    /// The remembered results of these operations.
    async fn op_results(&self, op_ids: &[Uuid]) -> Result<HashMap<Uuid, OperationResult>>;
    /// Applies operations in order in one transaction, each exactly once by
    /// `op_id` (a remembered one answers its first result), and returns one
    /// result per operation.
    async fn apply_ops(&self, user_id: Uuid, ops: Vec<PreparedOp>) -> Result<Vec<OperationResult>>;
    /// A stored visit revision.
    async fn visit(&self, visit_id: Uuid) -> Result<Option<StoredVisit>>;
    /// Every stored revision of a visit, by revision number.
    async fn visit_revisions(&self, visit_group: Uuid) -> Result<Vec<StoredVisit>>;
    /// How many visit revisions are stored (for benchmarks and checks).
    async fn visit_count(&self) -> Result<u64>;

    // --- pull ---

    /// Up to `limit` changes after `after` visible to a user: households of
    /// `grid_ids`, every template version, reviews of `user_id`'s visits.
    async fn pull(
        &self,
        user_id: Uuid,
        grid_ids: &[Uuid],
        after: i64,
        limit: usize,
    ) -> Result<PullPage>;

    // --- review and audit ---

    /// Records a review and its audit line, if the visit is still in
    /// `review.expected`; `None` when it no longer is.
    async fn record_review(
        &self,
        review: &NewReview,
        audit: &AuditEntry,
    ) -> Result<Option<ReviewDecision>>;
    /// Appends an audit line.
    async fn audit(&self, entry: &AuditEntry) -> Result<()>;
    /// The latest audit lines, newest first.
    async fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>>;
    /// A page of the audit lines matching `filter`, newest first, and how
    /// many match in all.
    async fn audit_page(
        &self,
        filter: &AuditFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<AuditEntry>, u64)>;

    // --- the supervisor console ---

    /// Stores a new console session.
    async fn insert_console_session(&self, s: &NewConsoleSession) -> Result<()>;
    /// The live console session with this hash at `now`, marked as used now;
    /// `None` when unknown, ended, expired, unused for longer than `idle`, or
    /// its user is disabled.
    async fn console_session(
        &self,
        hash: &[u8; 32],
        now: DateTime<Utc>,
        idle: chrono::Duration,
    ) -> Result<Option<ConsoleSession>>;
    /// Ends a console session (logout); false when it was not live.
    async fn end_console_session(&self, hash: &[u8; 32], at: DateTime<Utc>) -> Result<bool>;

    /// A page of visit revisions matching `filter`, newest finalized first:
    /// only latest revisions unless `filter.all_revisions`.
    async fn review_queue(
        &self,
        filter: &QueueFilter,
        offset: u64,
        limit: u64,
    ) -> Result<QueuePage>;
    /// The door check and photos a device sent with a visit revision.
    async fn visit_evidence(&self, visit_id: Uuid) -> Result<Option<VisitEvidence>>;
    /// Workers assigned to any of these grids: id and display name, by name.
    async fn workers_of(&self, grid_ids: &[Uuid]) -> Result<Vec<(Uuid, String)>>;
    /// Dashboard counts over `grid_ids`: visits finalized on or after the
    /// days `today` and `week`, reviews waiting, per grid (visits since
    /// `week`, waiting), per flag. A visit counts once, as its latest
    /// revision, and on its own local day ([`doorstep_model::DeviceInstant::local_date`], the
    /// rule coverage and pull use): 20:00 on 30 November in New York is 30
    /// November, though it is 1 December in Beijing.
    async fn visit_stats(
        &self,
        grid_ids: &[Uuid],
        today: NaiveDate,
        week: NaiveDate,
    ) -> Result<VisitStats>;

    // --- the console's admin pages ---

    /// Every user, by username, with their community and assigned grids.
    async fn users(&self) -> Result<Vec<UserSummary>>;
    /// Every grid with its community, subdistrict and household count, by
    /// subdistrict name, community name and grid code.
    async fn grid_tree(&self) -> Result<Vec<GridNode>>;
    /// Writes a batch of new households with their residents, and its audit
    /// line, in one transaction: all of them or none. Nothing is written when
    /// any is registered already (a resident's ID number or a household's grid
    /// and address is stored): the matches are returned instead. Each stored
    /// household is numbered in the format its grid's codes already have
    /// (`{grid code}-{n:04}` in an empty grid), after the grid's highest
    /// number (the batch's codes are ignored) and takes a change number, so
    /// devices of its grid receive it on their next pull. The check and the
    /// numbering happen under the write lock: concurrent imports never both
    /// store one resident or household, nor share a code.
    async fn import_households(
        &self,
        batch: &[HouseholdRecord],
        audit: &AuditEntry,
    ) -> Result<ImportOutcome>;
    /// The mapping kept for ledger headers with this fingerprint, as JSON.
    async fn ledger_mapping(&self, signature: &str) -> Result<Option<String>>;
    /// Every estate an admin mapped to a grid (estates without spaces).
    async fn estate_grids(&self) -> Result<HashMap<String, Uuid>>;
    /// Keeps what an import taught for the next file, replacing what was kept
    /// under the same headers or estates.
    async fn remember_ledger(&self, memory: &LedgerMemory, at: DateTime<Utc>) -> Result<()>;

    // --- the dashboard's coverage and follow-ups ---

    /// The households of these grids that hold any category tag, with their
    /// tags and latest visit per template.
    async fn coverage_households(&self, grid_ids: &[Uuid]) -> Result<Vec<CoverageHousehold>>;
    /// Per grid of these (only grids with any): visits returned for rework
    /// whose next revision has not arrived.
    async fn open_returns(&self, grid_ids: &[Uuid]) -> Result<Vec<(Uuid, u64)>>;

    // --- settings an admin makes in the console ---

    /// A setting's value, if it was ever set.
    async fn setting(&self, name: &str) -> Result<Option<String>>;
    /// Sets a setting, with its audit line, in one transaction.
    async fn set_setting(&self, name: &str, value: &str, audit: &AuditEntry) -> Result<()>;

    // --- a supervisor's decision on a proposed household location ---

    /// Settles a household's proposed location (one a door check proposed
    /// and nobody confirmed yet), if it is still `proposed`: accepted, it
    /// becomes the household's registered location; rejected, the household
    /// has no location again. The household takes a new version and change
    /// number (devices of its grid receive it at their next pull) and the
    /// audit line is written in the same transaction. False, with nothing
    /// written, when the household has no such pending proposal.
    async fn settle_location(
        &self,
        household_id: Uuid,
        proposed: LatLon,
        accept: bool,
        audit: &AuditEntry,
    ) -> Result<bool>;
}

/// A permanent refusal of one operation, with its code and zh/en messages.
pub(crate) fn refused(code: &str, zh: &str, en: &str) -> doorstep_protocol::OperationOutcome {
    doorstep_protocol::OperationOutcome::Refused {
        error: doorstep_protocol::ApiError::new(code, zh, en, false),
    }
}
