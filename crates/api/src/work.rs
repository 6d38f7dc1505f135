//! Opportunities (`/opportunity/`), tasks (`/task/`) and activities (`/activity/`,
//! `/activity/{type}/`) in Close's wire shape.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use corral_services::work::{OpportunityView, WorkInput};
use corral_store::model::{ActivityRow, TaskRow};
use corral_store::queries::work::{WorkFilter, WorkTable};
use serde_json::{Map, Value, json};

use crate::params::{Params, select_fields};
use crate::v1::json_object;
use crate::{ApiActor, ApiError, ApiState, wire};

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/opportunity", get(list_opps).post(create_opp))
        .route(
            "/api/v1/opportunity/{id}",
            get(get_opp).put(update_opp).delete(delete_opp),
        )
        .route("/api/v1/task", get(list_tasks).post(create_task))
        .route(
            "/api/v1/task/{id}",
            get(get_task).put(update_task).delete(delete_task),
        )
        .route("/api/v1/activity", get(list_activities))
        .route(
            "/api/v1/activity/{kind}",
            get(list_kind).post(create_activity),
        )
        .route(
            "/api/v1/activity/{kind}/{id}",
            get(get_activity)
                .put(update_activity)
                .delete(delete_activity),
        )
}

fn money(cents: i64) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

pub fn opportunity(v: &OpportunityView) -> Value {
    let o = &v.row;
    let expected = o.value * o.confidence / 100;
    let annual = match o.value_period.as_str() {
        "monthly" => o.value * 12,
        _ => o.value,
    };
    let mut out = json!({
        "id": o.id, "organization_id": o.workspace_id, "lead_id": o.lead_id, "lead_name": v.lead_name, "contact_id": o.contact_id,
        "user_id": o.user_id, "user_name": o.user_name,
        "status_id": o.status_id, "status_label": v.status.label, "status_type": v.status.status_type,
        "pipeline_id": v.status.pipeline_id, "pipeline_name": v.pipeline_name,
        "value": o.value, "value_period": o.value_period, "value_currency": o.value_currency, "value_formatted": money(o.value),
        "confidence": o.confidence, "expected_value": expected, "annualized_value": annual, "annualized_expected_value": annual * o.confidence / 100,
        "note": o.note, "date_won": o.date_won,
        "created_by": o.created_by, "updated_by": o.updated_by, "created_by_name": o.created_by_name, "updated_by_name": o.updated_by_name,
        "date_created": wire::ts(&o.date_created), "date_updated": wire::ts(&o.date_updated),
    });
    wire::flatten_custom(&mut out, &o.custom);
    out
}

pub fn task(t: &TaskRow) -> Value {
    json!({
        "id": t.id, "_type": "lead", "organization_id": t.workspace_id, "lead_id": t.lead_id, "contact_id": t.contact_id,
        "assigned_to": t.assigned_to, "assigned_to_name": t.assigned_to_name, "text": t.text,
        "date": t.due_date, "due_date": t.due_date, "is_complete": t.is_complete, "is_dateless": t.due_date.is_none(),
        "view": if t.is_complete { "archive" } else { "inbox" },
        "created_by": t.created_by, "updated_by": t.updated_by, "created_by_name": t.created_by_name, "updated_by_name": t.updated_by_name,
        "date_created": wire::ts(&t.date_created), "date_updated": wire::ts(&t.date_updated),
    })
}

pub fn activity(a: &ActivityRow) -> Value {
    let mut v = json!({
        "id": a.id, "_type": a.activity_type, "organization_id": a.workspace_id, "lead_id": a.lead_id, "contact_id": a.contact_id,
        "user_id": a.user_id, "user_name": a.user_name, "activity_at": wire::ts(&a.activity_at),
        "created_by": a.created_by, "updated_by": a.updated_by, "created_by_name": a.created_by_name, "updated_by_name": a.updated_by_name,
        "date_created": wire::ts(&a.date_created), "date_updated": wire::ts(&a.date_updated),
    });
    match a.activity_type.as_str() {
        "Note" => v["note"] = json!(a.body),
        "Email" => {
            v["subject"] = json!(a.subject);
            v["body_text"] = json!(a.body);
            v["direction"] = json!(a.direction);
        }
        _ => {
            v["note"] = json!(a.body);
            v["direction"] = json!(a.direction);
            v["duration"] = json!(a.duration);
        }
    }
    v
}

fn s(m: &Map<String, Value>, k: &str) -> Result<Option<String>, ApiError> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(x)) => Ok(Some(x.clone())),
        Some(_) => Err(ApiError::field(k, format!("`{k}` must be a string."))),
    }
}

fn nullable(m: &Map<String, Value>, k: &str) -> Result<Option<Option<String>>, ApiError> {
    match m.get(k) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(x)) => Ok(Some(Some(x.clone()))),
        Some(_) => Err(ApiError::field(
            k,
            format!("`{k}` must be a string or null."),
        )),
    }
}

fn int(m: &Map<String, Value>, k: &str) -> Result<Option<i64>, ApiError> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f.round() as i64))
            .map(Some)
            .ok_or_else(|| ApiError::field(k, format!("`{k}` must be a number."))),
        Some(_) => Err(ApiError::field(k, format!("`{k}` must be a number."))),
    }
}

/// Keys echoed back from reads that writes ignore.
const READ_ONLY: &[&str] = &[
    "id",
    "organization_id",
    "lead_name",
    "user_name",
    "assigned_to_name",
    "status_label",
    "status_type",
    "pipeline_id",
    "pipeline_name",
    "value_formatted",
    "expected_value",
    "annualized_value",
    "annualized_expected_value",
    "created_by",
    "updated_by",
    "created_by_name",
    "updated_by_name",
    "date_created",
    "date_updated",
    "_type",
    "view",
    "is_dateless",
    "activity_at",
    "date_won",
    "value_currency",
];

fn input(bytes: &Bytes, allowed: &[&str]) -> Result<WorkInput, ApiError> {
    let m = json_object(bytes)?;
    // Custom fields exist on opportunities (not on tasks or activities).
    let custom_ok = allowed.contains(&"custom.*");
    for k in m.keys() {
        let known = allowed.contains(&k.as_str())
            || READ_ONLY.contains(&k.as_str())
            || (custom_ok && k.starts_with("custom."));
        if !known {
            return Err(ApiError::field(k, format!("`{k}` is not a field here.")));
        }
    }
    let due = match nullable(&m, "due_date")? {
        Some(d) => Some(d),
        None => nullable(&m, "date")?,
    };
    Ok(WorkInput {
        lead_id: s(&m, "lead_id")?,
        contact_id: nullable(&m, "contact_id")?,
        user_id: match nullable(&m, "user_id")? {
            Some(u) => Some(u),
            None => nullable(&m, "assigned_to")?,
        },
        status_id: s(&m, "status_id")?,
        value: int(&m, "value")?,
        value_period: s(&m, "value_period")?,
        confidence: int(&m, "confidence")?,
        note: s(&m, "note")?.or(s(&m, "body_text")?),
        text: s(&m, "text")?,
        due_date: due,
        is_complete: match m.get("is_complete") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                return Err(ApiError::field(
                    "is_complete",
                    "`is_complete` must be true or false.",
                ));
            }
        },
        activity_type: None,
        subject: s(&m, "subject")?,
        direction: s(&m, "direction")?,
        duration: int(&m, "duration")?,
        custom: if custom_ok {
            wire::custom_keys(&m)
        } else {
            vec![]
        },
    })
}

const OPP_FIELDS: &[&str] = &[
    "custom.*",
    "lead_id",
    "contact_id",
    "user_id",
    "status_id",
    "value",
    "value_period",
    "confidence",
    "note",
];
const TASK_FIELDS: &[&str] = &[
    "lead_id",
    "contact_id",
    "assigned_to",
    "text",
    "date",
    "due_date",
    "is_complete",
];
const ACT_FIELDS: &[&str] = &[
    "lead_id",
    "contact_id",
    "note",
    "subject",
    "body_text",
    "direction",
    "duration",
];

fn filter(p: &Params, user_key: &str) -> Result<WorkFilter, ApiError> {
    let g = |k: &str| p.get(k).filter(|v| !v.is_empty()).map(str::to_string);
    Ok(WorkFilter {
        id: g("id"),
        lead_id: g("lead_id"),
        user_id: g(user_key),
        is_complete: match p.get("is_complete") {
            None | Some("") => None,
            Some("true") | Some("True") | Some("1") => Some(true),
            Some("false") | Some("False") | Some("0") => Some(false),
            Some(other) => {
                return Err(ApiError::field(
                    "is_complete",
                    format!("'{other}' is not true or false."),
                ));
            }
        },
        status_type: g("status_type"),
        activity_type: None,
    })
}

fn page(p: &Params, items: Vec<Value>, skip: i64, limit: i64) -> Response {
    let fields = p.fields();
    let has_more = items.len() as i64 > limit;
    let data: Vec<Value> = items
        .into_iter()
        .take(limit as usize)
        .map(|v| select_fields(v, fields.as_deref()))
        .collect();
    let _ = skip;
    Json(json!({"data": data, "has_more": has_more})).into_response()
}

async fn list_opps(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    let (skip, limit) = p.paging(100, 200)?;
    let rows = st
        .services
        .list_opportunities(&actor, filter(&p, "user_id")?, skip, limit + 1)
        .await?;
    Ok(page(
        &p,
        rows.iter().map(opportunity).collect(),
        skip,
        limit,
    ))
}

async fn get_opp(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(opportunity(
        &st.services.get_opportunity(&actor, &id).await?,
    ))
    .into_response())
}

async fn create_opp(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    Ok(Json(opportunity(
        &st.services
            .save_opportunity(&actor, None, input(&bytes, OPP_FIELDS)?)
            .await?,
    ))
    .into_response())
}

async fn update_opp(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    Ok(Json(opportunity(
        &st.services
            .save_opportunity(&actor, Some(&id), input(&bytes, OPP_FIELDS)?)
            .await?,
    ))
    .into_response())
}

async fn delete_opp(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    st.services
        .delete_work(&actor, WorkTable::Opportunities, &id)
        .await?;
    Ok(Json(json!({})).into_response())
}

async fn list_tasks(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    let (skip, limit) = p.paging(100, 200)?;
    let rows = st
        .services
        .list_tasks(&actor, filter(&p, "assigned_to")?, skip, limit + 1)
        .await?;
    Ok(page(&p, rows.iter().map(task).collect(), skip, limit))
}

async fn get_task(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(task(&st.services.get_task(&actor, &id).await?)).into_response())
}

async fn create_task(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    Ok(Json(task(
        &st.services
            .save_task(&actor, None, input(&bytes, TASK_FIELDS)?)
            .await?,
    ))
    .into_response())
}

async fn update_task(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    Ok(Json(task(
        &st.services
            .save_task(&actor, Some(&id), input(&bytes, TASK_FIELDS)?)
            .await?,
    ))
    .into_response())
}

async fn delete_task(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    st.services
        .delete_work(&actor, WorkTable::Tasks, &id)
        .await?;
    Ok(Json(json!({})).into_response())
}

fn kind(path: &str) -> Result<&'static str, ApiError> {
    match path {
        "note" => Ok("Note"),
        "call" => Ok("Call"),
        "email" => Ok("Email"),
        "meeting" => Ok("Meeting"),
        "sms" => Ok("SMS"),
        _ => Err(ApiError::not_found()),
    }
}

async fn list_activities(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    let (skip, limit) = p.paging(100, 200)?;
    let mut f = filter(&p, "user_id")?;
    f.activity_type = p.get("_type").filter(|t| !t.is_empty()).map(str::to_string);
    let rows = st
        .services
        .list_activities(&actor, f, skip, limit + 1)
        .await?;
    Ok(page(&p, rows.iter().map(activity).collect(), skip, limit))
}

async fn list_kind(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(k): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    let (skip, limit) = p.paging(100, 200)?;
    let mut f = filter(&p, "user_id")?;
    f.activity_type = Some(kind(&k)?.to_string());
    let rows = st
        .services
        .list_activities(&actor, f, skip, limit + 1)
        .await?;
    Ok(page(&p, rows.iter().map(activity).collect(), skip, limit))
}

async fn get_activity(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path((k, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let a = st.services.get_activity(&actor, &id).await?;
    if a.activity_type != kind(&k)? {
        return Err(ApiError::not_found());
    }
    Ok(Json(activity(&a)).into_response())
}

async fn create_activity(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(k): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let mut i = input(&bytes, ACT_FIELDS)?;
    i.activity_type = Some(kind(&k)?.to_string());
    Ok(Json(activity(&st.services.save_activity(&actor, None, i).await?)).into_response())
}

async fn update_activity(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path((k, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    kind(&k)?;
    Ok(Json(activity(
        &st.services
            .save_activity(&actor, Some(&id), input(&bytes, ACT_FIELDS)?)
            .await?,
    ))
    .into_response())
}

async fn delete_activity(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path((k, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    kind(&k)?;
    st.services
        .delete_work(&actor, WorkTable::Activities, &id)
        .await?;
    Ok(Json(json!({})).into_response())
}
