//! Households and their residents: writing one whole (imports, seeding), a
//! device's field edits merged against the server's (see [`super::merge`]),
//! where households are, and a supervisor's decision on a proposed location.
//! Every change gives the household a new change number, so the devices of
//! its grid receive it on their next pull.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use doorstep_evidence::LatLon;
use doorstep_protocol::{FieldChange, HouseholdRecord, OperationOutcome, ResidentRecord};
use uuid::Uuid;

use super::changes::next_seq;
use super::conn::{Conn, List, Row, ts};
use super::{AuditEntry, HouseholdConflict, HouseholdPlace, Result, audit, merge, refused};

/// The columns [`household_from_row`] reads, in order.
pub(super) const HOUSEHOLD_COLUMNS: &str =
    "id, code, grid_id, estate, building, unit, door, lat, lon,
     location_confirmed, residence_type, landlord_name, landlord_phone, notes, version, seq";

/// A household (without residents) and its change number.
pub(super) fn household_from_row(r: &Row) -> Result<(HouseholdRecord, i64)> {
    Ok((
        HouseholdRecord {
            id: r.uuid(0)?,
            code: r.try_get(1)?,
            grid_id: r.uuid(2)?,
            estate: r.try_get(3)?,
            building: r.try_get(4)?,
            unit: r.try_get(5)?,
            door: r.try_get(6)?,
            lat: r.try_get(7)?,
            lon: r.try_get(8)?,
            location_confirmed: r.try_get(9)?,
            residence_type: r.try_get(10)?,
            landlord_name: r.try_get(11)?,
            landlord_phone: r.try_get(12)?,
            notes: r.try_get(13)?,
            version: r.try_get(14)?,
            residents: Vec::new(),
            due: Vec::new(),
            past_visits: Vec::new(),
        },
        r.try_get(15)?,
    ))
}

/// A household's residents, in their order.
pub(super) async fn residents_of<C: Conn>(
    c: &mut C,
    household: Uuid,
) -> Result<Vec<ResidentRecord>> {
    c.query(
        "SELECT id, name, id_number, phone, relation, tags FROM residents
         WHERE household_id = $1 ORDER BY position",
        &[&household.to_string()],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(ResidentRecord {
            id: r.uuid(0)?,
            name: r.try_get(1)?,
            id_number: r.try_get(2)?,
            phone: r.try_get(3)?,
            relation: r.try_get(4)?,
            tags: r.json(5)?,
        })
    })
    .collect()
}

/// Creates or replaces a household with its residents, under a new change number.
pub(super) async fn write_household<C: Conn>(c: &mut C, h: &HouseholdRecord) -> Result<()> {
    let seq = next_seq(c).await?;
    let hid = h.id.to_string();
    c.execute(
        "INSERT INTO households (id, code, grid_id, estate, building, unit, door, lat, lon,
            location_confirmed, residence_type, landlord_name, landlord_phone, notes, version, seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (id) DO UPDATE SET code = $2, grid_id = $3, estate = $4, building = $5,
            unit = $6, door = $7, lat = $8, lon = $9, location_confirmed = $10,
            residence_type = $11, landlord_name = $12, landlord_phone = $13, notes = $14,
            version = $15, seq = $16",
        &[
            &hid,
            &h.code,
            &h.grid_id.to_string(),
            &h.estate,
            &h.building,
            &h.unit,
            &h.door,
            &h.lat,
            &h.lon,
            &h.location_confirmed,
            &h.residence_type,
            &h.landlord_name,
            &h.landlord_phone,
            &h.notes,
            &h.version,
            &seq,
        ],
    )
    .await?;
    c.execute("DELETE FROM residents WHERE household_id = $1", &[&hid])
        .await?;
    for (i, r) in h.residents.iter().enumerate() {
        c.execute(
            "INSERT INTO residents (id, household_id, position, name, id_number, phone, relation, tags)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &r.id.to_string(),
                &hid,
                &i64::try_from(i).unwrap_or(i64::MAX),
                &r.name,
                &r.id_number,
                &r.phone,
                &r.relation,
                &serde_json::to_string(&r.tags)?,
            ],
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn household_places<C: Conn>(
    c: &mut C,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, HouseholdPlace>> {
    let sql = format!(
        "SELECT id, grid_id, version, lat, lon, location_confirmed FROM households WHERE {}",
        c.dialect().in_list("id", 1)
    );
    let mut out = HashMap::new();
    for r in c.query(&sql, &[&List::ids(ids)]).await? {
        let lat: Option<f64> = r.try_get(3)?;
        let lon: Option<f64> = r.try_get(4)?;
        let confirmed: bool = r.try_get(5)?;
        out.insert(
            r.uuid(0)?,
            HouseholdPlace {
                grid_id: r.uuid(1)?,
                version: r.try_get(2)?,
                location: lat
                    .zip(lon)
                    .map(|(lat, lon)| (LatLon { lat, lon }, confirmed)),
            },
        );
    }
    Ok(out)
}

pub(super) async fn household<C: Conn>(c: &mut C, id: Uuid) -> Result<Option<HouseholdRecord>> {
    let sql = format!("SELECT {HOUSEHOLD_COLUMNS} FROM households WHERE id = $1");
    let Some(row) = c.query_opt(&sql, &[&id.to_string()]).await? else {
        return Ok(None);
    };
    let (mut h, _) = household_from_row(&row)?;
    h.residents = residents_of(c, id).await?;
    Ok(Some(h))
}

pub(super) async fn household_conflicts<C: Conn>(
    c: &mut C,
    id: Uuid,
) -> Result<Vec<HouseholdConflict>> {
    c.query(
        "SELECT household_id, field, base_version, server_version, server_value,
            device_value, user_id, op_id
         FROM household_conflicts WHERE household_id = $1 ORDER BY id",
        &[&id.to_string()],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(HouseholdConflict {
            household_id: r.uuid(0)?,
            field: r.try_get(1)?,
            base_version: r.try_get(2)?,
            server_version: r.try_get(3)?,
            server_value: r.try_get(4)?,
            device_value: r.try_get(5)?,
            user_id: r.uuid(6)?,
            op_id: r.uuid(7)?,
        })
    })
    .collect()
}

/// A device's edit of household fields, merged field by field against what
/// changed on the server since `base_version`; conflicts are kept for the
/// supervisor at `now`.
pub(super) async fn apply_edit<C: Conn>(
    c: &mut C,
    user_id: Uuid,
    op_id: Uuid,
    household_id: Uuid,
    base_version: i64,
    changes: &[FieldChange],
    now: DateTime<Utc>,
) -> Result<OperationOutcome> {
    let hid = household_id.to_string();
    let sql = format!(
        "SELECT {HOUSEHOLD_COLUMNS} FROM households WHERE id = $1{}",
        c.dialect().for_update()
    );
    let Some(row) = c.query_opt(&sql, &[&hid]).await? else {
        return Ok(refused(
            "unknown_household",
            "服务器上没有该住户",
            "The server has no such household",
        ));
    };
    let (current, _) = household_from_row(&row)?;
    let mut changed_at: HashMap<String, i64> = HashMap::new();
    for r in c
        .query(
            "SELECT field, version FROM household_fields WHERE household_id = $1",
            &[&hid],
        )
        .await?
    {
        changed_at.insert(r.try_get(0)?, r.try_get(1)?);
    }
    let plan = match merge::plan(&current, base_version, changes, |f| {
        changed_at.get(f).copied().unwrap_or(0)
    }) {
        Ok(plan) => plan,
        Err(e) => return Ok(e.refusal()),
    };
    let now = ts(now);
    for conflict in &plan.conflicts {
        c.execute(
            "INSERT INTO household_conflicts (household_id, field, base_version, server_version,
                server_value, device_value, user_id, op_id, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &hid,
                &conflict.field,
                &base_version,
                &conflict.server_version,
                &conflict.server_value,
                &conflict.device_value,
                &user_id.to_string(),
                &op_id.to_string(),
                &now,
            ],
        )
        .await?;
    }
    let mut new_version = current.version;
    if !plan.apply.is_empty() || !plan.conflicts.is_empty() {
        // A conflict too sends the household again, so the device learns the kept value.
        let seq = next_seq(c).await?;
        if !plan.apply.is_empty() {
            new_version += 1;
        }
        c.execute(
            "UPDATE households SET version = $1, seq = $2 WHERE id = $3",
            &[&new_version, &seq, &hid],
        )
        .await?;
        for (field, value) in &plan.apply {
            // `field` is one of EDITABLE_FIELDS, so it is a column name.
            c.execute(
                &format!("UPDATE households SET {field} = $1 WHERE id = $2"),
                &[value, &hid],
            )
            .await?;
            c.execute(
                "INSERT INTO household_fields (household_id, field, version) VALUES ($1, $2, $3)
                 ON CONFLICT (household_id, field) DO UPDATE SET version = excluded.version",
                &[&hid, field, &new_version],
            )
            .await?;
        }
    }
    Ok(OperationOutcome::Merged {
        new_version,
        conflicts: plan.conflicts.iter().map(|c| c.field.to_owned()).collect(),
    })
}

/// Settles a household's pending proposed location; false when there is none.
pub(super) async fn settle_location<C: Conn>(
    c: &mut C,
    household_id: Uuid,
    proposed: LatLon,
    accept: bool,
    audit: &AuditEntry,
) -> Result<bool> {
    let id = household_id.to_string();
    let sql = format!(
        "SELECT 1 FROM households
         WHERE id = $1 AND lat = $2 AND lon = $3 AND NOT location_confirmed{}",
        c.dialect().for_update()
    );
    let pending = c
        .query_opt(&sql, &[&id, &proposed.lat, &proposed.lon])
        .await?;
    if pending.is_none() {
        return Ok(false);
    }
    let seq = next_seq(c).await?;
    let sql = if accept {
        "UPDATE households SET location_confirmed = TRUE, version = version + 1, seq = $1
         WHERE id = $2"
    } else {
        "UPDATE households SET lat = NULL, lon = NULL, version = version + 1, seq = $1
         WHERE id = $2"
    };
    c.execute(sql, &[&seq, &id]).await?;
    audit::insert(c, audit).await?;
    Ok(true)
}
