//! Bulk-action jobs and their items.

use crate::model::{BulkJobRow, Ts};
use crate::queries::db_err;
use crate::{Result, Tx, on};

macro_rules! job_cols {
    () => {
        "id, workspace_id, kind, action, params, selection, membership_id, created_by, status, n_objects, n_objects_processed, error, lease_until, date_created, date_updated, lease_node"
    };
}

pub async fn insert(tx: &mut Tx, j: &BulkJobRow, lead_ids: &[String]) -> Result<()> {
    on!(tx, c => sqlx::query(concat!("INSERT INTO bulk_jobs (", job_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"))
        .bind(&j.id).bind(&j.workspace_id).bind(&j.kind).bind(&j.action).bind(&j.params).bind(&j.selection).bind(&j.membership_id)
        .bind(&j.created_by).bind(&j.status).bind(j.n_objects).bind(j.n_objects_processed).bind(&j.error).bind(j.lease_until)
        .bind(j.date_created).bind(j.date_updated).bind(&j.lease_node)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    for (i, lead) in lead_ids.iter().enumerate() {
        insert_item(tx, j, i, lead, None).await?;
    }
    Ok(())
}

/// A job whose items carry what to do (JSON text) beside the lead id: an import's leads to
/// create.
pub async fn insert_with_data(
    tx: &mut Tx,
    j: &BulkJobRow,
    items: &[(String, String)],
) -> Result<()> {
    insert(tx, j, &[]).await?;
    for (i, (lead, data)) in items.iter().enumerate() {
        insert_item(tx, j, i, lead, Some(data)).await?;
    }
    Ok(())
}

async fn insert_item(
    tx: &mut Tx,
    j: &BulkJobRow,
    position: usize,
    lead_id: &str,
    data: Option<&str>,
) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO bulk_job_items (workspace_id, job_id, position, lead_id, data) VALUES ($4, $1, $2, $3, $5)")
        .bind(&j.id).bind(position as i64).bind(lead_id).bind(&j.workspace_id).bind(data).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// The next items not yet done, in order, with their data.
pub async fn pending_items_with_data(
    tx: &mut Tx,
    job_id: &str,
    limit: i64,
) -> Result<Vec<(i64, String, Option<String>)>> {
    on!(tx, c => sqlx::query_as::<_, (i64, String, Option<String>)>("SELECT position, lead_id, data FROM bulk_job_items WHERE job_id = $1 AND done = FALSE ORDER BY position LIMIT $2")
        .bind(job_id).bind(limit).fetch_all(c).await).map_err(db_err)
}

pub async fn get(tx: &mut Tx, workspace_id: &str, id: &str) -> Result<Option<BulkJobRow>> {
    on!(tx, c => sqlx::query_as::<_, BulkJobRow>(concat!("SELECT ", job_cols!(), " FROM bulk_jobs WHERE workspace_id = $1 AND id = $2"))
        .bind(workspace_id).bind(id).fetch_optional(c).await).map_err(db_err)
}

pub async fn list(
    tx: &mut Tx,
    workspace_id: &str,
    kind: &str,
    limit: i64,
) -> Result<Vec<BulkJobRow>> {
    on!(tx, c => sqlx::query_as::<_, BulkJobRow>(concat!("SELECT ", job_cols!(), " FROM bulk_jobs WHERE workspace_id = $1 AND kind = $2 ORDER BY date_created DESC, id DESC LIMIT $3"))
        .bind(workspace_id).bind(kind).bind(limit).fetch_all(c).await).map_err(db_err)
}

/// Jobs with work left whose lease (if any) has run out.
pub async fn runnable(tx: &mut Tx, now: Ts) -> Result<Vec<BulkJobRow>> {
    on!(tx, c => sqlx::query_as::<_, BulkJobRow>(concat!("SELECT ", job_cols!(), " FROM bulk_jobs WHERE status IN ('created', 'processing') AND (lease_until IS NULL OR lease_until < $1) ORDER BY date_created, id LIMIT 10"))
        .bind(now).fetch_all(c).await).map_err(db_err)
}

/// Takes (or renews) the lease on a job; true when this worker holds it now.
pub async fn lease(
    tx: &mut Tx,
    id: &str,
    now: Ts,
    until: Ts,
    previous: Option<Ts>,
    node: &str,
) -> Result<bool> {
    // On PostgreSQL a job another node is working on right now is skipped, not waited for.
    if let Tx::Postgres(t) = tx {
        let free: Option<String> =
            sqlx::query_scalar("SELECT id FROM bulk_jobs WHERE id = $1 FOR UPDATE SKIP LOCKED")
                .bind(id)
                .fetch_optional(&mut **t)
                .await
                .map_err(db_err)?;
        if free.is_none() {
            return Ok(false);
        }
    }
    let n = on!(tx, c => sqlx::query("UPDATE bulk_jobs SET lease_until = $3, lease_node = $5, status = 'processing', date_updated = $2 WHERE id = $1 AND status IN ('created', 'processing') AND (lease_until IS NULL OR lease_until < $2 OR lease_until = $4)")
        .bind(id).bind(now).bind(until).bind(previous).bind(node).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(n == 1)
}

/// The next items not yet done, in order.
pub async fn pending_items(tx: &mut Tx, job_id: &str, limit: i64) -> Result<Vec<(i64, String)>> {
    on!(tx, c => sqlx::query_as::<_, (i64, String)>("SELECT position, lead_id FROM bulk_job_items WHERE job_id = $1 AND done = FALSE ORDER BY position LIMIT $2")
        .bind(job_id).bind(limit).fetch_all(c).await).map_err(db_err)
}

pub async fn mark_item_done(tx: &mut Tx, job_id: &str, position: i64) -> Result<bool> {
    let n = on!(tx, c => sqlx::query("UPDATE bulk_job_items SET done = TRUE WHERE job_id = $1 AND position = $2 AND done = FALSE")
        .bind(job_id).bind(position).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(n == 1)
}

pub async fn add_progress(tx: &mut Tx, job_id: &str, n: i64, now: Ts) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE bulk_jobs SET n_objects_processed = n_objects_processed + $2, date_updated = $3 WHERE id = $1")
        .bind(job_id).bind(n).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn finish(
    tx: &mut Tx,
    job_id: &str,
    status: &str,
    error: Option<&str>,
    now: Ts,
) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE bulk_jobs SET status = $2, error = $3, lease_until = NULL, date_updated = $4 WHERE id = $1")
        .bind(job_id).bind(status).bind(error).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn insert_export(tx: &mut Tx, e: &crate::model::ExportRow) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO exports (id, workspace_id, created_by, format, export_type, status, n_docs, content, date_created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(&e.id).bind(&e.workspace_id).bind(&e.created_by).bind(&e.format).bind(&e.export_type).bind(&e.status).bind(e.n_docs).bind(&e.content).bind(e.date_created)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// An export of the workspace made by `created_by` (exports are private to their maker).
pub async fn get_export(
    tx: &mut Tx,
    workspace_id: &str,
    created_by: &str,
    id: &str,
) -> Result<Option<crate::model::ExportRow>> {
    on!(tx, c => sqlx::query_as::<_, crate::model::ExportRow>("SELECT id, workspace_id, created_by, format, export_type, status, n_docs, content, date_created FROM exports WHERE workspace_id = $1 AND created_by = $2 AND id = $3")
        .bind(workspace_id).bind(created_by).bind(id).fetch_optional(c).await).map_err(db_err)
}

pub async fn rotation_position(tx: &mut Tx, workspace_id: &str, pool_key: &str) -> Result<i64> {
    let p: Option<i64> = on!(tx, c => sqlx::query_scalar("SELECT position FROM round_robin_state WHERE workspace_id = $1 AND pool_key = $2")
        .bind(workspace_id).bind(pool_key).fetch_optional(c).await).map_err(db_err)?;
    Ok(p.unwrap_or(0))
}

pub async fn set_rotation_position(
    tx: &mut Tx,
    workspace_id: &str,
    pool_key: &str,
    position: i64,
) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO round_robin_state (workspace_id, pool_key, position) VALUES ($1, $2, $3) ON CONFLICT (workspace_id, pool_key) DO UPDATE SET position = excluded.position")
        .bind(workspace_id).bind(pool_key).bind(position).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// The workspace's round-robin settings, if ever set.
pub async fn assignment_settings(
    tx: &mut Tx,
    workspace_id: &str,
) -> Result<Option<crate::model::AssignmentSettingsRow>> {
    crate::on!(tx, c => sqlx::query_as::<_, crate::model::AssignmentSettingsRow>("SELECT workspace_id, auto_assign, strategy, skip_offline, date_updated, skip_out_of_office FROM assignment_settings WHERE workspace_id = $1")
        .bind(workspace_id).fetch_optional(c).await).map_err(crate::queries::db_err)
}

pub async fn put_assignment_settings(
    tx: &mut Tx,
    s: &crate::model::AssignmentSettingsRow,
) -> Result<()> {
    crate::on!(tx, c => sqlx::query("INSERT INTO assignment_settings (workspace_id, auto_assign, strategy, skip_offline, date_updated, skip_out_of_office) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (workspace_id) DO UPDATE SET auto_assign = excluded.auto_assign, strategy = excluded.strategy, skip_offline = excluded.skip_offline, date_updated = excluded.date_updated, skip_out_of_office = excluded.skip_out_of_office")
        .bind(&s.workspace_id).bind(s.auto_assign).bind(&s.strategy).bind(s.skip_offline).bind(s.date_updated).bind(s.skip_out_of_office)
        .execute(c).await.map(|r| r.rows_affected())).map_err(crate::queries::db_err)?;
    Ok(())
}

/// Members out of office in the workspace whose time away has not ended by `now`:
/// (user id, until, note).
pub async fn out_of_office(
    tx: &mut Tx,
    workspace_id: &str,
    now: Ts,
) -> Result<Vec<(String, Ts, String)>> {
    crate::on!(tx, c => sqlx::query_as::<_, (String, Ts, String)>("SELECT user_id, until, note FROM out_of_office WHERE workspace_id = $1 AND until > $2 ORDER BY user_id")
        .bind(workspace_id).bind(now).fetch_all(c).await).map_err(crate::queries::db_err)
}

/// Marks a member out of office until `until`, or (None) back.
pub async fn set_out_of_office(
    tx: &mut Tx,
    workspace_id: &str,
    user_id: &str,
    away: Option<(Ts, &str)>,
    by: &str,
    now: Ts,
) -> Result<()> {
    match away {
        Some((until, note)) => crate::on!(tx, c => sqlx::query("INSERT INTO out_of_office (workspace_id, user_id, until, note, set_by, date_updated) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (workspace_id, user_id) DO UPDATE SET until = excluded.until, note = excluded.note, set_by = excluded.set_by, date_updated = excluded.date_updated")
            .bind(workspace_id).bind(user_id).bind(until).bind(note).bind(by).bind(now)
            .execute(c).await.map(|r| r.rows_affected())),
        None => crate::on!(tx, c => sqlx::query("DELETE FROM out_of_office WHERE workspace_id = $1 AND user_id = $2")
            .bind(workspace_id).bind(user_id).execute(c).await.map(|r| r.rows_affected())),
    }
    .map_err(crate::queries::db_err)?;
    Ok(())
}
