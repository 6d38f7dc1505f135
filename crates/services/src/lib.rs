//! The application layer: one function per use case.
//!
//! Each use case authorises through the domain policy, loads what it needs, decides through
//! the domain, writes in one transaction and returns a view. Every adapter (API, web, CLI)
//! comes through here; none touches SQL or re-implements a rule.

pub mod access;
pub mod audit;
pub mod auth;
pub mod bulk;
pub mod demo;
pub mod error;
pub mod explain;
pub mod imports;
pub mod leads;
pub mod members;
pub mod offboarding;
pub mod outbox;
pub mod phones;
pub mod pipelines;
pub mod presence;
pub mod ratelimit;
pub mod reports;
pub mod roles;
pub mod scim;
pub mod secrets;
pub mod setup;
pub mod sharing;
pub mod views;
pub mod webhooks;
pub mod work;
pub mod workspace;

use std::sync::Arc;

pub use corral_domain::{Actor, Permission, PermissionSet};
pub use corral_store::Db;
pub use error::ServiceError;

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// How long a browser session lasts without signing in again.
    pub session_ttl: chrono::Duration,
    /// Failed sign-ins per address allowed within [`ServiceConfig::throttle_window`].
    pub max_login_failures: i64,
    pub throttle_window: chrono::Duration,
    /// Where people reach Corral, for links in emails (no trailing slash).
    pub public_url: String,
    /// Whether a mail server is configured; without one, emailed links are also logged.
    pub mail_configured: bool,
    /// How long an invitation link stays valid.
    pub invitation_ttl: chrono::Duration,
    /// How long a node holds a background job between batches; another node takes the job
    /// over when the lease runs out (its node died).
    pub job_lease: chrono::Duration,
    /// API rate limits; None lets every request through.
    pub rate_limit: Option<ratelimit::RateLimits>,
    /// How webhooks are delivered and retried, and whether they may reach private networks.
    pub webhooks: webhooks::Policy,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            session_ttl: chrono::Duration::days(14),
            max_login_failures: 5,
            throttle_window: chrono::Duration::minutes(15),
            public_url: "http://127.0.0.1:8080".into(),
            mail_configured: false,
            invitation_ttl: chrono::Duration::days(7),
            job_lease: chrono::Duration::seconds(60),
            rate_limit: None,
            webhooks: webhooks::Policy::default(),
        }
    }
}

/// The use cases, sharing one database handle. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    config: ServiceConfig,
    /// When this node last wrote each membership's `last_active_at`, so the common case of
    /// an authenticated request costs no write at all.
    last_touch: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
    presence: presence::Presence,
    rates: ratelimit::RateLedger,
}

impl Services {
    pub fn new(db: Db, config: ServiceConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                config,
                last_touch: Default::default(),
                presence: Default::default(),
                rates: Default::default(),
            }),
        }
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.inner.config
    }

    /// Who is online on this node's pages.
    pub fn presence(&self) -> &presence::Presence {
        &self.inner.presence
    }

    /// This node's share of the API rate-limit quotas.
    pub(crate) fn rate_ledger(&self) -> &ratelimit::RateLedger {
        &self.inner.rates
    }

    /// Whether this node should write activity for `key` now (at most once a minute).
    pub(crate) fn due_for_touch(&self, key: &str) -> bool {
        let now = std::time::Instant::now();
        let Ok(mut map) = self.inner.last_touch.lock() else {
            return true;
        };
        match map.get(key) {
            Some(t) if now.duration_since(*t) < std::time::Duration::from_secs(60) => false,
            _ => {
                map.insert(key.to_string(), now);
                true
            }
        }
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ready(&self) -> Result<()> {
        self.db().ping().await?;
        Ok(())
    }
}
