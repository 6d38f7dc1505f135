//! Custom fields of a workspace.

use crate::model::CustomFieldRow;
use crate::queries::db_err;
use crate::{Result, Tx, on, on_guarded};

macro_rules! cf_cols {
    () => {
        "id, workspace_id, object_type, name, description, field_type, accepts_multiple_values, choices, editable_with_roles, created_by, updated_by, date_created, date_updated"
    };
}

pub async fn insert(tx: &mut Tx, f: &CustomFieldRow) -> Result<()> {
    on_guarded!(tx, c => sqlx::query(concat!("INSERT INTO custom_fields (", cf_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"))
        .bind(&f.id).bind(&f.workspace_id).bind(&f.object_type).bind(&f.name).bind(&f.description)
        .bind(&f.field_type).bind(f.accepts_multiple_values).bind(&f.choices).bind(&f.editable_with_roles)
        .bind(&f.created_by).bind(&f.updated_by).bind(f.date_created).bind(f.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn list(
    tx: &mut Tx,
    workspace_id: &str,
    object_type: &str,
) -> Result<Vec<CustomFieldRow>> {
    on!(tx, c => sqlx::query_as::<_, CustomFieldRow>(concat!("SELECT ", cf_cols!(), " FROM custom_fields WHERE workspace_id = $1 AND object_type = $2 ORDER BY date_created, id"))
        .bind(workspace_id).bind(object_type).fetch_all(c).await).map_err(db_err)
}

pub async fn get(tx: &mut Tx, workspace_id: &str, id: &str) -> Result<Option<CustomFieldRow>> {
    on!(tx, c => sqlx::query_as::<_, CustomFieldRow>(concat!("SELECT ", cf_cols!(), " FROM custom_fields WHERE workspace_id = $1 AND id = $2"))
        .bind(workspace_id).bind(id).fetch_optional(c).await).map_err(db_err)
}

pub async fn update(tx: &mut Tx, f: &CustomFieldRow) -> Result<()> {
    on_guarded!(tx, c => sqlx::query("UPDATE custom_fields SET name = $2, description = $3, accepts_multiple_values = $4, choices = $5, editable_with_roles = $6, updated_by = $7, date_updated = $8 WHERE id = $1")
        .bind(&f.id).bind(&f.name).bind(&f.description).bind(f.accepts_multiple_values).bind(&f.choices).bind(&f.editable_with_roles).bind(&f.updated_by).bind(f.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Deletes a field and every value it holds.
/// (id, custom JSON text) of the contacts or opportunities whose custom values may name
/// `field_id` (a text match; the caller edits the JSON and saves it with [`set_custom`]).
pub async fn holders(
    tx: &mut Tx,
    workspace_id: &str,
    object_type: &str,
    field_id: &str,
) -> Result<Vec<(String, String)>> {
    let q = match object_type {
        "contact" => "SELECT id, custom FROM contacts WHERE workspace_id = $1 AND custom LIKE $2",
        "opportunity" => {
            "SELECT id, custom FROM opportunities WHERE workspace_id = $1 AND custom LIKE $2"
        }
        _ => return Ok(vec![]),
    };
    on!(tx, c => sqlx::query_as::<_, (String, String)>(q).bind(workspace_id).bind(format!("%\"{field_id}\"%"))
        .fetch_all(c).await).map_err(db_err)
}

/// Saves a contact's or opportunity's custom values.
pub async fn set_custom(
    tx: &mut Tx,
    workspace_id: &str,
    object_type: &str,
    id: &str,
    custom: &str,
) -> Result<()> {
    let q = match object_type {
        "contact" => "UPDATE contacts SET custom = $3 WHERE workspace_id = $1 AND id = $2",
        "opportunity" => "UPDATE opportunities SET custom = $3 WHERE workspace_id = $1 AND id = $2",
        _ => return Ok(()),
    };
    on!(tx, c => sqlx::query(q).bind(workspace_id).bind(id).bind(custom)
        .execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)?;
    Ok(())
}

pub async fn delete(tx: &mut Tx, id: &str) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM lead_field_values WHERE field_id = $1").bind(id).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    on!(tx, c => sqlx::query("DELETE FROM custom_fields WHERE id = $1").bind(id).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}
