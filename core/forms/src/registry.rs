//! Every version of every template, and visits bound to the version they started with.
//!
//! A visit records a [`TemplateRef`] (id and version) when it starts and keeps it
//! for life: drafts and finalized visits are validated and rendered with their own
//! version, so a newer version arriving later (a changed choice list, a renamed or
//! removed field) never breaks them. Versions are immutable: registering the same
//! id and version with a different definition is refused.
//!
//! This registry lives in memory; the server persists the definitions it holds.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::answer_words::answer_words;
use crate::definition::{FieldType, LocalizedText};
use crate::form::Form;
use crate::templates::{self, BuiltinError};
use crate::validate::Validation;

/// Why a registry call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("template `{id}` version {version} is already registered with a different definition")]
    Conflict { id: String, version: u64 },
    #[error("there is no template `{id}`")]
    UnknownTemplate { id: String },
    #[error("template `{id}` has no version {version}")]
    UnknownVersion { id: String, version: u64 },
}

/// The template version a visit is bound to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TemplateRef {
    pub id: String,
    pub version: u64,
}

/// A visit's answers together with the template version they belong to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoundVisit {
    pub template: TemplateRef,
    pub answers: Json,
}

/// One answer ready to show: its path, the field's label and the value as text
/// (choice labels instead of names, money in yuan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedAnswer {
    pub path: String,
    pub label: LocalizedText,
    pub value: LocalizedText,
}

/// All registered template versions.
#[derive(Debug, Clone, Default)]
pub struct TemplateRegistry {
    forms: BTreeMap<String, BTreeMap<u64, Arc<Form>>>,
}

impl TemplateRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry holding the built-in templates.
    pub fn with_builtins() -> Result<Self, BuiltinError> {
        let mut r = Self::new();
        for form in templates::all()? {
            // Built-in ids are unique, so inserting cannot conflict.
            let id = form.id().to_owned();
            r.forms
                .entry(id)
                .or_default()
                .insert(form.version(), Arc::new(form));
        }
        Ok(r)
    }

    /// Adds a version. Registering an identical definition again is a no-op;
    /// a different definition under an existing id and version is refused.
    pub fn insert(&mut self, form: Form) -> Result<Arc<Form>, RegistryError> {
        let versions = self.forms.entry(form.id().to_owned()).or_default();
        if let Some(existing) = versions.get(&form.version()) {
            if existing.definition() == form.definition() {
                return Ok(Arc::clone(existing));
            }
            return Err(RegistryError::Conflict {
                id: form.id().to_owned(),
                version: form.version(),
            });
        }
        let form = Arc::new(form);
        versions.insert(form.version(), Arc::clone(&form));
        Ok(form)
    }

    /// One exact version.
    pub fn get(&self, template: &TemplateRef) -> Result<Arc<Form>, RegistryError> {
        let versions =
            self.forms
                .get(&template.id)
                .ok_or_else(|| RegistryError::UnknownTemplate {
                    id: template.id.clone(),
                })?;
        versions
            .get(&template.version)
            .cloned()
            .ok_or_else(|| RegistryError::UnknownVersion {
                id: template.id.clone(),
                version: template.version,
            })
    }

    /// The highest version of a template.
    pub fn latest(&self, id: &str) -> Result<Arc<Form>, RegistryError> {
        self.forms
            .get(id)
            .and_then(|v| v.values().next_back().cloned())
            .ok_or_else(|| RegistryError::UnknownTemplate { id: id.to_owned() })
    }

    /// The versions held for a template, oldest first.
    pub fn versions(&self, id: &str) -> Vec<u64> {
        self.forms
            .get(id)
            .map(|v| v.keys().copied().collect())
            .unwrap_or_default()
    }

    /// Starts a visit: binds it to the latest version of the template, for good.
    pub fn begin(&self, id: &str) -> Result<BoundVisit, RegistryError> {
        let form = self.latest(id)?;
        Ok(BoundVisit {
            template: TemplateRef {
                id: form.id().to_owned(),
                version: form.version(),
            },
            answers: Json::Object(Map::new()),
        })
    }

    /// Validates a visit with the version it is bound to (never a newer one).
    pub fn validate(
        &self,
        visit: &BoundVisit,
        today: NaiveDate,
    ) -> Result<Validation, RegistryError> {
        Ok(self.get(&visit.template)?.validate(&visit.answers, today))
    }

    /// Renders a visit's answers with its own version's labels and choice lists.
    pub fn render(
        &self,
        visit: &BoundVisit,
        today: NaiveDate,
    ) -> Result<Vec<RenderedAnswer>, RegistryError> {
        let form = self.get(&visit.template)?;
        let cleaned = form.validate(&visit.answers, today).answers;
        let mut out = Vec::new();
        render_object(&form, &form.definition().fields, &cleaned, "", &mut out);
        Ok(out)
    }
}

fn render_object(
    form: &Form,
    fields: &[crate::definition::Field],
    obj: &Map<String, Json>,
    prefix: &str,
    out: &mut Vec<RenderedAnswer>,
) {
    for f in fields {
        match f.field_type {
            FieldType::Group => {
                if let Some(children) = &f.children {
                    render_object(form, children, obj, prefix, out);
                }
            }
            FieldType::Repeat => {
                let (Some(children), Some(Json::Array(items))) = (&f.children, obj.get(&f.name))
                else {
                    continue;
                };
                for (k, item) in items.iter().enumerate() {
                    if let Json::Object(inner) = item {
                        render_object(
                            form,
                            children,
                            inner,
                            &format!("{prefix}{}[{k}].", f.name),
                            out,
                        );
                    }
                }
            }
            _ => {
                let Some(value) = obj.get(&f.name) else {
                    continue;
                };
                out.push(RenderedAnswer {
                    path: format!("{prefix}{}", f.name),
                    label: f.label.clone(),
                    value: display(form, f, value),
                });
            }
        }
    }
}

/// An answer in words, as the phone shows it ([`answer_words`]); empty for
/// an empty list. Photos and dates stay data, which a reader draws itself:
/// photo names (the console shows thumbnails) and `2026-05-01` (a date cell
/// in an export).
fn display(form: &Form, f: &crate::definition::Field, value: &Json) -> LocalizedText {
    match (f.field_type, value) {
        (FieldType::Date, Json::String(s)) => LocalizedText::new(s.clone(), s.clone()),
        (FieldType::Image | FieldType::Signature, _) => {
            let data = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            LocalizedText::new(data.clone(), data)
        }
        _ => {
            let choices = form.choices_of(&f.name).unwrap_or_default();
            answer_words(f.field_type, choices, value).unwrap_or_default()
        }
    }
}
