//! A checked, compiled form: the only way to validate answers.
//!
//! [`Form::load`] refuses a definition with every problem it can see before a
//! worker ever opens the form: bad or duplicate names, select fields without
//! choices, groups that hold nothing, properties on fields they
//! make no sense for, defaults that are not valid answers, expression syntax
//! errors, unknown fields, static type errors and cycles among calculations.
//! Each error names the field and, for expressions, the property and column,
//! in English (its `Display`) and in Chinese ([`LoadError::message_zh`]).

use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;
use regex::Regex;

use crate::definition::{
    Choice, FORMAT_VERSION, Field, FieldType, FormDefinition, LocalizedText, yes_no_choices,
};
use crate::expr::types::{self, Context, ExprError, ExprErrorKind, FieldShape, Schema, Ty};
use crate::expr::{Expr, parse, parse_choice_filter};

/// Which expression property of a field an error is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Property {
    Relevant,
    Constraint,
    Calculation,
    ChoiceFilter,
    Required,
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Relevant => "relevant",
            Self::Constraint => "constraint",
            Self::Calculation => "calculation",
            Self::ChoiceFilter => "choice_filter",
            Self::Required => "required",
        })
    }
}

impl Property {
    /// The property as a Chinese error names it.
    pub fn zh(self) -> &'static str {
        match self {
            Self::Relevant => "显示条件",
            Self::Constraint => "约束",
            Self::Calculation => "计算",
            Self::ChoiceFilter => "选项筛选",
            Self::Required => "必填条件",
        }
    }
}

/// One reason a definition cannot be loaded. `Display` is the English text,
/// [`LoadError::message_zh`] the Chinese one; neither holds more than the
/// definition itself (names, choices, expressions), never an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("the definition is not valid JSON for a form: {0}")]
    Json(String),
    #[error(
        "the form is in definition format {found}, which this app cannot read (it reads formats 1 to {supported}): update the app"
    )]
    Format { found: u32, supported: u32 },
    /// The definition says a format older than what it uses needs: a reader of
    /// that format would refuse it or show it wrong.
    #[error(
        "the form says format {declared}, but {what_en} (`{field}`) needs format {needed}: write \"format\": {needed}"
    )]
    FormatTooOld {
        declared: u32,
        needed: u32,
        field: String,
        what_zh: &'static str,
        what_en: &'static str,
    },
    #[error("the form has no id")]
    MissingId,
    #[error("the form has no fields")]
    NoFields,
    #[error(
        "`{name}` is not a valid field name (start with a letter or `_`; then letters, digits, `_`, `-`, `.`)"
    )]
    BadName { name: String },
    #[error("field name `{name}` is used more than once")]
    DuplicateName { name: String },
    #[error("field `{field}` is a select but has no choice list")]
    MissingChoices { field: String },
    #[error("field `{field}` has choice `{choice}` more than once")]
    DuplicateChoice { field: String, choice: String },
    #[error(
        "field `{field}` has choice name `{choice}`: choice names must be non-empty and hold no spaces"
    )]
    BadChoiceName { field: String, choice: String },
    #[error("field `{field}` has a choice list but is not a select")]
    ChoicesOnNonSelect { field: String },
    #[error("field `{field}` has children but is not a group or repeat")]
    ChildrenOnNonContainer { field: String },
    #[error("group or repeat `{field}` holds no fields")]
    EmptyContainer { field: String },
    #[error("field `{field}` cannot have a {property}")]
    PropertyNotAllowed {
        field: String,
        property: &'static str,
    },
    #[error("calculate field `{field}` has no calculation")]
    MissingCalculation { field: String },
    #[error("field `{field}` has min_count greater than max_count")]
    BadCounts { field: String },
    #[error("field `{field}` has a default that is not a valid answer: {}", reason.en)]
    BadDefault {
        field: String,
        reason: LocalizedText,
    },
    #[error("field `{field}`, {property}, column {pos}: {kind}")]
    Expression {
        field: String,
        property: Property,
        pos: usize,
        kind: ExprErrorKind,
    },
    #[error("calculations form a cycle: {}", fields.join(" -> "))]
    Cycle { fields: Vec<String> },
}

impl LoadError {
    /// The Chinese text of this error (the English one is its `Display`).
    pub fn message_zh(&self) -> String {
        match self {
            Self::Json(m) => format!("定义不是有效的表单 JSON：{}", json_zh(m)),
            Self::Format { found, supported } => {
                format!(
                    "此表单使用定义格式 {found}，本应用只能读取格式 1 到 {supported}：请更新入户通应用"
                )
            }
            Self::FormatTooOld {
                declared,
                needed,
                field,
                what_zh,
                ..
            } => format!(
                "表单写的是定义格式 {declared}，但{what_zh}（`{field}`）需要格式 {needed}：请写 \"format\": {needed}"
            ),
            Self::MissingId => "表单没有编号（id）".to_owned(),
            Self::NoFields => "表单没有字段".to_owned(),
            Self::BadName { name } => format!(
                "`{name}` 不是有效的字段名（须以字母或 `_` 开头，其后只能是字母、数字、`_`、`-`、`.`）"
            ),
            Self::DuplicateName { name } => format!("字段名 `{name}` 用了不止一次"),
            Self::MissingChoices { field } => {
                format!("字段 `{field}` 是选择题，但没有选项列表")
            }
            Self::DuplicateChoice { field, choice } => {
                format!("字段 `{field}` 的选项 `{choice}` 出现了不止一次")
            }
            Self::BadChoiceName { field, choice } => {
                format!("字段 `{field}` 的选项名 `{choice}` 无效：选项名不能为空，也不能含空格")
            }
            Self::ChoicesOnNonSelect { field } => {
                format!("字段 `{field}` 不是选择题，却有选项列表")
            }
            Self::ChildrenOnNonContainer { field } => {
                format!("字段 `{field}` 不是分组或重复组，却含有子字段")
            }
            Self::EmptyContainer { field } => format!("分组或重复组 `{field}` 中没有字段"),
            Self::PropertyNotAllowed { field, property } => {
                let property = match *property {
                    "constraint" => "约束",
                    "default" => "默认值",
                    "calculation" => "计算",
                    "required flag" => "必填标记",
                    "min_count/max_count" => "数量限制（min_count/max_count）",
                    "choice_filter" => "选项筛选（choice_filter）",
                    "prefill" => "这种预填（prefill）",
                    _ => "该属性",
                };
                format!("字段 `{field}` 不能设置{property}")
            }
            Self::MissingCalculation { field } => {
                format!("计算字段 `{field}` 没有计算公式")
            }
            Self::BadCounts { field } => format!("字段 `{field}` 的 min_count 大于 max_count"),
            Self::BadDefault { field, reason } => {
                format!("字段 `{field}` 的默认值不是有效的答案：{}", reason.zh)
            }
            Self::Expression {
                field,
                property,
                pos,
                kind,
            } => format!(
                "字段 `{field}` 的{}，第 {pos} 列：{}",
                property.zh(),
                kind.message_zh()
            ),
            Self::Cycle { fields } => format!("计算之间形成循环：{}", fields.join(" -> ")),
        }
    }
}

/// A serde_json error (`… at line L column C`) in Chinese: its kind and position.
fn json_zh(en: &str) -> String {
    let (what, position) = match en.rsplit_once(" at line ") {
        Some((what, pos)) => match pos.split_once(" column ") {
            Some((line, column)) => (what, format!("（第 {line} 行第 {column} 列）")),
            None => (en, String::new()),
        },
        None => (en, String::new()),
    };
    // The quoted name of `missing field `x`` and the like, when there is one.
    let quoted = || {
        let mut parts = what.splitn(3, '`');
        parts.next();
        parts.next().map(|n| format!(" `{n}`")).unwrap_or_default()
    };
    let kind = if what.starts_with("EOF while parsing") {
        "内容不完整，提前结束".to_owned()
    } else if what.starts_with("missing field") {
        format!("缺少必需的项{}", quoted())
    } else if what.starts_with("unknown field") {
        format!("不认识的项{}", quoted())
    } else if what.starts_with("duplicate field") {
        format!("项{}出现了不止一次", quoted())
    } else if what.starts_with("unknown variant") {
        format!("不认识的取值{}", quoted())
    } else if what.starts_with("invalid type") {
        "值的类型不对".to_owned()
    } else if what.starts_with("invalid value") || what.starts_with("invalid length") {
        "值无效".to_owned()
    } else {
        "JSON 语法错误".to_owned()
    };
    format!("{kind}{position}")
}

/// Every reason a definition was refused, in the order found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadErrors(pub Vec<LoadError>);

impl fmt::Display for LoadErrors {
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

impl std::error::Error for LoadErrors {}

/// A field as the validator sees it: flattened, with compiled expressions.
#[derive(Debug, Clone)]
pub(crate) struct FieldInfo {
    pub name: String,
    pub field_type: FieldType,
    pub label: LocalizedText,
    /// Index of the enclosing group or repeat.
    pub parent: Option<usize>,
    /// Ordinal of the repeat this field is inside.
    pub repeat: Option<usize>,
    /// For a repeat field, its own ordinal.
    pub own_repeat: Option<usize>,
    /// Position in its scope's value vector (root or one repeat instance).
    pub slot: usize,
    pub required: bool,
    pub read_only: bool,
    pub relevant: Option<Expr>,
    pub constraint: Option<Expr>,
    pub constraint_message: Option<LocalizedText>,
    pub required_message: Option<LocalizedText>,
    pub calculation: Option<Expr>,
    pub choices: Vec<Choice>,
    /// Which choices are offered, evaluated once per choice.
    pub choice_filter: Option<Expr>,
    /// The field is required when this holds (besides `required`).
    pub required_if: Option<Expr>,
    pub default: Option<serde_json::Value>,
    pub min_count: Option<u32>,
    pub max_count: Option<u32>,
}

/// A form whose definition passed every load-time check.
#[derive(Debug, Clone)]
pub struct Form {
    def: FormDefinition,
    pub(crate) fields: Vec<FieldInfo>,
    pub(crate) by_name: HashMap<String, usize>,
    /// Fields of each scope in document order: `[0]` is the root, `[r + 1]` repeat `r`.
    pub(crate) scopes: Vec<Vec<usize>>,
    /// Field index of each repeat, by ordinal.
    pub(crate) repeats: Vec<usize>,
    /// Fields with a calculation, dependencies first.
    pub(crate) calc_order: Vec<usize>,
    pub(crate) regexes: HashMap<String, Regex>,
}

struct Builder<'d> {
    fields: Vec<FieldInfo>,
    defs: Vec<&'d Field>,
    scopes: Vec<Vec<usize>>,
    repeats: Vec<usize>,
    errors: Vec<LoadError>,
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {
            chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        }
        _ => false,
    }
}

impl<'d> Builder<'d> {
    fn add(&mut self, f: &'d Field, parent: Option<usize>, repeat: Option<usize>) {
        let idx = self.fields.len();
        let scope = repeat.map_or(0, |r| r + 1);
        let slot = self.scopes[scope].len();
        self.scopes[scope].push(idx);
        let name = f.name.clone();
        if !valid_name(&name) {
            self.errors.push(LoadError::BadName { name: name.clone() });
        }
        let ft = f.field_type;
        let choices = match (ft, &f.choices) {
            (FieldType::YesNo, _) => yes_no_choices(),
            (t, Some(cs)) if t.has_choices() => cs.clone(),
            (t, None) if t.has_choices() => {
                self.errors.push(LoadError::MissingChoices {
                    field: name.clone(),
                });
                Vec::new()
            }
            (_, Some(_)) => {
                self.errors.push(LoadError::ChoicesOnNonSelect {
                    field: name.clone(),
                });
                Vec::new()
            }
            (_, None) => Vec::new(),
        };
        if ft.has_choices() && f.choices.as_ref().is_some_and(Vec::is_empty) {
            self.errors.push(LoadError::MissingChoices {
                field: name.clone(),
            });
        }
        for (i, c) in choices.iter().enumerate() {
            if c.name.is_empty() || c.name.chars().any(char::is_whitespace) {
                self.errors.push(LoadError::BadChoiceName {
                    field: name.clone(),
                    choice: c.name.clone(),
                });
            }
            // A name twice is one answer; with a choice_filter it may stand
            // for choices its columns tell apart (one filter shows one of them).
            let filtered = f.choice_filter.is_some();
            if choices[..i]
                .iter()
                .any(|d| d.name == c.name && (!filtered || d.columns == c.columns))
            {
                self.errors.push(LoadError::DuplicateChoice {
                    field: name.clone(),
                    choice: c.name.clone(),
                });
            }
        }
        let not_allowed = |property: &'static str| LoadError::PropertyNotAllowed {
            field: name.clone(),
            property,
        };
        if ft.is_container() || ft == FieldType::Note || ft == FieldType::Calculate {
            if f.constraint.is_some() {
                self.errors.push(not_allowed("constraint"));
            }
            if f.default.is_some() {
                self.errors.push(not_allowed("default"));
            }
        }
        if ft.is_container() && f.calculation.is_some() {
            self.errors.push(not_allowed("calculation"));
        }
        if let Some(p) = f.prefill {
            let in_members = repeat.is_some_and(|r| {
                self.defs[self.repeats[r]].prefill == Some(crate::Prefill::HouseholdMembers)
            });
            if !p.fits(ft) || p.is_member() != in_members {
                self.errors.push(not_allowed("prefill"));
            }
        }
        if ft == FieldType::Group && (f.required || f.required_if.is_some()) {
            self.errors.push(not_allowed("required flag"));
        }
        if ft == FieldType::Calculate && f.calculation.is_none() {
            self.errors.push(LoadError::MissingCalculation {
                field: name.clone(),
            });
        }
        if (f.min_count.is_some() || f.max_count.is_some())
            && !matches!(ft, FieldType::Image | FieldType::Repeat)
        {
            self.errors.push(not_allowed("min_count/max_count"));
        }
        if let (Some(lo), Some(hi)) = (f.min_count, f.max_count)
            && lo > hi
        {
            self.errors.push(LoadError::BadCounts {
                field: name.clone(),
            });
        }
        let own_repeat = if ft == FieldType::Repeat {
            self.repeats.push(idx);
            self.scopes.push(Vec::new());
            Some(self.repeats.len() - 1)
        } else {
            None
        };
        self.fields.push(FieldInfo {
            name: name.clone(),
            field_type: ft,
            label: f.label.clone(),
            parent,
            repeat,
            own_repeat,
            slot,
            required: f.required,
            read_only: f.read_only,
            relevant: None,
            constraint: None,
            constraint_message: f.constraint_message.clone(),
            required_message: f.required_message.clone(),
            calculation: None,
            choices,
            choice_filter: None,
            required_if: None,
            default: f.default.clone(),
            min_count: f.min_count,
            max_count: f.max_count,
        });
        self.defs.push(f);
        match (&f.children, ft.is_container()) {
            (Some(children), true) => {
                if children.is_empty() {
                    self.errors.push(LoadError::EmptyContainer { field: name });
                }
                let inner_repeat = own_repeat.or(repeat);
                for child in children {
                    self.add(child, Some(idx), inner_repeat);
                }
            }
            (None, true) => self.errors.push(LoadError::EmptyContainer { field: name }),
            (Some(_), false) => self
                .errors
                .push(LoadError::ChildrenOnNonContainer { field: name }),
            (None, false) => {}
        }
    }
}

/// Name lookups for the expression checker during loading.
struct LoadSchema<'a> {
    fields: &'a [FieldInfo],
    by_name: &'a HashMap<String, usize>,
    repeats: &'a [usize],
}

impl Schema for LoadSchema<'_> {
    fn shape(&self, name: &str) -> Option<FieldShape<'_>> {
        let f = &self.fields[*self.by_name.get(name)?];
        Some(FieldShape {
            field_type: f.field_type,
            repeat: f.repeat.map(|r| self.fields[self.repeats[r]].name.as_str()),
            choices: (!f.choices.is_empty()).then_some(f.choices.as_slice()),
        })
    }

    fn repeat_encloses(&self, outer: &str, inner: &str) -> bool {
        let repeat_of = |name: &str| {
            let f = &self.fields[*self.by_name.get(name)?];
            f.own_repeat
        };
        let Some(target) = repeat_of(outer) else {
            return false;
        };
        let mut at = repeat_of(inner);
        while let Some(r) = at {
            if r == target {
                return true;
            }
            at = self.fields[self.repeats[r]].repeat;
        }
        false
    }
}

impl Form {
    /// Parses JSON text and loads it; see [`Form::load`].
    pub fn from_json(text: &str) -> Result<Form, LoadErrors> {
        // A newer format may hold properties this build does not know: its
        // number is told before they are.
        #[derive(serde::Deserialize)]
        struct Format {
            format: Option<u32>,
        }
        if let Ok(Format {
            format: Some(found),
        }) = serde_json::from_str::<Format>(text)
            && found > FORMAT_VERSION
        {
            return Err(LoadErrors(vec![LoadError::Format {
                found,
                supported: FORMAT_VERSION,
            }]));
        }
        let def: FormDefinition = serde_json::from_str(text)
            .map_err(|e| LoadErrors(vec![LoadError::Json(e.to_string())]))?;
        Form::load(def)
    }

    /// Checks a definition and compiles its expressions. Returns every problem found
    /// when it is not fit for use; a form that loads never fails at a door for a
    /// reason visible in its definition.
    pub fn load(def: FormDefinition) -> Result<Form, LoadErrors> {
        let mut b = Builder {
            fields: Vec::new(),
            defs: Vec::new(),
            scopes: vec![Vec::new()],
            repeats: Vec::new(),
            errors: Vec::new(),
        };
        if !(1..=FORMAT_VERSION).contains(&def.format) {
            b.errors.push(LoadError::Format {
                found: def.format,
                supported: FORMAT_VERSION,
            });
            return Err(LoadErrors(b.errors));
        }
        if let Some(need) = def.needed_format().filter(|n| n.format > def.format) {
            b.errors.push(LoadError::FormatTooOld {
                declared: def.format,
                needed: need.format,
                field: need.field,
                what_zh: need.what_zh,
                what_en: need.what_en,
            });
        }
        if def.id.trim().is_empty() {
            b.errors.push(LoadError::MissingId);
        }
        if def.fields.is_empty() {
            b.errors.push(LoadError::NoFields);
        }
        for f in &def.fields {
            b.add(f, None, None);
        }
        let mut by_name = HashMap::new();
        for (i, f) in b.fields.iter().enumerate() {
            if by_name.insert(f.name.clone(), i).is_some()
                && !b
                    .errors
                    .iter()
                    .any(|e| matches!(e, LoadError::DuplicateName { name } if *name == f.name))
            {
                b.errors.push(LoadError::DuplicateName {
                    name: f.name.clone(),
                });
            }
        }
        let mut regexes = HashMap::new();
        let mut compiled: Vec<[Option<Expr>; 5]> = Vec::with_capacity(b.fields.len());
        {
            let schema = LoadSchema {
                fields: &b.fields,
                by_name: &by_name,
                repeats: &b.repeats,
            };
            for (i, f) in b.fields.iter().enumerate() {
                let d = b.defs[i];
                let repeat_name = f.repeat.map(|r| b.fields[b.repeats[r]].name.as_str());
                let own_ty = FieldShape {
                    field_type: f.field_type,
                    repeat: None,
                    choices: None,
                }
                .ty();
                let props = [
                    (Property::Relevant, &d.relevant, None),
                    (Property::Constraint, &d.constraint, Some(own_ty)),
                    (Property::Calculation, &d.calculation, None),
                    (Property::ChoiceFilter, &d.choice_filter, None),
                    (Property::Required, &d.required_if, None),
                ];
                let columns = choice_columns(&f.choices);
                let mut out: [Option<Expr>; 5] = [None, None, None, None, None];
                for (k, (property, src, current)) in props.into_iter().enumerate() {
                    let is_filter = property == Property::ChoiceFilter;
                    if is_filter && src.is_some() && !f.field_type.has_choices() {
                        b.errors.push(LoadError::PropertyNotAllowed {
                            field: f.name.clone(),
                            property: "choice_filter",
                        });
                        continue;
                    }
                    let Some(src) = src else { continue };
                    let expr_err = |pos: usize, kind: ExprErrorKind| LoadError::Expression {
                        field: f.name.clone(),
                        property,
                        pos,
                        kind,
                    };
                    let parsed = if is_filter {
                        parse_choice_filter(src)
                    } else {
                        parse(src)
                    };
                    let expr = match parsed {
                        Ok(e) => e,
                        Err(e) => {
                            let message = LocalizedText::new(e.message_zh, e.message);
                            b.errors
                                .push(expr_err(e.pos, ExprErrorKind::Syntax(message)));
                            continue;
                        }
                    };
                    let ctx = Context {
                        current,
                        repeat: repeat_name,
                        this: current.map(|_| f.name.as_str()),
                        columns: is_filter.then_some(columns.as_slice()),
                    };
                    match types::check(&expr, &schema, ctx) {
                        Ok(checked) => {
                            for p in checked.patterns {
                                if let Ok(re) = Regex::new(&p) {
                                    regexes.insert(p, re);
                                }
                            }
                            if property != Property::Calculation
                                && matches!(checked.ty, Ty::Str | Ty::Date)
                            {
                                b.errors.push(expr_err(
                                    expr.pos,
                                    ExprErrorKind::Type(LocalizedText::new(
                                        format!(
                                            "{}必须是条件判断（例如 `${{x}} = 'yes'`），不能是{}",
                                            property.zh(),
                                            checked.ty.zh()
                                        ),
                                        format!(
                                            "a {property} must be a condition (e.g. `${{x}} = 'yes'`), not {}",
                                            checked.ty
                                        ),
                                    )),
                                ));
                            }
                            out[k] = Some(expr);
                        }
                        Err(errs) => {
                            for ExprError { pos, kind } in errs {
                                b.errors.push(expr_err(pos, kind));
                            }
                        }
                    }
                }
                compiled.push(out);
            }
        }
        for (
            f,
            [
                relevant,
                constraint,
                calculation,
                choice_filter,
                required_if,
            ],
        ) in b.fields.iter_mut().zip(compiled)
        {
            f.relevant = relevant;
            f.constraint = constraint;
            f.calculation = calculation;
            f.choice_filter = choice_filter;
            f.required_if = required_if;
        }
        let calc_order = match calculation_order(&b.fields, &by_name) {
            Ok(order) => order,
            Err(cycle) => {
                b.errors.push(LoadError::Cycle { fields: cycle });
                Vec::new()
            }
        };
        let today = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
        for f in &b.fields {
            if let Some(default) = &f.default
                && let Err(problem) = crate::validate::convert(f, default, today)
            {
                b.errors.push(LoadError::BadDefault {
                    field: f.name.clone(),
                    reason: LocalizedText::new(problem.zh, problem.en),
                });
            }
        }
        if !b.errors.is_empty() {
            return Err(LoadErrors(b.errors));
        }
        Ok(Form {
            fields: b.fields,
            by_name,
            scopes: b.scopes,
            repeats: b.repeats,
            calc_order,
            regexes,
            def,
        })
    }

    /// The definition this form was loaded from.
    pub fn definition(&self) -> &FormDefinition {
        &self.def
    }

    /// The repeat around repeat `r` (by ordinal), when it sits inside one.
    pub(crate) fn outer_repeat(&self, r: usize) -> Option<usize> {
        self.fields[self.repeats[r]].repeat
    }

    /// The template id.
    pub fn id(&self) -> &str {
        &self.def.id
    }

    /// The template version.
    pub fn version(&self) -> u64 {
        self.def.version
    }

    /// The choices of a select or yes/no field, by the field's name.
    pub fn choices_of(&self, name: &str) -> Option<&[Choice]> {
        let f = &self.fields[*self.by_name.get(name)?];
        (!f.choices.is_empty()).then_some(f.choices.as_slice())
    }

    /// The type of the field named `name`, wherever it sits in the form.
    pub fn field_type(&self, name: &str) -> Option<FieldType> {
        Some(self.fields[*self.by_name.get(name)?].field_type)
    }

    /// The number of fields, counting groups, repeats and their children.
    pub fn field_count(&self) -> usize {
        self.fields.len()
    }

    /// The form in the normalized shape `doorstep form check` prints: format, id,
    /// version, title and fields with XLSForm type names and expressions in normal form.
    pub fn normalized_json(&self) -> serde_json::Value {
        serde_json::json!({
            "format": self.def.format,
            "id": self.def.id,
            "version": self.def.version,
            "title": self.def.title,
            "fields": self.def.fields.iter().map(|f| self.normalized_field(f)).collect::<Vec<_>>(),
        })
    }

    fn normalized_field(&self, f: &Field) -> serde_json::Value {
        let info = self.by_name.get(&f.name).map(|&i| &self.fields[i]);
        let expr_text = |e: Option<&Expr>| e.map(ToString::to_string);
        let choices = info.filter(|i| !i.choices.is_empty()).map(|i| {
            i.choices
                .iter()
                .map(|c| {
                    let mut choice = serde_json::json!({"name": c.name, "label": c.label});
                    if !c.columns.is_empty() {
                        choice["columns"] = serde_json::json!(c.columns);
                    }
                    choice
                })
                .collect::<Vec<_>>()
        });
        let children = f.children.as_ref().map(|cs| {
            cs.iter()
                .map(|c| self.normalized_field(c))
                .collect::<Vec<_>>()
        });
        let mut out = serde_json::json!({
            "name": f.name,
            "type": f.field_type.xlsform_name(),
            "label": f.label,
            "required": f.required,
            "relevant": expr_text(info.and_then(|i| i.relevant.as_ref())),
            "constraint": expr_text(info.and_then(|i| i.constraint.as_ref())),
            "calculation": expr_text(info.and_then(|i| i.calculation.as_ref())),
            "choices": choices,
            "children": children,
        });
        if let Some(filter) = info.and_then(|i| i.choice_filter.as_ref()) {
            out["choice_filter"] = serde_json::json!(filter.to_string());
        }
        if let Some(condition) = info.and_then(|i| i.required_if.as_ref()) {
            out["required_if"] = serde_json::json!(condition.to_string());
        }
        out
    }
}

/// The columns a choice filter may name: `name`, `label` and every extra
/// column any of the choices has (the label in a language, `label::English (en)`,
/// is always there too).
fn choice_columns(choices: &[Choice]) -> Vec<String> {
    let mut out = vec!["name".to_owned(), "label".to_owned()];
    for c in choices {
        for k in c.columns.keys() {
            if !out.contains(k) {
                out.push(k.clone());
            }
        }
    }
    out
}

/// Orders the calculated fields so each comes after the calculations it reads;
/// on a cycle, returns the names along it (first name repeated at the end).
fn calculation_order(
    fields: &[FieldInfo],
    by_name: &HashMap<String, usize>,
) -> Result<Vec<usize>, Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    fn visit(
        i: usize,
        fields: &[FieldInfo],
        by_name: &HashMap<String, usize>,
        marks: &mut [Mark],
        stack: &mut Vec<usize>,
        order: &mut Vec<usize>,
    ) -> Result<(), Vec<String>> {
        match marks[i] {
            Mark::Done => return Ok(()),
            Mark::Active => {
                let start = stack.iter().position(|&s| s == i).unwrap_or(0);
                let mut cycle: Vec<String> = stack[start..]
                    .iter()
                    .map(|&s| fields[s].name.clone())
                    .collect();
                cycle.push(fields[i].name.clone());
                return Err(cycle);
            }
            Mark::New => {}
        }
        marks[i] = Mark::Active;
        stack.push(i);
        if let Some(calc) = &fields[i].calculation {
            for name in calc.field_refs() {
                if let Some(&j) = by_name.get(name)
                    && fields[j].calculation.is_some()
                {
                    visit(j, fields, by_name, marks, stack, order)?;
                }
            }
        }
        stack.pop();
        marks[i] = Mark::Done;
        order.push(i);
        Ok(())
    }
    let mut marks = vec![Mark::New; fields.len()];
    let mut order = Vec::new();
    let mut stack = Vec::new();
    for i in 0..fields.len() {
        if fields[i].calculation.is_some() {
            visit(i, fields, by_name, &mut marks, &mut stack, &mut order)?;
        }
    }
    Ok(order)
}
