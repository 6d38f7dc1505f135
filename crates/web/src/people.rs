//! The People page (SPEC S5): "My people" (the member's own address book, with out-of-sync
//! prompts, a new-contact form, select-all and a bulk-actions menu) and "Team" (the shared
//! audience), plus the team board with drag-to-assign and its keyboard equivalent.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use corral_domain::Permission;
use corral_domain::sharing::{BUSINESS_SEGMENTS, PERSONAL_SEGMENTS};
use corral_services::ServiceError;
use corral_services::sharing::{BulkShare, ContactInput, Entry, conflicts_of};
use corral_store::model::TeamContactRow;
use corral_store::queries::memberships::MemberFilter;
use serde_json::Value;

use crate::WebState;
use crate::pages::{
    Nav, explain, form_expired, form_value, form_values, nav, render, status_of, with_cookie,
};
use crate::session::{WebActor, csrf_ok};

pub struct MineLine {
    pub id: String,
    pub name: String,
    pub company: String,
    pub segment: String,
    pub shared: String,
}

pub struct TeamLine {
    pub id: String,
    pub name: String,
    pub company: String,
    pub mode: String,
    pub assignee: String,
    pub timeline: String,
    pub out_of_sync: bool,
    /// The viewer is responsible for it (and may share their timeline on it).
    pub mine: bool,
}

pub struct Prompt {
    pub id: String,
    pub name: String,
    /// (field, yours, team's)
    pub conflicts: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    view: String,
    mine: Vec<MineLine>,
    team: Vec<TeamLine>,
    prompts: Vec<Prompt>,
    members: Vec<(String, String)>,
    business: Vec<&'static str>,
    personal: Vec<&'static str>,
    timeline_choices: Vec<(&'static str, &'static str)>,
    /// The sharing rules, for administrators.
    settings: Option<corral_store::model::SharingSettingsRow>,
    error: Option<String>,
    notice: Option<String>,
}

pub struct Column {
    pub user_id: String,
    pub name: String,
    pub cards: Vec<TeamLine>,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    columns: Vec<Column>,
    targets: Vec<(String, String)>,
    can_assign: bool,
    error: Option<String>,
}

/// A JSON value as text for a table cell.
fn shown(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) if s.is_empty() => "—".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .map(|i| {
                    i["value"]
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| i.to_string())
                })
                .collect();
            if parts.is_empty() {
                "—".into()
            } else {
                parts.join(", ")
            }
        }
        other => other.to_string(),
    }
}

async fn active_members(st: &WebState, web: &WebActor) -> Vec<(String, String)> {
    let filter = MemberFilter {
        status: Some("active".into()),
        ..Default::default()
    };
    // Every member may list colleagues for assignment targets; fall back to none.
    st.services
        .member_directory(&web.actor, filter)
        .await
        .unwrap_or_default()
}

fn team_line(t: &TeamContactRow, names: &HashMap<String, String>, me: &str) -> TeamLine {
    TeamLine {
        mine: t.assigned_to.as_deref() == Some(me),
        id: t.id.clone(),
        name: t.name.clone(),
        company: t.company.clone(),
        mode: t.mode.clone(),
        assignee: t
            .assigned_to
            .as_ref()
            .map(|u| names.get(u).cloned().unwrap_or_else(|| u.clone()))
            .unwrap_or_else(|| "—".into()),
        timeline: t.timeline_visibility.clone(),
        out_of_sync: t.out_of_sync,
    }
}

async fn page(
    st: &WebState,
    web: &WebActor,
    view: &str,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let s = &st.services;
    let actor = &web.actor;
    let members = active_members(st, web).await;
    let names: HashMap<String, String> = members.iter().cloned().collect();
    let (mine_rows, team_rows, prompts) = match (
        s.list_personal_contacts(actor).await,
        s.list_team_contacts(actor, None).await,
        s.sync_prompts(actor).await,
    ) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => {
            return crate::pages::message(
                status_of(&e),
                "Something went wrong",
                &explain(&e),
                None,
            );
        }
    };
    let mine = mine_rows
        .iter()
        .map(|p| {
            let copies: Vec<&TeamContactRow> = team_rows
                .iter()
                .filter(|t| t.source_id.as_deref() == Some(p.id.as_str()))
                .collect();
            let shared = if copies.is_empty() {
                if p.unshared {
                    "unshared".to_string()
                } else {
                    "—".to_string()
                }
            } else {
                copies
                    .iter()
                    .map(|c| match (&c.mode[..], &c.assigned_to, c.out_of_sync) {
                        (_, _, true) => "out of sync".to_string(),
                        ("live", Some(u), _) => format!(
                            "assigned to {}",
                            names.get(u).cloned().unwrap_or_else(|| u.clone())
                        ),
                        ("live", None, _) => "shared (kept in sync)".to_string(),
                        _ => "sent (snapshot)".to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            MineLine {
                id: p.id.clone(),
                name: p.name.clone(),
                company: p.company.clone(),
                segment: p.segment.clone(),
                shared,
            }
        })
        .collect();
    let prompts = prompts
        .iter()
        .map(|t| Prompt {
            id: t.id.clone(),
            name: t.name.clone(),
            conflicts: conflicts_of(t)
                .iter()
                .map(|c| (c.field.clone(), shown(&c.source), shown(&c.team)))
                .collect(),
        })
        .collect();
    let view_page = PeoplePage {
        title: "People".into(),
        nav: Some(nav(st, actor, &web.csrf, "/people").await),
        csrf: web.csrf.clone(),
        view: if view == "team" {
            "team".into()
        } else {
            "mine".into()
        },
        mine,
        team: team_rows
            .iter()
            .map(|t| team_line(t, &names, &actor.user_id))
            .collect(),
        prompts,
        members,
        business: BUSINESS_SEGMENTS.to_vec(),
        personal: PERSONAL_SEGMENTS.to_vec(),
        timeline_choices: vec![
            ("private", "nobody"),
            ("manager", "my manager"),
            ("team", "the whole team"),
        ],
        settings: if actor.can(Permission::ManageOrganization) {
            s.sharing_settings(actor).await.ok()
        } else {
            None
        },
        error,
        notice,
    };
    render(&view_page)
}

pub async fn show(
    State(st): State<WebState>,
    web: WebActor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let set = web.set_csrf.clone();
    let view = q.get("view").cloned().unwrap_or_default();
    with_cookie(page(&st, &web, &view, None, None).await, set)
}

async fn done(st: &WebState, web: &WebActor, r: Result<String, ServiceError>) -> Response {
    done_on(st, web, "mine", r).await
}

async fn done_on(
    st: &WebState,
    web: &WebActor,
    view: &str,
    r: Result<String, ServiceError>,
) -> Response {
    match r {
        Ok(n) => page(st, web, view, None, Some(n)).await,
        Err(e) => (
            status_of(&e),
            page(st, web, view, Some(explain(&e)), None).await,
        )
            .into_response(),
    }
}

pub async fn timeline(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let r = st
        .services
        .set_timeline_visibility(&web.actor, &id, &form_value(&form, "timeline_visibility"))
        .await
        .map(|t| format!("Timeline sharing on {} saved.", t.name));
    done_on(&st, &web, "team", r).await
}

pub async fn settings(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let template = form_value(&form, "template");
    let on = |k: &str| !form_value(&form, k).is_empty();
    let s = &st.services;
    let r = if template.is_empty() {
        s.set_sharing_settings(
            &web.actor,
            None,
            Some(on("business")),
            Some(on("deal_contacts")),
            Some(on("assigned")),
        )
        .await
    } else {
        s.set_sharing_settings(&web.actor, Some(&template), None, None, None)
            .await
    }
    .map(|_| "Sharing rules saved.".to_string());
    done_on(&st, &web, "team", r).await
}

fn entry(form: &[(String, String)], key: &str, personal_key: &str) -> Option<Vec<Entry>> {
    let v = form_value(form, key);
    if v.trim().is_empty() {
        return None;
    }
    Some(vec![Entry {
        value: v,
        label: String::new(),
        personal: !form_value(form, personal_key).is_empty(),
    }])
}

pub async fn create(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let input = ContactInput {
        name: Some(form_value(&form, "name")),
        title: Some(form_value(&form, "title")),
        company: Some(form_value(&form, "company")),
        segment: Some(form_value(&form, "segment")),
        emails: entry(&form, "email", "email_personal"),
        phones: entry(&form, "phone", "phone_personal"),
        addresses: None,
        opportunity_id: None,
    };
    let r = st
        .services
        .create_personal_contact(&web.actor, input)
        .await
        .map(|p| format!("{} added to your people.", p.name));
    done(&st, &web, r).await
}

pub async fn bulk(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let ids = form_values(&form, "contact_id");
    let action = match form_value(&form, "action").as_str() {
        "send" => BulkShare::Send,
        "assign" => BulkShare::Assign(form_value(&form, "assigned_to")),
        "unshare" => BulkShare::Unshare,
        _ => {
            return done(
                &st,
                &web,
                Err(ServiceError::field("action", "Choose an action.")),
            )
            .await;
        }
    };
    let verb = match &action {
        BulkShare::Send => "sent to the team",
        BulkShare::Assign(_) => "assigned",
        BulkShare::Unshare => "unshared",
    };
    let r = st
        .services
        .share_personal_contacts(&web.actor, &ids, action)
        .await
        .map(|n| format!("{n} contact(s) {verb}."));
    done(&st, &web, r).await
}

pub async fn resolve(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let resolution = form_value(&form, "resolution");
    let r = st
        .services
        .resolve_sync(&web.actor, &id, &resolution)
        .await
        .map(|t| {
            if resolution == "accept" {
                format!("The team's copy of {} now has your values.", t.name)
            } else {
                format!("The team's copy of {} keeps its values.", t.name)
            }
        });
    done(&st, &web, r).await
}

async fn board_page(st: &WebState, web: &WebActor, error: Option<String>) -> Response {
    let actor = &web.actor;
    let columns = match st.services.team_board(actor).await {
        Ok(c) => c,
        Err(e) => {
            return crate::pages::message(
                status_of(&e),
                "Something went wrong",
                &explain(&e),
                None,
            );
        }
    };
    let names: HashMap<String, String> = columns
        .iter()
        .filter_map(|c| c.user_id.clone().map(|u| (u, c.name.clone())))
        .collect();
    let targets: Vec<(String, String)> = columns
        .iter()
        .map(|c| (c.user_id.clone().unwrap_or_default(), c.name.clone()))
        .collect();
    let view = BoardPage {
        title: "Team board".into(),
        nav: Some(nav(st, actor, &web.csrf, "/people").await),
        csrf: web.csrf.clone(),
        columns: columns
            .iter()
            .map(|c| Column {
                user_id: c.user_id.clone().unwrap_or_default(),
                name: c.name.clone(),
                cards: c
                    .cards
                    .iter()
                    .map(|t| team_line(t, &names, &actor.user_id))
                    .collect(),
            })
            .collect(),
        targets,
        can_assign: actor.can(Permission::AssignLeads),
        error,
    };
    render(&view)
}

pub async fn board(State(st): State<WebState>, web: WebActor) -> Response {
    let set = web.set_csrf.clone();
    with_cookie(board_page(&st, &web, None).await, set)
}

/// Assigns from the board (the drag's request, or a card's Move form).
pub async fn assign(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let to = form_value(&form, "user_id");
    match st
        .services
        .assign_team_contact(&web.actor, &id, Some(to.as_str()).filter(|s| !s.is_empty()))
        .await
    {
        Ok(_) => Redirect::to("/people/board").into_response(),
        Err(e) => (
            status_of(&e),
            board_page(&st, &web, Some(explain(&e))).await,
        )
            .into_response(),
    }
}
