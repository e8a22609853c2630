//! Published form template versions, which every device pulls.

use doorstep_protocol::TemplateRecord;

use super::Result;
use super::changes::{next_seq, take_turn};
use super::conn::{Conn, Row};

/// Publishes a template version under a new change number; false when that
/// version was already there.
pub(super) async fn publish_template<C: Conn>(c: &mut C, t: &TemplateRecord) -> Result<bool> {
    let version = i64::from(t.version);
    // Publishers take turns, so the check below is race-free.
    take_turn(c).await?;
    let exists = c
        .query_opt(
            "SELECT 1 FROM templates WHERE template_id = $1 AND version = $2",
            &[&t.template_id, &version],
        )
        .await?;
    if exists.is_some() {
        return Ok(false);
    }
    let seq = next_seq(c).await?;
    c.execute(
        "INSERT INTO templates (template_id, version, definition, seq) VALUES ($1, $2, $3, $4)",
        &[
            &t.template_id,
            &version,
            &serde_json::to_string(&t.definition)?,
            &seq,
        ],
    )
    .await?;
    Ok(true)
}

/// A template from `template_id, version, definition` columns.
pub(super) fn template_from_row(r: &Row) -> Result<TemplateRecord> {
    Ok(TemplateRecord {
        template_id: r.try_get(0)?,
        version: r.try_get(1)?,
        definition: r.json(2)?,
    })
}

/// Every published version, by template and version.
pub(super) async fn templates<C: Conn>(c: &mut C) -> Result<Vec<TemplateRecord>> {
    c.query(
        "SELECT template_id, version, definition FROM templates ORDER BY template_id, version",
        &[],
    )
    .await?
    .iter()
    .map(template_from_row)
    .collect()
}
