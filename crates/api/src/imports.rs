//! CSV import of leads (`/import/lead/`): check a file (`dry_run`), start the job that
//! creates its leads, and follow the job's progress.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use corral_services::imports::ImportPlan;
use corral_store::model::BulkJobRow;
use serde_json::{Value, json};

use crate::body::Body;
use crate::v1::json_object;
use crate::{ApiActor, ApiError, ApiState, wire};

/// The largest request body an import takes (about 50,000 rows of a typical file).
const MAX_IMPORT_BYTES: usize = 32 * 1024 * 1024;

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route(
            "/api/v1/import/lead",
            get(list)
                .post(start)
                .layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
        .route("/api/v1/import/lead/{id}", get(one))
}

/// An import job in the API's shape, with the plan it was started from.
pub fn import_json(j: &BulkJobRow) -> Value {
    let params: Value = serde_json::from_str(&j.params).unwrap_or_else(|_| json!({}));
    json!({
        "id": j.id, "organization_id": j.workspace_id, "type": j.action, "status": j.status,
        "n_leads": j.n_objects, "n_leads_processed": j.n_objects_processed,
        "n_objects": j.n_objects, "n_objects_processed": j.n_objects_processed,
        "n_contacts": params.get("n_contacts"), "columns": params.get("columns"),
        "error": j.error, "node_id": j.lease_node,
        "created_by": j.created_by,
        "date_created": wire::ts(&j.date_created), "date_updated": wire::ts(&j.date_updated),
    })
}

fn plan_json(p: &ImportPlan) -> Value {
    json!({
        "id": null, "type": "import_leads", "status": "dry_run",
        "n_leads": p.leads, "n_contacts": p.contacts, "sample": p.sample,
        "columns": p.columns.iter().map(|(h, f)| json!({"header": h, "field": f})).collect::<Vec<_>>(),
    })
}

/// `{"csv": "<the file's text>", "dry_run": false}`.
async fn start(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    b.only(&["csv", "dry_run"])?;
    let csv = b.required_str("csv")?;
    let dry_run = b.bool("dry_run")?.unwrap_or(false);
    let (plan, job) = st.services.import_leads(&actor, &csv, dry_run).await?;
    Ok(match job {
        Some(j) => Json(import_json(&j)),
        None => Json(plan_json(&plan)),
    }
    .into_response())
}

async fn list(State(st): State<ApiState>, ApiActor(actor): ApiActor) -> Result<Response, ApiError> {
    let data: Vec<Value> = st
        .services
        .bulk_jobs(&actor, "import")
        .await?
        .iter()
        .map(import_json)
        .collect();
    Ok(Json(json!({"data": data, "has_more": false})).into_response())
}

async fn one(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let j = st.services.bulk_job(&actor, &id).await?;
    if j.kind != "import" {
        return Err(ApiError::not_found());
    }
    Ok(Json(import_json(&j)).into_response())
}
