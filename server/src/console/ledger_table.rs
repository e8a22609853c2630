//! Finding the table on a ledger sheet laid out the way offices lay them out:
//! a merged title row (`和平社区城市低保户花名册（2026年12月）`), a `填报单位 /
//! 填报日期` row, then the header — sometimes two levels of it, a merged
//! `户主信息` over `姓名 / 身份证号` — then the data, then a `合计` or
//! `制表人` row and signatures below it.
//!
//! The header is the row (among the first [`HEADER_SEARCH_ROWS`]) with the
//! most cells [`super::ledger_columns::recognize`] knows, at least two. The row
//! under it is a second level when it has known headers only where the upper
//! row is blank or a group name the table does not know. Data stops at the
//! first row that begins with one of [`STOP_WORDS`]; blank rows are skipped.

use calamine::{Data, Range};

use super::ledger_columns::{normal_header, recognize};

/// How far down a sheet its header row is looked for.
const HEADER_SEARCH_ROWS: usize = 30;

/// What the first filled cell of a row below the data begins with.
const STOP_WORDS: &[&str] = &[
    "合计",
    "总计",
    "制表",
    "填表",
    "审核",
    "负责人",
    "经办人",
    "单位负责人",
];

/// What the first filled cell of a subtotal row (one per printed page, say)
/// begins with: skipped, the data goes on below it.
const SUBTOTAL_WORDS: &[&str] = &["小计", "共计", "本页"];

/// The table of one sheet.
#[derive(Debug, Clone)]
pub struct Table {
    /// The sheet's name, as the workbook has it.
    pub sheet: String,
    /// The sheet row (1-based) of the (lower) header row.
    pub header_row: u32,
    /// Each column's header as shown: `户主信息/姓名` for a two-level one.
    pub headers: Vec<String>,
    /// Each column's header as matched (the lower level when there are two).
    pub keys: Vec<String>,
    /// Title rows above the header, as text (e.g. the roster's name).
    pub title: String,
    /// Data rows with their sheet rows (1-based), blank ones left out.
    pub rows: Vec<(u32, Vec<Data>)>,
    /// Rows below the 合计 (or 制表人) row that look like data (as many filled
    /// cells as half the header has, at least three): not read, so reported.
    pub after_total: Vec<u32>,
}

impl Table {
    /// A fingerprint of the headers, to remember a mapping by: the same
    /// headers in the same order give the same one.
    pub fn signature(&self) -> String {
        use sha2::{Digest, Sha256};
        let joined = self
            .keys
            .iter()
            .map(|k| normal_header(k))
            .collect::<Vec<_>>()
            .join("\u{1f}");
        let digest = Sha256::digest(joined.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A cell holding a formula error such as `#N/A`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormulaError;

/// A cell as text (`None` when blank): whole numbers without a decimal point,
/// dates as `YYYY-MM-DD`; [`FormulaError`] for a formula error.
pub fn cell_text(d: &Data) -> Result<Option<String>, FormulaError> {
    let s = match d {
        Data::Empty => return Ok(None),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::DateTime(dt) => dt.to_string(),
        Data::Error(_) => return Err(FormulaError),
    };
    Ok((!s.is_empty()).then_some(s))
}

fn texts(cells: &[Data]) -> Vec<String> {
    cells
        .iter()
        .map(|c| cell_text(c).ok().flatten().unwrap_or_default())
        .collect()
}

/// How many cells of a row are headers the table knows.
fn known(texts: &[String]) -> usize {
    texts.iter().filter(|t| recognize(t).is_some()).count()
}

/// Whether a row's first filled cell starts with one of `words`.
fn starts_with_any(texts: &[String], words: &[&str]) -> bool {
    texts
        .iter()
        .find(|t| !t.is_empty())
        .map(|t| normal_header(t))
        .is_some_and(|t| words.iter().any(|w| t.starts_with(w)))
}

/// The table of a sheet, or `None` when no row looks like a header.
pub fn find(sheet: &str, range: &Range<Data>) -> Option<Table> {
    let first_row = range.start().map_or(0, |(r, _)| r);
    let rows: Vec<(u32, &[Data])> = range
        .rows()
        .enumerate()
        .map(|(i, cells)| (first_row + i as u32 + 1, cells))
        .filter(|(_, cells)| cells.iter().any(|c| !matches!(cell_text(c), Ok(None))))
        .collect();
    let (at, best) = rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .enumerate()
        .map(|(i, (_, cells))| (i, known(&texts(cells))))
        // The first of the rows with the most known headers.
        .fold(
            (0, 0),
            |(bi, bn), (i, n)| if n > bn { (i, n) } else { (bi, bn) },
        );
    if best < 2 {
        return None;
    }
    let upper = texts(rows[at].1);
    let mut headers = upper.clone();
    let mut keys = upper.clone();
    let mut header_row = rows[at].0;
    let mut data_from = at + 1;
    if let Some((row, cells)) = rows.get(at + 1) {
        let lower = texts(cells);
        let width = upper.len().max(lower.len());
        let at_col = |v: &[String], i: usize| v.get(i).cloned().unwrap_or_default();
        let filled: Vec<usize> = (0..width)
            .filter(|&i| !at_col(&lower, i).is_empty())
            .collect();
        let second_level = !filled.is_empty()
            && filled.iter().all(|&i| {
                let up = at_col(&upper, i);
                recognize(&at_col(&lower, i)).is_some()
                    && (up.is_empty() || recognize(&up).is_none())
            });
        if second_level {
            // A merged group name is in its first column only: carry it right.
            let mut group = String::new();
            headers = Vec::with_capacity(width);
            keys = Vec::with_capacity(width);
            for i in 0..width {
                let (up, low) = (at_col(&upper, i), at_col(&lower, i));
                if !up.is_empty() {
                    group = if recognize(&up).is_none() {
                        up.clone()
                    } else {
                        String::new()
                    };
                }
                if low.is_empty() {
                    group.clear();
                    headers.push(up.clone());
                    keys.push(up);
                } else {
                    headers.push(if group.is_empty() {
                        low.clone()
                    } else {
                        format!("{group}/{low}")
                    });
                    keys.push(low);
                }
            }
            header_row = *row;
            data_from = at + 2;
        }
    }
    let title = rows[..at]
        .iter()
        .flat_map(|(_, cells)| texts(cells))
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut data = Vec::new();
    let mut after_total = Vec::new();
    let looks_like_data = (keys.iter().filter(|k| !k.is_empty()).count() / 2).max(3);
    let mut stopped = false;
    for (row, cells) in &rows[data_from..] {
        let t = texts(cells);
        if stopped {
            if t.iter().filter(|c| !c.is_empty()).count() >= looks_like_data {
                after_total.push(*row);
            }
            continue;
        }
        if starts_with_any(&t, STOP_WORDS) {
            stopped = true;
            continue;
        }
        // A header repeated on each printed page, or a page's subtotal, is not data.
        if t == upper || t == keys || starts_with_any(&t, SUBTOTAL_WORDS) {
            continue;
        }
        data.push((*row, cells.to_vec()));
    }
    Some(Table {
        sheet: sheet.to_owned(),
        header_row,
        headers,
        keys,
        title,
        rows: data,
        after_total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(rows: &[&[&str]]) -> Range<Data> {
        let width = rows.iter().map(|r| r.len()).max().unwrap_or(0);
        let mut range = Range::new((0, 0), (rows.len() as u32 - 1, width as u32 - 1));
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    range.set_value((r as u32, c as u32), Data::String((*cell).to_owned()));
                }
            }
        }
        range
    }

    #[test]
    fn title_and_filing_rows_above_the_header_are_skipped_and_the_total_ends_the_data() {
        let r = range(&[
            &["和平社区城市低保户花名册（2026年12月）"],
            &[
                "填报单位：和平社区居委会",
                "",
                "",
                "填报日期：2026年12月5日",
            ],
            &["序号", "户主姓名", "性别", "家庭住址"],
            &["1", "张三", "男", "阳光小区1栋101"],
            &[],
            &["2", "李四", "女", "阳光小区1栋102"],
            &["合计", "", "", "2户"],
            &["制表人：王五"],
        ]);
        let t = find("城市低保", &r).expect("a table");
        assert_eq!(t.header_row, 3);
        assert_eq!(t.headers, ["序号", "户主姓名", "性别", "家庭住址"]);
        assert!(t.title.contains("城市低保户花名册"));
        let rows: Vec<u32> = t.rows.iter().map(|(r, _)| *r).collect();
        assert_eq!(rows, [4, 6]);
        assert!(t.after_total.is_empty(), "signatures are not data");
    }

    #[test]
    fn page_subtotals_are_skipped_and_rows_below_the_total_are_reported() {
        let r = range(&[
            &["序号", "户主姓名", "性别", "家庭住址"],
            &["1", "张三", "男", "阳光小区1栋101"],
            &["小计", "", "", "1户"],
            &["2", "李四", "女", "阳光小区1栋102"],
            &["合计", "", "", "2户"],
            &["3", "王五", "男", "阳光小区1栋103"],
        ]);
        let t = find("Sheet1", &r).expect("a table");
        let rows: Vec<u32> = t.rows.iter().map(|(r, _)| *r).collect();
        assert_eq!(rows, [2, 4]);
        assert_eq!(t.after_total, [6]);
    }

    #[test]
    fn a_merged_group_over_two_headers_reads_as_two_columns() {
        let r = range(&[
            &["序号", "户主信息", "", "家庭住址"],
            &["", "姓名", "身份证号", ""],
            &["1", "张三", "x", "阳光小区1栋101"],
        ]);
        let t = find("Sheet1", &r).expect("a table");
        assert_eq!(t.header_row, 2);
        assert_eq!(
            t.headers,
            ["序号", "户主信息/姓名", "户主信息/身份证号", "家庭住址"]
        );
        assert_eq!(t.keys, ["序号", "姓名", "身份证号", "家庭住址"]);
        assert_eq!(t.rows.len(), 1);
    }

    #[test]
    fn a_first_data_row_is_not_taken_for_a_second_header() {
        let r = range(&[&["姓名", "与户主关系"], &["张三", "户主"]]);
        let t = find("Sheet1", &r).expect("a table");
        assert_eq!(t.header_row, 1);
        assert_eq!(t.rows.len(), 1);
    }

    #[test]
    fn a_sheet_without_headers_has_no_table() {
        assert!(find("说明", &range(&[&["本表填写说明"], &["按实际填写"]])).is_none());
    }
}
