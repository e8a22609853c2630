//! The administrative tree for admins: subdistrict (街道) → community (社区) →
//! grid (网格), each grid with its household count and the workers and
//! supervisors assigned to it (assignments are changed on the users pages).

use std::fmt::Write as _;

use axum::extract::State;
use axum::response::Html;
use doorstep_protocol::Role;

use super::ConsoleError;
use super::admin_users::role_label;
use super::html::{esc, frame, t};
use super::session::ConsoleUser;
use crate::app::AppState;

/// `GET /console/admin/grids`.
pub async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
) -> Result<Html<String>, ConsoleError> {
    user.require_admin()?;
    let lang = user.lang;
    let tree = state.storage.grid_tree().await?;
    let users = state.storage.users().await?;
    let mut body = format!(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "街道", "Subdistrict"),
        t(lang, "社区", "Community"),
        t(lang, "网格编号", "Grid code"),
        t(lang, "网格名称", "Grid name"),
        t(lang, "住户数", "Households"),
        t(lang, "负责人员", "Assigned"),
    );
    let (mut subdistrict, mut community) = (None, None);
    for g in &tree {
        // Each subdistrict and community is named once, on its first grid's row.
        let sub_cell = if subdistrict == Some(g.subdistrict_id) {
            String::new()
        } else {
            esc(&g.subdistrict)
        };
        let com_cell = if community == Some(g.community_id) {
            String::new()
        } else {
            esc(&g.community)
        };
        subdistrict = Some(g.subdistrict_id);
        community = Some(g.community_id);
        let assigned: Vec<String> = users
            .iter()
            .filter(|u| {
                u.grid_ids.contains(&g.id)
                    || (u.role == Role::Supervisor
                        && u.community
                            .as_ref()
                            .is_some_and(|(c, _)| *c == g.community_id))
            })
            .map(|u| {
                format!(
                    "<a href=\"/console/admin/users/{}\">{}</a>（{}）",
                    u.id,
                    esc(&u.display_name),
                    role_label(lang, u.role)
                )
            })
            .collect();
        let _ = write!(
            body,
            "<tr><td>{sub_cell}</td><td>{com_cell}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&g.code),
            esc(&g.name),
            g.households,
            if assigned.is_empty() {
                format!("<span class=\"bad\">{}</span>", t(lang, "未分配", "Nobody"))
            } else {
                assigned.join("、")
            },
        );
    }
    body.push_str("</tbody></table>");
    let _ = write!(
        body,
        "<p class=\"muted\">{}</p>",
        t(
            lang,
            "在“用户”页面为网格员和督导员分配网格。",
            "Assign grids to workers and supervisors on the Users page."
        )
    );
    Ok(Html(frame(
        lang,
        Some(&user),
        t(lang, "网格", "Grids"),
        &body,
    )))
}
