//! Users: the global identities.

use crate::model::{Ts, UserRow};
use crate::queries::db_err;
use crate::{Result, Tx, on, on_guarded};

macro_rules! user_cols {
    () => {
        "id, email, email_lower, first_name, last_name, phone, image, timezone, password_hash, date_created, date_updated"
    };
}

pub async fn insert(tx: &mut Tx, u: &UserRow) -> Result<()> {
    on_guarded!(tx, c => sqlx::query(concat!("INSERT INTO users (", user_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"))
        .bind(&u.id).bind(&u.email).bind(&u.email_lower).bind(&u.first_name).bind(&u.last_name)
        .bind(&u.phone).bind(&u.image).bind(&u.timezone).bind(&u.password_hash)
        .bind(u.date_created).bind(u.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<UserRow>> {
    on!(tx, c => sqlx::query_as::<_, UserRow>(concat!("SELECT ", user_cols!(), " FROM users WHERE id = $1"))
        .bind(id).fetch_optional(c).await).map_err(db_err)
}

pub async fn find_by_email(tx: &mut Tx, email_lower: &str) -> Result<Option<UserRow>> {
    on!(tx, c => sqlx::query_as::<_, UserRow>(concat!("SELECT ", user_cols!(), " FROM users WHERE email_lower = $1"))
        .bind(email_lower).fetch_optional(c).await).map_err(db_err)
}

pub async fn find_by_phone(tx: &mut Tx, phone: &str) -> Result<Option<UserRow>> {
    on!(tx, c => sqlx::query_as::<_, UserRow>(concat!("SELECT ", user_cols!(), " FROM users WHERE phone = $1"))
        .bind(phone).fetch_optional(c).await).map_err(db_err)
}

pub async fn set_password_hash(tx: &mut Tx, id: &str, hash: &str, now: Ts) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE users SET password_hash = $2, date_updated = $3 WHERE id = $1")
        .bind(id).bind(hash).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Users holding a membership of `workspace_id` in one of `statuses`, by last then first name
/// (or first then last), paged.
pub async fn list_in_workspace(
    tx: &mut Tx,
    workspace_id: &str,
    first_name_first: bool,
    skip: i64,
    limit: i64,
) -> Result<(Vec<UserRow>, i64)> {
    let rows = if first_name_first {
        on!(tx, c => sqlx::query_as::<_, UserRow>(concat!(
            "SELECT ", user_cols!(), " FROM users WHERE id IN (SELECT user_id FROM memberships WHERE workspace_id = $1 AND status <> 'invited') ",
            "ORDER BY first_name, last_name, id LIMIT $2 OFFSET $3"))
            .bind(workspace_id).bind(limit).bind(skip).fetch_all(c).await)
    } else {
        on!(tx, c => sqlx::query_as::<_, UserRow>(concat!(
            "SELECT ", user_cols!(), " FROM users WHERE id IN (SELECT user_id FROM memberships WHERE workspace_id = $1 AND status <> 'invited') ",
            "ORDER BY last_name, first_name, id LIMIT $2 OFFSET $3"))
            .bind(workspace_id).bind(limit).bind(skip).fetch_all(c).await)
    }
    .map_err(db_err)?;
    let total: i64 = on!(tx, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships WHERE workspace_id = $1 AND status <> 'invited'")
        .bind(workspace_id).fetch_one(c).await)
    .map_err(db_err)?;
    Ok((rows, total))
}

/// Whether `user_id` holds any membership (in any status but pending) in `workspace_id`.
pub async fn is_in_workspace(tx: &mut Tx, workspace_id: &str, user_id: &str) -> Result<bool> {
    let n: i64 = on!(tx, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships WHERE workspace_id = $1 AND user_id = $2 AND status <> 'invited'")
        .bind(workspace_id).bind(user_id).fetch_one(c).await).map_err(db_err)?;
    Ok(n > 0)
}

/// Writes the editable profile fields (name, phone, image, timezone).
pub async fn update_profile(tx: &mut Tx, u: &UserRow) -> Result<()> {
    on_guarded!(tx, c => sqlx::query("UPDATE users SET first_name = $2, last_name = $3, phone = $4, image = $5, timezone = $6, date_updated = $7 WHERE id = $1")
        .bind(&u.id).bind(&u.first_name).bind(&u.last_name).bind(&u.phone).bind(&u.image).bind(&u.timezone).bind(u.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Changes a user's email; an address another user holds is a conflict.
pub async fn set_email(
    tx: &mut Tx,
    id: &str,
    email: &str,
    email_lower: &str,
    now: Ts,
) -> Result<()> {
    on_guarded!(tx, c => sqlx::query("UPDATE users SET email = $2, email_lower = $3, date_updated = $4 WHERE id = $1")
        .bind(id).bind(email).bind(email_lower).bind(now)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}
