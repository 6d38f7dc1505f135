//! Groups of members within a workspace.

use crate::model::{GroupRow, Ts};
use crate::queries::db_err;
use crate::{Result, Tx, on, on_guarded};

pub async fn insert(tx: &mut Tx, g: &GroupRow) -> Result<()> {
    on_guarded!(tx, c => sqlx::query("INSERT INTO groups (id, workspace_id, name, date_created, date_updated) VALUES ($1, $2, $3, $4, $5)")
        .bind(&g.id).bind(&g.workspace_id).bind(&g.name).bind(g.date_created).bind(g.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn list(tx: &mut Tx, workspace_id: &str) -> Result<Vec<GroupRow>> {
    on!(tx, c => sqlx::query_as::<_, GroupRow>("SELECT id, workspace_id, name, date_created, date_updated FROM groups WHERE workspace_id = $1 ORDER BY name, id")
        .bind(workspace_id).fetch_all(c).await).map_err(db_err)
}

/// Adds a member; adding one already there changes nothing.
pub async fn add_member(tx: &mut Tx, group_id: &str, user_id: &str, now: Ts) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO group_members (workspace_id, group_id, user_id, date_created) SELECT workspace_id, id, $2, $3 FROM groups WHERE id = $1 ON CONFLICT DO NOTHING")
        .bind(group_id).bind(user_id).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn member_ids(tx: &mut Tx, group_id: &str) -> Result<Vec<String>> {
    on!(tx, c => sqlx::query_scalar("SELECT user_id FROM group_members WHERE group_id = $1 ORDER BY date_created, user_id")
        .bind(group_id).fetch_all(c).await).map_err(db_err)
}

pub async fn get(tx: &mut Tx, workspace_id: &str, id: &str) -> Result<Option<GroupRow>> {
    on!(tx, c => sqlx::query_as::<_, GroupRow>("SELECT id, workspace_id, name, date_created, date_updated FROM groups WHERE workspace_id = $1 AND id = $2")
        .bind(workspace_id).bind(id).fetch_optional(c).await).map_err(db_err)
}

pub async fn rename(tx: &mut Tx, id: &str, name: &str, now: Ts) -> Result<()> {
    crate::on_guarded!(tx, c => sqlx::query("UPDATE groups SET name = $2, date_updated = $3 WHERE id = $1")
        .bind(id).bind(name).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Deletes a group and its member list (the members stay in the workspace).
pub async fn delete(tx: &mut Tx, id: &str) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM group_members WHERE group_id = $1").bind(id).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    on!(tx, c => sqlx::query("DELETE FROM groups WHERE id = $1").bind(id).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn remove_member(tx: &mut Tx, group_id: &str, user_id: &str) -> Result<u64> {
    on!(tx, c => sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
        .bind(group_id).bind(user_id).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)
}
