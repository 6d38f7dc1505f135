//! Errors in Close's shape: `{"error": …, "errors": […], "field-errors": {…}}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use corral_services::ServiceError;
use serde_json::{Map, Value, json};

/// An API failure; every variant renders the same three keys Close clients read.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub field_errors: Map<String, Value>,
    pub retry_after: Option<i64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            field_errors: Map::new(),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut e = Self::bad_request(message.clone());
        e.field_errors
            .insert(field.to_string(), Value::String(message));
        e
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not found.")
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid { message, fields } => {
                let mut err = ApiError::bad_request(message);
                for f in fields {
                    err.field_errors.insert(f.field, Value::String(f.message));
                }
                err
            }
            ServiceError::Unauthorized(m) => ApiError::new(StatusCode::UNAUTHORIZED, m),
            ServiceError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, m),
            ServiceError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, m),
            ServiceError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, m),
            ServiceError::PlanLimit(m) => ApiError::new(StatusCode::PAYMENT_REQUIRED, m),
            ServiceError::TooManyRequests {
                message,
                retry_after_secs,
            } => {
                let mut err = ApiError::new(StatusCode::TOO_MANY_REQUESTS, message);
                err.retry_after = Some(retry_after_secs);
                err
            }
            ServiceError::Unavailable(m) => {
                let mut err = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, m);
                err.retry_after = Some(60);
                err
            }
            ServiceError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side. It has been logged.",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let errors: Vec<&str> = if self.field_errors.is_empty() {
            vec![self.message.as_str()]
        } else {
            vec![]
        };
        let mut body = json!({
            "error": self.message,
            "errors": errors,
            "field-errors": self.field_errors,
        });
        if let Some(secs) = self.retry_after {
            body["rate_reset"] = json!(secs);
        }
        let mut resp = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Corral API\""),
            );
        }
        resp
    }
}
