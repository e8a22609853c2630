//! A worksheet as text: each cell read as the value a person typed, with the
//! absolute row numbers and column letters that messages point at.

use calamine::{Data, Range};

use super::language::{Header, parse_header};
use super::{XlsFormError, msg};
use crate::definition::LocalizedText;

/// `0` → `A`, `25` → `Z`, `26` → `AA`.
pub(super) fn column_letter(mut index: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(char::from(b'A' + (index % 26) as u8));
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    s.iter().rev().collect()
}

/// Empty rows in a row after which the rest of a sheet is not read: leftovers
/// far below the form, as pyxform (60) and so ODK read it.
pub(super) const MAX_EMPTY_ROWS: u32 = 60;

/// A sheet as text cells, with absolute row numbers and column names for errors.
pub(super) struct Sheet {
    pub name: &'static str,
    /// The headers as written (trimmed), for messages.
    pub raw_headers: Vec<String>,
    /// The headers read: base name and language.
    pub headers: Vec<Header>,
    /// 1-based Excel row number and cell texts of each data row that holds
    /// anything under a header.
    pub rows: Vec<(u32, Vec<String>)>,
    /// Columns without a header that hold values (notes beside the form, as
    /// pyxform ignores them), with the first row holding one.
    pub stray: Vec<(usize, u32)>,
    /// The first row with values after a run of [`MAX_EMPTY_ROWS`] empty rows,
    /// where reading stopped (as pyxform stops), when there is one.
    pub left_after_gap: Option<u32>,
    first_col: u32,
    pub header_row: u32,
}

impl Sheet {
    /// Reads `range`; a cell that cannot be read as text is an error at its cell.
    pub fn new(name: &'static str, range: &Range<Data>, errors: &mut Vec<XlsFormError>) -> Sheet {
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let mut rows_iter = range.rows().enumerate();
        let raw_headers: Vec<String> = rows_iter
            .next()
            .map(|(_, r)| r.iter().map(|c| cell_text(c).unwrap_or_default()).collect())
            .unwrap_or_default();
        let headers = raw_headers.iter().map(|h| parse_header(h)).collect();
        let mut sheet = Sheet {
            name,
            raw_headers,
            headers,
            rows: Vec::new(),
            stray: Vec::new(),
            left_after_gap: None,
            first_col: col0,
            header_row: row0 + 1,
        };
        let mut empty_run = 0;
        for (i, r) in rows_iter {
            let excel_row = row0 + i as u32 + 1;
            let empty = r.iter().all(|c| cell_text(c).is_ok_and(|t| t.is_empty()));
            if empty_run >= MAX_EMPTY_ROWS {
                if !empty {
                    sheet.left_after_gap = Some(excel_row);
                    break;
                }
                continue;
            }
            if empty {
                empty_run += 1;
                continue;
            }
            empty_run = 0;
            let mut cells = Vec::with_capacity(r.len());
            for (j, c) in r.iter().enumerate() {
                match cell_text(c) {
                    Ok(t) => cells.push(t),
                    Err(message) => {
                        errors.push(sheet.cell_error(excel_row, j, message));
                        cells.push(String::new());
                    }
                }
            }
            let headed = |j: usize| sheet.raw_headers.get(j).is_some_and(|h| !h.is_empty());
            for (j, c) in cells.iter().enumerate() {
                if !c.is_empty() && !headed(j) && !sheet.stray.iter().any(|(k, _)| *k == j) {
                    sheet.stray.push((j, excel_row));
                }
            }
            if cells
                .iter()
                .enumerate()
                .any(|(j, c)| !c.is_empty() && headed(j))
            {
                sheet.rows.push((excel_row, cells));
            }
        }
        sheet
    }

    /// `D (relevant)`: the column letter and its header as written.
    pub fn column_name(&self, j: usize) -> String {
        let letter = column_letter(self.first_col + j as u32);
        match self.raw_headers.get(j) {
            Some(h) if !h.is_empty() => format!("{letter} ({h})"),
            _ => letter,
        }
    }

    pub fn cell_error(&self, row: u32, j: usize, message: LocalizedText) -> XlsFormError {
        XlsFormError::Cell {
            sheet: self.name,
            row,
            column: self.column_name(j),
            message,
        }
    }

    /// A refusal at one cell for a feature a phone cannot have offline, named by `feature`.
    pub fn feature_error(
        &self,
        row: u32,
        j: usize,
        feature: impl Into<String>,
        message: LocalizedText,
    ) -> XlsFormError {
        XlsFormError::Feature {
            sheet: self.name,
            row,
            column: self.column_name(j),
            feature: feature.into(),
            message,
        }
    }

    /// The column whose header is `base` in no particular language.
    pub fn col(&self, base: &str) -> Option<usize> {
        self.headers
            .iter()
            .position(|h| h.base == base && h.lang.is_none())
    }

    /// The first data row with a value in column `j`.
    pub fn first_value_row(&self, j: usize) -> Option<u32> {
        self.rows
            .iter()
            .find(|(_, cells)| cells.get(j).is_some_and(|c| !c.is_empty()))
            .map(|(row, _)| *row)
    }

    /// The cell text of column `j` in `cells` (empty when the row is short).
    pub fn at<'c>(&self, cells: &'c [String], j: Option<usize>) -> &'c str {
        j.and_then(|j| cells.get(j)).map_or("", String::as_str)
    }

    /// The text of `base` in every language a row gives: explicit language
    /// columns first, then the plain column for `default_lang` when that
    /// language has no column of its own.
    pub fn localized(
        &self,
        cells: &[String],
        base: &str,
        default_lang: &str,
    ) -> Option<LocalizedText> {
        let mut text = LocalizedText::default();
        let mut plain = None;
        for (j, h) in self.headers.iter().enumerate() {
            if h.base != base {
                continue;
            }
            let Some(v) = cells.get(j).filter(|v| !v.is_empty()) else {
                continue;
            };
            match &h.lang {
                Some(lang) => set_text(&mut text, lang, v),
                None => plain = Some(v.clone()),
            }
        }
        if let Some(p) = plain
            && get_text(&text, default_lang).is_empty()
        {
            set_text(&mut text, default_lang, &p);
        }
        (!text.is_empty()).then_some(text)
    }
}

fn set_text(text: &mut LocalizedText, lang: &str, value: &str) {
    match lang {
        "zh" => text.zh = value.to_owned(),
        "en" => text.en = value.to_owned(),
        other => {
            text.other.insert(other.to_owned(), value.to_owned());
        }
    }
}

fn get_text<'t>(text: &'t LocalizedText, lang: &str) -> &'t str {
    match lang {
        "zh" => &text.zh,
        "en" => &text.en,
        other => text.other.get(other).map_or("", String::as_str),
    }
}

/// A cell as the text a person typed: whole numbers without `.0` or an
/// exponent (`2026120501`), dates as `YYYY-MM-DD`, date-times as
/// `YYYY-MM-DDTHH:MM:SS`, times as `HH:MM:SS`, booleans as `TRUE` / `FALSE`
/// (as pyxform reads them), no-break spaces as spaces. Only a spreadsheet error (`#DIV/0!`) is refused.
pub(super) fn cell_text(c: &Data) -> Result<String, LocalizedText> {
    Ok(match c {
        Data::Empty => String::new(),
        // Excel and WPS paste no-break spaces from web pages; pyxform reads them as spaces.
        Data::String(s) => s.replace('\u{a0}', " ").trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => crate::expr::eval::format_number(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_owned(),
        Data::DateTime(dt) if dt.is_duration() => {
            let secs = (dt.as_f64() * 86_400.0).round() as i64;
            format!(
                "{:02}:{:02}:{:02}",
                secs / 3600,
                (secs / 60) % 60,
                secs % 60
            )
        }
        Data::DateTime(dt) => {
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            let serial = dt.as_f64();
            if serial < 1.0 {
                format!("{h:02}:{mi:02}:{s:02}")
            } else if serial.fract() == 0.0 {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
            }
        }
        Data::Error(e) => {
            return Err(msg(
                format!("单元格中是表格公式错误（{e:?}）"),
                format!("the cell holds a spreadsheet error ({e:?})"),
            ));
        }
    })
}
