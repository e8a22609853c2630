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
        uses.iter()
            .any(|u| u.household_id != first)
            .then(|| ReusedPhoto {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn use_of(hash: &str, household: u128, visit: u128) -> PhotoUse {
        PhotoUse {
            sha256: hash.to_string(),
            household_id: Uuid::from_u128(household),
            visit_id: Uuid::from_u128(visit),
        }
    }

    #[test]
    fn the_same_photo_in_two_households_is_flagged_when_the_second_appears() {
        let mut index = PhotoUseIndex::new();
        assert_eq!(index.record(use_of("aa", 1, 10)), None);
        assert_eq!(index.record(use_of("bb", 2, 20)), None);
        let flag = index.record(use_of("aa", 2, 21)).expect("reuse flagged");
        assert_eq!(flag.sha256, "aa");
        assert_eq!(
            flag.households(),
            vec![Uuid::from_u128(1), Uuid::from_u128(2)]
        );
        assert_eq!(flag.uses.len(), 2);
        // A third household keeps it flagged, with every use.
        let flag = index.record(use_of("aa", 3, 30)).expect("still flagged");
        assert_eq!(flag.households().len(), 3);
        assert_eq!(index.reused().len(), 1);
    }

    #[test]
    fn the_same_photo_in_two_visits_of_one_household_is_not_reuse() {
        let mut index = PhotoUseIndex::new();
        assert_eq!(index.record(use_of("aa", 1, 10)), None);
        assert_eq!(index.record(use_of("aa", 1, 11)), None);
        assert_eq!(
            index.record(use_of("aa", 1, 11)),
            None,
            "duplicates change nothing"
        );
        assert!(index.reused().is_empty());
    }

    #[test]
    fn a_batch_is_checked_the_same_way() {
        let uses = [
            use_of("cc", 5, 1),
            use_of("aa", 1, 2),
            use_of("cc", 6, 3),
            use_of("aa", 1, 4),
            use_of("bb", 7, 5),
            use_of("bb", 8, 6),
        ];
        let reused = find_reused(&uses);
        let hashes: Vec<&str> = reused.iter().map(|r| r.sha256.as_str()).collect();
        assert_eq!(hashes, vec!["bb", "cc"]);
    }
}
