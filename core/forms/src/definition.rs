//! The versioned JSON form definition: what a template or an imported XLSForm
//! says, before it is checked.
//!
//! A [`FormDefinition`] is plain data (serde). It becomes usable only through
//! [`crate::Form::load`], which checks every name, choice list and expression and
//! refuses the whole definition when anything is wrong. The JSON shape is:
//!
//! ```json
//! {"format": 1, "id": "dibao_review", "version": 3,
//!  "title": {"zh": "低保定期复核", "en": "Minimum living allowance review"},
//!  "visit_kind": "dibao_review",
//!  "fields": [{"name": "income", "type": "money", "label": {"zh": "月收入", "en": "Monthly income"}}]}
//! ```
//!
//! Field `type`s use XLSForm's names where XLSForm has one (`text`, `integer`,
//! `decimal`, `date`, `select_one`, `select_multiple`, `geopoint`, `image`, `note`,
//! `calculate`, `group`, `repeat`) and ours where it has none (`money`, `yes_no`,
//! `id_number`, `phone`, `signature`). Groups are sections: their children are
//! answered at the level of the group's parent. Repeats hold a list of instances.
//!
//! A field's `prefill` names where its first answer comes from when a visit
//! starts — `"prefill": "household.code"` on the 户编号 field, `visit.date`,
//! `household.head` (the respondent), `household.members` on a repeat with
//! `member.name` / `member.id_number` / `member.phone` / `member.relation` inside
//! it: the table is in [`crate::prefill`].

use serde::{Deserialize, Serialize};

use crate::prefill::Prefill;
use crate::schedule::Schedule;

/// The definition format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// A text in Chinese (shown to workers) and English.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LocalizedText {
    #[serde(default)]
    pub zh: String,
    #[serde(default)]
    pub en: String,
}

impl LocalizedText {
    /// A text with both languages given.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// A whole form, as written by a template author or produced by the XLSForm importer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDefinition {
    /// Definition format; must be [`FORMAT_VERSION`].
    #[serde(default = "default_format")]
    pub format: u32,
    /// Stable template id, e.g. `dibao_review`.
    pub id: String,
    /// Template version; a visit is bound to the version it started with.
    pub version: u64,
    pub title: LocalizedText,
    /// What kind of visit this form records (domain.md §1), e.g. `dibao_application`.
    #[serde(default = "default_visit_kind")]
    pub visit_kind: String,
    /// How often households with given tags must be visited with this form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    pub fields: Vec<Field>,
}

fn default_format() -> u32 {
    FORMAT_VERSION
}

fn default_visit_kind() -> String {
    "custom".to_owned()
}

/// One question, section or computed value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub label: LocalizedText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<LocalizedText>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// What to say when a required field is empty (default: "… is required").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_message: Option<LocalizedText>,
    /// Skip logic: the field is asked only when this expression is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant: Option<String>,
    /// Must be true for a non-empty answer; `.` is the answer itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint_message: Option<LocalizedText>,
    /// The value is computed from this expression instead of being typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calculation: Option<String>,
    /// The value used when the answers leave the field out (a JSON literal of the field's type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub read_only: bool,
    /// A display hint (`minimal`, `multiline`, …); behaviour-changing ones are types or refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appearance: Option<String>,
    /// Choices of a `select_one` / `select_multiple`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<Choice>>,
    /// Fields of a `group` or `repeat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children: Option<Vec<Field>>,
    /// Fewest photos (for `image`) or repeat instances (for `repeat`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_count: Option<u32>,
    /// Most photos (for `image`) or repeat instances (for `repeat`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_count: Option<u32>,
    /// The answer may be posted on a public notice (张榜公示). Only top-level
    /// fields count; a notice never shows ID numbers, phones, addresses below
    /// the building, health or disability, whatever this says.
    #[serde(default, skip_serializing_if = "is_false")]
    pub public: bool,
    /// Where the field's first answer comes from when a visit starts
    /// (`household.code`, `visit.date`, `household.members`, …; see [`crate::prefill`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<Prefill>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Field {
    /// A field of the given type with every optional property unset.
    pub fn new(name: impl Into<String>, field_type: FieldType, label: LocalizedText) -> Self {
        Self {
            name: name.into(),
            field_type,
            label,
            hint: None,
            required: false,
            required_message: None,
            relevant: None,
            constraint: None,
            constraint_message: None,
            calculation: None,
            default: None,
            read_only: false,
            appearance: None,
            choices: None,
            children: None,
            min_count: None,
            max_count: None,
            public: false,
            prefill: None,
        }
    }
}

/// One option of a select question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub name: String,
    pub label: LocalizedText,
}

impl Choice {
    /// A choice with its stored name and labels.
    pub fn new(name: impl Into<String>, zh: &str, en: &str) -> Self {
        Self {
            name: name.into(),
            label: LocalizedText::new(zh, en),
        }
    }
}

/// What kind of answer a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Integer,
    Decimal,
    /// An amount of money in integer fen (分); in expressions too.
    Money,
    /// An ISO date `YYYY-MM-DD`.
    Date,
    /// Answered `"yes"` / `"no"` (or `true` / `false`); XLSForm's `select_one yes_no`.
    YesNo,
    SelectOne,
    SelectMultiple,
    /// A resident identity number, checked by `doorstep_model::IdNumber`.
    IdNumber,
    /// A mainland phone number, checked by `doorstep_model::Phone`.
    Phone,
    /// Display only; never answered.
    Note,
    /// `{"lat": …, "lon": …, "accuracy_m": …}` in WGS-84.
    Geopoint,
    /// Photos: a list of attachment ids, between `min_count` and `max_count`.
    #[serde(alias = "photo")]
    Image,
    /// A signature image: one attachment id.
    Signature,
    /// A hidden computed value.
    Calculate,
    /// A section; its children are answered beside it.
    Group,
    /// A list of instances, each with the children's fields (e.g. household members).
    Repeat,
}

impl FieldType {
    /// The type's name in XLSForm terms, as `doorstep form check` prints it
    /// (`yes_no` prints as `select_one`, its XLSForm spelling).
    pub fn xlsform_name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Integer => "integer",
            Self::Decimal => "decimal",
            Self::Money => "money",
            Self::Date => "date",
            Self::YesNo | Self::SelectOne => "select_one",
            Self::SelectMultiple => "select_multiple",
            Self::IdNumber => "id_number",
            Self::Phone => "phone",
            Self::Note => "note",
            Self::Geopoint => "geopoint",
            Self::Image => "image",
            Self::Signature => "signature",
            Self::Calculate => "calculate",
            Self::Group => "group",
            Self::Repeat => "repeat",
        }
    }

    /// True for types whose fields hold other fields.
    pub fn is_container(self) -> bool {
        matches!(self, Self::Group | Self::Repeat)
    }

    /// True for select types that carry a choice list.
    pub fn has_choices(self) -> bool {
        matches!(self, Self::SelectOne | Self::SelectMultiple)
    }
}

/// The fixed choices of a `yes_no` field.
pub fn yes_no_choices() -> Vec<Choice> {
    vec![
        Choice::new("yes", "是", "Yes"),
        Choice::new("no", "否", "No"),
    ]
}

impl FormDefinition {
    /// Parses a definition from JSON text. Structural checks happen in [`crate::Form::load`].
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}
