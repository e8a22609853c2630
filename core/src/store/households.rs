//! Grids, households and residents in the device store.
//!
//! Input arrives as [`NewHousehold`] (from a worker's screen, a ledger import or
//! a sync pull) and is validated before anything is written; a household and its
//! residents, tags and search terms are written in one transaction.

use super::Store;
use super::error::{Result, StoreError};
use crate::search;
use crate::sync::protocol::PastVisit;
use chrono::NaiveDate;
use doorstep_model::{
    Address, DeviceInstant, IdNumber, Phone, Relation, ResidenceType, ResidentTag, Tenure,
    VisitStatus,
};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A grid as the device knows it: the protocol's record, stored as received.
pub use doorstep_protocol::GridInfo;

/// A household to be added, as typed or imported. Identity numbers and phones
/// are still raw text here; [`Store::add_household`] validates them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewHousehold {
    /// Set when the household came from elsewhere (an import, the server);
    /// generated otherwise.
    #[serde(default)]
    pub id: Option<Uuid>,
    /// The grid's code; may be omitted when the device has exactly one grid.
    #[serde(default)]
    pub grid: Option<String>,
    pub address: Address,
    #[serde(default)]
    pub residence_type: Option<ResidenceType>,
    #[serde(default)]
    pub landlord: Option<String>,
    #[serde(default)]
    pub landlord_phone: Option<String>,
    #[serde(default)]
    pub notes: String,
    pub residents: Vec<NewResident>,
}

/// A resident to be added with a household.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewResident {
    pub name: String,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    pub relation: Relation,
    #[serde(default)]
    pub tags: Vec<ResidentTag>,
}

/// One line of a household list: what a worker sees before opening it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdSummary {
    pub id: Uuid,
    pub code: String,
    /// The head of household's name.
    pub head: String,
    /// The address on one line.
    pub address: String,
}

/// A resident as a screen shows them: ID number and phone masked unless the
/// caller asked for full values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentView {
    pub id: Uuid,
    pub name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub relation: Relation,
    pub birth_date: Option<NaiveDate>,
    pub tags: Vec<ResidentTag>,
}

/// Whether personal numbers are shown whole or masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disclosure {
    Masked,
    Full,
}

/// A household with its residents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdDetail {
    pub summary: HouseholdSummary,
    pub grid_id: Uuid,
    pub address: Address,
    pub residence_type: ResidenceType,
    pub tenure: Tenure,
    pub notes: String,
    pub version: i64,
    pub residents: Vec<ResidentView>,
}

const MAX_NAME_CHARS: usize = 50;
const MAX_TEXT_CHARS: usize = 200;

impl Store {
    /// Records a grid the device works in (replacing one with the same id).
    pub fn upsert_grid(&self, grid: &GridInfo) -> Result<()> {
        self.write(|tx| super::session::upsert_grid(tx, grid))
    }

    /// The grids the device works in, by code.
    pub fn grids(&self) -> Result<Vec<GridInfo>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, code, name, community, subdistrict FROM grids ORDER BY code",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(GridInfo {
                    id: parse_uuid(r.get::<_, String>(0)?)?,
                    code: r.get(1)?,
                    name: r.get(2)?,
                    community: r.get(3)?,
                    subdistrict: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Validates and adds one household with its residents; returns its id.
    pub fn add_household(&self, household: NewHousehold) -> Result<Uuid> {
        let mut ids = self.add_households(vec![household])?;
        Ok(ids.remove(0))
    }

    /// Validates and adds a batch of households in **one** transaction: either
    /// all of them are written, or (on any error, or if the process dies) none.
    /// Errors name the household by its position in the batch, never by its data.
    /// ID numbers are judged by today on the device's clock, in its time zone.
    pub fn add_households(&self, batch: Vec<NewHousehold>) -> Result<Vec<Uuid>> {
        let now = self.now();
        let pause = crate::test_hook::Pause::named("import");
        self.write(|tx| {
            let mut ids = Vec::with_capacity(batch.len());
            for (index, household) in batch.into_iter().enumerate() {
                let id = insert_household(tx, household, now)
                    .map_err(|e| prefix_invalid(e, &format!("household {}", index + 1)))?;
                ids.push(id);
                // Crash tests stop here, inside the open transaction (off by default).
                pause.reached(ids.len() as u64);
            }
            Ok(ids)
        })
    }

    /// Every household, ordered by code.
    pub fn list_households(&self) -> Result<Vec<HouseholdSummary>> {
        self.read(|conn| summaries(conn, "FROM households h ORDER BY h.code", []))
    }

    /// One household with its residents, or `NotFound`.
    pub fn household(&self, id: Uuid, disclosure: Disclosure) -> Result<HouseholdDetail> {
        let today = self.today();
        self.read(|conn| load_detail(conn, id, disclosure, today))
    }

    /// The household's past visits as the server last listed them, newest first.
    pub fn past_visits(&self, household: Uuid) -> Result<Vec<PastVisit>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT visit_id, visit_group, template_id, date, status FROM past_visits
                 WHERE household_id = ?1 ORDER BY date DESC, visit_id DESC",
            )?;
            let rows = stmt.query_map([household.to_string()], |r| {
                Ok((
                    parse_uuid(r.get(0)?)?,
                    parse_uuid(r.get(1)?)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (visit_id, visit_group, template_id, date, status) = row?;
                out.push(PastVisit {
                    visit_id,
                    visit_group,
                    template_id,
                    date: date
                        .parse()
                        .map_err(|_| StoreError::Invalid("a stored date does not parse".into()))?,
                    status: VisitStatus::from_str_opt(&status)
                        .ok_or_else(|| StoreError::Invalid("unknown visit status".into()))?,
                });
            }
            Ok(out)
        })
    }
}

/// Summaries of households; `from` is the query's `FROM … WHERE … ORDER BY`
/// tail, naming the households table `h`.
pub(crate) fn summaries<P: rusqlite::Params>(
    conn: &Connection,
    from: &str,
    params: P,
) -> Result<Vec<HouseholdSummary>> {
    let sql = format!(
        "SELECT h.id, h.code, coalesce((SELECT name FROM residents r WHERE r.household_id = h.id
                 ORDER BY r.relation != 'head', r.position LIMIT 1), ''),
                h.estate, h.building, h.unit, h.door
         {from}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params, |r| {
        let address = Address {
            estate: r.get(3)?,
            building: r.get(4)?,
            unit: r.get(5)?,
            door: r.get(6)?,
        };
        Ok(HouseholdSummary {
            id: parse_uuid(r.get::<_, String>(0)?)?,
            code: r.get(1)?,
            head: r.get(2)?,
            address: address.one_line(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Inserts one household, added at `now` by the device's clock.
fn insert_household(conn: &Connection, h: NewHousehold, now: DeviceInstant) -> Result<Uuid> {
    let today = crate::clock::local_date(now);
    let address = Address {
        estate: required_text(&h.address.estate, "address", MAX_TEXT_CHARS)?,
        building: optional_text(h.address.building.as_deref(), "building")?,
        unit: optional_text(h.address.unit.as_deref(), "unit")?,
        door: optional_text(h.address.door.as_deref(), "door")?,
    };
    if h.residents.is_empty() {
        return Err(StoreError::Invalid(
            "a household needs at least its head".into(),
        ));
    }
    let heads = h
        .residents
        .iter()
        .filter(|r| r.relation == Relation::Head)
        .count();
    if heads != 1 {
        return Err(StoreError::Invalid(format!(
            "a household has exactly one head, found {heads}"
        )));
    }
    let landlord_phone = match h
        .landlord_phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => Some(Phone::parse(p).map_err(|e| invalid("landlord phone", e.code()))?),
        None => None,
    };
    let landlord = optional_text(h.landlord.as_deref(), "landlord")?;
    if landlord_phone.is_some() && landlord.is_none() {
        return Err(StoreError::Invalid(
            "a landlord phone needs the landlord's name".into(),
        ));
    }
    let grid = resolve_grid(conn, h.grid.as_deref())?;
    let id = h.id.unwrap_or_else(Uuid::new_v4);
    let exists: bool = conn
        .query_row(
            "SELECT 1 FROM households WHERE id = ?1",
            [id.to_string()],
            |_| Ok(true),
        )
        .optional()?
        .is_some();
    if exists {
        return Err(StoreError::Invalid(
            "a household with this id already exists".into(),
        ));
    }
    // `doc` numbers households on this device; the code shown on ledgers uses it
    // until the server assigns one (reading max(doc) is a single index probe).
    let doc: i64 = conn.query_row(
        "SELECT coalesce(max(doc), 0) + 1 FROM households",
        [],
        |r| r.get(0),
    )?;
    let code = format!("{}-{:04}", grid.1, doc);
    let residence = h.residence_type.unwrap_or(ResidenceType::Registered);
    conn.execute(
        "INSERT INTO households (doc, id, code, grid_id, estate, building, unit, door, residence_type,
                                 landlord_name, landlord_phone, notes, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            doc,
            id.to_string(),
            code,
            grid.0,
            address.estate,
            address.building,
            address.unit,
            address.door,
            residence.as_str(),
            landlord,
            landlord_phone.as_ref().map(Phone::as_str),
            h.notes.trim(),
            now.utc.to_rfc3339(),
        ],
    )?;
    for (position, resident) in h.residents.into_iter().enumerate() {
        insert_resident(conn, id, position, resident, today)
            .map_err(|e| prefix_invalid(e, &format!("resident {}", position + 1)))?;
    }
    search::index_household(conn, doc)?;
    Ok(id)
}

fn insert_resident(
    conn: &Connection,
    household: Uuid,
    position: usize,
    r: NewResident,
    today: NaiveDate,
) -> Result<()> {
    let name = required_text(&r.name, "name", MAX_NAME_CHARS)?;
    let id_number = match r
        .id_number
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => Some(IdNumber::parse_on(s, today).map_err(|e| invalid("id number", e.code()))?),
        None => None,
    };
    let phone = match r.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(Phone::parse(s).map_err(|e| invalid("phone", e.code()))?),
        None => None,
    };
    let resident_id = Uuid::new_v4();
    conn.execute(
        "INSERT INTO residents (id, household_id, name, id_number, phone, relation, position)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            resident_id.to_string(),
            household.to_string(),
            name,
            id_number.as_ref().map(IdNumber::as_str),
            phone.as_ref().map(Phone::as_str),
            r.relation.as_str(),
            position as i64,
        ],
    )?;
    for tag in r.tags {
        if tag.end.is_some_and(|end| end < tag.start) {
            return Err(StoreError::Invalid("a tag ends before it starts".into()));
        }
        let known: bool = conn
            .query_row(
                "SELECT 1 FROM tag_definitions WHERE code = ?1",
                [&tag.code],
                |_| Ok(true),
            )
            .optional()?
            .is_some();
        if !known {
            return Err(StoreError::Invalid(format!(
                "unknown tag code {:?}",
                tag.code
            )));
        }
        conn.execute(
            "INSERT INTO resident_tags (resident_id, code, start_date, end_date, attributes)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                resident_id.to_string(),
                tag.code,
                tag.start.to_string(),
                tag.end.map(|d| d.to_string()),
                serde_json::to_string(&tag.attributes).expect("a map of strings"),
            ],
        )?;
    }
    Ok(())
}

/// The grid (id, code) a new household goes into.
fn resolve_grid(conn: &Connection, code: Option<&str>) -> Result<(String, String)> {
    let grids: Vec<(String, String)> = {
        let mut stmt = conn.prepare_cached("SELECT id, code FROM grids ORDER BY code")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?
    };
    match code {
        Some(code) => grids
            .into_iter()
            .find(|(_, c)| c == code)
            .ok_or_else(|| StoreError::Invalid(format!("this device has no grid {code:?}"))),
        None if grids.len() == 1 => Ok(grids.into_iter().next().expect("one grid")),
        None if grids.is_empty() => Err(StoreError::Invalid("this device has no grid yet".into())),
        None => Err(StoreError::Invalid(
            "this device has several grids: name one".into(),
        )),
    }
}

/// One household with its residents; stored ID numbers are read as of `today`.
fn load_detail(
    conn: &Connection,
    id: Uuid,
    disclosure: Disclosure,
    today: NaiveDate,
) -> Result<HouseholdDetail> {
    let summary = summaries(conn, "FROM households h WHERE h.id = ?1", [id.to_string()])?
        .pop()
        .ok_or(StoreError::NotFound("household"))?;
    let row = conn.query_row(
        "SELECT grid_id, estate, building, unit, door, residence_type, landlord_name, landlord_phone,
                notes, version
         FROM households WHERE id = ?1",
        [id.to_string()],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                Address { estate: r.get(1)?, building: r.get(2)?, unit: r.get(3)?, door: r.get(4)? },
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, i64>(9)?,
            ))
        },
    )?;
    let (grid_id, address, residence, landlord, landlord_phone, notes, version) = row;
    let tenure = match landlord {
        Some(landlord_name) => Tenure::Rental {
            landlord_name,
            landlord_phone: landlord_phone.and_then(|p| Phone::parse(&p).ok()),
        },
        None => Tenure::OwnerOccupied,
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, id_number, phone, relation FROM residents WHERE household_id = ?1
         ORDER BY position",
    )?;
    let residents = stmt
        .query_map([id.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut views = Vec::with_capacity(residents.len());
    for (rid, name, id_number, phone, relation) in residents {
        let id_number = id_number.and_then(|s| IdNumber::parse_on(&s, today).ok());
        let phone = phone.and_then(|s| Phone::parse(&s).ok());
        views.push(ResidentView {
            id: parse_uuid(rid.clone()).map_err(StoreError::from)?,
            name,
            birth_date: id_number.as_ref().map(IdNumber::birth_date),
            id_number: id_number.map(|n| match disclosure {
                Disclosure::Masked => n.masked(),
                Disclosure::Full => n.as_str().to_owned(),
            }),
            phone: phone.map(|p| match disclosure {
                Disclosure::Masked => p.masked(),
                Disclosure::Full => p.as_str().to_owned(),
            }),
            relation: Relation::from_str_opt(&relation).unwrap_or(Relation::Other),
            tags: load_tags(conn, &rid)?,
        });
    }
    Ok(HouseholdDetail {
        summary,
        grid_id: parse_uuid(grid_id).map_err(StoreError::from)?,
        address,
        residence_type: ResidenceType::from_str_opt(&residence)
            .unwrap_or(ResidenceType::Registered),
        tenure,
        notes,
        version,
        residents: views,
    })
}

fn load_tags(conn: &Connection, resident_id: &str) -> Result<Vec<ResidentTag>> {
    let mut stmt = conn.prepare_cached(
        "SELECT code, start_date, end_date, attributes FROM resident_tags WHERE resident_id = ?1
         ORDER BY start_date, code",
    )?;
    let rows = stmt.query_map([resident_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut tags = Vec::new();
    for row in rows {
        let (code, start, end, attributes) = row?;
        let date = |s: &str| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| StoreError::Invalid("a stored tag date is malformed".into()))
        };
        tags.push(ResidentTag {
            code,
            start: date(&start)?,
            end: end.as_deref().map(date).transpose()?,
            attributes: serde_json::from_str::<BTreeMap<String, String>>(&attributes)
                .unwrap_or_default(),
        });
    }
    Ok(tags)
}

pub(crate) fn parse_uuid(s: String) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(&s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn required_text(value: &str, what: &str, max_chars: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(StoreError::Invalid(format!("{what} is required")));
    }
    if value.chars().count() > max_chars {
        return Err(StoreError::Invalid(format!(
            "{what} is longer than {max_chars} characters"
        )));
    }
    Ok(value.to_owned())
}

fn optional_text(value: Option<&str>, what: &str) -> Result<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => required_text(v, what, MAX_TEXT_CHARS).map(Some),
        None => Ok(None),
    }
}

fn invalid(what: &str, code: &str) -> StoreError {
    StoreError::Invalid(format!("{what}: {code}"))
}

fn prefix_invalid(err: StoreError, prefix: &str) -> StoreError {
    match err {
        StoreError::Invalid(msg) => StoreError::Invalid(format!("{prefix}: {msg}")),
        other => other,
    }
}

impl Store {
    /// Edits household fields on the device and queues the edit for the
    /// server, in one transaction. The edit is made against the version the
    /// device has; the server merges it field by field (a field also changed
    /// on the server keeps the server's value, and the conflict is recorded for
    /// the supervisor). Until it is uploaded, pulls do not overwrite the household.
    pub fn edit_household(
        &self,
        id: Uuid,
        changes: &[crate::sync::protocol::FieldChange],
    ) -> Result<()> {
        use crate::sync::protocol::{EDITABLE_HOUSEHOLD_FIELDS, Operation, OperationBody};
        if changes.is_empty() {
            return Err(StoreError::Invalid("no field to change".into()));
        }
        for change in changes {
            if !EDITABLE_HOUSEHOLD_FIELDS.contains(&change.field.as_str()) {
                return Err(StoreError::Invalid(format!(
                    "field {:?} cannot be edited",
                    change.field
                )));
            }
            let value = change.value.as_deref().map(str::trim).unwrap_or("");
            match change.field.as_str() {
                "estate" if value.is_empty() => {
                    return Err(StoreError::Invalid("address is required".into()));
                }
                "residence_type" if ResidenceType::from_str_opt(value).is_none() => {
                    return Err(StoreError::Invalid(
                        "residence type is registered, resident or migrant".into(),
                    ));
                }
                "landlord_phone" if !value.is_empty() => {
                    Phone::parse(value).map_err(|e| invalid("landlord phone", e.code()))?;
                }
                _ => {}
            }
            if value.chars().count() > MAX_TEXT_CHARS {
                return Err(StoreError::Invalid(format!(
                    "{} is longer than {MAX_TEXT_CHARS} characters",
                    change.field
                )));
            }
        }
        let now = self.now().utc;
        self.write(|tx| {
            let (doc, version): (i64, i64) = tx
                .query_row(
                    "SELECT doc, version FROM households WHERE id = ?1",
                    [id.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .ok_or(StoreError::NotFound("household"))?;
            for change in changes {
                // The field names are the column names, checked against the list above.
                let sql = format!(
                    "UPDATE households SET {} = ?2, updated_at = ?3 WHERE doc = ?1",
                    change.field
                );
                let value = match (&change.value, change.field.as_str()) {
                    (None, "notes") => Some(String::new()),
                    (v, _) => v.as_deref().map(str::trim).map(str::to_owned),
                };
                tx.execute(&sql, params![doc, value, now.to_rfc3339()])?;
            }
            search::index_household(tx, doc)?;
            let op = Operation {
                op_id: Uuid::new_v4(),
                body: OperationBody::EditHousehold {
                    household_id: id,
                    base_version: version,
                    changes: changes.to_vec(),
                },
            };
            super::outbox::enqueue_operation(tx, &op, None, now)
        })
    }
}
