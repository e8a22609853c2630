//! Import of XLSForm workbooks (`.xlsx`, and the older `.xls`) as supervisors really write them: in
//! ODK, KoboToolbox or SurveyCTO, then edited in Excel or WPS.
//!
//! The `survey` sheet is required, `choices` when a select uses a list, and
//! `settings` is optional when the file's name can stand in for the form id.
//! Sheet names are matched without regard to case (a workbook of one sheet is
//! the survey, whatever its name); other sheets (说明, instructions) are left
//! out with a warning.
//!
//! - Text columns (`label`, `hint`, `guidance_hint`, `constraint_message`,
//!   `required_message`, media) in every language syntax: see [`language`].
//! - Cells of every Excel type read as typed: see [`sheet`].
//! - Settings, columns and metadata rows that do not apply to a phone form are
//!   left out with an [`XlsFormWarning`] (sheet, row, column, why), not refused.
//! - `select_one list or_other` adds the choice 其他 / Other and a text field
//!   `{name}_other` asked when it is chosen, as ODK does.
//! - `choice_filter` with extra choice columns (cascading selects).
//! - `select_one_from_file` with a CSV or Excel choice list given with the form
//!   (see [`choice_file`]); its choices become part of the definition.
//!
//! - What ODK reads in real forms reads here too: a note without a name
//!   (named `generated_note_name_{row}`, as pyxform does), `acknowledge`
//!   (asked as yes / no), `TRUE` / `FALSE` typed as a condition, a version
//!   with a dash (`2024091201-3`, read as its digits), a group named like a
//!   question (renamed `{name}_group`), and leftovers after 60 empty rows
//!   (not read, as in pyxform) — each with a warning where it changes anything.
//! - Question types the phone asks as its own kinds (see `mapped.rs`): `time`
//!   and `datetime` as text the core checks, `range` as a number between its
//!   bounds, `hidden` as a value computed from its calculation or default,
//!   `trigger` as yes / no; `begin loop over list` written out once per
//!   choice (see `loops.rs`). Appearances the phone cannot follow (`draw`,
//!   `annotate` on a photo, `month-year` / `year` on a date) are asked the
//!   nearest way it can, with a warning.
//!
//! What cannot work on a phone offline (`pulldata()`, `instance()`, `search()`,
//! a choice file that was not given, a question type the phone has no widget
//! for: `audio`, `video`, `file`, `geotrace`, …) is refused as an
//! [`XlsFormError::Feature`] that names the feature and says what to write
//! instead; other problems, and any problem
//! [`Form::load`] finds mapped back to its row, are refused with the sheet, row
//! and column. Every message is in Chinese and English
//! ([`XlsFormError::message_zh`]). The definition says the oldest format that
//! has what the workbook uses ([`crate::definition::FORMAT_VERSION`]).

mod choice_file;
mod choices;
mod language;
mod loops;
mod mapped;
mod settings;
mod sheet;
mod survey;

use std::collections::HashMap;
use std::fmt;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Range, Reader, Sheets, open_workbook_auto_from_rs};

use crate::definition::{FORMAT_VERSION, FormDefinition, LocalizedText};
use crate::form::{Form, LoadError, Property};
pub use choice_file::ChoiceFiles;
use sheet::Sheet;

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
    /// A feature that cannot work on a phone offline, at one cell (`pull_data()`,
    /// `search()`, a choice file that was not given, a question type the phone
    /// has no screen for); `feature` names it, as the message does.
    #[error("sheet `{sheet}`, row {row}, column {column}: {}", message.en)]
    Feature {
        sheet: &'static str,
        row: u32,
        column: String,
        feature: String,
        message: LocalizedText,
    },
    /// A problem with the form as a whole that no single row holds.
    #[error("{0}")]
    Form(LoadError),
}

impl XlsFormError {
    /// The offline-impossible feature this refusal names (`pulldata()`,
    /// `search()`, `external file`, `question type geotrace`, …), when it is one.
    pub fn feature(&self) -> Option<&str> {
        match self {
            Self::Feature { feature, .. } => Some(feature),
            _ => None,
        }
    }

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
            }
            | Self::Feature {
                sheet,
                row,
                column,
                message,
                ..
            } => format!("工作表 `{sheet}` 第 {row} 行 {column} 列：{}", message.zh),
            Self::Form(e) => e.message_zh(),
        }
    }
}

/// Something in the workbook that was left out because it does not apply to a
/// phone form; the form still works. `Display` is the English text,
/// [`XlsFormWarning::message_zh`] the Chinese one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XlsFormWarning {
    /// The sheet's name as written in the workbook.
    pub sheet: String,
    /// The 1-based row, when the warning is about one row or cell.
    pub row: Option<u32>,
    /// The column letter and header, e.g. `F (public_key)`, when about a column.
    pub column: Option<String>,
    pub message: LocalizedText,
}

impl XlsFormWarning {
    /// The Chinese text, with the same sheet, row and column as the English one.
    pub fn message_zh(&self) -> String {
        let mut s = format!("工作表 `{}`", self.sheet);
        if let Some(row) = self.row {
            s.push_str(&format!(" 第 {row} 行"));
        }
        if let Some(column) = &self.column {
            s.push_str(&format!(" {column} 列"));
        }
        format!("{s}：{}", self.message.zh)
    }
}

impl fmt::Display for XlsFormWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sheet `{}`", self.sheet)?;
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        write!(f, ": {}", self.message.en)
    }
}

/// Records a warning: the sheet, the row and column index when there are
/// ones, and why the thing was left out.
type Warn<'a> = dyn FnMut(&Sheet, Option<u32>, Option<usize>, LocalizedText) + 'a;

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

/// A loaded form and what was left out of the workbook on the way.
#[derive(Debug, Clone)]
pub struct Imported {
    pub form: Form,
    pub warnings: Vec<XlsFormWarning>,
}

/// Reads an `.xlsx` file and loads the form it defines. As in pyxform, a
/// workbook without a settings sheet (or without a `form_id`) takes the file's
/// name (without extension) as its form id.
pub fn import_path(path: &Path) -> Result<Form, XlsFormErrors> {
    import_path_with_warnings(path).map(|i| i.form)
}

/// As [`import_path`], with the warnings about what was left out. The choice
/// files of `select_one_from_file` are read from the workbook's folder.
pub fn import_path_with_warnings(path: &Path) -> Result<Imported, XlsFormErrors> {
    let bytes =
        std::fs::read(path).map_err(|e| XlsFormErrors(vec![XlsFormError::Open(e.to_string())]))?;
    let folder = path.parent().unwrap_or(Path::new("."));
    let beside = |name: &str| std::fs::read(folder.join(name)).ok();
    import(&bytes, path.file_stem().and_then(|s| s.to_str()), &beside)
}

/// Reads `.xlsx` bytes and loads the form they define; the workbook must have a
/// settings sheet with a `form_id`.
pub fn import_bytes(bytes: &[u8]) -> Result<Form, XlsFormErrors> {
    import(bytes, None, &|_| None).map(|i| i.form)
}

/// As [`import_bytes`], with the warnings about what was left out.
pub fn import_bytes_with_warnings(bytes: &[u8]) -> Result<Imported, XlsFormErrors> {
    import(bytes, None, &|_| None)
}

/// As [`import_bytes_with_warnings`], with the choice files of
/// `select_one_from_file` uploaded beside the workbook (`files` finds one by
/// the name the form gives it). Their choices become part of the definition.
pub fn import_bytes_with_files(
    bytes: &[u8],
    files: &ChoiceFiles<'_>,
) -> Result<Imported, XlsFormErrors> {
    import(bytes, None, files)
}

fn import(
    bytes: &[u8],
    fallback_id: Option<&str>,
    files: &ChoiceFiles<'_>,
) -> Result<Imported, XlsFormErrors> {
    let read = read_workbook(bytes, fallback_id, files)?;
    let rows = read.rows;
    let form = Form::load(read.definition)
        .map_err(|errs| XlsFormErrors(errs.0.into_iter().map(|e| rows.locate(e)).collect()))?;
    Ok(Imported {
        form,
        warnings: read.warnings,
    })
}

/// A workbook read into a definition, before [`Form::load`] checks it.
#[derive(Debug, Clone)]
pub struct ReadWorkbook {
    pub definition: FormDefinition,
    /// Where each field came from, to point load errors at their cells.
    pub rows: RowMap,
    pub warnings: Vec<XlsFormWarning>,
}

/// Reads `.xlsx` bytes into a definition without loading it (for tools that
/// want to inspect or convert a workbook). `fallback_id` is the form id used when
/// the settings give none; without one, a missing form id is an error. `files`
/// finds the choice files of `select_one_from_file`.
pub fn read_workbook(
    bytes: &[u8],
    fallback_id: Option<&str>,
    files: &ChoiceFiles<'_>,
) -> Result<ReadWorkbook, XlsFormErrors> {
    // `.xlsx` as Excel and WPS save today, the older `.xls`, and `.ods`.
    let mut wb: Sheets<Cursor<&[u8]>> = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| XlsFormErrors(vec![XlsFormError::Open(e.to_string())]))?;
    let names: Vec<String> = wb.sheet_names();
    let find = |want: &str| -> Option<String> {
        names
            .iter()
            .find(|n| n.trim().eq_ignore_ascii_case(want))
            .cloned()
    };
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    // As in pyxform, a workbook of one sheet is the survey, whatever its name.
    let only = match &names[..] {
        [one]
            if !["choices", "settings", "external_choices"]
                .iter()
                .any(|k| one.trim().eq_ignore_ascii_case(k)) =>
        {
            Some(one.clone())
        }
        _ => None,
    };
    let Some(survey_name) = find("survey").or(only) else {
        return Err(XlsFormErrors(vec![XlsFormError::MissingSheet("survey")]));
    };
    for name in &names {
        let known = *name == survey_name
            || ["choices", "settings", "external_choices"]
                .iter()
                .any(|k| name.trim().eq_ignore_ascii_case(k));
        if !known {
            warnings.push(XlsFormWarning {
                sheet: name.clone(),
                row: None,
                column: None,
                message: msg(
                    "这个工作表不属于 XLSForm（只读取 survey、choices、external_choices、settings），未读取",
                    "not an XLSForm sheet (only survey, choices, external_choices and settings are read); left out",
                ),
            });
        }
    }
    let read = |wb: &mut Sheets<Cursor<&[u8]>>, name: &str| -> Result<Range<Data>, XlsFormErrors> {
        wb.worksheet_range(name)
            .map_err(|e| XlsFormErrors(vec![XlsFormError::Open(e.to_string())]))
    };
    let survey_sheet = Sheet::new("survey", &read(&mut wb, &survey_name)?, &mut errors);
    let choices_sheet = match find("choices") {
        Some(n) => Some(Sheet::new("choices", &read(&mut wb, &n)?, &mut errors)),
        None => None,
    };
    let external_sheet = match find("external_choices") {
        Some(n) => Some(Sheet::new(
            "external_choices",
            &read(&mut wb, &n)?,
            &mut errors,
        )),
        None => None,
    };
    let settings_sheet = match find("settings") {
        Some(n) => Some(Sheet::new("settings", &read(&mut wb, &n)?, &mut errors)),
        None => None,
    };
    let mut warn = |sheet: &Sheet, row: Option<u32>, j: Option<usize>, message: LocalizedText| {
        let sheet_name = match sheet.name {
            "survey" => Some(survey_name.clone()),
            other => find(other),
        };
        warnings.push(XlsFormWarning {
            sheet: sheet_name.unwrap_or_else(|| sheet.name.to_owned()),
            row,
            column: j.map(|j| sheet.column_name(j)),
            message,
        });
    };
    for sheet in [
        settings_sheet.as_ref(),
        choices_sheet.as_ref(),
        Some(&survey_sheet),
    ]
    .into_iter()
    .flatten()
    {
        for &(j, row) in &sheet.stray {
            warn(sheet, Some(row), Some(j), no_header());
        }
        if let Some(row) = sheet.left_after_gap {
            let n = sheet::MAX_EMPTY_ROWS;
            warn(
                sheet,
                Some(row),
                None,
                msg(
                    format!("这一行在连续 {n} 个空行之后，和 ODK 一样，从这里往下不再读取"),
                    format!(
                        "this row comes after {n} empty rows: as in ODK, the sheet is not read from here on"
                    ),
                ),
            );
        }
    }
    let settings = settings::read(settings_sheet.as_ref(), fallback_id, &mut errors, &mut warn);
    let lists = choices_sheet
        .as_ref()
        .map(|c| choices::read(c, &settings.language, &mut errors, &mut warn))
        .unwrap_or_default();
    // `select_one_external` lists: ODK keeps them apart for its search screens;
    // here they are lists like any other.
    let external = external_sheet
        .as_ref()
        .map(|c| choices::read(c, &settings.language, &mut errors, &mut warn))
        .unwrap_or_default();
    let mut rows = RowMap::default();
    let fields = survey::read(
        &survey_sheet,
        &lists,
        &external,
        choices_sheet.is_some(),
        &settings.language,
        files,
        &mut rows,
        &mut errors,
        &mut warn,
    );
    if !errors.is_empty() {
        return Err(XlsFormErrors(errors));
    }
    let mut definition = FormDefinition {
        format: FORMAT_VERSION,
        id: settings.form_id,
        version: settings.version,
        title: settings.title,
        visit_kind: settings.visit_kind,
        schedule: None,
        fields,
    };
    // The oldest format that has what the workbook uses: older phones keep
    // taking the forms they can show.
    definition.format = definition.oldest_format();
    Ok(ReadWorkbook {
        definition,
        rows,
        warnings,
    })
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
                    Property::ChoiceFilter => "choice_filter",
                    Property::Required => "required",
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
            | LoadError::DuplicateChoice { field, .. }
            | LoadError::BadChoiceName { field, .. }
            | LoadError::EmptyContainer { field }
            | LoadError::MissingCalculation { field }
            | LoadError::PropertyNotAllowed { field, .. } => cell(field, "type", whole()),
            _ => XlsFormError::Form(e.clone()),
        }
    }
}

/// Why a column without a header that holds values is left out.
fn no_header() -> LocalizedText {
    msg(
        "这一列有内容但没有表头，未读取",
        "this column has values but no header; left out",
    )
}

/// Why a picture, sound or video column is left out.
fn media_left_out() -> LocalizedText {
    msg(
        "图片、音频和视频文件不会带到手机上，这一列未读取",
        "pictures, sound and video files are not carried to the phone; the column is left out",
    )
}
