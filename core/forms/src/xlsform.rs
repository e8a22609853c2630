//! Import of XLSForm workbooks (`.xlsx`), the way supervisors write forms in Excel
//! or WPS for ODK, Kobo and SurveyCTO.
//!
//! Three sheets are read: `survey` (required), `choices` (required when a select
//! uses a list) and `settings` (`form_id` required; `version`, `form_title`,
//! `default_language` and our `visit_kind` optional). Survey columns: `type`,
//! `name`, `label` (plain, `label::zh`, `label::en`, `label::Chinese (zh)`, …),
//! `hint`, `required`, `required_message`, `relevant`, `constraint`, `constraint_message`,
//! `calculation`, `default`, `read_only`, `appearance`, and our `prefill` (where a
//! visit's first answer comes from: `household.code`, `visit.date`, … — see
//! [`crate::prefill`]). Besides XLSForm's types,
//! `id_number`, `phone`, `money` (integer fen), `yes_no` and `signature` (or
//! `image` with appearance `signature`) are accepted.
//!
//! Nothing is silently dropped: a column, type, language, appearance or setting
//! this importer does not understand is refused with the sheet, row and column,
//! and so is any problem [`Form::load`] finds, mapped back to its row. Each
//! message is written in Chinese and English side by side ([`XlsFormError::message_zh`]).

use std::collections::HashMap;
use std::fmt;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Range, Reader, Xlsx, open_workbook_from_rs};

use crate::definition::{Choice, FORMAT_VERSION, Field, FieldType, FormDefinition, LocalizedText};
use crate::form::{Form, LoadError, Property};

/// One reason a workbook was refused. `Display` is the English text,
/// [`XlsFormError::message_zh`] the Chinese one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XlsFormError {
    #[error("cannot read the workbook: {0}")]
    Open(String),
    #[error("the workbook has no `{0}` sheet")]
    MissingSheet(&'static str),
    /// A problem at one cell; `column` is the letter and header, e.g. `D (relevant)`.
    #[error("sheet `{sheet}`, row {row}, column {column}: {}", message.en)]
    Cell {
        sheet: &'static str,
        row: u32,
        column: String,
        message: LocalizedText,
    },
    /// A problem with the form as a whole that no single row holds.
    #[error("{0}")]
    Form(LoadError),
}

impl XlsFormError {
    /// The Chinese text of this error, with the same sheet, row and column as
    /// the English one (its `Display`).
    pub fn message_zh(&self) -> String {
        match self {
            // calamine explains only in English, and only about the file format.
            Self::Open(_) => "无法读取该工作簿：请上传 XLSForm 格式的 .xlsx 文件".to_owned(),
            Self::MissingSheet(sheet) => format!("工作簿缺少 `{sheet}` 工作表"),
            Self::Cell {
                sheet,
                row,
                column,
                message,
            } => format!("工作表 `{sheet}` 第 {row} 行 {column} 列：{}", message.zh),
            Self::Form(e) => e.message_zh(),
        }
    }
}

/// A cell problem's text: Chinese, then English.
fn msg(zh: impl Into<String>, en: impl Into<String>) -> LocalizedText {
    LocalizedText::new(zh, en)
}

/// Every reason a workbook was refused, in sheet order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XlsFormErrors(pub Vec<XlsFormError>);

impl fmt::Display for XlsFormErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for XlsFormErrors {}

/// Reads an `.xlsx` file and loads the form it defines. As in pyxform, a
/// workbook without a settings sheet takes the file's name (without extension)
/// as its form id.
pub fn import_path(path: &Path) -> Result<Form, XlsFormErrors> {
    let bytes =
        std::fs::read(path).map_err(|e| XlsFormErrors(vec![XlsFormError::Open(e.to_string())]))?;
    import(&bytes, path.file_stem().and_then(|s| s.to_str()))
}

/// Reads `.xlsx` bytes and loads the form they define; the workbook must have a
/// settings sheet with a `form_id`.
pub fn import_bytes(bytes: &[u8]) -> Result<Form, XlsFormErrors> {
    import(bytes, None)
}

fn import(bytes: &[u8], fallback_id: Option<&str>) -> Result<Form, XlsFormErrors> {
    let (def, rows) = definition_from_bytes(bytes, fallback_id)?;
    Form::load(def)
        .map_err(|errs| XlsFormErrors(errs.0.into_iter().map(|e| rows.locate(e)).collect()))
}

/// Reads `.xlsx` bytes into a definition without loading it (for tools that
/// want to inspect or convert a workbook). `fallback_id` is the form id used when
/// there is no settings sheet; without one, a missing settings sheet is an error.
pub fn definition_from_bytes(
    bytes: &[u8],
    fallback_id: Option<&str>,
) -> Result<(FormDefinition, RowMap), XlsFormErrors> {
    let mut wb: Xlsx<Cursor<&[u8]>> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| XlsFormErrors(vec![XlsFormError::Open(e.to_string())]))?;
    let names: Vec<String> = wb.sheet_names();
    let find = |want: &str| -> Option<String> {
        names
            .iter()
            .find(|n| n.trim().eq_ignore_ascii_case(want))
            .cloned()
    };
    let mut errors = Vec::new();
    let Some(survey_name) = find("survey") else {
        return Err(XlsFormErrors(vec![XlsFormError::MissingSheet("survey")]));
    };
    let read = |wb: &mut Xlsx<Cursor<&[u8]>>, name: &str| {
        wb.worksheet_range(name)
            .map_err(|e| XlsFormErrors(vec![XlsFormError::Open(e.to_string())]))
    };
    let survey = Sheet::new("survey", &read(&mut wb, &survey_name)?, &mut errors);
    let choices = match find("choices") {
        Some(n) => Some(Sheet::new("choices", &read(&mut wb, &n)?, &mut errors)),
        None => None,
    };
    let settings = match find("settings") {
        Some(n) => Some(Sheet::new("settings", &read(&mut wb, &n)?, &mut errors)),
        None => None,
    };
    let settings = read_settings(settings.as_ref(), fallback_id, &mut errors);
    let lists = choices
        .as_ref()
        .map(|c| read_choices(c, settings.language, &mut errors))
        .unwrap_or_default();
    let mut rows = RowMap::default();
    let fields = read_survey(
        &survey,
        &lists,
        choices.is_some(),
        settings.language,
        &mut rows,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(XlsFormErrors(errors));
    }
    let def = FormDefinition {
        format: FORMAT_VERSION,
        id: settings.form_id,
        version: settings.version,
        title: settings.title,
        visit_kind: settings.visit_kind,
        schedule: None,
        fields,
    };
    Ok((def, rows))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Zh,
    En,
}

/// `zh`, `zh-CN`, `Chinese (zh)`, `中文` → Chinese; `en`, `English (en)` → English.
fn parse_lang(tag: &str) -> Option<Lang> {
    let t = tag.trim();
    let code = match (t.rfind('('), t.ends_with(')')) {
        (Some(open), true) => &t[open + 1..t.len() - 1],
        _ => t,
    };
    let code = code.trim().to_lowercase();
    if code.starts_with("zh") || ["chinese", "中文", "简体中文", "汉语"].contains(&code.as_str())
    {
        Some(Lang::Zh)
    } else if code.starts_with("en") || code == "english" {
        Some(Lang::En)
    } else {
        None
    }
}

fn column_letter(mut index: u32) -> String {
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

/// A sheet as text cells, with absolute row numbers and column names for errors.
struct Sheet {
    name: &'static str,
    /// Header names, lowercased except for the language part after `::`.
    headers: Vec<String>,
    /// 1-based Excel row number and cell texts of each data row.
    rows: Vec<(u32, Vec<String>)>,
    first_col: u32,
    header_row: u32,
}

impl Sheet {
    fn new(name: &'static str, range: &Range<Data>, errors: &mut Vec<XlsFormError>) -> Sheet {
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let mut rows_iter = range.rows().enumerate();
        let headers = rows_iter
            .next()
            .map(|(_, r)| {
                r.iter()
                    .map(|c| {
                        let raw = cell_text(c).unwrap_or_default();
                        match raw.split_once("::") {
                            Some((k, lang)) => {
                                format!("{}::{}", k.trim().to_lowercase(), lang.trim())
                            }
                            None => raw.trim().to_lowercase(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut sheet = Sheet {
            name,
            headers,
            rows: Vec::new(),
            first_col: col0,
            header_row: row0 + 1,
        };
        for (i, r) in rows_iter {
            let excel_row = row0 + i as u32 + 1;
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
            if cells.iter().any(|c| !c.is_empty()) {
                sheet.rows.push((excel_row, cells));
            }
        }
        sheet
    }

    fn column_name(&self, j: usize) -> String {
        let letter = column_letter(self.first_col + j as u32);
        match self.headers.get(j) {
            Some(h) if !h.is_empty() => format!("{letter} ({h})"),
            _ => letter,
        }
    }

    fn cell_error(&self, row: u32, j: usize, message: LocalizedText) -> XlsFormError {
        XlsFormError::Cell {
            sheet: self.name,
            row,
            column: self.column_name(j),
            message,
        }
    }

    fn col(&self, header: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == header)
    }

    /// Refuses every column not in `known` (by `known(header)`) that holds a value.
    fn refuse_unknown_columns(
        &self,
        known: impl Fn(&str) -> Result<(), LocalizedText>,
        errors: &mut Vec<XlsFormError>,
    ) {
        for (j, h) in self.headers.iter().enumerate() {
            let Err(why) = known(h) else { continue };
            let first = self
                .rows
                .iter()
                .find(|(_, cells)| cells.get(j).is_some_and(|c| !c.is_empty()));
            match first {
                Some((row, _)) => errors.push(self.cell_error(*row, j, why)),
                None if !h.is_empty() && known(h).is_err() && why.en.starts_with("language") => {
                    errors.push(self.cell_error(self.header_row, j, why));
                }
                None => {}
            }
        }
    }
}

fn cell_text(c: &Data) -> Result<String, LocalizedText> {
    Ok(match c {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
        Data::DateTimeIso(s) => s.clone(),
        Data::DateTime(_) | Data::DurationIso(_) => {
            return Err(msg(
                "这是日期格式的单元格：请把日期作为文本输入，格式 YYYY-MM-DD",
                "a date cell: type dates as text, YYYY-MM-DD",
            ));
        }
        Data::Error(e) => {
            return Err(msg(
                format!("单元格中是表格公式错误（{e:?}）"),
                format!("the cell holds a spreadsheet error ({e:?})"),
            ));
        }
    })
}

/// Checks a `label`-style header: plain, or `base::language` in Chinese or English.
fn localized_header(h: &str, base: &str) -> Option<Result<Option<Lang>, LocalizedText>> {
    if h == base {
        return Some(Ok(None));
    }
    let lang = h.strip_prefix(base)?.strip_prefix("::")?;
    Some(match parse_lang(lang) {
        Some(l) => Ok(Some(l)),
        None => Err(unsupported_language(lang)),
    })
}

fn unsupported_language(lang: &str) -> LocalizedText {
    msg(
        format!("不支持语言 `{lang}`（只支持中文和英文）"),
        format!("language `{lang}` is not supported (only Chinese and English)"),
    )
}

/// Reads a localized value from a row: explicit language columns first, then the plain column for `default`.
fn localized(sheet: &Sheet, cells: &[String], base: &str, default: Lang) -> Option<LocalizedText> {
    let mut text = LocalizedText::default();
    let mut plain = None;
    for (j, h) in sheet.headers.iter().enumerate() {
        let Some(v) = cells.get(j).filter(|v| !v.is_empty()) else {
            continue;
        };
        match localized_header(h, base) {
            Some(Ok(Some(Lang::Zh))) => text.zh = v.clone(),
            Some(Ok(Some(Lang::En))) => text.en = v.clone(),
            Some(Ok(None)) => plain = Some(v.clone()),
            _ => {}
        }
    }
    if let Some(p) = plain {
        match default {
            Lang::Zh if text.zh.is_empty() => text.zh = p,
            Lang::En if text.en.is_empty() => text.en = p,
            _ => {}
        }
    }
    (!text.zh.is_empty() || !text.en.is_empty()).then_some(text)
}

struct Settings {
    form_id: String,
    version: u64,
    title: LocalizedText,
    language: Lang,
    visit_kind: String,
}

fn read_settings(
    sheet: Option<&Sheet>,
    fallback_id: Option<&str>,
    errors: &mut Vec<XlsFormError>,
) -> Settings {
    let mut s = Settings {
        form_id: String::new(),
        version: 1,
        title: LocalizedText::default(),
        language: Lang::Zh,
        visit_kind: "custom".to_owned(),
    };
    let Some(sheet) = sheet else {
        match fallback_id {
            Some(id) if !id.trim().is_empty() => s.form_id = id.trim().to_owned(),
            _ => errors.push(XlsFormError::MissingSheet("settings")),
        }
        return s;
    };
    sheet.refuse_unknown_columns(
        |h| match h {
            "form_id" | "version" | "form_title" | "default_language" | "visit_kind" => Ok(()),
            "" => Err(no_header()),
            other => Err(msg(
                format!("不支持设置项 `{other}`"),
                format!("setting `{other}` is not supported"),
            )),
        },
        errors,
    );
    let Some((row, cells)) = sheet.rows.first() else {
        errors.push(sheet.cell_error(
            sheet.header_row + 1,
            0,
            msg(
                "settings 工作表没有填写设置值的行",
                "the settings sheet has no values row",
            ),
        ));
        return s;
    };
    let get = |h: &str| {
        sheet
            .col(h)
            .and_then(|j| cells.get(j).map(|v| (j, v.as_str())))
    };
    if let Some((j, lang)) = get("default_language").filter(|(_, v)| !v.is_empty()) {
        match parse_lang(lang) {
            Some(l) => s.language = l,
            None => errors.push(sheet.cell_error(*row, j, unsupported_language(lang))),
        }
    }
    match get("form_id") {
        Some((_, id)) if !id.is_empty() => s.form_id = id.to_owned(),
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
        match v.parse::<u64>() {
            Ok(n) if n > 0 => s.version = n,
            _ => errors.push(sheet.cell_error(
                *row,
                j,
                msg(
                    format!("版本号 `{v}` 必须是大于 0 的整数（例如 2026112201）"),
                    format!("version `{v}` must be a whole number above 0 (e.g. 2026112201)"),
                ),
            )),
        }
    }
    if let Some((_, t)) = get("form_title").filter(|(_, v)| !v.is_empty()) {
        match s.language {
            Lang::Zh => s.title.zh = t.to_owned(),
            Lang::En => s.title.en = t.to_owned(),
        }
    }
    if let Some((_, k)) = get("visit_kind").filter(|(_, v)| !v.is_empty()) {
        s.visit_kind = k.to_owned();
    }
    s
}

/// Choice lists by name, each with the row it starts on.
type Lists = HashMap<String, Vec<Choice>>;

fn read_choices(sheet: &Sheet, lang: Lang, errors: &mut Vec<XlsFormError>) -> Lists {
    sheet.refuse_unknown_columns(
        |h| match h {
            "list_name" | "list name" | "name" => Ok(()),
            "" => Err(no_header()),
            h => match localized_header(h, "label") {
                Some(Ok(_)) => Ok(()),
                Some(Err(e)) => Err(e),
                None => Err(msg(
                    format!("不支持选项列 `{h}`（不支持选项筛选和媒体）"),
                    format!(
                        "choice column `{h}` is not supported (choice filters and media are not)"
                    ),
                )),
            },
        },
        errors,
    );
    let list_col = sheet.col("list_name").or_else(|| sheet.col("list name"));
    let name_col = sheet.col("name");
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
    let mut lists = Lists::new();
    for (row, cells) in &sheet.rows {
        let list = cells.get(lc).map(String::as_str).unwrap_or_default();
        let name = cells.get(nc).map(String::as_str).unwrap_or_default();
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
        let entry = lists.entry(list.to_owned()).or_default();
        if entry.iter().any(|c| c.name == name) {
            errors.push(sheet.cell_error(
                *row,
                nc,
                msg(
                    format!("选项 `{name}` 在选项列表 `{list}` 中出现了两次"),
                    format!("choice `{name}` appears twice in list `{list}`"),
                ),
            ));
            continue;
        }
        let label = localized(sheet, cells, "label", lang).unwrap_or_default();
        entry.push(Choice {
            name: name.to_owned(),
            label,
        });
    }
    lists
}

/// Where each field came from, to point load errors at their row and column.
#[derive(Debug, Clone, Default)]
pub struct RowMap {
    rows: HashMap<String, u32>,
    columns: HashMap<&'static str, String>,
}

impl RowMap {
    fn locate(&self, e: LoadError) -> XlsFormError {
        let cell = |field: &str, column: &'static str, message: LocalizedText| match self
            .rows
            .get(field)
        {
            Some(&row) => XlsFormError::Cell {
                sheet: "survey",
                row,
                column: self
                    .columns
                    .get(column)
                    .cloned()
                    .unwrap_or_else(|| column.to_owned()),
                message,
            },
            None => XlsFormError::Form(e.clone()),
        };
        let whole = || msg(e.message_zh(), e.to_string());
        match &e {
            LoadError::Expression {
                field,
                property,
                pos,
                kind,
            } => {
                let column = match property {
                    Property::Relevant => "relevant",
                    Property::Constraint => "constraint",
                    Property::Calculation => "calculation",
                };
                cell(
                    field,
                    column,
                    msg(
                        format!("`{field}`：表达式第 {pos} 个字符处：{}", kind.message_zh()),
                        format!("`{field}`: at character {pos} of the expression: {kind}"),
                    ),
                )
            }
            LoadError::Cycle { fields } => match fields.first() {
                Some(first) => cell(first, "calculation", whole()),
                None => XlsFormError::Form(e.clone()),
            },
            LoadError::BadDefault { field, .. } => cell(field, "default", whole()),
            LoadError::PropertyNotAllowed {
                field,
                property: "prefill",
            } => cell(field, "prefill", whole()),
            LoadError::DuplicateName { name } | LoadError::BadName { name } => {
                cell(name, "name", whole())
            }
            LoadError::MissingChoices { field }
            | LoadError::EmptyContainer { field }
            | LoadError::NestedRepeat { field, .. }
            | LoadError::MissingCalculation { field }
            | LoadError::PropertyNotAllowed { field, .. } => cell(field, "type", whole()),
            _ => XlsFormError::Form(e.clone()),
        }
    }
}

/// Why a column without a header that holds values is refused.
fn no_header() -> LocalizedText {
    msg(
        "这一列有内容但没有表头",
        "this column has values but no header",
    )
}

const SURVEY_COLUMNS: [&str; 11] = [
    "type",
    "name",
    "required",
    "relevant",
    "constraint",
    "calculation",
    "default",
    "read_only",
    "appearance",
    "label",
    "prefill",
];

const METADATA: [&str; 12] = [
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "phonenumber",
    "simserial",
    "subscriberid",
    "audit",
    "email",
    "start-geopoint",
    "background-audio",
];

struct Frame {
    field: Field,
    row: u32,
    repeat: bool,
    children: Vec<Field>,
}

fn parse_flag(v: &str) -> Option<bool> {
    match v.trim().to_lowercase().as_str() {
        "" | "no" | "false" | "false()" | "0" => Some(false),
        "yes" | "true" | "true()" | "1" => Some(true),
        _ => None,
    }
}

fn read_survey(
    sheet: &Sheet,
    lists: &Lists,
    has_choices_sheet: bool,
    lang: Lang,
    rows: &mut RowMap,
    errors: &mut Vec<XlsFormError>,
) -> Vec<Field> {
    sheet.refuse_unknown_columns(
        |h| {
            if h.is_empty() {
                return Err(no_header());
            }
            if SURVEY_COLUMNS.contains(&h) {
                return Ok(());
            }
            for base in ["label", "hint", "constraint_message", "required_message"] {
                if let Some(r) = localized_header(h, base) {
                    return r.map(|_| ());
                }
            }
            Err(msg(
                format!("不支持列 `{h}`"),
                format!("column `{h}` is not supported"),
            ))
        },
        errors,
    );
    for (j, h) in sheet.headers.iter().enumerate() {
        for known in [
            "type",
            "name",
            "relevant",
            "constraint",
            "calculation",
            "default",
            "required",
            "prefill",
        ] {
            if h == known {
                rows.columns.insert(known, sheet.column_name(j));
            }
        }
    }
    let Some(type_col) = sheet.col("type") else {
        errors.push(sheet.cell_error(
            sheet.header_row,
            0,
            msg(
                "survey 工作表没有 `type`（类型）列",
                "the survey sheet has no `type` column",
            ),
        ));
        return Vec::new();
    };
    let name_col = sheet.col("name");
    let cell = |cells: &[String], h: &str| -> String {
        sheet
            .col(h)
            .and_then(|j| cells.get(j))
            .cloned()
            .unwrap_or_default()
    };
    let opt = |cells: &[String], h: &str| Some(cell(cells, h)).filter(|v| !v.is_empty());
    let mut root: Vec<Field> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    for (row, cells) in &sheet.rows {
        let row = *row;
        let raw_type = cell(cells, "type");
        let ty = raw_type
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        let name = cell(cells, "name");
        let err_at = |j: usize, zh: String, en: String| sheet.cell_error(row, j, msg(zh, en));
        if ty.is_empty() {
            errors.push(err_at(
                type_col,
                "这一行有内容但没有类型".to_owned(),
                "the row has values but no type".to_owned(),
            ));
            continue;
        }
        let ty_norm = ty.replace('_', " ");
        if ty_norm == "end group" || ty_norm == "end repeat" {
            let want_repeat = ty_norm == "end repeat";
            match stack.pop() {
                Some(frame) if frame.repeat == want_repeat => {
                    let mut field = frame.field;
                    field.children = Some(frame.children);
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(field),
                        None => root.push(field),
                    }
                }
                Some(frame) => {
                    let opened = if frame.repeat {
                        "begin repeat"
                    } else {
                        "begin group"
                    };
                    errors.push(err_at(
                        type_col,
                        format!(
                            "`{ty}` 关闭的却是 `{}` 的 `{opened}`（第 {} 行）",
                            frame.field.name, frame.row
                        ),
                        format!(
                            "`{ty}` closes `{opened}` of `{}` (row {})",
                            frame.field.name, frame.row
                        ),
                    ));
                    return root;
                }
                None => {
                    errors.push(err_at(
                        type_col,
                        format!("`{ty}` 没有对应的 begin 行"),
                        format!("`{ty}` without a matching begin"),
                    ));
                    return root;
                }
            }
            continue;
        }
        if name.is_empty() {
            errors.push(err_at(
                name_col.unwrap_or(type_col),
                "这一行没有名称（name）".to_owned(),
                "the row has no name".to_owned(),
            ));
            continue;
        }
        if let Some(&first) = rows.rows.get(&name) {
            errors.push(err_at(
                name_col.unwrap_or(type_col),
                format!("名称 `{name}` 已在第 {first} 行使用"),
                format!("name `{name}` is already used on row {first}"),
            ));
            continue;
        }
        rows.rows.insert(name.clone(), row);
        let appearance = opt(cells, "appearance");
        let mut choices = None;
        let field_type = match ty_norm.as_str() {
            "begin group" => FieldType::Group,
            "begin repeat" => FieldType::Repeat,
            "text" | "string" => FieldType::Text,
            "integer" | "int" => FieldType::Integer,
            "decimal" => FieldType::Decimal,
            "date" => FieldType::Date,
            "geopoint" => FieldType::Geopoint,
            "image" | "photo" if appearance.as_deref() == Some("signature") => FieldType::Signature,
            "image" | "photo" => FieldType::Image,
            "note" => FieldType::Note,
            "calculate" => FieldType::Calculate,
            "id number" => FieldType::IdNumber,
            "phone" => FieldType::Phone,
            "money" => FieldType::Money,
            "signature" => FieldType::Signature,
            "yes no" => FieldType::YesNo,
            t if t.starts_with("select one ") || t.starts_with("select multiple ") => {
                let multi = t.starts_with("select multiple ");
                // The list name keeps its own spelling (underscores included).
                let list = raw_type
                    .split_whitespace()
                    .last()
                    .unwrap_or_default()
                    .to_owned();
                let parts = raw_type.split_whitespace().count();
                let well_formed =
                    parts == 2 || (parts == 3 && raw_type.to_lowercase().starts_with("select "));
                if !well_formed || list.contains("from_file") {
                    errors.push(err_at(
                        type_col,
                        format!("不支持类型 `{raw_type}`"),
                        format!("type `{raw_type}` is not supported"),
                    ));
                    continue;
                }
                match lists.get(&list) {
                    Some(cs) => choices = Some(cs.clone()),
                    None => {
                        let (zh, en) = if has_choices_sheet {
                            (
                                format!("choices 工作表中没有选项列表 `{list}`"),
                                format!("choice list `{list}` is not on the choices sheet"),
                            )
                        } else {
                            (
                                format!("需要选项列表 `{list}`，但工作簿没有 choices 工作表"),
                                format!(
                                    "choice list `{list}` is needed but the workbook has no choices sheet"
                                ),
                            )
                        };
                        errors.push(err_at(type_col, zh, en));
                        continue;
                    }
                }
                if multi {
                    FieldType::SelectMultiple
                } else {
                    FieldType::SelectOne
                }
            }
            t if METADATA.contains(&t) => {
                errors.push(err_at(
                    type_col,
                    format!("元数据 `{t}` 由应用自动记录，请删除这一行"),
                    format!("metadata `{t}` is recorded by the app itself; delete this row"),
                ));
                continue;
            }
            _ => {
                errors.push(err_at(
                    type_col,
                    format!("不支持类型 `{raw_type}`"),
                    format!("type `{raw_type}` is not supported"),
                ));
                continue;
            }
        };
        if let Some(a) = &appearance {
            let refused = match field_type {
                FieldType::Date => matches!(a.as_str(), "month-year" | "year"),
                FieldType::Image => matches!(a.as_str(), "draw" | "annotate"),
                _ => a.contains("search("),
            };
            if refused {
                let j = sheet.col("appearance").unwrap_or(type_col);
                errors.push(err_at(
                    j,
                    format!("不支持外观 `{a}`：它会改变保存的内容"),
                    format!("appearance `{a}` changes what is stored and is not supported"),
                ));
                continue;
            }
        }
        let mut flag = |h: &str| -> bool {
            let v = cell(cells, h);
            match parse_flag(&v) {
                Some(b) => b,
                None => {
                    let j = sheet.col(h).unwrap_or(type_col);
                    let h_zh = if h == "required" { "必填" } else { "只读" };
                    errors.push(err_at(
                        j,
                        format!(
                            "{h}（{h_zh}）只能填 yes 或 no，不能是 `{v}`（不支持按条件{h_zh}）"
                        ),
                        format!(
                            "{h} must be yes or no, not `{v}` (conditional {h} is not supported)"
                        ),
                    ));
                    false
                }
            }
        };
        let required = flag("required");
        let read_only = flag("read_only");
        let default = opt(cells, "default").map(|d| default_value(field_type, &d));
        let mut field = Field::new(
            name,
            field_type,
            localized(sheet, cells, "label", lang).unwrap_or_default(),
        );
        field.hint = localized(sheet, cells, "hint", lang);
        field.required = required;
        field.read_only = read_only;
        field.relevant = opt(cells, "relevant");
        field.constraint = opt(cells, "constraint");
        field.constraint_message = localized(sheet, cells, "constraint_message", lang);
        field.required_message = localized(sheet, cells, "required_message", lang);
        field.calculation = opt(cells, "calculation");
        field.default = default;
        field.appearance = appearance;
        field.choices = choices;
        if let Some(code) = opt(cells, "prefill") {
            match crate::Prefill::from_code(&code) {
                Some(p) => field.prefill = Some(p),
                None => {
                    let j = sheet.col("prefill").unwrap_or(type_col);
                    errors.push(err_at(
                        j,
                        format!("不认识的预填来源 `{code}`（可用：household.code、household.head、household.address、visit.date、household.members、member.name、member.id_number、member.phone、member.relation）"),
                        format!("unknown prefill source `{code}` (known: household.code, household.head, household.address, visit.date, household.members, member.name, member.id_number, member.phone, member.relation)"),
                    ));
                }
            }
        }
        if field_type.is_container() {
            stack.push(Frame {
                field,
                row,
                repeat: field_type == FieldType::Repeat,
                children: Vec::new(),
            });
        } else {
            match stack.last_mut() {
                Some(parent) => parent.children.push(field),
                None => root.push(field),
            }
        }
    }
    if let Some(frame) = stack.last() {
        let (begin, end) = if frame.repeat {
            ("begin repeat", "end repeat")
        } else {
            ("begin group", "end group")
        };
        errors.push(sheet.cell_error(
            frame.row,
            type_col,
            msg(
                format!("`{}` 的 `{begin}` 没有用 `{end}` 关闭", frame.field.name),
                format!(
                    "`{begin}` of `{}` is never closed with `{end}`",
                    frame.field.name
                ),
            ),
        ));
    }
    root
}

/// An XLSForm default cell as a JSON answer of the field's type.
fn default_value(t: FieldType, text: &str) -> serde_json::Value {
    match t {
        FieldType::Integer | FieldType::Money => text
            .parse::<i64>()
            .map_or_else(|_| serde_json::Value::from(text), serde_json::Value::from),
        FieldType::Decimal => text
            .parse::<f64>()
            .map_or_else(|_| serde_json::Value::from(text), serde_json::Value::from),
        FieldType::SelectMultiple | FieldType::Image => {
            serde_json::Value::from(text.split_whitespace().collect::<Vec<_>>())
        }
        _ => serde_json::Value::from(text),
    }
}
