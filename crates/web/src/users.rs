//! The Users settings page (SPEC S2.8): list with presence, views and search, invite and add
//! dialogs, edit, deactivate, reactivate, remove, resend and cancel, CSV export; and the
//! presence stream every signed-in page holds.

use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use corral_domain::membership::Restriction;
use corral_services::ServiceError;
use corral_services::members::{
    AddInput, HOMEPAGES, InviteInput, MemberListing, MemberPatch, MemberSettings,
};
use corral_store::queries::memberships::MemberFilter;
use futures_util::stream::Stream;
use std::collections::HashMap;

use crate::WebState;
use crate::pages::{
    Nav, explain, form_expired, form_value, form_values, message, nav, not_found, render,
    status_of, with_cookie,
};
use crate::session::{WebActor, csrf_ok};

const VIEWS: [(&str, &str); 5] = [
    ("active", "Active"),
    ("invited", "Pending"),
    ("deactivated", "Deactivated"),
    ("removed", "Removed"),
    ("all", "All"),
];

pub struct UserLine {
    pub membership_id: String,
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub image: String,
    pub role: String,
    pub status: String,
    pub status_label: String,
    pub groups: String,
    pub last_active: String,
    pub online: bool,
    pub is_self: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    view: String,
    q: String,
    tabs: Vec<(&'static str, &'static str, usize)>,
    rows: Vec<UserLine>,
    roles: Vec<(String, String)>,
    restrictions: Vec<(&'static str, &'static str)>,
    homepages: Vec<&'static str>,
    /// Active members records can be handed to when someone is removed.
    people: Vec<(String, String)>,
    error: Option<String>,
    notice: Option<String>,
}

/// "3 minutes ago"-style text for a past moment.
pub fn ago(t: Option<&chrono::DateTime<chrono::Utc>>) -> String {
    let Some(t) = t else { return "never".into() };
    let secs = (chrono::Utc::now() - *t).num_seconds().max(0);
    match secs {
        0..=59 => "just now".into(),
        60..=3599 => format!("{} min ago", secs / 60),
        3600..=86399 => format!("{} h ago", secs / 3600),
        _ => format!("{} days ago", secs / 86400),
    }
}

fn name_of(l: &MemberListing) -> String {
    let m = &l.view.member;
    let n = format!("{} {}", m.user_first_name, m.user_last_name)
        .trim()
        .to_string();
    if n.is_empty() {
        m.user_email.clone()
    } else {
        n
    }
}

fn line(l: &MemberListing, online: &[String], me: &str) -> UserLine {
    let m = &l.view.member;
    let status = m.membership.status.clone();
    let status_label = match status.as_str() {
        "invited"
            if l.invitation
                .as_ref()
                .is_some_and(|i| i.expires_at <= chrono::Utc::now()) =>
        {
            "pending (expired)".to_string()
        }
        "invited" => "pending".to_string(),
        s => s.to_string(),
    };
    UserLine {
        membership_id: m.membership.id.clone(),
        user_id: m.membership.user_id.clone(),
        name: name_of(l),
        email: m.user_email.clone(),
        image: corral_api::wire::image(
            &m.user_image,
            &m.user_first_name,
            &m.user_last_name,
            &m.user_email,
        ),
        role: l.view.role_name.clone(),
        status,
        status_label,
        groups: l.groups.join(", "),
        last_active: ago(m.membership.last_active_at.as_ref()),
        online: online.contains(&m.membership.user_id),
        is_self: m.membership.user_id == me,
    }
}

async fn users_page(
    st: &WebState,
    web: &WebActor,
    params: &HashMap<String, String>,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let actor = &web.actor;
    if !actor.may_manage_members() {
        return not_found().await;
    }
    let view = params
        .get("view")
        .map(String::as_str)
        .filter(|v| VIEWS.iter().any(|(k, _)| k == v))
        .unwrap_or("active")
        .to_string();
    let q = params.get("q").cloned().unwrap_or_default();
    let all = match st
        .services
        .list_members(
            actor,
            MemberFilter {
                text: Some(q.clone()).filter(|s| !s.trim().is_empty()),
                ..Default::default()
            },
        )
        .await
    {
        Ok(v) => v,
        Err(e) => return message(status_of(&e), "Something went wrong", &explain(&e), None),
    };
    let count = |k: &str| {
        if k == "all" {
            all.len()
        } else {
            all.iter()
                .filter(|l| l.view.member.membership.status == k)
                .count()
        }
    };
    let tabs = VIEWS
        .iter()
        .map(|(k, label)| (*k, *label, count(k)))
        .collect();
    let online = st.services.presence().online(&actor.workspace_id);
    let rows = all
        .iter()
        .filter(|l| view == "all" || l.view.member.membership.status == view)
        .map(|l| line(l, &online, &actor.user_id))
        .collect();
    let roles = match st.services.available_roles(actor).await {
        Ok(r) => r
            .into_iter()
            .filter(|r| r.permissions.is_subset(&actor.permissions))
            .map(|r| (r.id, r.name))
            .collect(),
        Err(e) => return message(status_of(&e), "Something went wrong", &explain(&e), None),
    };
    let page = UsersPage {
        title: "Users".into(),
        nav: Some(nav(st, actor, &web.csrf, "/settings/users").await),
        csrf: web.csrf.clone(),
        view,
        q,
        tabs,
        rows,
        roles,
        restrictions: Restriction::ALL
            .iter()
            .map(|r| (r.name(), r.label()))
            .collect(),
        homepages: HOMEPAGES.to_vec(),
        people: all
            .iter()
            .filter(|l| l.view.member.membership.status == "active")
            .map(|l| (l.view.member.membership.user_id.clone(), name_of(l)))
            .collect(),
        error,
        notice,
    };
    render(&page)
}

pub async fn list(
    State(st): State<WebState>,
    web: WebActor,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let set = web.set_csrf.clone();
    with_cookie(users_page(&st, &web, &params, None, None).await, set)
}

/// Renders the list again after an action, with its outcome.
async fn after(st: &WebState, web: &WebActor, result: Result<String, ServiceError>) -> Response {
    let params = HashMap::new();
    match result {
        Ok(notice) => users_page(st, web, &params, None, Some(notice)).await,
        Err(e) => {
            let status = status_of(&e);
            (
                status,
                users_page(st, web, &params, Some(explain(&e)), None).await,
            )
                .into_response()
        }
    }
}

pub async fn invite(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let input = InviteInput {
        email: form_value(&form, "email"),
        role_id: form_value(&form, "role_id"),
        first_name: Some(form_value(&form, "first_name")),
        last_name: Some(form_value(&form, "last_name")),
        phone: Some(form_value(&form, "phone")),
        settings: MemberSettings {
            restrictions: Some(
                form_values(&form, "restrictions")
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            ),
            round_robin: Some(form_value(&form, "round_robin") == "on"),
            homepage: None,
        },
    };
    let r = st
        .services
        .invite_member(&web.actor, input)
        .await
        .map(|l| format!("Invitation sent to {}.", l.view.member.user_email));
    after(&st, &web, r).await
}

pub async fn add(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let input = AddInput {
        email: form_value(&form, "email"),
        role_id: form_value(&form, "role_id"),
        first_name: form_value(&form, "first_name"),
        last_name: form_value(&form, "last_name"),
        phone: Some(form_value(&form, "phone")),
        password: form_value(&form, "password"),
        settings: MemberSettings {
            restrictions: None,
            round_robin: Some(form_value(&form, "round_robin") == "on"),
            homepage: Some(form_value(&form, "homepage")).filter(|h| !h.is_empty()),
        },
    };
    let r = st
        .services
        .add_member(&web.actor, input)
        .await
        .map(|l| format!("{} was added.", name_of(&l)));
    after(&st, &web, r).await
}

pub async fn action(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Path((id, verb)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let s = &st.services;
    let a = &web.actor;
    let r = match verb.as_str() {
        "deactivate" => s.deactivate_member(a, &id).await.map(|l| {
            format!(
                "{} was deactivated. Their data stays; reactivate them any time.",
                name_of(&l)
            )
        }),
        "reactivate" => s
            .reactivate_member(a, &id)
            .await
            .map(|l| format!("{} was reactivated.", name_of(&l))),
        "remove" => {
            let to = form_value(&form, "reassign_to");
            s.remove_member(a, &id, Some(to.as_str()).filter(|t| !t.is_empty()))
                .await
                .map(|l| {
                    format!(
                        "{}'s access was revoked; their leads, open opportunities and tasks were {}. Their activities keep their name.",
                        name_of(&l),
                        if to.is_empty() { "unassigned" } else { "reassigned" }
                    )
                })
        }
        "resend" => s
            .resend_invitation(a, &id)
            .await
            .map(|l| format!("Invitation resent to {}.", l.view.member.user_email)),
        "cancel" => s
            .cancel_invitation(a, &id)
            .await
            .map(|_| "Invitation cancelled.".to_string()),
        _ => return not_found().await,
    };
    after(&st, &web, r).await
}

#[derive(Template)]
#[template(path = "user_edit.html")]
struct EditPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    membership_id: String,
    name: String,
    email: String,
    status: String,
    first_name: String,
    last_name: String,
    phone: String,
    role_id: String,
    roles: Vec<(String, String)>,
    restrictions: Vec<(&'static str, &'static str, bool)>,
    homepage: String,
    homepages: Vec<String>,
    manager_id: String,
    managers: Vec<(String, String)>,
    round_robin: bool,
    error: Option<String>,
    notice: Option<String>,
}

async fn edit_page(
    st: &WebState,
    web: &WebActor,
    id: &str,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let actor = &web.actor;
    if !actor.may_manage_members() {
        return not_found().await;
    }
    let l = match st.services.get_member(actor, id).await {
        Ok(l) => l,
        Err(ServiceError::NotFound(_)) => return not_found().await,
        Err(e) => return message(status_of(&e), "Something went wrong", &explain(&e), None),
    };
    let roles = st
        .services
        .available_roles(actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let managers = st
        .services
        .list_members(
            actor,
            MemberFilter {
                status: Some("active".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_or_default()
        .iter()
        .filter(|x| x.view.member.membership.user_id != l.view.member.membership.user_id)
        .map(|x| (x.view.member.membership.user_id.clone(), name_of(x)))
        .collect();
    let m = &l.view.member;
    let current: Vec<&str> = m.membership.restrictions.split(',').collect();
    let page = EditPage {
        title: name_of(&l),
        nav: Some(nav(st, actor, &web.csrf, "/settings/users").await),
        csrf: web.csrf.clone(),
        membership_id: m.membership.id.clone(),
        name: name_of(&l),
        email: m.user_email.clone(),
        status: m.membership.status.clone(),
        first_name: m.user_first_name.clone(),
        last_name: m.user_last_name.clone(),
        phone: m.user_phone.clone().unwrap_or_default(),
        role_id: m.membership.role_id.clone(),
        roles,
        restrictions: Restriction::ALL
            .iter()
            .map(|r| (r.name(), r.label(), current.contains(&r.name())))
            .collect(),
        homepage: m.membership.homepage.clone(),
        homepages: HOMEPAGES.iter().map(|h| h.to_string()).collect(),
        manager_id: m.membership.manager_id.clone().unwrap_or_default(),
        managers,
        round_robin: m.membership.round_robin,
        error,
        notice,
    };
    render(&page)
}

pub async fn edit(State(st): State<WebState>, web: WebActor, Path(id): Path<String>) -> Response {
    let set = web.set_csrf.clone();
    with_cookie(edit_page(&st, &web, &id, None, None).await, set)
}

pub async fn save(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let password = form_value(&form, "password");
    let patch = MemberPatch {
        role_id: Some(form_value(&form, "role_id")),
        restrictions: Some(
            form_values(&form, "restrictions")
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ),
        round_robin: Some(form_value(&form, "round_robin") == "on"),
        manager_id: Some(Some(form_value(&form, "manager_id")).filter(|s| !s.is_empty())),
        homepage: Some(form_value(&form, "homepage")),
        first_name: Some(form_value(&form, "first_name")),
        last_name: Some(form_value(&form, "last_name")),
        phone: Some(Some(form_value(&form, "phone")).filter(|s| !s.trim().is_empty())),
        password: Some(password).filter(|p| !p.is_empty()),
        ..Default::default()
    };
    match st.services.update_member(&web.actor, &id, patch).await {
        Ok(_) => edit_page(&st, &web, &id, None, Some("Saved.".into())).await,
        Err(e) => {
            let status = status_of(&e);
            (
                status,
                edit_page(&st, &web, &id, Some(explain(&e)), None).await,
            )
                .into_response()
        }
    }
}

/// RFC 4180 CSV of the users in the chosen view.
pub async fn export(
    State(st): State<WebState>,
    web: WebActor,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let actor = &web.actor;
    if !actor.may_manage_members() {
        return not_found().await;
    }
    let view = params.get("view").cloned().unwrap_or_else(|| "all".into());
    let q = params.get("q").cloned().filter(|s| !s.trim().is_empty());
    let all = match st
        .services
        .list_members(
            actor,
            MemberFilter {
                text: q,
                ..Default::default()
            },
        )
        .await
    {
        Ok(v) => v,
        Err(e) => return message(status_of(&e), "Export failed", &explain(&e), None),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let header_row = [
        "name",
        "email",
        "role",
        "status",
        "groups",
        "round_robin",
        "last_active",
        "date_added",
    ];
    let mut rows: Vec<Vec<String>> = Vec::new();
    for l in all
        .iter()
        .filter(|l| view == "all" || l.view.member.membership.status == view)
    {
        let m = &l.view.member.membership;
        rows.push(vec![
            name_of(l),
            l.view.member.user_email.clone(),
            l.view.role_name.clone(),
            if m.status == "invited" {
                "pending".into()
            } else {
                m.status.clone()
            },
            l.groups.join("; "),
            if m.round_robin {
                "yes".into()
            } else {
                "no".into()
            },
            m.last_active_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            m.date_created.to_rfc3339(),
        ]);
    }
    let written = w
        .write_record(header_row)
        .and_then(|_| rows.iter().try_for_each(|r| w.write_record(r)));
    let bytes = match (written, w.into_inner()) {
        (Ok(()), Ok(b)) => b,
        _ => {
            return message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Export failed",
                "The CSV could not be written.",
                None,
            );
        }
    };
    let filename = format!("users-{}.csv", chrono::Utc::now().format("%Y-%m-%d"));
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The presence stream: holding it is being online; it carries changes for the workspace.
pub async fn presence(
    State(st): State<WebState>,
    web: WebActor,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let ws = web.actor.workspace_id.clone();
    let conn = st.services.presence().connect(&ws, &web.actor.user_id);
    let rx = st.services.presence().subscribe();
    let stream = futures_util::stream::unfold((rx, conn, ws), |(mut rx, conn, ws)| async move {
        loop {
            match rx.recv().await {
                Ok(change) if change.workspace_id == ws => {
                    let data =
                        serde_json::json!({"user_id": change.user_id, "online": change.online})
                            .to_string();
                    return Some((
                        Ok(Event::default().event("presence").data(data)),
                        (rx, conn, ws),
                    ));
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("heartbeat"),
    )
}
