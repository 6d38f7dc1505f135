//! Email delivery over SMTP (lettre), and the worker that drains the outbox.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use corral_services::Services;
use corral_services::outbox::mailer::Mailer;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// SMTP settings: `smtp://user:pass@host:port` (add `?tls=required` for STARTTLS) or
/// `smtps://…` for implicit TLS, and the sender address.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub url: String,
    pub from: String,
}

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl SmtpMailer {
    pub fn new(cfg: &SmtpConfig) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&cfg.url)
            .map_err(|e| format!("CORRAL_SMTP_URL is not usable: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = cfg
            .from
            .parse()
            .map_err(|e| format!("CORRAL_MAIL_FROM '{}' is not an address: {e}", cfg.from))?;
        Ok(Self { transport, from })
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(
        &'a self,
        to: &'a str,
        subject: &'a str,
        body: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            let to = to
                .parse()
                .map_err(|e| format!("recipient '{to}' is not an address: {e}"))?;
            let msg = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(subject)
                .header(ContentType::TEXT_PLAIN)
                .body(body.to_string())
                .map_err(|e| format!("cannot build the message: {e}"))?;
            self.transport
                .send(msg)
                .await
                .map(|_| ())
                .map_err(|e| format!("SMTP: {e}"))
        })
    }
}

/// Delivers due outbox messages every second until the task is dropped.
pub fn spawn_worker(services: Services, mailer: SmtpMailer) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match services.deliver_due_emails(&mailer).await {
                Ok(n) if n > 0 => tracing::info!(sent = n, "emails delivered"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "outbox worker could not read the outbox"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
}
