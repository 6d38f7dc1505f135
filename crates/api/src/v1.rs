//! API v1 routes for identity and tenancy: `/me/`, `/organization/{id}/`, `/user/`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use corral_services::workspace::WorkspacePatch;
use serde_json::{Map, Value, json};

use crate::params::{Params, select_fields};
use crate::{ApiActor, ApiError, ApiState, wire};

/// Page size limits for `/user/`.
const USER_DEFAULT_LIMIT: i64 = 100;
const USER_MAX_LIMIT: i64 = 100;

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route(
            "/api/v1/organization/{id}",
            get(get_organization).put(put_organization),
        )
        .route("/api/v1/user", get(list_users))
        .route("/api/v1/user/{id}", get(get_user))
        .merge(crate::members::routes())
        .merge(crate::access::routes())
        .merge(crate::leads::routes())
        .merge(crate::work::routes())
        .merge(crate::sharing::routes())
        .merge(crate::phones::routes())
        .merge(crate::reports::routes())
        .merge(crate::views::routes())
        .merge(crate::imports::routes())
        .merge(crate::webhooks::routes())
        .merge(crate::pipelines::routes())
        .route("/api/v1", get(not_found))
        .route("/api/v1/{*rest}", axum::routing::any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "There is no such API endpoint. Paths look like /api/v1/lead/.",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "This endpoint does not support that HTTP method.",
    )
}

/// Parses a JSON object body, answering in Close's error shape when it is not one.
pub(crate) fn json_object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    if body.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v) if corral_services::error::has_nul(&v) => {
            Err(ApiError::bad_request(corral_services::error::NUL_TEXT))
        }
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::bad_request(
            "The request body must be a JSON object.",
        )),
        Err(e) => Err(ApiError::bad_request(format!(
            "The request body is not valid JSON: {e}."
        ))),
    }
}

pub(crate) fn optional_string(
    body: &Map<String, Value>,
    key: &str,
) -> Result<Option<String>, ApiError> {
    match body.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::field(key, format!("`{key}` must be a string."))),
    }
}

async fn me(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::from_query(q.as_deref());
    let view = st.services.me(&actor).await?;
    Ok(Json(select_fields(wire::me(&view), params.fields().as_deref())).into_response())
}

fn expand_users(params: &Params) -> bool {
    params
        .get("_expand")
        .is_some_and(|e| e.split(',').any(|x| x.trim().ends_with("__user")))
}

async fn get_organization(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::from_query(q.as_deref());
    let view = st.services.get_workspace(&actor, &id).await?;
    Ok(Json(select_fields(
        wire::organization(&view, expand_users(&params)),
        params.fields().as_deref(),
    ))
    .into_response())
}

async fn put_organization(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    let params = Params::from_query(q.as_deref());
    let body = json_object(&body)?;
    for key in body.keys() {
        if !matches!(key.as_str(), "name" | "currency" | "id") {
            return Err(ApiError::field(
                key,
                format!("`{key}` cannot be changed through this endpoint."),
            ));
        }
    }
    let patch = WorkspacePatch {
        name: optional_string(&body, "name")?,
        currency: optional_string(&body, "currency")?,
    };
    let view = st.services.update_workspace(&actor, &id, patch).await?;
    Ok(Json(select_fields(
        wire::organization(&view, expand_users(&params)),
        params.fields().as_deref(),
    ))
    .into_response())
}

async fn list_users(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::from_query(q.as_deref());
    let (skip, limit) = params.paging(USER_DEFAULT_LIMIT, USER_MAX_LIMIT)?;
    let first_name_first = match params.get("_order_by") {
        None | Some("") | Some("last_name,first_name") => false,
        Some("first_name,last_name") => true,
        Some(other) => {
            return Err(ApiError::field(
                "_order_by",
                format!(
                    "Cannot order users by '{other}'. Use 'last_name,first_name' or 'first_name,last_name'."
                ),
            ));
        }
    };
    let page = st
        .services
        .list_users(&actor, first_name_first, skip, limit)
        .await?;
    let fields = params.fields();
    let orgs = [actor.workspace_id.clone()];
    let data: Vec<Value> = page
        .items
        .iter()
        .map(|u| select_fields(wire::user(u, &orgs), fields.as_deref()))
        .collect();
    let has_more = skip + (data.len() as i64) < page.total;
    Ok(
        Json(json!({ "data": data, "has_more": has_more, "total_results": page.total }))
            .into_response(),
    )
}

async fn get_user(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::from_query(q.as_deref());
    let u = st.services.get_user(&actor, &id).await?;
    Ok(Json(select_fields(
        wire::user(&u, std::slice::from_ref(&actor.workspace_id)),
        params.fields().as_deref(),
    ))
    .into_response())
}
