//! Webhook delivery over HTTP(S) (reqwest with rustls), and the worker that drains the
//! webhook outbox.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use corral_domain::webhooks::is_public;
use corral_services::Services;
use corral_services::webhooks::{SendResult, Sender};

/// Why a delivery may not go to an address inside the server's own network.
fn inside(what: &str) -> String {
    format!(
        "{what} is inside the server's own network (loopback, private or link-local), where this server does not deliver; its operator can allow that with CORRAL_WEBHOOK_PRIVATE_NETWORKS=allow."
    )
}

/// Resolves names as the system does, keeping only public addresses: a name that points
/// into the server's own network (or is made to, after the subscription was checked) is
/// never connected to.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> =
                all.iter().copied().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() && !all.is_empty() {
                let addrs: Vec<String> = all.iter().map(|a| a.ip().to_string()).collect();
                return Err(inside(&format!("'{host}' ({})", addrs.join(", "))).into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// An error with the causes under it, which is where reqwest says what went wrong.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cause = c.source();
    }
    out
}

/// Makes rustls use ring (the provider the mail transport already brings) for every client
/// built in this process. Harmless when called again.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Two clients: one checking certificates, one for subscriptions with `verify_ssl: false`.
/// Unless private networks are allowed, both connect only to public addresses.
pub struct HttpSender {
    verified: reqwest::Client,
    unverified: reqwest::Client,
    private_networks: bool,
}

impl HttpSender {
    pub fn new(timeout: Duration, private_networks: bool) -> Result<Self, String> {
        install_tls_provider();
        let build = |verify: bool| {
            let mut b = reqwest::Client::builder();
            if !private_networks {
                // A proxy would resolve the name itself, out of this check's reach.
                b = b.no_proxy().dns_resolver(Arc::new(PublicOnly));
            }
            b.timeout(timeout)
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
            private_networks,
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
            // Addresses written as numbers reach no resolver: they are checked here.
            if !self.private_networks
                && let Some(ip) = reqwest::Url::parse(url).ok().and_then(|u| {
                    let host = u.host_str()?.trim_start_matches('[').trim_end_matches(']');
                    host.parse::<IpAddr>().ok()
                })
                && !is_public(ip)
            {
                return Err(inside(&ip.to_string()));
            }
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
                Err(e) if e.is_connect() => Err(format!("Could not connect: {}", with_causes(&e))),
                Err(e) => Err(format!("The request failed: {}", with_causes(&e))),
            }
        })
    }
}

/// Delivers due webhook events every half second until the task is dropped.
pub fn spawn_worker(services: Services, sender: HttpSender) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match services.deliver_due_webhooks(&sender).await {
                Ok(n) if n > 0 => tracing::debug!(delivered = n, "webhooks delivered"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "webhook worker could not read the outbox"),
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::dns::Resolve;
    use std::str::FromStr;

    #[tokio::test]
    async fn names_that_resolve_inside_the_network_are_refused() {
        let name = reqwest::dns::Name::from_str("localhost").unwrap();
        let err = match PublicOnly.resolve(name).await {
            Ok(addrs) => panic!("resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("'localhost' ("), "{err}");
        assert!(
            err.contains("CORRAL_WEBHOOK_PRIVATE_NETWORKS=allow"),
            "{err}"
        );
    }
}
