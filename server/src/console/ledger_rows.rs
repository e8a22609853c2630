//! Reading a household ledger (台账, 花名册) the way a 社区 office keeps it:
//! every sheet with a table on it ([`super::ledger_table`]), its columns taken to
//! fields by a mapping ([`super::ledger_columns`], editable on the preview), one row
//! per resident (with 与户主关系: rows with the same grid and address are one
//! household, which needs exactly one 户主) or one row per household (户主
//! and 家庭人口, every row the head of a household of its own).
//!
//! Every row is checked with the domain's own rules (GB 11643 identity
//! numbers, phones, known tags, relations, the grid existing and in scope,
//! 性别 and 出生日期 agreeing with the ID number), and so is the file as a
//! whole (one head per household, an identity number once, household facts
//! that agree). [`check`] gives the households as they will be stored and
//! every problem with its sheet, row and column header; only a ledger without
//! problems is imported. Problems never carry a whole identity number or
//! phone: values shown are masked.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};
use chrono::{Datelike as _, NaiveDate};
use doorstep_model::{
    Address, IdNumber, Phone, Relation, ResidenceType, ResidentTag, TagDefinition,
};
use doorstep_protocol::{HouseholdRecord, ResidentRecord};
use uuid::Uuid;

use super::ledger_categories as cat;
pub use super::ledger_columns::{Column, template_headers};
use super::ledger_table::{self, Table, cell_text};
use super::xlsx_size;

/// Most resident rows in one ledger, over all its sheets.
pub const MAX_ROWS: usize = 5000;
const MAX_NAME_CHARS: usize = 50;
const MAX_TEXT_CHARS: usize = 200;

/// A grid a ledger may name.
#[derive(Debug, Clone)]
pub struct LedgerGrid {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    /// Whether the importing user may write to it.
    pub in_scope: bool,
}

/// One problem, at a sheet, a sheet row (1-based, as Excel shows it) and a
/// column header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub sheet: String,
    pub row: u32,
    /// The header as the file has it (or the field's name, for a missing column).
    pub column: String,
    pub code: &'static str,
    pub zh: String,
    pub en: String,
    /// The cell's value to help find it; identity numbers and phones masked.
    pub value: String,
}

/// Why a ledger was refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerError {
    /// Not an `.xlsx` or `.xls` workbook calamine can read.
    NotXlsx,
    /// No sheet with a header row and data rows.
    Empty,
    /// More resident rows than [`MAX_ROWS`].
    TooManyRows { found: usize },
    /// The workbook's parts would inflate past [`xlsx_size::MAX_UNPACKED_BYTES`].
    TooLargeUnpacked,
}

/// One sheet's table with the field each of its columns goes to.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub table: Table,
    /// By column: the field, or `None` for a column not imported.
    pub mapping: Vec<Option<Column>>,
}

/// Where a household came from in the file.
#[derive(Debug, Clone)]
pub struct Origin {
    pub sheet: String,
    /// The sheet row of each of its residents, in the order of `residents`.
    pub rows: Vec<u32>,
    /// The headers of its address and ID number columns, for reports.
    pub address_header: String,
    pub id_header: String,
}

/// A ledger as read: the households as they will be stored, and what stands
/// in the way of storing them.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// Households with their residents, in the order they first appear;
    /// their codes are left empty (storage numbers them as it stores them).
    pub households: Vec<HouseholdRecord>,
    /// For each household, where it is in the file.
    pub origins: Vec<Origin>,
    pub residents: usize,
    /// Every problem, by sheet and row; the ledger is imported only without.
    pub problems: Vec<RowProblem>,
    /// Addresses that could not be split and are kept whole as the estate:
    /// sheet, row, the address (digits masked).
    pub unsplit: Vec<(String, u32, String)>,
    /// Estates of rows that have no grid, each once, in order.
    pub without_grid: Vec<String>,
}

/// What [`check`] needs besides the sheets.
pub struct Options<'a> {
    pub grids: &'a [LedgerGrid],
    pub tags: &'a [TagDefinition],
    pub today: NaiveDate,
    /// The grid the admin chose for the whole file.
    pub file_grid: Option<Uuid>,
    /// Estates (without spaces) mapped to grids, kept from earlier imports.
    pub estate_grids: &'a HashMap<String, Uuid>,
}

/// The workbook's sheets that have a table on them, each with the mapping
/// its headers suggest. Promises: `.xlsx` (checked against decompression
/// bombs first) and `.xls` are read; every sheet is looked at; a workbook
/// with no table or one past [`MAX_ROWS`] is refused whole.
pub fn open(bytes: &[u8]) -> Result<Vec<Sheet>, LedgerError> {
    if bytes.starts_with(b"PK") {
        xlsx_size::check(bytes)?;
    }
    let mut wb =
        open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|_| LedgerError::NotXlsx)?;
    let mut sheets = Vec::new();
    for name in wb.sheet_names() {
        let range = wb
            .worksheet_range(&name)
            .map_err(|_| LedgerError::NotXlsx)?;
        if let Some(table) = ledger_table::find(&name, &range)
            && !table.rows.is_empty()
        {
            let mapping = suggested_mapping(&table);
            sheets.push(Sheet { table, mapping });
        }
    }
    if sheets.is_empty() {
        return Err(LedgerError::Empty);
    }
    let found: usize = sheets.iter().map(|s| s.table.rows.len()).sum();
    if found > MAX_ROWS {
        return Err(LedgerError::TooManyRows { found });
    }
    Ok(sheets)
}

/// The field each header names, each field taken by its first column only;
/// a 户主 column is the resident's name when there is no 姓名 column.
pub fn suggested_mapping(table: &Table) -> Vec<Option<Column>> {
    let mut taken = HashSet::new();
    let mut mapping: Vec<Option<Column>> = table
        .keys
        .iter()
        .map(|k| {
            let col = super::ledger_columns::recognize(k).flatten()?;
            taken.insert(col).then_some(col)
        })
        .collect();
    if !taken.contains(&Column::Name)
        && let Some(m) = mapping.iter_mut().find(|m| **m == Some(Column::HeadName))
    {
        *m = Some(Column::Name);
    }
    mapping
}
/// Masks an identity number for a report: region code and last four.
pub fn mask_id(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() >= 10 {
        let head: String = chars[..6].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
    } else {
        "*".repeat(chars.len())
    }
}

/// Masks a phone for a report: first three and last four digits.
pub fn mask_phone(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() >= 8 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
    } else {
        "*".repeat(chars.len())
    }
}

/// Masks every long run of digits (with an ID number's trailing `X`) in a
/// text: 15 or more keep their first six and last four, 11 to 14 their first
/// three and last four, 7 to 10 only their last four.
pub fn redact_digits(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_digit() || (i > start && matches!(chars[i], 'X' | 'x')))
        {
            i += 1;
        }
        let run = &chars[start..i];
        let (head, tail) = match run.len() {
            n if n >= 15 => (6, 4),
            n if n >= 11 => (3, 4),
            n if n >= 7 => (0, 4),
            _ => (run.len(), 0),
        };
        out.extend(&run[..head]);
        out.extend(std::iter::repeat_n('*', run.len() - head - tail));
        out.extend(&run[run.len() - tail..]);
    }
    out
}

/// The relation a ledger writes, in the template's words or common ones.
fn relation(s: &str) -> Option<Relation> {
    if let Some(r) = Relation::ALL
        .into_iter()
        .find(|r| r.label_zh() == s || r.as_str() == s)
    {
        return Some(r);
    }
    Some(match s {
        "本人" => Relation::Head,
        "妻" | "妻子" | "夫" | "丈夫" => Relation::Spouse,
        "子" | "女" | "儿子" | "女儿" | "长子" | "次子" | "长女" | "次女" => {
            Relation::Child
        }
        "父" | "母" | "父亲" | "母亲" => Relation::Parent,
        "孙子" | "孙女" | "外孙子" | "外孙女" => Relation::Grandchild,
        "兄" | "弟" | "姐" | "妹" | "兄弟" | "姐妹" => Relation::Sibling,
        "租户" | "租客" | "同住人" => Relation::Tenant,
        _ => return None,
    })
}

fn residence_type(s: &str) -> Option<ResidenceType> {
    ResidenceType::from_str_opt(s).or(match s {
        "户籍" | "户籍人口" => Some(ResidenceType::Registered),
        "常住" | "常住人口" => Some(ResidenceType::Resident),
        "流动" | "流动人口" => Some(ResidenceType::Migrant),
        _ => None,
    })
}

/// One resident row after its own checks.
#[derive(Debug)]
struct Row {
    row: u32,
    grid: usize,
    address: [Option<String>; 4],
    head_name: Option<String>,
    household: [Option<String>; 3],
    notes: Vec<String>,
    name: String,
    id_number: Option<IdNumber>,
    phone: Option<Phone>,
    relation: Relation,
    tags: Vec<ResidentTag>,
}

/// Household-level columns, in the order of [`Row::household`].
const HOUSEHOLD_COLUMNS: [Column; 3] = [
    Column::ResidenceType,
    Column::Landlord,
    Column::LandlordPhone,
];

/// A household within a sheet: grid, address, the head's name (when the
/// sheet names it on every row) and, in a sheet of one row per household,
/// the row itself.
type HouseholdKey = (usize, [Option<String>; 4], Option<String>, u32);

struct Checker<'a> {
    sheet: String,
    headers: HashMap<Column, (usize, String)>,
    opts: &'a Options<'a>,
    /// 城市 or 农村, from the sheet's name or title.
    area: Option<&'static str>,
    problems: Vec<RowProblem>,
    /// Households that lost a row to its problems: whether they have a head
    /// is unknown, so that is not reported too.
    incomplete: HashSet<HouseholdKey>,
    unsplit: Vec<(String, u32, String)>,
    without_grid: Vec<String>,
}

/// `text` without ASCII and ideographic spaces.
fn without_spaces(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

impl Checker<'_> {
    fn header(&self, col: Column) -> String {
        self.headers
            .get(&col)
            .map(|(_, h)| h.clone())
            .unwrap_or_else(|| col.zh().to_owned())
    }

    fn problem(
        &mut self,
        row: u32,
        col: Column,
        code: &'static str,
        zh: String,
        en: String,
        value: String,
    ) {
        let column = self.header(col);
        // A number in the wrong column (an ID number under 网格) is still personal data.
        self.problems.push(RowProblem {
            sheet: self.sheet.clone(),
            row,
            column: redact_digits(&column),
            code,
            zh: redact_digits(&zh),
            en: redact_digits(&en),
            value: redact_digits(&value),
        });
    }

    /// The text of a column in a row; a cell error is reported.
    fn text(&mut self, cells: &[Data], row: u32, col: Column) -> Option<String> {
        let (i, _) = *self.headers.get(&col)?;
        match cells.get(i).map(cell_text).unwrap_or(Ok(None)) {
            Ok(v) => v,
            Err(_) => {
                self.problem(
                    row,
                    col,
                    "cell_error",
                    "单元格是公式错误（如 #N/A），请改为实际内容".into(),
                    "The cell holds a formula error (such as #N/A); enter the value itself".into(),
                    String::new(),
                );
                None
            }
        }
    }

    fn required(&mut self, cells: &[Data], row: u32, col: Column, max: usize) -> Option<String> {
        match self.text(cells, row, col) {
            None => {
                self.problem(
                    row,
                    col,
                    "required",
                    "必填项为空".into(),
                    "This field is required".into(),
                    String::new(),
                );
                None
            }
            Some(v) => self.limited(row, col, v, max),
        }
    }

    fn optional(&mut self, cells: &[Data], row: u32, col: Column, max: usize) -> Option<String> {
        let v = self.text(cells, row, col)?;
        self.limited(row, col, v, max)
    }

    fn limited(&mut self, row: u32, col: Column, v: String, max: usize) -> Option<String> {
        if v.chars().count() > max {
            self.problem(
                row,
                col,
                "too_long",
                format!("内容过长（最多 {max} 个字）"),
                format!("Too long (at most {max} characters)"),
                String::new(),
            );
            return None;
        }
        Some(v)
    }

    /// The address parts of a row: from one address cell, split (or kept
    /// whole as the estate, and listed), or from the estate, building, unit
    /// and door columns. The second value is the address as the file wrote
    /// it, when the parts do not give it back.
    fn address(
        &mut self,
        cells: &[Data],
        row: u32,
    ) -> Option<([Option<String>; 4], Option<String>)> {
        if self.headers.contains_key(&Column::Address) {
            let line = self.required(cells, row, Column::Address, MAX_TEXT_CHARS)?;
            return Some(match Address::split(&line) {
                Some(a) => {
                    let original = (a.one_line() != without_spaces(&line)).then(|| line.clone());
                    ([Some(a.estate), a.building, a.unit, a.door], original)
                }
                None => {
                    self.unsplit
                        .push((self.sheet.clone(), row, redact_digits(&line)));
                    ([Some(line), None, None, None], None)
                }
            });
        }
        let estate = self.required(cells, row, Column::Estate, MAX_TEXT_CHARS);
        let building = self.optional(cells, row, Column::Building, MAX_TEXT_CHARS);
        let unit = self.optional(cells, row, Column::Unit, MAX_TEXT_CHARS);
        let door = self.optional(cells, row, Column::Door, MAX_TEXT_CHARS);
        Some(([Some(estate?), building, unit, door], None))
    }

    fn grid_by(&self, id: Uuid) -> Option<usize> {
        self.opts
            .grids
            .iter()
            .position(|g| g.id == id && g.in_scope)
    }

    /// The grid of a row: the one chosen for the whole file, else the
    /// row's 网格 cell, else the grid its estate is mapped to; a row with
    /// none is a problem, and its estate is listed to be mapped.
    fn grid(&mut self, cells: &[Data], row: u32, estate: Option<&str>) -> Option<usize> {
        if let Some(id) = self.opts.file_grid {
            let found = self.grid_by(id);
            if found.is_none() {
                self.problem(
                    row,
                    Column::Grid,
                    "grid_out_of_scope",
                    "所选网格不在您的管辖范围内".into(),
                    "The chosen grid is outside your scope".into(),
                    String::new(),
                );
            }
            return found;
        }
        if let Some(v) = self.optional(cells, row, Column::Grid, MAX_TEXT_CHARS) {
            return self.grid_named(row, v);
        }
        let estate = estate?;
        if let Some(i) = self
            .opts
            .estate_grids
            .get(&without_spaces(estate))
            .and_then(|id| self.grid_by(*id))
        {
            return Some(i);
        }
        if !self.without_grid.iter().any(|e| e == estate) {
            self.without_grid.push(estate.to_owned());
        }
        self.problem(
            row,
            Column::Grid,
            "no_grid",
            "该行没有网格：请在上传时为整个文件选择网格，或在预览中为其小区选择网格".into(),
            "This row has no grid: choose a grid for the whole file when uploading, or one for its estate in the preview".into(),
            estate.to_owned(),
        );
        None
    }

    fn grid_named(&mut self, row: u32, v: String) -> Option<usize> {
        let grids = self.opts.grids;
        let by_code: Vec<usize> = (0..grids.len()).filter(|&i| grids[i].code == v).collect();
        let found = if by_code.is_empty() {
            (0..grids.len()).filter(|&i| grids[i].name == v).collect()
        } else {
            by_code
        };
        match found.as_slice() {
            [] => {
                self.problem(
                    row,
                    Column::Grid,
                    "unknown_grid",
                    "没有这个网格（请填写网格编号或网格名称）".into(),
                    "No such grid (enter the grid's code or name)".into(),
                    v,
                );
                None
            }
            [i] if !grids[*i].in_scope => {
                self.problem(
                    row,
                    Column::Grid,
                    "grid_out_of_scope",
                    "该网格不在您的管辖范围内".into(),
                    "This grid is outside your scope".into(),
                    v,
                );
                None
            }
            [i] => Some(*i),
            _ => {
                self.problem(
                    row,
                    Column::Grid,
                    "ambiguous_grid",
                    "有多个网格同名，请填写网格编号".into(),
                    "Several grids have this name; enter the grid's code".into(),
                    v,
                );
                None
            }
        }
    }

    fn id_number(&mut self, cells: &[Data], row: u32) -> Option<IdNumber> {
        let (i, _) = *self.headers.get(&Column::IdNumber)?;
        // Excel keeps 15 significant digits: an 18-digit number typed into a
        // number cell has already lost its last digits.
        if let Some(Data::Float(f)) = cells.get(i)
            && f.abs() >= 1e15
        {
            self.problem(
                row,
                Column::IdNumber,
                "id_number_as_number",
                "身份证号被保存为数字，末几位已丢失；请将该列设为文本格式后重新录入".into(),
                "The ID number was stored as a number and lost its last digits; format the column as text and enter it again".into(),
                String::new(),
            );
            return None;
        }
        let v = self.text(cells, row, Column::IdNumber)?;
        match IdNumber::parse_on(&v, self.opts.today) {
            Ok(id) => Some(id),
            Err(e) => {
                self.problem(
                    row,
                    Column::IdNumber,
                    e.code(),
                    e.message_zh().to_owned(),
                    e.to_string(),
                    mask_id(&v),
                );
                None
            }
        }
    }

    fn phone(&mut self, cells: &[Data], row: u32, col: Column) -> Option<Phone> {
        let v = self.text(cells, row, col)?;
        match Phone::parse(&v) {
            Ok(p) => Some(p),
            Err(e) => {
                self.problem(
                    row,
                    col,
                    e.code(),
                    e.message_zh().to_owned(),
                    e.to_string(),
                    mask_phone(&v),
                );
                None
            }
        }
    }

    fn tags(&mut self, cells: &[Data], row: u32) -> Vec<ResidentTag> {
        let Some(v) = self.text(cells, row, Column::Tags) else {
            return Vec::new();
        };
        let mut out: Vec<ResidentTag> = Vec::new();
        for part in v
            .split(['、', ',', '，', ';', '；', '/', ' ', '　'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match self
                .opts
                .tags
                .iter()
                .find(|t| t.name_zh == part || t.code == part || t.name_en == part)
            {
                Some(t) if out.iter().any(|o| o.code == t.code) => {}
                Some(t) => out.push(ResidentTag {
                    code: t.code.clone(),
                    start: self.opts.today,
                    end: None,
                    attributes: Default::default(),
                }),
                None => self.problem(
                    row,
                    Column::Tags,
                    "unknown_tag",
                    format!("未知的人员类别“{part}”"),
                    format!("Unknown category “{part}”"),
                    part.to_owned(),
                ),
            }
        }
        out
    }

    /// Adds `attributes` to the resident's tag `code`, giving them the tag
    /// when they have not got it.
    fn add_tag(
        &self,
        tags: &mut Vec<ResidentTag>,
        code: &str,
        attributes: BTreeMap<String, String>,
    ) {
        match tags.iter_mut().find(|t| t.code == code) {
            Some(t) => t.attributes.extend(attributes),
            None => tags.push(ResidentTag {
                code: code.to_owned(),
                start: self.opts.today,
                end: None,
                attributes,
            }),
        }
    }

    /// The category columns: 低保 class, people covered and amount; a
    /// disability's type and level; the kind of 优抚.
    fn categories(&mut self, cells: &[Data], row: u32, tags: &mut Vec<ResidentTag>) {
        let class = self.optional(cells, row, Column::DibaoClass, MAX_TEXT_CHARS);
        let persons = self.optional(cells, row, Column::DibaoPersons, MAX_TEXT_CHARS);
        let amount = self.optional(cells, row, Column::DibaoAmount, MAX_TEXT_CHARS);
        if class.is_some() || persons.is_some() || amount.is_some() {
            let mut attrs = BTreeMap::new();
            let area = class.as_deref().and_then(cat::dibao_area).or(self.area);
            if let Some(area) = area {
                attrs.insert(cat::DIBAO_AREA.to_owned(), area.to_owned());
            }
            if let Some(c) = class
                .filter(|c| cat::dibao_area(c).is_none() || c.contains('类') || c.contains('档'))
            {
                attrs.insert(cat::DIBAO_CLASS.to_owned(), cat::dibao_class(&c));
            }
            if let Some(p) = persons {
                match cat::persons(&p) {
                    Some(n) => {
                        attrs.insert(cat::DIBAO_PERSONS.to_owned(), n.to_string());
                    }
                    None => self.problem(
                        row,
                        Column::DibaoPersons,
                        "bad_count",
                        "应为人数（正整数）".into(),
                        "Should be a number of people (a whole number above 0)".into(),
                        p,
                    ),
                }
            }
            if let Some(a) = amount {
                match cat::amount(&a) {
                    Some(v) => {
                        attrs.insert(cat::DIBAO_AMOUNT.to_owned(), v);
                    }
                    None => self.problem(
                        row,
                        Column::DibaoAmount,
                        "bad_amount",
                        "应为金额（元），如 680 或 680.50".into(),
                        "Should be an amount in yuan, such as 680 or 680.50".into(),
                        a,
                    ),
                }
            }
            self.add_tag(tags, "dibao", attrs);
        }
        let mut disability = BTreeMap::new();
        if let Some(v) = self.optional(cells, row, Column::Disability, MAX_TEXT_CHARS) {
            let (kind, level) = cat::disability(&v);
            if !kind.is_empty() {
                disability.insert("type".to_owned(), kind);
            }
            if let Some(level) = level {
                disability.insert("level".to_owned(), level);
            }
        }
        if let Some(v) = self.optional(cells, row, Column::DisabilityType, MAX_TEXT_CHARS) {
            disability.insert("type".to_owned(), cat::disability(&v).0);
        }
        if let Some(v) = self.optional(cells, row, Column::DisabilityLevel, MAX_TEXT_CHARS) {
            let level = cat::disability(&format!("x{v}")).1.unwrap_or(v);
            disability.insert("level".to_owned(), level);
        }
        if !disability.is_empty() {
            self.add_tag(tags, "disabled", disability);
        }
        if let Some(v) = self.optional(cells, row, Column::MilitaryKind, MAX_TEXT_CHARS) {
            self.add_tag(
                tags,
                "military_care",
                BTreeMap::from([("kind".to_owned(), v)]),
            );
        }
    }

    /// 性别 and 出生日期 against what the ID number says.
    fn agrees_with_id(&mut self, cells: &[Data], row: u32, id: &IdNumber) {
        if let Some(v) = self.optional(cells, row, Column::Sex, MAX_TEXT_CHARS) {
            match cat::sex(&v) {
                Some(s) if s == id.sex() => {}
                Some(_) => self.problem(
                    row,
                    Column::Sex,
                    "sex_mismatch",
                    "性别与身份证号不符".into(),
                    "The sex differs from the ID number's".into(),
                    v,
                ),
                None => self.problem(
                    row,
                    Column::Sex,
                    "unknown_sex",
                    "性别应为“男”或“女”".into(),
                    "Sex should be 男 (male) or 女 (female)".into(),
                    v,
                ),
            }
        }
        if let Some(v) = self.optional(cells, row, Column::BirthDate, MAX_TEXT_CHARS) {
            let born = id.birth_date();
            match cat::birth_date(&v) {
                Some((y, m, d))
                    if y == born.year()
                        && m == born.month()
                        && d.is_none_or(|d| d == born.day()) => {}
                Some(_) => self.problem(
                    row,
                    Column::BirthDate,
                    "birth_date_mismatch",
                    "出生日期与身份证号不符".into(),
                    "The date of birth differs from the ID number's".into(),
                    String::new(),
                ),
                None => self.problem(
                    row,
                    Column::BirthDate,
                    "bad_date",
                    "无法识别的日期，请写成 1950-01-31".into(),
                    "Unreadable date; write it as 1950-01-31".into(),
                    String::new(),
                ),
            }
        }
    }

    /// One resident row, or `None` when it has problems (already recorded).
    fn row(&mut self, cells: &[Data], row: u32, per_resident: bool) -> Option<Row> {
        let before = self.problems.len();
        let (address, original) = match self.address(cells, row) {
            Some((a, o)) => (Some(a), o),
            None => (None, None),
        };
        let estate = address.as_ref().and_then(|a| a[0].clone());
        let grid = self.grid(cells, row, estate.as_deref());
        let name = self.required(cells, row, Column::Name, MAX_NAME_CHARS);
        let head_name = self.optional(cells, row, Column::HeadName, MAX_NAME_CHARS);
        let id_number = self.id_number(cells, row);
        if let Some(id) = &id_number {
            self.agrees_with_id(cells, row, id);
        }
        let phone = self.phone(cells, row, Column::Phone);
        let relation = if per_resident {
            match self.required(cells, row, Column::Relation, MAX_TEXT_CHARS) {
                Some(v) => {
                    let r = relation(&v);
                    if r.is_none() {
                        self.problem(
                            row,
                            Column::Relation,
                            "unknown_relation",
                            "无法识别的与户主关系，可填：户主、配偶、子女、父母、孙子女、兄弟姐妹、其他亲属、租户、其他".into(),
                            "Unknown relation; use 户主, 配偶, 子女, 父母, 孙子女, 兄弟姐妹, 其他亲属, 租户 or 其他".into(),
                            v,
                        );
                    }
                    r
                }
                None => None,
            }
        } else {
            Some(Relation::Head)
        };
        let mut tags = self.tags(cells, row);
        self.categories(cells, row, &mut tags);
        let residence = match self.optional(cells, row, Column::ResidenceType, MAX_TEXT_CHARS) {
            Some(v) => match residence_type(&v) {
                Some(r) => Some(r.as_str().to_owned()),
                None => {
                    self.problem(
                        row,
                        Column::ResidenceType,
                        "unknown_residence_type",
                        "居住类型应为：户籍、常住 或 流动".into(),
                        "Residence type is one of 户籍 (registered), 常住 (resident), 流动 (migrant)".into(),
                        v,
                    );
                    None
                }
            },
            None => None,
        };
        let landlord = self.optional(cells, row, Column::Landlord, MAX_NAME_CHARS);
        let landlord_phone = self
            .phone(cells, row, Column::LandlordPhone)
            .map(|p| p.as_str().to_owned());
        let mut notes = Vec::new();
        if let Some(size) = self.optional(cells, row, Column::HouseholdSize, MAX_TEXT_CHARS) {
            match cat::persons(&size) {
                Some(n) => notes.push(format!("家庭人口：{n}人")),
                None => self.problem(
                    row,
                    Column::HouseholdSize,
                    "bad_count",
                    "应为人数（正整数）".into(),
                    "Should be a number of people (a whole number above 0)".into(),
                    size,
                ),
            }
        }
        if let Some(o) = original {
            notes.push(format!("台账地址：{o}"));
        }
        if let Some(n) = self.optional(cells, row, Column::Notes, MAX_TEXT_CHARS) {
            notes.push(n);
        }
        let key_of = |grid: usize, address: &[Option<String>; 4]| -> HouseholdKey {
            (
                grid,
                address.clone(),
                head_name.clone(),
                if per_resident { 0 } else { row },
            )
        };
        if self.problems.len() > before {
            if let (Some(grid), Some(address)) = (grid, &address) {
                self.incomplete.insert(key_of(grid, address));
            }
            return None;
        }
        Some(Row {
            row,
            grid: grid?,
            address: address?,
            head_name: head_name.clone(),
            household: [residence, landlord, landlord_phone],
            notes,
            name: name?,
            id_number,
            phone,
            relation: relation?,
            tags,
        })
    }
}

/// The header problems of a sheet's mapping: a field given twice, a name or
/// address missing, an address given both whole and in parts.
fn mapping_problems(sheet: &Sheet, headers: &HashMap<Column, (usize, String)>) -> Vec<RowProblem> {
    let t = &sheet.table;
    let mut problems = Vec::new();
    let mut first: HashMap<Column, usize> = HashMap::new();
    for (i, col) in sheet.mapping.iter().enumerate() {
        let Some(col) = col else { continue };
        if let Some(&j) = first.get(col) {
            problems.push(RowProblem {
                sheet: t.sheet.clone(),
                row: t.header_row,
                column: redact_digits(&t.headers[i]),
                code: "duplicate_column",
                zh: format!(
                    "与“{}”列重复（都对应“{}”）",
                    redact_digits(&t.headers[j]),
                    col.zh()
                ),
                en: format!(
                    "The same field ({}) as “{}”",
                    col.en(),
                    redact_digits(&t.headers[j])
                ),
                value: String::new(),
            });
        } else {
            first.insert(*col, i);
        }
    }
    let missing = |col: Column, problems: &mut Vec<RowProblem>| {
        problems.push(RowProblem {
            sheet: t.sheet.clone(),
            row: t.header_row,
            column: col.zh().to_owned(),
            code: "missing_column",
            zh: format!("缺少必填列“{}”", col.zh()),
            en: format!(
                "The required column “{}” ({}) is missing",
                col.zh(),
                col.en()
            ),
            value: String::new(),
        });
    };
    if !headers.contains_key(&Column::Name) {
        missing(Column::Name, &mut problems);
    }
    let parts = [Column::Estate, Column::Building, Column::Unit, Column::Door];
    let has_parts = parts.iter().any(|c| headers.contains_key(c));
    match (headers.get(&Column::Address), has_parts) {
        (None, _) if !headers.contains_key(&Column::Estate) => missing(Column::Estate, &mut problems),
        (Some((_, h)), true) => problems.push(RowProblem {
            sheet: t.sheet.clone(),
            row: t.header_row,
            column: redact_digits(h),
            code: "address_twice",
            zh: "地址既有整列又有小区/楼栋/单元/门牌列：请把其中一方设为“不导入”".into(),
            en: "The address is given both in one column and in estate/building/unit/door columns: set one of them to “ignored”".into(),
            value: String::new(),
        }),
        _ => {}
    }
    problems
}

/// Checks the sheets with their mappings. Promises: the households are
/// those of the rows without problems, each at version 1, in file order;
/// the ledger may be stored only when `problems` is empty.
pub fn check(sheets: &[Sheet], opts: &Options<'_>) -> Ledger {
    let mut out = Ledger::default();
    // An ID number once in the whole file: where it was first seen.
    let mut seen: HashMap<String, (String, u32)> = HashMap::new();
    for sheet in sheets {
        let t = &sheet.table;
        let headers: HashMap<Column, (usize, String)> = sheet
            .mapping
            .iter()
            .enumerate()
            .rev()
            .filter_map(|(i, c)| c.map(|c| (c, (i, t.headers.get(i).cloned().unwrap_or_default()))))
            .collect();
        for &row in &t.after_total {
            out.problems.push(RowProblem {
                sheet: t.sheet.clone(),
                row,
                column: String::new(),
                code: "data_after_total",
                zh: "合计行下方还有数据，未读取：请删去合计行或把这些行移到其上方".into(),
                en: "There is data below the total row, which is not read: remove the total row or move these rows above it".into(),
                value: String::new(),
            });
        }
        let header_problems = mapping_problems(sheet, &headers);
        if !header_problems.is_empty() {
            out.problems.extend(header_problems);
            continue;
        }
        let per_resident = headers.contains_key(&Column::Relation);
        let mut checker = Checker {
            sheet: t.sheet.clone(),
            headers,
            opts,
            area: cat::dibao_area(&t.sheet).or_else(|| cat::dibao_area(&t.title)),
            problems: Vec::new(),
            incomplete: HashSet::new(),
            unsplit: Vec::new(),
            without_grid: Vec::new(),
        };
        let filled = fill_down(sheet, &checker.headers, per_resident);
        let good: Vec<Row> = filled
            .iter()
            .filter_map(|(row, cells)| checker.row(cells, *row, per_resident))
            .collect();
        for r in &good {
            let Some(id) = &r.id_number else { continue };
            match seen.get(id.as_str()) {
                Some((first_sheet, first)) => {
                    let (zh, en) = if *first_sheet == t.sheet {
                        (
                            format!("身份证号与第 {first} 行重复"),
                            format!("The same ID number as row {first}"),
                        )
                    } else {
                        (
                            format!("身份证号与工作表“{first_sheet}”第 {first} 行重复"),
                            format!("The same ID number as row {first} of sheet “{first_sheet}”"),
                        )
                    };
                    checker.problem(
                        r.row,
                        Column::IdNumber,
                        "duplicate_id_number",
                        zh,
                        en,
                        id.masked(),
                    );
                }
                None => {
                    seen.insert(id.as_str().to_owned(), (t.sheet.clone(), r.row));
                }
            }
        }
        group(&mut checker, &good, per_resident, &mut out);
        out.residents += good.len();
        out.problems.append(&mut checker.problems);
        out.unsplit.append(&mut checker.unsplit);
        for e in checker.without_grid {
            if !out.without_grid.contains(&e) {
                out.without_grid.push(e);
            }
        }
    }
    let sheet_order: Vec<&str> = sheets.iter().map(|s| s.table.sheet.as_str()).collect();
    let position = |p: &RowProblem| sheet_order.iter().position(|s| *s == p.sheet);
    out.problems.sort_by_key(|p| (position(p), p.row));
    out
}

/// The data rows of a sheet, with a member's blank household cells (merged
/// down the rows of one household, or left blank under the head's) taken
/// from the row above, in a sheet of one row per resident.
fn fill_down(
    sheet: &Sheet,
    headers: &HashMap<Column, (usize, String)>,
    per_resident: bool,
) -> Vec<(u32, Vec<Data>)> {
    let mut rows = sheet.table.rows.clone();
    if !per_resident {
        return rows;
    }
    let relation_at = headers.get(&Column::Relation).map(|(i, _)| *i);
    let columns: Vec<usize> = headers
        .iter()
        .filter(|(c, _)| c.fills_down())
        .map(|(_, (i, _))| *i)
        .collect();
    let mut last: HashMap<usize, Data> = HashMap::new();
    for (_, cells) in &mut rows {
        let is_head = relation_at
            .and_then(|i| cells.get(i))
            .and_then(|c| cell_text(c).ok().flatten())
            .and_then(|r| relation(&r))
            == Some(Relation::Head);
        for &i in &columns {
            let blank = cells
                .get(i)
                .is_none_or(|c| matches!(cell_text(c), Ok(None)));
            if blank && !is_head {
                if let Some(v) = last.get(&i) {
                    if cells.len() <= i {
                        cells.resize(i + 1, Data::Empty);
                    }
                    cells[i] = v.clone();
                }
            } else if !blank {
                last.insert(i, cells[i].clone());
            } else {
                last.remove(&i);
            }
        }
    }
    rows
}

/// Groups a sheet's good rows into households: one head each, household
/// facts that agree, notes gathered.
fn group(checker: &mut Checker<'_>, good: &[Row], per_resident: bool, out: &mut Ledger) {
    let mut order: Vec<HouseholdKey> = Vec::new();
    let mut members: HashMap<HouseholdKey, Vec<&Row>> = HashMap::new();
    for r in good {
        let key = (
            r.grid,
            r.address.clone(),
            r.head_name.clone(),
            if per_resident { 0 } else { r.row },
        );
        let list = members.entry(key.clone()).or_default();
        if list.is_empty() {
            order.push(key);
        }
        list.push(r);
    }
    for key in &order {
        let rows = &members[key];
        let heads: Vec<&&Row> = rows
            .iter()
            .filter(|r| r.relation == Relation::Head)
            .collect();
        if heads.is_empty() && !checker.incomplete.contains(key) {
            checker.problem(
                rows[0].row,
                Column::Relation,
                "no_head",
                "该户（同一网格和地址）没有户主".into(),
                "This household (same grid and address) has no head".into(),
                String::new(),
            );
        }
        for extra in heads.iter().skip(1) {
            checker.problem(
                extra.row,
                Column::Relation,
                "second_head",
                format!("该户已有户主（第 {} 行）", heads[0].row),
                format!("This household already has a head (row {})", heads[0].row),
                String::new(),
            );
        }
        // Household facts: the same wherever they are written.
        let mut facts: [Option<(u32, String)>; 3] = Default::default();
        let mut notes: Vec<String> = Vec::new();
        for r in rows {
            for (k, v) in r.household.iter().enumerate() {
                let Some(v) = v else { continue };
                match &facts[k] {
                    None => facts[k] = Some((r.row, v.clone())),
                    Some((first, kept)) if kept != v => {
                        let first = *first;
                        checker.problem(
                            r.row,
                            HOUSEHOLD_COLUMNS[k],
                            "household_field_conflict",
                            format!("同一户的此项与第 {first} 行不一致"),
                            format!("Differs from row {first} of the same household"),
                            String::new(),
                        );
                    }
                    Some(_) => {}
                }
            }
            for n in &r.notes {
                if !notes.contains(n) {
                    notes.push(n.clone());
                }
            }
        }
        let [residence, landlord, landlord_phone] = facts.map(|f| f.map(|(_, v)| v));
        if landlord_phone.is_some() && landlord.is_none() {
            checker.problem(
                rows[0].row,
                Column::Landlord,
                "landlord_missing",
                "填写了房东电话，但没有房东姓名".into(),
                "A landlord phone needs the landlord's name".into(),
                String::new(),
            );
        }
        let grid = &checker.opts.grids[key.0];
        let [estate, building, unit, door] = key.1.clone();
        // Head first, then the others in sheet order.
        let mut ordered: Vec<&Row> = rows.to_vec();
        ordered.sort_by_key(|r| (r.relation != Relation::Head, r.row));
        let address_col = if checker.headers.contains_key(&Column::Address) {
            Column::Address
        } else {
            Column::Estate
        };
        out.origins.push(Origin {
            sheet: checker.sheet.clone(),
            rows: ordered.iter().map(|r| r.row).collect(),
            address_header: checker.header(address_col),
            id_header: checker.header(Column::IdNumber),
        });
        out.households.push(HouseholdRecord {
            id: Uuid::new_v4(),
            code: String::new(),
            grid_id: grid.id,
            estate: estate.unwrap_or_default(),
            building,
            unit,
            door,
            lat: None,
            lon: None,
            location_confirmed: false,
            residence_type: residence
                .unwrap_or_else(|| ResidenceType::Registered.as_str().to_owned()),
            landlord_name: landlord,
            landlord_phone,
            notes: notes.join("；"),
            version: 1,
            residents: ordered
                .iter()
                .map(|r| ResidentRecord {
                    id: Uuid::new_v4(),
                    name: r.name.clone(),
                    id_number: r.id_number.as_ref().map(|i| i.as_str().to_owned()),
                    phone: r.phone.as_ref().map(|p| p.as_str().to_owned()),
                    relation: r.relation.as_str().to_owned(),
                    tags: r.tags.clone(),
                })
                .collect(),
            due: Vec::new(),
            past_visits: Vec::new(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_the_ends() {
        assert_eq!(mask_id("110105194912310021"), "110105********0021");
        assert_eq!(mask_id("12345"), "*****");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("123"), "***");
    }

    #[test]
    fn long_numbers_in_any_text_are_masked() {
        assert_eq!(
            redact_digits("网格 11010519491231002X 错"),
            "网格 110105********002X 错"
        );
        assert_eq!(redact_digits("13812345678"), "138****5678");
        assert_eq!(redact_digits("87654321"), "****4321");
        assert_eq!(redact_digits("3栋 302"), "3栋 302");
    }

    fn sheet(rows: &[Vec<String>]) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                ws.write_string(r as u32, c as u16, cell).expect("cell");
            }
        }
        wb.save_to_buffer().expect("xlsx")
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// Whatever the cells hold and wherever an ID number lands, reading
        /// never panics and no problem repeats the number.
        #[test]
        fn problems_never_repeat_an_id_number(
            cells in proptest::collection::vec(
                proptest::collection::vec("[a-z0-9户主配偶网格低保 ]{0,12}", 10), 1..6),
            column in 0usize..10,
        ) {
            let id = "11010519491231002X".to_owned();
            let mut rows = vec![template_headers().iter().map(|h| (*h).to_owned()).collect::<Vec<_>>()];
            for mut r in cells {
                r[column] = id.clone();
                rows.push(r);
            }
            let grids = [LedgerGrid {
                id: Uuid::new_v4(),
                code: "G1".into(),
                name: "一网格".into(),
                in_scope: true,
            }];
            let today = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
            let tags = doorstep_model::builtin_tags();
            let estate_grids = HashMap::new();
            let opts = Options { grids: &grids, tags: &tags, today, file_grid: None, estate_grids: &estate_grids };
            if let Ok(sheets) = open(&sheet(&rows)) {
                let ledger = check(&sheets, &opts);
                for p in ledger.problems {
                    proptest::prop_assert!(!p.value.contains(&id) && !p.zh.contains(&id) && !p.en.contains(&id) && !p.column.contains(&id));
                }
                for (_, _, text) in ledger.unsplit {
                    proptest::prop_assert!(!text.contains(&id));
                }
            }
        }
    }

    #[test]
    fn relations_are_read_in_the_words_offices_use() {
        assert_eq!(relation("户主"), Some(Relation::Head));
        assert_eq!(relation("妻子"), Some(Relation::Spouse));
        assert_eq!(relation("孙女"), Some(Relation::Grandchild));
        assert_eq!(relation("邻居"), None);
    }

    #[test]
    fn garbage_is_not_a_workbook() {
        assert_eq!(open(b"not a spreadsheet").err(), Some(LedgerError::NotXlsx));
    }
}
