//! Visit schedules: how often a household with a tag must be visited with a
//! template, and the campaign days around which a visit is expected.
//!
//! Routine visits use periods of N months counted from January 2000, so monthly,
//! quarterly (N = 3), half-yearly (N = 6) and yearly (N = 12) rules follow the
//! calendar months, quarters, halves and years that monthly reports use. A period
//! is satisfied by any visit with the template inside it. When the whole previous
//! period passed without one, the visit is overdue until a visit is made.
//!
//! A campaign is a window around a day (by default the 14 days before it, and the
//! day itself). Inside the window a visit is due by the window's end; a missed
//! window stays overdue for [`CAMPAIGN_GRACE_DAYS`] days and then lapses.

use chrono::{Datelike, Duration, Months, NaiveDate};
use serde::{Deserialize, Serialize};

pub use crate::calendar::CampaignDay;
use crate::definition::FormDefinition;

/// Days after a campaign window during which a missed campaign visit is reported overdue.
pub const CAMPAIGN_GRACE_DAYS: i64 = 30;

/// A template's schedule.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    #[serde(default)]
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub campaigns: Vec<Campaign>,
}

/// Households holding `tag` must be visited `every` period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub tag: String,
    pub every: Frequency,
}

/// How often.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Monthly,
    Quarterly,
    Yearly,
    /// Every N months (`{"every_months": 6}` for twice a year).
    EveryMonths(u32),
}

impl Frequency {
    /// The period's length in months (at least 1).
    pub fn months(self) -> u32 {
        match self {
            Self::Monthly => 1,
            Self::Quarterly => 3,
            Self::Yearly => 12,
            Self::EveryMonths(n) => n.max(1),
        }
    }
}

/// A visit expected around a campaign day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    pub day: CampaignDay,
    /// Households with any of these tags; empty means the tags of the schedule's rules.
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default = "default_days_before")]
    pub days_before: u32,
    #[serde(default)]
    pub days_after: u32,
}

fn default_days_before() -> u32 {
    14
}

/// A tag a household holds from `since` until `until` (inclusive), if it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagSpan {
    pub tag: String,
    pub since: NaiveDate,
    #[serde(default)]
    pub until: Option<NaiveDate>,
}

impl TagSpan {
    fn held_on(&self, day: NaiveDate) -> bool {
        self.since <= day && self.until.is_none_or(|u| day <= u)
    }
}

/// A visit made with a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitRecord {
    pub template_id: String,
    pub date: NaiveDate,
}

/// What the scheduler knows about a household.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Household {
    pub tags: Vec<TagSpan>,
    pub visits: Vec<VisitRecord>,
}

/// Why a visit is expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Reason {
    Routine { tag: String, every: Frequency },
    Campaign { day: CampaignDay, date: NaiveDate },
}

/// Whether the deadline is still ahead or already missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not done yet; `due_by` is ahead (or today).
    Due,
    /// `due_by` has passed without a visit.
    Overdue,
}

/// One visit the household should get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueVisit {
    pub template_id: String,
    pub reason: Reason,
    /// The last day the visit counts for (for an overdue visit, the missed deadline).
    pub due_by: NaiveDate,
    pub status: Status,
}

fn month_index(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 12 + i64::from(d.month0())
}

fn month_start(index: i64) -> Option<NaiveDate> {
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = u32::try_from(index.rem_euclid(12)).ok()? + 1;
    NaiveDate::from_ymd_opt(year, month, 1)
}

/// The period `[start, end]` of `months` months containing `day`, shifted by `offset` periods.
fn period(day: NaiveDate, months: u32, offset: i64) -> Option<(NaiveDate, NaiveDate)> {
    let n = i64::from(months);
    let base = 2000 * 12;
    let p = (month_index(day) - base).div_euclid(n) + offset;
    let start = month_start(base + p * n)?;
    let end = start.checked_add_months(Months::new(months))? - Duration::days(1);
    Some((start, end))
}

impl Household {
    fn holds(&self, tag: &str, day: NaiveDate) -> Option<&TagSpan> {
        self.tags.iter().find(|t| t.tag == tag && t.held_on(day))
    }

    fn visited(&self, template: &str, from: NaiveDate, to: NaiveDate) -> bool {
        self.visits
            .iter()
            .any(|v| v.template_id == template && from <= v.date && v.date <= to)
    }
}

/// Everything `household` should get as of `on`, from the given templates'
/// schedules: visits due (with the last day they count for) and visits overdue.
/// Sorted by deadline. Visits recorded after `on` are ignored.
pub fn due_visits(
    household: &Household,
    templates: &[&FormDefinition],
    on: NaiveDate,
) -> Vec<DueVisit> {
    let mut out = Vec::new();
    for def in templates {
        let Some(schedule) = &def.schedule else {
            continue;
        };
        // The strictest rule among the tags the household holds today.
        let rule = schedule
            .rules
            .iter()
            .filter(|r| household.holds(&r.tag, on).is_some())
            .min_by_key(|r| r.every.months());
        if let Some(rule) = rule
            && let Some(item) = routine(household, &def.id, rule, on)
        {
            out.push(item);
        }
        for c in &schedule.campaigns {
            let tags: Vec<&str> = if c.tags.is_empty() {
                schedule.rules.iter().map(|r| r.tag.as_str()).collect()
            } else {
                c.tags.iter().map(String::as_str).collect()
            };
            if let Some(item) = campaign(household, &def.id, c, &tags, on) {
                out.push(item);
            }
        }
    }
    out.sort_by(|a, b| {
        a.due_by
            .cmp(&b.due_by)
            .then_with(|| a.template_id.cmp(&b.template_id))
    });
    out
}

fn routine(h: &Household, template: &str, rule: &Rule, on: NaiveDate) -> Option<DueVisit> {
    let months = rule.every.months();
    let (start, end) = period(on, months, 0)?;
    if h.visited(template, start, on) {
        return None;
    }
    let (prev_start, prev_end) = period(on, months, -1)?;
    let held_all_previous = h.holds(&rule.tag, prev_start).is_some();
    let reason = Reason::Routine {
        tag: rule.tag.clone(),
        every: rule.every,
    };
    if held_all_previous && !h.visited(template, prev_start, prev_end) {
        return Some(DueVisit {
            template_id: template.to_owned(),
            reason,
            due_by: prev_end,
            status: Status::Overdue,
        });
    }
    Some(DueVisit {
        template_id: template.to_owned(),
        reason,
        due_by: end,
        status: Status::Due,
    })
}

fn campaign(
    h: &Household,
    template: &str,
    c: &Campaign,
    tags: &[&str],
    on: NaiveDate,
) -> Option<DueVisit> {
    for year in [on.year() - 1, on.year(), on.year() + 1] {
        let Some(day) = c.day.date_in(year) else {
            continue;
        };
        let from = day - Duration::days(i64::from(c.days_before));
        let to = day + Duration::days(i64::from(c.days_after));
        let held = |d: NaiveDate| tags.iter().any(|t| h.holds(t, d).is_some());
        let reason = Reason::Campaign {
            day: c.day,
            date: day,
        };
        if from <= on && on <= to {
            if held(on) && !h.visited(template, from, on) {
                return Some(DueVisit {
                    template_id: template.to_owned(),
                    reason,
                    due_by: to,
                    status: Status::Due,
                });
            }
            return None;
        }
        if to < on
            && on <= to + Duration::days(CAMPAIGN_GRACE_DAYS)
            && held(from)
            && held(on)
            && !h.visited(template, from, on)
        {
            return Some(DueVisit {
                template_id: template.to_owned(),
                reason,
                due_by: to,
                status: Status::Overdue,
            });
        }
    }
    None
}
