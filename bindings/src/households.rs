//! Households: search, and a household's screen with its residents (ID
//! numbers and phones masked), tags, visits (this phone's and the server's
//! list of the others) and the visits that are due.

use crate::error::DoorstepError;
use crate::session::Doorstep;
use crate::visit::{VisitState, VisitSummaryView, parse_id};
use chrono::NaiveDate;
use doorstep_core::device::Device;
use doorstep_core::display;
use doorstep_core::domain::Tenure;
use doorstep_core::due::{TagNames, reason_text, when_text};
use doorstep_core::forms::LocalizedText;
use doorstep_core::forms::schedule::{self, DueVisit};
use doorstep_core::screen::{self, HouseholdScreen};
use doorstep_core::search::DEFAULT_LIMIT;
use doorstep_core::store::households::{HouseholdSummary, ResidentView};
use std::collections::HashMap;

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
    /// The tag's name: `独居老人` / `Elder living alone`.
    pub name_zh: String,
    pub name_en: String,
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
    /// The relation in words (户主, Head of household, …).
    #[uniffi(default = "")]
    pub relation_zh: String,
    #[uniffi(default = "")]
    pub relation_en: String,
}

/// A visit the household should get.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DueVisitView {
    pub template_id: String,
    pub template_title_zh: String,
    pub template_title_en: String,
    /// The last day it counts for (ISO date); for an overdue one, the missed deadline.
    pub due_by: String,
    pub overdue: bool,
    /// `逾期 5 天（截止 11月30日）`, `12月31日前完成`, `今天截止`.
    pub when_zh: String,
    pub when_en: String,
    /// Why, in words: the tag's name and how often (`独居老人 · 每月走访`),
    /// or the campaign day.
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
    pub date_zh: String,
    pub date_en: String,
    pub state: VisitState,
}

/// One of this household's visits on the phone, with the day it was begun
/// in words.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HouseholdVisitView {
    pub summary: VisitSummaryView,
    /// `12月3日` / `3 Dec` (with the year when it is not this one).
    pub day_zh: String,
    pub day_en: String,
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
    pub visits: Vec<HouseholdVisitView>,
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

/// What the words of a household screen need: the tags' names, the templates'
/// titles and the day they are read on.
pub(crate) struct Words {
    pub tags: TagNames,
    pub titles: HashMap<String, LocalizedText>,
    pub today: NaiveDate,
}

impl Words {
    pub(crate) fn of(device: &Device) -> Result<Self, DoorstepError> {
        Ok(Self {
            tags: device.store().tag_names()?,
            titles: device.titles()?,
            today: device.today(),
        })
    }

    fn view(&self, d: DueVisit) -> DueVisitView {
        let when = when_text(&d, self.today);
        let reason = reason_text(&d, &self.tags, self.today);
        let title = self
            .titles
            .get(&d.template_id)
            .cloned()
            .unwrap_or_else(|| LocalizedText::new(&d.template_id, &d.template_id));
        DueVisitView {
            template_id: d.template_id,
            template_title_zh: title.zh,
            template_title_en: title.en,
            due_by: d.due_by.to_string(),
            overdue: d.status == schedule::Status::Overdue,
            when_zh: when.zh,
            when_en: when.en,
            reason_zh: reason.zh,
            reason_en: reason.en,
        }
    }

    fn resident(&self, r: ResidentView) -> ResidentItem {
        ResidentItem {
            id: r.id.to_string(),
            name: r.name,
            id_number_masked: r.id_number,
            phone_masked: r.phone,
            relation: r.relation.as_str().to_owned(),
            relation_zh: r.relation.label_zh().to_owned(),
            relation_en: r.relation.label_en().to_owned(),
            birth_date: r.birth_date.map(|d| d.to_string()),
            tags: r
                .tags
                .into_iter()
                .map(|t| {
                    let name = self.tags.name(&t.code);
                    TagView {
                        code: t.code,
                        name_zh: name.zh,
                        name_en: name.en,
                        start: t.start.to_string(),
                        end: t.end.map(|d| d.to_string()),
                    }
                })
                .collect(),
        }
    }

    fn household(&self, s: HouseholdScreen) -> HouseholdView {
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
        HouseholdView {
            summary: d.summary.into(),
            grid_id: d.grid_id.to_string(),
            residence_type: d.residence_type.as_str().to_owned(),
            rental,
            landlord_name,
            landlord_phone_masked,
            notes: d.notes,
            residents: d.residents.into_iter().map(|r| self.resident(r)).collect(),
            visits: s
                .visits
                .into_iter()
                .map(|v| {
                    let day = screen::visit_day(&v, self.today);
                    HouseholdVisitView {
                        summary: v.into(),
                        day_zh: day.zh,
                        day_en: day.en,
                    }
                })
                .collect(),
            past_visits: s
                .past_visits
                .into_iter()
                .map(|p| {
                    let date = display::date(p.date, self.today);
                    PastVisitView {
                        visit_id: p.visit_id.to_string(),
                        template_id: p.template_id,
                        date: p.date.to_string(),
                        date_zh: date.zh,
                        date_en: date.en,
                        state: p.status.into(),
                    }
                })
                .collect(),
            due: s.due.into_iter().map(|d| self.view(d)).collect(),
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

    /// One household's screen: residents (masked), tags, visits, what is due
    /// today (by the device's clock), in words.
    pub fn household(&self, household_id: String) -> Result<HouseholdView, DoorstepError> {
        let id = parse_id(&household_id)?;
        let device = self.device();
        let words = Words::of(&device)?;
        let screen = device.household_screen(id, words.today)?;
        Ok(words.household(screen))
    }
}
