//! Choice lists kept in their own file (`select_one_from_file villages.csv`):
//! long lists such as villages or housing estates, uploaded with the form. The
//! choices are read into the definition, so they reach the phone with the
//! template like any other list.
//!
//! A CSV file (UTF-8 with or without a byte-order mark, or GBK as Excel saves
//! it on Chinese Windows) or a workbook (`.xlsx`, `.xls`, first sheet) with a
//! header row: `name`, `label` (in any language syntax, see [`super::language`])
//! and any further columns, kept for `choice_filter`.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Reader, open_workbook_auto_from_rs};

use super::language::parse_header;
use super::msg;
use super::sheet::cell_text;
use crate::definition::{Choice, LocalizedText};

/// Finds an attached file by the name the form gives it; `None` when it was not attached.
pub type ChoiceFiles<'a> = dyn Fn(&str) -> Option<Vec<u8>> + 'a;

/// Why a choice file gives no choices, in Chinese and English.
pub(super) enum FileProblem {
    /// The phone cannot have it offline: not given with the form, or not a table.
    Offline(LocalizedText),
    /// Given, but not readable as a choice list.
    Unreadable(LocalizedText),
}

/// The choices of the file `name`, or why it cannot be read.
pub(super) fn read(
    name: &str,
    files: &ChoiceFiles<'_>,
    default_lang: &str,
) -> Result<Vec<Choice>, FileProblem> {
    let lower = name.to_lowercase();
    let is_table = lower.ends_with(".xlsx") || lower.ends_with(".xls");
    if !(lower.ends_with(".csv") || is_table) {
        return Err(FileProblem::Offline(msg(
            format!("选项文件 `{name}` 不是 CSV 或 Excel 文件：手机离线时无法读取这种文件"),
            format!(
                "the choice file `{name}` is not a CSV or Excel file: the phone cannot read it offline"
            ),
        )));
    }
    let plain = !name.is_empty() && !name.contains(['/', '\\']) && name != "." && name != "..";
    let Some(bytes) = files(name).filter(|_| plain) else {
        return Err(FileProblem::Offline(msg(
            format!("没有找到选项文件 `{name}`：请与表单一起上传（或把选项放进 choices 工作表）"),
            format!(
                "the choice file `{name}` is missing: upload it with the form (or put its choices on the choices sheet)"
            ),
        )));
    };
    let rows = if is_table {
        table_rows(&bytes)
    } else {
        csv_rows(&bytes)
    }
    .ok_or_else(|| {
        FileProblem::Unreadable(msg(
            format!("无法读取选项文件 `{name}`"),
            format!("the choice file `{name}` cannot be read"),
        ))
    })?;
    choices(name, rows, default_lang).map_err(FileProblem::Unreadable)
}

/// The rows of a CSV file as text, decoding GBK when the bytes are not UTF-8.
fn csv_rows(bytes: &[u8]) -> Option<Vec<Vec<String>>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}').to_owned(),
        Err(_) => {
            let (t, _, bad) = encoding_rs::GBK.decode(bytes);
            if bad {
                return None;
            }
            t.into_owned()
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| {
            r.ok()
                .map(|r| r.iter().map(|c| c.trim().to_owned()).collect())
        })
        .collect()
}

/// The rows of a workbook's first sheet as text.
fn table_rows(bytes: &[u8]) -> Option<Vec<Vec<String>>> {
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes)).ok()?;
    let first = wb.sheet_names().first()?.clone();
    let range = wb.worksheet_range(&first).ok()?;
    Some(
        range
            .rows()
            .map(|r| r.iter().map(|c| cell_text(c).unwrap_or_default()).collect())
            .collect(),
    )
}

fn choices(
    file: &str,
    rows: Vec<Vec<String>>,
    default_lang: &str,
) -> Result<Vec<Choice>, LocalizedText> {
    let mut rows = rows.into_iter();
    let raw_headers = rows.next().unwrap_or_default();
    let headers: Vec<_> = raw_headers.iter().map(|h| parse_header(h)).collect();
    let Some(name_col) = headers
        .iter()
        .position(|h| h.base == "name" && h.lang.is_none())
    else {
        return Err(msg(
            format!("选项文件 `{file}` 的第一行需要 `name` 列"),
            format!("the first row of the choice file `{file}` needs a `name` column"),
        ));
    };
    let mut out: Vec<Choice> = Vec::new();
    for (i, cells) in rows.enumerate() {
        let at = |j: usize| cells.get(j).map_or("", String::as_str);
        let name = at(name_col);
        if name.is_empty() {
            continue;
        }
        if out.iter().any(|c| c.name == name) {
            let row = i + 2;
            return Err(msg(
                format!("选项文件 `{file}` 第 {row} 行：选项 `{name}` 出现了两次"),
                format!("the choice file `{file}`, row {row}: choice `{name}` appears twice"),
            ));
        }
        let mut label = LocalizedText::default();
        let mut columns = BTreeMap::new();
        for (j, h) in headers.iter().enumerate() {
            let v = at(j);
            if j == name_col || v.is_empty() {
                continue;
            }
            if h.base == "label" {
                let lang = h.lang.as_deref().unwrap_or(default_lang);
                match lang {
                    "zh" => label.zh = v.to_owned(),
                    "en" => label.en = v.to_owned(),
                    other => {
                        label.other.insert(other.to_owned(), v.to_owned());
                    }
                }
            } else if let Some(raw) = raw_headers.get(j).filter(|h| !h.trim().is_empty()) {
                columns.insert(raw.trim().to_owned(), v.to_owned());
            }
        }
        if label.is_empty() {
            label.zh = name.to_owned();
        }
        out.push(Choice {
            name: name.to_owned(),
            label,
            columns,
        });
    }
    Ok(out)
}
