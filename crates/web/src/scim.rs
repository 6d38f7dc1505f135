//! The SCIM provisioning settings page (SPEC S8), for organization owners: tokens (shown
//! once, revocable), where provisioned members land, what deactivation does with what they
//! hold, group-to-role mapping and the latest provider requests.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use corral_services::ServiceError;
use corral_store::queries::memberships::MemberFilter;

use crate::WebState;
use crate::pages::{
    Nav, explain, form_expired, form_value, nav, not_found, render, status_of, with_cookie,
};
use crate::session::{WebActor, csrf_ok};

pub struct TokenLine {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: String,
    pub status: String,
    pub live: bool,
}

pub struct GroupLine {
    pub id: String,
    pub name: String,
    pub external_id: String,
    pub role_id: String,
}

pub struct ActivityLine {
    pub when: String,
    pub method: String,
    pub path: String,
    pub status: i64,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "scim.html")]
struct ScimPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    base_url: String,
    new_secret: Option<String>,
    error: Option<String>,
    notice: Option<String>,
    tokens: Vec<TokenLine>,
    roles: Vec<(String, String)>,
    people: Vec<(String, String)>,
    role_id: String,
    policy: String,
    reassign_to: String,
    groups: Vec<GroupLine>,
    activity: Vec<ActivityLine>,
}

fn fmt(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

struct Outcome {
    secret: Option<String>,
    error: Option<String>,
    notice: Option<String>,
}

async fn page(st: &WebState, web: &WebActor, o: Outcome) -> Response {
    let s = &st.services;
    let actor = &web.actor;
    if !actor.is_org_owner {
        return not_found().await;
    }
    let (tokens, settings, groups, activity) = match (
        s.list_scim_tokens(actor).await,
        s.scim_settings(actor).await,
        s.scim_groups(actor).await,
        s.scim_activity(actor, 50).await,
    ) {
        (Ok(t), Ok(st), Ok(g), Ok(a)) => (t, st, g, a),
        (Err(e), ..) | (_, Err(e), ..) | (_, _, Err(e), _) | (.., Err(e)) => {
            return crate::pages::message(
                status_of(&e),
                "Something went wrong",
                &explain(&e),
                None,
            );
        }
    };
    let roles = s
        .available_roles(actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let people = s
        .list_members(
            actor,
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
            )
        })
        .collect();
    let view = ScimPage {
        title: "SCIM provisioning".into(),
        nav: Some(nav(st, actor, &web.csrf, "/settings/scim").await),
        csrf: web.csrf.clone(),
        base_url: format!("{}/scim/v2", s.config().public_url),
        new_secret: o.secret,
        error: o.error,
        notice: o.notice,
        tokens: tokens
            .iter()
            .map(|t| TokenLine {
                id: t.id.clone(),
                name: t.name.clone(),
                created: fmt(&t.date_created),
                last_used: t
                    .last_used_at
                    .as_ref()
                    .map(fmt)
                    .unwrap_or_else(|| "never".into()),
                status: if t.revoked_at.is_some() {
                    "revoked".into()
                } else {
                    "active".into()
                },
                live: t.revoked_at.is_none(),
            })
            .collect(),
        roles,
        people,
        role_id: settings.role_id,
        policy: settings.deactivate_policy,
        reassign_to: settings.reassign_to.unwrap_or_default(),
        groups: groups
            .into_iter()
            .map(|g| GroupLine {
                id: g.id,
                name: g.name,
                external_id: g.external_id.unwrap_or_default(),
                role_id: g.role_id.unwrap_or_default(),
            })
            .collect(),
        activity: activity
            .into_iter()
            .map(|a| ActivityLine {
                when: fmt(&a.date_created),
                method: a.method,
                path: a.path,
                status: a.status,
                detail: a.detail,
            })
            .collect(),
    };
    render(&view)
}

pub async fn show(State(st): State<WebState>, web: WebActor) -> Response {
    let set = web.set_csrf.clone();
    let o = Outcome {
        secret: None,
        error: None,
        notice: None,
    };
    with_cookie(page(&st, &web, o).await, set)
}

async fn done(
    st: &WebState,
    web: &WebActor,
    r: Result<(Option<String>, String), ServiceError>,
) -> Response {
    match r {
        Ok((secret, notice)) => {
            let o = Outcome {
                secret,
                error: None,
                notice: Some(notice),
            };
            page(st, web, o).await
        }
        Err(e) => {
            let o = Outcome {
                secret: None,
                error: Some(explain(&e)),
                notice: None,
            };
            (status_of(&e), page(st, web, o).await).into_response()
        }
    }
}

pub async fn create_token(
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
        .create_scim_token(&web.actor, &form_value(&form, "name"))
        .await
        .map(|t| (Some(t.token), format!("Token '{}' created.", t.row.name)));
    done(&st, &web, r).await
}

pub async fn revoke_token(
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
        .revoke_scim_token(&web.actor, &id)
        .await
        .map(|_| (None, "Token revoked.".to_string()));
    done(&st, &web, r).await
}

pub async fn save_settings(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let reassign_to = form_value(&form, "reassign_to");
    let r = st
        .services
        .set_scim_settings(
            &web.actor,
            &form_value(&form, "role_id"),
            &form_value(&form, "deactivate_policy"),
            Some(reassign_to.as_str()),
        )
        .await
        .map(|_| (None, "Provisioning settings saved.".to_string()));
    done(&st, &web, r).await
}

pub async fn map_group(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let role = form_value(&form, "role_id");
    let r = st
        .services
        .set_scim_group_role(&web.actor, &id, Some(role.as_str()))
        .await
        .map(|_| (None, "Group role saved.".to_string()));
    done(&st, &web, r).await
}
