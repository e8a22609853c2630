//! Reading a household ledger (台账) workbook the way a 社区 office keeps it:
//! the first sheet, a Chinese header row, then one row per resident. Rows with
//! the same grid and address (小区/地址, 楼栋, 单元, 门牌号) are one household,
//! which needs exactly one 户主. Without a 与户主关系 column every row is a
//! household of its own head.
//!
//! Every row is checked with the domain's own rules (GB 11643 identity
//! numbers, phones, known tags, relations, the grid existing and in scope),
//! and so is the file as a whole (one head per household, an identity number
//! once, household facts that agree). [`read`] gives either every household,
//! ready to store, or every problem with its sheet row and column header.
//! Problems never carry a whole identity number or phone: values shown are
//! masked.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::NaiveDate;
use doorstep_core::domain::{IdNumber, Phone, Relation, ResidenceType, ResidentTag, TagDefinition};
use doorstep_core::sync::protocol::{HouseholdRecord, ResidentRecord};
use uuid::Uuid;

use super::xlsx_size;

/// Most resident rows in one ledger.
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

/// A column the importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Grid,
    Estate,
    Building,
    Unit,
    Door,
    ResidenceType,
    Landlord,
    LandlordPhone,
    Notes,
    Name,
    IdNumber,
    Phone,
    Relation,
    Tags,
}

/// Every column: its template header, English name, the other headers taken
/// for it, and whether a ledger must have it.
const COLUMNS: &[(Column, &str, &str, &[&str], bool)] = &[
    (
        Column::Grid,
        "网格",
        "Grid",
        &["网格编号", "网格名称", "所属网格"],
        true,
    ),
    (
        Column::Estate,
        "小区",
        "Estate or address",
        &["小区名称", "地址", "住址", "详细地址", "居住地址", "村组"],
        true,
    ),
    (
        Column::Building,
        "楼栋",
        "Building",
        &["楼栋号", "楼号", "栋"],
        false,
    ),
    (Column::Unit, "单元", "Unit", &["单元号"], false),
    (
        Column::Door,
        "门牌号",
        "Door",
        &["门牌", "房号", "室"],
        false,
    ),
    (
        Column::ResidenceType,
        "居住类型",
        "Residence type",
        &["人口类型", "户籍类型"],
        false,
    ),
    (Column::Landlord, "房东姓名", "Landlord", &["房东"], false),
    (
        Column::LandlordPhone,
        "房东电话",
        "Landlord phone",
        &["房东联系电话"],
        false,
    ),
    (Column::Notes, "备注", "Notes", &[], false),
    (
        Column::Name,
        "姓名",
        "Name",
        &["居民姓名", "成员姓名"],
        true,
    ),
    (
        Column::IdNumber,
        "身份证号",
        "ID number",
        &["身份证号码", "公民身份号码", "证件号码"],
        false,
    ),
    (
        Column::Phone,
        "联系电话",
        "Phone",
        &["电话", "手机", "手机号", "手机号码"],
        false,
    ),
    (
        Column::Relation,
        "与户主关系",
        "Relation to head",
        &["关系"],
        false,
    ),
    (
        Column::Tags,
        "人员类别",
        "Categories",
        &["标签", "人员标签", "类别"],
        false,
    ),
];

/// The header row of the blank template, in order.
pub fn template_headers() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| c.1).collect()
}

/// A header that names the resident only when there is no 姓名 column (a
/// ledger of heads, one row per household).
const HEAD_NAME: &str = "户主姓名";

/// One problem, at a sheet row (1-based, as Excel shows it) and column header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub row: u32,
    /// The header as the file has it (or the template's, for a missing column).
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
    /// Not an `.xlsx` workbook calamine can read.
    NotXlsx,
    /// No sheet, or no header row.
    Empty,
    /// More resident rows than [`MAX_ROWS`].
    TooManyRows { found: usize },
    /// Rows or headers that break a rule; nothing may be imported.
    Rows(Vec<RowProblem>),
    /// The workbook's parts would inflate past [`xlsx_size::MAX_UNPACKED_BYTES`].
    TooLargeUnpacked,
}

/// A ledger ready to store.
#[derive(Debug, Clone)]
pub struct Ledger {
    /// Households with their residents, in the order they first appear;
    /// their codes are left empty (storage numbers them as it stores them).
    pub households: Vec<HouseholdRecord>,
    /// For each household, the sheet row of each of its residents, in the
    /// order of its `residents`.
    pub sheet_rows: Vec<Vec<u32>>,
    /// The header each column the file has goes by.
    headers: HashMap<Column, String>,
    pub residents: usize,
    /// Headers the importer does not read (their cells are not imported).
    pub ignored_columns: Vec<String>,
}

impl Ledger {
    /// A column's header as the file has it (the template's when it has none).
    pub fn header(&self, col: Column) -> String {
        self.headers
            .get(&col)
            .cloned()
            .unwrap_or_else(|| template_header(col).to_owned())
    }
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

/// Normalizes a header: no spaces or required-field marks.
fn normal_header(h: &str) -> String {
    h.replace("（必填）", "")
        .replace("(必填)", "")
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊'))
        .collect()
}

/// A cell as text (`None` when blank); whole numbers without a decimal point.
fn cell_text(d: &Data) -> Result<Option<String>, ()> {
    let s = match d {
        Data::Empty => return Ok(None),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => dt.to_string(),
        Data::Error(_) => return Err(()),
    };
    Ok((!s.is_empty()).then_some(s))
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
    household: [Option<String>; 4],
    name: String,
    id_number: Option<IdNumber>,
    phone: Option<Phone>,
    relation: Relation,
    tags: Vec<ResidentTag>,
}

/// Household-level columns, in the order of [`Row::household`].
const HOUSEHOLD_COLUMNS: [Column; 4] = [
    Column::ResidenceType,
    Column::Landlord,
    Column::LandlordPhone,
    Column::Notes,
];

struct Checker<'a> {
    headers: HashMap<Column, (usize, String)>,
    grids: &'a [LedgerGrid],
    tags: &'a [TagDefinition],
    today: NaiveDate,
    problems: Vec<RowProblem>,
    /// Households (grid, address) that lost a row to its problems: whether
    /// they have a head is unknown, so that is not reported too.
    incomplete: HashSet<HouseholdKey>,
}

type HouseholdKey = (usize, [Option<String>; 4]);

impl Checker<'_> {
    fn header(&self, col: Column) -> String {
        self.headers
            .get(&col)
            .map(|(_, h)| h.clone())
            .unwrap_or_else(|| template_header(col).to_owned())
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
            row,
            column,
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
            Err(()) => {
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

    fn grid(&mut self, cells: &[Data], row: u32) -> Option<usize> {
        let v = self.required(cells, row, Column::Grid, MAX_TEXT_CHARS)?;
        let by_code: Vec<usize> = (0..self.grids.len())
            .filter(|&i| self.grids[i].code == v)
            .collect();
        let found = if by_code.is_empty() {
            (0..self.grids.len())
                .filter(|&i| self.grids[i].name == v)
                .collect()
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
            [i] if !self.grids[*i].in_scope => {
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
        match IdNumber::parse_on(&v, self.today) {
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
                .tags
                .iter()
                .find(|t| t.name_zh == part || t.code == part || t.name_en == part)
            {
                Some(t) if out.iter().any(|o| o.code == t.code) => {}
                Some(t) => out.push(ResidentTag {
                    code: t.code.clone(),
                    start: self.today,
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

    /// One resident row, or `None` when it has problems (already recorded).
    fn row(&mut self, cells: &[Data], row: u32, every_row_a_head: bool) -> Option<Row> {
        let before = self.problems.len();
        let grid = self.grid(cells, row);
        let estate = self.required(cells, row, Column::Estate, MAX_TEXT_CHARS);
        let building = self.optional(cells, row, Column::Building, MAX_TEXT_CHARS);
        let unit = self.optional(cells, row, Column::Unit, MAX_TEXT_CHARS);
        let door = self.optional(cells, row, Column::Door, MAX_TEXT_CHARS);
        let name = self.required(cells, row, Column::Name, MAX_NAME_CHARS);
        let id_number = self.id_number(cells, row);
        let phone = self.phone(cells, row, Column::Phone);
        let relation = if every_row_a_head {
            Some(Relation::Head)
        } else {
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
        };
        let tags = self.tags(cells, row);
        let residence = self.optional(cells, row, Column::ResidenceType, MAX_TEXT_CHARS);
        let residence = match residence {
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
        let notes = self.optional(cells, row, Column::Notes, MAX_TEXT_CHARS);
        if self.problems.len() > before {
            if let (Some(grid), Some(estate)) = (grid, &estate) {
                self.incomplete
                    .insert((grid, [Some(estate.clone()), building, unit, door]));
            }
            return None;
        }
        Some(Row {
            row,
            grid: grid?,
            address: [estate, building, unit, door],
            household: [residence, landlord, landlord_phone, notes],
            name: name?,
            id_number,
            phone,
            relation: relation?,
            tags,
        })
    }
}

fn template_header(col: Column) -> &'static str {
    COLUMNS.iter().find(|c| c.0 == col).map_or("", |c| c.1)
}

/// Reads and checks a ledger workbook. Promises: `Ok` only when every row and
/// the file as a whole pass, with every household at version 1; else every
/// problem found, by row. A workbook that would inflate past
/// [`xlsx_size::MAX_UNPACKED_BYTES`] is refused before it is parsed.
pub fn read(
    bytes: &[u8],
    grids: &[LedgerGrid],
    tags: &[TagDefinition],
    today: NaiveDate,
) -> Result<Ledger, LedgerError> {
    xlsx_size::check(bytes)?;
    let mut wb: Xlsx<Cursor<&[u8]>> =
        open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| LedgerError::NotXlsx)?;
    let range = match wb.worksheet_range_at(0) {
        Some(Ok(r)) => r,
        Some(Err(_)) => return Err(LedgerError::NotXlsx),
        None => return Err(LedgerError::Empty),
    };
    let first_row = range.start().map_or(0, |(r, _)| r);
    let mut rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| (first_row + i as u32 + 1, cells))
        .filter(|(_, cells)| cells.iter().any(|c| !matches!(cell_text(c), Ok(None))));
    let Some((header_row, header_cells)) = rows.next() else {
        return Err(LedgerError::Empty);
    };
    let data: Vec<(u32, &[Data])> = rows.collect();
    if data.len() > MAX_ROWS {
        return Err(LedgerError::TooManyRows { found: data.len() });
    }
    let mut problems = Vec::new();
    let texts: Vec<String> = header_cells
        .iter()
        .map(|c| cell_text(c).ok().flatten().unwrap_or_default())
        .collect();
    let normals: Vec<String> = texts.iter().map(|h| normal_header(h)).collect();
    let has_name = normals.iter().any(|h| {
        COLUMNS
            .iter()
            .any(|c| c.0 == Column::Name && (c.1 == h || c.3.contains(&h.as_str())))
    });
    let mut headers: HashMap<Column, (usize, String)> = HashMap::new();
    let mut ignored = Vec::new();
    for (i, (text, h)) in texts.iter().zip(&normals).enumerate() {
        if h.is_empty() || h == "序号" {
            continue;
        }
        let col = COLUMNS
            .iter()
            .find(|c| c.1 == h || c.3.contains(&h.as_str()))
            .map(|c| c.0)
            .or_else(|| (h == HEAD_NAME && !has_name).then_some(Column::Name));
        match col {
            Some(col) if headers.contains_key(&col) => problems.push(RowProblem {
                row: header_row,
                column: redact_digits(text),
                code: "duplicate_column",
                zh: format!("与“{}”列重复", headers[&col].1),
                en: format!("The same column as “{}”", headers[&col].1),
                value: String::new(),
            }),
            Some(col) => {
                headers.insert(col, (i, text.clone()));
            }
            None => ignored.push(redact_digits(text)),
        }
    }
    for (col, zh, en, _, required) in COLUMNS {
        if *required && !headers.contains_key(col) {
            problems.push(RowProblem {
                row: header_row,
                column: (*zh).to_owned(),
                code: "missing_column",
                zh: format!("缺少必填列“{zh}”"),
                en: format!("The required column “{zh}” ({en}) is missing"),
                value: String::new(),
            });
        }
    }
    if !problems.is_empty() {
        return Err(LedgerError::Rows(problems));
    }
    if data.is_empty() {
        return Err(LedgerError::Empty);
    }
    let every_row_a_head = !headers.contains_key(&Column::Relation);
    let mut checker = Checker {
        headers: headers.clone(),
        grids,
        tags,
        today,
        problems,
        incomplete: HashSet::new(),
    };
    let good: Vec<Row> = data
        .iter()
        .filter_map(|(row, cells)| checker.row(cells, *row, every_row_a_head))
        .collect();

    // Identity numbers appear once in the file.
    let mut seen: HashMap<String, u32> = HashMap::new();
    for r in &good {
        if let Some(id) = &r.id_number {
            if let Some(first) = seen.get(id.as_str()) {
                let first = *first;
                checker.problem(
                    r.row,
                    Column::IdNumber,
                    "duplicate_id_number",
                    format!("身份证号与第 {first} 行重复"),
                    format!("The same ID number as row {first}"),
                    id.masked(),
                );
            } else {
                seen.insert(id.as_str().to_owned(), r.row);
            }
        }
    }

    // Rows with one grid and address are one household.
    let mut order: Vec<HouseholdKey> = Vec::new();
    let mut members: HashMap<HouseholdKey, Vec<&Row>> = HashMap::new();
    for r in &good {
        let key = (r.grid, r.address.clone());
        let list = members.entry(key.clone()).or_default();
        if list.is_empty() {
            order.push(key);
        }
        list.push(r);
    }
    let mut households = Vec::with_capacity(order.len());
    let mut sheet_rows = Vec::with_capacity(order.len());
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
        let mut facts: [Option<(u32, String)>; 4] = Default::default();
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
        }
        let [residence, landlord, landlord_phone, notes] = facts.map(|f| f.map(|(_, v)| v));
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
        let grid = &grids[key.0];
        let [estate, building, unit, door] = key.1.clone();
        // Head first, then the others in sheet order.
        let mut ordered: Vec<&Row> = rows.to_vec();
        ordered.sort_by_key(|r| (r.relation != Relation::Head, r.row));
        sheet_rows.push(ordered.iter().map(|r| r.row).collect());
        households.push(HouseholdRecord {
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
            notes: notes.unwrap_or_default(),
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
    let mut problems = checker.problems;
    if !problems.is_empty() {
        let position = |p: &RowProblem| {
            COLUMNS
                .iter()
                .position(|c| c.1 == p.column || c.3.contains(&p.column.as_str()))
                .unwrap_or(usize::MAX)
        };
        problems.sort_by_key(|p| (p.row, position(p)));
        return Err(LedgerError::Rows(problems));
    }
    Ok(Ledger {
        residents: good.len(),
        households,
        sheet_rows,
        headers: headers.into_iter().map(|(c, (_, h))| (c, h)).collect(),
        ignored_columns: ignored,
    })
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
            if let Err(LedgerError::Rows(problems)) = read(&sheet(&rows), &grids, &doorstep_core::domain::builtin_tags(), today) {
                for p in problems {
                    proptest::prop_assert!(!p.value.contains(&id) && !p.zh.contains(&id) && !p.en.contains(&id));
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
    fn headers_lose_spaces_and_required_marks() {
        assert_eq!(normal_header(" *身份证号 （必填）"), "身份证号");
    }

    #[test]
    fn garbage_is_not_a_workbook() {
        assert_eq!(
            read(b"not a spreadsheet", &[], &[], NaiveDate::MIN).err(),
            Some(LedgerError::NotXlsx)
        );
    }
}
