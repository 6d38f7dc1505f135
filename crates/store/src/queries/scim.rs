//! SCIM provisioning: tokens, settings, what providers keep about users and groups, and the
//! activity log an owner reads.

use crate::model::{ScimActivityRow, ScimGroupRow, ScimSettingsRow, ScimTokenRow, ScimUserRow, Ts};
use crate::queries::db_err;
use crate::{Result, Tx, on, on_guarded};

macro_rules! token_cols {
    () => {
        "id, organization_id, name, token_hash, created_by, date_created, last_used_at, revoked_at"
    };
}

pub async fn insert_token(tx: &mut Tx, t: &ScimTokenRow) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO scim_tokens (id, organization_id, name, token_hash, created_by, date_created, last_used_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(&t.id).bind(&t.organization_id).bind(&t.name).bind(&t.token_hash).bind(&t.created_by)
        .bind(t.date_created).bind(t.last_used_at).bind(t.revoked_at)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// A token that has not been revoked, by hash.
pub async fn live_token(tx: &mut Tx, token_hash: &str) -> Result<Option<ScimTokenRow>> {
    on!(tx, c => sqlx::query_as::<_, ScimTokenRow>(concat!("SELECT ", token_cols!(), " FROM scim_tokens WHERE token_hash = $1 AND revoked_at IS NULL")).bind(token_hash).fetch_optional(c).await)
        .map_err(db_err)
}

pub async fn list_tokens(tx: &mut Tx, organization_id: &str) -> Result<Vec<ScimTokenRow>> {
    on!(tx, c => sqlx::query_as::<_, ScimTokenRow>(concat!("SELECT ", token_cols!(), " FROM scim_tokens WHERE organization_id = $1 ORDER BY date_created DESC, id")).bind(organization_id).fetch_all(c).await)
        .map_err(db_err)
}

/// Revokes a live token of the organization; returns whether one was revoked.
pub async fn revoke_token(tx: &mut Tx, organization_id: &str, id: &str, now: Ts) -> Result<bool> {
    let n = on!(tx, c => sqlx::query("UPDATE scim_tokens SET revoked_at = $3 WHERE organization_id = $1 AND id = $2 AND revoked_at IS NULL")
        .bind(organization_id).bind(id).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(n > 0)
}

pub async fn touch_token(tx: &mut Tx, id: &str, now: Ts) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE scim_tokens SET last_used_at = $2 WHERE id = $1")
        .bind(id).bind(now).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)?;
    Ok(())
}

pub async fn settings(tx: &mut Tx, organization_id: &str) -> Result<Option<ScimSettingsRow>> {
    on!(tx, c => sqlx::query_as::<_, ScimSettingsRow>("SELECT organization_id, workspace_id, role_id, deactivate_policy, reassign_to, date_updated FROM scim_settings WHERE organization_id = $1")
        .bind(organization_id).fetch_optional(c).await).map_err(db_err)
}

pub async fn put_settings(tx: &mut Tx, s: &ScimSettingsRow) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO scim_settings (organization_id, workspace_id, role_id, deactivate_policy, reassign_to, date_updated) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (organization_id) DO UPDATE SET workspace_id = excluded.workspace_id, role_id = excluded.role_id, deactivate_policy = excluded.deactivate_policy, reassign_to = excluded.reassign_to, date_updated = excluded.date_updated")
        .bind(&s.organization_id).bind(&s.workspace_id).bind(&s.role_id).bind(&s.deactivate_policy).bind(&s.reassign_to).bind(s.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Writes what the provider keeps about a user; a userName taken in the organization is a
/// conflict.
pub async fn put_user(tx: &mut Tx, u: &ScimUserRow) -> Result<()> {
    on_guarded!(tx, c => sqlx::query("INSERT INTO scim_users (organization_id, user_id, user_name, user_name_lower, external_id, attributes, date_created, date_updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (organization_id, user_id) DO UPDATE SET user_name = excluded.user_name, user_name_lower = excluded.user_name_lower, external_id = excluded.external_id, attributes = excluded.attributes, date_updated = excluded.date_updated")
        .bind(&u.organization_id).bind(&u.user_id).bind(&u.user_name).bind(&u.user_name_lower).bind(&u.external_id)
        .bind(&u.attributes).bind(u.date_created).bind(u.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn get_user(
    tx: &mut Tx,
    organization_id: &str,
    user_id: &str,
) -> Result<Option<ScimUserRow>> {
    on!(tx, c => sqlx::query_as::<_, ScimUserRow>("SELECT organization_id, user_id, user_name, user_name_lower, external_id, attributes, date_created, date_updated FROM scim_users WHERE organization_id = $1 AND user_id = $2")
        .bind(organization_id).bind(user_id).fetch_optional(c).await).map_err(db_err)
}

/// The user holding a userName in the organization, whether or not still a member.
pub async fn user_by_name(
    tx: &mut Tx,
    organization_id: &str,
    user_name_lower: &str,
) -> Result<Option<String>> {
    on!(tx, c => sqlx::query_scalar::<_, String>("SELECT user_id FROM scim_users WHERE organization_id = $1 AND user_name_lower = $2")
        .bind(organization_id).bind(user_name_lower).fetch_optional(c).await).map_err(db_err)
}

pub async fn delete_user(tx: &mut Tx, organization_id: &str, user_id: &str) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM scim_users WHERE organization_id = $1 AND user_id = $2")
        .bind(organization_id).bind(user_id).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)?;
    Ok(())
}

/// Groups of a workspace with their SCIM data, by name; one group when `id` is given.
pub async fn groups(
    tx: &mut Tx,
    workspace_id: &str,
    id: Option<&str>,
) -> Result<Vec<ScimGroupRow>> {
    on!(tx, c => sqlx::query_as::<_, ScimGroupRow>("SELECT g.id, g.name, g.date_created, g.date_updated, s.external_id, s.role_id, s.date_updated AS scim_date_updated FROM groups g LEFT JOIN scim_groups s ON s.workspace_id = g.workspace_id AND s.group_id = g.id WHERE g.workspace_id = $1 AND ($2 IS NULL OR g.id = $2) ORDER BY g.date_created, g.id")
        .bind(workspace_id).bind(id).fetch_all(c).await).map_err(db_err)
}

/// (group id, user id) for every group membership in a workspace.
pub async fn group_members(tx: &mut Tx, workspace_id: &str) -> Result<Vec<(String, String)>> {
    on!(tx, c => sqlx::query_as::<_, (String, String)>("SELECT gm.group_id, gm.user_id FROM group_members gm JOIN groups g ON g.workspace_id = gm.workspace_id AND g.id = gm.group_id WHERE g.workspace_id = $1 ORDER BY gm.date_created, gm.user_id")
        .bind(workspace_id).fetch_all(c).await).map_err(db_err)
}

pub async fn put_group(
    tx: &mut Tx,
    group_id: &str,
    organization_id: &str,
    external_id: Option<&str>,
    role_id: Option<&str>,
    now: Ts,
) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO scim_groups (workspace_id, group_id, organization_id, external_id, role_id, date_created, date_updated) SELECT workspace_id, id, $2, $3, $4, $5, $5 FROM groups WHERE id = $1 ON CONFLICT (workspace_id, group_id) DO UPDATE SET external_id = excluded.external_id, role_id = excluded.role_id, date_updated = excluded.date_updated")
        .bind(group_id).bind(organization_id).bind(external_id).bind(role_id).bind(now)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn delete_group(tx: &mut Tx, group_id: &str) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM scim_groups WHERE group_id = $1")
        .bind(group_id).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)?;
    Ok(())
}

pub async fn insert_activity(tx: &mut Tx, a: &ScimActivityRow) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO scim_activity (id, organization_id, token_id, method, path, status, detail, date_created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(&a.id).bind(&a.organization_id).bind(&a.token_id).bind(&a.method).bind(&a.path).bind(a.status).bind(&a.detail).bind(a.date_created)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn recent_activity(
    tx: &mut Tx,
    organization_id: &str,
    limit: i64,
) -> Result<Vec<ScimActivityRow>> {
    on!(tx, c => sqlx::query_as::<_, ScimActivityRow>("SELECT id, organization_id, token_id, method, path, status, detail, date_created FROM scim_activity WHERE organization_id = $1 ORDER BY date_created DESC, id DESC LIMIT $2")
        .bind(organization_id).bind(limit).fetch_all(c).await).map_err(db_err)
}

/// Users whose userName (or, never provisioned, email) is `lower`: the indexed way in for
/// `userName eq "…"` lookups.
pub async fn user_ids_named(
    tx: &mut Tx,
    organization_id: &str,
    lower: &str,
) -> Result<Vec<String>> {
    on!(tx, c => sqlx::query_scalar::<_, String>("SELECT user_id FROM scim_users WHERE organization_id = $1 AND user_name_lower = $2 UNION SELECT id FROM users WHERE email_lower = $2")
        .bind(organization_id).bind(lower).fetch_all(c).await).map_err(db_err)
}
