//! `spawn_app` and a small HTTP client with a cookie jar.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;

use corral::{Config, Running};
use corral_store::testing;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, HeaderMap, SET_COOKIE};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The engines this run covers: SQLite always; PostgreSQL when configured (required in CI).
pub fn engines() -> Vec<Engine> {
    let mut v = vec![Engine::Sqlite];
    if std::env::var(testing::POSTGRES_URL_VAR).is_ok() {
        v.push(Engine::Postgres);
    } else if testing::postgres_required() {
        panic!("{} must be set when CI=true", testing::POSTGRES_URL_VAR);
    } else {
        eprintln!(
            "note: {} unset; PostgreSQL runs of this test skipped",
            testing::POSTGRES_URL_VAR
        );
    }
    v
}

pub struct TestApp {
    pub running: Running,
    pub url: String,
    pub data_dir: PathBuf,
    pub http: reqwest::Client,
    _pg: Option<testing::TestDb>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

pub async fn spawn_app(engine: Engine) -> TestApp {
    spawn_with(engine, Options::default()).await
}

/// A server seeded with the demo organization.
pub async fn spawn_demo(engine: Engine) -> TestApp {
    spawn_with(
        engine,
        Options {
            demo: true,
            ..Default::default()
        },
    )
    .await
}

/// How to start a test server.
#[derive(Default)]
pub struct Options {
    pub demo: bool,
    /// Leads the demo seeds (tests build their own; the demo test asks for some).
    pub demo_leads: usize,
    pub smtp: Option<corral::SmtpConfig>,
    pub invitation_ttl: Option<std::time::Duration>,
    /// The public URL links and cookie flags follow (the test still talks to the bind address).
    pub public_url: Option<String>,
    /// API rate limits (tests run without them unless they test them).
    pub rate_limit: Option<corral_services::ratelimit::RateLimits>,
    /// Webhook retry and pause settings (tests shorten the waits).
    pub webhooks: corral_services::webhooks::Policy,
}

pub async fn spawn_with(engine: Engine, opts: Options) -> TestApp {
    let data_dir = testing::temp_dir("app");
    let pg = match engine {
        Engine::Sqlite => None,
        Engine::Postgres => Some(
            testing::postgres()
                .await
                .expect("postgres test db")
                .expect("postgres url set"),
        ),
    };
    let config = Config {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: data_dir.clone(),
        database_url: pg.as_ref().map(|p| p.url.clone()),
        demo: opts.demo,
        demo_leads: opts.demo_leads,
        public_url: opts.public_url,
        smtp: opts.smtp,
        invitation_ttl: opts.invitation_ttl,
        rate_limit: opts.rate_limit,
        webhooks: opts.webhooks,
    };
    let running = corral::start(config).await.expect("server starts");
    let url = format!("http://{}", running.addr);
    TestApp {
        running,
        url,
        data_dir,
        http: client(),
        _pg: pg,
    }
}

pub fn client() -> reqwest::Client {
    corral::webhook::install_tls_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

impl TestApp {
    /// The demo credentials file, parsed.
    pub fn demo(&self) -> Value {
        let path = self
            .running
            .demo_credentials
            .as_ref()
            .expect("demo credentials written");
        serde_json::from_str(&std::fs::read_to_string(path).expect("read credentials"))
            .expect("json")
    }

    /// The first demo member holding `role_id` and the given status.
    pub fn demo_member(&self, role_id: &str) -> Value {
        self.demo()["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["role_id"] == role_id && m["status"] == "active")
            .cloned()
            .unwrap_or_else(|| panic!("no active demo member with role {role_id}"))
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1/{}", self.url, path.trim_start_matches('/'))
    }

    pub async fn get(&self, key: &str, path: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .get(self.api(path))
            .basic_auth(key, Some(""))
            .send()
            .await
            .expect("request");
        decode(r).await
    }

    pub async fn put(&self, key: &str, path: &str, body: &Value) -> (StatusCode, Value) {
        let r = self
            .http
            .put(self.api(path))
            .basic_auth(key, Some(""))
            .json(body)
            .send()
            .await
            .expect("request");
        decode(r).await
    }

    /// Sets up an empty server through the services (fast fixture): returns the owner's
    /// API key and workspace id.
    pub async fn setup_owner(&self) -> (String, String) {
        let services = &self.running.services;
        let token = services
            .issue_setup_token()
            .await
            .unwrap()
            .expect("setup needed");
        let session = services
            .complete_setup(
                &token,
                corral_services::setup::SetupInput {
                    organization_name: "Test Org".into(),
                    workspace_name: "Test Sales".into(),
                    first_name: "Olive".into(),
                    last_name: "Owner".into(),
                    email: "olive@example.com".into(),
                    password: "owner-password".into(),
                },
            )
            .await
            .unwrap();
        let actor = services.authenticate_session(&session.token).await.unwrap();
        let key = services.create_api_key(&actor, "test").await.unwrap();
        (key.secret, session.workspace_id)
    }
}

pub async fn decode(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.expect("body");
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, v)
}

/// Asserts a Close-shaped error body.
pub fn assert_close_error(body: &Value) {
    assert!(body["error"].is_string(), "no `error` string in {body}");
    assert!(body["errors"].is_array(), "no `errors` list in {body}");
    assert!(
        body["field-errors"].is_object(),
        "no `field-errors` object in {body}"
    );
}

/// A browser-like session: a cookie jar over the no-redirect client.
pub struct Browser {
    pub base: String,
    http: reqwest::Client,
    jar: Mutex<HashMap<String, String>>,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_string(),
            http: client(),
            jar: Mutex::new(HashMap::new()),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.lock().unwrap().get(name).cloned()
    }

    fn cookie_header(&self) -> String {
        self.jar
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn absorb(&self, headers: &HeaderMap) {
        let mut jar = self.jar.lock().unwrap();
        for v in headers.get_all(SET_COOKIE) {
            let s = v.to_str().unwrap();
            let pair = s.split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            if s.contains("Max-Age=0") {
                jar.remove(k);
            } else {
                jar.insert(k.to_string(), val.to_string());
            }
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, HeaderMap, String) {
        let r = self
            .http
            .get(format!("{}{}", self.base, path))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        let (status, headers) = (r.status(), r.headers().clone());
        self.absorb(&headers);
        (status, headers, r.text().await.unwrap())
    }

    pub async fn post_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, String) {
        let r = self
            .http
            .post(format!("{}{}", self.base, path))
            .header(COOKIE, self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        let (status, headers) = (r.status(), r.headers().clone());
        self.absorb(&headers);
        (status, headers, r.text().await.unwrap())
    }

    /// Signs in through the login form (fetching it first for the CSRF cookie).
    pub async fn sign_in(&self, email: &str, password: &str) -> (StatusCode, HeaderMap, String) {
        self.get("/login").await;
        let csrf = self.cookie("corral_csrf").expect("csrf cookie");
        self.post_form(
            "/login",
            &[("csrf", &csrf), ("email", email), ("password", password)],
        )
        .await
    }
}

/// A demo member's API key.
pub fn key(m: &Value) -> String {
    m["api_key"].as_str().unwrap().to_string()
}

/// The `nth` active demo member holding `role`.
pub fn active_member<'a>(d: &'a Value, role: &str, nth: usize) -> &'a Value {
    d["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role_id"] == role && m["status"] == "active")
        .nth(nth)
        .unwrap_or_else(|| panic!("no active {role} #{nth}"))
}

/// A Python that can import `modules` (`CORRAL_TEST_PYTHON`, else `python3`). None outside
/// CI when there is none; in CI that is a failure, since those tests must run there.
pub fn python_with(modules: &str, what: &str) -> Option<String> {
    let candidates: Vec<String> = std::env::var("CORRAL_TEST_PYTHON")
        .into_iter()
        .chain(["python3".to_string()])
        .collect();
    for py in candidates {
        let ok = std::process::Command::new(&py)
            .args(["-c", &format!("import {modules}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if ok {
            return Some(py);
        }
    }
    assert!(
        !testing::postgres_required(),
        "CI must run the {what} tests: set CORRAL_TEST_PYTHON to a Python that has {modules}"
    );
    eprintln!(
        "note: Python with {modules} not found; {what} test skipped (the README's test command installs it)"
    );
    None
}

/// Runs a Python script (off the async threads) and returns its standard output; a failing
/// script fails the test with both of its outputs.
pub async fn run_python(python: &str, script: &str, args: Vec<String>, what: &str) -> String {
    let (python, script) = (python.to_string(), script.to_string());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(&python)
            .arg(&script)
            .args(&args)
            .output()
            .expect("run python")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{what} failed\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The id of the workspace's "Lead Owner" field (every workspace has one, user-typed).
pub async fn lead_owner_field(app: &TestApp, k: &str) -> String {
    let (s, v) = app.get(k, "custom_field/lead/").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let f = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Lead Owner")
        .expect("every workspace has Lead Owner")
        .clone();
    assert_eq!(f["type"], "user");
    f["id"].as_str().unwrap().to_string()
}

/// The demo's active members with the built-in "user" role.
pub fn active_users(d: &Value) -> Vec<Value> {
    d["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role_id"] == "user" && m["status"] == "active")
        .cloned()
        .collect()
}

/// Gives `member` a new role, "Closer", that sees only the leads `cf` assigns to them.
pub async fn make_closer(app: &TestApp, owner: &str, member: &Value, cf: &str) {
    let (s, closer) = app.post(owner, "role/", &json!({"name": "Closer", "permissions": ["calling"], "visibility_user_lcf_ids": [cf], "visibility_user_lcf_behavior": "require_assignment"})).await;
    assert!(s.is_success(), "{closer}");
    let (s, m) = app
        .put(
            owner,
            &format!("membership/{}/", member["membership_id"].as_str().unwrap()),
            &json!({"role_id": closer["id"]}),
        )
        .await;
    assert!(s.is_success(), "{m}");
}

/// The event `event_id` about the lead `lead_id`, which `limited` may not see: the owner
/// reads it, `limited` gets a 404 for it and an empty log for the lead.
pub async fn event_follows_lead_visibility(
    app: &TestApp,
    owner: &str,
    limited: &str,
    event_id: &str,
    lead_id: &str,
) {
    let path = format!("event/{event_id}/");
    assert_eq!(app.get(limited, &path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(owner, &path).await.0, StatusCode::OK);
    let (_, none) = app.get(limited, &format!("event/?lead_id={lead_id}")).await;
    assert_eq!(none["data"], json!([]), "{none}");
}
