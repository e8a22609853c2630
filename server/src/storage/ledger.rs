//! Storing an imported household ledger (台账) without registering anyone
//! twice: the batch lookups both backends run inside the import transaction,
//! and the numbering of the new households.
//!
//! An import is refused when any of its residents has an ID number a stored
//! resident has, or any of its households has the grid and address of a
//! stored one ([`AlreadyRegistered`]). Both lookups are one query per batch:
//! SQLite takes the batch as a JSON array parameter (`json_each`), PostgreSQL
//! as array parameters (`unnest`), the one statement that differs written
//! side by side. Addresses compare with a missing part
//! (building, unit, door) equal to an empty one.
//!
//! [`import_households`] runs the lookups and [`number`] after taking the write lock
//! (SQLite's single writer; PostgreSQL's change counter row, which every
//! household write takes), so two concurrent imports cannot both pass the
//! check, nor both take the same household code.
//!
//! What an import teaches the console for the next one ([`LedgerMemory`]):
//! the field each column of a sheet's headers went to, by a fingerprint of
//! the headers, and the grid of each estate the admin mapped.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use doorstep_protocol::HouseholdRecord;
use uuid::Uuid;

use super::changes::take_turn;
use super::conn::{Conn, Dialect, List, ts};
use super::households::write_household;
use super::{AuditEntry, Result, StorageError, audit};

/// Stored records that a batch of new households would register again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlreadyRegistered {
    /// An ID number of the batch that a stored resident has → the code of
    /// that resident's household. Personal data: never log or show the key.
    pub id_numbers: HashMap<String, String>,
    /// The index (in the batch) of a household whose grid and address a
    /// stored household has → that household's code.
    pub addresses: HashMap<usize, String>,
}

impl AlreadyRegistered {
    /// Whether nothing matched.
    pub fn is_empty(&self) -> bool {
        self.id_numbers.is_empty() && self.addresses.is_empty()
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    /// Every household was stored; their codes, in batch order.
    Imported { codes: Vec<String> },
    /// Nothing was stored: these stored records match the batch.
    AlreadyRegistered(AlreadyRegistered),
}

/// A household's grid and address, with missing parts as empty text and
/// spaces taken out ("3 栋" and "3栋" are one building).
type AddressKey = (String, String, String, String, String);

fn address_key(h: &HouseholdRecord) -> AddressKey {
    let part = |p: &Option<String>| p.as_deref().map(without_spaces).unwrap_or_default();
    (
        h.grid_id.to_string(),
        without_spaces(&h.estate),
        part(&h.building),
        part(&h.unit),
        part(&h.door),
    )
}

/// `text` without ASCII and ideographic (全角) spaces, as `sql_without_spaces!`
/// makes a stored column.
fn without_spaces(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, ' ' | '\u{3000}'))
        .collect()
}

/// SQL (SQLite and PostgreSQL alike) for the text of `$column`, empty when
/// NULL, without ASCII and ideographic spaces.
macro_rules! sql_without_spaces {
    ($column:literal) => {
        concat!(
            "replace(replace(coalesce(",
            $column,
            ", ''), ' ', ''), '\u{3000}', '')"
        )
    };
}

/// Every resident ID number of the batch.
fn id_numbers(batch: &[HouseholdRecord]) -> Vec<String> {
    batch
        .iter()
        .flat_map(|h| &h.residents)
        .filter_map(|r| r.id_number.clone())
        .collect()
}

/// Stored household codes matched back to batch indices by address.
fn addresses_of(
    batch: &[HouseholdRecord],
    stored: impl IntoIterator<Item = (AddressKey, String)>,
) -> HashMap<usize, String> {
    let stored: HashMap<AddressKey, String> = stored.into_iter().collect();
    batch
        .iter()
        .enumerate()
        .filter_map(|(i, h)| stored.get(&address_key(h)).map(|code| (i, code.clone())))
        .collect()
}

/// Splits a household code into its prefix and trailing number
/// (`HP01-0007` → `("HP01-", 7, 4 digits)`); `None` without trailing digits.
fn split_code(code: &str) -> Option<(&str, u64, usize)> {
    let digits = code.len() - code.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    let (prefix, n) = code.split_at(code.len() - digits);
    Some((prefix, n.parse().ok()?, digits))
}

/// Gives each household of the batch the next free code of its grid, in the
/// format the grid's stored codes already have: the prefix most of them
/// share (`HP01-` beside a grid coded `HP-01`) and their number of digits,
/// after the highest number with that prefix; a grid without households
/// gets `{grid code}-{n:04}` (`taken`: grid id, grid code and, when it has
/// any, a stored household code). Promises: no code it gives is among
/// `taken` or given twice.
pub(super) fn number(
    batch: &mut [HouseholdRecord],
    taken: impl IntoIterator<Item = (Uuid, String, Option<String>)>,
) -> Result<Vec<String>> {
    let mut stored: HashMap<Uuid, (String, Vec<String>)> = HashMap::new();
    for (grid, grid_code, code) in taken {
        let entry = stored
            .entry(grid)
            .or_insert_with(|| (grid_code, Vec::new()));
        entry.1.extend(code);
    }
    // Per grid: the prefix, the width and the highest number taken.
    let mut next: HashMap<Uuid, (String, usize, u64)> = HashMap::new();
    for (grid, (grid_code, codes)) in &stored {
        let mut shapes: HashMap<(&str, usize), (usize, u64)> = HashMap::new();
        for (prefix, n, width) in codes.iter().filter_map(|c| split_code(c)) {
            let shape = shapes.entry((prefix, width)).or_insert((0, 0));
            shape.0 += 1;
            shape.1 = shape.1.max(n);
        }
        let format = shapes
            .iter()
            .max_by_key(|((prefix, _), (count, high))| (*count, *high, std::cmp::Reverse(*prefix)))
            .map(|((prefix, width), _)| ((*prefix).to_owned(), *width));
        let (prefix, width) = format.unwrap_or_else(|| (format!("{grid_code}-"), 4));
        // Above every number with that prefix, whatever its width.
        let high = codes
            .iter()
            .filter_map(|c| split_code(c))
            .filter(|(p, _, _)| *p == prefix)
            .map(|(_, n, _)| n)
            .max()
            .unwrap_or(0);
        next.insert(*grid, (prefix, width, high));
    }
    batch
        .iter_mut()
        .map(|h| {
            let (prefix, width, n) = next
                .get_mut(&h.grid_id)
                .ok_or_else(|| StorageError::Corrupt("an imported household's grid".into()))?;
            *n += 1;
            h.code = format!("{prefix}{n:0width$}", width = *width);
            Ok(h.code.clone())
        })
        .collect()
}

/// What the console keeps from an import for the next file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerMemory {
    /// A fingerprint of a sheet's headers → the fields its columns went to,
    /// as JSON (a list of field codes, `null` for a column not imported).
    pub mappings: Vec<(String, String)>,
    /// An estate as the ledger writes it, without spaces → its grid.
    pub estate_grids: Vec<(String, Uuid)>,
}

/// Upserts of what [`LedgerMemory`] holds.
const REMEMBER_MAPPING: &str = "INSERT INTO ledger_mappings (signature, mapping, updated_at)
     VALUES ($1, $2, $3)
     ON CONFLICT (signature) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at";
const REMEMBER_ESTATE: &str = "INSERT INTO estate_grids (estate, grid_id, updated_at)
     VALUES ($1, $2, $3)
     ON CONFLICT (estate) DO UPDATE SET grid_id = excluded.grid_id, updated_at = excluded.updated_at";

/// The mapping remembered for headers with this fingerprint.
pub(super) async fn mapping<C: Conn>(c: &mut C, signature: &str) -> Result<Option<String>> {
    c.query_opt(
        "SELECT mapping FROM ledger_mappings WHERE signature = $1",
        &[&signature],
    )
    .await?
    .map(|r| r.try_get(0))
    .transpose()
}

/// Every estate mapped to a grid.
pub(super) async fn estate_grids<C: Conn>(c: &mut C) -> Result<HashMap<String, Uuid>> {
    c.query("SELECT estate, grid_id FROM estate_grids", &[])
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.uuid(1)?)))
        .collect()
}

/// Keeps `memory` (learnt at `at`), replacing what was kept under the same keys.
pub(super) async fn remember<C: Conn>(
    c: &mut C,
    memory: &LedgerMemory,
    at: DateTime<Utc>,
) -> Result<()> {
    let at = ts(at);
    for (signature, mapping) in &memory.mappings {
        c.execute(REMEMBER_MAPPING, &[signature, mapping, &at])
            .await?;
    }
    for (estate, grid) in &memory.estate_grids {
        c.execute(REMEMBER_ESTATE, &[estate, &grid.to_string(), &at])
            .await?;
    }
    Ok(())
}

/// Writes a batch of new households and its audit line, unless any of them
/// is registered already; numbers them after their grid's highest code.
pub(super) async fn import_households<C: Conn>(
    c: &mut C,
    mut batch: Vec<HouseholdRecord>,
    audit: &AuditEntry,
) -> Result<ImportOutcome> {
    // Writers take turns from here (SQLite's single writer; PostgreSQL's
    // change counter row, which every household write takes): the check and
    // the numbering below see every earlier import, and no later one starts
    // writing before this one commits.
    take_turn(c).await?;
    let found = registered(c, &batch).await?;
    if !found.is_empty() {
        return Ok(ImportOutcome::AlreadyRegistered(found));
    }
    let taken = taken(c, &batch).await?;
    let codes = number(&mut batch, taken)?;
    for h in &batch {
        write_household(c, h).await?;
    }
    audit::insert(c, audit).await?;
    Ok(ImportOutcome::Imported { codes })
}

fn grid_ids(batch: &[HouseholdRecord]) -> Vec<String> {
    let mut ids: Vec<String> = batch.iter().map(|h| h.grid_id.to_string()).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The stored households matching these address keys: SQLite reads the keys
/// as one JSON array of arrays, PostgreSQL as five parallel arrays.
const ADDRESSES_SQLITE: &str = concat!(
    "SELECT a.value ->> '$[0]', a.value ->> '$[1]', a.value ->> '$[2]',
            a.value ->> '$[3]', a.value ->> '$[4]', h.code
     FROM json_each($1) a JOIN households h
       ON h.grid_id = a.value ->> '$[0]'
      AND ",
    sql_without_spaces!("h.estate"),
    " = a.value ->> '$[1]'
      AND ",
    sql_without_spaces!("h.building"),
    " = a.value ->> '$[2]'
      AND ",
    sql_without_spaces!("h.unit"),
    " = a.value ->> '$[3]'
      AND ",
    sql_without_spaces!("h.door"),
    " = a.value ->> '$[4]'"
);
const ADDRESSES_POSTGRES: &str = concat!(
    "SELECT a.grid_id, a.estate, a.building, a.unit, a.door, h.code
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
          AS a(grid_id, estate, building, unit, door)
     JOIN households h ON h.grid_id = a.grid_id
      AND ",
    sql_without_spaces!("h.estate"),
    " = a.estate
      AND ",
    sql_without_spaces!("h.building"),
    " = a.building
      AND ",
    sql_without_spaces!("h.unit"),
    " = a.unit
      AND ",
    sql_without_spaces!("h.door"),
    " = a.door"
);

/// The stored records that `batch` would register again.
async fn registered<C: Conn>(c: &mut C, batch: &[HouseholdRecord]) -> Result<AlreadyRegistered> {
    let sql = format!(
        "SELECT r.id_number, h.code FROM residents r JOIN households h ON h.id = r.household_id
         WHERE {}",
        c.dialect().in_list("r.id_number", 1)
    );
    let mut found = HashMap::new();
    for r in c.query(&sql, &[&List(id_numbers(batch))]).await? {
        found.insert(r.try_get(0)?, r.try_get(1)?);
    }
    let keys: Vec<AddressKey> = batch.iter().map(address_key).collect();
    let rows = match c.dialect() {
        Dialect::Sqlite => {
            let keys = serde_json::to_string(&keys)?;
            c.query(ADDRESSES_SQLITE, &[&keys]).await?
        }
        Dialect::Postgres => {
            let column =
                |f: fn(&AddressKey) -> &String| keys.iter().map(f).cloned().collect::<Vec<_>>();
            let columns = [
                List(column(|k| &k.0)),
                List(column(|k| &k.1)),
                List(column(|k| &k.2)),
                List(column(|k| &k.3)),
                List(column(|k| &k.4)),
            ];
            let [a, b, d, e, f] = &columns;
            c.query(ADDRESSES_POSTGRES, &[a, b, d, e, f]).await?
        }
    };
    let stored = rows
        .iter()
        .map(|r| {
            Ok((
                (
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                ),
                r.try_get(5)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(AlreadyRegistered {
        id_numbers: found,
        addresses: addresses_of(batch, stored),
    })
}

/// The grids of `batch` with their stored household codes, for [`number`].
async fn taken<C: Conn>(
    c: &mut C,
    batch: &[HouseholdRecord],
) -> Result<Vec<(Uuid, String, Option<String>)>> {
    let sql = format!(
        "SELECT g.id, g.code, h.code FROM grids g LEFT JOIN households h ON h.grid_id = g.id
         WHERE {}",
        c.dialect().in_list("g.id", 1)
    );
    c.query(&sql, &[&List(grid_ids(batch))])
        .await?
        .iter()
        .map(|r| Ok((r.uuid(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn household(grid: Uuid, door: Option<&str>) -> HouseholdRecord {
        HouseholdRecord {
            id: Uuid::new_v4(),
            code: String::new(),
            grid_id: grid,
            estate: "小区".into(),
            building: None,
            unit: None,
            door: door.map(str::to_owned),
            lat: None,
            lon: None,
            location_confirmed: false,
            residence_type: "registered".into(),
            landlord_name: None,
            landlord_phone: None,
            notes: String::new(),
            version: 1,
            residents: Vec::new(),
            due: Vec::new(),
            past_visits: Vec::new(),
        }
    }

    #[test]
    fn numbers_follow_the_highest_code_of_each_grid() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let mut batch = [household(a, None), household(b, None), household(a, None)];
        let taken = [
            (a, "G1".to_owned(), Some("G1-0007".to_owned())),
            (a, "G1".to_owned(), Some("G1-0002".to_owned())),
            // A shape fewer codes have does not count.
            (a, "G1".to_owned(), Some("OLD-99".to_owned())),
            (b, "G1-2".to_owned(), None),
        ];
        let codes = number(&mut batch, taken).expect("numbered");
        assert_eq!(codes, ["G1-0008", "G1-2-0001", "G1-0009"]);
        assert_eq!(batch[1].code, "G1-2-0001");
    }

    #[test]
    fn numbers_keep_the_format_the_grid_already_has() {
        let grid = Uuid::new_v4();
        let mut batch = [household(grid, None), household(grid, None)];
        let taken = [
            (grid, "HP-02".to_owned(), Some("HP02-0003".to_owned())),
            (grid, "HP-02".to_owned(), Some("HP02-0001".to_owned())),
        ];
        let codes = number(&mut batch, taken).expect("numbered");
        assert_eq!(codes, ["HP02-0004", "HP02-0005"], "not HP-02-0001");
    }

    #[test]
    fn a_missing_address_part_matches_an_empty_one() {
        let grid = Uuid::new_v4();
        let batch = [household(grid, Some("101")), household(grid, None)];
        let stored = [(address_key(&household(grid, None)), "G1-0001".to_owned())];
        assert_eq!(
            addresses_of(&batch, stored),
            HashMap::from([(1, "G1-0001".to_owned())])
        );
    }
}
