//! Organizations, their owners and members, and their workspaces.

use crate::model::{OrganizationRow, Ts, WorkspaceRow};
use crate::queries::db_err;
use crate::{Result, Tx, on};

pub async fn count(tx: &mut Tx) -> Result<i64> {
    on!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM organizations").fetch_one(c).await)
        .map_err(db_err)
}

pub async fn insert(tx: &mut Tx, o: &OrganizationRow) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO organizations (id, name, seat_limit, date_created, date_updated) VALUES ($1, $2, $3, $4, $5)")
        .bind(&o.id).bind(&o.name).bind(o.seat_limit).bind(o.date_created).bind(o.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<OrganizationRow>> {
    on!(tx, c => sqlx::query_as::<_, OrganizationRow>("SELECT id, name, seat_limit, date_created, date_updated FROM organizations WHERE id = $1")
        .bind(id).fetch_optional(c).await).map_err(db_err)
}

/// Makes `user_id` a member of the organization (no-op if already one).
pub async fn add_member(
    tx: &mut Tx,
    org_id: &str,
    user_id: &str,
    org_role: &str,
    now: Ts,
) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO org_members (organization_id, user_id, org_role, date_created) VALUES ($1, $2, $3, $4) ON CONFLICT (organization_id, user_id) DO NOTHING")
        .bind(org_id).bind(user_id).bind(org_role).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// The user's org role (`owner`/`member`), or None when not a member.
pub async fn member_role(tx: &mut Tx, org_id: &str, user_id: &str) -> Result<Option<String>> {
    on!(tx, c => sqlx::query_scalar("SELECT org_role FROM org_members WHERE organization_id = $1 AND user_id = $2")
        .bind(org_id).bind(user_id).fetch_optional(c).await).map_err(db_err)
}

macro_rules! ws_cols {
    () => {
        "id, organization_id, name, currency, created_by, updated_by, date_created, date_updated"
    };
}

pub async fn insert_workspace(tx: &mut Tx, w: &WorkspaceRow) -> Result<()> {
    on!(tx, c => sqlx::query(concat!("INSERT INTO workspaces (", ws_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
        .bind(&w.id).bind(&w.organization_id).bind(&w.name).bind(&w.currency)
        .bind(&w.created_by).bind(&w.updated_by).bind(w.date_created).bind(w.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn get_workspace(tx: &mut Tx, id: &str) -> Result<Option<WorkspaceRow>> {
    on!(tx, c => sqlx::query_as::<_, WorkspaceRow>(concat!("SELECT ", ws_cols!(), " FROM workspaces WHERE id = $1"))
        .bind(id).fetch_optional(c).await).map_err(db_err)
}

pub async fn update_workspace(tx: &mut Tx, w: &WorkspaceRow) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE workspaces SET name = $2, currency = $3, updated_by = $4, date_updated = $5 WHERE id = $1")
        .bind(&w.id).bind(&w.name).bind(&w.currency).bind(&w.updated_by).bind(w.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Every workspace id in the database, oldest first.
pub async fn list_workspace_ids(tx: &mut Tx) -> Result<Vec<String>> {
    on!(tx, c => sqlx::query_scalar("SELECT id FROM workspaces ORDER BY date_created, id").fetch_all(c).await).map_err(db_err)
}

/// Owners of the organization.
pub async fn owner_ids(tx: &mut Tx, org_id: &str) -> Result<Vec<String>> {
    on!(tx, c => sqlx::query_scalar("SELECT user_id FROM org_members WHERE organization_id = $1 AND org_role = 'owner' ORDER BY user_id")
        .bind(org_id).fetch_all(c).await).map_err(db_err)
}

pub async fn set_member_role(
    tx: &mut Tx,
    org_id: &str,
    user_id: &str,
    org_role: &str,
) -> Result<u64> {
    on!(tx, c => sqlx::query("UPDATE org_members SET org_role = $3 WHERE organization_id = $1 AND user_id = $2")
        .bind(org_id).bind(user_id).bind(org_role).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)
}

pub async fn remove_member(tx: &mut Tx, org_id: &str, user_id: &str) -> Result<u64> {
    on!(tx, c => sqlx::query("DELETE FROM org_members WHERE organization_id = $1 AND user_id = $2")
        .bind(org_id).bind(user_id).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)
}

/// The user's memberships in every workspace of the organization.
pub async fn memberships_in_org(tx: &mut Tx, org_id: &str, user_id: &str) -> Result<Vec<String>> {
    on!(tx, c => sqlx::query_scalar("SELECT m.id FROM memberships m JOIN workspaces w ON w.id = m.workspace_id WHERE w.organization_id = $1 AND m.user_id = $2 ORDER BY m.id")
        .bind(org_id).bind(user_id).fetch_all(c).await).map_err(db_err)
}

/// The organization's first workspace (where new members land by default).
pub async fn first_workspace(tx: &mut Tx, org_id: &str) -> Result<Option<String>> {
    on!(tx, c => sqlx::query_scalar::<_, String>("SELECT id FROM workspaces WHERE organization_id = $1 ORDER BY date_created, id LIMIT 1")
        .bind(org_id).fetch_optional(c).await).map_err(db_err)
}
