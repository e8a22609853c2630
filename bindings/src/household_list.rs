//! The household list: the core's search or every household by code,
//! narrowed by a filter (due, overdue, returned, a tag), one page at a time
//! with the total; each row with its due badge and its tags' names. The
//! counts beside the filters come with every page.

use crate::error::DoorstepError;
use crate::households::HouseholdSummaryView;
use crate::session::Doorstep;
use doorstep_core::household_list::{
    DueBadge, HouseholdFilter, HouseholdPage, HouseholdQuery, HouseholdRow, TagChip,
};

/// Which households the list shows.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ListFilter {
    All,
    /// With a visit due or overdue.
    Due,
    /// With a visit overdue.
    Overdue,
    /// With a visit returned for rework.
    Returned,
    /// With a resident holding this tag today (a code from the page's `tags`).
    Tag {
        code: String,
    },
}

/// A household's due badge: `逾期` / `overdue`, `待走访 2` / `2 due`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DueBadgeView {
    pub overdue: bool,
    /// Visits due or overdue.
    pub count: u32,
    pub text_zh: String,
    pub text_en: String,
}

/// A tag in words.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TagChipView {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// One row of the household list.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HouseholdRowView {
    pub summary: HouseholdSummaryView,
    pub due: Option<DueBadgeView>,
    /// Visits returned for rework.
    pub returned: u32,
    /// Tags its residents hold today, each once (sensitive ones left off).
    pub tags: Vec<TagChipView>,
}

/// A tag to filter by, with how many of the matching households hold it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TagFilterView {
    pub tag: TagChipView,
    pub households: u32,
}

/// One page of the household list.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HouseholdPageView {
    pub rows: Vec<HouseholdRowView>,
    /// Households the text and the filter match, over all pages.
    pub total: u32,
    pub offset: u32,
    /// For the filter chips: households the text matches, and of those how
    /// many have a visit due (or overdue), overdue, returned.
    pub matching: u32,
    pub due: u32,
    pub overdue: u32,
    pub returned: u32,
    /// Tags held among the households the text matches, most held first.
    pub tags: Vec<TagFilterView>,
}

impl From<TagChip> for TagChipView {
    fn from(t: TagChip) -> Self {
        Self {
            code: t.code,
            name_zh: t.name.zh,
            name_en: t.name.en,
        }
    }
}

impl From<DueBadge> for DueBadgeView {
    fn from(b: DueBadge) -> Self {
        Self {
            overdue: b.overdue,
            count: b.count,
            text_zh: b.text.zh,
            text_en: b.text.en,
        }
    }
}

impl From<HouseholdRow> for HouseholdRowView {
    fn from(r: HouseholdRow) -> Self {
        Self {
            summary: r.summary.into(),
            due: r.due.map(DueBadgeView::from),
            returned: r.returned,
            tags: r.tags.into_iter().map(TagChipView::from).collect(),
        }
    }
}

impl From<HouseholdPage> for HouseholdPageView {
    fn from(p: HouseholdPage) -> Self {
        Self {
            rows: p.rows.into_iter().map(HouseholdRowView::from).collect(),
            total: p.total,
            offset: p.offset,
            matching: p.matching,
            due: p.due,
            overdue: p.overdue,
            returned: p.returned,
            tags: p
                .tags
                .into_iter()
                .map(|t| TagFilterView {
                    tag: t.tag.into(),
                    households: t.households,
                })
                .collect(),
        }
    }
}

#[uniffi::export]
impl Doorstep {
    /// One page of the household list: households matching `query` (the
    /// search: name, pinyin or initials, address, door, ID number's last
    /// four; empty for all, by code), kept by `filter`, from `offset`, at
    /// most `limit` rows (0: 50; at most 200). What is due is as of the
    /// device's clock.
    pub fn household_page(
        &self,
        query: String,
        filter: ListFilter,
        offset: u32,
        limit: u32,
    ) -> Result<HouseholdPageView, DoorstepError> {
        let filter = match filter {
            ListFilter::All => HouseholdFilter::All,
            ListFilter::Due => HouseholdFilter::Due,
            ListFilter::Overdue => HouseholdFilter::Overdue,
            ListFilter::Returned => HouseholdFilter::Returned,
            ListFilter::Tag { code } => HouseholdFilter::Tag(code),
        };
        let query = HouseholdQuery {
            text: query,
            filter,
            offset,
            limit,
        };
        Ok(self.device().household_page(&query)?.into())
    }
}
