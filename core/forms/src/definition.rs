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

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::prefill::Prefill;
use crate::schedule::Schedule;

/// The newest definition format this build reads; it reads every older one.
///
/// - 1: the first format.
/// - 2: adds what a format-1 reader would refuse or show wrongly: a
///   `choice_filter` and the choice `columns` it reads (cascading selects),
///   one choice name listed twice under different columns, a repeat inside a
///   repeat, and texts in languages beyond `zh` and `en`.
///
/// A definition says the oldest format that has everything it uses
/// ([`FormDefinition::needed_format`]), so phones with an older app keep
/// taking the forms they can show, and refuse the others in words
/// ([`crate::LoadError::Format`]) instead of showing them wrong.
pub const FORMAT_VERSION: u32 = 2;

/// Why a definition needs a format above 1: the first thing found that a
/// format-1 reader would not show right, in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatNeed {
    pub format: u32,
    pub field: String,
    pub what_zh: &'static str,
    pub what_en: &'static str,
}

/// A text in Chinese (shown to workers) and English, and in any further
/// language a community needs (维吾尔语 `ug`, 藏语 `bo`, …), keyed by language code.
/// In JSON the further languages sit beside `zh` and `en`:
/// `{"zh": "姓名", "en": "Name", "ug": "ئىسىم"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LocalizedText {
    #[serde(default)]
    pub zh: String,
    #[serde(default)]
    pub en: String,
    /// Further languages by code (lowercase, e.g. `ug`, `bo`).
    #[serde(flatten)]
    pub other: BTreeMap<String, String>,
}

impl LocalizedText {
    /// Several texts as one list: `、` between the Chinese ones, `, ` between
    /// the English ones (the chosen labels of a multiple choice).
    pub fn list(items: &[LocalizedText]) -> Self {
        let zh: Vec<&str> = items.iter().map(|t| t.zh.as_str()).collect();
        let en: Vec<&str> = items.iter().map(|t| t.en.as_str()).collect();
        Self::new(zh.join("、"), en.join(", "))
    }

    /// A text with both languages given.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
            other: BTreeMap::new(),
        }
    }

    /// The text in language `code` (`zh`, `en`, `ug`, …); when that language
    /// is missing, the Chinese, then the English, then any other there is.
    pub fn text_in(&self, code: &str) -> &str {
        let wanted = match code {
            "zh" => self.zh.as_str(),
            "en" => self.en.as_str(),
            other => self.other.get(other).map_or("", String::as_str),
        };
        [wanted, self.zh.as_str(), self.en.as_str()]
            .into_iter()
            .chain(self.other.values().map(String::as_str))
            .find(|t| !t.is_empty())
            .unwrap_or_default()
    }

    /// The codes of the languages this text is written in, `zh` and `en` first.
    pub fn languages(&self) -> Vec<&str> {
        let mut out = Vec::new();
        if !self.zh.is_empty() {
            out.push("zh");
        }
        if !self.en.is_empty() {
            out.push("en");
        }
        out.extend(
            self.other
                .iter()
                .filter(|(_, t)| !t.is_empty())
                .map(|(k, _)| k.as_str()),
        );
        out
    }

    /// True when no language has any text.
    pub fn is_empty(&self) -> bool {
        self.languages().is_empty()
    }
}

/// Known languages: code and the names a form may use for it.
const LANGUAGES: [(&str, &[&str]); 12] = [
    (
        "zh",
        &[
            "chinese",
            "中文",
            "简体中文",
            "汉语",
            "普通话",
            "汉文",
            "simplified chinese",
        ],
    ),
    ("en", &["english", "英语", "英文"]),
    (
        "ug",
        &[
            "uyghur",
            "uighur",
            "维吾尔语",
            "维吾尔文",
            "维语",
            "ئۇيغۇرچە",
        ],
    ),
    ("bo", &["tibetan", "藏语", "藏文", "བོད་ཡིག"]),
    ("mn", &["mongolian", "蒙古语", "蒙古文", "蒙语"]),
    ("ko", &["korean", "朝鲜语", "朝鲜文", "韩语"]),
    ("kk", &["kazakh", "哈萨克语", "哈萨克文"]),
    ("ii", &["yi", "nuosu", "彝语", "彝文"]),
    ("za", &["zhuang", "壮语", "壮文"]),
    ("ky", &["kyrgyz", "柯尔克孜语"]),
    ("fr", &["french", "法语"]),
    ("es", &["spanish", "西班牙语"]),
];

/// Names of known languages for a language picker: code, Chinese, English.
const LANGUAGE_NAMES: [(&str, &str, &str); 12] = [
    ("zh", "中文", "Chinese"),
    ("en", "英语", "English"),
    ("ug", "维吾尔语", "Uyghur"),
    ("bo", "藏语", "Tibetan"),
    ("mn", "蒙古语", "Mongolian"),
    ("ko", "朝鲜语", "Korean"),
    ("kk", "哈萨克语", "Kazakh"),
    ("ii", "彝语", "Yi"),
    ("za", "壮语", "Zhuang"),
    ("ky", "柯尔克孜语", "Kyrgyz"),
    ("fr", "法语", "French"),
    ("es", "西班牙语", "Spanish"),
];

/// The name of the language `code` in Chinese and English (`ug` → 维吾尔语 /
/// Uyghur); a language not known is named by its code in both.
pub fn language_name(code: &str) -> LocalizedText {
    LANGUAGE_NAMES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or_else(
            || LocalizedText::new(code, code),
            |(_, zh, en)| LocalizedText::new(*zh, *en),
        )
}

/// The code of the language a header or `default_language` names: the code in
/// parentheses when there is one (`Uyghur (ug)` → `ug`), else the code of a
/// known name (`中文` → `zh`), else the tag itself in lowercase. Region and
/// script parts are dropped (`zh-CN`, `zh_Hans` → `zh`).
pub fn language_code(tag: &str) -> String {
    let t = tag.trim();
    let (name, code) = match (t.rfind('('), t.ends_with(')')) {
        (Some(open), true) => (t[..open].trim(), Some(t[open + 1..t.len() - 1].trim())),
        _ => (t, None),
    };
    let primary = |c: &str| -> String {
        c.split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_lowercase()
    };
    if let Some(code) = code.filter(|c| !c.is_empty()) {
        return primary(code);
    }
    let lower = name.to_lowercase();
    for (code, names) in LANGUAGES {
        if lower == code || names.contains(&lower.as_str()) {
            return code.to_owned();
        }
    }
    let p = primary(&lower);
    let looks_like_code = (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic());
    if looks_like_code && lower.contains(['-', '_']) {
        return p;
    }
    lower
}

/// The text of a choice's label named as an XLSForm column: `label` (Chinese
/// first), `label::English (en)`, `label:zh`; `None` for any other column.
pub fn label_column<'t>(label: &'t LocalizedText, column: &str) -> Option<&'t str> {
    if column == "label" {
        return Some(label.text_in("zh"));
    }
    let tag = column.strip_prefix("label")?.strip_prefix(':')?;
    Some(label.text_in(&language_code(tag.trim_start_matches(':'))))
}

/// A whole form, as written by a template author or produced by the XLSForm importer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDefinition {
    /// Definition format: at most [`FORMAT_VERSION`], and at least what the
    /// definition uses needs ([`FormDefinition::oldest_format`]).
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

impl FormDefinition {
    /// The oldest definition format that has everything this definition uses
    /// (see [`FORMAT_VERSION`]), with the first field that needs it.
    pub fn needed_format(&self) -> Option<FormatNeed> {
        fn extra_language(t: &LocalizedText) -> bool {
            t.other.values().any(|v| !v.is_empty())
        }
        fn walk(fields: &[Field], in_repeat: bool) -> Option<(String, &'static str, &'static str)> {
            for f in fields {
                let found = |zh, en| Some((f.name.clone(), zh, en));
                if f.choice_filter.is_some() {
                    return found("按条件筛选选项（choice_filter）", "a choice_filter");
                }
                let choices = f.choices.as_deref().unwrap_or_default();
                if choices.iter().any(|c| !c.columns.is_empty()) {
                    return found("选项的附加列", "choice columns");
                }
                if choices
                    .iter()
                    .enumerate()
                    .any(|(i, c)| choices[..i].iter().any(|d| d.name == c.name))
                {
                    return found("重复的选项名", "a choice name listed twice");
                }
                let texts = [Some(&f.label), f.hint.as_ref(), f.guidance_hint.as_ref()];
                if texts.into_iter().flatten().any(extra_language)
                    || choices.iter().any(|c| extra_language(&c.label))
                {
                    return found(
                        "中文和英文以外的语言",
                        "a language beyond Chinese and English",
                    );
                }
                let repeat = f.field_type == FieldType::Repeat;
                if repeat && in_repeat {
                    return found("重复组里的重复组", "a repeat inside a repeat");
                }
                if let Some(hit) = walk(
                    f.children.as_deref().unwrap_or_default(),
                    in_repeat || repeat,
                ) {
                    return Some(hit);
                }
            }
            None
        }
        if extra_language(&self.title) {
            return Some(FormatNeed {
                format: 2,
                field: String::new(),
                what_zh: "中文和英文以外的语言",
                what_en: "a language beyond Chinese and English",
            });
        }
        walk(&self.fields, false).map(|(field, what_zh, what_en)| FormatNeed {
            format: 2,
            field,
            what_zh,
            what_en,
        })
    }

    /// The oldest format that has everything this definition uses: 1, or 2
    /// when [`needed_format`](Self::needed_format) finds something.
    pub fn oldest_format(&self) -> u32 {
        self.needed_format().map_or(1, |n| n.format)
    }

    /// The codes of every language the form's title, labels, hints and
    /// choices are written in, `zh` and `en` first, then the others in order.
    pub fn languages(&self) -> Vec<String> {
        fn add(out: &mut Vec<String>, text: &LocalizedText) {
            for code in text.languages() {
                if !out.iter().any(|c| c == code) {
                    out.push(code.to_owned());
                }
            }
        }
        fn walk(out: &mut Vec<String>, fields: &[Field]) {
            for f in fields {
                add(out, &f.label);
                for text in [&f.hint, &f.guidance_hint].into_iter().flatten() {
                    add(out, text);
                }
                for c in f.choices.iter().flatten() {
                    add(out, &c.label);
                }
                walk(out, f.children.as_deref().unwrap_or_default());
            }
        }
        let mut out = Vec::new();
        add(&mut out, &self.title);
        walk(&mut out, &self.fields);
        let rank = |c: &str| match c {
            "zh" => 0,
            "en" => 1,
            _ => 2,
        };
        // Stable: the other languages keep the order they were met in.
        out.sort_by_key(|c| rank(c));
        out
    }
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
    /// A longer explanation the worker opens when she needs it (XLSForm `guidance_hint`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance_hint: Option<LocalizedText>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// Required only when this condition holds (XLSForm's `required` holding
    /// an expression, e.g. `${has_income} = 'yes'`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_if: Option<String>,
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
    /// A display hint (`minimal`, `multiline`, …). The phone shows every
    /// question one way, so the XLSForm importer leaves appearances out with a
    /// warning, and asks behaviour-changing ones the nearest way it can.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appearance: Option<String>,
    /// Choices of a `select_one` / `select_multiple`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<Choice>>,
    /// Which choices are offered (cascading selects, 街道 → 社区 → 网格): an
    /// expression evaluated once per choice, where a bare word names a column of
    /// the choice (`street = ${street}`, `name`) and `${…}` the answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice_filter: Option<String>,
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
            guidance_hint: None,
            required: false,
            required_if: None,
            required_message: None,
            relevant: None,
            constraint: None,
            constraint_message: None,
            calculation: None,
            default: None,
            read_only: false,
            appearance: None,
            choices: None,
            choice_filter: None,
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
    /// Further columns a `choice_filter` reads (e.g. `street` on a list of
    /// 社区), by column name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, String>,
}

impl Choice {
    /// A choice with its stored name and labels.
    pub fn new(name: impl Into<String>, zh: &str, en: &str) -> Self {
        Self {
            name: name.into(),
            label: LocalizedText::new(zh, en),
            columns: BTreeMap::new(),
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
