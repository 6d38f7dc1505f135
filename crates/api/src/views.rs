//! Smart Views (`/saved_search/`): saved lead searches with `sharing_settings`. Their results
//! come from `POST /data/search/` with `{"type": "saved_search", "saved_search_id": …}`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use corral_services::views::{SavedSearch, SavedSearchInput};
use serde_json::{Value, json};

use crate::body::Body;
use crate::params::{Params, select_fields};
use crate::v1::json_object;
use crate::{ApiActor, ApiError, ApiState, wire};

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/saved_search", get(list).post(create))
        .route(
            "/api/v1/saved_search/{id}",
            get(get_one).put(update).delete(delete),
        )
}

fn view(v: &SavedSearch) -> Value {
    let r = &v.row;
    let s_query: Value = serde_json::from_str(&r.s_query).unwrap_or(Value::Null);
    json!({
        "id": r.id,
        "organization_id": r.workspace_id,
        "name": r.name,
        "description": r.description,
        "type": r.view_type,
        "s_query": s_query,
        "user_id": r.user_id,
        "is_shared": v.is_shared(),
        "shared_with": v.user_ids.iter().chain(&v.group_ids).collect::<Vec<_>>(),
        "sharing_settings": {
            "whole_org": r.whole_org,
            "user_ids": v.user_ids,
            "group_ids": v.group_ids,
            "created_by_id": r.created_by,
            "updated_by_id": r.updated_by,
            "created_at": wire::ts(&r.date_created),
            "updated_at": wire::ts(&r.date_updated),
        },
        "is_user_dependent": false,
        "created_by": r.created_by,
        "updated_by": r.updated_by,
        "date_created": wire::ts(&r.date_created),
        "date_updated": wire::ts(&r.date_updated),
    })
}

fn input(bytes: &Bytes) -> Result<SavedSearchInput, ApiError> {
    let b = Body(json_object(bytes)?);
    b.only(&[
        "name",
        "description",
        "type",
        "s_query",
        "sharing_settings",
        "query",
    ])?;
    if b.0.get("query").is_some_and(|q| !q.is_null()) {
        return Err(ApiError::field(
            "query",
            "Save the search as `s_query` (a query tree); query strings are not stored in Smart Views.",
        ));
    }
    if let Some(t) = b.str("type")?
        && t != "lead"
    {
        return Err(ApiError::field(
            "type",
            "Smart Views here are lead views (`type` \"lead\").",
        ));
    }
    let s_query = match b.0.get("s_query") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Object(_)) => Some(
            v.get("query")
                .filter(|q| q.is_object())
                .cloned()
                .unwrap_or_else(|| v.clone()),
        ),
        Some(_) => {
            return Err(ApiError::field(
                "s_query",
                "`s_query` must be a query object.",
            ));
        }
    };
    let mut out = SavedSearchInput {
        name: b.str("name")?,
        description: b.str("description")?,
        s_query,
        ..Default::default()
    };
    match b.0.get("sharing_settings") {
        None | Some(Value::Null) => {}
        Some(Value::Object(s)) => {
            let s = Body(s.clone());
            s.only(&["whole_org", "user_ids", "group_ids"])
                .map_err(|_| {
                    ApiError::field(
                        "sharing_settings",
                        "`sharing_settings` takes whole_org, user_ids and group_ids.",
                    )
                })?;
            out.whole_org = s.bool("whole_org").map_err(|_| {
                ApiError::field("sharing_settings", "`whole_org` must be true or false.")
            })?;
            out.user_ids = s.str_list("user_ids").map_err(|_| {
                ApiError::field("sharing_settings", "`user_ids` must be a list of user ids.")
            })?;
            out.group_ids = s.str_list("group_ids").map_err(|_| {
                ApiError::field(
                    "sharing_settings",
                    "`group_ids` must be a list of group ids.",
                )
            })?;
        }
        Some(_) => {
            return Err(ApiError::field(
                "sharing_settings",
                "`sharing_settings` must be an object.",
            ));
        }
    }
    Ok(out)
}

async fn list(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    if let Some(t) = p.get("type").filter(|t| !t.is_empty() && *t != "lead") {
        return Err(ApiError::field(
            "type",
            format!("There are no Smart Views of type '{t}' here; use \"lead\"."),
        ));
    }
    let fields = p.fields();
    let all = st.services.list_saved_searches(&actor).await?;
    let data: Vec<Value> = all
        .iter()
        .map(|v| select_fields(view(v), fields.as_deref()))
        .collect();
    Ok(Json(json!({"data": data, "has_more": false, "total_results": data.len()})).into_response())
}

async fn get_one(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    let v = st.services.get_saved_search(&actor, &id).await?;
    Ok(Json(select_fields(view(&v), p.fields().as_deref())).into_response())
}

async fn create(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let v = st
        .services
        .create_saved_search(&actor, input(&bytes)?)
        .await?;
    Ok(Json(view(&v)).into_response())
}

async fn update(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let v = st
        .services
        .update_saved_search(&actor, &id, input(&bytes)?)
        .await?;
    Ok(Json(view(&v)).into_response())
}

async fn delete(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    st.services.delete_saved_search(&actor, &id).await?;
    Ok(Json(json!({})).into_response())
}
