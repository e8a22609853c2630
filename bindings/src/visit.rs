//! A visit as a screen: start it, render its form as it stands, set answers
//! one field at a time, record the door check and photos, finalize (refused
//! with every problem), and revise a visit the supervisor returned.
//!
//! Every rule — which fields are asked, what is wrong with an answer, the
//! door-check verdict, the photo pipeline — runs in the core; a screen renders
//! [`VisitScreenView`] and sends back what the worker did.

use crate::error::DoorstepError;
use crate::session::Doorstep;
use chrono::{DateTime, TimeZone, Utc};
use doorstep_core::domain::{DeviceInstant, Visit, VisitStatus};
use doorstep_core::evidence::{self, DoorCheck, LatLon};
use doorstep_core::field_words;
use doorstep_core::forms::{FieldType, LocalizedText, Problem};
use doorstep_core::screen::{FieldView, VisitScreen};
use doorstep_core::store::visits::{VisitFilter, VisitSummary};
use doorstep_core::sync::protocol::PhotoRef;
use doorstep_core::visit_pages::{self, Finish};
use serde_json::{Value as Json, json};
use uuid::Uuid;

/// One problem with the answers; `path` names the field (`name` or `repeat[i].name`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FormProblem {
    pub path: String,
    /// Stable: `required`, `constraint`, `bad_check_digit`, …
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

impl From<Problem> for FormProblem {
    fn from(p: Problem) -> Self {
        Self {
            path: p.path,
            code: p.code,
            message_zh: p.message.zh,
            message_en: p.message.en,
        }
    }
}

/// An answer as the screen gives it or shows it.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum AnswerValue {
    /// Text, an ID number or a phone.
    Text {
        value: String,
    },
    Integer {
        value: i64,
    },
    Decimal {
        value: f64,
    },
    /// Money in integer fen (分).
    Money {
        fen: i64,
    },
    /// An ISO date `YYYY-MM-DD`.
    Date {
        iso: String,
    },
    YesNo {
        yes: bool,
    },
    /// A `select_one` choice name.
    Choice {
        name: String,
    },
    /// `select_multiple` choice names.
    Choices {
        names: Vec<String>,
    },
    /// WGS-84.
    Geopoint {
        lat: f64,
        lon: f64,
        accuracy_m: Option<f64>,
    },
    /// Photo hashes of an image field (added with `add_photo`).
    Photos {
        sha256s: Vec<String>,
    },
    /// Anything else, as JSON text (also shows a typed answer the form
    /// cannot take, as it was typed).
    Json {
        json: String,
    },
}

/// A choice of a select field.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChoiceView {
    pub name: String,
    pub label_zh: String,
    pub label_en: String,
    /// The label in the screen's `language` (Chinese, then English, where
    /// the form lacks it).
    #[uniffi(default)]
    pub label: String,
}

/// The kind of a field, for choosing its widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FieldKind {
    Text,
    Integer,
    Decimal,
    Money,
    Date,
    YesNo,
    SelectOne,
    SelectMultiple,
    IdNumber,
    Phone,
    Note,
    Geopoint,
    Image,
    Signature,
    Calculate,
    Group,
    Repeat,
}

/// One visible field, in the form's order.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FieldItem {
    /// Pass this to `set_answer`.
    pub path: String,
    pub name: String,
    pub kind: FieldKind,
    /// Nesting depth for indentation (inside groups and repeats).
    pub depth: u32,
    pub label_zh: String,
    pub label_en: String,
    pub hint_zh: Option<String>,
    pub hint_en: Option<String>,
    pub required: bool,
    pub read_only: bool,
    pub choices: Vec<ChoiceView>,
    pub value: Option<AnswerValue>,
    /// The answer in words, as shown when not editing (2026年5月1日,
    /// 1,234.50 元, a choice's label); `None` when empty.
    pub display_zh: Option<String>,
    pub display_en: Option<String>,
    /// Repeats: how many entries there are.
    pub entries: Option<u32>,
    pub min_count: Option<u32>,
    pub max_count: Option<u32>,
    pub problems: Vec<FormProblem>,
    /// The label in the screen's `language` (Chinese, then English, where
    /// the form lacks it); `label_zh` / `label_en` are the same in those.
    #[uniffi(default)]
    pub label: String,
    /// The hint in the screen's `language`, like `label`.
    #[uniffi(default)]
    pub hint: Option<String>,
    /// A longer explanation shown when the worker asks for it (XLSForm
    /// `guidance_hint`), in the screen's `language`, like `label`.
    #[uniffi(default)]
    pub guidance_hint: Option<String>,
    #[uniffi(default)]
    pub guidance_hint_zh: Option<String>,
    #[uniffi(default)]
    pub guidance_hint_en: Option<String>,
    /// Repeats: the count of entries in words for the header (`2 人` /
    /// `2 people` when they are people, else `2 项` / `2 entries`).
    #[uniffi(default)]
    pub entries_text_zh: Option<String>,
    #[uniffi(default)]
    pub entries_text_en: Option<String>,
    /// Repeats: below the form's maximum (show 添加成员).
    #[uniffi(default)]
    pub can_add_entry: bool,
    /// Repeats: above the form's minimum (show 移除).
    #[uniffi(default)]
    pub can_remove_entry: bool,
}

/// Where the phone says it is.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct GpsFixInput {
    /// WGS-84, as the platform gives it.
    pub lat: f64,
    pub lon: f64,
    /// Horizontal accuracy radius in metres.
    pub accuracy_m: f64,
    pub altitude_m: Option<f64>,
    /// The fix's time, milliseconds since 1970 UTC.
    pub fix_time_ms: i64,
    pub provider: LocationProvider,
    /// The OS's mock-location flag.
    pub is_mock: bool,
    pub satellites: Option<u8>,
    /// Age by the monotonic clock (Android `elapsedRealtimeNanos`), when known.
    pub monotonic_age_ms: Option<u64>,
}

/// Where a fix came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LocationProvider {
    Gps,
    Network,
    Fused,
    Other,
}

/// What the worker found at the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DoorOutcome {
    /// 见到本人
    Met,
    /// 家中无人
    NobodyHome,
    /// 拒绝入户
    Refused,
    /// 已搬离
    MovedOut,
    /// 房屋空置
    Vacant,
    /// 地址有误
    WrongAddress,
}

/// The door check's headline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DoorVerdict {
    Verified,
    LocationProposed,
    Outside,
    LowAccuracy,
    StaleFix,
    ClockSkew,
    MockLocation,
    NoFix,
}

/// A problem found with the fix.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DoorReason {
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

/// The verdict of a door check with its reasons and figures.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DoorCheckResult {
    pub verdict: DoorVerdict,
    /// The verdict in words ("已核验", "不在范围内", …).
    pub verdict_zh: String,
    pub verdict_en: String,
    /// Every problem, most serious first; empty when verified or proposed.
    pub reasons: Vec<DoorReason>,
    pub outcome: DoorOutcome,
    pub distance_m: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub geofence_radius_m: f64,
    /// A household without a location: this fix is proposed as its location.
    pub location_proposed: bool,
    /// Set when the worker accepted the check by hand: how long the phone had
    /// waited for a good fix, in seconds. The supervisor sees it.
    pub accepted_by_hand_after_s: Option<u32>,
    /// The outcome in words ("见到本人", …).
    pub outcome_zh: String,
    pub outcome_en: String,
}

/// A photo in a visit.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PhotoInfo {
    /// Lowercase hex SHA-256 of the stored JPEG.
    pub sha256: String,
    pub bytes: u64,
    pub width: u32,
    pub height: u32,
    /// The form field it answers.
    pub field: String,
}

/// A photo just added: its record and a thumbnail for the screen.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PhotoEvidence {
    pub photo: PhotoInfo,
    pub thumbnail_jpeg: Option<Vec<u8>>,
}

/// Where a visit is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum VisitState {
    Draft,
    Finalized,
    Uploaded,
    Approved,
    /// Returned for rework with the supervisor's comment: revise it.
    Returned,
    Rejected,
}

/// A visit revision.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VisitView {
    pub visit_id: String,
    /// Revisions of one visit share this.
    pub visit_group: String,
    pub revision: u32,
    pub template_id: String,
    pub template_version: u32,
    pub household_id: String,
    pub state: VisitState,
    /// RFC 3339 with the device's offset at the time.
    pub started: String,
    pub finalized: Option<String>,
    /// The supervisor's comment on the last review, if any.
    pub review_comment: Option<String>,
    pub reviewed_at: Option<String>,
}

/// A visit in a list.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VisitSummaryView {
    pub visit: VisitView,
    /// The head of household and address, for the list line.
    pub head: String,
    pub address: String,
}

/// A section of a visit form: one page, moved to with buttons.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SectionView {
    /// Pass this to `go_to_section`; stable whatever the answers.
    pub key: String,
    pub title_zh: String,
    pub title_en: String,
    /// Its fields are the screen's `fields[start until end]`.
    pub start: u32,
    pub end: u32,
    /// Problems on its fields now (a badge on the section's button).
    pub problem_count: u32,
}

/// Where 完成 jumps while there are problems.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ProblemJumpView {
    pub section_key: String,
    /// Index in `sections`.
    pub section: u32,
    /// The field's `path`, to scroll to and focus.
    pub path: String,
}

/// Everything a visit's screen shows.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VisitScreenView {
    pub visit: VisitView,
    pub title_zh: String,
    pub title_en: String,
    /// Only drafts can be edited.
    pub editable: bool,
    /// The fields visible now, in order.
    pub fields: Vec<FieldItem>,
    /// Every problem that would stop finalizing now.
    pub problems: Vec<FormProblem>,
    pub door_check: Option<DoorCheckResult>,
    pub photos: Vec<PhotoInfo>,
    /// The form's pages in order; show `sections[current_section]`.
    pub sections: Vec<SectionView>,
    pub current_section: u32,
    /// The first problem on a visible field, with its section.
    pub first_problem: Option<ProblemJumpView>,
    /// 保存草稿, 完成, 上一节 / 下一节.
    pub buttons: VisitButtonsView,
    /// The code of the language the form's texts (`title`, each field's
    /// `label`, `hint`, `guidance_hint`, each choice's `label`) are given in:
    /// the form language of the settings, else the app's.
    #[uniffi(default = "zh")]
    pub language: String,
    /// The form's title in `language`.
    #[uniffi(default)]
    pub title: String,
}

/// A button: its words and whether it is enabled.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ButtonView {
    pub label_zh: String,
    pub label_en: String,
    pub enabled: bool,
}

/// A button moving to another section.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SectionButtonView {
    pub label_zh: String,
    pub label_en: String,
    /// Pass to `go_to_section`.
    pub section_key: String,
    pub section_title_zh: String,
    pub section_title_en: String,
}

/// The buttons of a visit's screen.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VisitButtonsView {
    /// 保存草稿 (drafts only).
    pub save_draft: ButtonView,
    /// 完成 (drafts only; with problems it jumps to the first).
    pub finish: ButtonView,
    /// "还有 3 个问题" while problems remain.
    pub finish_hint_zh: Option<String>,
    pub finish_hint_en: Option<String>,
    /// 上一节, absent on the first section.
    pub previous: Option<SectionButtonView>,
    /// 下一节, absent on the last section.
    pub next: Option<SectionButtonView>,
}

impl From<visit_pages::VisitButtons> for VisitButtonsView {
    fn from(b: visit_pages::VisitButtons) -> Self {
        let button = |b: visit_pages::Button| ButtonView {
            label_zh: b.label.zh,
            label_en: b.label.en,
            enabled: b.enabled,
        };
        let nav = |b: visit_pages::SectionButton| SectionButtonView {
            label_zh: b.label.zh,
            label_en: b.label.en,
            section_key: b.section_key,
            section_title_zh: b.section_title.zh,
            section_title_en: b.section_title.en,
        };
        Self {
            save_draft: button(b.save_draft),
            finish: button(b.finish),
            finish_hint_zh: b.finish_hint.as_ref().map(|h| h.zh.clone()),
            finish_hint_en: b.finish_hint.map(|h| h.en),
            previous: b.previous.map(nav),
            next: b.next.map(nav),
        }
    }
}

/// What 完成 did.
// Lowered into a buffer at the boundary either way; a Box would gain nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum FinishResult {
    /// Finalized and queued for upload.
    Finalized { visit: VisitView },
    /// Refused: the screen is on the first problem's section, and
    /// `first_problem` names the field to jump to; it stays a draft.
    Problems { screen: VisitScreenView },
}

/// The visit to reopen after the app was killed.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OpenVisitView {
    pub visit: VisitSummaryView,
    /// Whether its door check is recorded (if not, reopen the door check).
    pub door_checked: bool,
    pub title_zh: String,
    pub title_en: String,
    pub section_key: String,
    pub section_title_zh: String,
    pub section_title_en: String,
    /// What the app says on reopening it ("已恢复未完成的走访：…").
    pub message_zh: String,
    pub message_en: String,
}

/// A template a visit can be started with.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TemplateView {
    pub id: String,
    pub version: u64,
    pub title_zh: String,
    pub title_en: String,
}

pub(crate) fn parse_id(text: &str) -> Result<Uuid, DoorstepError> {
    Uuid::parse_str(text).map_err(|_| {
        DoorstepError::invalid(
            "bad_id",
            "编号格式不正确",
            "the id is not a valid identifier",
        )
    })
}

fn instant(i: DeviceInstant) -> String {
    match chrono::FixedOffset::east_opt(i.offset_seconds) {
        Some(offset) => i.utc.with_timezone(&offset).to_rfc3339(),
        None => i.utc.to_rfc3339(),
    }
}

impl From<VisitStatus> for VisitState {
    fn from(s: VisitStatus) -> Self {
        match s {
            VisitStatus::Draft => Self::Draft,
            VisitStatus::Finalized => Self::Finalized,
            VisitStatus::Uploaded => Self::Uploaded,
            VisitStatus::Approved => Self::Approved,
            VisitStatus::Returned => Self::Returned,
            VisitStatus::Rejected => Self::Rejected,
        }
    }
}

impl From<Visit> for VisitView {
    fn from(v: Visit) -> Self {
        Self {
            visit_id: v.id.to_string(),
            visit_group: v.visit_group.to_string(),
            revision: v.revision,
            template_id: v.template_id,
            template_version: v.template_version,
            household_id: v.household_id.to_string(),
            state: v.status.into(),
            started: instant(v.started),
            finalized: v.finalized.map(instant),
            review_comment: v.review.as_ref().map(|r| r.comment.clone()),
            reviewed_at: v.review.as_ref().map(|r| r.at.to_rfc3339()),
        }
    }
}

impl From<VisitSummary> for VisitSummaryView {
    fn from(s: VisitSummary) -> Self {
        Self {
            visit: s.visit.into(),
            head: s.head,
            address: s.address,
        }
    }
}

impl From<PhotoRef> for PhotoInfo {
    fn from(p: PhotoRef) -> Self {
        Self {
            sha256: p.sha256,
            bytes: p.bytes,
            width: p.width,
            height: p.height,
            field: p.field,
        }
    }
}

impl From<evidence::DoorOutcome> for DoorOutcome {
    fn from(o: evidence::DoorOutcome) -> Self {
        use evidence::DoorOutcome as O;
        match o {
            O::Met => Self::Met,
            O::NobodyHome => Self::NobodyHome,
            O::Refused => Self::Refused,
            O::MovedOut => Self::MovedOut,
            O::Vacant => Self::Vacant,
            O::WrongAddress => Self::WrongAddress,
        }
    }
}

impl From<DoorOutcome> for evidence::DoorOutcome {
    fn from(o: DoorOutcome) -> Self {
        match o {
            DoorOutcome::Met => Self::Met,
            DoorOutcome::NobodyHome => Self::NobodyHome,
            DoorOutcome::Refused => Self::Refused,
            DoorOutcome::MovedOut => Self::MovedOut,
            DoorOutcome::Vacant => Self::Vacant,
            DoorOutcome::WrongAddress => Self::WrongAddress,
        }
    }
}

impl From<DoorCheck> for DoorCheckResult {
    fn from(c: DoorCheck) -> Self {
        use evidence::Verdict as V;
        Self {
            verdict_zh: c.verdict.label_zh().to_owned(),
            verdict_en: c.verdict.label_en().to_owned(),
            outcome_zh: c.outcome.label_zh().to_owned(),
            outcome_en: c.outcome.label_en().to_owned(),
            accepted_by_hand_after_s: c.accepted_by_hand.map(|h| h.waited_s),
            verdict: match c.verdict {
                V::Verified => DoorVerdict::Verified,
                V::LocationProposed => DoorVerdict::LocationProposed,
                V::Outside => DoorVerdict::Outside,
                V::LowAccuracy => DoorVerdict::LowAccuracy,
                V::StaleFix => DoorVerdict::StaleFix,
                V::ClockSkew => DoorVerdict::ClockSkew,
                V::MockLocation => DoorVerdict::MockLocation,
                V::NoFix => DoorVerdict::NoFix,
            },
            reasons: c
                .reasons
                .iter()
                .map(|r| DoorReason {
                    code: r.code().to_owned(),
                    message_zh: r.message_zh().to_owned(),
                    message_en: r.message_en().to_owned(),
                })
                .collect(),
            outcome: c.outcome.into(),
            distance_m: c.figures.distance_m,
            accuracy_m: c.figures.accuracy_m,
            geofence_radius_m: c.figures.geofence_radius_m,
            location_proposed: c.proposed_location.is_some(),
        }
    }
}

impl GpsFixInput {
    pub(crate) fn into_core(self) -> Result<evidence::GpsFix, DoorstepError> {
        let bad_time = || {
            DoorstepError::invalid(
                "bad_fix_time",
                "定位时间无效",
                "the fix's time is not a valid instant",
            )
        };
        let fix_time: DateTime<Utc> = Utc
            .timestamp_millis_opt(self.fix_time_ms)
            .single()
            .ok_or_else(bad_time)?;
        Ok(evidence::GpsFix {
            position: LatLon {
                lat: self.lat,
                lon: self.lon,
            },
            accuracy_m: self.accuracy_m,
            altitude_m: self.altitude_m,
            fix_time,
            provider: match self.provider {
                LocationProvider::Gps => evidence::Provider::Gps,
                LocationProvider::Network => evidence::Provider::Network,
                LocationProvider::Fused => evidence::Provider::Fused,
                LocationProvider::Other => evidence::Provider::Other,
            },
            is_mock: self.is_mock,
            satellites: self.satellites,
            monotonic_age: self
                .monotonic_age_ms
                .map(|ms| chrono::Duration::milliseconds(ms.min(i64::MAX as u64) as i64)),
        })
    }
}

fn kind(t: FieldType) -> FieldKind {
    match t {
        FieldType::Text => FieldKind::Text,
        FieldType::Integer => FieldKind::Integer,
        FieldType::Decimal => FieldKind::Decimal,
        FieldType::Money => FieldKind::Money,
        FieldType::Date => FieldKind::Date,
        FieldType::YesNo => FieldKind::YesNo,
        FieldType::SelectOne => FieldKind::SelectOne,
        FieldType::SelectMultiple => FieldKind::SelectMultiple,
        FieldType::IdNumber => FieldKind::IdNumber,
        FieldType::Phone => FieldKind::Phone,
        FieldType::Note => FieldKind::Note,
        FieldType::Geopoint => FieldKind::Geopoint,
        FieldType::Image => FieldKind::Image,
        FieldType::Signature => FieldKind::Signature,
        FieldType::Calculate => FieldKind::Calculate,
        FieldType::Group => FieldKind::Group,
        FieldType::Repeat => FieldKind::Repeat,
    }
}

/// The typed form of a stored answer for a field of type `t`; JSON text
/// when it does not have that type's shape (an answer the form refuses).
fn answer_of(t: FieldType, v: &Json) -> AnswerValue {
    let strings = |v: &Json| -> Option<Vec<String>> {
        v.as_array()?
            .iter()
            .map(|s| s.as_str().map(str::to_owned))
            .collect()
    };
    let typed = match t {
        FieldType::Integer => v.as_i64().map(|value| AnswerValue::Integer { value }),
        FieldType::Decimal => v.as_f64().map(|value| AnswerValue::Decimal { value }),
        FieldType::Money => v.as_i64().map(|fen| AnswerValue::Money { fen }),
        FieldType::Date => v.as_str().map(|iso| AnswerValue::Date { iso: iso.into() }),
        FieldType::YesNo => match v {
            Json::Bool(yes) => Some(AnswerValue::YesNo { yes: *yes }),
            Json::String(s) if s == "yes" || s == "no" => {
                Some(AnswerValue::YesNo { yes: s == "yes" })
            }
            _ => None,
        },
        FieldType::SelectOne => v
            .as_str()
            .map(|name| AnswerValue::Choice { name: name.into() }),
        FieldType::SelectMultiple => strings(v).map(|names| AnswerValue::Choices { names }),
        FieldType::Image => strings(v).map(|sha256s| AnswerValue::Photos { sha256s }),
        FieldType::Geopoint => match (
            v.get("lat").and_then(Json::as_f64),
            v.get("lon").and_then(Json::as_f64),
        ) {
            (Some(lat), Some(lon)) => Some(AnswerValue::Geopoint {
                lat,
                lon,
                accuracy_m: v.get("accuracy_m").and_then(Json::as_f64),
            }),
            _ => None,
        },
        _ => v.as_str().map(|value| AnswerValue::Text {
            value: value.into(),
        }),
    };
    typed.unwrap_or_else(|| AnswerValue::Json {
        json: v.to_string(),
    })
}

impl AnswerValue {
    fn into_json(self) -> Result<Json, DoorstepError> {
        Ok(match self {
            Self::Text { value } => json!(value),
            Self::Integer { value } => json!(value),
            Self::Decimal { value } => json!(value),
            Self::Money { fen } => json!(fen),
            Self::Date { iso } => json!(iso),
            Self::YesNo { yes } => json!(if yes { "yes" } else { "no" }),
            Self::Choice { name } => json!(name),
            Self::Choices { names } => json!(names),
            Self::Geopoint {
                lat,
                lon,
                accuracy_m,
            } => match accuracy_m {
                Some(a) => json!({"lat": lat, "lon": lon, "accuracy_m": a}),
                None => json!({"lat": lat, "lon": lon}),
            },
            Self::Photos { sha256s } => json!(sha256s),
            Self::Json { json } => serde_json::from_str(&json).map_err(|_| {
                DoorstepError::invalid(
                    "bad_json",
                    "答案不是有效的JSON",
                    "the answer is not valid JSON",
                )
            })?,
        })
    }
}

fn texts(t: LocalizedText) -> (String, String) {
    (t.zh, t.en)
}

/// A text that may be missing: in `language` (with the core's fallback), in
/// Chinese, in English.
type OptionalTexts = (Option<String>, Option<String>, Option<String>);

fn optional_texts(t: Option<LocalizedText>, language: &str) -> OptionalTexts {
    match t {
        Some(t) => (Some(t.text_in(language).to_owned()), Some(t.zh), Some(t.en)),
        None => (None, None, None),
    }
}

impl FieldItem {
    /// The field as shown to a worker reading the form in `language`.
    fn new(f: FieldView, language: &str) -> Self {
        let display = field_words::display_value(&f);
        let (can_add_entry, can_remove_entry) = (f.can_add_entry(), f.can_remove_entry());
        let label = f.label.text_in(language).to_owned();
        let (label_zh, label_en) = texts(f.label);
        let (hint, hint_zh, hint_en) = optional_texts(f.hint, language);
        let (guidance_hint, guidance_hint_zh, guidance_hint_en) =
            optional_texts(f.guidance_hint, language);
        Self {
            display_zh: display.as_ref().map(|d| d.zh.clone()),
            display_en: display.map(|d| d.en),
            value: f.value.as_ref().map(|v| answer_of(f.field_type, v)),
            path: f.path,
            name: f.name,
            kind: kind(f.field_type),
            depth: f.depth,
            label,
            label_zh,
            label_en,
            hint,
            hint_zh,
            hint_en,
            guidance_hint,
            guidance_hint_zh,
            guidance_hint_en,
            required: f.required,
            read_only: f.read_only,
            choices: f
                .choices
                .into_iter()
                .map(|c| ChoiceView {
                    name: c.name,
                    label: c.label.text_in(language).to_owned(),
                    label_zh: c.label.zh,
                    label_en: c.label.en,
                })
                .collect(),
            can_add_entry,
            can_remove_entry,
            entries: f.entries,
            entries_text_zh: f.entries_text.as_ref().map(|t| t.zh.clone()),
            entries_text_en: f.entries_text.map(|t| t.en),
            min_count: f.min_count,
            max_count: f.max_count,
            problems: f.problems.into_iter().map(FormProblem::from).collect(),
        }
    }
}

impl From<VisitScreen> for VisitScreenView {
    fn from(s: VisitScreen) -> Self {
        let buttons = visit_pages::buttons(&s).into();
        let language = s.language;
        let title = s.title.text_in(&language).to_owned();
        let (title_zh, title_en) = texts(s.title);
        Self {
            buttons,
            sections: s
                .sections
                .into_iter()
                .map(|x| SectionView {
                    key: x.key,
                    title_zh: x.title.zh,
                    title_en: x.title.en,
                    start: x.start,
                    end: x.end,
                    problem_count: x.problem_count,
                })
                .collect(),
            current_section: s.current_section,
            first_problem: s.first_problem.map(|j| ProblemJumpView {
                section_key: j.section_key,
                section: j.section,
                path: j.path,
            }),
            door_check: s.record.door_check.map(|d| d.result.into()),
            photos: s.record.photos.into_iter().map(PhotoInfo::from).collect(),
            visit: s.record.visit.into(),
            title,
            title_zh,
            title_en,
            editable: s.editable,
            fields: s
                .fields
                .into_iter()
                .map(|f| FieldItem::new(f, &language))
                .collect(),
            language,
            problems: s.problems.into_iter().map(FormProblem::from).collect(),
        }
    }
}

#[uniffi::export]
impl Doorstep {
    /// The templates a visit can be started with (the newest version of each).
    pub fn templates(&self) -> Result<Vec<TemplateView>, DoorstepError> {
        Ok(self
            .device()
            .template_list()?
            .into_iter()
            .map(|t| TemplateView {
                id: t.id,
                version: t.version,
                title_zh: t.title.zh,
                title_en: t.title.en,
            })
            .collect())
    }

    /// Starts a draft visit to a household with the newest version of a
    /// template (the visit keeps that version for life); returns its screen.
    pub fn start_visit(
        &self,
        household_id: String,
        template_id: String,
    ) -> Result<VisitScreenView, DoorstepError> {
        let device = self.device();
        let today = device.today();
        let visit = device.start_visit_on(parse_id(&household_id)?, &template_id, today)?;
        Ok(device.visit_screen(visit.id, today)?.into())
    }

    /// A visit revision's screen as it stands now.
    pub fn visit_screen(&self, visit_id: String) -> Result<VisitScreenView, DoorstepError> {
        Ok(self
            .device()
            .visit_screen(parse_id(&visit_id)?, self.device().today())?
            .into())
    }

    /// Sets the answer at `path` (a field's `path` from the screen; a repeat
    /// entry is created by naming it, `members[2].name`), or clears it with
    /// `None` (`members[2]` with `None` removes that entry). Returns the new
    /// screen: fields that became visible or hidden, and the problems now.
    /// Only drafts can be changed.
    pub fn set_answer(
        &self,
        visit_id: String,
        path: String,
        value: Option<AnswerValue>,
    ) -> Result<VisitScreenView, DoorstepError> {
        let value = value.map(AnswerValue::into_json).transpose()?;
        Ok(self
            .device()
            .set_answer(parse_id(&visit_id)?, &path, value, self.device().today())?
            .into())
    }

    /// 添加成员: an empty entry after the last of the repeat at `repeat_path`.
    pub fn add_repeat_entry(
        &self,
        visit_id: String,
        repeat_path: String,
    ) -> Result<VisitScreenView, DoorstepError> {
        let device = self.device();
        Ok(device
            .add_repeat_entry(parse_id(&visit_id)?, &repeat_path, device.today())?
            .into())
    }

    /// Removes the repeat entry `entry_path` (`members[2]`), within the form's minimum.
    pub fn remove_repeat_entry(
        &self,
        visit_id: String,
        entry_path: String,
    ) -> Result<VisitScreenView, DoorstepError> {
        let device = self.device();
        Ok(device
            .remove_repeat_entry(parse_id(&visit_id)?, &entry_path, device.today())?
            .into())
    }

    /// She left the visit: `open_visit` no longer reopens it.
    pub fn leave_visit(&self, visit_id: String) -> Result<(), DoorstepError> {
        Ok(self.device().leave_visit(parse_id(&visit_id)?)?)
    }

    /// Records the door check of a draft — the fix (or `None` when the phone
    /// has none) and what the worker found — and returns the verdict.
    pub fn door_check(
        &self,
        visit_id: String,
        fix: Option<GpsFixInput>,
        outcome: DoorOutcome,
    ) -> Result<DoorCheckResult, DoorstepError> {
        let fix = fix.map(GpsFixInput::into_core).transpose()?;
        Ok(self
            .device()
            .door_check(parse_id(&visit_id)?, fix, outcome.into())?
            .into())
    }

    /// Names the font the evidence watermark is drawn with: the phone's CJK
    /// system font (Android `/system/fonts/NotoSansCJK-Regular.ttc`, iOS
    /// PingFang), `index` its face in a collection (0 otherwise). Call it once
    /// at start; refused when the file is not a font with Chinese glyphs.
    pub fn set_watermark_font(&self, path: String, index: u32) -> Result<(), DoorstepError> {
        Ok(self
            .device()
            .set_watermark_font(std::path::Path::new(&path), index)?)
    }

    /// Processes camera bytes (JPEG or PNG: oriented, downscaled, metadata
    /// removed, the evidence watermark burned in — time, household, worker,
    /// door-check verdict — once `set_watermark_font` named a font) and adds
    /// the photo to a draft as an answer to the image field `field`. Returns
    /// its record and a thumbnail: show the thumbnail, not the photo.
    pub fn add_photo(
        &self,
        visit_id: String,
        field: String,
        camera_bytes: Vec<u8>,
    ) -> Result<PhotoEvidence, DoorstepError> {
        let device = self.device();
        let photo = device.add_photo(parse_id(&visit_id)?, &field, &camera_bytes)?;
        let thumbnail_jpeg = device.store().photo_thumbnail(&photo.sha256)?;
        Ok(PhotoEvidence {
            photo: photo.into(),
            thumbnail_jpeg,
        })
    }

    /// The thumbnail of a stored photo, when one was made.
    pub fn photo_thumbnail(&self, sha256: String) -> Result<Option<Vec<u8>>, DoorstepError> {
        Ok(self.device().store().photo_thumbnail(&sha256)?)
    }

    /// The problems that would stop the visit from being finalized now.
    pub fn problems(&self, visit_id: String) -> Result<Vec<FormProblem>, DoorstepError> {
        Ok(self
            .device()
            .problems(parse_id(&visit_id)?)?
            .into_iter()
            .map(FormProblem::from)
            .collect())
    }

    /// Finalizes a draft and queues it for upload (photos first). With any
    /// problem in the answers it is refused with `Incomplete`, listing every
    /// problem, and stays a draft.
    pub fn finalize(&self, visit_id: String) -> Result<VisitView, DoorstepError> {
        Ok(self.device().finalize(parse_id(&visit_id)?)?.into())
    }

    /// Moves to the section `section_key` (上一节 / 下一节 or the list of
    /// sections) and returns the screen there; the place is remembered.
    pub fn go_to_section(
        &self,
        visit_id: String,
        section_key: String,
    ) -> Result<VisitScreenView, DoorstepError> {
        Ok(self
            .device()
            .go_to_section(parse_id(&visit_id)?, &section_key, self.device().today())?
            .into())
    }

    /// 完成: finalizes a complete draft, or returns its screen on the first
    /// problem's section with `first_problem` naming the field.
    pub fn finish_visit(&self, visit_id: String) -> Result<FinishResult, DoorstepError> {
        Ok(
            match self
                .device()
                .finish(parse_id(&visit_id)?, self.device().today())?
            {
                Finish::Finalized(visit) => FinishResult::Finalized {
                    visit: visit.into(),
                },
                Finish::Problems(screen) => FinishResult::Problems {
                    screen: (*screen).into(),
                },
            },
        )
    }

    /// The draft to reopen when the app starts again (the one last edited,
    /// with its section and what to say), or `None`.
    pub fn open_visit(&self) -> Result<Option<OpenVisitView>, DoorstepError> {
        Ok(self
            .device()
            .open_visit(self.device().today())?
            .map(|o| OpenVisitView {
                visit: o.summary.into(),
                door_checked: o.door_checked,
                title_zh: o.title.zh,
                title_en: o.title.en,
                section_key: o.section_key,
                section_title_zh: o.section_title.zh,
                section_title_en: o.section_title.en,
                message_zh: o.message.zh,
                message_en: o.message.en,
            }))
    }

    /// Visits returned by a supervisor and not yet revised, with the
    /// supervisor's comments: the worker's rework tasks.
    pub fn returned_visits(&self) -> Result<Vec<VisitSummaryView>, DoorstepError> {
        self.visit_list(VisitFilter::Returned)
    }

    /// Every visit on the device, newest first.
    pub fn visits(&self) -> Result<Vec<VisitSummaryView>, DoorstepError> {
        self.visit_list(VisitFilter::All)
    }

    /// Starts the next revision of a returned visit (same answers, door check
    /// and photos, carrying the comment) and returns its screen.
    pub fn revise(&self, visit_id: String) -> Result<VisitScreenView, DoorstepError> {
        let device = self.device();
        let next = device.revise(parse_id(&visit_id)?)?;
        Ok(device.visit_screen(next.id, device.today())?.into())
    }
}

impl Doorstep {
    fn visit_list(&self, filter: VisitFilter) -> Result<Vec<VisitSummaryView>, DoorstepError> {
        Ok(self
            .device()
            .store()
            .visits(filter)?
            .into_iter()
            .map(VisitSummaryView::from)
            .collect())
    }
}
