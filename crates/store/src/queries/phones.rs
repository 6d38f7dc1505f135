//! Phone numbers and call forwarding.

use crate::model::{ForwardingRow, PhoneNumberRow};
use crate::queries::db_err;
use crate::{Result, Tx, on, on_guarded};

macro_rules! phone_cols {
    () => {
        "id, workspace_id, number, label, is_group_number, user_id, group_id, date_created, date_updated"
    };
}

/// Inserts a number; one already in the workspace is a conflict.
pub async fn insert(tx: &mut Tx, p: &PhoneNumberRow) -> Result<()> {
    on_guarded!(tx, c => sqlx::query(concat!("INSERT INTO phone_numbers (", phone_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
        .bind(&p.id).bind(&p.workspace_id).bind(&p.number).bind(&p.label).bind(p.is_group_number)
        .bind(&p.user_id).bind(&p.group_id).bind(p.date_created).bind(p.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn update(tx: &mut Tx, p: &PhoneNumberRow) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE phone_numbers SET label = $2, is_group_number = $3, user_id = $4, group_id = $5, date_updated = $6 WHERE id = $1")
        .bind(&p.id).bind(&p.label).bind(p.is_group_number).bind(&p.user_id).bind(&p.group_id).bind(p.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn get(tx: &mut Tx, workspace_id: &str, id: &str) -> Result<Option<PhoneNumberRow>> {
    on!(tx, c => sqlx::query_as::<_, PhoneNumberRow>(concat!("SELECT ", phone_cols!(), " FROM phone_numbers WHERE workspace_id = $1 AND id = $2"))
        .bind(workspace_id).bind(id).fetch_optional(c).await).map_err(db_err)
}

pub async fn by_number(
    tx: &mut Tx,
    workspace_id: &str,
    number: &str,
) -> Result<Option<PhoneNumberRow>> {
    on!(tx, c => sqlx::query_as::<_, PhoneNumberRow>(concat!("SELECT ", phone_cols!(), " FROM phone_numbers WHERE workspace_id = $1 AND number = $2"))
        .bind(workspace_id).bind(number).fetch_optional(c).await).map_err(db_err)
}

/// The workspace's numbers (of one member when `user_id` is given), by number.
pub async fn list(
    tx: &mut Tx,
    workspace_id: &str,
    user_id: Option<&str>,
) -> Result<Vec<PhoneNumberRow>> {
    on!(tx, c => sqlx::query_as::<_, PhoneNumberRow>(concat!("SELECT ", phone_cols!(), " FROM phone_numbers WHERE workspace_id = $1 AND ($2 IS NULL OR user_id = $2) ORDER BY number"))
        .bind(workspace_id).bind(user_id).fetch_all(c).await).map_err(db_err)
}

pub async fn delete(tx: &mut Tx, id: &str) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM phone_numbers WHERE id = $1")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)?;
    Ok(())
}

/// Gives a number to a member (None: nobody), for offboarding.
pub async fn set_user(
    tx: &mut Tx,
    id: &str,
    user_id: Option<&str>,
    now: crate::model::Ts,
) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE phone_numbers SET user_id = $2, date_updated = $3 WHERE id = $1")
        .bind(id).bind(user_id).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn forwarding(tx: &mut Tx, workspace_id: &str) -> Result<Vec<ForwardingRow>> {
    on!(tx, c => sqlx::query_as::<_, ForwardingRow>("SELECT workspace_id, user_id, when_to, target_user_id, target_number, date_updated FROM call_forwarding WHERE workspace_id = $1")
        .bind(workspace_id).fetch_all(c).await).map_err(db_err)
}

pub async fn put_forwarding(tx: &mut Tx, f: &ForwardingRow) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO call_forwarding (workspace_id, user_id, when_to, target_user_id, target_number, date_updated) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (workspace_id, user_id) DO UPDATE SET when_to = excluded.when_to, target_user_id = excluded.target_user_id, target_number = excluded.target_number, date_updated = excluded.date_updated")
        .bind(&f.workspace_id).bind(&f.user_id).bind(&f.when_to).bind(&f.target_user_id).bind(&f.target_number).bind(f.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn delete_forwarding(tx: &mut Tx, workspace_id: &str, user_id: &str) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM call_forwarding WHERE workspace_id = $1 AND user_id = $2")
        .bind(workspace_id).bind(user_id).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Who holds a number (None when it does not exist).
pub async fn holder(tx: &mut Tx, id: &str) -> Result<Option<Option<String>>> {
    on!(tx, c => sqlx::query_scalar::<_, Option<String>>("SELECT user_id FROM phone_numbers WHERE id = $1")
        .bind(id).fetch_optional(c).await).map_err(db_err)
}
