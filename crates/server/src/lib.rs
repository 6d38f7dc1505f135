//! Wiring: configuration, the database, the services, the routers, and the listener.
//!
//! The binary in `main.rs` only parses arguments and calls [`start`]; tests call [`start`]
//! too, on port 0 with a fresh database, and talk to it over HTTP like any client.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use corral_services::{ServiceConfig, Services};
use corral_store::Db;
use tower::Layer;
use tower_http::normalize_path::NormalizePathLayer;

pub mod mail;
pub mod webhook;
pub use mail::SmtpConfig;

/// How to run a server.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    /// Where the SQLite file and `demo-credentials.json` live.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; None for SQLite in `data_dir`.
    pub database_url: Option<String>,
    pub demo: bool,
    /// How many leads `--demo` seeds.
    pub demo_leads: usize,
    /// The address people reach Corral at (for printed links); defaults to the bind address.
    pub public_url: Option<String>,
    /// Where to deliver email; None keeps messages in the outbox and logs their links.
    pub smtp: Option<SmtpConfig>,
    /// How long invitation links stay valid (default 7 days).
    pub invitation_ttl: Option<std::time::Duration>,
    /// API rate limits per key and endpoint group; None lets every request through.
    pub rate_limit: Option<corral_services::ratelimit::RateLimits>,
    /// How webhook deliveries are retried and when a failing subscription is paused.
    pub webhooks: corral_services::webhooks::Policy,
}

impl Config {
    pub fn public_url(&self, addr: SocketAddr) -> String {
        if let Some(u) = &self.public_url {
            return u.trim_end_matches('/').to_string();
        }
        let host = if addr.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            addr.ip().to_string()
        };
        let host = if addr.is_ipv6() && !addr.ip().is_unspecified() {
            format!("[{host}]")
        } else {
            host
        };
        format!("http://{host}:{}", addr.port())
    }

    fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.clone(),
            None => format!("sqlite:{}", self.data_dir.join("corral.db").display()),
        }
    }
}

/// Opens the configured database and applies pending migrations.
pub async fn open_database(config: &Config) -> Result<Db, String> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            format!(
                "cannot create data directory {}: {e}",
                config.data_dir.display()
            )
        })?;
    }
    let url = config.database_url();
    let db = Db::connect(&url)
        .await
        .map_err(|e| format!("cannot open database: {e}"))?;
    db.migrate()
        .await
        .map_err(|e| format!("cannot migrate database: {e}"))?;
    Ok(db)
}

/// Every route of the application.
pub fn app(services: Services, secure_cookies: bool) -> Router {
    let ops = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .with_state(services.clone());
    Router::new()
        .merge(ops)
        .merge(corral_api::router(services.clone()))
        .merge(corral_web::router(services, secure_cookies))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(request_id))
}

async fn readyz(State(services): State<Services>) -> Response {
    match services.ready().await {
        Ok(()) => {
            let mut r = "ready".into_response();
            if let Ok(v) = HeaderValue::from_str(services.presence().node_id()) {
                r.headers_mut().insert("x-corral-node", v);
            }
            r
        }
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// The content security policy of every response: scripts, styles and requests only from
/// Corral itself (no inline script or style attribute), no framing, no plugins.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Security headers on every response (pages, API, SCIM and errors alike).
async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    for (name, value) in [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        ("cross-origin-opener-policy", "same-origin"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    resp
}

/// Tags each request with an id (`req_…`) for logs and the `X-Request-Id` response header.
async fn request_id(mut req: Request, next: Next) -> Response {
    let id = corral_domain::ids::Kind::Request.new_id();
    req.extensions_mut()
        .insert(corral_api::RequestId(id.clone()));
    let span =
        tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path());
    let _guard = span.enter();
    drop(_guard);
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let mut resp = next.run(req).await;
    tracing::info!(request_id = %id, %method, %path, status = resp.status().as_u16(), ms = started.elapsed().as_millis() as u64, "request");
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// How long a node holds a job between two batches before another node may take it over
/// (`CORRAL_JOB_LEASE_SECS`, default 60).
fn job_lease() -> chrono::Duration {
    std::env::var("CORRAL_JOB_LEASE_SECS")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|s| *s > 0)
        .map(chrono::Duration::seconds)
        .unwrap_or_else(|| ServiceConfig::default().job_lease)
}

/// Runs bulk-action jobs in the background (several nodes may run this at once).
fn spawn_jobs_worker(services: Services) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match services.run_jobs_once().await {
                Ok(n) if n > 0 => tracing::info!(items = n, "bulk actions applied"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "bulk action worker failed a round"),
            }
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
    })
}

/// Checkpoints SQLite's WAL in the background (the writer leaves it to this task); nothing on
/// PostgreSQL.
fn spawn_checkpoints(services: Services) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if services.db().engine() != corral_store::Engine::Sqlite {
            return;
        }
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            if let Err(e) = services.db().checkpoint().await {
                tracing::debug!(error = %e, "WAL checkpoint deferred");
            }
        }
    })
}

/// A server that is listening.
pub struct Running {
    pub addr: SocketAddr,
    pub url: String,
    pub services: Services,
    /// The one-time setup link printed at start, when the database had no organization.
    pub setup_url: Option<String>,
    pub demo_credentials: Option<PathBuf>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    worker: Option<tokio::task::JoinHandle<()>>,
    jobs: tokio::task::JoinHandle<()>,
    hooks: tokio::task::JoinHandle<()>,
    cluster: tokio::task::JoinHandle<()>,
    checkpoints: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting connections and waits for the server to finish.
    pub async fn stop(mut self) {
        if let Some(w) = self.worker.take() {
            w.abort();
        }
        self.jobs.abort();
        self.hooks.abort();
        self.cluster.abort();
        self.checkpoints.abort();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Waits until the server stops by itself (Ctrl-C) or fails.
    pub async fn wait(self) -> std::io::Result<()> {
        match self.task.await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}

/// Opens the database, seeds demo data or issues the setup link, binds and serves.
pub async fn start(config: Config) -> Result<Running, String> {
    let db = open_database(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let url = config.public_url(addr);
    let secure = url.starts_with("https://");
    let mailer = config
        .smtp
        .as_ref()
        .map(mail::SmtpMailer::new)
        .transpose()?;
    let services = Services::new(
        db,
        ServiceConfig {
            public_url: url.clone(),
            mail_configured: mailer.is_some(),
            invitation_ttl: match config.invitation_ttl {
                Some(d) => chrono::Duration::from_std(d)
                    .map_err(|e| format!("invitation lifetime: {e}"))?,
                None => ServiceConfig::default().invitation_ttl,
            },
            job_lease: job_lease(),
            rate_limit: config.rate_limit,
            webhooks: config.webhooks,
            ..ServiceConfig::default()
        },
    );
    services
        .ensure_workspace_defaults()
        .await
        .map_err(|e| format!("cannot prepare workspaces: {e}"))?;
    let worker = mailer.map(|m| mail::spawn_worker(services.clone(), m));
    let jobs = spawn_jobs_worker(services.clone());
    let hooks = webhook::spawn_worker(
        services.clone(),
        webhook::HttpSender::new(config.webhooks.timeout, config.webhooks.private_networks)?,
    );
    let cluster = tokio::spawn(services.clone().run_presence_cluster());
    let checkpoints = spawn_checkpoints(services.clone());
    if worker.is_none() {
        eprintln!(
            "note: no mail server configured (CORRAL_SMTP_URL); emails wait in the outbox and their links are logged."
        );
    }

    let mut demo_credentials = None;
    if config.demo {
        let progress = |step: &str| eprintln!("demo: {step}…");
        match services
            .seed_demo(config.demo_leads, &progress)
            .await
            .map_err(|e| format!("cannot seed demo data: {e}"))?
        {
            Some(mut creds) => {
                creds.url = url.clone();
                creds.scim_url = format!("{url}/scim/v2");
                let path = config.data_dir.join("demo-credentials.json");
                std::fs::create_dir_all(&config.data_dir).map_err(|e| e.to_string())?;
                let json = serde_json::to_string_pretty(&creds).map_err(|e| e.to_string())?;
                std::fs::write(&path, json)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                eprintln!(
                    "demo: done. Sign in as {} with password '{}'",
                    creds.members[0].email,
                    corral_services::demo::DEMO_PASSWORD
                );
                eprintln!(
                    "demo: every member's email, password and API key is in {}",
                    path.display()
                );
                demo_credentials = Some(path);
            }
            None => {
                let path = config.data_dir.join("demo-credentials.json");
                eprintln!(
                    "demo: this database already has an organization; demo data left as it is ({}).",
                    path.display()
                );
                if path.exists() {
                    demo_credentials = Some(path);
                }
            }
        }
    }

    let mut setup_url = None;
    if let Some(token) = services
        .issue_setup_token()
        .await
        .map_err(|e| format!("cannot issue setup link: {e}"))?
    {
        let link = format!("{url}/setup?token={token}");
        println!(
            "Corral is not set up yet. Open this one-time link to create your organization and owner account:\n\n    {link}\n"
        );
        setup_url = Some(link);
    }

    let router = app(services.clone(), secure);
    let svc = NormalizePathLayer::trim_trailing_slash().layer(router);
    let make = axum::ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(svc);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, make)
            .with_graceful_shutdown(async move {
                tokio::select! {
                    _ = rx => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            })
            .await
    });
    tracing::info!(%url, "Corral is listening");
    Ok(Running {
        addr,
        url,
        services,
        setup_url,
        demo_credentials,
        shutdown: Some(tx),
        task,
        worker,
        jobs,
        hooks,
        cluster,
        checkpoints,
    })
}
