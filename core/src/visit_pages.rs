//! Sections of a visit form: the pages a worker moves through with buttons
//! (上一节 / 下一节), never by swiping, the same way for every form.
//!
//! The pages follow the form's own structure: each top-level group is one
//! section titled by its label, each top-level repeat (household members) is
//! one section, and the loose top-level fields between them are gathered into
//! sections of at most [`MAX_LOOSE_FIELDS`] fields — "基本信息" when they open
//! the form, "其他信息" elsewhere, numbered when a long run is split. A
//! section's key is the name of its first top-level field, so it stays the
//! same whatever the answers are.
//!
//! [`sections`] lays the visible fields of a [`VisitScreen`](crate::screen::VisitScreen)
//! out on those pages: a section whose fields relevance hides all is left out,
//! and each section counts its problems.
//!
//! The worker's place — which draft she had open and on which section — is
//! kept in the encrypted store at every answer and every move, so that after
//! the app was killed [`Device::open_visit`] says which visit to reopen and
//! where. [`Device::finish`] is the 完成 button: it finalizes a complete draft,
//! or moves her to the first problem's section and names its field.

use crate::device::{Device, DeviceError};
use crate::forms::{FieldType, Form, LocalizedText};
use crate::screen::{FieldView, ProblemJump, VisitScreen};
use crate::store::StoreError;
use crate::store::visits::{VisitFilter, VisitSummary};
use chrono::NaiveDate;
use doorstep_model::{Visit, VisitStatus};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// At most this many loose top-level fields share one section.
pub const MAX_LOOSE_FIELDS: usize = 12;

/// One page of a visit form as it stands now.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Stable: the name of the section's first top-level field.
    pub key: String,
    pub title: LocalizedText,
    /// The section's fields are the screen's `fields[start..end]`.
    pub start: u32,
    pub end: u32,
    /// How many problems its fields have now.
    pub problem_count: u32,
}

/// A section of the form's definition, before any answer.
struct Plan {
    key: String,
    title: LocalizedText,
}

/// The form's sections and, for each top-level field name, its section.
fn plan(form: &Form) -> (Vec<Plan>, HashMap<&str, usize>) {
    let fields = &form.definition().fields;
    let mut plans = Vec::new();
    let mut of = HashMap::new();
    let mut run: Vec<&str> = Vec::new();
    for f in fields {
        match f.field_type {
            FieldType::Group | FieldType::Repeat => {
                flush(&mut run, &mut plans, &mut of);
                of.insert(f.name.as_str(), plans.len());
                plans.push(Plan {
                    key: f.name.clone(),
                    title: f.label.clone(),
                });
            }
            _ => run.push(f.name.as_str()),
        }
    }
    flush(&mut run, &mut plans, &mut of);
    (plans, of)
}

/// Gathers a run of loose top-level fields into sections of at most
/// [`MAX_LOOSE_FIELDS`], evenly split and numbered when there are several.
fn flush<'a>(run: &mut Vec<&'a str>, plans: &mut Vec<Plan>, of: &mut HashMap<&'a str, usize>) {
    if run.is_empty() {
        return;
    }
    let chunks = run.len().div_ceil(MAX_LOOSE_FIELDS);
    let per = run.len().div_ceil(chunks);
    let (zh, en) = if plans.is_empty() {
        ("基本信息", "Basic information")
    } else {
        ("其他信息", "More information")
    };
    for (i, chunk) in run.chunks(per).enumerate() {
        let title = if chunks > 1 {
            LocalizedText::new(
                format!("{zh}（{}/{chunks}）", i + 1),
                format!("{en} ({}/{chunks})", i + 1),
            )
        } else {
            LocalizedText::new(zh, en)
        };
        for name in chunk {
            of.insert(*name, plans.len());
        }
        plans.push(Plan {
            key: chunk[0].to_owned(),
            title,
        });
    }
    run.clear();
}

/// The sections holding `fields` (a visit screen's visible fields, in the
/// form's order), in order, each with its range of fields and problem count.
pub fn sections(form: &Form, fields: &[FieldView]) -> Vec<Section> {
    let (plans, of) = plan(form);
    let mut out: Vec<Section> = Vec::new();
    let mut page = None;
    for (i, f) in fields.iter().enumerate() {
        if f.depth == 0 {
            page = of.get(f.name.as_str()).copied();
        }
        let Some(p) = page else { continue };
        let plan = &plans[p];
        let i = i as u32;
        match out.last_mut() {
            Some(s) if s.key == plan.key => s.end = i + 1,
            _ => out.push(Section {
                key: plan.key.clone(),
                title: plan.title.clone(),
                start: i,
                end: i + 1,
                problem_count: 0,
            }),
        }
        if let Some(s) = out.last_mut() {
            s.problem_count += f.problems.len() as u32;
        }
    }
    out
}

/// The first problem on a visible field, with the section holding it.
pub fn first_problem(sections: &[Section], fields: &[FieldView]) -> Option<ProblemJump> {
    let at = fields.iter().position(|f| !f.problems.is_empty())?;
    let at = at as u32;
    let (index, section) = sections
        .iter()
        .enumerate()
        .find(|(_, s)| s.start <= at && at < s.end)?;
    Some(ProblemJump {
        section_key: section.key.clone(),
        section: index as u32,
        path: fields[at as usize].path.clone(),
    })
}

/// A button as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub label: LocalizedText,
    pub enabled: bool,
}

/// A button that moves to another section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionButton {
    /// "上一节" / "下一节".
    pub label: LocalizedText,
    /// The section it moves to (pass to [`Device::go_to_section`]) and its title.
    pub section_key: String,
    pub section_title: LocalizedText,
}

/// The buttons of a visit's screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitButtons {
    /// 保存草稿: enabled on a draft.
    pub save_draft: Button,
    /// 完成: enabled on a draft, problems or not (with problems it jumps to the first).
    pub finish: Button,
    /// What 完成 will do now: "还有 3 个问题" while problems remain.
    pub finish_hint: Option<LocalizedText>,
    /// Absent on the first section.
    pub previous: Option<SectionButton>,
    /// Absent on the last section.
    pub next: Option<SectionButton>,
}

/// The buttons of `screen` as it stands (on its current section).
pub fn buttons(screen: &VisitScreen) -> VisitButtons {
    let current = screen.current_section as usize;
    let to = |i: usize, zh: &str, en: &str| {
        screen.sections.get(i).map(|s| SectionButton {
            label: LocalizedText::new(zh, en),
            section_key: s.key.clone(),
            section_title: s.title.clone(),
        })
    };
    let problems = screen.problems.len();
    VisitButtons {
        save_draft: Button {
            label: LocalizedText::new("保存草稿", "Save draft"),
            enabled: screen.editable,
        },
        finish: Button {
            label: LocalizedText::new("完成", "Finish"),
            enabled: screen.editable,
        },
        finish_hint: (screen.editable && problems > 0).then(|| {
            LocalizedText::new(
                format!("还有 {problems} 个问题"),
                format!(
                    "{problems} problem{} left",
                    if problems == 1 { "" } else { "s" }
                ),
            )
        }),
        previous: current
            .checked_sub(1)
            .and_then(|i| to(i, "上一节", "Previous")),
        next: to(current + 1, "下一节", "Next"),
    }
}

/// The draft the worker had open and the section she was on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Place {
    visit: Uuid,
    section: String,
    /// The worker left the visit (保存草稿, back): not reopened at start.
    #[serde(default)]
    closed: bool,
}

/// The visit to reopen after the app was killed, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenVisit {
    pub summary: VisitSummary,
    /// The form's title.
    pub title: LocalizedText,
    /// Whether its door check is recorded (if not, reopen the door check).
    pub door_checked: bool,
    /// The section she was on (key and title).
    pub section_key: String,
    pub section_title: LocalizedText,
    /// What the app says on reopening it.
    pub message: LocalizedText,
}

/// What 完成 did.
#[derive(Debug, Clone, PartialEq)]
pub enum Finish {
    /// The visit is finalized and queued for upload.
    Finalized(Visit),
    /// Refused: the screen is moved to the first problem's section
    /// (`first_problem` names the field); the visit stays a draft.
    Problems(Box<VisitScreen>),
}

impl Device {
    fn place(&self) -> Result<Option<Place>, DeviceError> {
        Ok(self
            .store()
            .open_visit_place()?
            .and_then(|text| serde_json::from_str(&text).ok()))
    }

    fn save_place(&self, visit: Uuid, section: &str) -> Result<(), DeviceError> {
        let place = Place {
            visit,
            section: section.to_owned(),
            closed: false,
        };
        if self.place()?.as_ref() == Some(&place) {
            return Ok(());
        }
        self.write_place(&place)
    }

    fn write_place(&self, place: &Place) -> Result<(), DeviceError> {
        let text = serde_json::to_string(place)
            .map_err(|e| StoreError::Invalid(format!("the visit's place: {e}")))?;
        Ok(self.store().set_open_visit_place(&text)?)
    }

    /// Sets `screen.current_section` to the section the worker was on in this
    /// visit, when it is still shown (the first section otherwise).
    pub(crate) fn place_on_section(&self, screen: &mut VisitScreen) -> Result<(), DeviceError> {
        if let Some(place) = self.place()?
            && place.visit == screen.record.visit.id
            && let Some(i) = screen.sections.iter().position(|s| s.key == place.section)
        {
            screen.current_section = i as u32;
        }
        Ok(())
    }

    /// After an answer at `path`: the worker is on the section holding that
    /// field (or its repeat), and the store remembers it.
    pub(crate) fn note_answer(
        &self,
        mut screen: VisitScreen,
        path: &str,
    ) -> Result<VisitScreen, DeviceError> {
        let at = screen
            .fields
            .iter()
            .position(|f| f.path == path)
            .or_else(|| {
                // `members[2]` (an entry removed): the repeat's own line.
                let repeat = path.split('[').next().unwrap_or(path);
                screen.fields.iter().position(|f| f.path == repeat)
            });
        if let Some(at) = at {
            let at = at as u32;
            if let Some(i) = screen
                .sections
                .iter()
                .position(|s| s.start <= at && at < s.end)
            {
                screen.current_section = i as u32;
            }
        }
        self.keep_place(&screen)?;
        Ok(screen)
    }

    /// Makes a draft just started or revised the open visit, on its first section.
    pub(crate) fn keep_open(&self, visit: Uuid, today: NaiveDate) -> Result<(), DeviceError> {
        let screen = self.visit_screen(visit, today)?;
        self.keep_place(&screen)
    }

    fn keep_place(&self, screen: &VisitScreen) -> Result<(), DeviceError> {
        if let (true, Some(section)) = (
            screen.editable,
            screen.sections.get(screen.current_section as usize),
        ) {
            self.save_place(screen.record.visit.id, &section.key)?;
        }
        Ok(())
    }

    /// Moves the worker to the section `key` of a visit (上一节 / 下一节, or a
    /// tap in the list of sections) and returns the screen there. A key that
    /// names no section shown now is refused.
    pub fn go_to_section(
        &self,
        visit: Uuid,
        key: &str,
        today: NaiveDate,
    ) -> Result<VisitScreen, DeviceError> {
        let mut screen = self.visit_screen(visit, today)?;
        let i = screen
            .sections
            .iter()
            .position(|s| s.key == key)
            .ok_or(DeviceError::UnknownSection)?;
        screen.current_section = i as u32;
        self.keep_place(&screen)?;
        Ok(screen)
    }

    /// 完成: finalizes the draft when its answers are complete on `today`;
    /// otherwise leaves it a draft and returns its screen on the first
    /// problem's section, remembered as the worker's place.
    pub fn finish(&self, visit: Uuid, today: NaiveDate) -> Result<Finish, DeviceError> {
        match self.finalize_on(visit, today) {
            Ok(done) => Ok(Finish::Finalized(done)),
            Err(DeviceError::Incomplete(_)) => {
                let mut screen = self.visit_screen(visit, today)?;
                if let Some(jump) = &screen.first_problem {
                    screen.current_section = jump.section;
                }
                self.keep_place(&screen)?;
                Ok(Finish::Problems(Box::new(screen)))
            }
            Err(e) => Err(e),
        }
    }

    /// The worker left `visit` (保存草稿, 完成 or back): it is not reopened
    /// when the app starts again, until she answers or moves in it again. Her
    /// section is kept for when she comes back to it.
    pub fn leave_visit(&self, visit: Uuid) -> Result<(), DeviceError> {
        if let Some(mut place) = self.place()?
            && place.visit == visit
            && !place.closed
        {
            place.closed = true;
            self.write_place(&place)?;
        }
        Ok(())
    }

    /// The visit to reopen when the app starts again: the draft the worker
    /// last edited or moved in and did not leave, if it is still a draft,
    /// with the section she was on and what to tell her. `None` when there
    /// is nothing to reopen.
    pub fn open_visit(&self, today: NaiveDate) -> Result<Option<OpenVisit>, DeviceError> {
        let Some(place) = self.place()?.filter(|p| !p.closed) else {
            return Ok(None);
        };
        let summary = self
            .store()
            .visits(VisitFilter::All)?
            .into_iter()
            .find(|s| s.visit.id == place.visit);
        let Some(summary) = summary.filter(|s| s.visit.status == VisitStatus::Draft) else {
            return Ok(None);
        };
        let screen = self.visit_screen(place.visit, today)?;
        let Some(section) = screen.sections.get(screen.current_section as usize) else {
            return Ok(None);
        };
        let message = LocalizedText::new(
            format!(
                "已恢复未完成的走访：{}，停在「{}」",
                screen.title.zh, section.title.zh
            ),
            format!(
                "Your unfinished visit was restored: {}, at “{}”",
                screen.title.en, section.title.en
            ),
        );
        Ok(Some(OpenVisit {
            summary,
            door_checked: screen.record.door_check.is_some(),
            title: screen.title.clone(),
            section_key: section.key.clone(),
            section_title: section.title.clone(),
            message,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::{Field, FormDefinition};

    fn form(fields: Vec<Field>) -> Form {
        Form::load(FormDefinition {
            format: 1,
            id: "t".into(),
            version: 1,
            title: LocalizedText::new("t", "t"),
            visit_kind: "custom".into(),
            schedule: None,
            fields,
        })
        .expect("loads")
    }

    fn text(name: &str) -> Field {
        Field::new(name, FieldType::Text, LocalizedText::new(name, name))
    }

    fn view(name: &str, depth: u32, problems: usize) -> FieldView {
        FieldView {
            path: name.into(),
            name: name.into(),
            field_type: FieldType::Text,
            depth,
            label: LocalizedText::default(),
            hint: None,
            guidance_hint: None,
            required: false,
            read_only: false,
            choices: Vec::new(),
            value: None,
            entries_text: None,
            entries: None,
            min_count: None,
            max_count: None,
            problems: (0..problems)
                .map(|_| crate::forms::Problem {
                    path: name.into(),
                    code: "required".into(),
                    message: LocalizedText::new("必填", "required"),
                })
                .collect(),
        }
    }

    #[test]
    fn groups_and_repeats_are_sections_and_loose_fields_gather_between_them() {
        let mut group = Field::new(
            "hazard",
            FieldType::Group,
            LocalizedText::new("隐患情况", "The hazard"),
        );
        group.children = Some(vec![text("kind")]);
        let form = form(vec![text("a"), text("b"), group, text("c")]);
        let fields = [
            view("a", 0, 1),
            view("b", 0, 0),
            view("hazard", 0, 0),
            view("kind", 1, 2),
            view("c", 0, 0),
        ];
        let s = sections(&form, &fields);
        let keys: Vec<&str> = s.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["a", "hazard", "c"]);
        assert_eq!(s[0].title.zh, "基本信息");
        assert_eq!(s[1].title.zh, "隐患情况");
        assert_eq!(s[2].title.en, "More information");
        assert_eq!((s[1].start, s[1].end, s[1].problem_count), (2, 4, 2));
        assert_eq!(s[0].problem_count, 1);

        // The group hidden by relevance is no section; the key of the first
        // section stays `a` even when `a` itself is hidden.
        let hidden = [view("b", 0, 0), view("c", 0, 0)];
        let s = sections(&form, &hidden);
        let keys: Vec<&str> = s.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["a", "c"]);
    }

    #[test]
    fn a_long_run_of_loose_fields_is_split_evenly_and_numbered() {
        let names: Vec<String> = (0..30).map(|i| format!("f{i}")).collect();
        let form = form(names.iter().map(|n| text(n)).collect());
        let fields: Vec<FieldView> = names.iter().map(|n| view(n, 0, 0)).collect();
        let s = sections(&form, &fields);
        let sizes: Vec<u32> = s.iter().map(|s| s.end - s.start).collect();
        assert_eq!(sizes, [10, 10, 10]);
        assert_eq!(s[2].title.zh, "基本信息（3/3）");
    }
}
