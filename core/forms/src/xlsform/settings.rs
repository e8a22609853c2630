//! The `settings` sheet: form id, version, title, default language and our
//! `visit_kind`. Any other setting (`public_key`, `submission_url`, `style`,
//! `instance_name`, …) does not apply to a phone form and is left out with a warning.

use super::language::language_code;
use super::sheet::Sheet;
use super::{Warn, XlsFormError, msg};
use crate::definition::LocalizedText;

pub(super) struct Settings {
    pub form_id: String,
    pub version: u64,
    pub title: LocalizedText,
    /// The language code plain text columns are in (`zh` unless `default_language` says).
    pub language: String,
    pub visit_kind: String,
}

/// Settings that are read; every other one is left out with a warning.
const KNOWN: [&str; 6] = [
    "form_id",
    "id_string",
    "version",
    "form_title",
    "default_language",
    "visit_kind",
];

pub(super) fn read(
    sheet: Option<&Sheet>,
    fallback_id: Option<&str>,
    errors: &mut Vec<XlsFormError>,
    warn: &mut Warn<'_>,
) -> Settings {
    let mut s = Settings {
        form_id: String::new(),
        version: 1,
        title: LocalizedText::default(),
        language: "zh".to_owned(),
        visit_kind: "custom".to_owned(),
    };
    let fallback = fallback_id.map(str::trim).filter(|id| !id.is_empty());
    let Some(sheet) = sheet else {
        match fallback {
            Some(id) => s.form_id = id.to_owned(),
            None => errors.push(XlsFormError::MissingSheet("settings")),
        }
        return s;
    };
    for (j, h) in sheet.headers.iter().enumerate() {
        let Some(row) = sheet.first_value_row(j) else {
            continue;
        };
        let name = sheet.raw_headers.get(j).map_or("", |h| h.trim());
        if name.is_empty() {
            continue;
        }
        if !KNOWN.contains(&h.base.as_str()) {
            warn(
                sheet,
                Some(row),
                Some(j),
                msg(
                    format!("设置项 `{name}` 不适用于手机表单，未读取"),
                    format!("setting `{name}` does not apply to a phone form; left out"),
                ),
            );
        }
    }
    let Some((row, cells)) = sheet.rows.first() else {
        match fallback {
            Some(id) => s.form_id = id.to_owned(),
            None => errors.push(sheet.cell_error(
                sheet.header_row + 1,
                0,
                msg(
                    "settings 工作表没有填写设置值的行",
                    "the settings sheet has no values row",
                ),
            )),
        }
        return s;
    };
    let get = |h: &str| sheet.col(h).map(|j| (j, sheet.at(cells, Some(j))));
    if let Some((_, lang)) = get("default_language").filter(|(_, v)| !v.is_empty()) {
        s.language = language_code(lang);
    }
    match get("form_id").or_else(|| get("id_string")) {
        Some((_, id)) if !id.is_empty() => s.form_id = id.to_owned(),
        _ if fallback.is_some() => s.form_id = fallback.unwrap_or_default().to_owned(),
        Some((j, _)) => errors.push(sheet.cell_error(
            *row,
            j,
            msg("form_id（表单编号）为空", "form_id is empty"),
        )),
        None => errors.push(sheet.cell_error(
            sheet.header_row,
            sheet.headers.len(),
            msg(
                "settings 工作表没有 form_id（表单编号）列",
                "the settings sheet has no form_id column",
            ),
        )),
    }
    if let Some((j, v)) = get("version").filter(|(_, v)| !v.is_empty()) {
        match parse_version(v) {
            Some(n) => s.version = n,
            // ODK takes any text; `2024091201-3` is read as its digits.
            None if let Some(n) = version_digits(v) => {
                warn(
                    sheet,
                    Some(*row),
                    Some(j),
                    msg(
                        format!("版本号 `{v}` 按其中的数字读作 {n}（入户通的版本号是整数）"),
                        format!(
                            "version `{v}` is read as its digits, {n} (Doorstep numbers versions)"
                        ),
                    ),
                );
                s.version = n;
            }
            None => errors.push(sheet.cell_error(
                *row,
                j,
                msg(
                    format!("版本号 `{v}` 必须是大于 0 的整数（例如 2026112201）或日期"),
                    format!(
                        "version `{v}` must be a whole number above 0 (e.g. 2026112201) or a date"
                    ),
                ),
            )),
        }
    }
    if let Some(title) = sheet.localized(cells, "form_title", &s.language) {
        s.title = title;
    }
    if let Some((_, k)) = get("visit_kind").filter(|(_, v)| !v.is_empty()) {
        s.visit_kind = k.to_owned();
    }
    s
}

/// The digits of a version written with other characters between them
/// (`2024091201-3` → 20240912013, `v2.1` → 21), when there are some and it starts
/// with one or a `v`.
fn version_digits(v: &str) -> Option<u64> {
    let v = v.trim();
    let rest = v.strip_prefix(['v', 'V']).unwrap_or(v);
    if !rest.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    digits.parse::<u64>().ok().filter(|&n| n > 0)
}

/// A version as typed: a whole number above 0 (`2026120501`), or a date or
/// date-time, read as its digits (`2026-12-05` → `20261205`,
/// `2026-12-05T09:30:00` → `202612050930`), so later dates are later versions.
fn parse_version(v: &str) -> Option<u64> {
    if let Ok(n) = v.parse::<u64>() {
        return (n > 0).then_some(n);
    }
    let (date, time) = match v.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (v, None),
    };
    let d = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
    let mut digits = d.format("%Y%m%d").to_string();
    if let Some(t) = time {
        let t = chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M:%S")
            .or_else(|_| chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M"))
            .ok()?;
        digits.push_str(&t.format("%H%M").to_string());
    }
    digits.parse().ok()
}
