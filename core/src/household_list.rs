//! The household list: the core's search (name, pinyin, initials, address,
//! door, ID ending) or every household by code, narrowed by a filter (due,
//! overdue, returned, a tag), one page at a time with the total — each row with
//! its due badge and its tags' names.
//!
//! Rows show what `households()` shows (the head's name, the address); ID
//! numbers and phones never appear in a row. Tags marked sensitive (health,
//! criminal or drug history) are left off the rows and the offered filters:
//! a list is read over a shoulder; the household's own screen shows them.

use crate::device::{Device, DeviceError};
use crate::due::due_by_household;
use crate::forms::LocalizedText;
use crate::forms::schedule::DueVisit;
use crate::forms::schedule::Status;
use crate::search::ranked_docs;
use crate::store::households::{HouseholdSummary, parse_uuid, summaries};
use crate::store::visits::VisitFilter;
use crate::store::{Store, StoreError};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use uuid::Uuid;

/// The most rows one page holds.
pub const MAX_PAGE: u32 = 200;

/// Which households the list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HouseholdFilter {
    All,
    /// With a visit due or overdue.
    Due,
    /// With a visit overdue.
    Overdue,
    /// With a visit the supervisor returned and not yet revised.
    Returned,
    /// With a resident holding this tag today.
    Tag(String),
}

/// What the list asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdQuery {
    /// What the worker typed; empty for every household, by code.
    pub text: String,
    pub filter: HouseholdFilter,
    pub offset: u32,
    /// Rows wanted (1 to [`MAX_PAGE`]; 0 means 50).
    pub limit: u32,
}

/// A household's due badge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueBadge {
    pub overdue: bool,
    /// How many visits are due or overdue.
    pub count: u32,
    /// `逾期` / `overdue`, `待走访` / `due`, with the count when more than one.
    pub text: LocalizedText,
}

/// A tag on a row, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagChip {
    pub code: String,
    pub name: LocalizedText,
}

/// One row of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdRow {
    pub summary: HouseholdSummary,
    pub due: Option<DueBadge>,
    /// Visits returned for rework.
    pub returned: u32,
    /// Tags its residents hold today (not sensitive ones), each once.
    pub tags: Vec<TagChip>,
}

/// A tag the list can be filtered by, with how many households (of those
/// the typed text matches) hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFilterOption {
    pub tag: TagChip,
    pub households: u32,
}

/// One page of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdPage {
    pub rows: Vec<HouseholdRow>,
    /// Households the text and the filter match (all pages).
    pub total: u32,
    pub offset: u32,
    /// For the filter chips: households the text matches, and of those how
    /// many have something due, overdue, returned.
    pub matching: u32,
    pub due: u32,
    pub overdue: u32,
    pub returned: u32,
    /// Tags held among the households the text matches, by name.
    pub tags: Vec<TagFilterOption>,
}

/// What the list works out from all households at once: what is due, what
/// was returned, the tags held, each household's `doc` and id. Kept until the
/// data, the templates or the day change.
pub(crate) struct ListFacts {
    pub(crate) due: HashMap<Uuid, Vec<DueVisit>>,
    returned: HashMap<Uuid, u32>,
    tags: HashMap<Uuid, Vec<TagChip>>,
    ids: HashMap<i64, Uuid>,
    /// Every household's `doc` and id, by code (the list's order without a search).
    by_code: Vec<(i64, Uuid)>,
    /// Where each household comes in that order.
    pub(crate) position: HashMap<Uuid, usize>,
}

/// [`ListFacts`] with what they were worked out from: the store's and the
/// templates' generations and the day.
pub(crate) struct CachedFacts {
    key: (u64, u64, NaiveDate),
    facts: Arc<ListFacts>,
}

impl Device {
    /// One page of the household list as of the device's clock.
    pub fn household_page(&self, query: &HouseholdQuery) -> Result<HouseholdPage, DeviceError> {
        let today = self.today();
        let limit = match query.limit {
            0 => 50,
            n => n.min(MAX_PAGE),
        } as usize;
        let facts = self.list_facts(today)?;
        let (due, returned) = (&facts.due, &facts.returned);
        // Every household the text matches, in the list's order.
        let matched: Vec<(i64, Uuid)> = if query.text.trim().is_empty() {
            facts.by_code.clone()
        } else {
            let docs = self
                .store()
                .read(|conn| ranked_docs(conn, &query.text, usize::MAX))?;
            docs.into_iter()
                .filter_map(|d| facts.ids.get(&d).map(|id| (d, *id)))
                .collect()
        };
        let overdue = |id: &Uuid| {
            due.get(id)
                .is_some_and(|l| l.iter().any(|d| d.status == Status::Overdue))
        };

        let mut tag_counts: HashMap<&str, (u32, &TagChip)> = HashMap::new();
        let (mut n_due, mut n_overdue, mut n_returned) = (0, 0, 0);
        for (_, id) in &matched {
            n_due += u32::from(due.contains_key(id));
            n_overdue += u32::from(overdue(id));
            n_returned += u32::from(returned.contains_key(id));
            for chip in facts.tags.get(id).into_iter().flatten() {
                tag_counts.entry(&chip.code).or_insert((0, chip)).0 += 1;
            }
        }
        let mut tags: Vec<TagFilterOption> = tag_counts
            .into_values()
            .map(|(households, chip)| TagFilterOption {
                tag: chip.clone(),
                households,
            })
            .collect();
        tags.sort_by(|a, b| {
            b.households
                .cmp(&a.households)
                .then_with(|| a.tag.code.cmp(&b.tag.code))
        });

        let keep = |id: &Uuid| match &query.filter {
            HouseholdFilter::All => true,
            HouseholdFilter::Due => due.contains_key(id),
            HouseholdFilter::Overdue => overdue(id),
            HouseholdFilter::Returned => returned.contains_key(id),
            HouseholdFilter::Tag(code) => facts
                .tags
                .get(id)
                .is_some_and(|t| t.iter().any(|c| &c.code == code)),
        };
        let filtered: Vec<&(i64, Uuid)> = matched.iter().filter(|(_, id)| keep(id)).collect();
        let page: Vec<i64> = filtered
            .iter()
            .skip(query.offset as usize)
            .take(limit)
            .map(|(doc, _)| *doc)
            .collect();
        let summaries = self.store().read(|conn| {
            let mut out = Vec::with_capacity(page.len());
            for doc in &page {
                out.extend(summaries(
                    conn,
                    "FROM households h WHERE h.doc = ?1",
                    [doc],
                )?);
            }
            Ok(out)
        })?;
        let rows = summaries
            .into_iter()
            .map(|summary| {
                let id = summary.id;
                HouseholdRow {
                    due: due.get(&id).map(|l| {
                        let late = l.iter().filter(|d| d.status == Status::Overdue).count();
                        badge(l.len() as u32, late as u32)
                    }),
                    returned: returned.get(&id).copied().unwrap_or(0),
                    tags: facts.tags.get(&id).cloned().unwrap_or_default(),
                    summary,
                }
            })
            .collect();
        Ok(HouseholdPage {
            rows,
            total: filtered.len() as u32,
            offset: query.offset,
            matching: matched.len() as u32,
            due: n_due,
            overdue: n_overdue,
            returned: n_returned,
            tags,
        })
    }

    /// The list's facts as of `today`, worked out again only when the data,
    /// the templates or the day changed since the last time.
    pub(crate) fn list_facts(&self, today: NaiveDate) -> Result<Arc<ListFacts>, DeviceError> {
        let key = (
            self.store().generation(),
            self.templates_generation.load(Ordering::SeqCst),
            today,
        );
        let mut cache = self.list_cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(cached) = cache.as_ref()
            && cached.key == key
        {
            return Ok(Arc::clone(&cached.facts));
        }
        // A household kept only until its uploads are done (its grid was
        // taken away) gets no new visit: nothing is due there for this worker.
        let grids: Option<HashSet<Uuid>> = self
            .store()
            .session()?
            .map(|s| s.account.grids.iter().map(|g| g.id).collect());
        let outside: HashSet<Uuid> = match &grids {
            None => HashSet::new(),
            Some(grids) => self.store().read(|conn| {
                let mut stmt = conn.prepare_cached("SELECT id, grid_id FROM households")?;
                let rows =
                    stmt.query_map([], |r| Ok((parse_uuid(r.get(0)?)?, parse_uuid(r.get(1)?)?)))?;
                let mut out = HashSet::new();
                for row in rows {
                    let (id, grid) = row?;
                    if !grids.contains(&grid) {
                        out.insert(id);
                    }
                }
                Ok(out)
            })?,
        };
        let mut due = due_by_household(self, today)?;
        due.retain(|id, _| !outside.contains(id));
        let mut returned: HashMap<Uuid, u32> = HashMap::new();
        for v in self.store().visits(VisitFilter::Returned)? {
            *returned.entry(v.visit.household_id).or_default() += 1;
        }
        let tags = self.tag_facts(today)?;
        let by_code: Vec<(i64, Uuid)> = self.store().read(|conn| {
            let mut stmt = conn.prepare_cached("SELECT doc, id FROM households ORDER BY code")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, parse_uuid(r.get(1)?)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })?;
        let facts = Arc::new(ListFacts {
            due,
            returned,
            tags,
            ids: by_code.iter().copied().collect(),
            position: by_code
                .iter()
                .enumerate()
                .map(|(i, (_, id))| (*id, i))
                .collect(),
            by_code,
        });
        *cache = Some(CachedFacts {
            key,
            facts: Arc::clone(&facts),
        });
        Ok(facts)
    }

    /// The tags each household's residents hold on `today` (not sensitive
    /// ones), each once, in the order of the residents.
    fn tag_facts(&self, today: NaiveDate) -> Result<HashMap<Uuid, Vec<TagChip>>, DeviceError> {
        let names = self.store().tag_names()?;
        let held: Vec<(Uuid, String)> = self.store().read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT r.household_id, t.code FROM resident_tags t
                 JOIN residents r ON r.id = t.resident_id
                 JOIN tag_definitions d ON d.code = t.code
                 WHERE d.sensitive = 0 AND t.start_date <= ?1
                     AND (t.end_date IS NULL OR t.end_date > ?1)
                 ORDER BY r.household_id, r.position, t.code",
            )?;
            let rows = stmt.query_map([today.to_string()], |r| {
                Ok((parse_uuid(r.get(0)?)?, r.get::<_, String>(1)?))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })?;
        let mut tags: HashMap<Uuid, Vec<TagChip>> = HashMap::new();
        let mut seen: HashSet<(Uuid, String)> = HashSet::new();
        for (household, code) in held {
            if seen.insert((household, code.clone())) {
                tags.entry(household).or_default().push(TagChip {
                    name: names.name(&code),
                    code,
                });
            }
        }
        Ok(tags)
    }
}

impl Store {
    /// One household's line, as the list shows it.
    pub fn household_summary(&self, id: Uuid) -> Result<HouseholdSummary, StoreError> {
        self.read(|conn| {
            summaries(conn, "FROM households h WHERE h.id = ?1", [id.to_string()])?
                .pop()
                .ok_or(StoreError::NotFound("household"))
        })
    }
}

/// The badge of `count` due visits of which `late` are overdue: `逾期` /
/// `overdue` when any is (`逾期 2` / `2 overdue` for more than one), else
/// `待走访` / `due` (`待走访 3` / `3 due`).
fn badge(count: u32, late: u32) -> DueBadge {
    let text = match (late, count) {
        (1, _) => LocalizedText::new("逾期", "overdue"),
        (0, 1) => LocalizedText::new("待走访", "due"),
        (0, n) => LocalizedText::new(format!("待走访 {n}"), format!("{n} due")),
        (n, _) => LocalizedText::new(format!("逾期 {n}"), format!("{n} overdue")),
    };
    DueBadge {
        overdue: late > 0,
        count,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_badge_says_overdue_before_due_and_counts_more_than_one() {
        assert_eq!(badge(2, 1).text.zh, "逾期");
        assert!(badge(2, 1).overdue);
        assert_eq!(badge(2, 2).text.en, "2 overdue");
        assert_eq!(badge(1, 0).text.en, "due");
        assert_eq!(badge(3, 0).text.zh, "待走访 3");
        assert!(!badge(3, 0).overdue);
    }
}
