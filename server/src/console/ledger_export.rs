//! The households of the admin's grids as a roster workbook, laid out the way
//! the importer reads one (one row per resident, 与户主关系, the address in
//! one cell, categories with the 低保 class and amount): what was imported
//! comes back out with the same people, addresses and categories, and can be
//! edited and imported into another server. ID numbers and phones are masked
//! unless the admin asks for full values; every export is audited.

use axum::extract::{Query, State};
use axum::http::HeaderValue;
use axum::response::Response;
use doorstep_model::{Relation, builtin_tags};
use doorstep_protocol::HouseholdRecord;
use serde::Deserialize;

use super::ConsoleError;
use super::export::{XLSX, download};
use super::ledger_categories::{DIBAO_AMOUNT, DIBAO_CLASS, DIBAO_PERSONS};
use super::ledger_rows::{mask_id, mask_phone};
use super::session::ConsoleUser;
use crate::app::{AppState, RemoteAddr};

/// Households read per storage page.
const PAGE: usize = 500;

/// The export's columns, in order.
const HEADERS: [&str; 13] = [
    "网格",
    "家庭住址",
    "姓名",
    "与户主关系",
    "身份证号",
    "联系电话",
    "人员类别",
    "低保类别",
    "保障人数",
    "保障金额",
    "残疾类别/等级",
    "优抚类别",
    "备注",
];

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    /// `1` for whole ID numbers and phones (audited as such).
    #[serde(default)]
    full: Option<String>,
}

/// `GET /console/admin/ledger/export.xlsx`: every household of the admin's
/// grids, one row per resident, head first.
pub async fn xlsx(
    State(state): State<AppState>,
    user: ConsoleUser,
    RemoteAddr(remote_addr): RemoteAddr,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ConsoleError> {
    user.require_admin()?;
    let full = q.full.as_deref() == Some("1");
    let grids = state.storage.grid_tree().await?;
    let scope: Vec<_> = grids
        .iter()
        .filter(|g| user.caller.covers(g.id))
        .map(|g| g.id)
        .collect();
    let mut households: Vec<HouseholdRecord> = Vec::new();
    let mut after = 0;
    loop {
        let page = state
            .storage
            .pull(user.caller.user_id, &scope, after, PAGE)
            .await?;
        households.extend(page.households.into_iter().map(|h| h.record));
        after = page.last_seq;
        if !page.more {
            break;
        }
    }
    households.sort_by(|a, b| a.code.cmp(&b.code));
    state
        .storage
        .audit(&user.caller.audit_entry(
            "ledger.export",
            "households",
            serde_json::json!({ "households": households.len(), "full": full }),
            remote_addr,
        ))
        .await?;
    let tags = builtin_tags();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = wb.add_worksheet();
    sheet.set_name("住户台账")?;
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        sheet.set_column_width(c as u16, 14)?;
    }
    let mut row: u32 = 1;
    for h in &households {
        let grid = grids
            .iter()
            .find(|g| g.id == h.grid_id)
            .map_or(String::new(), |g| g.code.clone());
        let address: String = [&h.building, &h.unit, &h.door]
            .into_iter()
            .flatten()
            .fold(h.estate.clone(), |a, p| a + p);
        for (k, r) in h.residents.iter().enumerate() {
            let relation = Relation::ALL
                .into_iter()
                .find(|x| x.as_str() == r.relation)
                .map_or(r.relation.clone(), |x| x.label_zh().to_owned());
            let names: Vec<&str> = r
                .tags
                .iter()
                .map(|t| {
                    tags.iter()
                        .find(|d| d.code == t.code)
                        .map_or(t.code.as_str(), |d| d.name_zh.as_str())
                })
                .collect();
            let attr = |code: &str, key: &str| {
                r.tags
                    .iter()
                    .find(|t| t.code == code)
                    .and_then(|t| t.attributes.get(key))
                    .cloned()
                    .unwrap_or_default()
            };
            let disability = format!("{}{}", attr("disabled", "type"), attr("disabled", "level"));
            let id = r.id_number.as_deref().map_or(String::new(), |v| {
                if full { v.to_owned() } else { mask_id(v) }
            });
            let phone = r.phone.as_deref().map_or(String::new(), |v| {
                if full { v.to_owned() } else { mask_phone(v) }
            });
            let cells = [
                grid.clone(),
                address.clone(),
                r.name.clone(),
                relation,
                id,
                phone,
                names.join("、"),
                attr("dibao", DIBAO_CLASS),
                attr("dibao", DIBAO_PERSONS),
                attr("dibao", DIBAO_AMOUNT),
                disability,
                attr("military_care", "kind"),
                if k == 0 {
                    h.notes.clone()
                } else {
                    String::new()
                },
            ];
            for (c, v) in cells.iter().enumerate() {
                if !v.is_empty() {
                    sheet.write_string(row, c as u16, v)?;
                }
            }
            row += 1;
        }
    }
    let bytes = wb.save_to_buffer()?;
    Ok(download(
        bytes,
        XLSX,
        HeaderValue::from_static(
            "attachment; filename=\"households.xlsx\"; filename*=UTF-8''%E4%BD%8F%E6%88%B7%E5%8F%B0%E8%B4%A6.xlsx",
        ),
    ))
}
