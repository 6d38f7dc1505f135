//! Webhook delivery over HTTP(S) (reqwest with rustls), and the worker that drains the
//! webhook outbox.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use corral_services::Services;
use corral_services::webhooks::{Policy, SendResult, Sender};

/// Makes rustls use ring (the provider the mail transport already brings) for every client
/// built in this process. Harmless when called again.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Two clients: one checking certificates, one for subscriptions with `verify_ssl: false`.
pub struct HttpSender {
    verified: reqwest::Client,
    unverified: reqwest::Client,
}

impl HttpSender {
    pub fn new(timeout: Duration) -> Result<Self, String> {
        install_tls_provider();
        let build = |verify: bool| {
            reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(timeout.min(Duration::from_secs(10)))
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("Corral-Webhooks/", env!("CARGO_PKG_VERSION")))
                .tls_danger_accept_invalid_certs(!verify)
                .build()
                .map_err(|e| format!("cannot build the webhook HTTP client: {e}"))
        };
        Ok(Self {
            verified: build(true)?,
            unverified: build(false)?,
        })
    }
}

impl Sender for HttpSender {
    fn post<'a>(
        &'a self,
        url: &'a str,
        verify_ssl: bool,
        headers: &'a [(&'static str, String)],
        body: &'a str,
    ) -> Pin<Box<dyn Future<Output = SendResult> + Send + 'a>> {
        Box::pin(async move {
            let client = if verify_ssl {
                &self.verified
            } else {
                &self.unverified
            };
            let mut req = client.post(url).body(body.to_string());
            for (name, value) in headers {
                req = req.header(*name, value);
            }
            match req.send().await {
                Ok(resp) => Ok(resp.status().as_u16()),
                Err(e) if e.is_timeout() => Err("The receiver did not answer in time.".into()),
                Err(e) if e.is_connect() => Err(format!("Could not connect: {e}")),
                Err(e) => Err(format!("The request failed: {e}")),
            }
        })
    }
}

/// Delivers due webhook events every half second until the task is dropped.
pub fn spawn_worker(
    services: Services,
    sender: HttpSender,
    policy: Policy,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match services.deliver_due_webhooks(&sender, &policy).await {
                Ok(n) if n > 0 => tracing::debug!(delivered = n, "webhooks delivered"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "webhook worker could not read the outbox"),
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    })
}
