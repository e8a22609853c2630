//! The built-in visit templates (domain.md §1 and "(a) Default templates"), one
//! JSON definition per file, embedded in the binary.
//!
//! Every template shares the common header: household, person interviewed, visit
//! date, location (recommended), photos, outcome and next visit date. The worker
//! and the exact time are recorded by the app with the visit, not asked.
//! Sensitive templates (计生, 帮教) are deliberately not in the default set.

use crate::definition::FormDefinition;
use crate::form::{Form, LoadErrors};

/// The embedded definitions: template id and JSON text.
const SOURCES: [(&str, &str); 14] = [
    ("dibao_application", include_str!("dibao_application.json")),
    ("dibao_review", include_str!("dibao_review.json")),
    ("temp_assistance", include_str!("temp_assistance.json")),
    (
        "military_care_visit",
        include_str!("military_care_visit.json"),
    ),
    (
        "disabled_person_visit",
        include_str!("disabled_person_visit.json"),
    ),
    ("elder_alone_visit", include_str!("elder_alone_visit.json")),
    (
        "left_behind_registration",
        include_str!("left_behind_registration.json"),
    ),
    (
        "migrant_registration",
        include_str!("migrant_registration.json"),
    ),
    ("rental_inspection", include_str!("rental_inspection.json")),
    ("hazard_inspection", include_str!("hazard_inspection.json")),
    ("dispute_mediation", include_str!("dispute_mediation.json")),
    (
        "disaster_assessment",
        include_str!("disaster_assessment.json"),
    ),
    ("employment_visit", include_str!("employment_visit.json")),
    (
        "pension_certification",
        include_str!("pension_certification.json"),
    ),
];

/// A built-in template that failed to load: a bug in this crate, reported rather than hidden.
#[derive(Debug, thiserror::Error)]
#[error("built-in template `{id}` does not load: {errors}")]
pub struct BuiltinError {
    pub id: &'static str,
    pub errors: LoadErrors,
}

/// The ids of the built-in templates, in catalogue order.
pub fn ids() -> impl Iterator<Item = &'static str> {
    SOURCES.iter().map(|(id, _)| *id)
}

/// The JSON source of a built-in template.
pub fn source(id: &str) -> Option<&'static str> {
    SOURCES.iter().find(|(i, _)| *i == id).map(|(_, s)| *s)
}

/// Loads one built-in template; `None` when there is no template with that id.
pub fn load(id: &str) -> Option<Result<Form, BuiltinError>> {
    let (id, text) = SOURCES.iter().find(|(i, _)| *i == id)?;
    Some(Form::from_json(text).map_err(|errors| BuiltinError { id, errors }))
}

/// Loads every built-in template, in catalogue order.
pub fn all() -> Result<Vec<Form>, BuiltinError> {
    SOURCES
        .iter()
        .map(|(id, text)| Form::from_json(text).map_err(|errors| BuiltinError { id, errors }))
        .collect()
}

/// The definitions of every built-in template (for schedules and listings).
pub fn definitions() -> Result<Vec<FormDefinition>, BuiltinError> {
    Ok(all()?.into_iter().map(|f| f.definition().clone()).collect())
}
