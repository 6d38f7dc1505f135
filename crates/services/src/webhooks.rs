//! Webhooks (SPEC S4): subscriptions managed by administrators, and deliveries written to an
//! outbox in the same transaction as the audited change that causes them, so a change and
//! its deliveries are kept or lost together. A worker on any node leases due deliveries,
//! signs each with HMAC-SHA256 (`close-sig-hash` over `close-sig-timestamp` + body), retries
//! failures with backoff, gives up after [`Policy::max_attempts`], and pauses a subscription
//! that fails [`Policy::pause_after`] times in a row (its deliveries wait until it is resumed).
//! Delivery is at least once: a receiver should de-duplicate on the event id.

use std::future::Future;
use std::pin::Pin;

use corral_domain::ids::Kind;
use corral_domain::webhooks::{self as rules, EventSpec};
use corral_domain::{Actor, Permission};
use corral_store::model::{AuditRow, WebhookDeliveryRow, WebhookRow};
use corral_store::queries::webhooks as store;
use corral_store::{Tx, now};
use futures_util::StreamExt;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::audit::{self, Change};
use crate::{Result, ServiceError, Services};

/// How deliveries are retried and when a subscription is paused.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Wait before the first retry; each later retry waits twice as long.
    pub retry_base: std::time::Duration,
    /// The longest wait between two attempts.
    pub retry_cap: std::time::Duration,
    /// Attempts before a delivery is given up (the defaults span about three days).
    pub max_attempts: i64,
    /// Failures in a row (over all its deliveries) that pause a subscription.
    pub pause_after: i64,
    /// How long one attempt may take.
    pub timeout: std::time::Duration,
    /// Whether deliveries may go to loopback, private and link-local addresses (off: only to
    /// the public internet, so a subscription cannot reach into the server's own network).
    pub private_networks: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            retry_base: std::time::Duration::from_secs(10),
            retry_cap: std::time::Duration::from_secs(3600),
            max_attempts: 80,
            pause_after: 20,
            timeout: std::time::Duration::from_secs(15),
            private_networks: false,
        }
    }
}

impl Policy {
    /// Wait after the `attempts`-th failed attempt.
    pub fn backoff(&self, attempts: i64) -> chrono::Duration {
        let factor = 1u32 << attempts.clamp(1, 20).saturating_sub(1);
        let wait = self.retry_base.saturating_mul(factor).min(self.retry_cap);
        chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1))
    }
}

/// What a receiver answered: its HTTP status, or why no answer came.
pub type SendResult = std::result::Result<u16, String>;

/// The HTTP transport, as a trait the server implements.
pub trait Sender: Send + Sync {
    fn post<'a>(
        &'a self,
        url: &'a str,
        verify_ssl: bool,
        headers: &'a [(&'static str, String)],
        body: &'a str,
    ) -> Pin<Box<dyn Future<Output = SendResult> + Send + 'a>>;
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`, hex-encoded.
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| k.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    outer.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes a hex string (the signature key).
fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The headers that sign `body` at `timestamp` (Unix seconds) with a subscription's key:
/// `close-sig-hash` is the hex HMAC-SHA256, keyed with the hex-decoded signature key, of the
/// timestamp's digits followed by the body.
pub fn signature_headers(
    signature_key: &str,
    timestamp: i64,
    body: &str,
) -> Vec<(&'static str, String)> {
    let key = hex_bytes(signature_key).unwrap_or_else(|| signature_key.as_bytes().to_vec());
    let ts = timestamp.to_string();
    let mut message = Vec::with_capacity(ts.len() + body.len());
    message.extend_from_slice(ts.as_bytes());
    message.extend_from_slice(body.as_bytes());
    vec![
        ("content-type", "application/json".to_string()),
        ("close-sig-timestamp", ts),
        ("close-sig-hash", hmac_sha256_hex(&key, &message)),
    ]
}

/// A subscription as the API shows it, with its backlog.
#[derive(Debug, Clone)]
pub struct WebhookView {
    pub row: WebhookRow,
    pub pending: i64,
}

/// A change to a subscription (`None` leaves a field as it is).
#[derive(Debug, Clone, Default)]
pub struct WebhookPatch {
    pub url: Option<String>,
    pub events: Option<Value>,
    pub verify_ssl: Option<bool>,
    pub status: Option<String>,
}

/// What a subscription looks like in the audit log (never its key).
fn snapshot(w: &WebhookRow) -> Value {
    json!({
        "url": w.url,
        "events": serde_json::from_str::<Value>(&w.events).unwrap_or(Value::Null),
        "verify_ssl": w.verify_ssl,
        "status": w.status,
    })
}

fn require_admin(actor: &Actor) -> Result<()> {
    // Deliveries carry every lead's events, so only those who see the whole workspace's
    // integrations may point them somewhere.
    actor.require(Permission::ManageOrganization)?;
    Ok(())
}

/// Queues the event `row` for every subscription of its workspace that asks for it, inside
/// the transaction that wrote it.
pub(crate) async fn enqueue(tx: &mut Tx, row: &AuditRow) -> Result<()> {
    let Some(workspace_id) = row.workspace_id.as_deref() else {
        return Ok(());
    };
    let subs = store::subscribed(tx, workspace_id).await?;
    if subs.is_empty() {
        return Ok(());
    }
    let event = audit::event_json(row);
    for (id, events) in subs {
        let specs: Vec<EventSpec> = serde_json::from_str::<Value>(&events)
            .ok()
            .and_then(|v| rules::parse_events(&v).ok())
            .unwrap_or_default();
        if !specs
            .iter()
            .any(|s| s.wants(&row.object_type, &row.action, &event))
        {
            continue;
        }
        let payload = json!({"subscription_id": id, "event": event}).to_string();
        store::enqueue(
            tx,
            &WebhookDeliveryRow {
                workspace_id: workspace_id.to_string(),
                id: Kind::WebhookDelivery.new_id(),
                webhook_id: id,
                event_id: row.id.clone(),
                payload,
                status: "pending".into(),
                attempts: 0,
                next_attempt_at: row.date_created,
                lease_until: None,
                last_error: None,
                response_status: None,
                date_created: row.date_created,
                delivered_at: None,
            },
        )
        .await?;
    }
    Ok(())
}

impl Services {
    pub async fn list_webhooks(&self, actor: &Actor) -> Result<Vec<WebhookView>> {
        require_admin(actor)?;
        let mut tx = self.db().read().await?;
        let mut out = vec![];
        for row in store::list(&mut tx, &actor.workspace_id).await? {
            let pending = store::pending_count(&mut tx, &actor.workspace_id, &row.id).await?;
            out.push(WebhookView { row, pending });
        }
        Ok(out)
    }

    pub async fn get_webhook(&self, actor: &Actor, id: &str) -> Result<WebhookView> {
        require_admin(actor)?;
        let mut tx = self.db().read().await?;
        let row = store::get(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Webhook subscription"))?;
        let pending = store::pending_count(&mut tx, &actor.workspace_id, id).await?;
        Ok(WebhookView { row, pending })
    }

    /// The latest deliveries of a subscription, newest first.
    pub async fn webhook_deliveries(
        &self,
        actor: &Actor,
        id: &str,
        limit: i64,
    ) -> Result<Vec<WebhookDeliveryRow>> {
        self.get_webhook(actor, id).await?;
        let mut tx = self.db().read().await?;
        Ok(store::recent_deliveries(&mut tx, &actor.workspace_id, id, limit).await?)
    }

    pub async fn create_webhook(
        &self,
        actor: &Actor,
        url: &str,
        events: &Value,
        verify_ssl: bool,
    ) -> Result<WebhookView> {
        require_admin(actor)?;
        rules::check_destination(url, self.config().webhooks.private_networks)?;
        rules::parse_events(events)?;
        let mut tx = self.db().write().await?;
        if store::list(&mut tx, &actor.workspace_id).await?.len() >= rules::MAX_SUBSCRIPTIONS {
            return Err(ServiceError::field(
                "url",
                format!(
                    "A workspace may have at most {} webhook subscriptions.",
                    rules::MAX_SUBSCRIPTIONS
                ),
            ));
        }
        let t = now();
        let row = WebhookRow {
            workspace_id: actor.workspace_id.clone(),
            id: Kind::Webhook.new_id(),
            url: url.to_string(),
            events: events.to_string(),
            verify_ssl,
            status: "active".into(),
            pause_reason: None,
            signature_key: crate::secrets::token_hash(&crate::secrets::new_token()),
            consecutive_failures: 0,
            latest_error: None,
            delivered_count: 0,
            failed_count: 0,
            created_by: actor.user_id.clone(),
            updated_by: actor.user_id.clone(),
            date_created: t,
            date_updated: t,
        };
        store::insert(&mut tx, &row).await?;
        audit::record(
            &mut tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            Change {
                object_type: "webhook",
                object_id: &row.id,
                action: "created",
                before: json!({}),
                after: snapshot(&row),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(WebhookView { row, pending: 0 })
    }

    /// Changes a subscription. Resuming a paused one (`status: active`) clears its failure
    /// streak and sends what waited meanwhile.
    pub async fn update_webhook(
        &self,
        actor: &Actor,
        id: &str,
        patch: WebhookPatch,
    ) -> Result<WebhookView> {
        require_admin(actor)?;
        if let Some(u) = &patch.url {
            rules::check_destination(u, self.config().webhooks.private_networks)?;
        }
        if let Some(e) = &patch.events {
            rules::parse_events(e)?;
        }
        if let Some(s) = patch
            .status
            .as_deref()
            .filter(|s| !["active", "paused"].contains(s))
        {
            return Err(ServiceError::field(
                "status",
                format!("'{s}' is not a status: use active or paused."),
            ));
        }
        let mut tx = self.db().write().await?;
        let before = store::get(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Webhook subscription"))?;
        let mut row = before.clone();
        if let Some(u) = patch.url {
            row.url = u;
        }
        if let Some(e) = patch.events {
            row.events = e.to_string();
        }
        if let Some(v) = patch.verify_ssl {
            row.verify_ssl = v;
        }
        match patch.status.as_deref() {
            Some("active") if before.status != "active" => {
                row.status = "active".into();
                row.pause_reason = None;
                row.consecutive_failures = 0;
            }
            Some("paused") if before.status != "paused" => {
                row.status = "paused".into();
                row.pause_reason = Some("api".into());
            }
            _ => {}
        }
        row.updated_by = actor.user_id.clone();
        row.date_updated = now();
        store::update(&mut tx, &row).await?;
        audit::record(
            &mut tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            Change {
                object_type: "webhook",
                object_id: id,
                action: "updated",
                before: snapshot(&before),
                after: snapshot(&row),
            },
        )
        .await?;
        let pending = store::pending_count(&mut tx, &actor.workspace_id, id).await?;
        tx.commit().await?;
        Ok(WebhookView { row, pending })
    }

    /// Deletes a subscription with whatever it had not delivered yet.
    pub async fn delete_webhook(&self, actor: &Actor, id: &str) -> Result<()> {
        require_admin(actor)?;
        let mut tx = self.db().write().await?;
        let before = store::get(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Webhook subscription"))?;
        store::delete(&mut tx, &actor.workspace_id, id).await?;
        audit::record(
            &mut tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            Change {
                object_type: "webhook",
                object_id: id,
                action: "deleted",
                before: snapshot(&before),
                after: json!({}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sends every due delivery once through `sender`, retrying and pausing as the configured
    /// policy says; returns how many were accepted. Safe on several nodes at once: each
    /// delivery is leased before it is sent.
    pub async fn deliver_due_webhooks(&self, sender: &dyn Sender) -> Result<usize> {
        let policy = &self.config().webhooks;
        let mut tx = self.db().read().await?;
        let due = store::due(&mut tx, now(), 50).await?;
        drop(tx);
        let delivered = std::sync::atomic::AtomicUsize::new(0);
        // A few at a time, so one slow receiver does not hold up everyone else's.
        let results = futures_util::stream::iter(due)
            .map(|d| self.deliver_one(sender, policy, d, &delivered))
            .buffer_unordered(8)
            .collect::<Vec<Result<()>>>()
            .await;
        results.into_iter().collect::<Result<Vec<()>>>()?;
        Ok(delivered.into_inner())
    }

    async fn deliver_one(
        &self,
        sender: &dyn Sender,
        policy: &Policy,
        d: WebhookDeliveryRow,
        delivered: &std::sync::atomic::AtomicUsize,
    ) -> Result<()> {
        {
            let lease = chrono::Duration::from_std(policy.timeout * 2)
                .unwrap_or(chrono::Duration::minutes(1));
            let mut tx = self.db().write().await?;
            let leased =
                store::lease(&mut tx, &d.workspace_id, &d.id, now(), now() + lease).await?;
            let sub = store::get(&mut tx, &d.workspace_id, &d.webhook_id).await?;
            tx.commit().await?;
            let Some(sub) = sub.filter(|s| leased && s.status == "active") else {
                return Ok(());
            };
            let headers = signature_headers(&sub.signature_key, now().timestamp(), &d.payload);
            let result = sender
                .post(&sub.url, sub.verify_ssl, &headers, &d.payload)
                .await;
            let mut tx = self.db().write().await?;
            match result {
                Ok(code) if (200..300).contains(&code) => {
                    store::mark_delivered(&mut tx, &d, i64::from(code), now()).await?;
                    delivered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                other => {
                    let (error, code) = match other {
                        Ok(code) => (
                            format!("The receiver answered {code}."),
                            Some(i64::from(code)),
                        ),
                        Err(e) => (e, None),
                    };
                    let attempts = d.attempts + 1;
                    let give_up = attempts >= policy.max_attempts;
                    let paused = store::mark_failed(
                        &mut tx,
                        &d,
                        &error,
                        code,
                        now() + policy.backoff(attempts),
                        give_up,
                        policy.pause_after,
                    )
                    .await?;
                    tracing::warn!(webhook = %d.webhook_id, delivery = %d.id, attempts, give_up, paused, error = %error, "webhook delivery failed");
                }
            }
            tx.commit().await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2 of RFC 4231.
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block is hashed first.
        assert_eq!(
            hmac_sha256_hex(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn signatures_cover_timestamp_and_body() {
        let key = "00".repeat(32);
        let h = signature_headers(&key, 1_700_000_000, "{}");
        assert_eq!(h[1], ("close-sig-timestamp", "1700000000".to_string()));
        assert_eq!(h[2].1, hmac_sha256_hex(&[0; 32], b"1700000000{}"));
        assert_ne!(signature_headers(&key, 1_700_000_001, "{}")[2].1, h[2].1);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = Policy::default();
        assert_eq!(p.backoff(1).num_seconds(), 10);
        assert_eq!(p.backoff(2).num_seconds(), 20);
        assert_eq!(p.backoff(80).num_seconds(), 3600);
    }
}
