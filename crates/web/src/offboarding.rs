//! Offboarding in the UI (SPEC S6): the remove/deactivate page shows the plan (what the
//! member holds, with counts and samples) and a choice per category, runs it in one step,
//! and the history lists every offboarding with Undo.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use corral_domain::offboarding::Disposition;
use corral_services::ServiceError;
use corral_services::offboarding::Choices;
use corral_store::queries::memberships::MemberFilter;

use crate::WebState;
use crate::pages::{
    Nav, explain, form_expired, form_value, message, nav, render, status_of, with_cookie,
};
use crate::session::{WebActor, csrf_ok};

pub struct CategoryLine {
    pub key: String,
    /// The form field of the choice.
    pub choice: String,
    pub label: String,
    pub count: usize,
    pub sample: String,
}

#[derive(Template)]
#[template(path = "offboard.html")]
struct OffboardPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    membership_id: String,
    name: String,
    action: String,
    default: String,
    categories: Vec<CategoryLine>,
    people: Vec<(String, String)>,
    pool: Vec<String>,
    activities: usize,
    groups: String,
    api_keys: usize,
    smart_views: usize,
    webhooks: usize,
    round_robin: bool,
    error: Option<String>,
}

pub struct HistoryLine {
    pub id: String,
    pub when: String,
    pub member: String,
    pub action: String,
    pub moved: usize,
    pub undoable: bool,
    pub state: String,
}

#[derive(Template)]
#[template(path = "offboardings.html")]
struct HistoryPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    rows: Vec<HistoryLine>,
    error: Option<String>,
    notice: Option<String>,
}

/// The form field for a plan category (`leads:cf_…` share one choice for all lead fields).
fn choice_of(key: &str) -> &'static str {
    match key {
        k if k.starts_with("leads") => "leads",
        "opportunities" => "opportunities",
        "tasks" => "tasks",
        "contacts" => "contacts",
        _ => "phone_numbers",
    }
}

async fn people(st: &WebState, web: &WebActor) -> Vec<(String, String, bool)> {
    st.services
        .list_members(
            &web.actor,
            MemberFilter {
                status: Some("active".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            let u = &m.view.member;
            (
                u.membership.user_id.clone(),
                format!("{} {}", u.user_first_name, u.user_last_name)
                    .trim()
                    .to_string(),
                u.membership.round_robin,
            )
        })
        .collect()
}

async fn offboard_page(
    st: &WebState,
    web: &WebActor,
    membership_id: &str,
    action: &str,
    error: Option<String>,
) -> Response {
    let s = &st.services;
    let action = if action == "deactivate" {
        "deactivate"
    } else {
        "remove"
    };
    let plan = match s
        .plan_offboarding(&web.actor, membership_id, &Choices::default_for(action))
        .await
    {
        Ok(p) => p,
        Err(e) => return message(status_of(&e), "Cannot offboard", &explain(&e), None),
    };
    let everyone = people(st, web).await;
    let name = s
        .get_member(&web.actor, membership_id)
        .await
        .map(|m| {
            format!(
                "{} {}",
                m.view.member.user_first_name, m.view.member.user_last_name
            )
            .trim()
            .to_string()
        })
        .unwrap_or_default();
    let leaver = plan.user_id.clone();
    let view = OffboardPage {
        title: format!("Offboard {name}"),
        nav: Some(nav(st, &web.actor, &web.csrf, "/settings/users").await),
        csrf: web.csrf.clone(),
        membership_id: membership_id.to_string(),
        name,
        action: action.to_string(),
        default: if action == "remove" {
            "unassign".into()
        } else {
            "leave".into()
        },
        categories: plan
            .categories
            .iter()
            .map(|c| CategoryLine {
                key: c.key.clone(),
                choice: choice_of(&c.key).to_string(),
                label: c.label.clone(),
                count: c.count,
                sample: c
                    .sample
                    .iter()
                    .filter(|x| !x.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        people: everyone
            .iter()
            .filter(|p| p.0 != leaver)
            .map(|p| (p.0.clone(), p.1.clone()))
            .collect(),
        pool: everyone
            .iter()
            .filter(|p| p.2 && p.0 != leaver)
            .map(|p| p.0.clone())
            .collect(),
        activities: plan.activities_stay,
        groups: if plan.groups.is_empty() {
            "none".into()
        } else {
            plan.groups.join(", ")
        },
        api_keys: plan.api_keys,
        smart_views: plan.smart_views,
        webhooks: plan.webhooks.len(),
        round_robin: plan.round_robin,
        error,
    };
    render(&view)
}

pub async fn show(
    State(st): State<WebState>,
    web: WebActor,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let set = web.set_csrf.clone();
    let action = q.get("action").cloned().unwrap_or_else(|| "remove".into());
    with_cookie(offboard_page(&st, &web, &id, &action, None).await, set)
}

fn disposition(v: &str, pool: &[String]) -> Disposition {
    match v {
        "unassign" => Disposition::Unassign,
        "rr" => Disposition::RoundRobin(pool.to_vec()),
        v => match v.strip_prefix("user:") {
            Some(u) => Disposition::Reassign(u.to_string()),
            None => Disposition::Leave,
        },
    }
}

pub async fn run(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let action = form_value(&form, "action");
    let leaver = st
        .services
        .get_member(&web.actor, &id)
        .await
        .map(|m| m.view.member.membership.user_id)
        .unwrap_or_default();
    let pool: Vec<String> = people(&st, &web)
        .await
        .into_iter()
        .filter(|p| p.2 && p.0 != leaver)
        .map(|p| p.0)
        .collect();
    let d = Choices::default_for(&action);
    let pick = |k: &str, def: Disposition| {
        let v = form_value(&form, k);
        if v.is_empty() {
            def
        } else {
            disposition(&v, &pool)
        }
    };
    let choices = Choices {
        leads: pick("leads", d.leads.clone()),
        opportunities: pick("opportunities", d.opportunities.clone()),
        tasks: pick("tasks", d.tasks.clone()),
        contacts: pick("contacts", d.contacts.clone()),
        phone_numbers: pick("phone_numbers", d.phone_numbers.clone()),
    };
    match st
        .services
        .offboard(&web.actor, &id, &action, &choices)
        .await
    {
        Ok(done) => {
            let moved = done.row.moved;
            history_page(&st, &web, None, Some(format!("Done: {moved} record(s) handed over in one step. You can undo it below for 30 days."))).await
        }
        Err(e) => (
            status_of(&e),
            offboard_page(&st, &web, &id, &action, Some(explain(&e))).await,
        )
            .into_response(),
    }
}

async fn history_page(
    st: &WebState,
    web: &WebActor,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let rows = match st.services.list_offboardings(&web.actor).await {
        Ok((r, _)) => r,
        Err(e) => return message(status_of(&e), "Something went wrong", &explain(&e), None),
    };
    let names: HashMap<String, String> = st
        .services
        .member_directory(&web.actor, MemberFilter::default())
        .await
        .unwrap_or_default()
        .into_iter()
        .collect();
    let view = HistoryPage {
        title: "Offboarding history".into(),
        nav: Some(nav(st, &web.actor, &web.csrf, "/settings/users").await),
        csrf: web.csrf.clone(),
        rows: rows
            .iter()
            .map(|o| {
                let age = chrono::Utc::now() - o.date_created;
                HistoryLine {
                    id: o.id.clone(),
                    when: o.date_created.format("%Y-%m-%d %H:%M UTC").to_string(),
                    member: names
                        .get(&o.user_id)
                        .cloned()
                        .unwrap_or_else(|| o.user_id.clone()),
                    action: if o.action == "remove" {
                        "removed".into()
                    } else {
                        "deactivated".into()
                    },
                    moved: o.moved.max(0) as usize,
                    undoable: o.undone_at.is_none() && age < chrono::Duration::days(30),
                    state: if o.undone_at.is_some() {
                        "undone".into()
                    } else {
                        "too old to undo".into()
                    },
                }
            })
            .collect(),
        error,
        notice,
    };
    render(&view)
}

pub async fn history(State(st): State<WebState>, web: WebActor) -> Response {
    let set = web.set_csrf.clone();
    with_cookie(history_page(&st, &web, None, None).await, set)
}

pub async fn undo(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let r: Result<String, ServiceError> =
        st.services
            .undo_offboarding(&web.actor, &id)
            .await
            .map(|u| {
                if u.skipped.is_empty() {
                    format!("Put back {} record(s).", u.restored)
                } else {
                    format!(
                        "Put back {} record(s); left {} that changed since ({}).",
                        u.restored,
                        u.skipped.len(),
                        u.skipped
                            .iter()
                            .take(3)
                            .map(|(r, why)| format!("{r}: {why}"))
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                }
            });
    match r {
        Ok(n) => history_page(&st, &web, None, Some(n)).await,
        Err(e) => (
            status_of(&e),
            history_page(&st, &web, Some(explain(&e)), None).await,
        )
            .into_response(),
    }
}
