//! Close's JSON shapes for Corral's objects.

use chrono::{DateTime, Utc};
use corral_domain::PermissionSet;
use corral_services::workspace::{MeView, MemberView, WorkspaceView};
use corral_store::model::{MembershipRow, UserRow};
use serde_json::{Value, json};

/// Close's timestamp form: microseconds and an explicit UTC offset.
pub fn ts(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

pub fn ts_opt(t: &Option<DateTime<Utc>>) -> Value {
    t.as_ref()
        .map(|t| Value::String(ts(t)))
        .unwrap_or(Value::Null)
}

fn full_name(first: &str, last: &str) -> String {
    format!("{first} {last}").trim().to_string()
}

/// The avatar URL: the stored image, or a generated initials avatar.
pub fn image(image: &Option<String>, first: &str, last: &str, email: &str) -> String {
    image
        .clone()
        .unwrap_or_else(|| corral_services::workspace::initials_avatar(first, last, email))
}

pub fn user(u: &UserRow, organizations: &[String]) -> Value {
    json!({
        "id": u.id,
        "email": u.email,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "display_name": full_name(&u.first_name, &u.last_name),
        "image": image(&u.image, &u.first_name, &u.last_name, &u.email),
        "phone": u.phone,
        "last_used_timezone": u.timezone,
        "organizations": organizations,
        "date_created": ts(&u.date_created),
        "date_updated": ts(&u.date_updated),
    })
}

fn restrictions(stored: &str) -> Vec<&str> {
    stored.split(',').filter(|s| !s.is_empty()).collect()
}

/// A membership as `/me/` and `/membership/` show it.
pub fn membership(m: &MembershipRow, perms: &PermissionSet) -> Value {
    json!({
        "id": m.id,
        "organization_id": m.workspace_id,
        "user_id": m.user_id,
        "role_id": m.role_id,
        "role": m.role_id,
        "permissions_granted": perms.names(),
        "status": m.status,
        "auto_record_calls": m.auto_record_calls,
        "track_email_opens": m.track_email_opens,
        "default_caller_id": m.default_caller_id,
        "round_robin": m.round_robin,
        "homepage": m.homepage,
        "restrictions": restrictions(&m.restrictions),
        "manager_id": m.manager_id,
        "last_active_at": ts_opt(&m.last_active_at),
        "date_created": ts(&m.date_created),
        "date_updated": ts(&m.date_updated),
    })
}

/// A membership inside an organization object: flat `user_*` keys, or a nested `user` when
/// expanded.
pub fn org_membership(mv: &MemberView, expand_user: bool) -> Value {
    let m = &mv.member.membership;
    let mut v = membership(m, &mv.permissions);
    v["role_name"] = json!(mv.role_name);
    let u = &mv.member;
    let img = image(
        &u.user_image,
        &u.user_first_name,
        &u.user_last_name,
        &u.user_email,
    );
    if expand_user {
        v["user"] = json!({
            "id": m.user_id,
            "email": u.user_email,
            "first_name": u.user_first_name,
            "last_name": u.user_last_name,
            "display_name": full_name(&u.user_first_name, &u.user_last_name),
            "phone": u.user_phone,
            "image": img,
        });
    } else {
        v["user_email"] = json!(u.user_email);
        v["user_first_name"] = json!(u.user_first_name);
        v["user_last_name"] = json!(u.user_last_name);
        v["user_full_name"] = json!(full_name(&u.user_first_name, &u.user_last_name));
        v["user_phone"] = json!(u.user_phone);
        v["user_image"] = json!(img);
    }
    v
}

fn currency_symbol(code: &str) -> &'static str {
    match code {
        "USD" | "CAD" | "AUD" | "NZD" | "MXN" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" | "CNY" => "¥",
        "INR" => "₹",
        "CHF" => "CHF",
        _ => "",
    }
}

/// A workspace in Close's organization shape.
pub fn organization(w: &WorkspaceView, expand_users: bool) -> Value {
    let ws = &w.workspace;
    json!({
        "id": ws.id,
        "name": ws.name,
        "created_by": ws.created_by,
        "updated_by": ws.updated_by,
        "date_created": ts(&ws.date_created),
        "date_updated": ts(&ws.date_updated),
        "plan_type": "corral",
        "currency": ws.currency,
        "currency_symbol": currency_symbol(&ws.currency),
        "lead_statuses": w.lead_statuses.iter().map(|s| json!({"id": s.id, "label": s.label})).collect::<Vec<_>>(),
        "opportunity_statuses": [],
        "pipelines": [],
        "memberships": w.memberships.iter().map(|m| org_membership(m, expand_users)).collect::<Vec<_>>(),
        "inactive_memberships": w.inactive_memberships.iter().map(|m| org_membership(m, expand_users)).collect::<Vec<_>>(),
        "account_id": w.organization.id,
        "account_name": w.organization.name,
        "seat_limit": w.organization.seat_limit,
        "seats_used": w.memberships.len(),
    })
}

pub fn me(v: &MeView) -> Value {
    let u = &v.user;
    let ws_ids: Vec<String> = v
        .workspaces
        .iter()
        .map(|w| w.workspace.id.clone())
        .collect();
    let mut out = user(u, &ws_ids);
    out["memberships"] = Value::Array(
        v.memberships
            .iter()
            .map(|(m, p)| membership(m, p))
            .collect(),
    );
    out["organizations"] = Value::Array(
        v.workspaces
            .iter()
            .map(|w| organization(w, false))
            .collect(),
    );
    out["email_accounts"] = json!([]);
    out["phone_numbers"] = json!([]);
    out
}

/// A member as the team-administration endpoints show it.
pub fn member_listing(l: &corral_services::members::MemberListing) -> Value {
    let mut v = org_membership(&l.view, false);
    let m = &l.view.member.membership;
    v["groups"] = json!(l.groups);
    v["invited_by"] = json!(m.invited_by);
    v["date_activated"] = ts_opt(&m.date_activated);
    v["date_deactivated"] = ts_opt(&m.date_deactivated);
    v["date_removed"] = ts_opt(&m.date_removed);
    v["invitation"] = match &l.invitation {
        Some(i) => json!({
            "id": i.id,
            "email": i.email,
            "expires_at": ts(&i.expires_at),
            "last_sent_at": ts(&i.last_sent_at),
            "expired": i.expires_at <= chrono::Utc::now(),
        }),
        None => Value::Null,
    };
    v
}

pub use corral_services::audit::naive_ts;

/// Adds a contact's or opportunity's custom values (JSON object text) to `out` as flat
/// `custom.cf_…` keys.
pub fn flatten_custom(out: &mut Value, custom: &str) {
    if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(custom) {
        for (k, v) in m {
            out[format!("custom.{k}")] = v;
        }
    }
}

/// Takes the flat `custom.cf_…` keys out of a request body.
pub fn custom_keys(m: &serde_json::Map<String, Value>) -> Vec<(String, Value)> {
    m.iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("custom.")
                .map(|f| (f.to_string(), v.clone()))
        })
        .collect()
}

/// An audit entry in Close's event-log shape.
pub fn event(a: &corral_store::model::AuditRow) -> Value {
    corral_services::audit::event_json(a)
}
