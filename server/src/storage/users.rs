//! The administrative tree (subdistricts, communities, grids) and its users:
//! who may see which grids, and the grids taken from a worker.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use doorstep_model::{Community, Grid, Subdistrict};
use doorstep_protocol::GridInfo;
use doorstep_protocol::Role;
use uuid::Uuid;

use super::conn::{Conn, Row, is_unique_violation, ts};
use super::{GridNode, GridRelease, NewUser, Result, StorageError, UserRecord, UserSummary};

pub(super) async fn add_subdistrict<C: Conn>(c: &mut C, s: &Subdistrict) -> Result<()> {
    c.execute(
        "INSERT INTO subdistricts (id, name) VALUES ($1, $2)",
        &[&s.id.to_string(), &s.name],
    )
    .await?;
    Ok(())
}

pub(super) async fn add_community<C: Conn>(c: &mut C, community: &Community) -> Result<()> {
    c.execute(
        "INSERT INTO communities (id, subdistrict_id, name) VALUES ($1, $2, $3)",
        &[
            &community.id.to_string(),
            &community.subdistrict_id.to_string(),
            &community.name,
        ],
    )
    .await?;
    Ok(())
}

pub(super) async fn add_grid<C: Conn>(c: &mut C, g: &Grid) -> Result<()> {
    c.execute(
        "INSERT INTO grids (id, community_id, code, name) VALUES ($1, $2, $3, $4)",
        &[
            &g.id.to_string(),
            &g.community_id.to_string(),
            &g.code,
            &g.name,
        ],
    )
    .await?;
    Ok(())
}

/// Creates a user; [`StorageError::Duplicate`] when the username is taken.
pub(super) async fn create_user<C: Conn>(
    c: &mut C,
    user: &NewUser,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    let taken = c
        .query_opt(
            "SELECT id FROM users WHERE username = $1",
            &[&user.username],
        )
        .await?;
    if taken.is_some() {
        return Err(StorageError::Duplicate("username"));
    }
    let id = Uuid::new_v4();
    let inserted = c
        .execute(
            "INSERT INTO users (id, username, display_name, role, password_hash, community_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &id.to_string(),
                &user.username,
                &user.display_name,
                &user.role.as_str(),
                &user.password_hash,
                &user.community_id.map(|c| c.to_string()),
                &ts(now),
            ],
        )
        .await;
    match inserted {
        Ok(_) => {}
        // Taken by a concurrent writer since the check.
        Err(e) if is_unique_violation(&e) => return Err(StorageError::Duplicate("username")),
        Err(e) => return Err(e),
    }
    for g in &user.grid_ids {
        c.execute(
            "INSERT INTO user_grids (user_id, grid_id) VALUES ($1, $2)",
            &[&id.to_string(), &g.to_string()],
        )
        .await?;
    }
    Ok(id)
}

/// Replaces a user's grids; a grid taken away is released at `now`, a grid
/// given (back) forgets its release.
pub(super) async fn set_user_grids<C: Conn>(
    c: &mut C,
    user_id: Uuid,
    grid_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<()> {
    let uid = user_id.to_string();
    let sql = format!(
        "SELECT grid_id FROM user_grids WHERE user_id = $1{}",
        c.dialect().for_update()
    );
    let held = c
        .query(&sql, &[&uid])
        .await?
        .iter()
        .map(|r| r.uuid(0))
        .collect::<Result<Vec<_>>>()?;
    let now = ts(now);
    for g in held.iter().filter(|g| !grid_ids.contains(g)) {
        c.execute(
            "INSERT INTO grid_releases (user_id, grid_id, released_at) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, grid_id)
             DO UPDATE SET released_at = excluded.released_at, noticed_at = NULL",
            &[&uid, &g.to_string(), &now],
        )
        .await?;
    }
    c.execute("DELETE FROM user_grids WHERE user_id = $1", &[&uid])
        .await?;
    for g in grid_ids {
        c.execute(
            "INSERT INTO user_grids (user_id, grid_id) VALUES ($1, $2)",
            &[&uid, &g.to_string()],
        )
        .await?;
        c.execute(
            "DELETE FROM grid_releases WHERE user_id = $1 AND grid_id = $2",
            &[&uid, &g.to_string()],
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn grid_releases<C: Conn>(
    c: &mut C,
    user_id: Uuid,
) -> Result<HashMap<Uuid, GridRelease>> {
    c.query(
        "SELECT grid_id, released_at, noticed_at FROM grid_releases WHERE user_id = $1",
        &[&user_id.to_string()],
    )
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.uuid(0)?,
            GridRelease {
                released_at: r.time(1)?,
                noticed_at: r.opt_time(2)?,
            },
        ))
    })
    .collect()
}

pub(super) async fn note_grids_sent<C: Conn>(
    c: &mut C,
    user_id: Uuid,
    at: DateTime<Utc>,
) -> Result<()> {
    c.execute(
        "UPDATE grid_releases SET noticed_at = $1 WHERE user_id = $2 AND noticed_at IS NULL",
        &[&ts(at), &user_id.to_string()],
    )
    .await?;
    Ok(())
}

pub(super) async fn user_by_username<C: Conn>(
    c: &mut C,
    username: &str,
) -> Result<Option<UserRecord>> {
    let row = c
        .query_opt(
            "SELECT id, username, display_name, role, password_hash, community_id, disabled
             FROM users WHERE username = $1",
            &[&username],
        )
        .await?;
    row.map(|r| {
        Ok(UserRecord {
            id: r.uuid(0)?,
            username: r.try_get(1)?,
            display_name: r.try_get(2)?,
            role: r.role(3)?,
            password_hash: r.try_get(4)?,
            community_id: r.opt_uuid(5)?,
            disabled: r.try_get(6)?,
        })
    })
    .transpose()
}

/// The grids a user of `role` may see: an admin all, a supervisor their
/// community's and their own, a worker theirs.
pub(super) async fn grids_for<C: Conn>(
    c: &mut C,
    user_id: Uuid,
    role: Role,
    community: Option<Uuid>,
) -> Result<Vec<GridInfo>> {
    c.query(
        "SELECT g.id, g.code, g.name, c.name, s.name
         FROM grids g JOIN communities c ON c.id = g.community_id
         JOIN subdistricts s ON s.id = c.subdistrict_id
         WHERE CAST($1 AS TEXT) = 'admin'
            OR g.id IN (SELECT grid_id FROM user_grids WHERE user_id = $2)
            OR (CAST($1 AS TEXT) = 'supervisor' AND g.community_id = $3)
         ORDER BY g.code",
        &[
            &role.as_str(),
            &user_id.to_string(),
            &community.map(|c| c.to_string()),
        ],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(GridInfo {
            id: r.uuid(0)?,
            code: r.try_get(1)?,
            name: r.try_get(2)?,
            community: r.try_get(3)?,
            subdistrict: r.try_get(4)?,
        })
    })
    .collect()
}

pub(super) async fn grids_of<C: Conn>(c: &mut C, user_id: Uuid) -> Result<Vec<GridInfo>> {
    let row = c
        .query_opt(
            "SELECT role, community_id FROM users WHERE id = $1",
            &[&user_id.to_string()],
        )
        .await?;
    match row {
        Some(r) => grids_for(c, user_id, r.role(0)?, r.opt_uuid(1)?).await,
        None => Ok(Vec::new()),
    }
}

/// Every user, by username (bytewise), with their community and grids.
pub(super) async fn users<C: Conn>(c: &mut C) -> Result<Vec<UserSummary>> {
    let bytewise = c.dialect().bytewise();
    let mut users = c
        .query(
            &format!(
                "SELECT u.id, u.username, u.display_name, u.role, u.community_id, c.name, u.disabled
                 FROM users u LEFT JOIN communities c ON c.id = u.community_id
                 ORDER BY u.username{bytewise}"
            ),
            &[],
        )
        .await?
        .iter()
        .map(user_summary)
        .collect::<Result<Vec<_>>>()?;
    let pairs = c
        .query(
            &format!(
                "SELECT ug.user_id, ug.grid_id FROM user_grids ug JOIN grids g ON g.id = ug.grid_id
                 ORDER BY g.code{bytewise}"
            ),
            &[],
        )
        .await?;
    for r in &pairs {
        let (user, grid) = (r.uuid(0)?, r.uuid(1)?);
        if let Some(u) = users.iter_mut().find(|u| u.id == user) {
            u.grid_ids.push(grid);
        }
    }
    Ok(users)
}

fn user_summary(r: &Row) -> Result<UserSummary> {
    let community = match r.opt_uuid(4)? {
        Some(id) => Some((id, r.try_get::<Option<String>>(5)?.unwrap_or_default())),
        None => None,
    };
    Ok(UserSummary {
        id: r.uuid(0)?,
        username: r.try_get(1)?,
        display_name: r.try_get(2)?,
        role: r.role(3)?,
        community,
        grid_ids: Vec::new(),
        disabled: r.try_get(6)?,
    })
}

/// Every grid with where it sits and its household count.
pub(super) async fn grid_tree<C: Conn>(c: &mut C) -> Result<Vec<GridNode>> {
    let b = c.dialect().bytewise();
    c.query(
        &format!(
            "SELECT s.id, s.name, c.id, c.name, g.id, g.code, g.name,
                (SELECT count(*) FROM households h WHERE h.grid_id = g.id)
             FROM grids g JOIN communities c ON c.id = g.community_id
             JOIN subdistricts s ON s.id = c.subdistrict_id
             ORDER BY s.name{b}, c.name{b}, g.code{b}"
        ),
        &[],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(GridNode {
            subdistrict_id: r.uuid(0)?,
            subdistrict: r.try_get(1)?,
            community_id: r.uuid(2)?,
            community: r.try_get(3)?,
            id: r.uuid(4)?,
            code: r.try_get(5)?,
            name: r.try_get(6)?,
            households: r.try_get(7)?,
        })
    })
    .collect()
}
