//! A ledger whose residents or households are already stored: the report rows
//! that say so. Storage finds the matches inside the import transaction
//! ([`crate::storage::AlreadyRegistered`]); this names the sheet rows, by the
//! stored household's code, never by a whole ID number.

use super::ledger_rows::{Column, Ledger, RowProblem, mask_id, redact_digits};
use crate::storage::AlreadyRegistered;

/// The problem code of a row that is registered already.
pub const CODE: &str = "already_registered";

/// One problem per resident row whose ID number is stored, and one per
/// household (at its first row) whose grid and address are stored; by row.
pub fn problems(ledger: &Ledger, found: &AlreadyRegistered) -> Vec<RowProblem> {
    let mut out = Vec::new();
    for (i, (h, rows)) in ledger.households.iter().zip(&ledger.sheet_rows).enumerate() {
        if let (Some(code), Some(&first)) = (found.addresses.get(&i), rows.iter().min()) {
            let address: String = [&h.building, &h.unit, &h.door]
                .into_iter()
                .flatten()
                .fold(h.estate.clone(), |a, p| a + p);
            out.push(RowProblem {
                row: first,
                column: ledger.header(Column::Estate),
                code: CODE,
                zh: format!("同一网格、同一地址已有住户 {code}，请从台账中删去该户"),
                en: format!(
                    "Household {code} is already registered at this grid and address; remove this household from the ledger"
                ),
                value: redact_digits(&address),
            });
        }
        for (r, &row) in h.residents.iter().zip(rows) {
            let Some(code) = r.id_number.as_ref().and_then(|id| found.id_numbers.get(id)) else {
                continue;
            };
            out.push(RowProblem {
                row,
                column: ledger.header(Column::IdNumber),
                code: CODE,
                zh: format!("该身份证号已登记在住户 {code}，请从台账中删去此行"),
                en: format!(
                    "This ID number is already registered, in household {code}; remove this row from the ledger"
                ),
                value: r.id_number.as_deref().map(mask_id).unwrap_or_default(),
            });
        }
    }
    // Within a row, the address (an earlier column) before the ID number.
    out.sort_by_key(|p| (p.row, p.column == ledger.header(Column::IdNumber)));
    out
}
