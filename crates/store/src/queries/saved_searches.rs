//! Smart Views (saved searches) and their shares.

use crate::model::SavedSearchRow;
use crate::queries::db_err;
use crate::{Result, Tx, on};

macro_rules! cols {
    () => {
        "s.id, s.workspace_id, s.name, s.description, s.view_type, s.s_query, s.user_id, s.whole_org, s.created_by, s.updated_by, s.date_created, s.date_updated"
    };
}

/// The condition (over `s`) that `$2` (a user id) may see the view: their own, shared with
/// the whole workspace, with them, or with a group they are in.
macro_rules! visible_to {
    () => {
        "(s.user_id = $2 OR s.whole_org = TRUE OR EXISTS (SELECT 1 FROM saved_search_shares x WHERE x.workspace_id = s.workspace_id AND x.saved_search_id = s.id AND ((x.kind = 'user' AND x.target_id = $2) OR (x.kind = 'group' AND x.target_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.workspace_id = s.workspace_id AND gm.user_id = $2)))))"
    };
}

pub async fn insert(tx: &mut Tx, s: &SavedSearchRow) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO saved_searches (id, workspace_id, name, description, view_type, s_query, user_id, whole_org, created_by, updated_by, date_created, date_updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
        .bind(&s.id).bind(&s.workspace_id).bind(&s.name).bind(&s.description).bind(&s.view_type).bind(&s.s_query).bind(&s.user_id).bind(s.whole_org)
        .bind(&s.created_by).bind(&s.updated_by).bind(s.date_created).bind(s.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn update(tx: &mut Tx, s: &SavedSearchRow) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE saved_searches SET name = $2, description = $3, s_query = $4, whole_org = $5, updated_by = $6, date_updated = $7 WHERE id = $1")
        .bind(&s.id).bind(&s.name).bind(&s.description).bind(&s.s_query).bind(s.whole_org).bind(&s.updated_by).bind(s.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn delete(tx: &mut Tx, id: &str) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM saved_search_shares WHERE saved_search_id = $1")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)?;
    on!(tx, c => sqlx::query("DELETE FROM saved_searches WHERE id = $1")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)?;
    Ok(())
}

/// Replaces who the view is shared with (besides the whole workspace).
pub async fn set_shares(
    tx: &mut Tx,
    id: &str,
    user_ids: &[String],
    group_ids: &[String],
) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM saved_search_shares WHERE saved_search_id = $1")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)?;
    for (kind, ids) in [("user", user_ids), ("group", group_ids)] {
        for t in ids {
            on!(tx, c => sqlx::query("INSERT INTO saved_search_shares (workspace_id, saved_search_id, kind, target_id) SELECT workspace_id, id, $2, $3 FROM saved_searches WHERE id = $1 ON CONFLICT DO NOTHING")
                .bind(id).bind(kind).bind(t).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
        }
    }
    Ok(())
}

/// (user ids, group ids) the view is shared with.
pub async fn shares(tx: &mut Tx, id: &str) -> Result<(Vec<String>, Vec<String>)> {
    let rows: Vec<(String, String)> = on!(tx, c => sqlx::query_as::<_, (String, String)>("SELECT kind, target_id FROM saved_search_shares WHERE saved_search_id = $1 ORDER BY kind, target_id")
        .bind(id).fetch_all(c).await).map_err(db_err)?;
    let mut users = vec![];
    let mut groups = vec![];
    for (k, t) in rows {
        if k == "user" {
            users.push(t);
        } else {
            groups.push(t);
        }
    }
    Ok((users, groups))
}

/// The views of the workspace `user_id` may see, newest first.
pub async fn list_visible(
    tx: &mut Tx,
    workspace_id: &str,
    user_id: &str,
) -> Result<Vec<SavedSearchRow>> {
    on!(tx, c => sqlx::query_as::<_, SavedSearchRow>(concat!("SELECT ", cols!(), " FROM saved_searches s WHERE s.workspace_id = $1 AND ", visible_to!(), " ORDER BY s.date_created DESC, s.id"))
        .bind(workspace_id).bind(user_id).fetch_all(c).await).map_err(db_err)
}

/// One view, when `user_id` may see it.
pub async fn get_visible(
    tx: &mut Tx,
    workspace_id: &str,
    user_id: &str,
    id: &str,
) -> Result<Option<SavedSearchRow>> {
    on!(tx, c => sqlx::query_as::<_, SavedSearchRow>(concat!("SELECT ", cols!(), " FROM saved_searches s WHERE s.workspace_id = $1 AND s.id = $3 AND ", visible_to!()))
        .bind(workspace_id).bind(user_id).bind(id).fetch_optional(c).await).map_err(db_err)
}

/// Views a member owns (for offboarding inventories).
pub async fn count_owned(tx: &mut Tx, workspace_id: &str, user_id: &str) -> Result<i64> {
    on!(tx, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM saved_searches WHERE workspace_id = $1 AND user_id = $2")
        .bind(workspace_id).bind(user_id).fetch_one(c).await).map_err(db_err)
}
