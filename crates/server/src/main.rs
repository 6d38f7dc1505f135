//! The `corral` command: `serve` and `migrate`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: under load a request allocates a lot of small,
/// short-lived values across threads, where glibc's malloc spent a fifth of the CPU (P1's
/// profile).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "corral",
    version,
    about = "A self-hosted CRM server where the team is first-class."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (web UI and API on one port).
    Serve {
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "CORRAL_BIND")]
        bind: SocketAddr,
        /// Folder for the SQLite database and demo credentials.
        #[arg(long, default_value = ".", env = "CORRAL_DATA_DIR")]
        data_dir: PathBuf,
        /// Seed a realistic demo organization into an empty database.
        #[arg(long)]
        demo: bool,
        /// How many leads the demo seeds.
        #[arg(long, default_value_t = 2000)]
        demo_leads: usize,
        /// The URL people reach Corral at, for printed links (e.g. https://crm.example.com).
        #[arg(long, env = "CORRAL_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[arg(long, default_value = ".", env = "CORRAL_DATA_DIR")]
        data_dir: PathBuf,
    },
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("CORRAL_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let json = std::env::var("CORRAL_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// PostgreSQL when `DATABASE_URL` is set (and not empty), SQLite otherwise.
fn database_url() -> Option<String> {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// SMTP from `CORRAL_SMTP_URL` and `CORRAL_MAIL_FROM`.
fn smtp_config() -> Option<corral::SmtpConfig> {
    let url = std::env::var("CORRAL_SMTP_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())?;
    let from =
        std::env::var("CORRAL_MAIL_FROM").unwrap_or_else(|_| "Corral <corral@localhost>".into());
    Some(corral::SmtpConfig { url, from })
}

/// `CORRAL_INVITATION_TTL_HOURS`, when set to a positive number.
fn invitation_ttl() -> Option<std::time::Duration> {
    let hours: f64 = std::env::var("CORRAL_INVITATION_TTL_HOURS")
        .ok()?
        .parse()
        .ok()
        .filter(|h: &f64| *h > 0.0)?;
    Some(std::time::Duration::from_secs_f64(hours * 3600.0))
}

/// `CORRAL_API_RATE_LIMIT`: requests per second per API key and endpoint group (`N`, counted
/// over 10-second windows), `N/SECONDS`, or `off`; default 20 per second, three times that
/// per workspace. Exits on a value it cannot read rather than running unprotected.
fn rate_limit() -> Option<corral_services::ratelimit::RateLimits> {
    let raw = std::env::var("CORRAL_API_RATE_LIMIT").unwrap_or_else(|_| "20".into());
    match corral_services::ratelimit::RateLimits::parse(&raw) {
        Ok(limits) => limits,
        Err(e) => {
            eprintln!("error: CORRAL_API_RATE_LIMIT: {e}");
            std::process::exit(2);
        }
    }
}

/// `CORRAL_WEBHOOK_PRIVATE_NETWORKS=allow` lets webhooks reach loopback, private and
/// link-local addresses; unset or `deny`, deliveries go only to the public internet.
fn webhook_policy() -> corral_services::webhooks::Policy {
    let private_networks = match std::env::var("CORRAL_WEBHOOK_PRIVATE_NETWORKS")
        .unwrap_or_default()
        .trim()
    {
        "" | "deny" => false,
        "allow" => true,
        other => {
            eprintln!("error: CORRAL_WEBHOOK_PRIVATE_NETWORKS is 'allow' or 'deny', not '{other}'");
            std::process::exit(2);
        }
    };
    corral_services::webhooks::Policy {
        private_networks,
        ..Default::default()
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve {
            bind,
            data_dir,
            demo,
            demo_leads,
            public_url,
        } => {
            let config = corral::Config {
                bind,
                data_dir,
                database_url: database_url(),
                demo,
                demo_leads,
                public_url,
                smtp: smtp_config(),
                invitation_ttl: invitation_ttl(),
                rate_limit: rate_limit(),
                webhooks: webhook_policy(),
            };
            match corral::start(config).await {
                Ok(running) => {
                    eprintln!("Corral is running at {}  (Ctrl-C to stop)", running.url);
                    running.wait().await.map_err(|e| e.to_string())
                }
                Err(e) => Err(e),
            }
        }
        Command::Migrate { data_dir } => {
            let config = corral::Config {
                bind: SocketAddr::from(([127, 0, 0, 1], 0)),
                data_dir,
                database_url: database_url(),
                demo: false,
                demo_leads: 0,
                public_url: None,
                smtp: None,
                invitation_ttl: None,
                rate_limit: None,
                webhooks: Default::default(),
            };
            corral::open_database(&config)
                .await
                .map(|_| eprintln!("migrations applied"))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
