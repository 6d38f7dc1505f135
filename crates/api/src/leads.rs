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
        .route("/api/v1/lead/merge", axum::routing::post(merge))
        .route("/api/v1/lead/{id}/visibility", get(lead_visibility))
        .route("/api/v1/explain", get(explain))
        .route("/api/v1/export/lead", axum::routing::post(start_export))
        .route("/api/v1/export/{id}", get(get_export))
        .route("/api/v1/export/{id}/download", get(download_export))
        .route("/api/v1/contact", get(list_contacts).post(create_contact))
        .route(
            "/api/v1/contact/{id}",
            get(get_contact).put(update_contact).delete(delete_contact),
        )
        .route("/api/v1/lead/assign", axum::routing::post(assign))
        .route(
            "/api/v1/round_robin_settings",
            get(get_rr_settings).put(put_rr_settings),
        )
        .route("/api/v1/out_of_office", get(list_out_of_office))
        .route(
            "/api/v1/out_of_office/{user_id}",
            axum::routing::put(put_out_of_office),
        )
        .route("/api/v1/bulk_action/edit", get(list_edits).post(start_edit))
        .route("/api/v1/bulk_action/edit/{id}", get(get_job))
        .route(
            "/api/v1/bulk_action/delete",
            get(list_deletes).post(start_delete),
        )
        .route("/api/v1/bulk_action/delete/{id}", get(get_job))
        .route("/api/v1/data/search", axum::routing::post(search))
        .route(
            "/api/v1/status/lead",
            get(list_statuses).post(create_status),
        )
        .route(
            "/api/v1/status/lead/{id}",
            axum::routing::put(rename_status).delete(delete_status),
        )
}

fn status(s: &corral_store::model::LeadStatusRow) -> Value {
    json!({"id": s.id, "label": s.label, "organization_id": s.workspace_id})
}

async fn list_statuses(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
) -> Result<Response, ApiError> {
    let all = st.services.lead_statuses(&actor).await?;
    let data: Vec<Value> = all.iter().map(status).collect();
    Ok(Json(json!({"data": data, "has_more": false})).into_response())
}

fn status_body(bytes: &Bytes) -> Result<String, ApiError> {
    let b = crate::body::Body(json_object(bytes)?);
    b.only(&["label"])?;
    b.required_str("label")
}

async fn create_status(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let label = status_body(&bytes)?;
    let s = st.services.create_lead_status(&actor, &label).await?;
    Ok(Json(status(&s)).into_response())
}

async fn rename_status(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let label = status_body(&bytes)?;
    let s = st.services.rename_lead_status(&actor, &id, &label).await?;
    Ok(Json(status(&s)).into_response())
}

async fn delete_status(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    st.services.delete_lead_status(&actor, &id).await?;
    Ok(Json(json!({})).into_response())
}

/// Advanced filtering (`POST /data/search/`): a query tree over the leads the member sees,
/// paged by `_skip`/`_limit` (or the `cursor` a previous page returned).
async fn search(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    RawQuery(q): RawQuery,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = crate::body::Body(json_object(&bytes)?);
    b.only(&[
        "query",
        "_skip",
        "_limit",
        "cursor",
        "_fields",
        "results_limit",
        "sort",
        "include_counts",
    ])?;
    let m = b.0;
    let tree = match m.get("query") {
        Some(v @ Value::Object(_)) => v,
        _ => {
            return Err(ApiError::field(
                "query",
                "`query` must be a query object, e.g. {\"type\": \"and\", \"queries\": [...]}.",
            ));
        }
    };
    let number = |k: &str| -> Result<Option<i64>, ApiError> {
        match m.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64()),
            Some(Value::String(s)) if k == "cursor" => s
                .parse::<i64>()
                .map(Some)
                .map_err(|_| ApiError::field(k, "This `cursor` did not come from a search page.")),
            Some(_) => Err(ApiError::field(k, format!("`{k}` must be a whole number."))),
        }
    };
    // Paging from the body (or, as on lists, the query string).
    let from_query = Params::from_query(q.as_deref());
    let (query_skip, query_limit) = from_query.paging(100, 200)?;
    let (skip, mut limit) = crate::params::check_paging(
        number("cursor")?.or(number("_skip")?).unwrap_or(query_skip),
        number("_limit")?.unwrap_or(query_limit),
        200,
    )?;
    let cap = number("results_limit")?;
    if let Some(c) = cap {
        if c < 0 {
            return Err(ApiError::field(
                "results_limit",
                "`results_limit` cannot be negative.",
            ));
        }
        limit = limit.min((c - skip).max(0));
    }
    let mut filter = st.services.lead_filter_from_tree(&actor, tree).await?;
    filter.order = match m.get("sort") {
        None | Some(Value::Null) => None,
        Some(Value::Array(s)) if s.is_empty() => None,
        Some(Value::Array(s)) => {
            let first = &s[0];
            let name = first["field"]["field_name"].as_str().unwrap_or_default();
            let desc = first["direction"].as_str() == Some("desc");
            match name {
                "date_created" => Some((corral_store::queries::leads::DateColumn::Created, desc)),
                "date_updated" => Some((corral_store::queries::leads::DateColumn::Updated, desc)),
                _ => {
                    return Err(ApiError::field(
                        "sort",
                        "Sort by date_created or date_updated.",
                    ));
                }
            }
        }
        Some(_) => return Err(ApiError::field("sort", "`sort` must be a list.")),
    };
    let (views, total) = if limit > 0 {
        st.services.list_leads(&actor, filter, skip, limit).await?
    } else {
        let (_, total) = st.services.list_leads(&actor, filter, 0, 1).await?;
        (vec![], total)
    };
    let total = cap.map_or(total, |c| total.min(c));
    let fields: Option<Vec<String>> = match m.get("_fields") {
        None | Some(Value::Null) => from_query.fields(),
        Some(Value::Object(by_type)) => by_type.get("lead").and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        }),
        Some(Value::Array(a)) => Some(
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        ),
        Some(_) => {
            return Err(ApiError::field(
                "_fields",
                "`_fields` must be a list, or an object of lists by object type.",
            ));
        }
    };
    let data: Vec<Value> = views
        .iter()
        .map(|v| {
            let mut o = select_fields(lead(v), fields.as_deref());
            o["__object_type"] = json!("lead");
            if fields.is_some() {
                o["id"] = json!(v.lead.id);
            }
            o
        })
        .collect();
    let next = skip + data.len() as i64;
    let has_more = next < total;
    Ok(Json(json!({
        "data": data,
        "has_more": has_more,
        "total_results": total,
        "cursor": if has_more { Some(next.to_string()) } else { None },
        "count": {"total": total},
    }))
    .into_response())
}

fn parse_json_text(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|_| json!([]))
}

pub fn contact(c: &ContactRow) -> Value {
    let mut out = json!({
        "id": c.id, "lead_id": c.lead_id, "organization_id": c.workspace_id,
        "name": c.name, "display_name": c.name, "title": c.title,
        "emails": parse_json_text(&c.emails), "phones": parse_json_text(&c.phones), "urls": parse_json_text(&c.urls),
        "created_by": c.created_by, "updated_by": c.updated_by,
        "created_by_name": c.created_by_name, "updated_by_name": c.updated_by_name,
        "date_created": wire::ts(&c.date_created), "date_updated": wire::ts(&c.date_updated),
    });
    wire::flatten_custom(&mut out, &c.custom);
    out
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
        out[format!("custom.{}", f.id)] = corral_services::leads::typed_value(f, vals);
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
                    custom: wire::custom_keys(c),
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
    let filter = match p.get("query").map(str::trim).filter(|s| !s.is_empty()) {
        Some(q) => st.services.lead_filter(&actor, q).await?,
        None => LeadFilter::default(),
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

/// `POST /lead/merge/ {"source": …, "destination": …}`: answers with the merged lead.
async fn merge(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let b = crate::body::Body(crate::v1::json_object(&bytes)?);
    b.only(&["source", "destination"])?;
    let (source, destination) = (b.required_str("source")?, b.required_str("destination")?);
    Ok(Json(lead(
        &st.services
            .merge_leads(&actor, &source, &destination)
            .await?,
    ))
    .into_response())
}

async fn remove(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    st.services.delete_lead(&actor, &id).await?;
    Ok(Json(json!({})).into_response())
}

fn job(j: &corral_store::model::BulkJobRow) -> Value {
    let params: Value = serde_json::from_str(&j.params).unwrap_or_else(|_| json!({}));
    let selection: Value = serde_json::from_str(&j.selection).unwrap_or_else(|_| json!({}));
    let values = params.get("values").cloned().unwrap_or(Value::Null);
    json!({
        "id": j.id, "organization_id": j.workspace_id, "type": j.action, "status": j.status,
        "n_leads": j.n_objects, "n_leads_processed": j.n_objects_processed,
        "n_objects": j.n_objects, "n_objects_processed": j.n_objects_processed,
        "query": selection.get("query"), "s_query": selection.get("s_query"), "results_limit": selection.get("results_limit"),
        "custom_field_id": params.get("custom_field_id"), "custom_field_name": params.get("custom_field_name"),
        "custom_field_value": values.get(0), "custom_field_values": values,
        "lead_status_id": params.get("lead_status_id"), "error": j.error,
        "node_id": j.lease_node,
        "created_by": j.created_by, "updated_by": j.created_by,
        "date_created": wire::ts(&j.date_created), "date_updated": wire::ts(&j.date_updated),
    })
}

fn selection(m: &Map<String, Value>) -> Result<corral_services::bulk::Selection, ApiError> {
    Ok(corral_services::bulk::Selection {
        query: str_field(m, "query")?,
        s_query: match m.get("s_query") {
            None | Some(Value::Null) => None,
            Some(v @ Value::Object(_)) => {
                Some(v.get("query").cloned().unwrap_or_else(|| v.clone()))
            }
            Some(_) => return Err(ApiError::field("s_query", "`s_query` must be an object.")),
        },
        results_limit: match m.get("results_limit") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) if n.as_i64().is_some_and(|x| x >= 0) => n.as_i64(),
            Some(_) => {
                return Err(ApiError::field(
                    "results_limit",
                    "`results_limit` must be a whole number.",
                ));
            }
        },
        ids: match m.get("lead_ids") {
            None | Some(Value::Null) => vec![],
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_string).ok_or_else(|| {
                        ApiError::field("lead_ids", "`lead_ids` must be a list of lead ids.")
                    })
                })
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(ApiError::field(
                    "lead_ids",
                    "`lead_ids` must be a list of lead ids.",
                ));
            }
        },
    })
}

async fn start_edit(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    use corral_services::bulk::BulkAction;
    let m = json_object(&bytes)?;
    for k in m.keys() {
        if !matches!(
            k.as_str(),
            "type"
                | "query"
                | "s_query"
                | "sort"
                | "results_limit"
                | "custom_field_id"
                | "custom_field_name"
                | "custom_field_value"
                | "custom_field_values"
                | "custom_field_operation"
                | "lead_status_id"
                | "send_done_email"
        ) {
            return Err(ApiError::field(
                k,
                format!("`{k}` is not a bulk edit field."),
            ));
        }
    }
    if m.get("query").is_none() && m.get("s_query").is_none() {
        return Err(ApiError::field(
            "s_query",
            "Say which leads to edit with `s_query` or `query`.",
        ));
    }
    let field = || -> Result<String, ApiError> {
        str_field(&m, "custom_field_id")?
            .or(str_field(&m, "custom_field_name")?)
            .ok_or_else(|| {
                ApiError::field(
                    "custom_field_id",
                    "Name the field with `custom_field_id` or `custom_field_name`.",
                )
            })
    };
    let action = match str_field(&m, "type")?.as_deref() {
        Some("set_custom_field") => {
            let values = match (m.get("custom_field_values"), m.get("custom_field_value")) {
                (Some(Value::Array(v)), _) => v.clone(),
                (_, Some(v)) if !v.is_null() => vec![v.clone()],
                _ => {
                    return Err(ApiError::field(
                        "custom_field_value",
                        "`custom_field_value` is required.",
                    ));
                }
            };
            BulkAction::SetCustomField {
                field: field()?,
                values,
                operation: str_field(&m, "custom_field_operation")?
                    .unwrap_or_else(|| "replace".into()),
            }
        }
        Some("clear_custom_field") => BulkAction::ClearCustomField { field: field()? },
        Some("set_lead_status") => BulkAction::SetLeadStatus {
            status_id: str_field(&m, "lead_status_id")?.ok_or_else(|| {
                ApiError::field("lead_status_id", "`lead_status_id` is required.")
            })?,
        },
        Some(other) => {
            return Err(ApiError::field(
                "type",
                format!(
                    "'{other}' is not a supported bulk edit type (set_custom_field, clear_custom_field, set_lead_status)."
                ),
            ));
        }
        None => return Err(ApiError::field("type", "`type` is required.")),
    };
    let j = st
        .services
        .start_bulk(&actor, action, selection(&m)?)
        .await?;
    Ok(Json(job(&j)).into_response())
}

async fn start_delete(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let m = json_object(&bytes)?;
    for k in m.keys() {
        if !matches!(
            k.as_str(),
            "query" | "s_query" | "sort" | "results_limit" | "send_done_email"
        ) {
            return Err(ApiError::field(
                k,
                format!("`{k}` is not a bulk delete field."),
            ));
        }
    }
    if m.get("query").is_none() && m.get("s_query").is_none() {
        return Err(ApiError::field(
            "s_query",
            "Say which leads to delete with `s_query` or `query`.",
        ));
    }
    let j = st
        .services
        .start_bulk(
            &actor,
            corral_services::bulk::BulkAction::Delete,
            selection(&m)?,
        )
        .await?;
    Ok(Json(job(&j)).into_response())
}

async fn list_edits(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
) -> Result<Response, ApiError> {
    let data: Vec<Value> = st
        .services
        .bulk_jobs(&actor, "edit")
        .await?
        .iter()
        .map(job)
        .collect();
    Ok(Json(json!({"data": data, "has_more": false})).into_response())
}

async fn list_deletes(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
) -> Result<Response, ApiError> {
    let data: Vec<Value> = st
        .services
        .bulk_jobs(&actor, "delete")
        .await?
        .iter()
        .map(job)
        .collect();
    Ok(Json(json!({"data": data, "has_more": false})).into_response())
}

async fn get_job(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(job(&st.services.bulk_job(&actor, &id).await?)).into_response())
}

async fn lead_visibility(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let data: Vec<Value> = st
        .services
        .lead_visibility(&actor, &id)
        .await?
        .iter()
        .map(|m| json!({"membership_id": m.membership_id, "user_id": m.user_id, "name": m.name, "role_name": m.role_name, "visible": m.visible, "reasons": m.reasons}))
        .collect();
    Ok(Json(json!({"lead_id": id, "data": data})).into_response())
}

async fn explain(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    let need = |k: &str| {
        p.get(k)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .ok_or_else(|| ApiError::field(k, format!("`{k}` is required.")))
    };
    let (m, l) = (need("membership_id")?, need("lead_id")?);
    let action = p
        .get("action")
        .filter(|a| !a.is_empty())
        .unwrap_or("view")
        .to_string();
    let d = st
        .services
        .explain_lead_action(&actor, &m, &l, &action)
        .await?;
    Ok(Json(json!({"membership_id": m, "lead_id": l, "action": action, "allowed": d.allowed, "reasons": d.reasons})).into_response())
}

fn export_json(e: &corral_store::model::ExportRow) -> Value {
    json!({
        "id": e.id, "organization_id": e.workspace_id, "type": e.export_type, "format": e.format, "status": e.status,
        "n_docs": e.n_docs, "n_docs_processed": e.n_docs, "created_by": e.created_by,
        "download_url": format!("/api/v1/export/{}/download/", e.id), "date_created": wire::ts(&e.date_created),
    })
}

/// The CSV of an export: one row per lead, custom fields by name, contacts joined.
fn leads_csv(views: &[LeadView]) -> Result<String, String> {
    let mut custom: Vec<(String, String)> = Vec::new();
    for v in views {
        for (f, _) in &v.custom {
            if !custom.iter().any(|(id, _)| *id == f.id) {
                custom.push((f.id.clone(), f.name.clone()));
            }
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "id".to_string(),
        "name".into(),
        "status".into(),
        "url".into(),
        "description".into(),
    ];
    header.extend(custom.iter().map(|(_, n)| format!("custom.{n}")));
    header.extend([
        "contacts".to_string(),
        "contact_emails".into(),
        "created_by".into(),
        "date_created".into(),
        "date_updated".into(),
    ]);
    w.write_record(&header).map_err(|e| e.to_string())?;
    for v in views {
        let l = &v.lead;
        let mut row = vec![
            l.id.clone(),
            l.name.clone(),
            v.status_label.clone(),
            l.url.clone().unwrap_or_default(),
            l.description.clone(),
        ];
        for (id, _) in &custom {
            row.push(
                v.custom
                    .iter()
                    .find(|(f, _)| f.id == *id)
                    .map(|(_, vals)| vals.join("; "))
                    .unwrap_or_default(),
            );
        }
        row.push(
            v.contacts
                .iter()
                .map(|c| c.name.clone())
                .collect::<Vec<_>>()
                .join("; "),
        );
        let emails: Vec<String> = v
            .contacts
            .iter()
            .flat_map(|c| {
                parse_json_text(&c.emails)
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|e| e.get("email").and_then(Value::as_str).map(str::to_string))
            .collect();
        row.push(emails.join("; "));
        row.extend([
            l.created_by_name.clone(),
            wire::ts(&l.date_created),
            wire::ts(&l.date_updated),
        ]);
        w.write_record(&row).map_err(|e| e.to_string())?;
    }
    String::from_utf8(w.into_inner().map_err(|e| e.to_string())?).map_err(|e| e.to_string())
}

async fn start_export(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let m = json_object(&bytes)?;
    for k in m.keys() {
        if !matches!(
            k.as_str(),
            "format"
                | "type"
                | "query"
                | "s_query"
                | "results_limit"
                | "sort"
                | "fields"
                | "date_format"
                | "send_done_email"
                | "include_activities"
                | "include_smart_fields"
        ) {
            return Err(ApiError::field(k, format!("`{k}` is not an export field.")));
        }
    }
    if let Some(t) = str_field(&m, "type")?
        && t != "leads"
    {
        return Err(ApiError::field(
            "type",
            format!("Export type '{t}' is not supported yet; use 'leads'."),
        ));
    }
    let format = str_field(&m, "format")?.unwrap_or_else(|| "csv".into());
    let render = |views: &[LeadView]| -> Result<String, String> {
        match format.as_str() {
            "json" => serde_json::to_string(&views.iter().map(lead).collect::<Vec<_>>())
                .map_err(|e| e.to_string()),
            _ => leads_csv(views),
        }
    };
    let e = st
        .services
        .export_leads(&actor, &format, selection(&m)?, &render)
        .await?;
    Ok(Json(export_json(&e)).into_response())
}

async fn get_export(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(export_json(&st.services.get_export(&actor, &id).await?)).into_response())
}

async fn download_export(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let e = st.services.get_export(&actor, &id).await?;
    let (ctype, ext) = if e.format == "json" {
        ("application/json", "json")
    } else {
        ("text/csv; charset=utf-8", "csv")
    };
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, ctype.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"leads-{}.{ext}\"",
                    e.date_created.format("%Y-%m-%d")
                ),
            ),
        ],
        e.content,
    )
        .into_response())
}

const CONTACT_FIELDS: &[&str] = &["lead_id", "name", "title", "emails", "phones"];

fn contact_body(bytes: &Bytes) -> Result<Map<String, Value>, ApiError> {
    let m = json_object(bytes)?;
    for k in m.keys() {
        if !CONTACT_FIELDS.contains(&k.as_str())
            && !READ_ONLY.contains(&k.as_str())
            && k != "urls"
            && !k.starts_with("custom.")
        {
            return Err(ApiError::field(k, format!("`{k}` is not a contact field.")));
        }
    }
    Ok(m)
}

async fn list_contacts(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    let (skip, limit) = p.paging(100, 200)?;
    let rows = st
        .services
        .list_contacts(
            &actor,
            p.get("lead_id").filter(|s| !s.is_empty()),
            skip,
            limit + 1,
        )
        .await?;
    let fields = p.fields();
    let has_more = rows.len() as i64 > limit;
    let data: Vec<Value> = rows
        .iter()
        .take(limit as usize)
        .map(|c| select_fields(contact(c), fields.as_deref()))
        .collect();
    Ok(Json(json!({"data": data, "has_more": has_more})).into_response())
}

async fn get_contact(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(contact(&st.services.get_contact(&actor, &id).await?)).into_response())
}

async fn create_contact(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let m = contact_body(&bytes)?;
    let lead_id = str_field(&m, "lead_id")?
        .ok_or_else(|| ApiError::field("lead_id", "`lead_id` is required."))?;
    let input = ContactInput {
        name: str_field(&m, "name")?.unwrap_or_default(),
        title: str_field(&m, "title")?.unwrap_or_default(),
        emails: labelled_list(m.get("emails"), "email", "emails")?,
        phones: labelled_list(m.get("phones"), "phone", "phones")?,
        custom: wire::custom_keys(&m),
    };
    Ok(Json(contact(
        &st.services.create_contact(&actor, &lead_id, input).await?,
    ))
    .into_response())
}

async fn update_contact(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let m = contact_body(&bytes)?;
    if m.contains_key("lead_id") {
        return Err(ApiError::field(
            "lead_id",
            "A contact cannot move to another lead here.",
        ));
    }
    let emails = if m.contains_key("emails") {
        Some(labelled_list(m.get("emails"), "email", "emails")?)
    } else {
        None
    };
    let phones = if m.contains_key("phones") {
        Some(labelled_list(m.get("phones"), "phone", "phones")?)
    } else {
        None
    };
    let c = st
        .services
        .update_contact(
            &actor,
            &id,
            corral_services::leads::ContactPatch {
                name: str_field(&m, "name")?,
                title: str_field(&m, "title")?,
                emails,
                phones,
                custom: wire::custom_keys(&m),
            },
        )
        .await?;
    Ok(Json(contact(&c)).into_response())
}

async fn delete_contact(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    st.services.delete_contact(&actor, &id).await?;
    Ok(Json(json!({})).into_response())
}

async fn assign(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let m = json_object(&bytes)?;
    for k in m.keys() {
        if !matches!(
            k.as_str(),
            "strategy"
                | "query"
                | "s_query"
                | "results_limit"
                | "custom_field_id"
                | "group_id"
                | "lead_ids"
        ) {
            return Err(ApiError::field(
                k,
                format!("`{k}` is not an assignment field."),
            ));
        }
    }
    let strategy = str_field(&m, "strategy")?.unwrap_or_else(|| "round_robin".into());
    let field = str_field(&m, "custom_field_id")?;
    let group = str_field(&m, "group_id")?;
    let a = st
        .services
        .assign_round_robin(
            &actor,
            selection(&m)?,
            field.as_deref(),
            &strategy,
            group.as_deref(),
        )
        .await?;
    let mut by = Map::new();
    for (_, u) in &a.assigned {
        let n = by.get(u).and_then(Value::as_i64).unwrap_or(0);
        by.insert(u.clone(), json!(n + 1));
    }
    Ok(Json(json!({"strategy": a.strategy, "assigned": a.assigned.len(), "by_member": by, "pool": a.pool})).into_response())
}

fn rr_settings(s: &corral_store::model::AssignmentSettingsRow) -> Value {
    json!({
        "organization_id": s.workspace_id,
        "auto_assign_new_leads": s.auto_assign,
        "strategy": s.strategy,
        "skip_offline_members": s.skip_offline,
        "skip_out_of_office_members": s.skip_out_of_office,
        "date_updated": wire::ts(&s.date_updated),
    })
}

async fn get_rr_settings(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
) -> Result<Response, ApiError> {
    Ok(Json(rr_settings(&st.services.assignment_settings(&actor).await?)).into_response())
}

/// Auto-assignment of new leads, the strategy, and whether offline members are skipped.
async fn put_rr_settings(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = crate::body::Body(json_object(&bytes)?);
    b.only(&[
        "auto_assign_new_leads",
        "strategy",
        "skip_offline_members",
        "skip_out_of_office_members",
    ])?;
    let s = st
        .services
        .set_assignment_settings(
            &actor,
            b.bool("auto_assign_new_leads")?,
            b.str("strategy")?.as_deref(),
            b.bool("skip_offline_members")?,
            b.bool("skip_out_of_office_members")?,
        )
        .await?;
    Ok(Json(rr_settings(&s)).into_response())
}

/// Who is out of office now.
async fn list_out_of_office(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
) -> Result<Response, ApiError> {
    let data: Vec<Value> = st
        .services
        .out_of_office(&actor)
        .await?
        .iter()
        .map(|(u, until, note)| json!({"user_id": u, "until": wire::ts(until), "note": note}))
        .collect();
    Ok(Json(json!({"data": data, "has_more": false})).into_response())
}

/// `{"until": "<ISO time>" | null, "note": "…"}` for a member (yourself, or anyone with
/// `manage_users`).
async fn put_out_of_office(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(user_id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = crate::body::Body(json_object(&bytes)?);
    b.only(&["until", "note"])?;
    let until = match b.nullable_str("until")? {
        None => return Err(ApiError::field("until", "Send `until` (a time) or null.")),
        Some(None) => None,
        Some(Some(s)) => Some(
            chrono::DateTime::parse_from_rfc3339(s.trim())
                .map_err(|_| {
                    ApiError::field(
                        "until",
                        "`until` must be a time such as 2026-12-24T09:00:00Z.",
                    )
                })?
                .with_timezone(&chrono::Utc),
        ),
    };
    let note = b.str("note")?.unwrap_or_default();
    st.services
        .set_out_of_office(&actor, &user_id, until, &note)
        .await?;
    Ok(Json(
        json!({"user_id": user_id, "until": until.as_ref().map(wire::ts), "note": note.trim()}),
    )
    .into_response())
}
