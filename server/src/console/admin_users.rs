//! Users, for admins: the list (username, name, role, grids, active), creating
//! a worker (with grids) or a supervisor (with a whole community, grids, or
//! both) with an initial password, and changing a user's grids. A community's
//! supervisor also oversees grids added to it later. A refused form comes back with what was typed (never the
//! password) and the reasons in the page's language; every change is audited.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use doorstep_protocol::Role;
use uuid::Uuid;

use super::ConsoleError;
use super::html::{csrf_field, esc, frame, t};
use super::session::{ConsoleUser, Lang};
use crate::app::{AppState, RemoteAddr};
use crate::storage::{GridNode, NewUser, StorageError, UserSummary};

/// The shortest initial password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
const MAX_USERNAME_CHARS: usize = 32;
const MAX_DISPLAY_NAME_CHARS: usize = 50;

/// What the create form holds (the password is never sent back).
#[derive(Debug, Default, Clone)]
struct Draft {
    username: String,
    display_name: String,
    role: String,
    /// The community a supervisor oversees as a whole (a community id), or empty.
    community: String,
    grids: Vec<String>,
}

/// The role's name in the language.
pub fn role_label(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::Worker => t(lang, "网格员", "Grid worker"),
        Role::Supervisor => t(lang, "督导员", "Supervisor"),
        Role::Admin => t(lang, "管理员", "Admin"),
    }
}

/// `GET /console/admin/users`.
pub async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
) -> Result<Html<String>, ConsoleError> {
    user.require_admin()?;
    let body = users_body(&state, &user, &Draft::default(), &[]).await?;
    Ok(Html(body))
}

/// The users page: the list, then the create form filled with `draft` and
/// headed by `errors` (zh, en).
async fn users_body(
    state: &AppState,
    user: &ConsoleUser,
    draft: &Draft,
    errors: &[(String, String)],
) -> Result<String, ConsoleError> {
    let lang = user.lang;
    let users = state.storage.users().await?;
    let tree = state.storage.grid_tree().await?;
    let codes: HashMap<Uuid, &GridNode> = tree.iter().map(|g| (g.id, g)).collect();
    let mut body = format!(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>",
        t(lang, "用户名", "Username"),
        t(lang, "姓名", "Name"),
        t(lang, "角色", "Role"),
        t(lang, "网格", "Grids"),
        t(lang, "状态", "Status"),
    );
    for u in &users {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&u.username),
            esc(&u.display_name),
            role_label(lang, u.role),
            scope_text(lang, u, &codes),
            if u.disabled {
                format!(
                    "<span class=\"bad\">{}</span>",
                    t(lang, "已停用", "Disabled")
                )
            } else {
                format!("<span class=\"ok\">{}</span>", t(lang, "启用", "Active"))
            },
            if u.role == Role::Admin {
                String::new()
            } else {
                format!(
                    "<a href=\"/console/admin/users/{}\">{}</a>",
                    u.id,
                    t(lang, "修改网格", "Change grids")
                )
            },
        );
    }
    body.push_str("</tbody></table>");
    let _ = write!(body, "<h2>{}</h2>", t(lang, "新建用户", "New user"));
    body.push_str(&error_list(errors));
    let role = draft.role.as_str();
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/console/admin/users\" class=\"msg\">{}\
<p><label>{}<br><input name=\"username\" required maxlength=\"{MAX_USERNAME_CHARS}\" autocomplete=\"off\" value=\"{}\"></label></p>\
<p><label>{}<br><input name=\"display_name\" required maxlength=\"{MAX_DISPLAY_NAME_CHARS}\" value=\"{}\"></label></p>\
<p><label>{}<br><input name=\"password\" type=\"password\" required minlength=\"{MIN_PASSWORD_CHARS}\" autocomplete=\"new-password\"></label></p>\
<p><label>{}<br><select name=\"role\"><option value=\"worker\"{}>{}</option><option value=\"supervisor\"{}>{}</option></select></label></p>\
<p><label>{}<br><select name=\"community\">{}</select></label></p>\
<fieldset><legend>{}</legend>{}</fieldset>\
<p><button type=\"submit\">{}</button></p></form>",
        csrf_field(user),
        t(
            lang,
            "用户名（小写字母、数字、_ . -）",
            "Username (lowercase letters, digits, _ . -)"
        ),
        esc(&draft.username),
        t(lang, "姓名", "Name"),
        esc(&draft.display_name),
        t(
            lang,
            &format!("初始密码（至少 {MIN_PASSWORD_CHARS} 位）"),
            &format!("Initial password (at least {MIN_PASSWORD_CHARS} characters)")
        ),
        t(lang, "角色", "Role"),
        if role == "worker" || role.is_empty() {
            " selected"
        } else {
            ""
        },
        role_label(lang, Role::Worker),
        if role == "supervisor" {
            " selected"
        } else {
            ""
        },
        role_label(lang, Role::Supervisor),
        t(
            lang,
            "督导员负责的社区（含以后新增的网格；网格员不选）",
            "Community a supervisor oversees (grids added later included; none for grid workers)"
        ),
        community_options(lang, &tree, &draft.community),
        t(
            lang,
            "负责网格（网格员必选；督导员可不选）",
            "Grids (required for grid workers; optional for supervisors)"
        ),
        grid_checkboxes(&tree, &draft.grids),
        t(lang, "创建", "Create"),
    );
    Ok(frame(lang, Some(user), t(lang, "用户管理", "Users"), &body))
}

/// Where a user works: all grids (admins), their community, their grids.
fn scope_text(lang: Lang, u: &UserSummary, grids: &HashMap<Uuid, &GridNode>) -> String {
    if u.role == Role::Admin {
        return t(lang, "全部网格", "All grids").to_owned();
    }
    let mut parts = Vec::new();
    if let Some((_, name)) = &u.community {
        parts.push(format!(
            "{}{}",
            t(lang, "全社区：", "Whole community: "),
            esc(name)
        ));
    }
    for g in &u.grid_ids {
        if let Some(node) = grids.get(g) {
            parts.push(format!(
                "<span title=\"{}\">{}</span>",
                esc(&node.name),
                esc(&node.code)
            ));
        }
    }
    if parts.is_empty() {
        format!("<span class=\"muted\">{}</span>", t(lang, "未分配", "None"))
    } else {
        parts.join("、")
    }
}

/// The grids as checkboxes named `grid`, grouped by community, `checked` ticked.
fn grid_checkboxes(tree: &[GridNode], checked: &[String]) -> String {
    let mut out = String::new();
    let mut community = None;
    for g in tree {
        if community != Some(g.community_id) {
            if community.is_some() {
                out.push_str("</p>");
            }
            let _ = write!(
                out,
                "<p><strong>{} · {}</strong><br>",
                esc(&g.subdistrict),
                esc(&g.community)
            );
            community = Some(g.community_id);
        }
        let id = g.id.to_string();
        let _ = write!(
            out,
            "<label><input type=\"checkbox\" name=\"grid\" value=\"{id}\"{}> {} {}</label> ",
            if checked.contains(&id) {
                " checked"
            } else {
                ""
            },
            esc(&g.code),
            esc(&g.name),
        );
    }
    if community.is_some() {
        out.push_str("</p>");
    }
    out
}

/// The communities as `<option>`s after a "none" one, `chosen` selected.
fn community_options(lang: Lang, tree: &[GridNode], chosen: &str) -> String {
    let mut out = format!(
        "<option value=\"\">{}</option>",
        t(lang, "（不按社区）", "(none)")
    );
    let mut seen = Vec::new();
    for g in tree {
        if seen.contains(&g.community_id) {
            continue;
        }
        seen.push(g.community_id);
        let id = g.community_id.to_string();
        let _ = write!(
            out,
            "<option value=\"{id}\"{}>{} · {}</option>",
            if id == chosen { " selected" } else { "" },
            esc(&g.subdistrict),
            esc(&g.community)
        );
    }
    out
}

/// The community a new user is given: none, or a known community for a
/// supervisor; a reason otherwise.
fn chosen_community(
    raw: &str,
    role: Option<Role>,
    tree: &[GridNode],
    errors: &mut Vec<(String, String)>,
) -> Option<Uuid> {
    if raw.is_empty() {
        return None;
    }
    let Some(id) = Uuid::parse_str(raw)
        .ok()
        .filter(|id| tree.iter().any(|g| g.community_id == *id))
    else {
        errors.push((
            "所选社区不存在，请刷新页面后重试".into(),
            "The chosen community does not exist; reload the page and try again".into(),
        ));
        return None;
    };
    if role == Some(Role::Worker) {
        errors.push((
            "网格员按网格分配，不能负责整个社区".into(),
            "A grid worker is assigned grids, not a whole community".into(),
        ));
        return None;
    }
    Some(id)
}

fn error_list(errors: &[(String, String)]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let mut out = String::from("<div class=\"err\" role=\"alert\"><ul>");
    for (zh, en) in errors {
        let _ = write!(
            out,
            "<li><span lang=\"zh-CN\">{}</span> / <span lang=\"en\">{}</span></li>",
            esc(zh),
            esc(en)
        );
    }
    out.push_str("</ul></div>");
    out
}

/// The form's fields: single values by name, and every `grid`.
fn fields(pairs: Vec<(String, String)>) -> (HashMap<String, String>, Vec<String>) {
    let mut one = HashMap::new();
    let mut grids = Vec::new();
    for (k, v) in pairs {
        if k == "grid" {
            grids.push(v);
        } else {
            one.insert(k, v);
        }
    }
    (one, grids)
}

/// The chosen grids, each one that exists; a reason for each that does not,
/// and one when there are none and `required`.
fn chosen_grids(
    raw: &[String],
    tree: &[GridNode],
    required: bool,
    errors: &mut Vec<(String, String)>,
) -> Vec<Uuid> {
    let mut ids = Vec::new();
    let mut unknown = false;
    for r in raw {
        match Uuid::parse_str(r) {
            Ok(id) if tree.iter().any(|g| g.id == id) => {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            _ => unknown = true,
        }
    }
    if unknown {
        errors.push((
            "所选网格不存在，请刷新页面后重试".into(),
            "A chosen grid does not exist; reload the page and try again".into(),
        ));
    } else if ids.is_empty() && required {
        errors.push((
            "请至少选择一个网格（督导员也可选择整个社区）".into(),
            "Choose at least one grid (or, for a supervisor, a whole community)".into(),
        ));
    }
    ids
}

/// `POST /console/admin/users`: creates a worker or supervisor. Refuses (and
/// shows the form again, filled in) an empty field, a malformed or taken
/// username, a short password, an unknown role or grid.
pub async fn create(
    State(state): State<AppState>,
    user: ConsoleUser,
    RemoteAddr(remote_addr): RemoteAddr,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, ConsoleError> {
    user.require_admin()?;
    let (one, grids) = fields(pairs);
    let get = |k: &str| one.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    user.check_csrf(&get("csrf"))?;
    let draft = Draft {
        username: get("username"),
        display_name: get("display_name"),
        role: get("role"),
        community: get("community"),
        grids,
    };
    let password = one.get("password").cloned().unwrap_or_default();
    let tree = state.storage.grid_tree().await?;
    let mut errors = Vec::new();
    let username = draft.username.to_lowercase();
    if username.is_empty() {
        errors.push(("请填写用户名".into(), "Enter a username".into()));
    } else if username.chars().count() > MAX_USERNAME_CHARS
        || !username
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'))
    {
        errors.push((
            format!("用户名只能包含小写字母、数字和 _ . -，最多 {MAX_USERNAME_CHARS} 位"),
            format!(
                "A username holds only lowercase letters, digits and _ . - (at most {MAX_USERNAME_CHARS})"
            ),
        ));
    }
    if draft.display_name.is_empty() {
        errors.push(("请填写姓名".into(), "Enter the person's name".into()));
    } else if draft.display_name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        errors.push((
            format!("姓名最多 {MAX_DISPLAY_NAME_CHARS} 个字"),
            format!("A name has at most {MAX_DISPLAY_NAME_CHARS} characters"),
        ));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        errors.push((
            format!("初始密码至少 {MIN_PASSWORD_CHARS} 位"),
            format!("The initial password needs at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    let role = match draft.role.as_str() {
        "worker" => Some(Role::Worker),
        "supervisor" => Some(Role::Supervisor),
        _ => {
            errors.push((
                "请选择角色：网格员或督导员".into(),
                "Choose a role: grid worker or supervisor".into(),
            ));
            None
        }
    };
    let community_id = chosen_community(&draft.community, role, &tree, &mut errors);
    let grid_ids = chosen_grids(&draft.grids, &tree, community_id.is_none(), &mut errors);
    let (Some(role), true) = (role, errors.is_empty()) else {
        return refused(&state, &user, &draft, &errors, StatusCode::BAD_REQUEST).await;
    };
    let hash = {
        let _permit = state
            .login_permits
            .acquire()
            .await
            .map_err(|_| ConsoleError::Server(crate::error::ApiFailure::internal().into()))?;
        tokio::task::spawn_blocking(move || crate::auth::hash_password(&password))
            .await
            .map_err(|e| ConsoleError::Server(e.into()))?
            .map_err(|e| {
                tracing::error!(error = %e, "hashing a new user's password failed");
                ConsoleError::Server(crate::error::ApiFailure::internal().into())
            })?
    };
    let created = state
        .storage
        .create_user(&NewUser {
            username: username.clone(),
            display_name: draft.display_name.clone(),
            role,
            password_hash: hash,
            community_id,
            grid_ids: grid_ids.clone(),
        })
        .await;
    let id = match created {
        Ok(id) => id,
        Err(StorageError::Duplicate(_)) => {
            let errors = [(
                "该用户名已被使用，请换一个".to_owned(),
                "This username is taken; choose another".to_owned(),
            )];
            return refused(&state, &user, &draft, &errors, StatusCode::CONFLICT).await;
        }
        Err(e) => return Err(e.into()),
    };
    state
        .storage
        .audit(&user.caller.audit_entry(
            "user.create",
            id.to_string(),
            serde_json::json!({
                "username": username,
                "role": role.as_str(),
                "grid_ids": grid_ids,
            }),
            remote_addr,
        ))
        .await?;
    tracing::info!(admin = %user.caller.user_id, user = %id, "console created a user");
    Ok(Redirect::to("/console/admin/users").into_response())
}

async fn refused(
    state: &AppState,
    user: &ConsoleUser,
    draft: &Draft,
    errors: &[(String, String)],
    status: StatusCode,
) -> Result<Response, ConsoleError> {
    let body = users_body(state, user, draft, errors).await?;
    Ok((status, Html(body)).into_response())
}

/// The user with this id, or NotFound.
async fn find_user(
    state: &AppState,
    user: &ConsoleUser,
    user_id: &str,
) -> Result<UserSummary, ConsoleError> {
    let not_found = || ConsoleError::NotFound { lang: user.lang };
    let id = Uuid::parse_str(user_id).map_err(|_| not_found())?;
    state
        .storage
        .users()
        .await?
        .into_iter()
        .find(|u| u.id == id)
        .ok_or_else(not_found)
}

/// `GET /console/admin/users/{user_id}`: the user's grids, to change.
pub async fn edit(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(user_id): Path<String>,
) -> Result<Html<String>, ConsoleError> {
    user.require_admin()?;
    let target = find_user(&state, &user, &user_id).await?;
    let checked: Vec<String> = target.grid_ids.iter().map(Uuid::to_string).collect();
    Ok(Html(
        edit_body(&state, &user, &target, &checked, &[]).await?,
    ))
}

async fn edit_body(
    state: &AppState,
    user: &ConsoleUser,
    target: &UserSummary,
    checked: &[String],
    errors: &[(String, String)],
) -> Result<String, ConsoleError> {
    let lang = user.lang;
    let tree = state.storage.grid_tree().await?;
    let mut body = format!(
        "<p>{}：{} · {}：{} · {}：{}</p>",
        t(lang, "用户名", "Username"),
        esc(&target.username),
        t(lang, "姓名", "Name"),
        esc(&target.display_name),
        t(lang, "角色", "Role"),
        role_label(lang, target.role),
    );
    if let Some((_, name)) = &target.community {
        let _ = write!(
            body,
            "<p class=\"muted\">{}{}</p>",
            t(
                lang,
                "另负责整个社区：",
                "Also oversees the whole community: "
            ),
            esc(name)
        );
    }
    body.push_str(&error_list(errors));
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/console/admin/users/{}/grids\" class=\"msg\">{}\
<fieldset><legend>{}</legend>{}</fieldset><p><button type=\"submit\">{}</button> \
<a href=\"/console/admin/users\">{}</a></p></form><p class=\"muted\">{}</p>",
        target.id,
        csrf_field(user),
        t(lang, "负责网格", "Grids"),
        grid_checkboxes(&tree, checked),
        t(lang, "保存", "Save"),
        t(lang, "返回用户列表", "Back to users"),
        t(
            lang,
            "修改后，该用户的手机下次同步时将重新下载所负责网格的住户。",
            "After a change, the user's phone downloads the households of their grids again on its next sync."
        ),
    );
    Ok(frame(
        lang,
        Some(user),
        t(lang, "修改负责网格", "Change grids"),
        &body,
    ))
}

/// `POST /console/admin/users/{user_id}/grids`: replaces a worker's or
/// supervisor's grids (each existing; at least one unless the user oversees a
/// whole community); admins see every grid and are refused.
pub async fn set_grids(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(user_id): Path<String>,
    RemoteAddr(remote_addr): RemoteAddr,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, ConsoleError> {
    user.require_admin()?;
    let (one, raw) = fields(pairs);
    user.check_csrf(one.get("csrf").map(String::as_str).unwrap_or(""))?;
    let lang = user.lang;
    let target = find_user(&state, &user, &user_id).await?;
    if target.role == Role::Admin {
        return Err(ConsoleError::Bad {
            lang,
            zh: "管理员可查看全部网格，无需分配".into(),
            en: "Admins see every grid; there is nothing to assign".into(),
        });
    }
    let tree = state.storage.grid_tree().await?;
    let mut errors = Vec::new();
    // A community's supervisor may be left with the community alone.
    let grid_ids = chosen_grids(&raw, &tree, target.community.is_none(), &mut errors);
    if !errors.is_empty() {
        let body = edit_body(&state, &user, &target, &raw, &errors).await?;
        return Ok((StatusCode::BAD_REQUEST, Html(body)).into_response());
    }
    state.storage.set_user_grids(target.id, &grid_ids).await?;
    state
        .storage
        .audit(&user.caller.audit_entry(
            "user.grids",
            target.id.to_string(),
            serde_json::json!({
                "before": target.grid_ids,
                "after": grid_ids,
            }),
            remote_addr,
        ))
        .await?;
    tracing::info!(admin = %user.caller.user_id, user = %target.id, "console changed a user's grids");
    Ok(Redirect::to("/console/admin/users").into_response())
}
