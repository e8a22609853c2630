//! Applying what a pull brought: households of the worker's grids, template
//! versions and review decisions, in one transaction with the new cursor — so a
//! pull interrupted half-way leaves the device as it was, and is simply redone.
//!
//! A pull from the beginning also names the worker's grids as they are now.
//! Households of any other grid (a grid taken away, or the last worker's on a
//! shared phone) are then deleted with their residents, visits and photos, and
//! the search index is rebuilt so their names leave no trace in it. A household
//! is kept while anything of it is not yet safely on the server — a draft, a
//! finalized visit or an operation in the outbox, a set-aside item — and goes
//! on the first pull after that (every pull checks).

use super::Store;
use super::error::{Result, StoreError};
use super::households::GridInfo;
use super::session::upsert_grid;
use super::visits::{apply_review, to_json};
use crate::search;
use crate::sync::protocol::{HouseholdRecord, PullResponse};
use chrono::{DateTime, Utc};
use doorstep_model::{Review, VisitStatus};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What one pull changed on the device.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullSummary {
    pub households: u32,
    pub templates: u32,
    /// Visits returned for rework in this pull: new tasks for the worker.
    pub returned: u32,
    pub approved: u32,
    pub rejected: u32,
    /// Households deleted because they are no longer in the worker's grids.
    pub removed: u32,
}

impl std::ops::AddAssign for PullSummary {
    /// Adds up the pages of one pull.
    fn add_assign(&mut self, page: Self) {
        self.households += page.households;
        self.templates += page.templates;
        self.returned += page.returned;
        self.approved += page.approved;
        self.rejected += page.rejected;
        self.removed += page.removed;
    }
}

impl Store {
    /// Applies one page of a pull and saves its cursor, all or nothing.
    pub fn apply_pull(&self, page: &PullResponse) -> Result<PullSummary> {
        let now = self.now().utc;
        self.write(|tx| {
            let mut summary = PullSummary::default();
            if let Some(grids) = &page.grids {
                save_grids(tx, grids)?;
            }
            summary.removed = remove_other_grids(tx)?;
            for household in &page.households {
                if upsert_household(tx, household, now)? {
                    summary.households += 1;
                }
            }
            for template in &page.templates {
                tx.execute(
                    "INSERT INTO templates (template_id, version, definition) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO NOTHING",
                    params![
                        template.template_id,
                        template.version,
                        template.definition.to_string()
                    ],
                )?;
                summary.templates += 1;
            }
            for decision in &page.reviews {
                let review = Review {
                    reviewer: Uuid::nil(),
                    at: decision.decided_at,
                    comment: decision.comment.clone(),
                };
                if apply_review(tx, decision.visit_id, decision.status, &review)? {
                    match decision.status {
                        VisitStatus::Returned => summary.returned += 1,
                        VisitStatus::Approved => summary.approved += 1,
                        VisitStatus::Rejected => summary.rejected += 1,
                        _ => {}
                    }
                }
            }
            tx.execute(
                "UPDATE session SET cursor = ?1 WHERE id = 1",
                [&page.cursor],
            )?;
            Ok(summary)
        })
    }

    /// Template definitions pulled from the server, as (id, version, JSON).
    pub fn pulled_templates(&self) -> Result<Vec<(String, u32, String)>> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare("SELECT template_id, version, definition FROM templates ORDER BY template_id, version")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}

/// Makes `grids` the worker's grids, in the grids table and the session.
fn save_grids(conn: &Connection, grids: &[GridInfo]) -> Result<()> {
    for grid in grids {
        upsert_grid(conn, grid)?;
    }
    conn.execute(
        "UPDATE session SET account = json_set(account, '$.grids', json(?1)) WHERE id = 1",
        [to_json(&grids)],
    )?;
    Ok(())
}

/// Deletes every household the server sent that is outside the signed-in
/// worker's grids and has nothing waiting to be uploaded, and every other grid
/// left empty. Households entered on this device (version 0: the server never
/// had them) are not the server's to take away. Returns how many households
/// were deleted (none when nobody is signed in).
fn remove_other_grids(conn: &Connection) -> Result<u32> {
    let keep: Option<String> = conn
        .query_row(
            "SELECT json_extract(account, '$.grids') FROM session WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let Some(keep) = keep else { return Ok(0) };
    let leaving: Vec<(i64, String)> = {
        let mut stmt = conn.prepare(
            "SELECT h.doc, h.id FROM households h
             WHERE h.grid_id NOT IN (SELECT value ->> '$.id' FROM json_each(?1))
               AND h.version != 0
               AND NOT EXISTS (
                   SELECT 1 FROM visits v
                   WHERE v.household_id = h.id
                     AND (v.status IN ('draft', 'finalized')
                          OR EXISTS (SELECT 1 FROM outbox o
                                     WHERE o.visit_id = v.id AND o.state != 'done')))
               AND NOT EXISTS (
                   SELECT 1 FROM outbox o
                   WHERE o.kind = 'operation' AND o.state != 'done'
                     AND json_extract(o.payload, '$.household_id') = h.id)",
        )?;
        let rows = stmt.query_map([&keep], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    for (doc, id) in &leaving {
        let photos: Vec<String> = {
            let mut stmt = conn.prepare(
                "SELECT DISTINCT p.sha256 FROM visit_photos p JOIN visits v ON v.id = p.visit_id
                 WHERE v.household_id = ?1",
            )?;
            let rows = stmt.query_map([id], |r| r.get(0))?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        conn.execute(
            "DELETE FROM outbox WHERE visit_id IN (SELECT id FROM visits WHERE household_id = ?1)",
            [id],
        )?;
        conn.execute("DELETE FROM visits WHERE household_id = ?1", [id])?;
        for sha in &photos {
            conn.execute(
                "DELETE FROM blobs WHERE sha256 = ?1
                   AND NOT EXISTS (SELECT 1 FROM visit_photos WHERE sha256 = ?1)",
                [sha],
            )?;
        }
        conn.execute("DELETE FROM search_index WHERE rowid = ?1", [doc])?;
        conn.execute("DELETE FROM households WHERE id = ?1", [id])?;
    }
    conn.execute(
        "DELETE FROM grids WHERE id NOT IN (SELECT value ->> '$.id' FROM json_each(?1))
           AND NOT EXISTS (SELECT 1 FROM households WHERE grid_id = grids.id)",
        [&keep],
    )?;
    if !leaving.is_empty() {
        // Merges the index's segments, so deleted names are gone from the file
        // too (SQLCipher's secure delete zeroes the pages they leave).
        conn.execute(
            "INSERT INTO search_index (search_index) VALUES ('optimize')",
            [],
        )?;
    }
    Ok(leaving.len() as u32)
}

/// Writes a household from the server unless the device already has that
/// version or a newer one, as updated `now` by the device's clock. Returns
/// whether anything changed.
fn upsert_household(conn: &Connection, h: &HouseholdRecord, now: DateTime<Utc>) -> Result<bool> {
    let key = h.id.to_string();
    let existing: Option<(i64, i64)> = conn
        .query_row(
            "SELECT doc, version FROM households WHERE id = ?1",
            [&key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((_, version)) = existing {
        // Its past visits change without its version (another worker's
        // visit, a review): they are taken whatever the version.
        save_past_visits(conn, h)?;
        if version >= h.version {
            return Ok(false);
        }
    }
    // Local edits not yet on the server win until they are: the merged
    // household comes back in a later pull.
    let edits_pending: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE kind = 'operation'
                        AND state NOT IN ('done', 'set_aside')
                        AND json_extract(payload, '$.type') = 'edit_household'
                        AND json_extract(payload, '$.household_id') = ?1)",
        [&key],
        |r| r.get(0),
    )?;
    if edits_pending {
        return Ok(false);
    }
    let grid_known: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM grids WHERE id = ?1",
            [h.grid_id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    if grid_known.is_none() {
        return Err(StoreError::Invalid(
            "the server sent a household of a grid this device does not have".into(),
        ));
    }
    let doc = match existing {
        Some((doc, _)) => doc,
        None => conn.query_row(
            "SELECT coalesce(max(doc), 0) + 1 FROM households",
            [],
            |r| r.get(0),
        )?,
    };
    conn.execute(
        "INSERT INTO households (doc, id, code, grid_id, estate, building, unit, door, lat, lon,
                                 location_confirmed, residence_type, landlord_name, landlord_phone,
                                 notes, version, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
         ON CONFLICT(id) DO UPDATE SET code = ?3, grid_id = ?4, estate = ?5, building = ?6, unit = ?7,
             door = ?8, lat = ?9, lon = ?10, location_confirmed = ?11, residence_type = ?12,
             landlord_name = ?13, landlord_phone = ?14, notes = ?15, version = ?16, updated_at = ?17",
        params![
            doc,
            key,
            h.code,
            h.grid_id.to_string(),
            h.estate,
            h.building,
            h.unit,
            h.door,
            h.lat,
            h.lon,
            h.location_confirmed,
            h.residence_type,
            h.landlord_name,
            h.landlord_phone,
            h.notes,
            h.version,
            now.to_rfc3339(),
        ],
    )?;
    conn.execute("DELETE FROM residents WHERE household_id = ?1", [&key])?;
    for (position, r) in h.residents.iter().enumerate() {
        conn.execute(
            "INSERT INTO residents (id, household_id, name, id_number, phone, relation, position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                r.id.to_string(),
                key,
                r.name,
                r.id_number,
                r.phone,
                r.relation,
                position as i64
            ],
        )?;
        for tag in &r.tags {
            conn.execute(
                "INSERT INTO tag_definitions (code, name_zh, name_en, attributes, sensitive, builtin)
                 VALUES (?1, ?1, ?1, '[]', 0, 0) ON CONFLICT DO NOTHING",
                [&tag.code],
            )?;
            conn.execute(
                "INSERT INTO resident_tags (resident_id, code, start_date, end_date, attributes)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                params![
                    r.id.to_string(),
                    tag.code,
                    tag.start.to_string(),
                    tag.end.map(|d| d.to_string()),
                    to_json(&tag.attributes)
                ],
            )?;
        }
    }
    search::index_household(conn, doc)?;
    save_past_visits(conn, h)?;
    Ok(true)
}

/// Replaces the household's past visits with those the server listed.
fn save_past_visits(conn: &Connection, h: &HouseholdRecord) -> Result<()> {
    let key = h.id.to_string();
    conn.execute("DELETE FROM past_visits WHERE household_id = ?1", [&key])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO past_visits (household_id, visit_id, visit_group, template_id, date, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
    )?;
    for v in &h.past_visits {
        insert.execute(params![
            key,
            v.visit_id.to_string(),
            v.visit_group.to_string(),
            v.template_id,
            v.date.to_string(),
            v.status.as_str()
        ])?;
    }
    Ok(())
}
