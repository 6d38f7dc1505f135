//! Webhook subscriptions (`/webhook/`), as Close has them: `url`, `events`, `verify_ssl`,
//! `status`, and the `signature_key` deliveries are signed with.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use corral_services::webhooks::{WebhookPatch, WebhookView};
use corral_store::model::WebhookDeliveryRow;
use serde_json::{Value, json};

use crate::body::Body;
use crate::v1::json_object;
use crate::{ApiActor, ApiError, ApiState, wire};

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/webhook", get(list).post(create))
        .route(
            "/api/v1/webhook/{id}",
            get(get_one).put(update).delete(delete),
        )
        .route("/api/v1/webhook/{id}/delivery", get(deliveries))
}

fn view(v: &WebhookView) -> Value {
    let w = &v.row;
    let health = match (w.status.as_str(), w.consecutive_failures) {
        ("paused", _) => "paused",
        (_, 0) => "healthy",
        _ => "failing",
    };
    json!({
        "id": w.id,
        "organization_id": w.workspace_id,
        "url": w.url,
        "events": serde_json::from_str::<Value>(&w.events).unwrap_or(Value::Null),
        "status": w.status,
        "verify_ssl": w.verify_ssl,
        "signature_key": w.signature_key,
        "health_status": health,
        "latest_error": w.latest_error,
        "pause_reason": w.pause_reason,
        "recent_consecutive_fail_buckets_cnt": w.consecutive_failures,
        "counters": {
            "pending": v.pending,
            "delivered": w.delivered_count,
            "failed": w.failed_count,
        },
        "created_by": w.created_by,
        "updated_by": w.updated_by,
        "date_created": wire::naive_ts(&w.date_created),
        "date_updated": wire::naive_ts(&w.date_updated),
    })
}

fn delivery(d: &WebhookDeliveryRow) -> Value {
    json!({
        "id": d.id,
        "event_id": d.event_id,
        "status": d.status,
        "attempts": d.attempts,
        "next_attempt_at": wire::naive_ts(&d.next_attempt_at),
        "last_error": d.last_error,
        "response_status": d.response_status,
        "date_created": wire::naive_ts(&d.date_created),
        "delivered_at": d.delivered_at.as_ref().map(wire::naive_ts),
    })
}

async fn list(State(st): State<ApiState>, ApiActor(actor): ApiActor) -> Result<Response, ApiError> {
    let data: Vec<Value> = st
        .services
        .list_webhooks(&actor)
        .await?
        .iter()
        .map(view)
        .collect();
    Ok(Json(json!({"data": data, "has_more": false})).into_response())
}

async fn get_one(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(view(&st.services.get_webhook(&actor, &id).await?)).into_response())
}

async fn deliveries(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let data: Vec<Value> = st
        .services
        .webhook_deliveries(&actor, &id, 100)
        .await?
        .iter()
        .map(delivery)
        .collect();
    Ok(Json(json!({"data": data, "has_more": false})).into_response())
}

async fn create(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    b.only(&["url", "events", "verify_ssl"])?;
    let url = b.required_str("url")?;
    let events =
        b.0.get("events")
            .cloned()
            .ok_or_else(|| ApiError::field("events", "`events` is required."))?;
    let verify_ssl = b.bool("verify_ssl")?.unwrap_or(true);
    let v = st
        .services
        .create_webhook(&actor, &url, &events, verify_ssl)
        .await?;
    Ok((StatusCode::CREATED, Json(view(&v))).into_response())
}

async fn update(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    b.only(&["url", "events", "verify_ssl", "status"])?;
    let patch = WebhookPatch {
        url: b.str("url")?,
        events: b.0.get("events").cloned(),
        verify_ssl: b.bool("verify_ssl")?,
        status: b.str("status")?,
    };
    Ok(Json(view(&st.services.update_webhook(&actor, &id, patch).await?)).into_response())
}

async fn delete(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    st.services.delete_webhook(&actor, &id).await?;
    Ok(Json(json!({})).into_response())
}
