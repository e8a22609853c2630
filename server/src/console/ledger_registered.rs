//! A ledger whose residents or households are already stored: the report rows
//! that say so. Storage finds the matches inside the import transaction
//! ([`crate::storage::AlreadyRegistered`]); this names the sheet rows, by the
//! stored household's code, never by a whole ID number.

use super::ledger_rows::{Ledger, RowProblem, mask_id, redact_digits};
use crate::storage::AlreadyRegistered;

/// The problem code of a row that is registered already.
pub const CODE: &str = "already_registered";

/// One problem per resident row whose ID number is stored, and one per
/// household (at its first row) whose grid and address are stored; by sheet
/// and row, the address before the ID number within a row.
pub fn problems(ledger: &Ledger, found: &AlreadyRegistered) -> Vec<RowProblem> {
    let mut sheets: Vec<&str> = Vec::new();
    let mut out: Vec<(usize, u32, bool, RowProblem)> = Vec::new();
    for (i, (h, origin)) in ledger.households.iter().zip(&ledger.origins).enumerate() {
        let sheet = match sheets.iter().position(|s| *s == origin.sheet) {
            Some(p) => p,
            None => {
                sheets.push(&origin.sheet);
                sheets.len() - 1
            }
        };
        if let (Some(code), Some(&first)) = (found.addresses.get(&i), origin.rows.iter().min()) {
            let address: String = [&h.building, &h.unit, &h.door]
                .into_iter()
                .flatten()
                .fold(h.estate.clone(), |a, p| a + p);
            out.push((
                sheet,
                first,
                false,
                RowProblem {
                    sheet: origin.sheet.clone(),
                    row: first,
                    column: origin.address_header.clone(),
                    code: CODE,
                    zh: format!("同一网格、同一地址已有住户 {code}，请从台账中删去该户"),
                    en: format!(
                        "Household {code} is already registered at this grid and address; remove this household from the ledger"
                    ),
                    value: redact_digits(&address),
                },
            ));
        }
        for (r, &row) in h.residents.iter().zip(&origin.rows) {
            let Some(code) = r.id_number.as_ref().and_then(|id| found.id_numbers.get(id)) else {
                continue;
            };
            out.push((
                sheet,
                row,
                true,
                RowProblem {
                    sheet: origin.sheet.clone(),
                    row,
                    column: origin.id_header.clone(),
                    code: CODE,
                    zh: format!("该身份证号已登记在住户 {code}，请从台账中删去此行"),
                    en: format!(
                        "This ID number is already registered, in household {code}; remove this row from the ledger"
                    ),
                    value: r.id_number.as_deref().map(mask_id).unwrap_or_default(),
                },
            ));
        }
    }
    out.sort_by_key(|(sheet, row, is_id, _)| (*sheet, *row, *is_id));
    out.into_iter().map(|(.., p)| p).collect()
}
