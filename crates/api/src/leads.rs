//! Leads (`/lead/`) in Close's wire shape, with custom fields as flat `custom.cf_…` keys.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use corral_services::leads::{ContactInput, LeadInput, LeadView};
use corral_store::model::ContactRow;
use corral_store::queries::leads::LeadFilter;
use serde_json::{Map, Value, json};

use crate::params::{Params, select_fields};
use crate::v1::json_object;
use crate::{ApiActor, ApiError, ApiState, wire};

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/lead", get(list).post(create))
        .route("/api/v1/lead/{id}", get(one).put(update).delete(remove))
}

fn parse_json_text(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|_| json!([]))
}

pub fn contact(c: &ContactRow) -> Value {
    json!({
        "id": c.id, "lead_id": c.lead_id, "organization_id": c.workspace_id,
        "name": c.name, "display_name": c.name, "title": c.title,
        "emails": parse_json_text(&c.emails), "phones": parse_json_text(&c.phones), "urls": parse_json_text(&c.urls),
        "created_by": c.created_by, "updated_by": c.updated_by,
        "created_by_name": c.created_by_name, "updated_by_name": c.updated_by_name,
        "date_created": wire::ts(&c.date_created), "date_updated": wire::ts(&c.date_updated),
    })
}

pub fn lead(v: &LeadView) -> Value {
    let l = &v.lead;
    let mut out = json!({
        "id": l.id, "organization_id": l.workspace_id, "name": l.name, "display_name": l.name,
        "description": l.description, "url": l.url, "html_url": format!("/lead/{}/", l.id),
        "status_id": l.status_id, "status_label": v.status_label,
        "addresses": parse_json_text(&l.addresses),
        "contacts": v.contacts.iter().map(contact).collect::<Vec<_>>(),
        "contact_ids": v.contacts.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        "created_by": l.created_by, "updated_by": l.updated_by,
        "created_by_name": l.created_by_name, "updated_by_name": l.updated_by_name,
        "date_created": wire::ts(&l.date_created), "date_updated": wire::ts(&l.date_updated),
    });
    for (f, vals) in &v.custom {
        let value = if f.accepts_multiple_values {
            json!(vals)
        } else {
            match (f.field_type.as_str(), vals.first()) {
                ("number", Some(n)) => n
                    .parse::<f64>()
                    .map(|x| json!(x))
                    .unwrap_or_else(|_| json!(n)),
                (_, Some(s)) => json!(s),
                (_, None) => Value::Null,
            }
        };
        out[format!("custom.{}", f.id)] = value;
    }
    out
}

/// Keys clients echo back from a read that a write ignores.
const READ_ONLY: &[&str] = &[
    "id",
    "organization_id",
    "display_name",
    "html_url",
    "status_label",
    "contact_ids",
    "opportunities",
    "tasks",
    "created_by",
    "updated_by",
    "created_by_name",
    "updated_by_name",
    "date_created",
    "date_updated",
];

fn str_field(m: &Map<String, Value>, k: &str) -> Result<Option<String>, ApiError> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::field(k, format!("`{k}` must be a string."))),
    }
}

fn labelled_list(
    v: Option<&Value>,
    key: &str,
    field: &str,
) -> Result<Vec<(String, String)>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|it| {
                let val = it.get(key).and_then(Value::as_str).ok_or_else(|| {
                    ApiError::field(
                        field,
                        format!("Each entry of `{field}` needs a `{key}` string."),
                    )
                })?;
                Ok((
                    val.to_string(),
                    it.get("type")
                        .and_then(Value::as_str)
                        .unwrap_or("office")
                        .to_string(),
                ))
            })
            .collect(),
        Some(_) => Err(ApiError::field(field, format!("`{field}` must be a list."))),
    }
}

fn lead_input(bytes: &Bytes) -> Result<LeadInput, ApiError> {
    let m = json_object(bytes)?;
    let mut input = LeadInput::default();
    for (k, v) in &m {
        if let Some(field_id) = k.strip_prefix("custom.") {
            input.custom.push((field_id.to_string(), v.clone()));
            continue;
        }
        match k.as_str() {
            "name" | "description" | "status_id" | "status" | "url" | "addresses" | "contacts" => {}
            "custom" => {
                return Err(ApiError::field(
                    "custom",
                    "Send custom fields as flat `custom.cf_…` keys.",
                ));
            }
            k if READ_ONLY.contains(&k) => {}
            other => {
                return Err(ApiError::field(
                    other,
                    format!("`{other}` is not a lead field."),
                ));
            }
        }
    }
    input.name = str_field(&m, "name")?;
    input.description = str_field(&m, "description")?;
    input.status_id = str_field(&m, "status_id")?;
    input.status_label = str_field(&m, "status")?;
    if m.contains_key("url") {
        input.url = Some(str_field(&m, "url")?);
    }
    match m.get("addresses") {
        None | Some(Value::Null) => {}
        Some(a @ Value::Array(_)) => input.addresses = Some(a.clone()),
        Some(_) => return Err(ApiError::field("addresses", "`addresses` must be a list.")),
    }
    match m.get("contacts") {
        None | Some(Value::Null) => {}
        Some(Value::Array(cs)) => {
            for c in cs {
                let Value::Object(c) = c else {
                    return Err(ApiError::field(
                        "contacts",
                        "Each contact must be an object.",
                    ));
                };
                input.contacts.push(ContactInput {
                    name: str_field(c, "name")?.unwrap_or_default(),
                    title: str_field(c, "title")?.unwrap_or_default(),
                    emails: labelled_list(c.get("emails"), "email", "contacts")?,
                    phones: labelled_list(c.get("phones"), "phone", "contacts")?,
                });
            }
        }
        Some(_) => return Err(ApiError::field("contacts", "`contacts` must be a list.")),
    }
    Ok(input)
}

async fn list(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    let (skip, limit) = p.paging(100, 200)?;
    let filter = LeadFilter {
        name_contains: p
            .get("query")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        ..Default::default()
    };
    let (views, total) = st.services.list_leads(&actor, filter, skip, limit).await?;
    let fields = p.fields();
    let data: Vec<Value> = views
        .iter()
        .map(|v| select_fields(lead(v), fields.as_deref()))
        .collect();
    let has_more = skip + (data.len() as i64) < total;
    Ok(Json(json!({"data": data, "has_more": has_more, "total_results": total})).into_response())
}

async fn one(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    Ok(Json(select_fields(
        lead(&st.services.get_lead(&actor, &id).await?),
        p.fields().as_deref(),
    ))
    .into_response())
}

async fn create(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let v = st.services.create_lead(&actor, lead_input(&bytes)?).await?;
    Ok(Json(lead(&v)).into_response())
}

async fn update(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let input = lead_input(&bytes)?;
    if !input.contacts.is_empty() {
        return Err(ApiError::field(
            "contacts",
            "Add contacts through /contact/, not by updating the lead.",
        ));
    }
    let v = st.services.update_lead(&actor, &id, input).await?;
    Ok(Json(lead(&v)).into_response())
}

async fn remove(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    st.services.delete_lead(&actor, &id).await?;
    Ok(Json(json!({})).into_response())
}
