//! The administrative tree: 街道 subdistrict → 社区 community → 网格 grid, and the
//! workers assigned to grids (分片包干: each worker owns a patch).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A 街道 (subdistrict), the top of the tree Doorstep knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subdistrict {
    pub id: Uuid,
    pub name: String,
}

/// A 社区 (community, about 2,500 households), inside one subdistrict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Community {
    pub id: Uuid,
    pub subdistrict_id: Uuid,
    pub name: String,
}

/// A 网格 (grid), inside one community. Every household belongs to exactly one grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grid {
    pub id: Uuid,
    pub community_id: Uuid,
    /// Short code printed on ledgers, such as `G03`.
    pub code: String,
    pub name: String,
}

/// A 网格员 (grid worker) and the grids assigned to them (one or more).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Worker {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub grid_ids: Vec<Uuid>,
}

impl Worker {
    /// Whether this worker may read and write the households of `grid_id`.
    pub fn covers(&self, grid_id: Uuid) -> bool {
        self.grid_ids.contains(&grid_id)
    }
}
