//! A household location proposed by a door check: the supervisor accepts it
//! (it becomes the registered location the geofence is measured from) or
//! rejects it (the household has none again, and the next good fix is
//! proposed anew). Either decision is audited and reaches the phones of the
//! household's grid at their next pull.

use std::fmt::Write as _;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use doorstep_evidence::LatLon;
use doorstep_protocol::HouseholdRecord;
use serde::Deserialize;
use uuid::Uuid;

use super::ConsoleError;
use super::html::{csrf_field, t};
use super::session::{ConsoleUser, Lang};
use crate::app::{AppState, RemoteAddr};

/// The household's location when it is a proposal nobody has settled.
pub fn pending(h: &HouseholdRecord) -> Option<LatLon> {
    match (h.lat, h.lon, h.location_confirmed) {
        (Some(lat), Some(lon), false) => Some(LatLon { lat, lon }),
        _ => None,
    }
}

/// The accept and reject buttons for a pending proposal, returning to `back`.
pub fn forms(lang: Lang, user: &ConsoleUser, h: &HouseholdRecord, back: Uuid) -> String {
    let Some(p) = pending(h) else {
        return String::new();
    };
    let action = format!("/console/households/{}/location", h.id);
    let csrf = csrf_field(user);
    let mut out = format!(
        "<div id=\"proposed-location\" class=\"msg\"><p>{} {:.6}, {:.6}</p>",
        t(
            lang,
            "此户尚无确认的位置，首次到户核验的定位被提议为住户位置（待审核）：",
            "The household has no confirmed location; a door check's fix is proposed as its location (to review):"
        ),
        p.lat,
        p.lon
    );
    for (decision, label) in [
        (
            "accept",
            t(lang, "采用为住户位置", "Accept as the household's location"),
        ),
        ("reject", t(lang, "不采用", "Reject")),
    ] {
        let _ = write!(
            out,
            "<form method=\"post\" action=\"{action}\" style=\"display:inline-block;margin-right:.6em\">{csrf}\
<input type=\"hidden\" name=\"decision\" value=\"{decision}\"><input type=\"hidden\" name=\"lat\" value=\"{}\">\
<input type=\"hidden\" name=\"lon\" value=\"{}\"><input type=\"hidden\" name=\"back\" value=\"{back}\">\
<button type=\"submit\" id=\"location-{decision}\">{label}</button></form>",
            p.lat, p.lon,
        );
    }
    out.push_str("</div>");
    out
}

#[derive(Deserialize)]
pub struct LocationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
    #[serde(default)]
    back: String,
}

/// `POST /console/households/{household_id}/location`: accept or reject the
/// household's pending proposed location, then back to the visit page.
pub async fn settle(
    State(state): State<AppState>,
    user: ConsoleUser,
    RemoteAddr(remote_addr): RemoteAddr,
    Path(household_id): Path<String>,
    Form(form): Form<LocationForm>,
) -> Result<Response, ConsoleError> {
    user.check_csrf(&form.csrf)?;
    let lang = user.lang;
    let bad = |zh: &str, en: &str| ConsoleError::Bad {
        lang,
        zh: zh.to_owned(),
        en: en.to_owned(),
    };
    let accept = match form.decision.as_str() {
        "accept" => true,
        "reject" => false,
        _ => return Err(bad("未知的操作", "Unknown decision")),
    };
    let not_found = || ConsoleError::NotFound { lang };
    let id = Uuid::parse_str(&household_id).map_err(|_| not_found())?;
    let household = state
        .storage
        .household(id)
        .await?
        .filter(|h| user.caller.covers(h.grid_id))
        .ok_or_else(not_found)?;
    // Finite and in range, or refused: "NaN" and "inf" parse as numbers.
    let proposed = match (form.lat.parse::<f64>(), form.lon.parse::<f64>()) {
        (Ok(lat), Ok(lon)) => {
            LatLon::new(lat, lon).map_err(|_| bad("位置无效", "Not a position"))?
        }
        _ => return Err(bad("位置无效", "Not a position")),
    };
    let audit = user.caller.audit_entry(
        if accept {
            "household.location.accept"
        } else {
            "household.location.reject"
        },
        household.id.to_string(),
        serde_json::json!({ "code": household.code }),
        remote_addr,
    );
    if !state
        .storage
        .settle_location(household.id, proposed, accept, &audit)
        .await?
    {
        return Err(bad(
            "该住户没有待审核的提议位置（可能已被他人处理）",
            "The household has no pending proposed location (someone may have settled it)",
        ));
    }
    let back = Uuid::parse_str(&form.back).map_or_else(
        |_| "/console/queue".to_owned(),
        |v| format!("/console/visits/{v}"),
    );
    Ok(Redirect::to(&back).into_response())
}
