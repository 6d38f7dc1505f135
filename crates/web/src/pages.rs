//! Page handlers. Each one authenticates, calls one service, and renders a template.

use std::collections::HashMap;
use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use corral_api::{SESSION_COOKIE, cookie_value};
use corral_domain::Actor;
use corral_services::ServiceError;
use corral_services::setup::SetupInput;

use crate::WebState;
use crate::session::{WebActor, clear_cookie, csrf_ok, csrf_token, session_cookie};

/// One link in the sidebar.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

/// The signed-in frame around every page.
pub struct Nav {
    pub workspace_name: String,
    pub user_name: String,
    pub csrf: String,
    pub items: Vec<NavItem>,
}

/// The sidebar for `actor`, with `current` marked. Later pages add their entries here.
pub(crate) async fn nav(state: &WebState, actor: &Actor, csrf: &str, current: &str) -> Nav {
    let workspace_name = state
        .services
        .workspace_name(actor)
        .await
        .unwrap_or_default();
    let user_name = state
        .services
        .get_user(actor, &actor.user_id)
        .await
        .map(|u| {
            format!("{} {}", u.first_name, u.last_name)
                .trim()
                .to_string()
        })
        .unwrap_or_default();
    let org_admin = actor.can(corral_domain::Permission::ManageOrganization);
    let entries: [(&'static str, &'static str, bool); 12] = [
        ("/", "Home", true),
        ("/leads", "Leads", true),
        ("/opportunities", "Opportunities", true),
        ("/tasks", "Tasks", true),
        ("/people", "People", true),
        ("/reports", "Reports", true),
        ("/settings/users", "Users", actor.may_manage_members()),
        ("/settings/roles", "Roles", org_admin),
        ("/settings/groups", "Groups", org_admin),
        ("/settings/phones", "Phone numbers", true),
        ("/settings/api-keys", "API keys", true),
        ("/settings/scim", "SCIM provisioning", actor.is_org_owner),
    ];
    let items = entries
        .into_iter()
        .filter(|(_, _, shown)| *shown)
        .map(|(href, label, _)| NavItem {
            href,
            label,
            active: href == current,
        })
        .collect();
    Nav {
        workspace_name,
        user_name,
        csrf: csrf.to_string(),
        items,
    }
}

pub(crate) fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be rendered.",
            )
                .into_response()
        }
    }
}

pub(crate) fn with_cookie(mut resp: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(c) = cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

/// A readable sentence for a service error on a page.
pub(crate) fn explain(e: &ServiceError) -> String {
    match e {
        ServiceError::Internal(detail) => {
            tracing::error!(error = %detail, "internal error");
            "Something went wrong on our side. It has been logged; please try again.".into()
        }
        other => other.to_string(),
    }
}

pub(crate) fn status_of(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::Invalid { .. } => StatusCode::BAD_REQUEST,
        ServiceError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
        ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
        ServiceError::Conflict(_) => StatusCode::CONFLICT,
        ServiceError::PlanLimit(_) => StatusCode::PAYMENT_REQUIRED,
        ServiceError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        ServiceError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    title: String,
    message: String,
    link: Option<(String, String)>,
    nav: Option<Nav>,
}

pub(crate) fn message(
    status: StatusCode,
    title: &str,
    message: &str,
    link: Option<(&str, &str)>,
) -> Response {
    let page = MessagePage {
        title: title.into(),
        message: message.into(),
        link: link.map(|(h, l)| (h.to_string(), l.to_string())),
        nav: None,
    };
    (status, render(&page)).into_response()
}

pub async fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no page at this address.",
        Some(("/", "Go to Corral")),
    )
}

fn bad_csrf() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Form expired",
        "This form could not be verified (its security token is missing or stale). Go back, reload the page and try again.",
        Some(("/", "Go to Corral")),
    )
}

// ---- sign in ----

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    email: String,
    error: Option<String>,
    notice: Option<String>,
}

pub async fn login_form(
    State(st): State<WebState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if st.services.needs_setup().await.unwrap_or(false) {
        return message(
            StatusCode::OK,
            "Corral is not set up yet",
            "Open the one-time setup link that `corral serve` printed in its console to create your organization and owner account.",
            None,
        );
    }
    let (csrf, set) = csrf_token(&headers, st.secure_cookies);
    let notice = if q.contains_key("ended") {
        Some("Your session has ended. Please sign in again.".to_string())
    } else if q.contains_key("signed_out") {
        Some("You have signed out.".to_string())
    } else {
        None
    };
    let page = LoginPage {
        title: "Sign in".into(),
        nav: None,
        csrf,
        email: String::new(),
        error: None,
        notice,
    };
    with_cookie(render(&page), set)
}

pub async fn login(
    State(st): State<WebState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    if !csrf_ok(&headers, &field("csrf")) {
        return bad_csrf();
    }
    match st
        .services
        .login(&field("email"), &field("password"), &addr.ip().to_string())
        .await
    {
        Ok(session) => {
            let max_age = (session.expires_at - chrono::Utc::now()).num_seconds();
            with_cookie(
                Redirect::to("/").into_response(),
                session_cookie(&session.token, max_age, st.secure_cookies),
            )
        }
        Err(e) => {
            let (csrf, set) = csrf_token(&headers, st.secure_cookies);
            let page = LoginPage {
                title: "Sign in".into(),
                nav: None,
                csrf,
                email: field("email"),
                error: Some(explain(&e)),
                notice: None,
            };
            let mut resp = (status_of(&e), render(&page)).into_response();
            if let ServiceError::TooManyRequests {
                retry_after_secs, ..
            } = e
                && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
            {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            with_cookie(resp, set)
        }
    }
}

pub async fn logout(
    State(st): State<WebState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !csrf_ok(&headers, form.get("csrf").map(String::as_str).unwrap_or("")) {
        return bad_csrf();
    }
    if let Some(token) = cookie_value(&headers, SESSION_COOKIE)
        && let Err(e) = st.services.logout(&token).await
    {
        return message(
            status_of(&e),
            "Could not sign out",
            &explain(&e),
            Some(("/", "Back")),
        );
    }
    with_cookie(
        Redirect::to("/login?signed_out=1").into_response(),
        Some(clear_cookie(SESSION_COOKIE)),
    )
}

// ---- first-run setup ----

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    token: String,
    form: SetupForm,
    error: Option<String>,
}

#[derive(Default)]
struct SetupForm {
    organization_name: String,
    workspace_name: String,
    first_name: String,
    last_name: String,
    email: String,
}

fn setup_link_dead() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Setup link not valid",
        "This setup link has expired or was already used. If Corral is not set up yet, restart `corral serve` to print a new link.",
        Some(("/login", "Go to sign in")),
    )
}

pub async fn setup_form(
    State(st): State<WebState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let token = q.get("token").cloned().unwrap_or_default();
    match st.services.setup_token_is_live(&token).await {
        Ok(true) => {}
        Ok(false) => return setup_link_dead(),
        Err(e) => return message(status_of(&e), "Setup failed", &explain(&e), None),
    }
    let (csrf, set) = csrf_token(&headers, st.secure_cookies);
    let page = SetupPage {
        title: "Set up".into(),
        nav: None,
        csrf,
        token,
        form: SetupForm::default(),
        error: None,
    };
    with_cookie(render(&page), set)
}

pub async fn setup(
    State(st): State<WebState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    if !csrf_ok(&headers, &field("csrf")) {
        return bad_csrf();
    }
    let token = field("token");
    let input = SetupInput {
        organization_name: field("organization_name"),
        workspace_name: field("workspace_name"),
        first_name: field("first_name"),
        last_name: field("last_name"),
        email: field("email"),
        password: field("password"),
    };
    match st.services.complete_setup(&token, input).await {
        Ok(session) => {
            let max_age = (session.expires_at - chrono::Utc::now()).num_seconds();
            with_cookie(
                Redirect::to("/").into_response(),
                session_cookie(&session.token, max_age, st.secure_cookies),
            )
        }
        Err(ServiceError::Forbidden(_)) => setup_link_dead(),
        Err(e) => {
            let (csrf, set) = csrf_token(&headers, st.secure_cookies);
            let page = SetupPage {
                title: "Set up".into(),
                nav: None,
                csrf,
                token,
                form: SetupForm {
                    organization_name: field("organization_name"),
                    workspace_name: field("workspace_name"),
                    first_name: field("first_name"),
                    last_name: field("last_name"),
                    email: field("email"),
                },
                error: Some(explain(&e)),
            };
            with_cookie((status_of(&e), render(&page)).into_response(), set)
        }
    }
}

// ---- home ----

pub struct MemberLine {
    pub name: String,
    pub email: String,
    pub role: String,
    pub image: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    title: String,
    nav: Option<Nav>,
    first_name: String,
    role_name: String,
    active: usize,
    pending: usize,
    inactive: usize,
    members: Vec<MemberLine>,
}

pub async fn home(State(st): State<WebState>, web: WebActor) -> Response {
    let actor = &web.actor;
    let view = match st.services.get_workspace(actor, &actor.workspace_id).await {
        Ok(v) => v,
        Err(e) => return message(status_of(&e), "Something went wrong", &explain(&e), None),
    };
    let me = view
        .memberships
        .iter()
        .find(|m| m.member.membership.user_id == actor.user_id);
    let members = view
        .memberships
        .iter()
        .map(|m| MemberLine {
            name: format!("{} {}", m.member.user_first_name, m.member.user_last_name)
                .trim()
                .to_string(),
            email: m.member.user_email.clone(),
            role: m.role_name.clone(),
            image: corral_api::wire::image(
                &m.member.user_image,
                &m.member.user_first_name,
                &m.member.user_last_name,
                &m.member.user_email,
            ),
        })
        .collect();
    let page = HomePage {
        title: "Home".into(),
        nav: Some(nav(&st, actor, &web.csrf, "/").await),
        first_name: me
            .map(|m| m.member.user_first_name.clone())
            .unwrap_or_default(),
        role_name: me.map(|m| m.role_name.clone()).unwrap_or_default(),
        active: view.memberships.len(),
        pending: view.pending_memberships.len(),
        inactive: view.inactive_memberships.len(),
        members,
    };
    with_cookie(render(&page), web.set_csrf)
}

// ---- API keys ----

pub struct KeyLine {
    pub name: String,
    pub created: String,
    pub last_used: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "api_keys.html")]
struct ApiKeysPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    keys: Vec<KeyLine>,
    new_secret: Option<String>,
    error: Option<String>,
    base_url: String,
}

fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

async fn api_keys_page(
    st: &WebState,
    web: &WebActor,
    headers: &HeaderMap,
    new_secret: Option<String>,
    error: Option<String>,
) -> Response {
    let keys = match st.services.list_api_keys(&web.actor).await {
        Ok(k) => k,
        Err(e) => return message(status_of(&e), "Something went wrong", &explain(&e), None),
    };
    let fmt = |t: &chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
    let page = ApiKeysPage {
        title: "API keys".into(),
        nav: Some(nav(st, &web.actor, &web.csrf, "/settings/api-keys").await),
        csrf: web.csrf.clone(),
        keys: keys
            .iter()
            .map(|k| KeyLine {
                name: k.name.clone(),
                created: fmt(&k.date_created),
                last_used: k
                    .last_used_at
                    .as_ref()
                    .map(fmt)
                    .unwrap_or_else(|| "never".into()),
                status: if k.revoked_at.is_some() {
                    "revoked".into()
                } else {
                    "active".into()
                },
            })
            .collect(),
        new_secret,
        error,
        base_url: base_url(headers),
    };
    render(&page)
}

pub async fn api_keys(State(st): State<WebState>, headers: HeaderMap, web: WebActor) -> Response {
    let set = web.set_csrf.clone();
    with_cookie(api_keys_page(&st, &web, &headers, None, None).await, set)
}

pub async fn create_api_key(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !csrf_ok(&headers, form.get("csrf").map(String::as_str).unwrap_or("")) {
        return bad_csrf();
    }
    match st
        .services
        .create_api_key(
            &web.actor,
            form.get("name").map(String::as_str).unwrap_or(""),
        )
        .await
    {
        Ok(key) => api_keys_page(&st, &web, &headers, Some(key.secret), None).await,
        Err(e) => {
            let status = status_of(&e);
            (
                status,
                api_keys_page(&st, &web, &headers, None, Some(explain(&e))).await,
            )
                .into_response()
        }
    }
}

// ---- invitations ----

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    token: String,
    info: corral_services::members::InvitationInfo,
    error: Option<String>,
}

fn invitation_dead(e: &ServiceError) -> Response {
    message(
        status_of(e),
        "Invitation not valid",
        &explain(e),
        Some(("/login", "Go to sign in")),
    )
}

pub async fn invitation_form(
    State(st): State<WebState>,
    headers: HeaderMap,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> Response {
    let info = match st.services.invitation_info(&token).await {
        Ok(i) => i,
        Err(e) => return invitation_dead(&e),
    };
    let (csrf, set) = csrf_token(&headers, st.secure_cookies);
    let page = InvitationPage {
        title: "Accept invitation".into(),
        nav: None,
        csrf,
        token,
        info,
        error: None,
    };
    with_cookie(render(&page), set)
}

pub async fn accept_invitation(
    State(st): State<WebState>,
    headers: HeaderMap,
    axum::extract::Path(token): axum::extract::Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    if !csrf_ok(&headers, &field("csrf")) {
        return bad_csrf();
    }
    match st
        .services
        .accept_invitation(
            &token,
            &field("first_name"),
            &field("last_name"),
            &field("password"),
        )
        .await
    {
        Ok(session) => {
            let max_age = (session.expires_at - chrono::Utc::now()).num_seconds();
            with_cookie(
                Redirect::to("/").into_response(),
                session_cookie(&session.token, max_age, st.secure_cookies),
            )
        }
        Err(e @ ServiceError::Invalid { .. }) => match st.services.invitation_info(&token).await {
            Ok(info) => {
                let (csrf, set) = csrf_token(&headers, st.secure_cookies);
                let page = InvitationPage {
                    title: "Accept invitation".into(),
                    nav: None,
                    csrf,
                    token,
                    info,
                    error: Some(explain(&e)),
                };
                with_cookie((status_of(&e), render(&page)).into_response(), set)
            }
            Err(e) => invitation_dead(&e),
        },
        Err(e) => invitation_dead(&e),
    }
}

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    email: String,
    sent: bool,
    error: Option<String>,
}

pub async fn forgot_form(State(st): State<WebState>, headers: HeaderMap) -> Response {
    let (csrf, set) = csrf_token(&headers, st.secure_cookies);
    let page = ForgotPage {
        title: "Reset your password".into(),
        nav: None,
        csrf,
        email: String::new(),
        sent: false,
        error: None,
    };
    with_cookie(render(&page), set)
}

pub async fn forgot(
    State(st): State<WebState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    if !csrf_ok(&headers, &field("csrf")) {
        return bad_csrf();
    }
    let result = st.services.request_password_reset(&field("email")).await;
    let (csrf, set) = csrf_token(&headers, st.secure_cookies);
    let status = result
        .as_ref()
        .err()
        .map(status_of)
        .unwrap_or(StatusCode::OK);
    let page = ForgotPage {
        title: "Reset your password".into(),
        nav: None,
        csrf,
        email: field("email"),
        sent: result.is_ok(),
        error: result.err().map(|e| explain(&e)),
    };
    with_cookie((status, render(&page)).into_response(), set)
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    token: String,
    error: Option<String>,
}

fn reset_dead(e: &ServiceError) -> Response {
    message(
        status_of(e),
        "Reset link not valid",
        &explain(e),
        Some(("/forgot", "Ask for a new link")),
    )
}

pub async fn reset_form(
    State(st): State<WebState>,
    headers: HeaderMap,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> Response {
    if let Err(e) = st.services.password_reset_is_live(&token).await {
        return reset_dead(&e);
    }
    let (csrf, set) = csrf_token(&headers, st.secure_cookies);
    let page = ResetPage {
        title: "Choose a new password".into(),
        nav: None,
        csrf,
        token,
        error: None,
    };
    with_cookie(render(&page), set)
}

pub async fn reset(
    State(st): State<WebState>,
    headers: HeaderMap,
    axum::extract::Path(token): axum::extract::Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    if !csrf_ok(&headers, &field("csrf")) {
        return bad_csrf();
    }
    match st.services.reset_password(&token, &field("password")).await {
        Ok(session) => {
            let max_age = (session.expires_at - chrono::Utc::now()).num_seconds();
            with_cookie(
                Redirect::to("/").into_response(),
                session_cookie(&session.token, max_age, st.secure_cookies),
            )
        }
        Err(e @ ServiceError::Invalid { .. }) => {
            let (csrf, set) = csrf_token(&headers, st.secure_cookies);
            let page = ResetPage {
                title: "Choose a new password".into(),
                nav: None,
                csrf,
                token,
                error: Some(explain(&e)),
            };
            with_cookie((status_of(&e), render(&page)).into_response(), set)
        }
        Err(e) => reset_dead(&e),
    }
}

// ---- form helpers shared by the settings pages ----

/// The first value of a form field (empty when absent).
pub(crate) fn form_value(form: &[(String, String)], key: &str) -> String {
    form.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Every value of a repeated form field (checkboxes).
pub(crate) fn form_values(form: &[(String, String)], key: &str) -> Vec<String> {
    form.iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .collect()
}

/// The page for a settings form whose CSRF token did not verify.
pub(crate) fn form_expired() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Form expired",
        "This form could not be verified (its security token is missing or stale). Reload the page and try again.",
        Some(("/", "Back")),
    )
}
