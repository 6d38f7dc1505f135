//! The web UI adapter: server-rendered pages (askama templates compiled into the binary),
//! embedded static assets, cookie sessions and double-submit CSRF protection on every form.

mod access;
mod imports;
mod leads;
mod offboarding;
mod pages;
mod people;
mod phones;
mod reports;
mod scim;
mod session;
mod users;
mod work;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use corral_services::Services;

pub use session::{CSRF_COOKIE, WebActor};

/// What page handlers share.
#[derive(Clone)]
pub struct WebState {
    pub services: Services,
    /// Adds `Secure` to cookies (set when Corral is served over HTTPS).
    pub secure_cookies: bool,
}

pub fn router(services: Services, secure_cookies: bool) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", axum::routing::post(pages::logout))
        .route("/setup", get(pages::setup_form).post(pages::setup))
        .route("/forgot", get(pages::forgot_form).post(pages::forgot))
        .route("/reset/{token}", get(pages::reset_form).post(pages::reset))
        .route(
            "/settings/api-keys",
            get(pages::api_keys).post(pages::create_api_key),
        )
        .route(
            "/invitation/{token}",
            get(pages::invitation_form).post(pages::accept_invitation),
        )
        .route("/settings/users", get(users::list))
        .route("/settings/users/invite", axum::routing::post(users::invite))
        .route("/settings/users/add", axum::routing::post(users::add))
        .route("/settings/users/export.csv", get(users::export))
        .route(
            "/settings/users/{id}/offboard",
            get(offboarding::show).post(offboarding::run),
        )
        .route("/settings/offboardings", get(offboarding::history))
        .route(
            "/settings/offboardings/{id}/undo",
            axum::routing::post(offboarding::undo),
        )
        .route("/settings/users/{id}", get(users::edit).post(users::save))
        .route(
            "/settings/users/{id}/{verb}",
            axum::routing::post(users::action),
        )
        .route("/events/presence", get(users::presence))
        .route("/leads", get(leads::list))
        .route("/leads/assign", axum::routing::post(leads::assign))
        .route(
            "/leads/import",
            get(imports::show)
                .post(imports::submit)
                .layer(axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route(
            "/leads/round_robin_settings",
            axum::routing::post(leads::rr_settings),
        )
        .route("/leads/{id}", get(leads::show))
        .route("/leads/{id}/merge", axum::routing::post(leads::merge))
        .route("/opportunities", get(work::opportunities))
        .route("/tasks", get(work::tasks))
        .route("/settings/roles", get(access::roles))
        .route(
            "/settings/roles/new",
            get(access::new_role).post(access::create_role),
        )
        .route(
            "/settings/roles/{id}",
            get(access::edit_role).post(access::save_role),
        )
        .route(
            "/settings/roles/{id}/delete",
            axum::routing::post(access::delete_role),
        )
        .route(
            "/settings/groups",
            get(access::groups).post(access::create_group),
        )
        .route(
            "/settings/groups/{id}/{verb}",
            axum::routing::post(access::group_action),
        )
        .route("/people", get(people::show).post(people::create))
        .route("/people/bulk", axum::routing::post(people::bulk))
        .route("/people/settings", axum::routing::post(people::settings))
        .route(
            "/people/team/{id}/timeline",
            axum::routing::post(people::timeline),
        )
        .route("/people/board", get(people::board))
        .route(
            "/people/team/{id}/resolve",
            axum::routing::post(people::resolve),
        )
        .route(
            "/people/team/{id}/assign",
            axum::routing::post(people::assign),
        )
        .route("/reports", get(reports::page))
        .route("/reports.csv", get(reports::csv))
        .route("/settings/phones", get(phones::show).post(phones::add))
        .route(
            "/settings/phones/forwarding",
            axum::routing::post(phones::forwarding),
        )
        .route("/settings/phones/{id}", axum::routing::post(phones::change))
        .route(
            "/settings/phones/{id}/release",
            axum::routing::post(phones::release),
        )
        .route("/settings/scim", get(scim::show))
        .route(
            "/settings/scim/tokens",
            axum::routing::post(scim::create_token),
        )
        .route(
            "/settings/scim/tokens/{id}/revoke",
            axum::routing::post(scim::revoke_token),
        )
        .route(
            "/settings/scim/settings",
            axum::routing::post(scim::save_settings),
        )
        .route(
            "/settings/scim/groups/{id}",
            axum::routing::post(scim::map_group),
        )
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .fallback(pages::not_found)
        .with_state(WebState {
            services,
            secure_cookies,
        })
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("../static/app.css"),
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("../static/app.js"),
    )
}
