//! The core scheduler applied to a stored household: which visits it is due
//! or overdue for, from its residents' category tags and the visits it
//! received. Pull sends these to devices; the console's coverage counts them.
//! Both build the household with [`schedule_household`] and ask the core's
//! [`schedule::due_visits`] over [`scheduled_templates`], so the server has one
//! notion of "due".

use chrono::{Duration, NaiveDate};
use doorstep_forms::FormDefinition;
use doorstep_forms::registry::TemplateRegistry;
use doorstep_forms::schedule::{self, TagSpan, VisitRecord};
use doorstep_model::ResidentTag;

/// The scheduler's view of a household: its residents' tags as spans, and
/// its visits as (template id, local date).
pub fn schedule_household<'a>(
    tags: impl IntoIterator<Item = &'a ResidentTag>,
    visits: impl IntoIterator<Item = (String, NaiveDate)>,
) -> schedule::Household {
    let tags = tags
        .into_iter()
        .map(|t| TagSpan {
            tag: t.code.clone(),
            since: t.start,
            // A resident tag's end is exclusive; a schedule span's is inclusive.
            until: t.end.map(|e| e - Duration::days(1)),
        })
        .collect();
    let visits = visits
        .into_iter()
        .map(|(template_id, date)| VisitRecord { template_id, date })
        .collect();
    schedule::Household { tags, visits }
}

/// The latest version of each built-in template, whose schedules say what is due.
pub fn scheduled_templates(registry: &TemplateRegistry) -> Vec<FormDefinition> {
    doorstep_forms::templates::ids()
        .filter_map(|id| registry.latest(id).ok())
        .map(|f| f.definition().clone())
        .collect()
}
