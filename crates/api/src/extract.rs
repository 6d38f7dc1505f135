//! Authentication for API requests: an API key as the HTTP Basic username (Close's way), or
//! the browser's session cookie for the web UI's own scripts. Cookie-authenticated requests
//! that change something must echo the CSRF cookie in `X-CSRF-Token`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use base64::Engine as _;
use corral_domain::Actor;
use corral_services::ServiceError;

use crate::{ApiError, ApiState};

/// The name of the browser session cookie.
pub const SESSION_COOKIE: &str = "corral_session";
/// The name of the double-submit CSRF cookie.
pub const CSRF_COOKIE: &str = "corral_csrf";

/// The authenticated member behind an API request.
pub struct ApiActor(pub Actor);

/// The request's id (`req_…`), put in the request's extensions by the server before routing.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Copies the request id into the actor so services can audit with it.
pub fn with_request_id(mut actor: Actor, parts: &Parts) -> Actor {
    if let Some(RequestId(id)) = parts.extensions.get::<RequestId>() {
        actor.request_id = id.clone();
    }
    actor
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn basic_username(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| unauthorized("The Authorization header is not valid text."))?;
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(unauthorized(
            "Use HTTP Basic authentication with your API key as the username and an empty password.",
        ));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .map_err(|_| unauthorized("The Basic credentials are not valid base64."))?;
    let decoded = String::from_utf8(decoded)
        .map_err(|_| unauthorized("The Basic credentials are not valid UTF-8."))?;
    let user = decoded.split_once(':').map(|(u, _)| u).unwrap_or(&decoded);
    Ok(Some(user.to_string()))
}

fn unauthorized(msg: &str) -> ApiError {
    ApiError::from(ServiceError::Unauthorized(msg.to_string()))
}

impl FromRequestParts<ApiState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ApiState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(key) = basic_username(&parts.headers)? {
            let actor = state.services.authenticate_api_key(&key).await?;
            return Ok(ApiActor(with_request_id(actor, parts)));
        }
        if let Some(token) = cookie_value(&parts.headers, SESSION_COOKIE) {
            let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            if !safe {
                let cookie = cookie_value(&parts.headers, CSRF_COOKIE);
                let header = parts
                    .headers
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok());
                let ok = matches!((cookie.as_deref(), header), (Some(c), Some(h)) if !c.is_empty() && corral_services::secrets::secrets_equal(c, h));
                if !ok {
                    return Err(ApiError::new(
                        axum::http::StatusCode::FORBIDDEN,
                        "Missing or wrong X-CSRF-Token header.",
                    ));
                }
            }
            let actor = state.services.authenticate_session(&token).await?;
            return Ok(ApiActor(with_request_id(actor, parts)));
        }
        Err(unauthorized(
            "Authentication required: send your API key as the HTTP Basic username.",
        ))
    }
}
