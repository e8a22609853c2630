//! The home screen ("今日"): due and overdue visits, returned visits with the
//! supervisor's comment, drafts with their problem counts, what waits to
//! upload and when the last sync was — every text made by the core.
//!
//! Also the device's clock, which tests and screenshots fix to one moment.

use crate::badge::BadgeView;
use crate::error::DoorstepError;
use crate::households::HouseholdSummaryView;
use crate::session::Doorstep;
use crate::visit::VisitSummaryView;
use chrono::{FixedOffset, TimeZone, Utc};
use doorstep_core::clock::{FixedClock, SystemClock};
use doorstep_core::home::{DraftItem, DueItem, HomeScreen, ReturnedItem};
use std::sync::Arc;

/// A visit a household should get.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DueItemView {
    pub household: HouseholdSummaryView,
    pub template_id: String,
    pub template_title_zh: String,
    pub template_title_en: String,
    /// ISO date: the last day it counts for (for an overdue one, the missed deadline).
    pub due_by: String,
    pub overdue: bool,
    /// `逾期` (bad) or `应访` (neutral), as the list marks it.
    pub badge: BadgeView,
    /// `逾期 5 天（截止 11月30日）`, `12月31日前完成`, `今天截止`.
    pub when_zh: String,
    pub when_en: String,
    /// `独居老人 · 每月走访`.
    pub reason_zh: String,
    pub reason_en: String,
    /// A draft of this template already begun for the household: open it
    /// instead of starting another.
    pub draft_visit_id: Option<String>,
}

/// A visit the supervisor returned, waiting to be revised.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReturnedItemView {
    pub visit: VisitSummaryView,
    pub template_title_zh: String,
    pub template_title_en: String,
    pub comment: String,
    /// `今天 14:05`: when it was returned.
    pub returned_at_zh: Option<String>,
    pub returned_at_en: Option<String>,
}

/// A draft and what stops it from being finished.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DraftItemView {
    pub visit: VisitSummaryView,
    pub template_title_zh: String,
    pub template_title_en: String,
    /// Problems in the answers now (0: it can be finished); the badge.
    pub problems: u32,
    /// `今天 09:30`: when it was begun.
    pub started_zh: String,
    pub started_en: String,
    /// Why its upload was given up and it came back to draft, if it did.
    pub upload_problem_zh: Option<String>,
    pub upload_problem_en: Option<String>,
}

/// Everything the home screen shows.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HomeView {
    /// ISO date of today on the device.
    pub today: String,
    /// `12月5日` / `5 Dec`.
    pub today_zh: String,
    pub today_en: String,
    /// Overdue first, then by deadline; at most 30 (the counts cover all).
    pub due: Vec<DueItemView>,
    pub due_count: u32,
    pub overdue_count: u32,
    pub returned: Vec<ReturnedItemView>,
    /// Newest first.
    pub drafts: Vec<DraftItemView>,
    /// Finalized visits not yet on the server.
    pub waiting_upload: u32,
    /// Of those, the ones set aside (see the outbox).
    pub set_aside: u32,
    /// RFC 3339, UTC: the end of the last sync or pull that completed.
    pub last_sync: Option<String>,
    /// `上次同步：今天 14:05` or `从未同步`.
    pub last_sync_zh: String,
    /// `Last sync: today 14:05` or `Never synced`.
    pub last_sync_en: String,
    /// Someone is signed in on this phone.
    pub signed_in: bool,
    /// The sign-in has expired (or the server refused it at the last sync):
    /// offer to sign in again; nothing on the phone is lost.
    pub session_expired: bool,
    /// While it is expired, what to say.
    #[uniffi(default)]
    pub session_notice_zh: Option<String>,
    #[uniffi(default)]
    pub session_notice_en: Option<String>,
}

impl From<DueItem> for DueItemView {
    fn from(d: DueItem) -> Self {
        Self {
            household: d.household.into(),
            template_id: d.template_id,
            template_title_zh: d.template_title.zh,
            template_title_en: d.template_title.en,
            due_by: d.due_by.to_string(),
            overdue: d.overdue,
            badge: d.badge.into(),
            when_zh: d.when.zh,
            when_en: d.when.en,
            reason_zh: d.reason.zh,
            reason_en: d.reason.en,
            draft_visit_id: d.draft.map(|v| v.to_string()),
        }
    }
}

impl From<ReturnedItem> for ReturnedItemView {
    fn from(r: ReturnedItem) -> Self {
        let (returned_at_zh, returned_at_en) = match r.returned_at {
            Some(t) => (Some(t.zh), Some(t.en)),
            None => (None, None),
        };
        Self {
            visit: r.visit.into(),
            template_title_zh: r.template_title.zh,
            template_title_en: r.template_title.en,
            comment: r.comment,
            returned_at_zh,
            returned_at_en,
        }
    }
}

impl From<DraftItem> for DraftItemView {
    fn from(d: DraftItem) -> Self {
        let (upload_problem_zh, upload_problem_en) = match d.upload_problem {
            Some(t) => (Some(t.zh), Some(t.en)),
            None => (None, None),
        };
        Self {
            visit: d.visit.into(),
            template_title_zh: d.template_title.zh,
            template_title_en: d.template_title.en,
            problems: d.problems,
            started_zh: d.started.zh,
            started_en: d.started.en,
            upload_problem_zh,
            upload_problem_en,
        }
    }
}

impl From<HomeScreen> for HomeView {
    fn from(h: HomeScreen) -> Self {
        Self {
            today: h.today.to_string(),
            today_zh: h.today_text.zh,
            today_en: h.today_text.en,
            due: h.due.into_iter().map(DueItemView::from).collect(),
            due_count: h.due_count,
            overdue_count: h.overdue_count,
            returned: h.returned.into_iter().map(ReturnedItemView::from).collect(),
            drafts: h.drafts.into_iter().map(DraftItemView::from).collect(),
            waiting_upload: h.waiting_upload,
            set_aside: h.set_aside,
            last_sync: h.last_sync.map(|t| t.to_rfc3339()),
            last_sync_zh: h.last_sync_text.zh,
            last_sync_en: h.last_sync_text.en,
            signed_in: h.signed_in,
            session_expired: h.session_expired,
            session_notice_zh: h.session_notice.as_ref().map(|n| n.zh.clone()),
            session_notice_en: h.session_notice.map(|n| n.en),
        }
    }
}

#[uniffi::export]
impl Doorstep {
    /// The home screen ("今日") as of the device's clock.
    pub fn home(&self) -> Result<HomeView, DoorstepError> {
        Ok(self.device().home()?.into())
    }

    /// Stops the core's clock at `epoch_ms` (milliseconds since 1970 UTC) in
    /// a zone `utc_offset_seconds` east of UTC (China: 28800), or lets it run
    /// with the phone's clock again with `None`. For tests, screenshots and
    /// demos: "today", "overdue" and "last sync" then come out the same on
    /// every day they run. Not stored.
    pub fn fix_clock(
        &self,
        epoch_ms: Option<i64>,
        utc_offset_seconds: i32,
    ) -> Result<(), DoorstepError> {
        let device = self.device();
        let Some(ms) = epoch_ms else {
            device.set_clock(Arc::new(SystemClock));
            return Ok(());
        };
        let bad = || {
            DoorstepError::invalid(
                "bad_time",
                "时间或时区无效",
                "the time or the offset is not valid",
            )
        };
        let offset = FixedOffset::east_opt(utc_offset_seconds).ok_or_else(bad)?;
        let utc = Utc.timestamp_millis_opt(ms).single().ok_or_else(bad)?;
        device.set_clock(Arc::new(FixedClock::at(utc.with_timezone(&offset))));
        Ok(())
    }
}
