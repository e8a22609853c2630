//! [`Storage`] written once over the [`Backend`] interface: each method lends
//! its operation (in the module named for what it holds) a connection in one
//! transaction, read-only or writing. [`super::sqlite::SqliteStorage`] and
//! [`super::postgres::PostgresStorage`] are this type over each backend.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use doorstep_evidence::LatLon;
use doorstep_model::{Community, Grid, Subdistrict};
use doorstep_protocol::GridInfo;
use doorstep_protocol::{HouseholdRecord, OperationResult, ReviewDecision, TemplateRecord};
use uuid::Uuid;

use super::conn::Backend;
use super::conn::postgres::PgBackend;
use super::conn::sqlite::SqliteBackend;
use super::{
    AuditEntry, AuditFilter, ConsoleSession, CoverageHousehold, GridNode, GridRelease,
    HouseholdConflict, HouseholdPlace, ImportOutcome, LedgerMemory, NewConsoleSession, NewReview,
    NewToken, NewUser, PreparedOp, PullPage, QueueFilter, QueuePage, Result, Storage, StoredVisit,
    TokenState, UserRecord, UserSummary, VisitEvidence, VisitStats, audit, blobs, console_queries,
    households, ledger, pull, reviews, sessions, templates, users, visits,
};
use crate::clock::ServerClock;

/// The server's storage on one backend. Cheap to share.
pub struct Db<B> {
    backend: B,
    /// Where every instant the storage stamps comes from.
    clock: Arc<ServerClock>,
}

impl<B: Backend> Db<B> {
    /// Storage over `backend`, stamping instants from `clock`.
    pub fn new(backend: B, clock: Arc<ServerClock>) -> Self {
        Self { backend, clock }
    }

    /// Takes instants from `clock` (the server's, which tests move).
    pub fn with_clock(mut self, clock: Arc<ServerClock>) -> Self {
        self.clock = clock;
        self
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

impl Db<SqliteBackend> {
    /// Opens (creating when missing) the SQLite database at `path`, in WAL
    /// mode, at the current schema. Refuses a database newer than this code.
    pub fn open(path: &Path) -> Result<Self> {
        Ok(Self::new(
            SqliteBackend::open(path)?,
            Arc::new(ServerClock::default()),
        ))
    }
}

impl Db<PgBackend> {
    /// Connects to PostgreSQL at `url` (see [`PgBackend::connect`]).
    pub async fn connect(url: &str) -> Result<Self> {
        Ok(Self::new(
            PgBackend::connect(url).await?,
            Arc::new(ServerClock::default()),
        ))
    }
}

/// Runs an operation on a connection in a read-only transaction.
macro_rules! read {
    ($db:expr, |$c:ident| $op:expr) => {
        $db.backend
            .read(move |$c| Box::pin(async move { $op.await }))
            .await
    };
}

/// Runs an operation on a connection in a write transaction.
macro_rules! write {
    ($db:expr, |$c:ident| $op:expr) => {
        $db.backend
            .write(move |$c| Box::pin(async move { $op.await }))
            .await
    };
}

#[async_trait]
impl<B: Backend> Storage for Db<B> {
    async fn add_subdistrict(&self, s: &Subdistrict) -> Result<()> {
        let s = s.clone();
        write!(self, |c| users::add_subdistrict(c, &s))
    }

    async fn add_community(&self, community: &Community) -> Result<()> {
        let community = community.clone();
        write!(self, |c| users::add_community(c, &community))
    }

    async fn add_grid(&self, g: &Grid) -> Result<()> {
        let g = g.clone();
        write!(self, |c| users::add_grid(c, &g))
    }

    async fn create_user(&self, user: &NewUser) -> Result<Uuid> {
        let (user, now) = (user.clone(), self.now());
        write!(self, |c| users::create_user(c, &user, now))
    }

    async fn set_user_grids(&self, user_id: Uuid, grid_ids: &[Uuid]) -> Result<()> {
        let (grid_ids, now) = (grid_ids.to_vec(), self.now());
        write!(self, |c| users::set_user_grids(c, user_id, &grid_ids, now))
    }

    async fn grid_releases(&self, user_id: Uuid) -> Result<HashMap<Uuid, GridRelease>> {
        read!(self, |c| users::grid_releases(c, user_id))
    }

    async fn note_grids_sent(&self, user_id: Uuid, at: DateTime<Utc>) -> Result<()> {
        write!(self, |c| users::note_grids_sent(c, user_id, at))
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>> {
        let username = username.to_owned();
        read!(self, |c| users::user_by_username(c, &username))
    }

    async fn grids_of(&self, user_id: Uuid) -> Result<Vec<GridInfo>> {
        read!(self, |c| users::grids_of(c, user_id))
    }

    async fn insert_token(&self, token: &NewToken) -> Result<()> {
        let token = token.clone();
        write!(self, |c| sessions::insert_token(c, &token))
    }

    async fn token_state(&self, hash: &[u8; 32], now: DateTime<Utc>) -> Result<TokenState> {
        let hash = *hash;
        read!(self, |c| sessions::token_state(c, &hash, now))
    }

    async fn revoke_token(&self, hash: &[u8; 32], at: DateTime<Utc>) -> Result<bool> {
        let hash = *hash;
        write!(self, |c| sessions::revoke_token(c, &hash, at))
    }

    async fn revoke_user_tokens(&self, user_id: Uuid, at: DateTime<Utc>) -> Result<usize> {
        write!(self, |c| sessions::revoke_user_tokens(c, user_id, at))
    }

    async fn upsert_household(&self, h: &HouseholdRecord) -> Result<()> {
        let h = h.clone();
        write!(self, |c| households::write_household(c, &h))
    }

    async fn household_places(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, HouseholdPlace>> {
        let ids = ids.to_vec();
        read!(self, |c| households::household_places(c, &ids))
    }

    async fn household(&self, id: Uuid) -> Result<Option<HouseholdRecord>> {
        read!(self, |c| households::household(c, id))
    }

    async fn household_conflicts(&self, id: Uuid) -> Result<Vec<HouseholdConflict>> {
        read!(self, |c| households::household_conflicts(c, id))
    }

    async fn publish_template(&self, t: &TemplateRecord) -> Result<bool> {
        let t = t.clone();
        write!(self, |c| templates::publish_template(c, &t))
    }

    async fn templates(&self) -> Result<Vec<TemplateRecord>> {
        read!(self, |c| templates::templates(c))
    }

    async fn record_blob(&self, sha256: &str, bytes: u64, by: Uuid) -> Result<()> {
        let (sha256, now) = (sha256.to_owned(), self.now());
        write!(self, |c| blobs::record_blob(c, &sha256, bytes, by, now))
    }

    async fn blob_size(&self, sha256: &str) -> Result<Option<u64>> {
        let sha256 = sha256.to_owned();
        read!(self, |c| blobs::blob_size(c, &sha256))
    }

    async fn missing_blobs(&self, sha256s: &[String]) -> Result<HashSet<String>> {
        let sha256s = sha256s.to_vec();
        read!(self, |c| blobs::missing_blobs(c, &sha256s))
    }

    async fn op_results(&self, op_ids: &[Uuid]) -> Result<HashMap<Uuid, OperationResult>> {
        let op_ids = op_ids.to_vec();
        read!(self, |c| visits::op_results(c, &op_ids))
    }

    async fn apply_ops(&self, user_id: Uuid, ops: Vec<PreparedOp>) -> Result<Vec<OperationResult>> {
        let now = self.now();
        write!(self, |c| visits::apply_ops(c, user_id, ops, now))
    }

    async fn visit(&self, visit_id: Uuid) -> Result<Option<StoredVisit>> {
        read!(self, |c| visits::visit(c, visit_id))
    }

    async fn visit_revisions(&self, visit_group: Uuid) -> Result<Vec<StoredVisit>> {
        read!(self, |c| visits::visit_revisions(c, visit_group))
    }

    async fn visit_count(&self) -> Result<u64> {
        read!(self, |c| visits::visit_count(c))
    }

    async fn pull(
        &self,
        user_id: Uuid,
        grid_ids: &[Uuid],
        after: i64,
        limit: usize,
    ) -> Result<PullPage> {
        let grid_ids = grid_ids.to_vec();
        read!(self, |c| pull::pull(c, user_id, &grid_ids, after, limit))
    }

    async fn record_review(
        &self,
        review: &NewReview,
        audit: &AuditEntry,
    ) -> Result<Option<ReviewDecision>> {
        let (review, audit) = (review.clone(), audit.clone());
        write!(self, |c| reviews::record_review(c, &review, &audit))
    }

    async fn audit(&self, entry: &AuditEntry) -> Result<()> {
        let entry = entry.clone();
        write!(self, |c| audit::insert(c, &entry))
    }

    async fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        read!(self, |c| audit::latest(c, limit))
    }

    async fn audit_page(
        &self,
        filter: &AuditFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<AuditEntry>, u64)> {
        let filter = filter.clone();
        read!(self, |c| audit::page(c, &filter, offset, limit))
    }

    async fn insert_console_session(&self, s: &NewConsoleSession) -> Result<()> {
        let s = s.clone();
        write!(self, |c| sessions::insert_console_session(c, &s))
    }

    async fn console_session(
        &self,
        hash: &[u8; 32],
        now: DateTime<Utc>,
        idle: chrono::Duration,
    ) -> Result<Option<ConsoleSession>> {
        let hash = *hash;
        write!(self, |c| sessions::console_session(c, &hash, now, idle))
    }

    async fn end_console_session(&self, hash: &[u8; 32], at: DateTime<Utc>) -> Result<bool> {
        let hash = *hash;
        write!(self, |c| sessions::end_console_session(c, &hash, at))
    }

    async fn review_queue(
        &self,
        filter: &QueueFilter,
        offset: u64,
        limit: u64,
    ) -> Result<QueuePage> {
        let filter = filter.clone();
        read!(self, |c| console_queries::review_queue(
            c, &filter, offset, limit
        ))
    }

    async fn visit_evidence(&self, visit_id: Uuid) -> Result<Option<VisitEvidence>> {
        read!(self, |c| console_queries::visit_evidence(c, visit_id))
    }

    async fn workers_of(&self, grid_ids: &[Uuid]) -> Result<Vec<(Uuid, String)>> {
        let grid_ids = grid_ids.to_vec();
        read!(self, |c| console_queries::workers_of(c, &grid_ids))
    }

    async fn visit_stats(
        &self,
        grid_ids: &[Uuid],
        today: NaiveDate,
        week: NaiveDate,
    ) -> Result<VisitStats> {
        let grid_ids = grid_ids.to_vec();
        read!(self, |c| console_queries::visit_stats(
            c, &grid_ids, today, week
        ))
    }

    async fn users(&self) -> Result<Vec<UserSummary>> {
        read!(self, |c| users::users(c))
    }

    async fn grid_tree(&self) -> Result<Vec<GridNode>> {
        read!(self, |c| users::grid_tree(c))
    }

    async fn import_households(
        &self,
        batch: &[HouseholdRecord],
        audit: &AuditEntry,
    ) -> Result<ImportOutcome> {
        let (batch, audit) = (batch.to_vec(), audit.clone());
        write!(self, |c| ledger::import_households(c, batch, &audit))
    }

    async fn ledger_mapping(&self, signature: &str) -> Result<Option<String>> {
        let signature = signature.to_owned();
        read!(self, |c| ledger::mapping(c, &signature))
    }

    async fn estate_grids(&self) -> Result<HashMap<String, Uuid>> {
        read!(self, |c| ledger::estate_grids(c))
    }

    async fn remember_ledger(&self, memory: &LedgerMemory, at: DateTime<Utc>) -> Result<()> {
        let memory = memory.clone();
        write!(self, |c| ledger::remember(c, &memory, at))
    }

    async fn coverage_households(&self, grid_ids: &[Uuid]) -> Result<Vec<CoverageHousehold>> {
        let grid_ids = grid_ids.to_vec();
        read!(self, |c| console_queries::coverage_households(c, &grid_ids))
    }

    async fn open_returns(&self, grid_ids: &[Uuid]) -> Result<Vec<(Uuid, u64)>> {
        let grid_ids = grid_ids.to_vec();
        read!(self, |c| console_queries::open_returns(c, &grid_ids))
    }

    async fn setting(&self, name: &str) -> Result<Option<String>> {
        let name = name.to_owned();
        read!(self, |c| audit::setting(c, &name))
    }

    async fn set_setting(&self, name: &str, value: &str, audit: &AuditEntry) -> Result<()> {
        let (name, value, audit) = (name.to_owned(), value.to_owned(), audit.clone());
        write!(self, |c| audit::set_setting(c, &name, &value, &audit))
    }

    async fn settle_location(
        &self,
        household_id: Uuid,
        proposed: LatLon,
        accept: bool,
        audit: &AuditEntry,
    ) -> Result<bool> {
        let audit = audit.clone();
        write!(self, |c| households::settle_location(
            c,
            household_id,
            proposed,
            accept,
            &audit
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::conn::Conn;
    use doorstep_protocol::Role;

    /// The storage stamps what it records itself (here a grid's release)
    /// with the server's clock, which tests set.
    #[tokio::test]
    async fn a_grid_is_released_at_the_server_clock_s_time() {
        let dir = tempfile::tempdir().expect("dir");
        let clock = Arc::new(ServerClock::default());
        let db = Db::open(&dir.path().join("doorstep.db"))
            .expect("open")
            .with_clock(Arc::clone(&clock));
        let s = Subdistrict {
            id: Uuid::new_v4(),
            name: "春熙路街道".into(),
        };
        let community = Community {
            id: Uuid::new_v4(),
            subdistrict_id: s.id,
            name: "和平社区".into(),
        };
        let grid = Grid {
            id: Uuid::new_v4(),
            community_id: community.id,
            code: "HP-01".into(),
            name: "和平一网格".into(),
        };
        db.add_subdistrict(&s).await.expect("subdistrict");
        db.add_community(&community).await.expect("community");
        db.add_grid(&grid).await.expect("grid");
        let user = db
            .create_user(&NewUser {
                username: "wang".into(),
                display_name: "王网格员".into(),
                role: Role::Worker,
                password_hash: "x".into(),
                community_id: None,
                grid_ids: vec![grid.id],
            })
            .await
            .expect("user");
        let at: DateTime<Utc> = "2026-03-01T08:00:00Z".parse().expect("time");
        clock.set(at);
        db.set_user_grids(user, &[]).await.expect("release");
        let released = db.grid_releases(user).await.expect("releases")[&grid.id].released_at;
        // The clock runs on from where it was set.
        assert!(
            released >= at && released - at < chrono::Duration::minutes(1),
            "released at {released}"
        );
    }

    /// A stored id that is not a UUID is inconsistent data, on SQLite as on
    /// PostgreSQL, not a driver's conversion error.
    #[tokio::test]
    async fn a_malformed_stored_id_reads_as_corrupt_data() {
        let dir = tempfile::tempdir().expect("dir");
        let db = Db::open(&dir.path().join("doorstep.db")).expect("open");
        db.backend
            .write(|c| {
                Box::pin(async move {
                    c.execute(
                        "INSERT INTO users (id, username, display_name, role, password_hash,
                            community_id, created_at)
                         VALUES ('not-a-uuid', 'li', '李网格员', 'worker', 'x', NULL,
                            '2026-03-01T08:00:00.000000Z')",
                        &[],
                    )
                    .await
                    .map(|_| ())
                })
            })
            .await
            .expect("write");
        match db.user_by_username("li").await {
            Err(crate::storage::StorageError::Corrupt(_)) => {}
            other => panic!("not reported as corrupt: {other:?}"),
        }
    }
}
