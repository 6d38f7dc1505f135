//! Phone numbers (`/phone_number/`), inbound routing (`/phone_number/route/`) and each
//! member's call forwarding (`/call_forwarding/{user_id}/`).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use corral_domain::phones::{Forwarding, Target, When};
use corral_services::phones::Holder;
use corral_store::model::{ForwardingRow, PhoneNumberRow};
use serde_json::{Value, json};

use crate::body::Body;
use crate::params::Params;
use crate::v1::json_object;
use crate::{ApiActor, ApiError, ApiState, wire};

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/phone_number", get(list).post(create))
        .route("/api/v1/phone_number/route", get(route))
        .route(
            "/api/v1/phone_number/{id}",
            get(get_one).put(update).delete(release),
        )
        .route(
            "/api/v1/call_forwarding/{user_id}",
            get(get_forwarding).put(put_forwarding),
        )
}

fn phone(p: &PhoneNumberRow) -> Value {
    json!({
        "id": p.id,
        "organization_id": p.workspace_id,
        "number": p.number,
        "label": p.label,
        "is_group_number": p.is_group_number,
        "user_id": p.user_id,
        "group_id": p.group_id,
        "date_created": wire::ts(&p.date_created),
        "date_updated": wire::ts(&p.date_updated),
    })
}

fn forwarding(user_id: &str, f: &Option<ForwardingRow>) -> Value {
    match f {
        None => {
            json!({"user_id": user_id, "enabled": false, "when": null, "forward_to_user_id": null, "forward_to_number": null})
        }
        Some(f) => json!({
            "user_id": user_id, "enabled": true, "when": f.when_to,
            "forward_to_user_id": f.target_user_id, "forward_to_number": f.target_number,
            "date_updated": wire::ts(&f.date_updated),
        }),
    }
}

/// Who holds a number, from `user_id` / `group_id` (at most one; both null: nobody).
fn holder(b: &Body) -> Result<Option<Holder>, ApiError> {
    let user = b.nullable_str("user_id")?;
    let group = b.nullable_str("group_id")?;
    Ok(match (user, group) {
        (Some(Some(_)), Some(Some(_))) => {
            return Err(ApiError::field(
                "group_id",
                "A number belongs to a member or to a group, not both.",
            ));
        }
        (Some(Some(u)), _) => Some(Holder::Member(u)),
        (_, Some(Some(g))) => Some(Holder::Group(g)),
        (Some(None), _) | (_, Some(None)) => Some(Holder::Nobody),
        (None, None) => None,
    })
}

async fn list(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    let rows = st
        .services
        .list_phone_numbers(&actor, p.get("user_id"))
        .await?;
    let data: Vec<Value> = rows.iter().map(phone).collect();
    Ok(Json(json!({"data": data, "has_more": false})).into_response())
}

async fn create(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    b.only(&["number", "label", "user_id", "group_id"])?;
    let p = st
        .services
        .create_phone_number(
            &actor,
            &b.required_str("number")?,
            &b.str("label")?.unwrap_or_default(),
            holder(&b)?.unwrap_or(Holder::Nobody),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(phone(&p))).into_response())
}

async fn get_one(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(phone(&st.services.get_phone_number(&actor, &id).await?)).into_response())
}

/// `user_id` reassigns the number, `group_id` converts it to a group number, both null leave
/// it with nobody; `label` relabels.
async fn update(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    b.only(&["label", "user_id", "group_id"])?;
    let p = st
        .services
        .update_phone_number(&actor, &id, b.str("label")?.as_deref(), holder(&b)?)
        .await?;
    Ok(Json(phone(&p)).into_response())
}

async fn release(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    st.services.release_phone_number(&actor, &id).await?;
    Ok(Json(json!({})).into_response())
}

async fn route(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    let number = p
        .get("number")
        .ok_or_else(|| ApiError::field("number", "`number` is required."))?;
    let a = st.services.route_call(&actor, number).await?;
    let name = |u: &String| a.names.get(u).cloned().unwrap_or_default();
    Ok(Json(json!({
        "number": a.number,
        "phone_number_id": a.phone_number_id,
        "ring": a.routing.ring.iter().map(|u| json!({"user_id": u, "user_name": name(u)})).collect::<Vec<_>>(),
        "forward_to": a.routing.forward_to,
        "voicemail": a.routing.voicemail,
        "explanation": a.routing.reasons,
    }))
    .into_response())
}

async fn get_forwarding(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(user_id): Path<String>,
) -> Result<Response, ApiError> {
    let f = st.services.call_forwarding(&actor, &user_id).await?;
    Ok(Json(forwarding(&user_id, &f)).into_response())
}

/// `{"enabled": false}` turns forwarding off; otherwise `when` and one of
/// `forward_to_user_id` / `forward_to_number`.
async fn put_forwarding(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(user_id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    b.only(&["enabled", "when", "forward_to_user_id", "forward_to_number"])?;
    let f = if b.bool("enabled")? == Some(false) {
        None
    } else {
        let when =
            When::parse(&b.required_str("when")?).map_err(corral_services::ServiceError::from)?;
        let target = match (b.str("forward_to_user_id")?, b.str("forward_to_number")?) {
            (Some(u), None) => Target::Member(u),
            (None, Some(n)) => Target::External(n),
            _ => {
                return Err(ApiError::field(
                    "forward_to_user_id",
                    "Give exactly one of `forward_to_user_id` and `forward_to_number`.",
                ));
            }
        };
        Some(Forwarding { when, target })
    };
    let row = st.services.set_call_forwarding(&actor, &user_id, f).await?;
    Ok(Json(forwarding(&user_id, &row)).into_response())
}
