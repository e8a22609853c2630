//! Ledgers between their upload and the admin's confirmation: the file and
//! the choices made on its preview (the grid for the whole file, the field of
//! each column, estates' grids). They are kept in this server's memory, for
//! the admin who uploaded them only, for [`TTL`] and at most [`MAX_PENDING`]
//! at once (the oldest goes first); one that is gone is uploaded again.
//! Nothing of a pending ledger is written anywhere before it is confirmed.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use uuid::Uuid;

use super::ledger_columns::Column;

/// How long a preview can be confirmed.
pub const TTL: Duration = Duration::from_secs(60 * 60);
/// Most ledgers waiting at once (each at most the upload limit).
const MAX_PENDING: usize = 16;

/// An uploaded ledger waiting for its confirmation.
#[derive(Debug, Clone)]
pub struct Pending {
    pub user_id: Uuid,
    pub file_name: String,
    pub bytes: Bytes,
    /// The grid chosen for the whole file.
    pub file_grid: Option<Uuid>,
    /// Each sheet's mapping, in sheet order (empty until first shown).
    pub mappings: Vec<Vec<Option<Column>>>,
    /// Estates (without spaces) the admin mapped to grids on the preview.
    pub estate_grids: Vec<(String, Uuid)>,
    at: Instant,
}

impl Pending {
    pub fn new(user_id: Uuid, file_name: String, bytes: Bytes, file_grid: Option<Uuid>) -> Self {
        Pending {
            user_id,
            file_name,
            bytes,
            file_grid,
            mappings: Vec::new(),
            estate_grids: Vec::new(),
            at: Instant::now(),
        }
    }
}

static PENDING: LazyLock<Mutex<HashMap<Uuid, Pending>>> = LazyLock::new(Default::default);

fn store() -> std::sync::MutexGuard<'static, HashMap<Uuid, Pending>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Keeps a ledger under a new random token, dropping expired ones and, past
/// [`MAX_PENDING`], the oldest.
pub fn put(p: Pending) -> Uuid {
    let mut map = store();
    map.retain(|_, v| v.at.elapsed() < TTL);
    while map.len() >= MAX_PENDING {
        let Some(oldest) = map.iter().min_by_key(|(_, v)| v.at).map(|(k, _)| *k) else {
            break;
        };
        map.remove(&oldest);
    }
    let token = Uuid::new_v4();
    map.insert(token, p);
    token
}

/// The ledger kept under `token` for this user, while it has not expired.
pub fn get(token: Uuid, user_id: Uuid) -> Option<Pending> {
    store()
        .get(&token)
        .filter(|p| p.user_id == user_id && p.at.elapsed() < TTL)
        .cloned()
}

/// Replaces the ledger under `token` (the user's own) with `p`.
pub fn set(token: Uuid, p: Pending) {
    let mut map = store();
    if map.get(&token).is_some_and(|old| old.user_id == p.user_id) {
        map.insert(token, p);
    }
}

/// Forgets the ledger under `token`, once imported.
pub fn remove(token: Uuid, user_id: Uuid) {
    let mut map = store();
    if map.get(&token).is_some_and(|p| p.user_id == user_id) {
        map.remove(&token);
    }
}
