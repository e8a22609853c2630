//! The home screen ("今日"): what the worker has to do and what waits.
//!
//! - visits due and overdue across her households, overdue first, each with
//!   the household's line, the template's title and the words for when and
//!   why (and the draft already begun for it, so one tap continues it);
//! - visits the supervisor returned, with the comment;
//! - drafts, each with how many problems stop it from being finished;
//! - how many visits wait to upload or were set aside;
//! - when the last sync succeeded, in words (`上次同步：今天 14:05`).
//!
//! "Today" is the device's clock ([`Device::now`]), so tests fix the date.

use crate::device::{Device, DeviceError};
use crate::display;
use crate::due::{reason_text, when_text};
use crate::forms::LocalizedText;
use crate::forms::registry::TemplateRef;
use crate::forms::schedule::{DueVisit, Status};
use crate::store::households::HouseholdSummary;
use crate::store::visits::{VisitFilter, VisitSummary};
use chrono::{DateTime, NaiveDate, Utc};
use doorstep_model::VisitStatus;
use std::collections::HashMap;
use uuid::Uuid;

/// At most this many due visits are listed on the home screen (the counts
/// cover all of them; the household list's "due" filter shows the rest).
pub const HOME_DUE_LIMIT: usize = 30;

/// A visit a household should get.
#[derive(Debug, Clone, PartialEq)]
pub struct DueItem {
    pub household: HouseholdSummary,
    pub template_id: String,
    pub template_title: LocalizedText,
    pub due_by: NaiveDate,
    pub overdue: bool,
    /// `逾期` (bad) or `应访` (neutral), as the list marks it.
    pub badge: display::Badge,
    /// `逾期 5 天（截止 11月30日）`, `12月31日前完成`, `今天截止`.
    pub when: LocalizedText,
    /// `独居老人 · 每月走访`, `重阳节走访（10月29日）`.
    pub reason: LocalizedText,
    /// A draft of this template already begun for the household.
    pub draft: Option<Uuid>,
}

/// A visit returned by the supervisor and not yet revised.
#[derive(Debug, Clone, PartialEq)]
pub struct ReturnedItem {
    pub visit: VisitSummary,
    pub template_title: LocalizedText,
    /// The supervisor's comment.
    pub comment: String,
    /// `今天 14:05` — when it was returned.
    pub returned_at: Option<LocalizedText>,
}

/// A draft, with what stops it from being finished.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftItem {
    pub visit: VisitSummary,
    pub template_title: LocalizedText,
    /// How many problems the answers have now (0: it can be finished).
    pub problems: u32,
    /// `今天 09:30` — when it was begun.
    pub started: LocalizedText,
    /// Why its upload was given up and it came back to draft, if it did.
    pub upload_problem: Option<LocalizedText>,
}

/// Everything the home screen shows.
#[derive(Debug, Clone, PartialEq)]
pub struct HomeScreen {
    pub today: NaiveDate,
    /// `12月5日` / `5 Dec`.
    pub today_text: LocalizedText,
    /// Overdue first, then by deadline; at most [`HOME_DUE_LIMIT`].
    pub due: Vec<DueItem>,
    /// All due visits that are not overdue, and all overdue ones.
    pub due_count: u32,
    pub overdue_count: u32,
    pub returned: Vec<ReturnedItem>,
    /// Newest first.
    pub drafts: Vec<DraftItem>,
    /// Finalized visits not yet on the server.
    pub waiting_upload: u32,
    /// Of those, the ones set aside that need the worker (see the outbox).
    pub set_aside: u32,
    pub last_sync: Option<DateTime<Utc>>,
    /// `上次同步：今天 14:05` / `Last sync: today 14:05`, or `从未同步` / `Never synced`.
    pub last_sync_text: LocalizedText,
    /// Someone is signed in on this phone.
    pub signed_in: bool,
    /// The sign-in has expired (by its date): sign in again before syncing;
    /// the last sync failing for that reason counts too.
    pub session_expired: bool,
    /// While it is expired, what to tell her ([`crate::sign_in::session_expired_text`]).
    pub session_notice: Option<LocalizedText>,
}

impl Device {
    /// The home screen as of the device's clock.
    pub fn home(&self) -> Result<HomeScreen, DeviceError> {
        let now = crate::clock::local(self.now());
        let today = now.date_naive();
        let titles = self.titles()?;
        let title = |id: &str| {
            titles
                .get(id)
                .cloned()
                .unwrap_or_else(|| LocalizedText::new(id, id))
        };
        let tags = self.store().tag_names()?;
        let visits = self.store().visits(VisitFilter::All)?;
        let mut drafts = Vec::new();
        let mut draft_of: HashMap<(Uuid, String), Uuid> = HashMap::new();
        for v in visits
            .into_iter()
            .filter(|v| v.visit.status == VisitStatus::Draft)
        {
            draft_of
                .entry((v.visit.household_id, v.visit.template_id.clone()))
                .or_insert(v.visit.id);
            let problems = self.draft_problems(v.visit.id, today)?;
            let upload_problem = self.store().upload_problem(v.visit.id)?;
            drafts.push(DraftItem {
                template_title: title(&v.visit.template_id),
                problems,
                started: display::moment(crate::clock::local(v.visit.started), now),
                upload_problem,
                visit: v,
            });
        }

        // What is due, ordered and cut to the first ones before any household
        // is read: overdue first, then by deadline, then in the list's order.
        let facts = self.list_facts(today)?;
        let mut open: Vec<(Uuid, &DueVisit)> = facts
            .due
            .iter()
            .flat_map(|(h, list)| list.iter().map(move |d| (*h, d)))
            .collect();
        let late = |d: &DueVisit| d.status == Status::Overdue;
        open.sort_by(|(ha, a), (hb, b)| {
            late(b)
                .cmp(&late(a))
                .then(a.due_by.cmp(&b.due_by))
                .then_with(|| facts.position.get(ha).cmp(&facts.position.get(hb)))
                .then_with(|| a.template_id.cmp(&b.template_id))
        });
        let overdue_count = open.iter().filter(|(_, d)| late(d)).count() as u32;
        let due_count = open.len() as u32 - overdue_count;
        let mut due = Vec::new();
        for (household, d) in open.into_iter().take(HOME_DUE_LIMIT) {
            let summary = self.store().household_summary(household)?;
            due.push(DueItem {
                household: summary,
                template_title: title(&d.template_id),
                due_by: d.due_by,
                overdue: late(d),
                badge: display::due(late(d)),
                when: when_text(d, today),
                reason: reason_text(d, &tags, today),
                draft: draft_of.get(&(household, d.template_id.clone())).copied(),
                template_id: d.template_id.clone(),
            });
        }

        let returned = self
            .store()
            .visits(VisitFilter::Returned)?
            .into_iter()
            .map(|v| ReturnedItem {
                template_title: title(&v.visit.template_id),
                comment: v
                    .visit
                    .review
                    .as_ref()
                    .map(|r| r.comment.clone())
                    .unwrap_or_default(),
                returned_at: v
                    .visit
                    .review
                    .as_ref()
                    .map(|r| display::moment(r.at.fixed_offset(), now)),
                visit: v,
            })
            .collect();
        let (waiting_upload, set_aside) = self.store().visits_waiting_upload()?;
        let status = self.store().sync_status()?;
        let last_sync = status.last_success_at;
        let session = self.store().session()?;
        let session_expired = session.as_ref().is_some_and(|s| {
            s.expires_at <= now.with_timezone(&Utc)
                || status.last_error.as_deref() == Some("unauthorized")
        });
        Ok(HomeScreen {
            today,
            today_text: display::date(today, today),
            due,
            due_count,
            overdue_count,
            returned,
            drafts,
            waiting_upload,
            set_aside,
            last_sync,
            last_sync_text: last_sync_text(last_sync, now),
            signed_in: session.is_some(),
            session_expired,
            session_notice: session_expired.then(crate::sign_in::session_expired_text),
        })
    }

    /// The title of the newest version of every template, by id.
    pub fn titles(&self) -> Result<HashMap<String, LocalizedText>, DeviceError> {
        Ok(self
            .template_list()?
            .into_iter()
            .map(|t| (t.id, t.title))
            .collect())
    }

    /// How many problems a draft's answers have on `today`.
    fn draft_problems(&self, visit: Uuid, today: NaiveDate) -> Result<u32, DeviceError> {
        let record = self.store().visit(visit)?;
        let template = TemplateRef {
            id: record.visit.template_id.clone(),
            version: u64::from(record.visit.template_version),
        };
        let form = self
            .templates()
            .get(&template)
            .map_err(|_| DeviceError::UnknownTemplate(record.visit.template_id.clone()))?;
        Ok(form.validate(&record.answers, today).problems.len() as u32)
    }
}

/// `上次同步：今天 14:05` / `Last sync: today 14:05`, or `从未同步` / `Never synced`.
pub fn last_sync_text(
    last: Option<DateTime<Utc>>,
    now: DateTime<chrono::FixedOffset>,
) -> LocalizedText {
    match last {
        None => LocalizedText::new("从未同步", "Never synced"),
        Some(at) => {
            let m = display::moment(at.fixed_offset(), now);
            LocalizedText::new(
                format!("上次同步：{}", m.zh),
                format!("Last sync: {}", m.en),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_sync_is_told_in_words() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-05T16:00:00+08:00").unwrap();
        let never = last_sync_text(None, now);
        assert_eq!(
            (never.zh.as_str(), never.en.as_str()),
            ("从未同步", "Never synced")
        );
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-05T06:05:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let t = last_sync_text(Some(at), now);
        assert_eq!(t.zh, "上次同步：今天 14:05");
        assert_eq!(t.en, "Last sync: today 14:05");
    }
}
