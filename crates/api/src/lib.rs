//! The API v1 adapter: Close's wire format in, services out, Close's wire format back.
//!
//! It knows paths, JSON shapes, pagination parameters and error bodies, and nothing about
//! rules or SQL: every handler authenticates an [`Actor`](corral_domain::Actor) and calls one
//! service.

#![recursion_limit = "512"]

mod access;
mod body;
mod error;
mod extract;
mod imports;
mod leads;
mod members;
pub mod openapi;
mod params;
mod phones;
mod pipelines;
mod reports;
pub mod scim;
mod sharing;
mod v1;
mod views;
mod webhooks;
pub mod wire;
mod work;

use axum::Router;
use corral_services::Services;

pub use error::ApiError;
pub use extract::{ApiActor, RequestId, SESSION_COOKIE, cookie_value, with_request_id};

/// What API handlers share.
#[derive(Clone)]
pub struct ApiState {
    pub services: Services,
}

/// The `/api` router (API v1 plus the OpenAPI document) and SCIM 2.0 at `/scim/v2`.
pub fn router(services: Services) -> Router {
    v1::routes()
        .layer(axum::middleware::from_fn(extract::rate_limit_headers))
        .route("/api/openapi.json", axum::routing::get(openapi::serve))
        .with_state(ApiState {
            services: services.clone(),
        })
        .merge(scim::routes().with_state(services))
}
