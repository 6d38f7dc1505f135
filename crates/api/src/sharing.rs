//! Sharing contacts with the team (SPEC S5): personal contacts (`/personal_contact/`, only
//! ever the caller's own), team contacts (`/team_contact/`), the team board, sync prompts,
//! bulk actions and the workspace's sharing settings. Corral's own resources, in the same
//! wire conventions as the rest of API v1.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use corral_services::sharing::{BulkShare, ContactInput, Entry, conflicts_of};
use corral_store::model::{PersonalContactRow, SharingSettingsRow, TeamContactRow};
use serde_json::{Value, json};

use crate::body::Body;
use crate::params::Params;
use crate::v1::json_object;
use crate::{ApiActor, ApiError, ApiState, wire};

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route(
            "/api/v1/personal_contact",
            get(list_personal).post(create_personal),
        )
        .route("/api/v1/personal_contact/bulk_action", post(bulk))
        .route("/api/v1/personal_contact/address_books", get(address_books))
        .route(
            "/api/v1/personal_contact/{id}",
            get(get_personal)
                .put(update_personal)
                .delete(delete_personal),
        )
        .route("/api/v1/team_contact", get(list_team))
        .route("/api/v1/team_contact/board", get(board))
        .route(
            "/api/v1/team_contact/{id}",
            get(get_team).put(update_team).delete(delete_team),
        )
        .route("/api/v1/team_contact/{id}/resolve", post(resolve))
        .route("/api/v1/sync_prompt", get(prompts))
        .route(
            "/api/v1/sharing_settings",
            get(get_settings).put(put_settings),
        )
}

fn list(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or(Value::Array(vec![]))
}

pub fn personal(p: &PersonalContactRow) -> Value {
    json!({
        "id": p.id,
        "organization_id": p.workspace_id,
        "owner_id": p.owner_user_id,
        "name": p.name,
        "title": p.title,
        "company": p.company,
        "segment": p.segment,
        "emails": list(&p.emails),
        "phones": list(&p.phones),
        "addresses": list(&p.addresses),
        "opportunity_id": p.opportunity_id,
        "unshared": p.unshared,
        "date_created": wire::ts(&p.date_created),
        "date_updated": wire::ts(&p.date_updated),
    })
}

pub fn team(t: &TeamContactRow) -> Value {
    json!({
        "id": t.id,
        "organization_id": t.workspace_id,
        "mode": t.mode,
        "source_id": t.source_id,
        "source_owner_id": t.source_owner_id,
        "name": t.name,
        "title": t.title,
        "company": t.company,
        "segment": t.segment,
        "emails": list(&t.emails),
        "phones": list(&t.phones),
        "addresses": list(&t.addresses),
        "assigned_to": t.assigned_to,
        "timeline_visibility": t.timeline_visibility,
        "out_of_sync": t.out_of_sync,
        "conflicts": conflicts_of(t).iter().map(|c| json!({"field": c.field, "yours": c.source, "team": c.team, "before": c.base})).collect::<Vec<_>>(),
        "created_by": t.created_by,
        "date_created": wire::ts(&t.date_created),
        "date_updated": wire::ts(&t.date_updated),
    })
}

fn settings(s: &SharingSettingsRow) -> Value {
    json!({
        "organization_id": s.workspace_id,
        "template": s.template,
        "share_business_segments": s.share_business,
        "share_deal_contacts": s.share_deal_contacts,
        "share_assigned_contacts": s.share_assigned,
        "date_updated": wire::ts(&s.date_updated),
    })
}

fn entries(b: &Body, k: &str) -> Result<Option<Vec<Entry>>, ApiError> {
    let bad = || {
        ApiError::field(
            k,
            format!(
                "`{k}` must be a list of objects with `value`, optional `label` and `personal`."
            ),
        )
    };
    match b.0.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                let o = i.as_object().ok_or_else(bad)?;
                if o.keys()
                    .any(|k| !matches!(k.as_str(), "value" | "label" | "personal"))
                {
                    return Err(bad());
                }
                Ok(Entry {
                    value: o
                        .get("value")
                        .and_then(Value::as_str)
                        .ok_or_else(bad)?
                        .to_string(),
                    label: match o.get("label") {
                        None | Some(Value::Null) => String::new(),
                        Some(Value::String(s)) => s.clone(),
                        Some(_) => return Err(bad()),
                    },
                    personal: match o.get("personal") {
                        None | Some(Value::Null) => false,
                        Some(Value::Bool(p)) => *p,
                        Some(_) => return Err(bad()),
                    },
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(bad()),
    }
}

fn input(b: &Body) -> Result<ContactInput, ApiError> {
    Ok(ContactInput {
        name: b.str("name")?,
        title: b.str("title")?,
        company: b.str("company")?,
        segment: b.str("segment")?,
        emails: entries(b, "emails")?,
        phones: entries(b, "phones")?,
        addresses: entries(b, "addresses")?,
        opportunity_id: b.nullable_str("opportunity_id")?,
    })
}

const CONTACT_FIELDS: [&str; 8] = [
    "name",
    "title",
    "company",
    "segment",
    "emails",
    "phones",
    "addresses",
    "opportunity_id",
];

async fn list_personal(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
) -> Result<Response, ApiError> {
    let rows = st.services.list_personal_contacts(&actor).await?;
    let data: Vec<Value> = rows.iter().map(personal).collect();
    Ok(Json(json!({"data": data, "has_more": false, "total_results": data.len()})).into_response())
}

async fn create_personal(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    b.only(&CONTACT_FIELDS)?;
    let p = st
        .services
        .create_personal_contact(&actor, input(&b)?)
        .await?;
    Ok((StatusCode::CREATED, Json(personal(&p))).into_response())
}

async fn get_personal(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let p = st.services.get_personal_contact(&actor, &id).await?;
    let copies = st.services.copies_of_personal_contact(&actor, &id).await?;
    let mut v = personal(&p);
    v["team_copies"] = copies.iter().map(team).collect();
    Ok(Json(v).into_response())
}

async fn update_personal(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    b.only(&CONTACT_FIELDS)?;
    let p = st
        .services
        .update_personal_contact(&actor, &id, input(&b)?)
        .await?;
    Ok(Json(personal(&p)).into_response())
}

async fn delete_personal(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    st.services.delete_personal_contact(&actor, &id).await?;
    Ok(Json(json!({})).into_response())
}

async fn bulk(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    b.only(&["action", "contact_ids", "assigned_to"])?;
    let ids = b
        .str_list("contact_ids")?
        .ok_or_else(|| ApiError::field("contact_ids", "`contact_ids` is required."))?;
    let action = match b.required_str("action")?.as_str() {
        "send" => BulkShare::Send,
        "assign" => BulkShare::Assign(b.required_str("assigned_to")?),
        "unshare" => BulkShare::Unshare,
        other => {
            return Err(ApiError::field(
                "action",
                format!("'{other}' is not an action: use send, assign or unshare."),
            ));
        }
    };
    let n = st
        .services
        .share_personal_contacts(&actor, &ids, action)
        .await?;
    Ok(Json(json!({"count": n})).into_response())
}

async fn address_books(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
) -> Result<Response, ApiError> {
    let sizes = st.services.address_book_sizes(&actor).await?;
    let data: Vec<Value> = sizes
        .iter()
        .map(|s| json!({"user_id": s.user_id, "user_name": s.name, "contacts": s.contacts}))
        .collect();
    Ok(Json(json!({"data": data, "has_more": false})).into_response())
}

async fn list_team(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    let (skip, limit) = p.paging(100, 200)?;
    let assigned = p
        .get("assigned_to")
        .map(|a| if a == "none" { "" } else { a });
    let rows = st.services.list_team_contacts(&actor, assigned).await?;
    let total = rows.len();
    let data: Vec<Value> = rows
        .iter()
        .skip(skip as usize)
        .take(limit as usize)
        .map(team)
        .collect();
    let has_more = (skip as usize) + data.len() < total;
    Ok(Json(json!({"data": data, "has_more": has_more, "total_results": total})).into_response())
}

async fn get_team(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let t = st.services.get_team_contact(&actor, &id).await?;
    Ok(Json(team(&t)).into_response())
}

/// Edits fields; `assigned_to` assigns (as a board move does) and `timeline_visibility` is
/// the assignee's choice.
async fn update_team(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    let mut allowed: Vec<&str> = CONTACT_FIELDS[..7].to_vec();
    allowed.extend(["assigned_to", "timeline_visibility"]);
    b.only(&allowed)?;
    let s = &st.services;
    let touches_fields = CONTACT_FIELDS[..7].iter().any(|k| b.0.contains_key(*k));
    let parts = [
        touches_fields,
        b.0.contains_key("assigned_to"),
        b.0.contains_key("timeline_visibility"),
    ];
    if parts.iter().filter(|p| **p).count() > 1 {
        return Err(ApiError::bad_request(
            "Change a team contact's fields, its assignee or its timeline visibility in separate requests.",
        ));
    }
    let t = if let Some(a) = b.nullable_str("assigned_to")? {
        s.assign_team_contact(&actor, &id, a.as_deref()).await?
    } else if let Some(v) = b.str("timeline_visibility")? {
        s.set_timeline_visibility(&actor, &id, &v).await?
    } else {
        s.update_team_contact(&actor, &id, input(&b)?).await?
    };
    Ok(Json(team(&t)).into_response())
}

async fn delete_team(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    st.services.delete_team_contact(&actor, &id).await?;
    Ok(Json(json!({})).into_response())
}

async fn resolve(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    b.only(&["resolution"])?;
    let t = st
        .services
        .resolve_sync(&actor, &id, &b.required_str("resolution")?)
        .await?;
    Ok(Json(team(&t)).into_response())
}

async fn board(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
) -> Result<Response, ApiError> {
    let cols = st.services.team_board(&actor).await?;
    let data: Vec<Value> = cols
        .iter()
        .map(|c| json!({"user_id": c.user_id, "name": c.name, "cards": c.cards.iter().map(team).collect::<Vec<_>>()}))
        .collect();
    Ok(Json(json!({"columns": data})).into_response())
}

async fn prompts(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
) -> Result<Response, ApiError> {
    let rows = st.services.sync_prompts(&actor).await?;
    let data: Vec<Value> = rows.iter().map(team).collect();
    Ok(Json(json!({"data": data, "has_more": false})).into_response())
}

async fn get_settings(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
) -> Result<Response, ApiError> {
    Ok(Json(settings(&st.services.sharing_settings(&actor).await?)).into_response())
}

async fn put_settings(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    b.only(&[
        "template",
        "share_business_segments",
        "share_deal_contacts",
        "share_assigned_contacts",
    ])?;
    let s = st
        .services
        .set_sharing_settings(
            &actor,
            b.str("template")?.as_deref(),
            b.bool("share_business_segments")?,
            b.bool("share_deal_contacts")?,
            b.bool("share_assigned_contacts")?,
        )
        .await?;
    Ok(Json(settings(&s)).into_response())
}
