//! Custom roles of a workspace (built-in roles live in the domain, not in tables).

use crate::model::RoleRow;
use crate::queries::db_err;
use crate::{Result, Tx, on, on_guarded};

macro_rules! role_cols {
    () => {
        "id, workspace_id, name, permissions, visibility_user_lcf_ids, visibility_user_lcf_behavior, visibility_include_reports, date_created, date_updated"
    };
}

pub async fn insert(tx: &mut Tx, r: &RoleRow) -> Result<()> {
    on_guarded!(tx, c => sqlx::query(concat!("INSERT INTO roles (", role_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
        .bind(&r.id).bind(&r.workspace_id).bind(&r.name).bind(&r.permissions)
        .bind(&r.visibility_user_lcf_ids).bind(&r.visibility_user_lcf_behavior)
        .bind(r.visibility_include_reports).bind(r.date_created).bind(r.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn get(tx: &mut Tx, workspace_id: &str, id: &str) -> Result<Option<RoleRow>> {
    on!(tx, c => sqlx::query_as::<_, RoleRow>(concat!("SELECT ", role_cols!(), " FROM roles WHERE workspace_id = $1 AND id = $2"))
        .bind(workspace_id).bind(id).fetch_optional(c).await).map_err(db_err)
}

pub async fn list(tx: &mut Tx, workspace_id: &str) -> Result<Vec<RoleRow>> {
    on!(tx, c => sqlx::query_as::<_, RoleRow>(concat!("SELECT ", role_cols!(), " FROM roles WHERE workspace_id = $1 ORDER BY date_created, id"))
        .bind(workspace_id).fetch_all(c).await).map_err(db_err)
}

/// Writes name, permissions and visibility back.
pub async fn update(tx: &mut Tx, r: &RoleRow) -> Result<()> {
    crate::on_guarded!(tx, c => sqlx::query("UPDATE roles SET name = $2, permissions = $3, visibility_user_lcf_ids = $4, visibility_user_lcf_behavior = $5, visibility_include_reports = $6, date_updated = $7 WHERE id = $1")
        .bind(&r.id).bind(&r.name).bind(&r.permissions).bind(&r.visibility_user_lcf_ids)
        .bind(&r.visibility_user_lcf_behavior).bind(r.visibility_include_reports).bind(r.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn delete(tx: &mut Tx, workspace_id: &str, id: &str) -> Result<u64> {
    on!(tx, c => sqlx::query("DELETE FROM roles WHERE workspace_id = $1 AND id = $2")
        .bind(workspace_id).bind(id).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)
}

/// How many memberships (any status) hold the role.
pub async fn holders(tx: &mut Tx, workspace_id: &str, role_id: &str) -> Result<i64> {
    on!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE workspace_id = $1 AND role_id = $2")
        .bind(workspace_id).bind(role_id).fetch_one(c).await).map_err(db_err)
}

/// Moves every holder of `from` to `to`; returns the membership ids moved.
pub async fn move_holders(
    tx: &mut Tx,
    workspace_id: &str,
    from: &str,
    to: &str,
    now: crate::model::Ts,
) -> Result<Vec<String>> {
    let ids: Vec<String> = on!(tx, c => sqlx::query_scalar("SELECT id FROM memberships WHERE workspace_id = $1 AND role_id = $2 ORDER BY id")
        .bind(workspace_id).bind(from).fetch_all(c).await).map_err(db_err)?;
    on!(tx, c => sqlx::query("UPDATE memberships SET role_id = $3, date_updated = $4 WHERE workspace_id = $1 AND role_id = $2")
        .bind(workspace_id).bind(from).bind(to).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(ids)
}
