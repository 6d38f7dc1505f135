//! Roles (`/role/`), groups (`/group/`) and custom fields (`/custom_field/{type}/`) in
//! Close's wire shape.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use corral_services::access::{RoleInput, RoleView};
use serde_json::{Value, json};

use crate::body::Body;
use crate::params::{Params, select_fields};
use crate::v1::json_object;
use crate::{ApiActor, ApiError, ApiState, wire};

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/role", get(list_roles).post(create_role))
        .route(
            "/api/v1/role/{id}",
            get(get_role).put(update_role).delete(delete_role),
        )
        .route("/api/v1/role/{id}/preview", post(preview_role))
        .route("/api/v1/group", get(list_groups).post(create_group))
        .route(
            "/api/v1/group/{id}",
            get(get_group).put(rename_group).delete(delete_group),
        )
        .route("/api/v1/group/{id}/member", post(add_member))
        .route(
            "/api/v1/group/{id}/member/{user_id}",
            axum::routing::delete(remove_member),
        )
        .route(
            "/api/v1/custom_field/{object_type}",
            get(list_custom_fields).post(create_custom_field),
        )
        .route(
            "/api/v1/custom_field/{object_type}/{id}",
            get(get_custom_field)
                .put(update_custom_field)
                .delete(delete_custom_field),
        )
        .route(
            "/api/v1/custom_fields/{object_type}",
            get(list_custom_fields),
        )
}

pub fn role(v: &RoleView) -> Value {
    json!({
        "id": v.id,
        "name": v.name,
        "organization_id": v.workspace_id,
        "editable": v.editable,
        "permissions": v.permissions.names(),
        "visibility_user_lcf_ids": v.visibility_user_lcf_ids,
        "visibility_user_lcf_behavior": v.visibility_user_lcf_behavior,
        "visibility_include_reports": v.visibility_include_reports,
        "members_count": v.holders,
        "date_created": wire::ts(&v.date_created),
        "date_updated": wire::ts(&v.date_updated),
    })
}

/// Read-only fields a client may echo back (Close's scripts copy roles between
/// organizations); they are ignored.
const ROLE_READ_ONLY: &[&str] = &[
    "id",
    "organization_id",
    "editable",
    "date_created",
    "date_updated",
    "members_count",
];

fn role_input(b: &Body) -> Result<RoleInput, ApiError> {
    let mut allowed = vec![
        "name",
        "permissions",
        "visibility_user_lcf_ids",
        "visibility_user_lcf_behavior",
        "visibility_include_reports",
    ];
    allowed.extend_from_slice(ROLE_READ_ONLY);
    b.only(&allowed)?;
    let ids = match b.0.get("visibility_user_lcf_ids") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(_) => Some(b.str_list("visibility_user_lcf_ids")?),
    };
    Ok(RoleInput {
        name: b.str("name")?,
        permissions: b.str_list("permissions")?,
        visibility_user_lcf_ids: ids,
        visibility_user_lcf_behavior: b.nullable_str("visibility_user_lcf_behavior")?,
        visibility_include_reports: b.bool("visibility_include_reports")?,
    })
}

async fn list_roles(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    let fields = p.fields();
    let data: Vec<Value> = st
        .services
        .list_roles(&actor)
        .await?
        .iter()
        .map(|r| select_fields(role(r), fields.as_deref()))
        .collect();
    Ok(Json(json!({"data": data, "has_more": false})).into_response())
}

async fn get_role(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    Ok(Json(select_fields(
        role(&st.services.get_role(&actor, &id).await?),
        p.fields().as_deref(),
    ))
    .into_response())
}

async fn create_role(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    let input = role_input(&b)?;
    if input.name.is_none() {
        return Err(ApiError::field("name", "`name` is required."));
    }
    let v = st.services.create_role(&actor, input).await?;
    Ok((StatusCode::CREATED, Json(role(&v))).into_response())
}

async fn update_role(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    let v = st
        .services
        .update_role(&actor, &id, role_input(&b)?)
        .await?;
    Ok(Json(role(&v)).into_response())
}

async fn delete_role(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    let b = Body(json_object(&bytes)?);
    b.only(&["move_members_to"])?;
    let target = b
        .str("move_members_to")?
        .or_else(|| p.get("move_members_to").map(str::to_string));
    let moved = st
        .services
        .delete_role(&actor, &id, target.as_deref())
        .await?;
    Ok(Json(json!({"members_moved": moved})).into_response())
}

fn group_summary(g: &corral_store::model::GroupRow) -> Value {
    json!({"id": g.id, "name": g.name, "organization_id": g.workspace_id})
}

async fn list_groups(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    let fields = p.fields();
    let data: Vec<Value> = st
        .services
        .list_groups(&actor)
        .await?
        .iter()
        .map(|g| select_fields(group_summary(g), fields.as_deref()))
        .collect();
    Ok(Json(json!({"data": data, "has_more": false})).into_response())
}

fn group_full(v: &corral_services::access::GroupView) -> Value {
    let mut g = group_summary(&v.group);
    g["members"] = Value::Array(v.members.iter().map(|u| json!({"user_id": u})).collect());
    g
}

async fn get_group(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    Ok(Json(select_fields(
        group_full(&st.services.get_group(&actor, &id).await?),
        p.fields().as_deref(),
    ))
    .into_response())
}

async fn create_group(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    b.only(&["name", "id", "organization_id", "members"])?;
    let v = st
        .services
        .create_group(&actor, &b.required_str("name")?)
        .await?;
    Ok((StatusCode::CREATED, Json(group_full(&v))).into_response())
}

async fn rename_group(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    b.only(&["name"])?;
    let v = st
        .services
        .rename_group(&actor, &id, &b.required_str("name")?)
        .await?;
    Ok(Json(group_full(&v)).into_response())
}

async fn delete_group(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    st.services.delete_group(&actor, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn add_member(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    b.only(&["user_id"])?;
    let user_id = b.required_str("user_id")?;
    st.services.add_group_member(&actor, &id, &user_id).await?;
    Ok((StatusCode::CREATED, Json(json!({"user_id": user_id}))).into_response())
}

async fn remove_member(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    st.services
        .remove_group_member(&actor, &id, &user_id)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn custom_field(f: &corral_store::model::CustomFieldRow) -> Value {
    json!({
        "id": f.id, "name": f.name, "description": f.description, "type": f.field_type,
        "accepts_multiple_values": f.accepts_multiple_values,
        "choices": f.choices.split('\n').filter(|c| !c.is_empty()).collect::<Vec<_>>(),
        "editable_with_roles": f.editable_with_roles.split(',').filter(|c| !c.is_empty()).collect::<Vec<_>>(),
        "organization_id": f.workspace_id, "created_by": f.created_by, "updated_by": f.updated_by,
        "date_created": wire::ts(&f.date_created), "date_updated": wire::ts(&f.date_updated),
    })
}

async fn list_custom_fields(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(object_type): Path<String>,
) -> Result<Response, ApiError> {
    let fields = st.services.list_custom_fields(&actor, &object_type).await?;
    let data: Vec<Value> = fields.iter().map(custom_field).collect();
    Ok(Json(json!({"data": data, "has_more": false})).into_response())
}

fn field_input(b: &Body) -> Result<corral_services::access::FieldInput, ApiError> {
    b.only(&[
        "name",
        "description",
        "type",
        "accepts_multiple_values",
        "choices",
        "editable_with_roles",
        "id",
        "organization_id",
        "date_created",
        "date_updated",
        "created_by",
        "updated_by",
    ])?;
    Ok(corral_services::access::FieldInput {
        name: b.str("name")?,
        description: b.str("description")?,
        field_type: b.str("type")?,
        accepts_multiple_values: b.bool("accepts_multiple_values")?,
        choices: b.str_list("choices")?,
        editable_with_roles: b.str_list("editable_with_roles")?,
    })
}

async fn create_custom_field(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(object_type): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    let f = st
        .services
        .create_custom_field(&actor, &object_type, field_input(&b)?)
        .await?;
    Ok(Json(custom_field(&f)).into_response())
}

async fn get_custom_field(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path((object_type, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let f = st
        .services
        .list_custom_fields(&actor, &object_type)
        .await?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(custom_field(&f)).into_response())
}

async fn update_custom_field(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path((object_type, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    st.services
        .list_custom_fields(&actor, &object_type)
        .await?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or_else(ApiError::not_found)?;
    let f = st
        .services
        .update_custom_field(&actor, &id, field_input(&b)?)
        .await?;
    Ok(Json(custom_field(&f)).into_response())
}

async fn delete_custom_field(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path((object_type, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    st.services
        .list_custom_fields(&actor, &object_type)
        .await?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or_else(ApiError::not_found)?;
    st.services.delete_custom_field(&actor, &id).await?;
    Ok(Json(json!({})).into_response())
}

async fn preview_role(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    let impacts = st
        .services
        .preview_role(&actor, &id, role_input(&b)?)
        .await?;
    let data: Vec<Value> = impacts
        .iter()
        .map(|i| json!({"membership_id": i.membership_id, "user_id": i.user_id, "name": i.name, "visible_before": i.visible_before, "visible_after": i.visible_after, "gained": i.gained, "lost": i.lost}))
        .collect();
    Ok(Json(json!({"role_id": id, "data": data})).into_response())
}
