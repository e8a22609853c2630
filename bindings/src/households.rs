//! Households: search, and a household's screen with its residents (ID
//! numbers and phones masked), tags, visits (this phone's and the server's
//! list of the others) and the visits that are due.

use crate::error::DoorstepError;
use crate::session::Doorstep;
use crate::visit::{VisitSummaryView, parse_id};
use doorstep_core::domain::Tenure;
use doorstep_core::forms::schedule::{self, DueVisit};
use doorstep_core::screen::HouseholdScreen;
use doorstep_core::search::DEFAULT_LIMIT;
use doorstep_core::store::households::{HouseholdSummary, ResidentView};

/// One line of a household list.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HouseholdSummaryView {
    pub id: String,
    pub code: String,
    /// The head of household's name.
    pub head: String,
    /// The address on one line.
    pub address: String,
}

/// A tag a resident holds (elder living alone, disability, …).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TagView {
    pub code: String,
    /// ISO date.
    pub start: String,
    pub end: Option<String>,
}

/// A resident, with the ID number and phone masked.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ResidentItem {
    pub id: String,
    pub name: String,
    pub id_number_masked: Option<String>,
    pub phone_masked: Option<String>,
    /// `head`, `spouse`, `child`, … (stable codes).
    pub relation: String,
    /// ISO date, from the ID number.
    pub birth_date: Option<String>,
    pub tags: Vec<TagView>,
}

/// A visit the household should get.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DueVisitView {
    pub template_id: String,
    /// The last day it counts for (ISO date); for an overdue one, the missed deadline.
    pub due_by: String,
    pub overdue: bool,
    /// Why: the tag of a routine rule, or the campaign day.
    pub reason_zh: String,
    pub reason_en: String,
}

/// A visit the household received that is not on this phone (made on another
/// phone, or by the worker before), as the server last listed it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PastVisitView {
    pub visit_id: String,
    pub template_id: String,
    /// ISO date it was finalized on (local time).
    pub date: String,
    /// `uploaded`, `approved`, `returned`, `rejected` (stable codes).
    pub status: String,
}

/// Everything the household screen shows.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HouseholdView {
    pub summary: HouseholdSummaryView,
    pub grid_id: String,
    /// `registered`, `migrant`, … (stable codes).
    pub residence_type: String,
    pub rental: bool,
    pub landlord_name: Option<String>,
    pub landlord_phone_masked: Option<String>,
    pub notes: String,
    pub residents: Vec<ResidentItem>,
    /// This household's visits on the device, newest first.
    pub visits: Vec<VisitSummaryView>,
    /// Its other visits, from the server, newest first.
    pub past_visits: Vec<PastVisitView>,
    /// Due and overdue visits (counting both lists), earliest deadline first.
    pub due: Vec<DueVisitView>,
}

impl From<HouseholdSummary> for HouseholdSummaryView {
    fn from(h: HouseholdSummary) -> Self {
        Self {
            id: h.id.to_string(),
            code: h.code,
            head: h.head,
            address: h.address,
        }
    }
}

impl From<ResidentView> for ResidentItem {
    fn from(r: ResidentView) -> Self {
        Self {
            id: r.id.to_string(),
            name: r.name,
            id_number_masked: r.id_number,
            phone_masked: r.phone,
            relation: r.relation.as_str().to_owned(),
            birth_date: r.birth_date.map(|d| d.to_string()),
            tags: r
                .tags
                .into_iter()
                .map(|t| TagView {
                    code: t.code,
                    start: t.start.to_string(),
                    end: t.end.map(|d| d.to_string()),
                })
                .collect(),
        }
    }
}

impl From<DueVisit> for DueVisitView {
    fn from(d: DueVisit) -> Self {
        let (reason_zh, reason_en) = match &d.reason {
            schedule::Reason::Routine { tag, .. } => (
                format!("定期走访（{tag}）"),
                format!("routine visit ({tag})"),
            ),
            schedule::Reason::Campaign { day, date } => (
                format!("{}（{date}）", day.name_zh()),
                format!("{} ({date})", day.name_en()),
            ),
        };
        Self {
            template_id: d.template_id,
            due_by: d.due_by.to_string(),
            overdue: d.status == schedule::Status::Overdue,
            reason_zh,
            reason_en,
        }
    }
}

impl From<HouseholdScreen> for HouseholdView {
    fn from(s: HouseholdScreen) -> Self {
        let d = s.detail;
        let (rental, landlord_name, landlord_phone_masked) = match d.tenure {
            Tenure::OwnerOccupied => (false, None, None),
            Tenure::Rental {
                landlord_name,
                landlord_phone,
            } => (
                true,
                Some(landlord_name),
                landlord_phone.map(|p| p.masked()),
            ),
        };
        Self {
            summary: d.summary.into(),
            grid_id: d.grid_id.to_string(),
            residence_type: d.residence_type.as_str().to_owned(),
            rental,
            landlord_name,
            landlord_phone_masked,
            notes: d.notes,
            residents: d.residents.into_iter().map(ResidentItem::from).collect(),
            visits: s.visits.into_iter().map(VisitSummaryView::from).collect(),
            past_visits: s
                .past_visits
                .into_iter()
                .map(|p| PastVisitView {
                    visit_id: p.visit_id.to_string(),
                    template_id: p.template_id,
                    date: p.date.to_string(),
                    status: p.status.as_str().to_owned(),
                })
                .collect(),
            due: s.due.into_iter().map(DueVisitView::from).collect(),
        }
    }
}

#[uniffi::export]
impl Doorstep {
    /// Households matching what the worker typed — a name, its pinyin or
    /// initials, an address or door number, the last four characters of an ID
    /// number — best match first; at most `limit` (0: the default of 50).
    pub fn search_households(
        &self,
        query: String,
        limit: u32,
    ) -> Result<Vec<HouseholdSummaryView>, DoorstepError> {
        let limit = if limit == 0 {
            DEFAULT_LIMIT
        } else {
            limit as usize
        };
        Ok(self
            .device()
            .store()
            .search_households(&query, limit)?
            .into_iter()
            .map(HouseholdSummaryView::from)
            .collect())
    }

    /// Every household on the device, by code.
    pub fn households(&self) -> Result<Vec<HouseholdSummaryView>, DoorstepError> {
        Ok(self
            .device()
            .store()
            .list_households()?
            .into_iter()
            .map(HouseholdSummaryView::from)
            .collect())
    }

    /// One household's screen: residents (masked), tags, visits, what is due today.
    pub fn household(&self, household_id: String) -> Result<HouseholdView, DoorstepError> {
        let id = parse_id(&household_id)?;
        let today = chrono::Local::now().date_naive();
        Ok(self.device().household_screen(id, today)?.into())
    }
}
