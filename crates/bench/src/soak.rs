//! The soak run (issue #10): the real `corral` binary with the demo organization under a mixed
//! load of reads, writes and team changes for a bounded time. Every few seconds it prints the
//! requests served, errors, p99 latency and the server's resident memory; at the end it fails
//! when any request failed or memory kept growing.
//!
//! `cargo build --release -p corral -p bench && target/release/bench soak --seconds 600`

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

type Res<T> = Result<T, String>;

/// The server under test; killed when dropped.
struct Server {
    child: Child,
    url: String,
    dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The `corral` binary: `--corral`, else beside this one.
pub(crate) fn corral_binary(given: Option<&str>) -> Res<std::path::PathBuf> {
    if let Some(p) = given {
        return Ok(p.into());
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let p = exe.with_file_name("corral");
    if p.exists() {
        Ok(p)
    } else {
        Err(format!(
            "no corral binary at {}: build it with `cargo build --release -p corral` or pass --corral",
            p.display()
        ))
    }
}

async fn start(binary: &std::path::Path, leads: usize) -> Res<Server> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let dir = std::env::temp_dir().join(format!("corral-soak-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let child = Command::new(binary)
        .args([
            "serve",
            "--demo",
            "--demo-leads",
            &leads.to_string(),
            "--bind",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(&dir)
        .env("CORRAL_LOG", "warn")
        // The soak measures the server, not the rate limiter.
        .env("CORRAL_API_RATE_LIMIT", "off")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        dir,
    };
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let ready = http
            .get(format!("{}/readyz", server.url))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ready && server.dir.join("demo-credentials.json").exists() {
            return Ok(server);
        }
        if Instant::now() > deadline {
            return Err("corral did not become ready".into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub(crate) fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// A small xorshift generator: the load needs variety, not cryptography.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

#[derive(Default)]
struct Stats {
    /// Latencies (µs) in the current window.
    window: Mutex<Vec<u64>>,
    requests: AtomicU64,
    errors: AtomicU64,
    /// The first few failures, for the report.
    failures: Mutex<Vec<String>>,
}

impl Stats {
    fn record(&self, what: &str, t: Instant, result: Result<u16, String>, ok: &[u16]) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut w) = self.window.lock() {
            w.push(t.elapsed().as_micros() as u64);
        }
        let failure = match result {
            Ok(s) if ok.contains(&s) => None,
            Ok(s) => Some(format!("{what}: HTTP {s}")),
            Err(e) => Some(format!("{what}: {e}")),
        };
        if let Some(f) = failure {
            self.errors.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut v) = self.failures.lock()
                && v.len() < 20
            {
                v.push(f);
            }
        }
    }
}

struct Client {
    http: reqwest::Client,
    url: String,
}

impl Client {
    async fn call(
        &self,
        method: reqwest::Method,
        key: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        let mut r = self
            .http
            .request(method, format!("{}/api/v1/{path}", self.url))
            .basic_auth(key, Some(""));
        if let Some(b) = body {
            r = r.json(b);
        }
        let r = r.send().await.map_err(|e| e.to_string())?;
        let s = r.status().as_u16();
        let v = r.json::<Value>().await.unwrap_or(Value::Null);
        Ok((s, v))
    }
}

/// One member's reads and writes, as a salesperson's day looks.
async fn member_load(
    c: Arc<Client>,
    stats: Arc<Stats>,
    key: String,
    stop: Arc<AtomicBool>,
    seed: u64,
) {
    use reqwest::Method;
    let mut rng = Rng::new(seed);
    let mut mine: Vec<String> = vec![];
    while !stop.load(Ordering::Relaxed) {
        let t = Instant::now();
        match rng.below(10) {
            0..=3 => {
                let skip = rng.below(5) * 20;
                let r = c
                    .call(
                        Method::GET,
                        &key,
                        &format!("lead/?_limit=20&_skip={skip}"),
                        None,
                    )
                    .await;
                if let Ok((200, v)) = &r
                    && let Some(id) = v["data"][0]["id"].as_str()
                    && mine.len() < 50
                {
                    mine.push(id.to_string());
                }
                stats.record("list leads", t, r.map(|x| x.0), &[200]);
            }
            4 => {
                let r = c
                    .call(Method::GET, &key, "lead/?query=company&_limit=10", None)
                    .await;
                stats.record("search leads", t, r.map(|x| x.0), &[200]);
            }
            5 => {
                let r = c
                    .call(Method::GET, &key, "opportunity/?_limit=20", None)
                    .await;
                stats.record("list opportunities", t, r.map(|x| x.0), &[200]);
            }
            6 => {
                let r = c
                    .call(
                        Method::POST,
                        &key,
                        "lead/",
                        Some(&json!({"name": format!("Soak lead {}", rng.below(1_000_000))})),
                    )
                    .await;
                if let Ok((200, v)) = &r
                    && let Some(id) = v["id"].as_str()
                {
                    mine.push(id.to_string());
                }
                stats.record("create lead", t, r.map(|x| x.0), &[200]);
            }
            7 if !mine.is_empty() => {
                let id = mine[rng.below(mine.len())].clone();
                let r = c
                    .call(
                        Method::POST,
                        &key,
                        "activity/note/",
                        Some(&json!({"lead_id": id, "note": "Called, left a message."})),
                    )
                    .await;
                // A lead the member no longer sees (reassigned by a team change) is a 404.
                stats.record("add note", t, r.map(|x| x.0), &[200, 404]);
            }
            8 if !mine.is_empty() => {
                let id = mine[rng.below(mine.len())].clone();
                let r = c
                    .call(
                        Method::POST,
                        &key,
                        "task/",
                        Some(&json!({"lead_id": id, "text": "Follow up", "date": "2026-12-01"})),
                    )
                    .await;
                stats.record("add task", t, r.map(|x| x.0), &[200, 404]);
            }
            _ => {
                let r = c.call(Method::GET, &key, "me/", None).await;
                stats.record("me", t, r.map(|x| x.0), &[200]);
            }
        }
    }
}

/// An administrator's team changes, one after another: invitations, groups, a member's role
/// back and forth, deactivating and reactivating, round robin of fresh leads.
async fn team_load(
    c: Arc<Client>,
    stats: Arc<Stats>,
    owner: String,
    member: String,
    stop: Arc<AtomicBool>,
) {
    use reqwest::Method;
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let t = Instant::now();
        let r = c
            .call(
                Method::POST,
                &owner,
                "invitation/",
                Some(&json!({"email": format!("soak{n}@example.com"), "role_id": "user"})),
            )
            .await;
        let inv = r
            .as_ref()
            .ok()
            .and_then(|(_, v)| v["id"].as_str().map(str::to_string));
        stats.record("invite", t, r.map(|x| x.0), &[200, 201]);
        if let Some(id) = inv {
            let t = Instant::now();
            let r = c
                .call(Method::DELETE, &owner, &format!("invitation/{id}/"), None)
                .await;
            stats.record("cancel invitation", t, r.map(|x| x.0), &[200, 204]);
        }
        let t = Instant::now();
        let r = c
            .call(
                Method::POST,
                &owner,
                "group/",
                Some(&json!({"name": format!("Soak group {n}")})),
            )
            .await;
        let group = r
            .as_ref()
            .ok()
            .and_then(|(_, v)| v["id"].as_str().map(str::to_string));
        stats.record("create group", t, r.map(|x| x.0), &[200, 201]);
        if let Some(g) = group {
            let t = Instant::now();
            let r = c
                .call(Method::DELETE, &owner, &format!("group/{g}/"), None)
                .await;
            stats.record("delete group", t, r.map(|x| x.0), &[200, 204]);
        }
        let role = if n.is_multiple_of(2) {
            "user"
        } else {
            "manager"
        };
        let t = Instant::now();
        let r = c
            .call(
                Method::PUT,
                &owner,
                &format!("membership/{member}/"),
                Some(&json!({"role_id": role})),
            )
            .await;
        stats.record("change role", t, r.map(|x| x.0), &[200]);
        if n.is_multiple_of(5) {
            let t = Instant::now();
            let r = c
                .call(
                    Method::DELETE,
                    &owner,
                    &format!("membership/{member}/"),
                    None,
                )
                .await;
            stats.record("deactivate", t, r.map(|x| x.0), &[200]);
            let t = Instant::now();
            let r = c
                .call(
                    Method::POST,
                    &owner,
                    &format!("membership/{member}/reactivate/"),
                    Some(&json!({})),
                )
                .await;
            stats.record("reactivate", t, r.map(|x| x.0), &[200]);
        }
        let t = Instant::now();
        let r = c
            .call(
                Method::POST,
                &owner,
                "lead/assign/",
                Some(&json!({"query": "Soak lead", "results_limit": 20})),
            )
            .await;
        stats.record("round robin", t, r.map(|x| x.0), &[200]);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn p99(v: &mut [u64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_unstable();
    v[((v.len() - 1) as f64 * 0.99) as usize] as f64 / 1000.0
}

/// Runs the soak; Ok when no request failed and memory did not keep growing.
pub async fn run(seconds: u64, leads: usize, corral: Option<&str>, clients: usize) -> Res<()> {
    let binary = corral_binary(corral)?;
    println!(
        "soak: {} for {seconds} s, {clients} members' clients and one administrator, demo with {leads} leads",
        binary.display()
    );
    let server = start(&binary, leads).await?;
    let creds: Value = serde_json::from_str(
        &std::fs::read_to_string(server.dir.join("demo-credentials.json"))
            .map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let members = creds["members"].as_array().cloned().unwrap_or_default();
    let owner = members
        .first()
        .and_then(|m| m["api_key"].as_str())
        .ok_or("no owner in the demo credentials")?
        .to_string();
    let users: Vec<&Value> = members
        .iter()
        .filter(|m| m["role_id"] == "user" && m["status"] == "active" && m["api_key"].is_string())
        .collect();
    let (changed, sellers) = users.split_first().ok_or("no demo users")?;
    let changed = changed["membership_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let client = Arc::new(Client {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .map_err(|e| e.to_string())?,
        url: server.url.clone(),
    });
    let stats = Arc::new(Stats::default());
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = vec![];
    for i in 0..clients {
        let key = sellers[i % sellers.len()]["api_key"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        tasks.push(tokio::spawn(member_load(
            client.clone(),
            stats.clone(),
            key,
            stop.clone(),
            0x9e37_79b9 + i as u64,
        )));
    }
    tasks.push(tokio::spawn(team_load(
        client.clone(),
        stats.clone(),
        owner,
        changed,
        stop.clone(),
    )));

    let pid = server.child.id();
    let started = Instant::now();
    let step = Duration::from_secs(5.min(seconds.max(1)));
    let mut samples: Vec<f64> = vec![];
    println!("\n| time | requests | req/s | errors | p99 | server RSS |");
    println!("| --- | --- | --- | --- | --- | --- |");
    let mut last = 0;
    while started.elapsed() < Duration::from_secs(seconds) {
        tokio::time::sleep(step).await;
        let mut w = stats
            .window
            .lock()
            .map(|mut w| std::mem::take(&mut *w))
            .unwrap_or_default();
        let total = stats.requests.load(Ordering::Relaxed);
        let rss = rss_mib(pid);
        samples.push(rss);
        println!(
            "| {:>4} s | {total} | {:.0} | {} | {:.1} ms | {rss:.1} MiB |",
            started.elapsed().as_secs(),
            (total - last) as f64 / step.as_secs_f64(),
            stats.errors.load(Ordering::Relaxed),
            p99(&mut w),
        );
        last = total;
    }
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let errors = stats.errors.load(Ordering::Relaxed);
    let mut verdict = Ok(());
    if errors > 0 {
        let f = stats
            .failures
            .lock()
            .map(|v| v.join("\n  "))
            .unwrap_or_default();
        verdict = Err(format!("{errors} failed requests, first ones:\n  {f}"));
    }
    // Memory: the last third of the run against the middle third (the first third warms
    // caches and pools up).
    if samples.len() >= 6 {
        let third = samples.len() / 3;
        let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
        let middle = mean(&samples[third..2 * third]);
        let end = mean(&samples[2 * third..]);
        let growth = end - middle;
        println!("\nRSS: middle third {middle:.1} MiB, last third {end:.1} MiB ({growth:+.1} MiB)");
        if growth > 8.0 && growth > middle * 0.10 {
            verdict = verdict.and(Err(format!(
                "server memory kept growing: {middle:.1} → {end:.1} MiB"
            )));
        }
    }
    println!(
        "soak: {} requests, {errors} errors in {:.0} s",
        stats.requests.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
    verdict
}
