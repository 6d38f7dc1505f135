//! The leads list (search, paging, selection) and the lead page. Everything shown comes
//! through the services, so a member only ever sees the leads their role lets them see.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use corral_services::ServiceError;
use corral_services::leads::LeadView;
use corral_store::queries::leads::LeadFilter;
use serde_json::Value;

use crate::WebState;
use crate::pages::{Nav, explain, message, nav, not_found, render, status_of, with_cookie};
use crate::session::WebActor;
use crate::users::ago;

const PAGE: i64 = 50;

pub struct LeadLine {
    pub id: String,
    pub name: String,
    pub status: String,
    pub owner: String,
    pub contacts: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "leads.html")]
struct LeadsPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    can_assign: bool,
    can_import: bool,
    pool: usize,
    notice: Option<String>,
    error: Option<String>,
    rr: Option<corral_store::model::AssignmentSettingsRow>,
    q: String,
    leads: Vec<LeadLine>,
    total: i64,
    skip: i64,
    prev: i64,
    next: i64,
    from: i64,
    to: i64,
    has_more: bool,
}

/// Names of the workspace's users by id, for showing user-type field values.
async fn user_names(st: &WebState, web: &WebActor) -> HashMap<String, String> {
    match st.services.list_users(&web.actor, false, 0, 10_000).await {
        Ok(page) => page
            .items
            .into_iter()
            .map(|u| {
                (
                    u.id,
                    format!("{} {}", u.first_name, u.last_name)
                        .trim()
                        .to_string(),
                )
            })
            .collect(),
        Err(_) => HashMap::new(),
    }
}

fn field_text(
    v: &LeadView,
    names: &HashMap<String, String>,
    only_user: bool,
) -> Vec<(String, String)> {
    v.custom
        .iter()
        .filter(|(f, _)| !only_user || f.field_type == "user")
        .map(|(f, vals)| {
            let shown: Vec<String> = vals
                .iter()
                .map(|x| {
                    if f.field_type == "user" {
                        names.get(x).cloned().unwrap_or_else(|| x.clone())
                    } else {
                        x.clone()
                    }
                })
                .collect();
            (f.name.clone(), shown.join(", "))
        })
        .collect()
}

pub async fn list(
    State(st): State<WebState>,
    web: WebActor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let set = web.set_csrf.clone();
    with_cookie(list_page(&st, &web, &q, None, None).await, set)
}

/// Assigns the ticked leads over the round-robin pool.
pub async fn assign(
    State(st): State<WebState>,
    headers: axum::http::HeaderMap,
    web: WebActor,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Response {
    use crate::pages::{form_expired, form_value, form_values};
    if !crate::session::csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let ids = form_values(&form, "lead");
    let q = HashMap::new();
    if ids.is_empty() {
        return list_page(
            &st,
            &web,
            &q,
            None,
            Some("Tick the leads to assign first.".into()),
        )
        .await;
    }
    let selection = corral_services::bulk::Selection {
        query: None,
        s_query: None,
        results_limit: None,
        ids: ids.clone(),
    };
    match st
        .services
        .assign_round_robin(
            &web.actor,
            selection,
            None,
            &form_value(&form, "strategy"),
            None,
        )
        .await
    {
        Ok(a) => {
            let skipped = ids.len() - a.assigned.len();
            let msg = if skipped > 0 {
                format!(
                    "Assigned {} lead(s) over {} pool member(s); {skipped} already had an owner.",
                    a.assigned.len(),
                    a.pool.len()
                )
            } else {
                format!(
                    "Assigned {} lead(s) over {} pool member(s).",
                    a.assigned.len(),
                    a.pool.len()
                )
            };
            list_page(&st, &web, &q, Some(msg), None).await
        }
        Err(e) => (
            status_of(&e),
            list_page(&st, &web, &q, None, Some(explain(&e))).await,
        )
            .into_response(),
    }
}

/// Saves the round-robin settings.
pub async fn rr_settings(
    State(st): State<WebState>,
    headers: axum::http::HeaderMap,
    web: WebActor,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Response {
    use crate::pages::{form_expired, form_value};
    if !crate::session::csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let q = HashMap::new();
    let on = |k: &str| !form_value(&form, k).is_empty();
    match st
        .services
        .set_assignment_settings(
            &web.actor,
            Some(on("auto_assign")),
            Some(&form_value(&form, "strategy")),
            Some(on("skip_offline")),
            Some(on("skip_out_of_office")),
        )
        .await
    {
        Ok(_) => {
            list_page(
                &st,
                &web,
                &q,
                Some("Round-robin settings saved.".into()),
                None,
            )
            .await
        }
        Err(e) => (
            status_of(&e),
            list_page(&st, &web, &q, None, Some(explain(&e))).await,
        )
            .into_response(),
    }
}

async fn list_page(
    st: &WebState,
    web: &WebActor,
    q: &HashMap<String, String>,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let text = q.get("q").cloned().unwrap_or_default();
    let skip = q
        .get("skip")
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0)
        .clamp(0, 10_000);
    let filter = LeadFilter {
        name_contains: Some(text.clone()).filter(|t| !t.trim().is_empty()),
        ..Default::default()
    };
    let (views, total) = match st.services.list_leads(&web.actor, filter, skip, PAGE).await {
        Ok(r) => r,
        Err(e) => return message(status_of(&e), "Something went wrong", &explain(&e), None),
    };
    let names = user_names(st, web).await;
    let leads: Vec<LeadLine> = views
        .iter()
        .map(|v| LeadLine {
            id: v.lead.id.clone(),
            name: v.lead.name.clone(),
            status: v.status_label.clone(),
            owner: field_text(v, &names, true)
                .into_iter()
                .map(|(_, n)| n)
                .collect::<Vec<_>>()
                .join(", "),
            contacts: v
                .contacts
                .iter()
                .map(|c| c.name.clone())
                .collect::<Vec<_>>()
                .join(", "),
            updated: ago(Some(&v.lead.date_updated)),
        })
        .collect();
    let shown = leads.len() as i64;
    let pool = st
        .services
        .round_robin_pool_size(&web.actor)
        .await
        .unwrap_or(0);
    let page = LeadsPage {
        title: "Leads".into(),
        nav: Some(nav(st, &web.actor, &web.csrf, "/leads").await),
        csrf: web.csrf.clone(),
        can_assign: web.actor.can(corral_domain::Permission::AssignLeads),
        can_import: web.actor.can(corral_domain::Permission::BulkImport),
        pool,
        notice,
        error,
        rr: if web.actor.can(corral_domain::Permission::ManageOrganization) {
            st.services.assignment_settings(&web.actor).await.ok()
        } else {
            None
        },
        q: text,
        total,
        skip,
        prev: (skip - PAGE).max(0),
        next: skip + PAGE,
        from: if shown == 0 { 0 } else { skip + 1 },
        to: skip + shown,
        has_more: skip + shown < total,
        leads,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "lead.html")]
struct LeadPage {
    title: String,
    nav: Option<Nav>,
    name: String,
    status: String,
    description: String,
    url: Option<String>,
    created_by: String,
    updated_by: String,
    fields: Vec<(String, String)>,
    contacts: Vec<(String, String, String, String)>,
    /// For organization managers: (member, role, sees it, why).
    visibility: Vec<(String, String, bool, String)>,
    /// (note, status, value, owner).
    opportunities: Vec<(String, String, String, String)>,
    /// (text, assignee, due, done).
    tasks: Vec<(String, String, String, bool)>,
    /// The activity timeline, newest first: (when, type, author, text).
    activities: Vec<(String, String, String, String)>,
    /// The lead's event log, newest first: (when, who, action, changed fields).
    history: Vec<(String, String, String, String)>,
    lead_id: String,
    csrf: String,
    /// For members who may merge: leads whose name starts like this one's, (id, name).
    duplicates: Vec<(String, String)>,
}

/// What a lead's history calls the record an event is about.
fn record_name(object_type: &str) -> &str {
    match object_type {
        "lead" => "Lead",
        "contact" => "Contact",
        "opportunity" => "Opportunity",
        "task.lead" => "Task",
        "activity.note" => "Note",
        "activity.call" => "Call",
        "activity.email" => "Email",
        "activity.meeting" => "Meeting",
        "activity.sms" => "SMS",
        other => other,
    }
}

fn joined(json_text: &str, key: &str) -> String {
    serde_json::from_str::<Value>(json_text)
        .ok()
        .and_then(|v| {
            v.as_array().map(|a| {
                a.iter()
                    .filter_map(|x| x.get(key).and_then(Value::as_str).map(str::to_string))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        })
        .unwrap_or_default()
}

pub async fn show(State(st): State<WebState>, web: WebActor, Path(id): Path<String>) -> Response {
    let v = match st.services.get_lead(&web.actor, &id).await {
        Ok(v) => v,
        Err(ServiceError::NotFound(_)) => return not_found().await,
        Err(e) => return message(status_of(&e), "Something went wrong", &explain(&e), None),
    };
    let names = user_names(&st, &web).await;
    // Organization managers see who else can see the lead, and why.
    let visibility = if web.actor.can(corral_domain::Permission::ManageOrganization) {
        st.services
            .lead_visibility(&web.actor, &id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|m| (m.name, m.role_name, m.visible, m.reasons.join(" ")))
            .collect()
    } else {
        vec![]
    };
    let page = LeadPage {
        title: v.lead.name.clone(),
        nav: Some(nav(&st, &web.actor, &web.csrf, "/leads").await),
        name: v.lead.name.clone(),
        status: v.status_label.clone(),
        description: v.lead.description.clone(),
        url: v
            .lead
            .url
            .clone()
            .filter(|u| u.starts_with("http://") || u.starts_with("https://")),
        created_by: v.lead.created_by_name.clone(),
        updated_by: v.lead.updated_by_name.clone(),
        fields: field_text(&v, &names, false),
        contacts: v
            .contacts
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    c.title.clone(),
                    joined(&c.emails, "email"),
                    joined(&c.phones, "phone"),
                )
            })
            .collect(),
        visibility,
        opportunities: vec![],
        tasks: vec![],
        activities: vec![],
        history: vec![],
        lead_id: id.clone(),
        csrf: web.csrf.clone(),
        duplicates: vec![],
    };
    let mut page = with_work(&st, &web, &id, &names, page).await;
    page.duplicates = st
        .services
        .possible_duplicates(&web.actor, &v.lead)
        .await
        .unwrap_or_default();
    let set = web.set_csrf.clone();
    with_cookie(render(&page), set)
}

/// Merges this lead into the chosen one and shows the result.
pub async fn merge(
    State(st): State<WebState>,
    headers: axum::http::HeaderMap,
    web: WebActor,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Response {
    use crate::pages::{form_expired, form_value};
    if !crate::session::csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let into = form_value(&form, "destination");
    match st.services.merge_leads(&web.actor, &id, &into).await {
        Ok(v) => {
            axum::response::Redirect::to(&format!("/leads/{}?merged=1", v.lead.id)).into_response()
        }
        Err(ServiceError::NotFound(_)) => not_found().await,
        Err(e) => message(
            status_of(&e),
            "The leads were not merged",
            &explain(&e),
            None,
        ),
    }
}

/// Adds the lead's opportunities, tasks, activity timeline and event history to its page
/// (each through the same visibility as the lead itself).
async fn with_work(
    st: &WebState,
    web: &WebActor,
    id: &str,
    names: &HashMap<String, String>,
    mut page: LeadPage,
) -> LeadPage {
    use corral_store::queries::work::WorkFilter;
    let of_lead = || WorkFilter {
        lead_id: Some(id.to_string()),
        ..Default::default()
    };
    let when = |t: &chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M").to_string();
    page.opportunities = st
        .services
        .list_opportunities(&web.actor, of_lead(), 0, 100)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|o| {
            (
                o.row.note.clone(),
                format!("{} ({})", o.status.label, o.pipeline_name),
                crate::work::money(o.row.value),
                o.row.user_name.clone(),
            )
        })
        .collect();
    page.tasks = st
        .services
        .list_tasks(&web.actor, of_lead(), 0, 100)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|t| {
            (
                t.text,
                t.assigned_to_name,
                t.due_date.unwrap_or_default(),
                t.is_complete,
            )
        })
        .collect();
    let mut acts = st
        .services
        .list_activities(&web.actor, of_lead(), 0, 200)
        .await
        .unwrap_or_default();
    acts.sort_by_key(|a| std::cmp::Reverse(a.activity_at));
    page.activities = acts
        .into_iter()
        .map(|a| {
            let text = if a.subject.is_empty() {
                a.body
            } else {
                format!("{}: {}", a.subject, a.body)
            };
            (when(&a.activity_at), a.activity_type, a.user_name, text)
        })
        .collect();
    // Everything about the lead: its own events and its records'.
    let filter = corral_store::queries::team::AuditFilter {
        lead_id: Some(id.to_string()),
        ..Default::default()
    };
    page.history = st
        .services
        .event_log(&web.actor, filter, None, 50)
        .await
        .map(|p| p.entries)
        .unwrap_or_default()
        .into_iter()
        .map(|e| {
            let who = match &e.actor_user_id {
                Some(u) => names.get(u).cloned().unwrap_or_else(|| u.clone()),
                None => "Corral".into(),
            };
            (
                when(&e.date_created),
                who,
                format!("{} {}", record_name(&e.object_type), e.action),
                e.changed_fields.replace(',', ", "),
            )
        })
        .collect();
    page
}
