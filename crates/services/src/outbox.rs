//! Outgoing email: written to the outbox in the same transaction as the change that causes
//! it, then delivered by a worker with retries. A mail server that is down loses nothing;
//! with no mail server configured, messages wait in the outbox (readable by admins) and their
//! links are logged.

use corral_domain::ids::random_base62;
use corral_domain::{Actor, Permission};
use corral_store::Tx;
use corral_store::model::EmailRow;
use corral_store::now;
use corral_store::queries::team;
use mailer::Mailer;

use crate::{Result, Services};

/// Attempts before a message is marked failed.
pub const MAX_ATTEMPTS: i64 = 12;

pub mod mailer {
    //! The mail transport, as a trait the server implements over SMTP.
    use std::future::Future;
    use std::pin::Pin;

    /// Sends one plain-text message; the error is a sentence for the outbox's `last_error`.
    pub trait Mailer: Send + Sync {
        fn send<'a>(
            &'a self,
            to: &'a str,
            subject: &'a str,
            body: &'a str,
        ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
    }
}

/// Queues a message inside `tx`.
pub(crate) async fn enqueue(
    tx: &mut Tx,
    workspace_id: Option<&str>,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<String> {
    let t = now();
    let id = format!("email_{}", random_base62(22));
    team::enqueue_email(
        tx,
        &EmailRow {
            id: id.clone(),
            workspace_id: workspace_id.map(str::to_string),
            to_email: to.to_string(),
            subject: subject.to_string(),
            body_text: body.to_string(),
            status: "pending".into(),
            attempts: 0,
            next_attempt_at: t,
            lease_until: None,
            last_error: None,
            date_created: t,
            sent_at: None,
        },
    )
    .await?;
    Ok(id)
}

/// Wait before attempt `n + 1`: 10 s doubling up to an hour.
pub fn backoff(attempts: i64) -> chrono::Duration {
    let secs = 10i64.saturating_mul(1i64 << attempts.clamp(0, 12));
    chrono::Duration::seconds(secs.min(3600))
}

impl Services {
    /// Delivers every due message once through `mailer`; returns how many were sent.
    /// Safe to run on several nodes at once: each message is leased before sending.
    pub async fn deliver_due_emails(&self, mailer: &dyn Mailer) -> Result<usize> {
        let mut tx = self.db().read().await?;
        let due = team::due_emails(&mut tx, now(), 20).await?;
        drop(tx);
        let mut sent = 0;
        for email in due {
            let mut tx = self.db().write().await?;
            let leased = team::lease_email(
                &mut tx,
                &email.id,
                now(),
                now() + chrono::Duration::minutes(2),
            )
            .await?;
            tx.commit().await?;
            if !leased {
                continue;
            }
            let result = mailer
                .send(&email.to_email, &email.subject, &email.body_text)
                .await;
            let mut tx = self.db().write().await?;
            match result {
                Ok(()) => {
                    team::mark_email_sent(&mut tx, &email.id, now()).await?;
                    sent += 1;
                }
                Err(e) => {
                    let give_up = email.attempts + 1 >= MAX_ATTEMPTS;
                    tracing::warn!(email = %email.id, to = %email.to_email, error = %e, give_up, "email delivery failed");
                    team::mark_email_failed(
                        &mut tx,
                        &email.id,
                        &e,
                        now() + backoff(email.attempts + 1),
                        give_up,
                    )
                    .await?;
                }
            }
            tx.commit().await?;
        }
        Ok(sent)
    }

    /// The workspace's outbox, newest first (for admins, and for finding links when no mail
    /// server is configured).
    pub async fn outbox(&self, actor: &Actor) -> Result<Vec<EmailRow>> {
        actor.require_any(&[Permission::ManageUsers, Permission::ManageOrganization])?;
        let mut tx = self.db().read().await?;
        Ok(team::list_emails(&mut tx, &actor.workspace_id, 200).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff(0).num_seconds(), 10);
        assert_eq!(backoff(1).num_seconds(), 20);
        assert_eq!(backoff(20).num_seconds(), 3600);
    }
}
