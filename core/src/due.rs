//! What is due across every household on the device, worked out in one pass
//! (a handful of queries, not one per household), and the words a screen
//! shows for a due visit: when (`逾期 5 天（截止 11月30日）`) and why
//! (`独居老人 · 每月走访`), from the tags' own names, never their codes.
//!
//! A visit counts as done on the local day it was finalized on this phone, or
//! on the day the server lists for it (made on another phone).

use crate::device::{Device, DeviceError};
use crate::display;
use crate::forms::LocalizedText;
use crate::forms::schedule::{self, DueVisit, Frequency, Reason, Status};
use crate::store::households::parse_uuid;
use crate::store::{Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use doorstep_model::DeviceInstant;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Every tag's name in both languages, by code.
#[derive(Debug, Clone, Default)]
pub struct TagNames(HashMap<String, LocalizedText>);

impl TagNames {
    /// The name of `code`; the code itself for a tag the device does not know.
    pub fn name(&self, code: &str) -> LocalizedText {
        self.0
            .get(code)
            .cloned()
            .unwrap_or_else(|| LocalizedText::new(code, code))
    }
}

impl Store {
    /// The names of every tag the device knows (built in and pulled).
    pub fn tag_names(&self) -> Result<TagNames, StoreError> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare_cached("SELECT code, name_zh, name_en FROM tag_definitions")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    LocalizedText::new(r.get::<_, String>(1)?, r.get::<_, String>(2)?),
                ))
            })?;
            Ok(TagNames(rows.collect::<Result<_, _>>()?))
        })
    }
}

/// When a due visit is due, as the worker reads it on `today`.
pub fn when_text(due: &DueVisit, today: NaiveDate) -> LocalizedText {
    let by = display::date(due.due_by, today);
    match due.status {
        Status::Overdue => {
            let days = (today - due.due_by).num_days().max(1);
            LocalizedText::new(
                format!("逾期 {days} 天（截止 {}）", by.zh),
                format!(
                    "overdue by {days} day{} (was due {})",
                    if days == 1 { "" } else { "s" },
                    by.en
                ),
            )
        }
        Status::Due if due.due_by == today => LocalizedText::new("今天截止", "due today"),
        Status::Due => LocalizedText::new(format!("{}前完成", by.zh), format!("due by {}", by.en)),
    }
}

/// Why a visit is due: the tag's name and how often, or the campaign day.
pub fn reason_text(due: &DueVisit, tags: &TagNames, today: NaiveDate) -> LocalizedText {
    match &due.reason {
        Reason::Routine { tag, every } => {
            let name = tags.name(tag);
            let (zh, en) = match every {
                Frequency::Monthly => ("每月走访".to_owned(), "monthly visit".to_owned()),
                Frequency::Quarterly => ("每季度走访".to_owned(), "quarterly visit".to_owned()),
                Frequency::Yearly => ("每年走访".to_owned(), "yearly visit".to_owned()),
                Frequency::EveryMonths(n) => (
                    format!("每 {n} 个月走访"),
                    format!("visit every {n} months"),
                ),
            };
            LocalizedText::new(format!("{} · {zh}", name.zh), format!("{} · {en}", name.en))
        }
        Reason::Campaign { day, date } => {
            let on = display::date(*date, today);
            LocalizedText::new(
                format!("{}走访（{}）", day.name_zh(), on.zh),
                format!("{} visit ({})", day.name_en(), on.en),
            )
        }
    }
}

/// The due visits of every household, by household, each list earliest
/// deadline first.
pub(crate) fn due_by_household(
    device: &Device,
    today: NaiveDate,
) -> Result<HashMap<Uuid, Vec<DueVisit>>, DeviceError> {
    let forms: Vec<_> = device
        .template_list()?
        .iter()
        .filter_map(|t| device.templates().latest(&t.id).ok())
        .filter(|f| f.definition().schedule.is_some())
        .collect();
    if forms.is_empty() {
        return Ok(HashMap::new());
    }
    let definitions: Vec<_> = forms.iter().map(|f| f.definition()).collect();
    let mut households = device.store().schedule_facts()?;
    let mut out = HashMap::new();
    for (id, facts) in households.drain() {
        let due = schedule::due_visits(&facts, &definitions, today);
        if !due.is_empty() {
            out.insert(id, due);
        }
    }
    Ok(out)
}

impl Store {
    /// What the scheduler needs of each household holding any tag: its tags
    /// and the visits it got (on this phone, finalized; from the server's list).
    fn schedule_facts(&self) -> Result<HashMap<Uuid, schedule::Household>, StoreError> {
        self.read(|conn| {
            let mut facts: HashMap<Uuid, schedule::Household> = HashMap::new();
            let mut stmt = conn.prepare_cached(
                "SELECT r.household_id, t.code, t.start_date, t.end_date
                 FROM resident_tags t JOIN residents r ON r.id = t.resident_id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })?;
            for row in rows {
                let (household, tag, since, until) = row?;
                facts
                    .entry(uuid(household)?)
                    .or_default()
                    .tags
                    .push(schedule::TagSpan {
                        tag,
                        since: day(&since)?,
                        until: until.as_deref().map(day).transpose()?,
                    });
            }
            let mut here = HashSet::new();
            let mut stmt = conn.prepare_cached(
                "SELECT household_id, visit_group, template_id, finalized_utc, finalized_offset
                 FROM visits WHERE status != 'draft' AND finalized_utc IS NOT NULL",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i32>(4)?,
                ))
            })?;
            for row in rows {
                let (household, group, template_id, utc, offset) = row?;
                here.insert(group);
                let Some(h) = facts.get_mut(&uuid(household)?) else {
                    continue;
                };
                let date = crate::clock::local_date(DeviceInstant {
                    utc: DateTime::parse_from_rfc3339(&utc)
                        .map_err(|_| malformed())?
                        .with_timezone(&Utc),
                    offset_seconds: offset,
                });
                h.visits.push(schedule::VisitRecord { template_id, date });
            }
            let mut stmt = conn.prepare_cached(
                "SELECT household_id, visit_group, template_id, date FROM past_visits",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?;
            for row in rows {
                let (household, group, template_id, date) = row?;
                if here.contains(&group) {
                    continue;
                }
                if let Some(h) = facts.get_mut(&uuid(household)?) {
                    h.visits.push(schedule::VisitRecord {
                        template_id,
                        date: day(&date)?,
                    });
                }
            }
            Ok(facts)
        })
    }
}

fn malformed() -> StoreError {
    StoreError::Invalid("a stored date does not parse".into())
}

fn day(text: &str) -> Result<NaiveDate, StoreError> {
    text.parse().map_err(|_| malformed())
}

fn uuid(text: String) -> Result<Uuid, StoreError> {
    Ok(parse_uuid(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn routine(due_by: &str, status: Status) -> DueVisit {
        DueVisit {
            template_id: "elder_alone_visit".into(),
            reason: Reason::Routine {
                tag: "elder_alone".into(),
                every: Frequency::Monthly,
            },
            due_by: d(due_by),
            status,
        }
    }

    #[test]
    fn a_due_visit_says_when_and_why_in_words_not_codes() {
        let today = d("2026-12-05");
        let tags = TagNames(HashMap::from([(
            "elder_alone".to_owned(),
            LocalizedText::new("独居老人", "Elder living alone"),
        )]));
        let overdue = routine("2026-11-30", Status::Overdue);
        let when = when_text(&overdue, today);
        assert_eq!(when.zh, "逾期 5 天（截止 11月30日）");
        assert_eq!(when.en, "overdue by 5 days (was due 30 Nov)");
        let why = reason_text(&overdue, &tags, today);
        assert_eq!(why.zh, "独居老人 · 每月走访");
        assert_eq!(why.en, "Elder living alone · monthly visit");

        let due = routine("2026-12-31", Status::Due);
        assert_eq!(when_text(&due, today).zh, "12月31日前完成");
        assert_eq!(when_text(&due, today).en, "due by 31 Dec");
        let last_day = routine("2026-12-05", Status::Due);
        assert_eq!(when_text(&last_day, today).en, "due today");
        assert_eq!(
            reason_text(&due, &TagNames::default(), today).en,
            "elder_alone · monthly visit",
            "an unknown tag shows its code rather than nothing"
        );
    }
}
