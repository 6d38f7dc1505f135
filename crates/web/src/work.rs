//! Opportunities and tasks lists. Both read through the services, so a member sees only the
//! work on leads their role lets them see.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use corral_store::queries::work::WorkFilter;

use crate::WebState;
use crate::pages::{Nav, explain, message, nav, render, status_of, with_cookie};
use crate::session::WebActor;

pub struct Row {
    pub lead_id: String,
    pub cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "work.html")]
struct WorkPage {
    title: String,
    nav: Option<Nav>,
    heading: String,
    summary: String,
    tabs: Vec<(String, String, bool)>,
    headers: Vec<&'static str>,
    rows: Vec<Row>,
}

pub(crate) fn money(cents: i64) -> String {
    format!("${}", cents / 100)
}

pub async fn opportunities(
    State(st): State<WebState>,
    web: WebActor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let status = q.get("status").cloned().unwrap_or_else(|| "active".into());
    let status = if matches!(status.as_str(), "active" | "won" | "lost") {
        status
    } else {
        "active".into()
    };
    let f = WorkFilter {
        status_type: Some(status.clone()),
        ..Default::default()
    };
    let opps = match st.services.list_opportunities(&web.actor, f, 0, 200).await {
        Ok(o) => o,
        Err(e) => return message(status_of(&e), "Something went wrong", &explain(&e), None),
    };
    let total: i64 = opps.iter().map(|o| o.row.value).sum();
    let tabs = ["active", "won", "lost"]
        .iter()
        .map(|s| {
            (
                format!("/opportunities?status={s}"),
                s.to_string(),
                *s == status,
            )
        })
        .collect();
    let page = WorkPage {
        title: "Opportunities".into(),
        nav: Some(nav(&st, &web.actor, &web.csrf, "/opportunities").await),
        heading: "Opportunities".into(),
        summary: format!("{} {} · {} in value", opps.len(), status, money(total)),
        tabs,
        headers: vec!["Lead", "Owner", "Status", "Value", "Confidence", "Created"],
        rows: opps
            .iter()
            .map(|o| Row {
                lead_id: o.row.lead_id.clone(),
                cells: vec![
                    o.lead_name.clone(),
                    o.row.user_name.clone(),
                    o.status.label.clone(),
                    format!(
                        "{} {}",
                        money(o.row.value),
                        o.row.value_period.replace('_', " ")
                    ),
                    format!("{}%", o.row.confidence),
                    o.row.date_created.format("%Y-%m-%d").to_string(),
                ],
            })
            .collect(),
    };
    let set = web.set_csrf.clone();
    with_cookie(render(&page), set)
}

pub async fn tasks(
    State(st): State<WebState>,
    web: WebActor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mine = q.get("who").map(String::as_str) != Some("all");
    let f = WorkFilter {
        is_complete: Some(false),
        user_id: mine.then(|| web.actor.user_id.clone()),
        ..Default::default()
    };
    let tasks = match st.services.list_tasks(&web.actor, f, 0, 200).await {
        Ok(t) => t,
        Err(e) => return message(status_of(&e), "Something went wrong", &explain(&e), None),
    };
    let page = WorkPage {
        title: "Tasks".into(),
        nav: Some(nav(&st, &web.actor, &web.csrf, "/tasks").await),
        heading: "Tasks".into(),
        summary: format!("{} open", tasks.len()),
        tabs: vec![
            ("/tasks?who=me".into(), "Mine".into(), mine),
            (
                "/tasks?who=all".into(),
                "Everyone's I can see".into(),
                !mine,
            ),
        ],
        headers: vec!["Task", "Assigned to", "Due"],
        rows: tasks
            .iter()
            .map(|t| Row {
                lead_id: t.lead_id.clone(),
                cells: vec![
                    t.text.clone(),
                    t.assigned_to_name.clone(),
                    t.due_date.clone().unwrap_or_else(|| "—".into()),
                ],
            })
            .collect(),
    };
    let set = web.set_csrf.clone();
    with_cookie(render(&page), set)
}
