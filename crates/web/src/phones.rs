//! Phone numbers and call forwarding in the UI (SPEC S6): numbers with who they ring, adding,
//! reassigning to a member or a group, releasing, and each member's own forwarding.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use corral_domain::phones::{Forwarding, Target, When};
use corral_services::ServiceError;
use corral_services::phones::Holder;
use corral_store::queries::memberships::MemberFilter;

use crate::WebState;
use crate::pages::{
    Nav, explain, form_expired, form_value, message, nav, render, status_of, with_cookie,
};
use crate::session::{WebActor, csrf_ok};

pub struct NumberLine {
    pub id: String,
    pub number: String,
    pub label: String,
    pub holder: String,
    pub holder_key: String,
}

#[derive(Template)]
#[template(path = "phones.html")]
struct PhonesPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    admin: bool,
    numbers: Vec<NumberLine>,
    holders: Vec<(String, String)>,
    members: Vec<(String, String)>,
    fwd_when: String,
    fwd_user: String,
    fwd_number: String,
    error: Option<String>,
    notice: Option<String>,
}

fn holder_of(key: &str) -> Holder {
    match (key.strip_prefix("user:"), key.strip_prefix("group:")) {
        (Some(u), _) => Holder::Member(u.to_string()),
        (_, Some(g)) => Holder::Group(g.to_string()),
        _ => Holder::Nobody,
    }
}

async fn page(
    st: &WebState,
    web: &WebActor,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let s = &st.services;
    let actor = &web.actor;
    let numbers = match s.list_phone_numbers(actor, None).await {
        Ok(n) => n,
        Err(e) => return message(status_of(&e), "Something went wrong", &explain(&e), None),
    };
    let members = s
        .member_directory(
            actor,
            MemberFilter {
                status: Some("active".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_or_default();
    let groups = s.list_groups(actor).await.unwrap_or_default();
    let mut holders: Vec<(String, String)> = members
        .iter()
        .map(|(u, n)| (format!("user:{u}"), n.clone()))
        .collect();
    holders.extend(
        groups
            .iter()
            .map(|g| (format!("group:{}", g.id), format!("group {}", g.name))),
    );
    let names: HashMap<String, String> = holders.iter().cloned().collect();
    let fwd = s
        .call_forwarding(actor, &actor.user_id)
        .await
        .ok()
        .flatten();
    let view = PhonesPage {
        title: "Phone numbers".into(),
        nav: Some(nav(st, actor, &web.csrf, "/settings/phones").await),
        csrf: web.csrf.clone(),
        admin: actor.may_manage_members(),
        numbers: numbers
            .iter()
            .map(|p| {
                let key = match (&p.user_id, &p.group_id) {
                    (Some(u), _) => format!("user:{u}"),
                    (None, Some(g)) => format!("group:{g}"),
                    _ => String::new(),
                };
                NumberLine {
                    id: p.id.clone(),
                    number: p.number.clone(),
                    label: p.label.clone(),
                    holder: names.get(&key).cloned().unwrap_or_else(|| "nobody".into()),
                    holder_key: key,
                }
            })
            .collect(),
        holders,
        members: members
            .into_iter()
            .filter(|(u, _)| *u != actor.user_id)
            .collect(),
        fwd_when: fwd.as_ref().map(|f| f.when_to.clone()).unwrap_or_default(),
        fwd_user: fwd
            .as_ref()
            .and_then(|f| f.target_user_id.clone())
            .unwrap_or_default(),
        fwd_number: fwd
            .as_ref()
            .and_then(|f| f.target_number.clone())
            .unwrap_or_default(),
        error,
        notice,
    };
    render(&view)
}

pub async fn show(State(st): State<WebState>, web: WebActor) -> Response {
    let set = web.set_csrf.clone();
    with_cookie(page(&st, &web, None, None).await, set)
}

async fn done(st: &WebState, web: &WebActor, r: Result<String, ServiceError>) -> Response {
    match r {
        Ok(n) => page(st, web, None, Some(n)).await,
        Err(e) => (status_of(&e), page(st, web, Some(explain(&e)), None).await).into_response(),
    }
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
    let r = st
        .services
        .create_phone_number(
            &web.actor,
            &form_value(&form, "number"),
            &form_value(&form, "label"),
            holder_of(&form_value(&form, "holder")),
        )
        .await
        .map(|p| format!("{} added.", p.number));
    done(&st, &web, r).await
}

pub async fn change(
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
        .update_phone_number(
            &web.actor,
            &id,
            None,
            Some(holder_of(&form_value(&form, "holder"))),
        )
        .await
        .map(|p| format!("{} saved.", p.number));
    done(&st, &web, r).await
}

pub async fn release(
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
        .release_phone_number(&web.actor, &id)
        .await
        .map(|_| "Number released.".to_string());
    done(&st, &web, r).await
}

pub async fn forwarding(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let when = form_value(&form, "when");
    let f = if when.is_empty() {
        Ok(None)
    } else {
        When::parse(&when)
            .map_err(ServiceError::from)
            .and_then(|w| {
                let (u, n) = (form_value(&form, "to_user"), form_value(&form, "to_number"));
                let target = match (u.is_empty(), n.trim().is_empty()) {
                    (false, _) => Target::Member(u),
                    (true, false) => Target::External(n),
                    (true, true) => {
                        return Err(ServiceError::field(
                            "to_number",
                            "Choose a member or give a number to forward to.",
                        ));
                    }
                };
                Ok(Some(Forwarding { when: w, target }))
            })
    };
    let me = web.actor.user_id.clone();
    let r = match f {
        Ok(f) => st
            .services
            .set_call_forwarding(&web.actor, &me, f)
            .await
            .map(|r| {
                if r.is_some() {
                    "Forwarding saved.".to_string()
                } else {
                    "Forwarding turned off.".to_string()
                }
            }),
        Err(e) => Err(e),
    };
    done(&st, &web, r).await
}
