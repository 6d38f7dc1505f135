//! Opportunity pipelines (`/pipeline/`) and statuses (`/status/opportunity/`), as Close has them.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use corral_services::pipelines::{Pipeline, StatusPatch};
use corral_store::model::OppStatusRow;
use serde_json::{Value, json};

use crate::body::Body;
use crate::v1::json_object;
use crate::{ApiActor, ApiError, ApiState};

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/pipeline", get(list).post(create))
        .route(
            "/api/v1/pipeline/{id}",
            get(get_one).put(update).delete(delete),
        )
        .route(
            "/api/v1/status/opportunity",
            get(list_statuses).post(create_status),
        )
        .route(
            "/api/v1/status/opportunity/{id}",
            axum::routing::put(update_status).delete(delete_status),
        )
}

fn status(s: &OppStatusRow, pipeline_name: &str) -> Value {
    json!({
        "id": s.id,
        "label": s.label,
        "type": s.status_type,
        "pipeline_id": s.pipeline_id,
        "pipeline_name": pipeline_name,
        "organization_id": s.workspace_id,
    })
}

fn pipeline(p: &Pipeline) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "organization_id": p.workspace_id,
        "statuses": p.statuses.iter().map(|s| status(s, &p.name)).collect::<Vec<_>>(),
    })
}

async fn list(State(st): State<ApiState>, ApiActor(actor): ApiActor) -> Result<Response, ApiError> {
    let data: Vec<Value> = st
        .services
        .pipelines(&actor)
        .await?
        .iter()
        .map(pipeline)
        .collect();
    Ok(Json(json!({"data": data, "has_more": false})).into_response())
}

async fn get_one(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(pipeline(&st.services.pipeline(&actor, &id).await?)).into_response())
}

async fn create(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    b.only(&["name"])?;
    let p = st
        .services
        .create_pipeline(&actor, &b.required_str("name")?)
        .await?;
    Ok(Json(pipeline(&p)).into_response())
}

async fn update(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    b.only(&["name", "statuses"])?;
    let order = match b.0.get("statuses") {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|s| {
                    s.get("id")
                        .and_then(Value::as_str)
                        .or_else(|| s.as_str())
                        .map(str::to_string)
                        .ok_or_else(|| {
                            ApiError::field(
                                "statuses",
                                "Each status is an id or an object with an `id`.",
                            )
                        })
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => {
            return Err(ApiError::field(
                "statuses",
                "`statuses` lists the pipeline's statuses in the order wanted.",
            ));
        }
    };
    let p = st
        .services
        .update_pipeline(&actor, &id, b.str("name")?.as_deref(), order)
        .await?;
    Ok(Json(pipeline(&p)).into_response())
}

async fn delete(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    st.services.delete_pipeline(&actor, &id).await?;
    Ok(Json(json!({})).into_response())
}

async fn list_statuses(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
) -> Result<Response, ApiError> {
    let data: Vec<Value> = st
        .services
        .pipelines(&actor)
        .await?
        .iter()
        .flat_map(|p| p.statuses.iter().map(|s| status(s, &p.name)))
        .collect();
    Ok(Json(json!({"data": data, "has_more": false})).into_response())
}

async fn create_status(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    b.only(&["label", "type", "pipeline_id"])?;
    let (s, name) = st
        .services
        .create_opportunity_status(
            &actor,
            &b.required_str("label")?,
            b.str("type")?.as_deref().unwrap_or("active"),
            b.str("pipeline_id")?.as_deref(),
        )
        .await?;
    Ok(Json(status(&s, &name)).into_response())
}

async fn update_status(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    b.only(&["label", "type", "pipeline_id"])?;
    let patch = StatusPatch {
        label: b.str("label")?,
        status_type: b.str("type")?,
        pipeline_id: b.str("pipeline_id")?,
    };
    let (s, name) = st
        .services
        .update_opportunity_status(&actor, &id, patch)
        .await?;
    Ok(Json(status(&s, &name)).into_response())
}

async fn delete_status(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    st.services.delete_opportunity_status(&actor, &id).await?;
    Ok(Json(json!({})).into_response())
}
