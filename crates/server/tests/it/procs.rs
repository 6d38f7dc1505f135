//! The real `corral` binary as a child process, for tests that kill it or run several nodes.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{client, decode};

pub struct Server {
    pub child: Child,
    pub url: String,
    /// The node id the server answers `/readyz` with.
    pub node: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn start(
    dir: &std::path::Path,
    db_url: Option<&str>,
    demo_leads: Option<usize>,
) -> Server {
    start_with(dir, db_url, demo_leads, &[]).await
}

/// [`start`] with extra environment variables.
pub async fn start_with(
    dir: &std::path::Path,
    db_url: Option<&str>,
    demo_leads: Option<usize>,
    env: &[(&str, &str)],
) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_corral"));
    cmd.args([
        "serve",
        "--bind",
        &format!("127.0.0.1:{port}"),
        "--data-dir",
    ])
    .arg(dir)
    .env("CORRAL_LOG", "warn")
    .env("CORRAL_API_RATE_LIMIT", "off")
    .env_remove("DATABASE_URL")
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    if let Some(n) = demo_leads {
        cmd.args(["--demo", "--demo-leads", &n.to_string()]);
    }
    if let Some(u) = db_url {
        cmd.env("DATABASE_URL", u);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("start corral");
    let url = format!("http://127.0.0.1:{port}");
    let http = client();
    let deadline = Instant::now() + Duration::from_secs(120);
    let node = loop {
        if let Ok(r) = http.get(format!("{url}/readyz")).send().await
            && r.status() == StatusCode::OK
        {
            break r
                .headers()
                .get("x-corral-node")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
        }
        assert!(Instant::now() < deadline, "corral did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    Server { child, url, node }
}

pub async fn get(url: &str, key: &str, path: &str) -> (StatusCode, Value) {
    decode(
        client()
            .get(format!("{url}/api/v1/{path}"))
            .basic_auth(key, Some(""))
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Lead Owner of every lead, by paging through all of them.
pub async fn owners(url: &str, key: &str, cf: &str) -> HashMap<String, Option<String>> {
    all_leads(url, key, &format!("id,custom.{cf}"))
        .await
        .into_iter()
        .map(|l| {
            (
                l["id"].as_str().unwrap().to_string(),
                l[format!("custom.{cf}")].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// Every lead the key sees, paged to the end with `_fields`; a lead listed twice fails.
pub async fn all_leads(url: &str, key: &str, fields: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    loop {
        let (s, page) = get(
            url,
            key,
            &format!("lead/?_skip={}&_limit=200&_fields={fields}", out.len()),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        let data = page["data"].as_array().unwrap();
        for l in data {
            let id = l["id"].as_str().unwrap().to_string();
            assert!(seen.insert(id.clone()), "lead {id} listed twice");
            out.push(l.clone());
        }
        if !page["has_more"].as_bool().unwrap_or(false) || data.is_empty() {
            break;
        }
    }
    out
}

pub async fn post(url: &str, key: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    decode(
        client()
            .post(format!("{url}/api/v1/{path}"))
            .basic_auth(key, Some(""))
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}
