//! Team administration endpoints: Close's `/membership/` API and Corral's additions
//! (member listing, reactivate, remove, invitations, seats, outbox, audit and event logs).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDateTime, Utc};
use corral_services::members::{AddInput, InviteInput, MemberPatch, MemberSettings};
use corral_store::queries::memberships::MemberFilter;
use corral_store::queries::team::AuditFilter;
use serde_json::{Value, json};

use crate::body::Body;
use crate::params::{Params, select_fields};
use crate::v1::json_object;
use crate::{ApiActor, ApiError, ApiState, wire};

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route(
            "/api/v1/membership",
            get(list_members).post(provision).put(bulk_update),
        )
        .route("/api/v1/membership/add", post(add_member))
        .route(
            "/api/v1/membership/{id}",
            get(get_member).put(update_member).delete(deactivate),
        )
        .route("/api/v1/membership/{id}/reactivate", post(reactivate))
        .route(
            "/api/v1/membership/{id}/offboarding_plan",
            post(offboarding_plan),
        )
        .route("/api/v1/membership/{id}/offboard", post(offboard))
        .route("/api/v1/offboarding", get(list_offboardings))
        .route("/api/v1/offboarding/{id}", get(get_offboarding))
        .route("/api/v1/offboarding/{id}/undo", post(undo_offboarding))
        .route("/api/v1/membership/{id}/remove", post(remove))
        .route(
            "/api/v1/membership/{id}/pinned_views",
            get(get_pinned).put(put_pinned),
        )
        .route("/api/v1/invitation", get(list_invitations).post(invite))
        .route(
            "/api/v1/invitation/{id}",
            axum::routing::delete(cancel_invitation),
        )
        .route("/api/v1/invitation/{id}/resend", post(resend_invitation))
        .route("/api/v1/seats", get(seats).put(set_seats))
        .route(
            "/api/v1/account/member/{user_id}",
            axum::routing::put(set_org_role).delete(remove_from_org),
        )
        .route("/api/v1/outbox", get(outbox))
        .route("/api/v1/audit_log", get(audit_log))
        .route("/api/v1/event", get(events))
        .route("/api/v1/event/{id}", get(event))
}

fn body(bytes: &Bytes) -> Result<Body, ApiError> {
    Ok(Body(json_object(bytes)?))
}

fn one(v: Value, params: &Params) -> Response {
    Json(select_fields(v, params.fields().as_deref())).into_response()
}

fn settings(b: &Body) -> Result<MemberSettings, ApiError> {
    Ok(MemberSettings {
        restrictions: b.str_list("restrictions")?,
        round_robin: b.bool("round_robin")?,
        homepage: b.str("homepage")?,
    })
}

const PATCH_FIELDS: &[&str] = &[
    "role_id",
    "restrictions",
    "round_robin",
    "manager_id",
    "homepage",
    "auto_record_calls",
    "track_email_opens",
    "default_caller_id",
    "first_name",
    "last_name",
    "phone",
    "password",
];

fn patch(b: &Body) -> Result<MemberPatch, ApiError> {
    Ok(MemberPatch {
        role_id: b.str("role_id")?,
        restrictions: b.str_list("restrictions")?,
        round_robin: b.bool("round_robin")?,
        manager_id: b.nullable_str("manager_id")?,
        homepage: b.str("homepage")?,
        auto_record_calls: b.str("auto_record_calls")?,
        track_email_opens: b.bool("track_email_opens")?,
        default_caller_id: b.nullable_str("default_caller_id")?,
        first_name: b.str("first_name")?,
        last_name: b.str("last_name")?,
        phone: b.nullable_str("phone")?,
        password: b.str("password")?,
    })
}

async fn list_members(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    let (skip, limit) = p.paging(100, 1000)?;
    let nonempty = |k: &str| {
        p.get(k)
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
    };
    let filter = MemberFilter {
        status: nonempty("status"),
        role_id: nonempty("role_id"),
        group_id: nonempty("group_id"),
        text: nonempty("query"),
    };
    let all = st.services.list_members(&actor, filter).await?;
    let total = all.len() as i64;
    let fields = p.fields();
    // Presence across every node of the deployment (SPEC S9, S10).
    let online = st.services.presence().online(&actor.workspace_id);
    let data: Vec<Value> = all
        .iter()
        .skip(skip as usize)
        .take(limit as usize)
        .map(|l| {
            let mut v = wire::member_listing(l);
            v["is_online"] = json!(online.contains(&l.view.member.membership.user_id));
            select_fields(v, fields.as_deref())
        })
        .collect();
    let has_more = skip + (data.len() as i64) < total;
    Ok(Json(json!({"data": data, "has_more": has_more, "total_results": total})).into_response())
}

async fn provision(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    RawQuery(q): RawQuery,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = body(&bytes)?;
    b.only(&["email", "role_id"])?;
    let l = st
        .services
        .provision_membership(
            &actor,
            &b.required_str("email")?,
            &b.required_str("role_id")?,
        )
        .await?;
    Ok(one(
        wire::member_listing(&l),
        &Params::from_query(q.as_deref()),
    ))
}

async fn add_member(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = body(&bytes)?;
    b.only(&[
        "email",
        "role_id",
        "first_name",
        "last_name",
        "phone",
        "password",
        "restrictions",
        "round_robin",
        "homepage",
    ])?;
    let input = AddInput {
        email: b.required_str("email")?,
        role_id: b.required_str("role_id")?,
        first_name: b.required_str("first_name")?,
        last_name: b.str("last_name")?.unwrap_or_default(),
        phone: b.str("phone")?,
        password: b.required_str("password")?,
        settings: settings(&b)?,
    };
    let l = st.services.add_member(&actor, input).await?;
    Ok((StatusCode::CREATED, Json(wire::member_listing(&l))).into_response())
}

async fn bulk_update(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let mut b = body(&bytes)?;
    let ids = match b.0.remove("_params") {
        Some(Value::Object(p)) => match p.get("id__in") {
            Some(Value::String(s)) => s
                .split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>(),
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => {
                return Err(ApiError::field(
                    "_params",
                    "`_params.id__in` must list the membership ids to update.",
                ));
            }
        },
        _ => {
            return Err(ApiError::field(
                "_params",
                "Bulk updates need `_params` with `id__in`.",
            ));
        }
    };
    b.only(PATCH_FIELDS)?;
    let count = st.services.update_members(&actor, &ids, patch(&b)?).await?;
    Ok(Json(json!({"count": count})).into_response())
}

async fn get_member(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let l = st.services.get_member(&actor, &id).await?;
    Ok(one(
        wire::member_listing(&l),
        &Params::from_query(q.as_deref()),
    ))
}

async fn update_member(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = body(&bytes)?;
    b.only(PATCH_FIELDS)?;
    let l = st.services.update_member(&actor, &id, patch(&b)?).await?;
    Ok(one(
        wire::member_listing(&l),
        &Params::from_query(q.as_deref()),
    ))
}

/// Close's DELETE deactivates the membership.
async fn deactivate(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    st.services.deactivate_member(&actor, &id).await?;
    Ok(Json(json!({})).into_response())
}

async fn reactivate(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let l = st.services.reactivate_member(&actor, &id).await?;
    Ok(Json(wire::member_listing(&l)).into_response())
}

async fn remove(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = body(&bytes)?;
    b.only(&["reassign_to"])?;
    let l = st
        .services
        .remove_member(&actor, &id, b.str("reassign_to")?.as_deref())
        .await?;
    Ok(Json(wire::member_listing(&l)).into_response())
}

async fn get_pinned(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let ids = st.services.pinned_views(&actor, &id).await?;
    Ok(Json(json!({"saved_view_ids": ids})).into_response())
}

async fn put_pinned(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = body(&bytes)?;
    b.only(&["saved_view_ids"])?;
    let ids = b
        .str_list("saved_view_ids")?
        .ok_or_else(|| ApiError::field("saved_view_ids", "`saved_view_ids` is required."))?;
    let ids = st.services.set_pinned_views(&actor, &id, ids).await?;
    Ok(Json(json!({"saved_view_ids": ids})).into_response())
}

async fn list_invitations(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
) -> Result<Response, ApiError> {
    let pending = st
        .services
        .list_members(
            &actor,
            MemberFilter {
                status: Some("invited".into()),
                ..Default::default()
            },
        )
        .await?;
    let data: Vec<Value> = pending.iter().map(wire::member_listing).collect();
    Ok(Json(json!({"data": data, "has_more": false})).into_response())
}

async fn invite(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = body(&bytes)?;
    b.only(&[
        "email",
        "role_id",
        "first_name",
        "last_name",
        "phone",
        "restrictions",
        "round_robin",
        "homepage",
    ])?;
    let input = InviteInput {
        email: b.required_str("email")?,
        role_id: b.required_str("role_id")?,
        first_name: b.str("first_name")?,
        last_name: b.str("last_name")?,
        phone: b.str("phone")?,
        settings: settings(&b)?,
    };
    let l = st.services.invite_member(&actor, input).await?;
    Ok((StatusCode::CREATED, Json(wire::member_listing(&l))).into_response())
}

async fn resend_invitation(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let l = st.services.resend_invitation(&actor, &id).await?;
    Ok(Json(wire::member_listing(&l)).into_response())
}

async fn cancel_invitation(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    st.services.cancel_invitation(&actor, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn seat_json(r: &corral_services::members::SeatReport) -> Value {
    json!({
        "organization_id": r.organization_id,
        "seats_used": r.seats_used,
        "seat_limit": r.seat_limit,
        "history": r.history.iter().map(|c| json!({
            "user_id": c.user_id, "delta": c.delta, "reason": c.reason,
            "actor_user_id": c.actor_user_id, "seats_after": c.seats_after, "date_created": wire::ts(&c.date_created),
        })).collect::<Vec<_>>(),
    })
}

async fn seats(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
) -> Result<Response, ApiError> {
    Ok(Json(seat_json(&st.services.seat_report(&actor).await?)).into_response())
}

async fn set_seats(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = body(&bytes)?;
    b.only(&["seat_limit"])?;
    let limit = b.int("seat_limit")?.ok_or_else(|| {
        ApiError::field(
            "seat_limit",
            "`seat_limit` is required (a number, or null for no limit).",
        )
    })?;
    Ok(Json(seat_json(&st.services.set_seat_limit(&actor, limit).await?)).into_response())
}

async fn outbox(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
) -> Result<Response, ApiError> {
    let emails = st.services.outbox(&actor).await?;
    let data: Vec<Value> = emails
        .iter()
        .map(|e| json!({
            "id": e.id, "to": e.to_email, "subject": e.subject, "body_text": e.body_text, "status": e.status,
            "attempts": e.attempts, "last_error": e.last_error, "date_created": wire::ts(&e.date_created),
            "sent_at": wire::ts_opt(&e.sent_at), "next_attempt_at": wire::ts(&e.next_attempt_at),
        }))
        .collect();
    Ok(Json(json!({"data": data, "has_more": false})).into_response())
}

fn parse_date(k: &str, v: &str) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, f) {
            return Ok(t.and_utc());
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(t.and_utc());
    }
    Err(ApiError::field(
        k,
        format!("'{v}' is not a date or date-time (use ISO 8601, e.g. 2026-01-31T10:00:00)."),
    ))
}

/// Filters shared by the audit and event logs.
fn log_filter(p: &Params) -> Result<(AuditFilter, i64), ApiError> {
    if p.get("_skip").is_some() {
        return Err(ApiError::field(
            "_skip",
            "The event log pages with `_cursor`, not `_skip`.",
        ));
    }
    let limit = match p.get("_limit").filter(|s| !s.is_empty()) {
        None => 50,
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=50).contains(n))
            .ok_or_else(|| ApiError::field("_limit", "`_limit` must be between 1 and 50."))?,
    };
    let s = |k: &str| p.get(k).filter(|v| !v.is_empty()).map(str::to_string);
    let mut f = AuditFilter {
        object_type: s("object_type"),
        object_id: s("object_id"),
        action: s("action"),
        actor_user_id: s("user_id"),
        request_id: s("request_id"),
        ..Default::default()
    };
    // Everything about a lead by `lead_id`: its own events and those of its contacts,
    // opportunities, tasks and activities.
    f.lead_id = s("lead_id");
    for (k, lower) in [
        ("date_updated__gt", true),
        ("date_updated__gte", true),
        ("date_updated__lt", false),
        ("date_updated__lte", false),
    ] {
        if let Some(v) = s(k) {
            let t = parse_date(k, &v)?;
            if lower {
                f.since = Some(t);
            } else {
                f.until = Some(t);
            }
        }
    }
    Ok((f, limit))
}

async fn audit_log(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    let (f, limit) = log_filter(&p)?;
    let page = st
        .services
        .audit_log(&actor, f, p.get("_cursor"), limit)
        .await?;
    let data: Vec<Value> = page.entries.iter().map(wire::event).collect();
    Ok(
        Json(
            json!({"data": data, "cursor_next": page.cursor_next, "cursor_previous": Value::Null}),
        )
        .into_response(),
    )
}

async fn events(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::from_query(q.as_deref());
    let (f, limit) = log_filter(&p)?;
    let page = st
        .services
        .event_log(&actor, f, p.get("_cursor"), limit)
        .await?;
    let data: Vec<Value> = page.entries.iter().map(wire::event).collect();
    Ok(
        Json(
            json!({"data": data, "cursor_next": page.cursor_next, "cursor_previous": Value::Null}),
        )
        .into_response(),
    )
}

async fn event(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(wire::event(&st.services.event(&actor, &id).await?)).into_response())
}

async fn set_org_role(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(user_id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = body(&bytes)?;
    b.only(&["org_role"])?;
    st.services
        .set_org_role(&actor, &user_id, &b.required_str("org_role")?)
        .await?;
    Ok(Json(json!({"user_id": user_id, "org_role": b.required_str("org_role")?})).into_response())
}

async fn remove_from_org(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(user_id): Path<String>,
) -> Result<Response, ApiError> {
    let ended = st
        .services
        .remove_from_organization(&actor, &user_id)
        .await?;
    Ok(Json(json!({"memberships_ended": ended})).into_response())
}

fn disposition(
    b: &Body,
    key: &str,
    default: corral_domain::offboarding::Disposition,
) -> Result<corral_domain::offboarding::Disposition, ApiError> {
    use corral_domain::offboarding::Disposition;
    let Some(v) = b.0.get(key).filter(|v| !v.is_null()) else {
        return Ok(default);
    };
    let mode = v.get("mode").and_then(Value::as_str).ok_or_else(|| {
        ApiError::field(
            key,
            format!("`{key}.mode` is required: leave, unassign, reassign or round_robin."),
        )
    })?;
    match mode {
        "leave" => Ok(Disposition::Leave),
        "unassign" => Ok(Disposition::Unassign),
        "reassign" => v
            .get("user_id")
            .and_then(Value::as_str)
            .map(|u| Disposition::Reassign(u.to_string()))
            .ok_or_else(|| ApiError::field(key, format!("`{key}.user_id` names who takes them."))),
        "round_robin" => match (v.get("user_ids"), v.get("group_id").and_then(Value::as_str)) {
            (None, Some(g)) => Ok(Disposition::RoundRobin(vec![g.to_string()])),
            (Some(Value::Array(a)), None) => Ok(Disposition::RoundRobin(
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
            )),
            _ => Err(ApiError::field(
                key,
                format!(
                    "`{key}.user_ids` lists the members to share them between, or `{key}.group_id` names a group whose active members share them."
                ),
            )),
        },
        other => Err(ApiError::field(
            key,
            format!("'{other}' is not a disposition: leave, unassign, reassign or round_robin."),
        )),
    }
}

fn choices(b: &Body, action: &str) -> Result<corral_services::offboarding::Choices, ApiError> {
    let d = corral_services::offboarding::Choices::default_for(action);
    Ok(corral_services::offboarding::Choices {
        leads: disposition(b, "leads", d.leads)?,
        opportunities: disposition(b, "opportunities", d.opportunities)?,
        tasks: disposition(b, "tasks", d.tasks)?,
        contacts: disposition(b, "contacts", d.contacts)?,
        phone_numbers: disposition(b, "phone_numbers", d.phone_numbers)?,
    })
}

fn receiver_counts(receivers: &[(Option<String>, usize)]) -> Value {
    Value::Object(
        receivers
            .iter()
            .map(|(to, n)| (to.clone().unwrap_or_else(|| "unassigned".into()), json!(n)))
            .collect(),
    )
}

/// An offboarding as the API shows it; the manifest (grouped: kind, from, to, record ids)
/// only where asked for.
fn offboarding_json(row: &corral_store::model::OffboardingRow, manifest: Option<Value>) -> Value {
    let mut v = json!({"id": row.id, "membership_id": row.membership_id, "user_id": row.user_id, "actor_user_id": row.actor_user_id, "action": row.action, "moved": row.moved, "date_created": wire::ts(&row.date_created), "undone_at": row.undone_at.as_ref().map(wire::ts)});
    if let Some(m) = manifest {
        v["manifest"] = m;
    }
    v
}

async fn offboarding_plan(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = body(&bytes)?;
    b.only(&[
        "action",
        "leads",
        "opportunities",
        "tasks",
        "contacts",
        "phone_numbers",
    ])?;
    let action = b.str("action")?.unwrap_or_else(|| "remove".into());
    let plan = st
        .services
        .plan_offboarding(&actor, &id, &choices(&b, &action)?)
        .await?;
    Ok(Json(json!({
        "membership_id": plan.membership_id, "user_id": plan.user_id,
        "categories": plan.categories.iter().map(|c| json!({"key": c.key, "label": c.label, "count": c.count, "sample": c.sample})).collect::<Vec<_>>(),
        "groups": plan.groups, "api_keys": plan.api_keys, "smart_views": plan.smart_views, "webhooks": plan.webhooks, "round_robin": plan.round_robin,
        "activities_stay": plan.activities_stay,
        "moves": plan.moves, "moves_by_target": receiver_counts(&plan.receivers),
        "note": "Email routing of a leaver stays with your mail provider: set up forwarding there.",
    }))
    .into_response())
}

async fn offboard(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = body(&bytes)?;
    b.only(&[
        "action",
        "leads",
        "opportunities",
        "tasks",
        "contacts",
        "phone_numbers",
    ])?;
    let action = b.required_str("action")?;
    let done = st
        .services
        .offboard(&actor, &id, &action, &choices(&b, &action)?)
        .await?;
    Ok(Json(offboarding_json(&done.row, None)).into_response())
}

async fn list_offboardings(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
) -> Result<Response, ApiError> {
    let (rows, more) = st.services.list_offboardings(&actor).await?;
    Ok(Json(json!({"data": rows.iter().map(|r| offboarding_json(r, None)).collect::<Vec<_>>(), "has_more": more})).into_response())
}

async fn get_offboarding(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let o = st.services.get_offboarding(&actor, &id).await?;
    let manifest = Value::Array(
        o.manifest
            .iter()
            .map(corral_services::offboarding::handover_json)
            .collect(),
    );
    Ok(Json(offboarding_json(&o.row, Some(manifest))).into_response())
}

async fn undo_offboarding(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let r = st.services.undo_offboarding(&actor, &id).await?;
    Ok(Json(json!({"restored": r.restored, "skipped": r.skipped.iter().map(|(rec, why)| json!({"record_id": rec, "reason": why})).collect::<Vec<_>>()})).into_response())
}
