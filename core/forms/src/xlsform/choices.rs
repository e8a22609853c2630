//! The `choices` sheet: choice lists by name. Besides `list_name`, `name`
//! (or the older `value`) and the labels, any other column is kept on each
//! choice for `choice_filter` to read (e.g. `street` on a list of 社区);
//! picture and sound columns are left out with a warning.

use std::collections::{BTreeMap, HashMap};

use super::sheet::Sheet;
use super::{Warn, XlsFormError, media_left_out, msg};
use crate::definition::Choice;

/// Choice lists by name.
pub(super) type Lists = HashMap<String, Vec<Choice>>;

pub(super) fn read(
    sheet: &Sheet,
    lang: &str,
    errors: &mut Vec<XlsFormError>,
    warn: &mut Warn<'_>,
) -> Lists {
    if sheet.rows.is_empty() {
        // An empty choices sheet (a template's leftover) is no choices sheet.
        return Lists::new();
    }
    let list_col = sheet.col("list_name");
    let name_col = sheet.col("name").or_else(|| sheet.col("value"));
    let (Some(lc), Some(nc)) = (list_col, name_col) else {
        errors.push(sheet.cell_error(
            sheet.header_row,
            sheet.headers.len(),
            msg(
                "choices 工作表需要 list_name 和 name 两列",
                "the choices sheet needs list_name and name columns",
            ),
        ));
        return Lists::new();
    };
    // Extra columns a filter may read, by index and name.
    let mut extra = Vec::new();
    for (j, h) in sheet.headers.iter().enumerate() {
        if j == lc || j == nc || h.base == "label" {
            continue;
        }
        let raw = sheet.raw_headers.get(j).map_or("", |h| h.trim());
        if raw.is_empty() || sheet.first_value_row(j).is_none() {
            continue;
        }
        if h.base.starts_with("media::") {
            warn(sheet, None, Some(j), media_left_out());
        } else if h.base == "name" || h.base == "value" || h.base == "list_name" {
            // A second `name` column: the first one counts.
        } else {
            extra.push((j, raw.to_owned()));
        }
    }
    let mut lists = Lists::new();
    for (row, cells) in &sheet.rows {
        let list = sheet.at(cells, Some(lc));
        let name = sheet.at(cells, Some(nc));
        if list.is_empty() {
            errors.push(sheet.cell_error(
                *row,
                lc,
                msg(
                    "该选项没有 list_name（选项列表名）",
                    "the choice has no list_name",
                ),
            ));
            continue;
        }
        if name.is_empty() {
            errors.push(sheet.cell_error(
                *row,
                nc,
                msg("该选项没有 name（选项名）", "the choice has no name"),
            ));
            continue;
        }
        let columns: BTreeMap<String, String> = extra
            .iter()
            .filter_map(|(j, header)| {
                let v = sheet.at(cells, Some(*j));
                (!v.is_empty()).then(|| (header.clone(), v.to_owned()))
            })
            .collect();
        let entry = lists.entry(list.to_owned()).or_default();
        // One name twice is fine when the columns a choice_filter reads tell
        // them apart (King county of Washington and of Texas).
        if entry.iter().any(|c| c.name == name && c.columns == columns) {
            errors.push(sheet.cell_error(
                *row,
                nc,
                msg(
                    format!(
                        "选项 `{name}` 在选项列表 `{list}` 中出现了两次：答案保存的是选项名，同一列表里的选项名不能相同（例如改为 `{name}_2`）"
                    ),
                    format!(
                        "choice `{name}` appears twice in list `{list}`: the answer keeps the choice's name, so the names in a list must differ (e.g. `{name}_2`)"
                    ),
                ),
            ));
            continue;
        }
        let label = sheet.localized(cells, "label", lang).unwrap_or_default();
        entry.push(Choice {
            name: name.to_owned(),
            label,
            columns,
        });
    }
    lists
}
