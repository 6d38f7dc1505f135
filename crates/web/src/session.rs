//! Browser sessions and CSRF tokens.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use corral_api::{SESSION_COOKIE, cookie_value};
use corral_domain::Actor;
use corral_services::secrets::{new_token, secrets_equal};

use crate::WebState;

pub const CSRF_COOKIE: &str = "corral_csrf";

/// The signed-in member behind a page request; without one the browser goes to `/login`.
pub struct WebActor {
    pub actor: Actor,
    pub csrf: String,
    /// A CSRF cookie to set when the request had none.
    pub set_csrf: Option<HeaderValue>,
}

impl FromRequestParts<WebState> for WebActor {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = cookie_value(&parts.headers, SESSION_COOKIE) else {
            return Err(Redirect::to("/login").into_response());
        };
        match state.services.authenticate_session(&token).await {
            Ok(actor) => {
                let (csrf, set_csrf) = csrf_token(&parts.headers, state.secure_cookies);
                Ok(WebActor {
                    actor,
                    csrf,
                    set_csrf,
                })
            }
            Err(_) => {
                let mut resp = Redirect::to("/login?ended=1").into_response();
                resp.headers_mut()
                    .append(header::SET_COOKIE, clear_cookie(SESSION_COOKIE));
                Err(resp)
            }
        }
    }
}

/// The request's CSRF token, or a new one with the cookie that carries it.
pub fn csrf_token(headers: &HeaderMap, secure: bool) -> (String, Option<HeaderValue>) {
    match cookie_value(headers, CSRF_COOKIE)
        .filter(|v| v.len() >= 20 && v.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        Some(v) => (v, None),
        None => {
            let v = new_token();
            // Not HttpOnly: the page's script reads it to send X-CSRF-Token to the API.
            let cookie = format!(
                "{CSRF_COOKIE}={v}; Path=/; SameSite=Lax{}",
                if secure { "; Secure" } else { "" }
            );
            (v, HeaderValue::from_str(&cookie).ok())
        }
    }
}

/// Whether a submitted form's token matches the CSRF cookie.
pub fn csrf_ok(headers: &HeaderMap, submitted: &str) -> bool {
    cookie_value(headers, CSRF_COOKIE)
        .is_some_and(|c| !c.is_empty() && secrets_equal(&c, submitted))
}

pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    ))
    .ok()
}

pub fn clear_cookie(name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("corral_session=; Path=/; Max-Age=0"))
}
