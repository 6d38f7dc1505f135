//! Webhook subscriptions and their delivery outbox.

use crate::model::{Ts, WebhookDeliveryRow, WebhookRow};
use crate::queries::db_err;
use crate::{Result, Tx, on};

macro_rules! cols {
    () => {
        "workspace_id, id, url, events, verify_ssl, status, pause_reason, signature_key, consecutive_failures, latest_error, delivered_count, failed_count, created_by, updated_by, date_created, date_updated"
    };
}

macro_rules! delivery_cols {
    () => {
        "d.workspace_id, d.id, d.webhook_id, d.event_id, d.payload, d.status, d.attempts, d.next_attempt_at, d.lease_until, d.last_error, d.response_status, d.date_created, d.delivered_at"
    };
}

pub async fn insert(tx: &mut Tx, w: &WebhookRow) -> Result<()> {
    on!(tx, c => sqlx::query(concat!("INSERT INTO webhooks (", cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"))
        .bind(&w.workspace_id).bind(&w.id).bind(&w.url).bind(&w.events).bind(w.verify_ssl).bind(&w.status)
        .bind(&w.pause_reason).bind(&w.signature_key).bind(w.consecutive_failures).bind(&w.latest_error)
        .bind(w.delivered_count).bind(w.failed_count).bind(&w.created_by).bind(&w.updated_by)
        .bind(w.date_created).bind(w.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Saves what a member may change: url, events, verify_ssl, status and why it is paused.
/// Resuming clears the failure streak.
pub async fn update(tx: &mut Tx, w: &WebhookRow) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE webhooks SET url = $3, events = $4, verify_ssl = $5, status = $6, pause_reason = $7, consecutive_failures = $8, updated_by = $9, date_updated = $10 WHERE workspace_id = $1 AND id = $2")
        .bind(&w.workspace_id).bind(&w.id).bind(&w.url).bind(&w.events).bind(w.verify_ssl).bind(&w.status)
        .bind(&w.pause_reason).bind(w.consecutive_failures).bind(&w.updated_by).bind(w.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn get(tx: &mut Tx, workspace_id: &str, id: &str) -> Result<Option<WebhookRow>> {
    on!(tx, c => sqlx::query_as::<_, WebhookRow>(concat!("SELECT ", cols!(), " FROM webhooks WHERE workspace_id = $1 AND id = $2"))
        .bind(workspace_id).bind(id).fetch_optional(c).await).map_err(db_err)
}

/// The workspace's subscriptions, oldest first.
pub async fn list(tx: &mut Tx, workspace_id: &str) -> Result<Vec<WebhookRow>> {
    on!(tx, c => sqlx::query_as::<_, WebhookRow>(concat!("SELECT ", cols!(), " FROM webhooks WHERE workspace_id = $1 ORDER BY date_created, id"))
        .bind(workspace_id).fetch_all(c).await).map_err(db_err)
}

/// Deletes a subscription and whatever it had not delivered yet.
pub async fn delete(tx: &mut Tx, workspace_id: &str, id: &str) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM webhook_deliveries WHERE workspace_id = $1 AND webhook_id = $2")
        .bind(workspace_id).bind(id).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    on!(tx, c => sqlx::query("DELETE FROM webhooks WHERE workspace_id = $1 AND id = $2")
        .bind(workspace_id).bind(id).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)?;
    Ok(())
}

/// (id, events) of every subscription of the workspace, paused ones included: a paused
/// subscription keeps collecting what it would be sent, delivered when it is resumed.
pub async fn subscribed(tx: &mut Tx, workspace_id: &str) -> Result<Vec<(String, String)>> {
    on!(tx, c => sqlx::query_as::<_, (String, String)>("SELECT id, events FROM webhooks WHERE workspace_id = $1")
        .bind(workspace_id).fetch_all(c).await).map_err(db_err)
}

/// Queues one event for one subscription; a second insert of the same pair is ignored.
pub async fn enqueue(tx: &mut Tx, d: &WebhookDeliveryRow) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO webhook_deliveries (workspace_id, id, webhook_id, event_id, payload, status, attempts, next_attempt_at, lease_until, last_error, response_status, date_created, delivered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING")
        .bind(&d.workspace_id).bind(&d.id).bind(&d.webhook_id).bind(&d.event_id).bind(&d.payload).bind(&d.status)
        .bind(d.attempts).bind(d.next_attempt_at).bind(d.lease_until).bind(&d.last_error).bind(d.response_status)
        .bind(d.date_created).bind(d.delivered_at)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Pending deliveries of active subscriptions due by `now` and not leased, oldest first.
pub async fn due(tx: &mut Tx, now: Ts, limit: i64) -> Result<Vec<WebhookDeliveryRow>> {
    on!(tx, c => sqlx::query_as::<_, WebhookDeliveryRow>(concat!("SELECT ", delivery_cols!(), " FROM webhook_deliveries d JOIN webhooks w ON w.workspace_id = d.workspace_id AND w.id = d.webhook_id WHERE d.status = 'pending' AND w.status = 'active' AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until < $1) ORDER BY d.next_attempt_at, d.id LIMIT $2"))
        .bind(now).bind(limit).fetch_all(c).await).map_err(db_err)
}

/// Takes a lease on one delivery so no other node sends it meanwhile; true when taken.
pub async fn lease(tx: &mut Tx, workspace_id: &str, id: &str, now: Ts, until: Ts) -> Result<bool> {
    if let Tx::Postgres(t) = tx {
        let free: Option<String> = sqlx::query_scalar(
            "SELECT id FROM webhook_deliveries WHERE workspace_id = $1 AND id = $2 FOR UPDATE SKIP LOCKED",
        )
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(&mut **t)
        .await
        .map_err(db_err)?;
        if free.is_none() {
            return Ok(false);
        }
    }
    let n = on!(tx, c => sqlx::query("UPDATE webhook_deliveries SET lease_until = $4 WHERE workspace_id = $1 AND id = $2 AND status = 'pending' AND (lease_until IS NULL OR lease_until < $3)")
        .bind(workspace_id).bind(id).bind(now).bind(until).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(n == 1)
}

/// Records a delivery the receiver accepted, and the subscription's streak back at zero.
pub async fn mark_delivered(
    tx: &mut Tx,
    d: &WebhookDeliveryRow,
    response_status: i64,
    now: Ts,
) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, lease_until = NULL, last_error = NULL, response_status = $3, delivered_at = $4 WHERE workspace_id = $1 AND id = $2")
        .bind(&d.workspace_id).bind(&d.id).bind(response_status).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    on!(tx, c => sqlx::query("UPDATE webhooks SET consecutive_failures = 0, latest_error = NULL, delivered_count = delivered_count + 1 WHERE workspace_id = $1 AND id = $2")
        .bind(&d.workspace_id).bind(&d.webhook_id).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Records a failed attempt: retried at `next` unless `give_up`; the subscription's streak
/// grows and, at `pause_after` failures in a row, the subscription is paused. Returns whether
/// this failure paused it.
#[allow(clippy::too_many_arguments)]
pub async fn mark_failed(
    tx: &mut Tx,
    d: &WebhookDeliveryRow,
    error: &str,
    response_status: Option<i64>,
    next: Ts,
    give_up: bool,
    pause_after: i64,
) -> Result<bool> {
    let status = if give_up { "failed" } else { "pending" };
    on!(tx, c => sqlx::query("UPDATE webhook_deliveries SET status = $3, attempts = attempts + 1, next_attempt_at = $4, lease_until = NULL, last_error = $5, response_status = $6 WHERE workspace_id = $1 AND id = $2")
        .bind(&d.workspace_id).bind(&d.id).bind(status).bind(next).bind(error).bind(response_status)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    let failed = i64::from(give_up);
    on!(tx, c => sqlx::query("UPDATE webhooks SET consecutive_failures = consecutive_failures + 1, latest_error = $3, failed_count = failed_count + $4 WHERE workspace_id = $1 AND id = $2")
        .bind(&d.workspace_id).bind(&d.webhook_id).bind(error).bind(failed).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    let paused = on!(tx, c => sqlx::query("UPDATE webhooks SET status = 'paused', pause_reason = 'failing' WHERE workspace_id = $1 AND id = $2 AND status = 'active' AND consecutive_failures >= $3")
        .bind(&d.workspace_id).bind(&d.webhook_id).bind(pause_after).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(paused == 1)
}

/// Deliveries waiting for a subscription (paused ones keep them here).
pub async fn pending_count(tx: &mut Tx, workspace_id: &str, webhook_id: &str) -> Result<i64> {
    on!(tx, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM webhook_deliveries WHERE workspace_id = $1 AND webhook_id = $2 AND status = 'pending'")
        .bind(workspace_id).bind(webhook_id).fetch_one(c).await).map_err(db_err)
}

/// A subscription's latest deliveries, newest first.
pub async fn recent_deliveries(
    tx: &mut Tx,
    workspace_id: &str,
    webhook_id: &str,
    limit: i64,
) -> Result<Vec<WebhookDeliveryRow>> {
    on!(tx, c => sqlx::query_as::<_, WebhookDeliveryRow>(concat!("SELECT ", delivery_cols!(), " FROM webhook_deliveries d WHERE d.workspace_id = $1 AND d.webhook_id = $2 ORDER BY d.date_created DESC, d.id DESC LIMIT $3"))
        .bind(workspace_id).bind(webhook_id).bind(limit).fetch_all(c).await).map_err(db_err)
}
