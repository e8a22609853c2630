//! One visit for review: its answers under the form's labels (ID numbers and
//! phones masked), photos, the door check with a small plot of the fix against
//! the household (or a map of tiles, see [`super::tiles`]), the revision history with what changed, flags, and the
//! review actions, which go through [`decide`], the operation the JSON API uses too.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use doorstep_evidence::door_check::Reference;
use doorstep_evidence::{DoorOutcome, LatLon};
use doorstep_forms::registry::{BoundVisit, TemplateRef};
use doorstep_model::{IdNumber, Phone, VisitStatus};
use doorstep_protocol::ReviewAction;
use serde::Deserialize;
use uuid::Uuid;

use super::ConsoleError;
use super::html::{
    csrf_field, esc, flag_badge, frame, outcome_cell, outcome_label, status_label, t, when,
};
use super::session::{ConsoleUser, Lang};
use crate::app::{AppState, RemoteAddr};
use crate::ops::review::decide;
use crate::storage::StoredVisit;

/// A value with any ID number or phone in it masked.
pub fn mask(value: &str) -> String {
    let v = value.trim();
    if let Ok(id) = IdNumber::parse(v) {
        return id.masked();
    }
    if let Ok(phone) = Phone::parse(v) {
        return phone.masked();
    }
    // Something number-like that is not a valid ID or phone (a typo, an old
    // 15-digit card, a foreign number) is still personal: keep only its ends.
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let number_like = v
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, 'X' | 'x' | '-' | '+' | ' '));
    let is_date = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok();
    if digits >= 7 && number_like && !is_date {
        let chars: Vec<char> = v.chars().collect();
        let keep = if chars.len() >= 11 { 3 } else { 2 };
        let tail = 2;
        return chars
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i < keep || i >= chars.len() - tail || !c.is_ascii_alphanumeric() {
                    *c
                } else {
                    '*'
                }
            })
            .collect();
    }
    value.to_owned()
}

/// A visit's answers as (path, label zh, label en, value zh, value en), masked.
pub fn rendered(
    state: &AppState,
    v: &StoredVisit,
) -> Vec<(String, String, String, String, String)> {
    rendered_with(state, v, true)
}

/// A visit's answers as (path, label zh, label en, value zh, value en), with ID
/// numbers and phones masked when `masked`.
pub fn rendered_with(
    state: &AppState,
    v: &StoredVisit,
    masked: bool,
) -> Vec<(String, String, String, String, String)> {
    let mask = |s: &str| if masked { mask(s) } else { s.to_owned() };
    let bound = BoundVisit {
        template: TemplateRef {
            id: v.visit.template_id.clone(),
            version: u64::from(v.visit.template_version),
        },
        answers: v.answers.clone(),
    };
    let today = state.clock.today();
    let answers = state
        .templates
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .render(&bound, today);
    match answers {
        Ok(list) => list
            .into_iter()
            .map(|a| {
                (
                    a.path,
                    a.label.zh,
                    a.label.en,
                    mask(&a.value.zh),
                    mask(&a.value.en),
                )
            })
            .collect(),
        // An unknown template: show what was sent, by field name, still masked.
        Err(_) => v
            .answers
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, val)| {
                        let text = val.as_str().map_or_else(|| val.to_string(), str::to_owned);
                        (k.clone(), k.clone(), k.clone(), mask(&text), mask(&text))
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The photo names a rendered answer lists, when it is a photo answer: a
/// JSON list of names, each one of the visit's photos.
fn photo_answer<'a>(rendered: &str, photos: &[&'a str]) -> Option<Vec<&'a str>> {
    let names: Vec<String> = serde_json::from_str(rendered).ok()?;
    if names.is_empty() {
        return None;
    }
    names
        .iter()
        .map(|n| photos.iter().find(|p| **p == n.as_str()).copied())
        .collect()
}

/// The first twelve hex digits of a SHA-256 name: enough to tell photos
/// apart by eye.
pub fn short_hash(sha256: &str) -> String {
    let short: String = sha256.chars().take(12).collect();
    format!("{short}…")
}

/// A resident's relation to the household head in the language (the stored
/// code when it is not one of the known relations).
pub fn relation_label(lang: Lang, code: &str) -> String {
    use doorstep_model::Relation;
    match (Relation::from_str_opt(code), lang) {
        (Some(r), Lang::Zh) => r.label_zh().to_owned(),
        (Some(r), Lang::En) => r.as_str().replace('_', " "),
        (None, _) => code.to_owned(),
    }
}

/// The visit with this id when `user` may see it.
async fn visible(
    state: &AppState,
    user: &ConsoleUser,
    id: &str,
) -> Result<StoredVisit, ConsoleError> {
    let not_found = || ConsoleError::NotFound { lang: user.lang };
    let id = Uuid::parse_str(id).map_err(|_| not_found())?;
    state
        .storage
        .visit(id)
        .await?
        .filter(|v| user.caller.covers(v.grid_id))
        .ok_or_else(not_found)
}

/// Metres east and north of `origin` (an equirectangular approximation,
/// plenty at the scale of a door check).
fn offset_m(origin: (f64, f64), p: (f64, f64)) -> (f64, f64) {
    let (lat0, lon0) = origin;
    let east = (p.1 - lon0) * lat0.to_radians().cos() * 111_320.0;
    let north = (p.0 - lat0) * 110_540.0;
    (east, north)
}

/// A small SVG: the household at the centre with the geofence circle, the fix
/// with its accuracy circle, and a scale note. With the door check's
/// `distance_m` the fix is drawn, and the distance printed, at exactly that
/// distance, so the plot and the figures above it agree.
pub fn plot(
    lang: Lang,
    household: (f64, f64),
    fix: (f64, f64),
    accuracy_m: f64,
    radius_m: f64,
    distance_m: Option<f64>,
) -> String {
    let (mut e, mut n) = offset_m(household, fix);
    let approx = e.hypot(n);
    let dist = match distance_m {
        Some(d) if approx > 0.0 => {
            e *= d / approx;
            n *= d / approx;
            d
        }
        _ => approx,
    };
    let extent = (dist + accuracy_m).max(radius_m).max(10.0) * 1.2;
    let scale = 100.0 / extent;
    let (fx, fy) = (120.0 + e * scale, 120.0 - n * scale);
    format!(
        "<svg width=\"240\" height=\"260\" viewBox=\"0 0 240 260\" role=\"img\" aria-label=\"{}\">\
<rect width=\"240\" height=\"240\" fill=\"#fff\" stroke=\"#ccd\"/>\
<circle cx=\"120\" cy=\"120\" r=\"{:.1}\" fill=\"#e6f0ff\" stroke=\"#24477a\" stroke-dasharray=\"4 3\"/>\
<circle cx=\"{fx:.1}\" cy=\"{fy:.1}\" r=\"{:.1}\" fill=\"rgba(200,60,40,.15)\" stroke=\"#c83c28\"/>\
<rect x=\"116\" y=\"116\" width=\"8\" height=\"8\" fill=\"#24477a\"/>\
<circle cx=\"{fx:.1}\" cy=\"{fy:.1}\" r=\"3\" fill=\"#c83c28\"/>\
<text x=\"4\" y=\"255\" font-size=\"11\">{} ■ · {} ● · {} {:.0} m · {} {:.0} m</text></svg>",
        t(lang, "定位与住户位置示意图", "Fix against the household"),
        radius_m * scale,
        (accuracy_m * scale).max(1.0),
        t(lang, "住户", "home"),
        t(lang, "定位", "fix"),
        t(lang, "围栏", "fence"),
        radius_m,
        t(lang, "距离", "dist."),
        dist,
    )
}

/// `GET /console/visits/{visit_id}`.
pub async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(visit_id): Path<String>,
) -> Result<Response, ConsoleError> {
    let lang = user.lang;
    let v = visible(&state, &user, &visit_id).await?;
    let evidence = state.storage.visit_evidence(v.visit.id).await?;
    let household = state.storage.household(v.visit.household_id).await?;
    let workers = state.storage.workers_of(&[v.grid_id]).await?;
    let titles = super::queue::version_titles(&state).await?;
    let kind = super::queue::title_of(
        &titles,
        lang,
        &v.visit.template_id,
        v.visit.template_version,
    );
    let worker = workers
        .iter()
        .find(|(id, _)| *id == v.visit.worker_id)
        .map_or("—", |(_, name)| name.as_str());

    let outcome = v.server_door_check.as_ref().map(|c| c.outcome).or_else(|| {
        evidence
            .as_ref()
            .and_then(|e| e.device_door_check.as_ref())
            .map(|d| d.input.outcome)
    });
    let mut body = String::new();
    let _ = write!(
        body,
        "<table><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr>\
<tr><th>{}</th><td id=\"door-outcome\">{}</td></tr>\
<tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr>\
<tr><th>{}</th><td>{}</td></tr></table>",
        t(lang, "走访类型", "Visit kind"),
        esc(kind),
        t(lang, "住户", "Household"),
        household
            .as_ref()
            .map_or_else(String::new, |h| esc(&format!(
                "{} {}{}{}{}",
                h.code,
                h.estate,
                h.building
                    .as_deref()
                    .map(|b| format!(" {b}"))
                    .unwrap_or_default(),
                h.unit
                    .as_deref()
                    .map(|u| format!("-{u}"))
                    .unwrap_or_default(),
                h.door
                    .as_deref()
                    .map(|d| format!("-{d}"))
                    .unwrap_or_default(),
            ))),
        t(lang, "入户情况", "At the door"),
        outcome_cell(lang, outcome),
        t(lang, "网格员", "Worker"),
        esc(worker),
        t(lang, "完成时间", "Finished"),
        esc(&v.visit.finalized.map(|f| when(f.utc)).unwrap_or_default()),
        t(lang, "状态", "Status"),
        esc(status_label(lang, v.visit.status)),
        t(lang, "版本", "Revision"),
        v.visit.revision,
    );

    if let Some(h) = household.as_ref().filter(|h| !h.residents.is_empty()) {
        let _ = write!(
            body,
            "<h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            t(lang, "住户成员", "Residents"),
            t(lang, "姓名", "Name"),
            t(lang, "与户主关系", "Relation"),
            t(lang, "身份证号", "ID number"),
            t(lang, "电话", "Phone"),
        );
        for r in &h.residents {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&r.name),
                esc(&relation_label(lang, &r.relation)),
                esc(&r.id_number.as_deref().map(mask).unwrap_or_default()),
                esc(&r.phone.as_deref().map(mask).unwrap_or_default()),
            );
        }
        body.push_str("</tbody></table>");
    }

    if let Some(o) = outcome.filter(|o| *o != DoorOutcome::Met) {
        let _ = write!(
            body,
            "<p class=\"err\">{}</p>",
            esc(&match lang {
                Lang::Zh => format!(
                    "本次未入户（{}）：下面的填报内容不是入户访谈所得，请勿据此核定。",
                    o.label_zh()
                ),
                Lang::En => format!(
                    "No entry ({}): the answers below were not given in an interview at home; do not rely on them.",
                    outcome_label(lang, o)
                ),
            })
        );
    }

    // Visits of other households carrying one of this visit's photos.
    let mut reused: Vec<crate::storage::QueueRow> = Vec::new();
    for p in evidence.iter().flat_map(|e| e.photos.iter()) {
        let filter = crate::storage::QueueFilter {
            scope: user.caller.grid_ids.clone(),
            photo: Some(p.sha256.clone()),
            all_revisions: true,
            ..Default::default()
        };
        for row in state.storage.review_queue(&filter, 0, 20).await?.rows {
            if row.household_id != v.visit.household_id
                && !reused.iter().any(|r| r.visit_id == row.visit_id)
            {
                reused.push(row);
            }
        }
    }
    let form = state
        .templates
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&TemplateRef {
            id: v.visit.template_id.clone(),
            version: u64::from(v.visit.template_version),
        })
        .ok();
    let visit_kind = form
        .as_ref()
        .map_or_else(String::new, |f| f.definition().visit_kind.clone());
    // The validation problems behind `form:CODE@PATH` flags, in words, as
    // the form engine words them (checked as of the day the visit was done).
    let problems = match (&form, v.visit.finalized) {
        (Some(f), Some(done)) if v.flags.iter().any(|x| x.starts_with("form:")) => {
            let day = done.local_date();
            f.validate(&v.answers, day).problems
        }
        _ => Vec::new(),
    };
    let mut flags = v.flags.clone();
    if !reused.is_empty() {
        flags.push(super::flags::PHOTO_REUSED.to_owned());
    }
    if !flags.is_empty() {
        let _ = write!(
            body,
            "<h2>{}</h2><ul id=\"flags\">",
            t(lang, "异常标记", "Flags")
        );
        for f in &flags {
            let detail = if f == super::flags::PHOTO_REUSED {
                let links: Vec<String> = reused
                    .iter()
                    .map(|r| {
                        format!(
                            "<a href=\"/console/visits/{}\">{} · {}</a>",
                            r.visit_id,
                            esc(&r.household_code),
                            esc(&when(r.finalized))
                        )
                    })
                    .collect();
                format!(
                    "{}{}",
                    esc(t(lang, "同一照片也在：", "The same photo is also in: ")),
                    links.join("、")
                )
            } else if let Some(p) = f.strip_prefix("form:").and_then(|rest| {
                problems
                    .iter()
                    .find(|p| format!("{}@{}", p.code, p.path) == rest)
            }) {
                esc(t(lang, &p.message.zh, &p.message.en))
            } else {
                esc(&super::flags::visit_detail(
                    lang,
                    f,
                    &v,
                    evidence.as_ref(),
                    &state.door_policy,
                    &visit_kind,
                )
                .or_else(|| super::flags::reason(lang, f, &state.door_policy))
                .unwrap_or_default())
            };
            let _ = write!(
                body,
                "<li>{} <span class=\"muted\">{detail}</span></li>",
                flag_badge(lang, f, &state.door_policy)
            );
        }
        body.push_str("</ul>");
    }

    // Review actions, only while the visit waits for a decision.
    if v.visit.status == VisitStatus::Uploaded {
        let action = format!("/console/visits/{}/review", v.visit.id);
        let csrf = csrf_field(&user);
        let _ = write!(
            body,
            "<h2>{}</h2><form method=\"post\" action=\"{action}\">{csrf}<input type=\"hidden\" name=\"decision\" value=\"approve\">\
<button type=\"submit\" id=\"approve\">{}</button></form>\
<form method=\"post\" action=\"{action}\">{csrf}<input type=\"hidden\" name=\"decision\" value=\"return\">\
<p><label>{}<br><textarea name=\"comment\" required maxlength=\"2000\" rows=\"3\"></textarea></label></p>\
<button type=\"submit\" id=\"return\">{}</button></form>\
<form method=\"post\" action=\"{action}\">{csrf}<input type=\"hidden\" name=\"decision\" value=\"reject\">\
<p><label>{}<br><textarea name=\"comment\" required maxlength=\"2000\" rows=\"2\"></textarea></label></p>\
<button type=\"submit\" id=\"reject\">{}</button></form>",
            t(lang, "审核", "Review"),
            t(lang, "通过", "Approve"),
            t(
                lang,
                "退回意见（必填，说明需要修改什么）",
                "What to fix (required)"
            ),
            t(lang, "退回修改", "Return for rework"),
            t(lang, "驳回原因（必填）", "Reason for rejecting (required)"),
            t(lang, "驳回", "Reject"),
        );
    } else if let Some(review) = &v.visit.review {
        let comment = if review.comment.trim().is_empty() {
            String::new()
        } else {
            format!(
                " · {}{}{}",
                t(lang, "意见", "comment"),
                t(lang, "：", ": "),
                esc(&review.comment)
            )
        };
        let _ = write!(
            body,
            "<p id=\"review\">{}{}{}{comment} · {}</p>",
            t(lang, "审核", "Review"),
            t(lang, "：", ": "),
            esc(status_label(lang, v.visit.status)),
            esc(&when(review.at)),
        );
    }

    let _ = write!(
        body,
        "<h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "填报内容", "Answers"),
        t(lang, "项目", "Question"),
        t(lang, "回答", "Answer"),
    );
    let photo_names: Vec<&str> = evidence
        .as_ref()
        .map(|e| e.photos.iter().map(|p| p.sha256.as_str()).collect())
        .unwrap_or_default();
    for (path, lzh, len, vzh, ven) in rendered(&state, &v) {
        let label = match t(lang, &lzh, &len) {
            "" => path.as_str(),
            l => l,
        };
        let value = match photo_answer(&vzh, &photo_names) {
            Some(names) => names
                .iter()
                .map(|sha| {
                    let src = format!("/console/visits/{}/photos/{sha}", v.visit.id);
                    format!(
                        "<a href=\"{src}\" target=\"_blank\"><img class=\"thumb\" src=\"{src}\" alt=\"{}\" loading=\"lazy\"></a> ",
                        esc(label)
                    )
                })
                .collect(),
            None => esc(t(lang, &vzh, &ven)),
        };
        let _ = write!(body, "<tr><th>{}</th><td>{value}</td></tr>", esc(label));
    }
    body.push_str("</tbody></table>");

    if let Some(ev) = evidence.as_ref().filter(|e| !e.photos.is_empty()) {
        let _ = write!(body, "<h2>{}</h2><div>", t(lang, "照片", "Photos"));
        for p in &ev.photos {
            if !crate::blobs::valid_name(&p.sha256) {
                continue;
            }
            let src = format!("/console/visits/{}/photos/{}", v.visit.id, p.sha256);
            let _ = write!(
                body,
                "<figure style=\"display:inline-block;margin:.3em\"><a href=\"{src}\" target=\"_blank\">\
<img class=\"thumb\" src=\"{src}\" alt=\"{}\" loading=\"lazy\"></a>\
<figcaption class=\"muted\" style=\"font-size:.75em;max-width:160px\">{} {}<br>{}×{} · {} KB</figcaption></figure>",
                esc(&p.field),
                t(lang, "指纹", "Hash"),
                short_hash(&p.sha256),
                p.width,
                p.height,
                p.bytes / 1024,
            );
        }
        body.push_str("</div>");
    }

    let _ = write!(body, "<h2>{}</h2>", t(lang, "到户核验", "Door check"));
    // Set when the page shows map tiles: their server joins the page's img-src.
    let mut tile_origin = None;
    match &v.server_door_check {
        None => {
            let _ = write!(
                body,
                "<p class=\"bad\">{}</p>",
                t(lang, "无到户核验", "No door check")
            );
        }
        Some(check) => {
            let ok = check.reasons.is_empty();
            let f = &check.figures;
            let _ = write!(
                body,
                "<p class=\"{}\">{}{}{}</p><p>{} {} · {} {} · {} {:.0} m</p>",
                if ok { "ok" } else { "bad" },
                t(lang, "位置核验", "Location check"),
                t(lang, "：", ": "),
                esc(t(lang, check.verdict.label_zh(), check.verdict.code())),
                t(lang, "距离", "Distance"),
                f.distance_m.map_or("—".to_owned(), |d| format!("{d:.0} m")),
                t(lang, "精度", "Accuracy"),
                f.accuracy_m.map_or("—".to_owned(), |d| format!("{d:.0} m")),
                t(lang, "围栏半径", "Geofence radius"),
                f.geofence_radius_m,
            );
            if let Some(hand) = evidence
                .as_ref()
                .and_then(|e| e.device_door_check.as_ref())
                .and_then(|d| d.result.accepted_by_hand)
            {
                let _ = write!(
                    body,
                    "<p class=\"bad\">{}</p>",
                    esc(&if lang == Lang::Zh {
                        format!(
                            "网格员等待 {} 秒未得到合格定位，手动确认了到户核验",
                            hand.waited_s
                        )
                    } else {
                        format!(
                            "The worker accepted the door check by hand after waiting {} s for a good fix",
                            hand.waited_s
                        )
                    })
                );
            }
            let fix = evidence
                .as_ref()
                .and_then(|e| e.device_door_check.as_ref())
                .and_then(|d| d.input.fix.as_ref());
            // Only a location the check measured against is drawn as the
            // home: a household that had none gets no home marker (its
            // location may since be this very fix, proposed).
            let home = household
                .as_ref()
                .and_then(|h| h.lat.zip(h.lon))
                .filter(|_| f.reference != Reference::None);
            if f.reference == Reference::None {
                let _ = write!(
                    body,
                    "<p class=\"muted\">{}</p>",
                    t(
                        lang,
                        "核验时此户尚无登记位置，无法比对距离。",
                        "The household had no location at the check: no distance to compare."
                    )
                );
            }
            match (fix, home, &state.console.tiles) {
                (Some(fix), Some((lat, lon)), Some(tiles)) => {
                    body.push_str(&tiles.map_html(
                        lang,
                        LatLon { lat, lon },
                        fix.position,
                        fix.accuracy_m,
                        f.geofence_radius_m,
                    ));
                    tile_origin = Some(tiles.origin());
                }
                (Some(fix), Some(home), None) => body.push_str(&plot(
                    lang,
                    home,
                    (fix.position.lat, fix.position.lon),
                    fix.accuracy_m,
                    f.geofence_radius_m,
                    f.distance_m,
                )),
                _ => {}
            }
        }
    }
    if let Some(h) = &household {
        body.push_str(&super::location::forms(lang, &user, h, v.visit.id));
    }

    // The revision history, with the questions whose answers changed.
    let revisions = state.storage.visit_revisions(v.visit.visit_group).await?;
    let _ = write!(
        body,
        "<h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "修改记录", "Revisions"),
        t(lang, "版本", "Revision"),
        t(lang, "完成时间", "Finished"),
        t(lang, "状态", "Status"),
        t(lang, "审核意见", "Review comment"),
        t(lang, "改动的项目", "Changed answers"),
    );
    let mut previous: Option<BTreeMap<String, String>> = None;
    for r in &revisions {
        let answers: BTreeMap<String, (String, String)> = rendered(&state, r)
            .into_iter()
            .map(|(path, lzh, len, vzh, _)| (path, (t(lang, &lzh, &len).to_owned(), vzh)))
            .collect();
        let changed = previous.as_ref().map(|prev| {
            let mut labels: Vec<String> = answers
                .iter()
                .filter(|(path, (_, value))| prev.get(*path) != Some(value))
                .map(|(_, (label, _))| label.clone())
                .collect();
            labels.extend(prev.keys().filter(|p| !answers.contains_key(*p)).cloned());
            labels.join("、")
        });
        let _ = write!(
            body,
            "<tr><td><a href=\"/console/visits/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            r.visit.id,
            r.visit.revision,
            esc(&r.visit.finalized.map(|f| when(f.utc)).unwrap_or_default()),
            esc(status_label(lang, r.visit.status)),
            esc(r.visit.review.as_ref().map_or("", |rv| rv.comment.as_str())),
            esc(&changed.unwrap_or_default()),
        );
        previous = Some(answers.into_iter().map(|(p, (_, v))| (p, v)).collect());
    }
    body.push_str("</tbody></table>");

    let mut resp = Html(frame(
        lang,
        Some(&user),
        t(lang, "走访详情", "Visit"),
        &body,
    ))
    .into_response();
    if tile_origin.is_some() {
        resp.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            super::content_security_policy(tile_origin),
        );
    }
    Ok(resp)
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

/// `POST /console/visits/{visit_id}/review`: approve, return (comment
/// required) or reject (reason required), through the JSON API's code path.
pub async fn review(
    State(state): State<AppState>,
    user: ConsoleUser,
    RemoteAddr(remote_addr): RemoteAddr,
    Path(visit_id): Path<String>,
    Form(form): Form<ReviewForm>,
) -> Result<Response, ConsoleError> {
    user.check_csrf(&form.csrf)?;
    let lang = user.lang;
    let action = match form.decision.as_str() {
        "approve" => ReviewAction::Approve,
        "return" => ReviewAction::Return,
        "reject" => ReviewAction::Reject,
        _ => {
            return Err(ConsoleError::Bad {
                lang,
                zh: "未知的审核操作".into(),
                en: "Unknown review action".into(),
            });
        }
    };
    let v = visible(&state, &user, &visit_id).await?;
    decide(
        &state,
        &user.caller,
        remote_addr,
        v.visit.id,
        action,
        &form.comment,
    )
    .await?;
    Ok(Redirect::to(&format!("/console/visits/{}", v.visit.id)).into_response())
}

/// `GET /console/visits/{visit_id}/photos/{sha256}`: a photo of a visit the
/// user may see, and only a photo that visit names.
pub async fn photo(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path((visit_id, sha)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    let not_found = || ConsoleError::NotFound { lang: user.lang };
    if !crate::blobs::valid_name(&sha) {
        return Err(not_found());
    }
    let v = visible(&state, &user, &visit_id).await?;
    let named = state
        .storage
        .visit_evidence(v.visit.id)
        .await?
        .is_some_and(|e| e.photos.iter().any(|p| p.sha256 == sha));
    if !named || state.storage.blob_size(&sha).await?.is_none() {
        return Err(not_found());
    }
    let bytes = state
        .blobs
        .get(&sha)
        .await
        .map_err(|e| ConsoleError::Server(e.into()))?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_and_phones_are_masked_and_other_text_kept() {
        assert_eq!(mask("330106193809090025"), "330106********0025");
        assert_eq!(mask("13812345678"), "138****5678");
        assert_eq!(mask("0571-87654321"), "0571-****4321");
        assert_eq!(mask("陈建国（侄子）"), "陈建国（侄子）");
        assert_eq!(mask("12"), "12");
        assert_eq!(
            mask("330106193809090026"),
            "330*************26",
            "a bad check digit"
        );
        assert_eq!(mask("1381234567"), "13******67", "a digit short");
        assert_eq!(
            mask("2026-11-22"),
            "2026-11-22",
            "dates have too few digits"
        );
    }

    #[test]
    fn the_plot_prints_the_door_checks_own_distance() {
        let home = (30.657, 104.081);
        let fix = (30.657 + 0.0027, 104.081 + 0.00004);
        let svg = plot(Lang::Zh, home, fix, 9.0, 50.0, Some(300.4));
        assert!(svg.contains("距离 300 m"), "{svg}");
        let printed = svg.matches(" m").count();
        assert!(printed >= 2, "{svg}");
    }

    #[test]
    fn the_plot_puts_a_fix_north_of_the_door_above_it() {
        let home = (30.657, 104.081);
        let fix = (30.657 + 0.00045, 104.081); // about 50 m north
        let svg = plot(Lang::En, home, fix, 8.0, 50.0, None);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("dist. 50 m"), "{svg}");
        // The fix's marker is drawn above the centre (smaller y).
        let marker = svg.split("r=\"3\"").next().expect("marker");
        let cy: f64 = marker
            .rsplit("cy=\"")
            .next()
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .expect("cy");
        assert!(cy < 120.0, "{cy}");
    }
}
