//! Memberships: user × workspace, with role, status and member settings.

use crate::model::{MemberRow, MembershipRow, Ts};
use crate::queries::db_err;
use crate::{Result, Tx, on, on_guarded};

macro_rules! memb_cols {
    ($p:literal) => {
        concat!(
            $p,
            "id, ",
            $p,
            "workspace_id, ",
            $p,
            "user_id, ",
            $p,
            "role_id, ",
            $p,
            "status, ",
            $p,
            "restrictions, ",
            $p,
            "round_robin, ",
            $p,
            "homepage, ",
            $p,
            "manager_id, ",
            $p,
            "auto_record_calls, ",
            $p,
            "track_email_opens, ",
            $p,
            "default_caller_id, ",
            $p,
            "last_active_at, ",
            $p,
            "invited_by, ",
            $p,
            "date_created, ",
            $p,
            "date_updated, ",
            $p,
            "date_activated, ",
            $p,
            "date_deactivated, ",
            $p,
            "date_removed, ",
            $p,
            "status_changed_by, ",
            $p,
            "pinned_views"
        )
    };
}

macro_rules! member_select {
    () => {
        concat!(
            "SELECT ", memb_cols!("m."),
            ", u.email AS user_email, u.first_name AS user_first_name, u.last_name AS user_last_name, u.phone AS user_phone, u.image AS user_image",
            " FROM memberships m JOIN users u ON u.id = m.user_id"
        )
    };
}

pub async fn insert(tx: &mut Tx, m: &MembershipRow) -> Result<()> {
    on_guarded!(tx, c => sqlx::query(concat!("INSERT INTO memberships (", memb_cols!(""), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"))
        .bind(&m.id).bind(&m.workspace_id).bind(&m.user_id).bind(&m.role_id).bind(&m.status)
        .bind(&m.restrictions).bind(m.round_robin).bind(&m.homepage).bind(&m.manager_id)
        .bind(&m.auto_record_calls).bind(m.track_email_opens).bind(&m.default_caller_id)
        .bind(m.last_active_at).bind(&m.invited_by).bind(m.date_created).bind(m.date_updated)
        .bind(m.date_activated).bind(m.date_deactivated).bind(m.date_removed).bind(&m.status_changed_by)
        .bind(&m.pinned_views)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    if m.status == "active" {
        crate::queries::team::seat_moved(tx, &m.workspace_id, &m.user_id, &m.id, 1).await?;
    }
    Ok(())
}

/// Writes every mutable field of `m` back (and moves the organization's seat count when the
/// membership starts or stops being active).
pub async fn update(tx: &mut Tx, m: &MembershipRow) -> Result<()> {
    let before: Option<(String, String, String)> = on!(tx, c => sqlx::query_as("SELECT status, workspace_id, user_id FROM memberships WHERE id = $1")
        .bind(&m.id).fetch_optional(c).await).map_err(db_err)?;
    on!(tx, c => sqlx::query("UPDATE memberships SET role_id = $2, status = $3, restrictions = $4, round_robin = $5, homepage = $6, manager_id = $7, auto_record_calls = $8, track_email_opens = $9, default_caller_id = $10, last_active_at = $11, date_updated = $12, date_activated = $13, date_deactivated = $14, date_removed = $15, status_changed_by = $16, pinned_views = $17 WHERE id = $1")
        .bind(&m.id).bind(&m.role_id).bind(&m.status).bind(&m.restrictions).bind(m.round_robin)
        .bind(&m.homepage).bind(&m.manager_id).bind(&m.auto_record_calls).bind(m.track_email_opens)
        .bind(&m.default_caller_id).bind(m.last_active_at).bind(m.date_updated).bind(m.date_activated)
        .bind(m.date_deactivated).bind(m.date_removed).bind(&m.status_changed_by).bind(&m.pinned_views)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    if let Some((was, workspace_id, user_id)) = before {
        let (was, is) = (was == "active", m.status == "active");
        if was != is {
            let delta = if is { 1 } else { -1 };
            crate::queries::team::seat_moved(tx, &workspace_id, &user_id, &m.id, delta).await?;
        }
    }
    Ok(())
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<MembershipRow>> {
    on!(tx, c => sqlx::query_as::<_, MembershipRow>(concat!("SELECT ", memb_cols!(""), " FROM memberships WHERE id = $1"))
        .bind(id).fetch_optional(c).await).map_err(db_err)
}

pub async fn find(tx: &mut Tx, workspace_id: &str, user_id: &str) -> Result<Option<MembershipRow>> {
    on!(tx, c => sqlx::query_as::<_, MembershipRow>(concat!("SELECT ", memb_cols!(""), " FROM memberships WHERE workspace_id = $1 AND user_id = $2"))
        .bind(workspace_id).bind(user_id).fetch_optional(c).await).map_err(db_err)
}

/// Members of a workspace with their user fields, by name.
pub async fn list_members(tx: &mut Tx, workspace_id: &str) -> Result<Vec<MemberRow>> {
    on!(tx, c => sqlx::query_as::<_, MemberRow>(concat!(member_select!(), " WHERE m.workspace_id = $1 ORDER BY u.first_name, u.last_name, m.id"))
        .bind(workspace_id).fetch_all(c).await).map_err(db_err)
}

/// Every membership of a user, in any workspace, oldest first.
pub async fn list_for_user(tx: &mut Tx, user_id: &str) -> Result<Vec<MembershipRow>> {
    on!(tx, c => sqlx::query_as::<_, MembershipRow>(concat!("SELECT ", memb_cols!(""), " FROM memberships WHERE user_id = $1 ORDER BY date_created, id"))
        .bind(user_id).fetch_all(c).await).map_err(db_err)
}

/// Writes `last_active_at` unless it was written less than a minute before `now`.
pub async fn touch_last_active(tx: &mut Tx, id: &str, now: Ts) -> Result<()> {
    let cutoff = now - chrono::Duration::seconds(60);
    on!(tx, c => sqlx::query("UPDATE memberships SET last_active_at = $2 WHERE id = $1 AND (last_active_at IS NULL OR last_active_at < $3)")
        .bind(id).bind(now).bind(cutoff).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Filters for listing members; every `Some` must match.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    pub status: Option<String>,
    pub role_id: Option<String>,
    pub group_id: Option<String>,
    /// Matched case-insensitively against name and email.
    pub text: Option<String>,
}

/// Members of a workspace matching `f`, by name.
pub async fn search_members(
    tx: &mut Tx,
    workspace_id: &str,
    f: &MemberFilter,
) -> Result<Vec<MemberRow>> {
    let pattern = f.text.as_ref().map(|t| {
        let escaped = t
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    on!(tx, c => sqlx::query_as::<_, MemberRow>(concat!(member_select!(),
        " WHERE m.workspace_id = $1 AND ($2 IS NULL OR m.status = $2) AND ($3 IS NULL OR m.role_id = $3)",
        " AND ($4 IS NULL OR m.user_id IN (SELECT user_id FROM group_members WHERE group_id = $4))",
        " AND ($5 IS NULL OR LOWER(u.first_name || ' ' || u.last_name) LIKE $5 ESCAPE '\\' OR u.email_lower LIKE $5 ESCAPE '\\')",
        " ORDER BY u.first_name, u.last_name, m.id"))
        .bind(workspace_id).bind(&f.status).bind(&f.role_id).bind(&f.group_id).bind(pattern)
        .fetch_all(c).await).map_err(db_err)
}

/// The members (with user fields) of one membership id.
pub async fn get_member(tx: &mut Tx, id: &str) -> Result<Option<MemberRow>> {
    on!(tx, c => sqlx::query_as::<_, MemberRow>(concat!(member_select!(), " WHERE m.id = $1"))
        .bind(id).fetch_optional(c).await)
    .map_err(db_err)
}

/// Deletes a membership that never became active (a cancelled invitation).
pub async fn delete(tx: &mut Tx, id: &str) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM memberships WHERE id = $1 AND status = 'invited'")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)?;
    Ok(())
}

/// Group ids and names each user of a workspace belongs to.
pub async fn group_names(tx: &mut Tx, workspace_id: &str) -> Result<Vec<(String, String)>> {
    on!(tx, c => sqlx::query_as::<_, (String, String)>("SELECT gm.user_id, g.name FROM group_members gm JOIN groups g ON g.workspace_id = gm.workspace_id AND g.id = gm.group_id WHERE g.workspace_id = $1 ORDER BY g.name")
        .bind(workspace_id).fetch_all(c).await).map_err(db_err)
}

/// Narrows [`scim_members`]; every `Some` must match.
#[derive(Debug, Clone, Default)]
pub struct ScimNarrow {
    pub user_id: Option<String>,
    /// Lowercased userName (the email when the provider never set one).
    pub user_name_lower: Option<String>,
    pub external_id: Option<String>,
    /// One page of the members in their order: (rows to skip, rows to return).
    pub window: Option<(i64, i64)>,
}

impl ScimNarrow {
    /// Whether this reads some members (a lookup or a page), not the whole workspace.
    pub fn narrows(&self) -> bool {
        self.user_id.is_some()
            || self.user_name_lower.is_some()
            || self.external_id.is_some()
            || self.window.is_some()
    }
}

/// Members of a workspace (not removed) with what SCIM keeps about them in `organization_id`.
pub async fn scim_members(
    tx: &mut Tx,
    workspace_id: &str,
    organization_id: &str,
    n: &ScimNarrow,
) -> Result<Vec<crate::model::ScimMemberRow>> {
    let mut sql = crate::sql::Sql::new(concat!(
        "SELECT ",
        memb_cols!("m."),
        ", u.email AS user_email, u.first_name AS user_first_name, u.last_name AS user_last_name, u.phone AS user_phone, u.image AS user_image",
        ", u.date_created AS user_date_created, u.date_updated AS user_date_updated",
        ", s.user_name AS scim_user_name, s.external_id AS scim_external_id, s.attributes AS scim_attributes, s.date_updated AS scim_date_updated",
        " FROM memberships m JOIN users u ON u.id = m.user_id",
        " LEFT JOIN scim_users s ON s.organization_id = "
    ));
    sql.text_arg(organization_id)
        .push(" AND s.user_id = m.user_id WHERE m.workspace_id = ")
        .text_arg(workspace_id)
        .push(" AND m.status <> 'removed'");
    // Only the narrowings asked for, each as a condition an index answers (a lookup reads a
    // few rows, not every member of the workspace).
    if let Some(user_id) = &n.user_id {
        sql.push(" AND m.user_id = ").text_arg(user_id);
    }
    if let Some(name) = &n.user_name_lower {
        // The userName is SCIM's when the provider set one, else the email: candidates come
        // from either unique index, then the exact rule picks.
        sql.push(" AND m.user_id IN (SELECT user_id FROM scim_users WHERE organization_id = ")
            .text_arg(organization_id)
            .push(" AND user_name_lower = ")
            .text_arg(name)
            .push(" UNION ALL SELECT id FROM users WHERE email_lower = ")
            .text_arg(name)
            .push(") AND COALESCE(s.user_name_lower, u.email_lower) = ")
            .text_arg(name);
    }
    if let Some(external_id) = &n.external_id {
        sql.push(" AND m.user_id IN (SELECT user_id FROM scim_users WHERE organization_id = ")
            .text_arg(organization_id)
            .push(" AND external_id = ")
            .text_arg(external_id)
            .push(") AND s.external_id = ")
            .text_arg(external_id);
    }
    sql.push(" ORDER BY m.date_created, m.id");
    if let Some((skip, take)) = n.window {
        sql.push(" LIMIT ")
            .arg(crate::sql::Arg::Int(take))
            .push(" OFFSET ")
            .arg(crate::sql::Arg::Int(skip));
    }
    crate::fetch_all_built!(tx, sql, crate::model::ScimMemberRow).map_err(db_err)
}

/// How many members of a workspace SCIM lists (every one not removed).
pub async fn scim_member_count(tx: &mut Tx, workspace_id: &str) -> Result<i64> {
    on!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE workspace_id = $1 AND status <> 'removed'")
        .bind(workspace_id).fetch_one(c).await).map_err(db_err)
}

/// (user id, group id, group name) for every group membership in a workspace (of the given
/// users only, when `user_ids` is given), by name.
pub async fn group_names_by_id(
    tx: &mut Tx,
    workspace_id: &str,
    user_ids: Option<&[String]>,
) -> Result<Vec<(String, String, String)>> {
    if user_ids.is_some_and(<[String]>::is_empty) {
        return Ok(vec![]);
    }
    let mut sql = crate::sql::Sql::new(
        "SELECT gm.user_id, g.id, g.name FROM groups g JOIN group_members gm ON gm.workspace_id = g.workspace_id AND gm.group_id = g.id",
    );
    // Each of the workspace's groups probed for the users (its key), not every group
    // membership of the workspace read.
    match user_ids {
        Some([one]) => {
            sql.push(" AND gm.user_id = ").text_arg(one);
        }
        Some(many) => {
            sql.push(" AND gm.user_id IN ").list(many);
        }
        None => {}
    }
    sql.push(" WHERE g.workspace_id = ")
        .text_arg(workspace_id)
        .push(" ORDER BY g.name, g.id");
    crate::fetch_all_built!(tx, sql, (String, String, String)).map_err(db_err)
}
