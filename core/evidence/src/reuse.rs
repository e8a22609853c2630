//! Reused-photo detection: the same photo (same SHA-256) in visits to two different households
//! is the commonest fake, so it is flagged for the supervisor.
//!
//! [`PhotoUseIndex`] is the pure in-memory form: feed it every `(hash, household, visit)` use
//! and it answers, for each new use, whether it makes the photo a reused one. The store will
//! persist the same records and run the same rule; [`find_reused`] applies it to a whole batch.
//! The same photo attached twice to visits of one household (a revision, a retry) is not reuse.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One attachment of a photo to a visit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PhotoUse {
    /// Lowercase hex SHA-256 of the stored photo.
    pub sha256: String,
    /// The household visited.
    pub household_id: Uuid,
    /// The visit the photo is attached to.
    pub visit_id: Uuid,
}

/// A photo found in visits to more than one household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReusedPhoto {
    /// The photo's hash.
    pub sha256: String,
    /// Every use of it seen so far, in the order recorded.
    pub uses: Vec<PhotoUse>,
}

impl ReusedPhoto {
    /// The distinct households the photo was used for, sorted.
    pub fn households(&self) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = self.uses.iter().map(|u| u.household_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// Every photo use seen, by hash.
#[derive(Debug, Clone, Default)]
pub struct PhotoUseIndex {
    by_hash: BTreeMap<String, Vec<PhotoUse>>,
}

impl PhotoUseIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a use. Returns the reuse when, with this use, the photo appears in visits to two
    /// or more households; `None` otherwise. Recording the same use twice changes nothing.
    pub fn record(&mut self, photo_use: PhotoUse) -> Option<ReusedPhoto> {
        let uses = self.by_hash.entry(photo_use.sha256.clone()).or_default();
        if !uses.contains(&photo_use) {
            uses.push(photo_use.clone());
        }
        let first = uses.first()?.household_id;
        uses.iter().any(|u| u.household_id != first).then(|| ReusedPhoto {
            sha256: photo_use.sha256,
            uses: uses.clone(),
        })
    }

    /// All photos currently used for more than one household, by hash.
    pub fn reused(&self) -> Vec<ReusedPhoto> {
        self.by_hash
            .iter()
            .filter(|(_, uses)| uses.iter().any(|u| u.household_id != uses[0].household_id))
            .map(|(sha256, uses)| ReusedPhoto {
                sha256: sha256.clone(),
                uses: uses.clone(),
            })
            .collect()
    }
}

/// The photos in `uses` that appear in visits to more than one household, sorted by hash.
pub fn find_reused(uses: &[PhotoUse]) -> Vec<ReusedPhoto> {
    let mut index = PhotoUseIndex::new();
    for u in uses {
        index.record(u.clone());
    }
    index.reused()
}
