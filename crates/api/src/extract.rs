//! Authentication for API requests: an API key as the HTTP Basic username (Close's way), or
//! the browser's session cookie for the web UI's own scripts. Cookie-authenticated requests
//! that change something must echo the CSRF cookie in `X-CSRF-Token`.

use std::sync::{Arc, Mutex};

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use corral_domain::Actor;
use corral_services::ServiceError;
use corral_services::ratelimit::{RateStatus, endpoint_group};

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
            count_request(parts, state, &actor, || {
                corral_services::secrets::token_hash(&key)[..16].to_string()
            })
            .await?;
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
            count_request(parts, state, &actor, || format!("user:{}", actor.user_id)).await?;
            return Ok(ApiActor(with_request_id(actor, parts)));
        }
        Err(unauthorized(
            "Authentication required: send your API key as the HTTP Basic username.",
        ))
    }
}

/// Where the rate limiter leaves the figures of the `RateLimit` header for
/// [`rate_limit_headers`] to put on the response.
#[derive(Clone, Default)]
struct RateSlot(Arc<Mutex<Option<RateStatus>>>);

/// Counts the request against its API key's (or user's) and its workspace's rate limits.
/// `credential` names the key; it is only worked out when limits are on.
async fn count_request(
    parts: &Parts,
    state: &ApiState,
    actor: &Actor,
    credential: impl FnOnce() -> String,
) -> Result<(), ApiError> {
    if state.services.config().rate_limit.is_none() {
        return Ok(());
    }
    let group = endpoint_group(parts.method.as_str(), parts.uri.path());
    let status = state
        .services
        .check_rate_limit(actor, &credential(), &group)
        .await?;
    if let (Some(status), Some(slot)) = (status, parts.extensions.get::<RateSlot>())
        && let Ok(mut s) = slot.0.lock()
    {
        *s = Some(status);
    }
    Ok(())
}

/// Puts the rate-limit figures on API responses: `RateLimit: limit=…, remaining=…, reset=…`
/// (the comma form the official Python client parses) and the older `X-Rate-Limit-*`
/// headers other Close clients read.
pub async fn rate_limit_headers(mut req: Request, next: Next) -> Response {
    let slot = RateSlot::default();
    req.extensions_mut().insert(slot.clone());
    let mut resp = next.run(req).await;
    let status = slot.0.lock().ok().and_then(|s| *s);
    if let Some(s) = status {
        let h = resp.headers_mut();
        let pairs = [
            (
                "ratelimit",
                format!(
                    "limit={}, remaining={}, reset={}",
                    s.limit, s.remaining, s.reset_secs
                ),
            ),
            ("x-rate-limit-limit", s.limit.to_string()),
            ("x-rate-limit-remaining", s.remaining.to_string()),
            ("x-rate-limit-reset", s.reset_secs.to_string()),
        ];
        for (name, value) in pairs {
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(name, v);
            }
        }
    }
    resp
}
