//! Screen models: everything a phone screen shows, worked out by the core so
//! the shells only render.
//!
//! - [`VisitScreen`]: a visit's form as it stands now — the fields visible for
//!   the current answers (the form engine's relevance, the same the validator
//!   applies), in the form's order, with their labels, choices, values and
//!   problems — plus the door check, photos and the supervisor's comment.
//! - [`set_answer_at`]: changes one answer by path (`name`, or
//!   `repeat[index].name`), the way a screen edits one field at a time.
//! - [`HouseholdScreen`]: a household with residents (masked), its visits and
//!   the visits its residents' tags make due (the templates' schedules).

use crate::device::{Device, DeviceError};
use crate::display;
use crate::forms::definition::Field;
use crate::forms::registry::TemplateRef;
use crate::forms::schedule::{self, DueVisit};
use crate::forms::{Choice, FieldType, Form, LocalizedText, Problem};
use crate::store::households::{Disclosure, HouseholdDetail};
use crate::store::visits::{VisitFilter, VisitRecord, VisitSummary};
use crate::store::{Store, StoreError};
use crate::sync::protocol::PastVisit;
use crate::visit_pages::Section;
use chrono::NaiveDate;
use serde_json::{Map, Value as Json};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use uuid::Uuid;

/// One field as the screen shows it now.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldView {
    /// Where the answer lives: `name`, or `repeat[index].name`.
    pub path: String,
    pub name: String,
    pub field_type: FieldType,
    /// Nesting for indentation: 0 at the top, +1 inside each group or repeat.
    pub depth: u32,
    pub label: LocalizedText,
    pub hint: Option<LocalizedText>,
    /// The longer explanation the worker opens when she needs it.
    pub guidance_hint: Option<LocalizedText>,
    pub required: bool,
    /// Read-only and calculated fields are shown but not edited.
    pub read_only: bool,
    pub choices: Vec<Choice>,
    /// The answer as the form engine sees it (normalized, calculated or the
    /// default), or as typed when it is not acceptable; `None` when empty.
    pub value: Option<Json>,
    /// Repeats: how many entries there are.
    pub entries: Option<u32>,
    /// Repeats: that count in words for the header, `2 人` / `2 people`
    /// when the entries are people, else `2 项` / `2 entries`.
    pub entries_text: Option<LocalizedText>,
    pub min_count: Option<u32>,
    pub max_count: Option<u32>,
    /// The problems of this field's answer (empty when it is fine).
    pub problems: Vec<Problem>,
}

impl FieldView {
    /// A repeat below its maximum: 添加成员 may add an entry.
    pub fn can_add_entry(&self) -> bool {
        self.field_type == FieldType::Repeat
            && !self.read_only
            && self
                .max_count
                .is_none_or(|max| self.entries.unwrap_or(0) < max)
    }

    /// A repeat above its minimum: one of its entries may be removed.
    pub fn can_remove_entry(&self) -> bool {
        self.field_type == FieldType::Repeat
            && !self.read_only
            && self.entries.unwrap_or(0) > self.min_count.unwrap_or(0)
    }
}

/// A visit revision as its screen shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitScreen {
    pub record: VisitRecord,
    /// The code of the language the worker reads the form in (`zh`, `en`,
    /// `ug`, …: the phone's form language, else its app language); show
    /// every text of the form with [`LocalizedText::text_in`] this code, which
    /// falls back to Chinese, then English, where the form lacks it.
    pub language: String,
    /// The form's title.
    pub title: LocalizedText,
    /// The fields visible now, in the form's order.
    pub fields: Vec<FieldView>,
    /// Every problem that would stop finalizing now, in the form's order
    /// (including those of no visible field, such as unknown answers).
    pub problems: Vec<Problem>,
    /// Whether the visit can be edited (only drafts can).
    pub editable: bool,
    /// The pages the worker moves through with buttons, in order (see
    /// [`crate::visit_pages`]); each holds a range of `fields`.
    pub sections: Vec<Section>,
    /// The index in `sections` of the one shown now.
    pub current_section: u32,
    /// Where 完成 jumps while there are problems: the first problem on a
    /// visible field, with its section.
    pub first_problem: Option<ProblemJump>,
}

/// A problem to jump to: its section (by key and index) and field path.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemJump {
    pub section_key: String,
    pub section: u32,
    pub path: String,
}

/// A household's screen: who lives there, its visits, what is due.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdScreen {
    pub detail: HouseholdDetail,
    /// This household's visits on the device, newest first.
    pub visits: Vec<VisitSummary>,
    /// Its other visits, as the server last listed them (made on another
    /// phone, or by the worker before her), newest first.
    pub past_visits: Vec<PastVisit>,
    /// Visits due or overdue by the templates' schedules (counting both
    /// lists), earliest deadline first.
    pub due: Vec<DueVisit>,
}

/// The day one of this phone's visits was begun, in words as the household
/// screen lists it beside the server's past visits: `12月3日` / `3 Dec`, with
/// the year when it is not `today`'s, by the phone's local day.
pub fn visit_day(visit: &VisitSummary, today: NaiveDate) -> LocalizedText {
    display::date(crate::clock::local_date(visit.visit.started), today)
}

/// A template a visit can be started with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateInfo {
    pub id: String,
    pub version: u64,
    pub title: LocalizedText,
}

impl Device {
    /// The screen of one visit revision as of `today`, in the phone's form
    /// language.
    pub fn visit_screen(&self, visit: Uuid, today: NaiveDate) -> Result<VisitScreen, DeviceError> {
        let record = self.store().visit(visit)?;
        let form = self.form_for(&record)?;
        let language = self.settings()?.form_language_code().to_owned();
        let mut screen = build_visit_screen(&form, record, today, &language);
        self.place_on_section(&mut screen)?;
        Ok(screen)
    }

    /// Sets (or, with `None`, clears) the answer at `path` of a draft and
    /// returns its new screen. A path naming no answerable field of the
    /// visit's form is refused and nothing changes.
    pub fn set_answer(
        &self,
        visit: Uuid,
        path: &str,
        value: Option<Json>,
        today: NaiveDate,
    ) -> Result<VisitScreen, DeviceError> {
        let mut record = self.store().visit(visit)?;
        let form = self.form_for(&record)?;
        set_answer_at(&form, &mut record.answers, path, value)?;
        self.set_answers(visit, &record.answers)?;
        // The record as stored now: no second read.
        let language = self.settings()?.form_language_code().to_owned();
        let mut screen = build_visit_screen(&form, record, today, &language);
        self.place_on_section(&mut screen)?;
        self.note_answer(screen, path)
    }

    /// 添加成员: adds an empty entry after the last one of the repeat shown
    /// at `repeat` (its field's `path`) and returns the new screen. Refused
    /// with [`DeviceError::RepeatFull`] at the form's maximum.
    pub fn add_repeat_entry(
        &self,
        visit: Uuid,
        repeat: &str,
        today: NaiveDate,
    ) -> Result<VisitScreen, DeviceError> {
        let screen = self.visit_screen(visit, today)?;
        let field = shown_repeat(&screen, repeat)?;
        if !field.can_add_entry() {
            return Err(DeviceError::RepeatFull);
        }
        let path = format!("{repeat}[{}]", field.entries.unwrap_or(0));
        self.set_answer(visit, &path, Some(Json::Object(Map::new())), today)
    }

    /// Removes the repeat entry at `entry` (`members[2]`) with its answers;
    /// the later ones move up. Refused with [`DeviceError::RepeatAtMinimum`]
    /// when the form needs every entry left.
    pub fn remove_repeat_entry(
        &self,
        visit: Uuid,
        entry: &str,
        today: NaiveDate,
    ) -> Result<VisitScreen, DeviceError> {
        let screen = self.visit_screen(visit, today)?;
        let repeat = entry
            .strip_suffix(']')
            .and_then(|e| e.rsplit_once('['))
            .map_or("", |(repeat, _)| repeat);
        let field = shown_repeat(&screen, repeat)?;
        if !field.can_remove_entry() {
            return Err(DeviceError::RepeatAtMinimum);
        }
        self.set_answer(visit, entry, None, today)
    }

    /// The newest version of every template this device knows, by id.
    pub fn template_list(&self) -> Result<Vec<TemplateInfo>, DeviceError> {
        let mut out = Vec::new();
        for id in self.template_ids()? {
            if let Ok(form) = self.templates().latest(&id) {
                out.push(TemplateInfo {
                    id: form.id().to_owned(),
                    version: form.version(),
                    title: form.definition().title.clone(),
                });
            }
        }
        Ok(out)
    }

    /// A household's screen as of `today`, with ID numbers and phones masked.
    pub fn household_screen(
        &self,
        household: Uuid,
        today: NaiveDate,
    ) -> Result<HouseholdScreen, DeviceError> {
        let detail = self.store().household(household, Disclosure::Masked)?;
        let visits: Vec<VisitSummary> = self
            .store()
            .visits(VisitFilter::All)?
            .into_iter()
            .filter(|v| v.visit.household_id == household)
            .collect();
        let tags = detail
            .residents
            .iter()
            .flat_map(|r| &r.tags)
            .map(|t| schedule::TagSpan {
                tag: t.code.clone(),
                since: t.start,
                until: t.end,
            })
            .collect();
        let here: HashSet<Uuid> = visits.iter().map(|v| v.visit.visit_group).collect();
        let past_visits: Vec<PastVisit> = self
            .store()
            .past_visits(household)?
            .into_iter()
            .filter(|p| !here.contains(&p.visit_group))
            .collect();
        let done = visits
            .iter()
            .filter(|v| v.visit.status != doorstep_model::VisitStatus::Draft)
            .filter_map(|v| {
                v.visit.finalized.map(|f| schedule::VisitRecord {
                    template_id: v.visit.template_id.clone(),
                    date: crate::clock::local_date(f),
                })
            })
            .chain(past_visits.iter().map(|p| schedule::VisitRecord {
                template_id: p.template_id.clone(),
                date: p.date,
            }))
            .collect();
        let forms: Vec<Arc<Form>> = self
            .template_ids()?
            .iter()
            .filter_map(|id| self.templates().latest(id).ok())
            .collect();
        let definitions: Vec<_> = forms.iter().map(|f| f.definition()).collect();
        let due = schedule::due_visits(
            &schedule::Household { tags, visits: done },
            &definitions,
            today,
        );
        Ok(HouseholdScreen {
            detail,
            visits,
            past_visits,
            due,
        })
    }

    fn form_for(&self, record: &VisitRecord) -> Result<Arc<Form>, DeviceError> {
        let template = TemplateRef {
            id: record.visit.template_id.clone(),
            version: u64::from(record.visit.template_version),
        };
        self.templates()
            .get(&template)
            .map_err(|_| DeviceError::UnknownTemplate(record.visit.template_id.clone()))
    }

    /// The ids of every template on the phone: built in and pulled.
    pub(crate) fn template_ids(&self) -> Result<BTreeSet<String>, DeviceError> {
        let mut ids: BTreeSet<String> = crate::forms::templates::ids().map(str::to_owned).collect();
        ids.extend(
            self.store()
                .pulled_templates()?
                .into_iter()
                .map(|(id, _, _)| id),
        );
        Ok(ids)
    }
}

impl Store {
    /// The thumbnail JPEG of a stored photo, when one was made.
    pub fn photo_thumbnail(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(|conn| {
            use rusqlite::OptionalExtension;
            let row: Option<Option<Vec<u8>>> = conn
                .query_row(
                    "SELECT thumbnail FROM blobs WHERE sha256 = ?1",
                    [sha256],
                    |r| r.get(0),
                )
                .optional()?;
            row.ok_or(StoreError::NotFound("photo"))
        })
    }
}

/// Builds the screen of `record` with the form it was started with, for a
/// worker reading the form in `language` (a code: `zh`, `en`, `ug`, …).
pub fn build_visit_screen(
    form: &Form,
    record: VisitRecord,
    today: NaiveDate,
    language: &str,
) -> VisitScreen {
    let validation = form.validate(&record.answers, today);
    let relevant: HashSet<String> = form
        .relevant_paths(&record.answers, today)
        .into_iter()
        .collect();
    let cleaned = Json::Object(validation.answers.clone());
    let offered = form.offered_choices(&record.answers, today);
    let mut fields = Vec::new();
    let walk = Walk {
        relevant: &relevant,
        raw: &record.answers,
        cleaned: &cleaned,
        problems: &validation.problems,
        offered: &offered,
    };
    walk.fields(&form.definition().fields, "", 0, &mut fields);
    let sections = crate::visit_pages::sections(form, &fields);
    let first_problem = crate::visit_pages::first_problem(&sections, &fields);
    VisitScreen {
        language: language.to_owned(),
        title: form.definition().title.clone(),
        fields,
        problems: validation.problems,
        editable: record.visit.status == doorstep_model::VisitStatus::Draft,
        record,
        sections,
        current_section: 0,
        first_problem,
    }
}

struct Walk<'a> {
    relevant: &'a HashSet<String>,
    raw: &'a Json,
    cleaned: &'a Json,
    problems: &'a [Problem],
    /// The choices a select's `choice_filter` lets through now, by path.
    offered: &'a HashMap<String, Vec<Choice>>,
}

/// Whether a repeat's entries are people (members, parties, tenants, …), as
/// its Chinese label says.
fn holds_people(repeat: &Field) -> bool {
    ["人", "成员", "户"]
        .iter()
        .any(|w| repeat.label.zh.contains(w))
}

impl Walk<'_> {
    fn fields(&self, defs: &[Field], prefix: &str, depth: u32, out: &mut Vec<FieldView>) {
        for f in defs {
            let path = format!("{prefix}{}", f.name);
            if !self.relevant.contains(&path) {
                continue;
            }
            let entries = match f.field_type {
                FieldType::Repeat => Some(
                    lookup(self.raw, &path)
                        .and_then(Json::as_array)
                        .map_or(0, |a| a.len() as u32),
                ),
                _ => None,
            };
            let value = match f.field_type {
                FieldType::Group | FieldType::Repeat | FieldType::Note => None,
                _ => lookup(self.cleaned, &path)
                    .or_else(|| lookup(self.raw, &path))
                    .filter(|v| !v.is_null())
                    .cloned(),
            };
            let choices = match f.field_type {
                FieldType::YesNo => crate::forms::definition::yes_no_choices(),
                _ => match self.offered.get(&path) {
                    Some(offered) => offered.clone(),
                    None => f.choices.clone().unwrap_or_default(),
                },
            };
            out.push(FieldView {
                path: path.clone(),
                name: f.name.clone(),
                field_type: f.field_type,
                depth,
                label: f.label.clone(),
                hint: f.hint.clone(),
                guidance_hint: f.guidance_hint.clone(),
                // A conditionally required field is marked while its condition
                // holds and it is empty (the form engine's `required` problem).
                required: f.required
                    || (f.required_if.is_some()
                        && self
                            .problems
                            .iter()
                            .any(|p| p.path == path && p.code == "required")),
                read_only: f.read_only
                    || f.calculation.is_some()
                    || f.field_type == FieldType::Calculate,
                choices,
                value,
                entries,
                entries_text: entries.map(|n| display::entries(n, holds_people(f))),
                min_count: f.min_count,
                max_count: f.max_count,
                problems: self
                    .problems
                    .iter()
                    .filter(|p| p.path == path)
                    .cloned()
                    .collect(),
            });
            let children = f.children.as_deref().unwrap_or_default();
            match f.field_type {
                // A group's fields are answered beside it.
                FieldType::Group => self.fields(children, prefix, depth + 1, out),
                FieldType::Repeat => {
                    for k in 0..entries.unwrap_or(0) {
                        self.fields(children, &format!("{path}[{k}]."), depth + 1, out);
                    }
                }
                _ => {}
            }
        }
    }
}

/// One step of an answer path.
enum Step<'p> {
    Field(&'p str),
    Entry(&'p str, usize),
}

fn parse_path(path: &str) -> Option<Vec<Step<'_>>> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        if part.is_empty() {
            return None;
        }
        match part.split_once('[') {
            Some((name, rest)) => {
                let index = rest.strip_suffix(']')?.parse().ok()?;
                if name.is_empty() {
                    return None;
                }
                steps.push(Step::Entry(name, index));
            }
            None => steps.push(Step::Field(part)),
        }
    }
    Some(steps)
}

/// The value at `path` (`a`, `r[1].b`) of a JSON answer object.
fn lookup<'j>(answers: &'j Json, path: &str) -> Option<&'j Json> {
    let mut at = answers;
    for step in parse_path(path)? {
        at = match step {
            Step::Field(name) => at.get(name)?,
            Step::Entry(name, k) => at.get(name)?.get(k)?,
        };
    }
    Some(at)
}

/// Finds the definition of `name` among `defs`, looking inside groups (whose
/// fields are answered beside them) but not inside repeats.
fn find_field<'d>(defs: &'d [Field], name: &str) -> Option<&'d Field> {
    defs.iter().find_map(|f| {
        if f.name == name {
            Some(f)
        } else if f.field_type == FieldType::Group {
            find_field(f.children.as_deref().unwrap_or_default(), name)
        } else {
            None
        }
    })
}

/// The repeat shown on `screen` at `path`, or the error of a path naming
/// no repeat shown.
fn shown_repeat<'a>(screen: &'a VisitScreen, path: &str) -> Result<&'a FieldView, DeviceError> {
    screen
        .fields
        .iter()
        .find(|f| f.path == path && f.field_type == FieldType::Repeat)
        .ok_or_else(|| StoreError::Invalid("the path names no repeat shown now".into()).into())
}

/// Sets the answer at `path` in `answers` (a JSON object), or removes it when
/// `value` is `None`. A repeat entry that does not exist yet is created (with
/// empty entries before it); `repeat[k]` with `None` removes entry `k`. The
/// path must name an answerable field of `form` (not a group, note or
/// calculation), else `StoreError::Invalid` and `answers` is unchanged. Values
/// are checked when the screen is built, not here: a wrong one shows as a problem.
pub fn set_answer_at(
    form: &Form,
    answers: &mut Json,
    path: &str,
    value: Option<Json>,
) -> Result<(), StoreError> {
    let bad_path = || StoreError::Invalid("the answer path names no field of this form".into());
    let steps = parse_path(path).ok_or_else(bad_path)?;
    let mut defs: &[Field] = &form.definition().fields;
    let mut targets = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        let (name, entry) = match step {
            Step::Field(n) => (*n, None),
            Step::Entry(n, k) => (*n, Some(*k)),
        };
        let field = find_field(defs, name).ok_or_else(bad_path)?;
        let is_repeat = field.field_type == FieldType::Repeat;
        let ok = match (entry, last) {
            (Some(_), _) => is_repeat,
            (None, true) => {
                !matches!(
                    field.field_type,
                    FieldType::Group | FieldType::Note | FieldType::Calculate | FieldType::Repeat
                ) && field.calculation.is_none()
            }
            (None, false) => false,
        };
        if !ok {
            return Err(bad_path());
        }
        defs = field.children.as_deref().unwrap_or_default();
        targets.push((name, entry));
    }
    if !answers.is_object() {
        return Err(StoreError::Invalid(
            "the visit's answers are not an object".into(),
        ));
    }
    let mut at = answers;
    for (i, (name, entry)) in targets.iter().enumerate() {
        let last = i + 1 == targets.len();
        let obj = at
            .as_object_mut()
            .ok_or_else(|| StoreError::Invalid("a repeat entry is not an object".into()))?;
        match entry {
            None if last => {
                match &value {
                    Some(v) => obj.insert((*name).to_owned(), v.clone()),
                    None => obj.remove(*name),
                };
                return Ok(());
            }
            None => return Err(bad_path()),
            Some(k) => {
                let list = obj
                    .entry((*name).to_owned())
                    .or_insert_with(|| Json::Array(Vec::new()));
                if !list.is_array() {
                    *list = Json::Array(Vec::new());
                }
                let items = list.as_array_mut().expect("made an array above");
                if last {
                    match &value {
                        None if *k < items.len() => {
                            items.remove(*k);
                        }
                        None => {}
                        Some(v) => {
                            while items.len() <= *k {
                                items.push(Json::Object(Map::new()));
                            }
                            items[*k] = v.clone();
                        }
                    }
                    return Ok(());
                }
                while items.len() <= *k {
                    items.push(Json::Object(Map::new()));
                }
                at = &mut items[*k];
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn elder_form() -> Form {
        crate::forms::templates::load("elder_alone_visit")
            .expect("built in")
            .expect("loads")
    }

    #[test]
    fn relevance_shows_a_field_only_when_its_condition_holds() {
        let form = elder_form();
        let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        let paths = |answers: &Json| form.relevant_paths(answers, today);
        assert!(!paths(&json!({"follow_up": "no"})).contains(&"follow_up_detail".to_owned()));
        assert!(paths(&json!({"follow_up": "yes"})).contains(&"follow_up_detail".to_owned()));
    }

    #[test]
    fn set_answer_refuses_unknown_and_computed_fields_and_clears() {
        let form = elder_form();
        let mut answers = json!({});
        set_answer_at(&form, &mut answers, "health", Some(json!("good"))).unwrap();
        assert_eq!(answers, json!({"health": "good"}));
        assert!(set_answer_at(&form, &mut answers, "no_such", Some(json!(1))).is_err());
        assert!(set_answer_at(&form, &mut answers, "elder_age", Some(json!(70))).is_err());
        assert!(set_answer_at(&form, &mut answers, "health[0]", Some(json!(1))).is_err());
        set_answer_at(&form, &mut answers, "health", None).unwrap();
        assert_eq!(answers, json!({}));
    }

    #[test]
    fn repeat_entries_are_made_by_naming_them_and_removed_with_none() {
        let form = crate::forms::templates::load("dibao_application")
            .expect("built in")
            .expect("loads");
        let mut answers = json!({});
        set_answer_at(
            &form,
            &mut answers,
            "members[1].member_name",
            Some(json!("乙")),
        )
        .unwrap();
        assert_eq!(answers, json!({"members": [{}, {"member_name": "乙"}]}));
        set_answer_at(
            &form,
            &mut answers,
            "members[0].disabled",
            Some(json!("yes")),
        )
        .unwrap();
        set_answer_at(
            &form,
            &mut answers,
            "members[1].disabled",
            Some(json!("no")),
        )
        .unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        let paths = form.relevant_paths(&answers, today);
        assert!(paths.contains(&"members[0].disability_level".to_owned()));
        assert!(!paths.contains(&"members[1].disability_level".to_owned()));
        assert!(set_answer_at(&form, &mut answers, "members[0].no_such", Some(json!(1))).is_err());
        set_answer_at(&form, &mut answers, "members[0]", None).unwrap();
        assert_eq!(
            answers,
            json!({"members": [{"member_name": "乙", "disabled": "no"}]})
        );
    }

    /// A draft of `form` with these answers.
    fn draft(form: &Form, answers: Json) -> VisitRecord {
        VisitRecord {
            visit: doorstep_model::Visit::start(
                form.id(),
                1,
                Uuid::new_v4(),
                Uuid::new_v4(),
                doorstep_model::DeviceInstant::now(),
            ),
            answers,
            door_check: None,
            photos: Vec::new(),
        }
    }

    /// 街道 → 社区 cascade, `or_other` as the importer writes it, and a
    /// household's members each with income sources.
    fn cascading_form() -> Form {
        let choice = |name: &str, zh: &str, street: Option<&str>| {
            let mut c = json!({"name": name, "label": {"zh": zh, "en": name}});
            if let Some(s) = street {
                c["columns"] = json!({"street": s});
            }
            c
        };
        Form::from_json(
            &json!({"id": "cascade", "version": 1, "title": {"zh": "走访", "en": "Visit"}, "fields": [
                {"name": "street", "type": "select_one", "label": {"zh": "街道", "en": "Street"},
                 "choices": [choice("jianshe", "建设街道", None), choice("heping", "和平街道", None)]},
                {"name": "community", "type": "select_one", "label": {"zh": "社区", "en": "Community"},
                 "choice_filter": "street = ${street}",
                 "choices": [choice("xingfu", "幸福社区", Some("jianshe")), choice("anle", "安乐社区", Some("jianshe")),
                             choice("minzhu", "民主社区", Some("heping")), choice("other", "其他", None)]},
                {"name": "community_other", "type": "text", "label": {"zh": "其他，请注明", "en": "Specify other"},
                 "relevant": "selected(${community}, 'other')"},
                {"name": "members", "type": "repeat", "label": {"zh": "成员", "en": "Members"}, "children": [
                    {"name": "member_name", "type": "text", "label": {"zh": "姓名", "en": "Name"}},
                    {"name": "incomes", "type": "repeat", "label": {"zh": "收入", "en": "Incomes"}, "children": [
                        {"name": "kind", "type": "select_one", "label": {"zh": "类别", "en": "Kind"},
                         "choice_filter": "street = ${street} or street = 'any'",
                         "choices": [{"name": "wage", "label": {"zh": "工资", "en": "Wage"}, "columns": {"street": "any"}},
                                     {"name": "fishing", "label": {"zh": "捕鱼", "en": "Fishing"}, "columns": {"street": "heping"}}]},
                        {"name": "amount", "type": "money", "label": {"zh": "金额", "en": "Amount"}, "required": true}
                    ]}
                ]}
            ]})
            .to_string(),
        )
        .expect("loads")
    }

    #[test]
    fn the_screen_offers_only_the_choices_a_filter_lets_through() {
        let form = cascading_form();
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let answers = json!({"street": "jianshe", "members": [{"incomes": [{}, {}]}]});
        let screen = build_visit_screen(&form, draft(&form, answers), today, "zh");
        let names = |path: &str| -> Vec<String> {
            let f = screen.fields.iter().find(|f| f.path == path).unwrap();
            f.choices.iter().map(|c| c.name.clone()).collect()
        };
        assert_eq!(names("street"), ["jianshe", "heping"], "no filter: all");
        assert_eq!(names("community"), ["xingfu", "anle"]);
        assert_eq!(names("members[0].incomes[1].kind"), ["wage"]);
        let screen = build_visit_screen(
            &form,
            draft(
                &form,
                json!({"street": "heping", "members": [{"incomes": [{}]}]}),
            ),
            today,
            "zh",
        );
        let f = screen
            .fields
            .iter()
            .find(|f| f.path == "members[0].incomes[0].kind")
            .unwrap();
        let kinds: Vec<&str> = f.choices.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(kinds, ["wage", "fishing"]);
    }

    #[test]
    fn this_phones_visits_are_dated_in_words_by_their_local_day() {
        let form = cascading_form();
        let mut record = draft(&form, json!({}));
        // 23:30 UTC on 2 December is 3 December in Beijing.
        record.visit.started = doorstep_model::DeviceInstant {
            utc: "2026-12-02T23:30:00Z".parse().unwrap(),
            offset_seconds: 8 * 3600,
        };
        let summary = VisitSummary {
            visit: record.visit,
            head: "张三".into(),
            address: "建设路 1 号".into(),
        };
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let day = visit_day(&summary, today);
        assert_eq!((day.zh.as_str(), day.en.as_str()), ("12月3日", "3 Dec"));
        let next_year = NaiveDate::from_ymd_opt(2027, 1, 4).unwrap();
        assert_eq!(visit_day(&summary, next_year).en, "3 Dec 2026");
    }

    #[test]
    fn a_repeat_header_counts_people_for_members_and_entries_otherwise() {
        let form = cascading_form();
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let answers = json!({"street": "jianshe", "members": [{"incomes": [{}, {}]}]});
        let screen = build_visit_screen(&form, draft(&form, answers), today, "zh");
        let words = |path: &str| {
            let f = screen.fields.iter().find(|f| f.path == path).unwrap();
            let t = f.entries_text.clone().unwrap();
            (t.zh, t.en)
        };
        assert_eq!(words("members"), ("1 人".into(), "1 person".into()));
        assert_eq!(
            words("members[0].incomes"),
            ("2 项".into(), "2 entries".into())
        );
        let street = screen.fields.iter().find(|f| f.path == "street").unwrap();
        assert_eq!(street.entries_text, None, "only repeats are counted");
    }

    #[test]
    fn the_other_text_field_appears_when_other_is_chosen() {
        let form = cascading_form();
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let paths = |answers: Json| -> Vec<String> {
            build_visit_screen(&form, draft(&form, answers), today, "zh")
                .fields
                .into_iter()
                .map(|f| f.path)
                .collect()
        };
        assert!(!paths(json!({"community": "xingfu"})).contains(&"community_other".to_owned()));
        assert!(paths(json!({"community": "other"})).contains(&"community_other".to_owned()));
    }

    #[test]
    fn answers_inside_repeats_inside_repeats_are_set_and_shown_by_path() {
        let form = cascading_form();
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let mut answers = json!({});
        let path = "members[0].incomes[1].amount";
        set_answer_at(&form, &mut answers, path, Some(json!(120000))).unwrap();
        assert_eq!(
            answers,
            json!({"members": [{"incomes": [{}, {"amount": 120000}]}]})
        );
        let screen = build_visit_screen(&form, draft(&form, answers.clone()), today, "zh");
        let field = |p: &str| screen.fields.iter().find(|f| f.path == p).unwrap();
        assert_eq!(field(path).value, Some(json!(120000)));
        assert_eq!(field(path).depth, 2);
        assert_eq!(field("members[0].incomes").entries, Some(2));
        assert_eq!(
            field("members[0].incomes[0].amount").problems[0].code,
            "required"
        );
        assert!(
            set_answer_at(
                &form,
                &mut answers,
                "members[0].incomes[0].nope",
                Some(json!(1))
            )
            .is_err()
        );
        set_answer_at(&form, &mut answers, "members[0].incomes[0]", None).unwrap();
        assert_eq!(
            answers,
            json!({"members": [{"incomes": [{"amount": 120000}]}]})
        );
    }

    #[test]
    fn the_screen_lists_visible_fields_in_order_with_values_and_problems() {
        let form = crate::forms::templates::load("hazard_inspection")
            .expect("built in")
            .expect("loads");
        let visit = doorstep_model::Visit::start(
            "hazard_inspection",
            1,
            Uuid::new_v4(),
            Uuid::new_v4(),
            doorstep_model::DeviceInstant::now(),
        );
        let record = VisitRecord {
            visit,
            answers: json!({"hazard_found": true, "visit_date": "2030-01-01"}),
            door_check: None,
            photos: Vec::new(),
        };
        let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        let screen = build_visit_screen(&form, record, today, "zh");
        let paths: Vec<&str> = screen.fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            &paths[..7],
            &[
                "household_id",
                "respondent",
                "visit_date",
                "location",
                "hazard_found",
                "hazard",
                "hazard_type"
            ]
        );
        assert!(
            !paths.contains(&"recheck_result"),
            "asked only after a re-check date"
        );
        let field = |p: &str| screen.fields.iter().find(|f| f.path == p).unwrap();
        assert_eq!(
            field("hazard_found").value,
            Some(json!("yes")),
            "normalized by the form engine"
        );
        assert_eq!(field("hazard_type").depth, 1);
        assert_eq!(field("hazard_type").problems[0].code, "required");
        assert_eq!(field("visit_date").problems[0].code, "constraint");
        assert_eq!(field("visit_date").value, Some(json!("2030-01-01")));
        assert!(screen.editable);
        assert!(screen.problems.len() >= 4);
    }
}
