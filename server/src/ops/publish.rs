//! Publishing a template version: stored for the phones' pulls and inserted
//! into the registry the server validates visits with, at once.

use anyhow::Context;
use doorstep_forms::Form;
use doorstep_protocol::TemplateRecord;

use crate::app::AppState;

/// Publishes a template version in storage and in the validating registry;
/// false when that version was already stored.
pub async fn publish(state: &AppState, form: Form) -> anyhow::Result<bool> {
    let record = TemplateRecord {
        template_id: form.id().to_owned(),
        version: u32::try_from(form.version()).context("template version exceeds u32")?,
        definition: serde_json::to_value(form.definition())?,
    };
    let fresh = state.storage.publish_template(&record).await?;
    state
        .templates
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(form)
        .context("template version already published with another definition")?;
    Ok(fresh)
}
