//! P5 (presence fan-out to 1,000 live pages) and P7 (a separate server process's memory under
//! P1's load).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use corral_store::model::SessionRow;
use corral_store::queries::auth;
use tokio::process::Command;

use crate::{Res, Row, World, err, hammer, pct};

/// A signed-in browser session for `user_id`, written straight into the store (the benchmark
/// measures presence, not password hashing).
async fn session_for(w: &World, user_id: &str) -> Res<String> {
    let token = corral_domain::ids::random_base62(43);
    let now = Utc::now();
    let mut tx = w.db.write().await.map_err(err)?;
    auth::insert_session(
        &mut tx,
        &SessionRow {
            token_hash: corral_services::secrets::token_hash(&token),
            user_id: user_id.to_string(),
            workspace_id: w.ws.clone(),
            date_created: now,
            expires_at: now + chrono::Duration::hours(2),
        },
    )
    .await
    .map_err(err)?;
    tx.commit().await.map_err(err)?;
    Ok(token)
}

/// Opens the live presence stream a signed-in page holds.
async fn open_stream(http: &reqwest::Client, url: &str, token: &str) -> Res<reqwest::Response> {
    let r = http
        .get(format!("{url}/events/presence"))
        .header("cookie", format!("corral_session={token}"))
        .send()
        .await
        .map_err(err)?;
    if !r.status().is_success() {
        return Err(format!("presence stream answered {}", r.status()));
    }
    Ok(r)
}

/// P5: `watchers` pages are open (two per member, members other than the one who comes
/// online); one member opens a page; how long until every page has heard they are online.
pub async fn p5(w: &World, watchers: usize) -> Res<Row> {
    // Members still active (earlier scenarios offboard one), in seeding order.
    let mut tx = w.db.read().await.map_err(err)?;
    let active: Vec<String> = corral_store::on!(&mut tx, c => sqlx::query_scalar("SELECT user_id FROM memberships WHERE workspace_id = $1 AND status = 'active'")
        .bind(&w.ws).fetch_all(c).await)
    .map_err(err)?;
    drop(tx);
    let members: Vec<String> = w
        .members
        .iter()
        .filter(|m| active.contains(m))
        .cloned()
        .collect();
    let target = members.last().ok_or("no active members")?.clone();
    let others = &members[..members.len() - 1];
    let url = w.running.url.clone();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .map_err(err)?;
    let mut tokens = Vec::with_capacity(watchers);
    for i in 0..watchers {
        tokens.push(session_for(w, &others[i % others.len()]).await?);
    }
    eprintln!("P5: {watchers} sessions made; opening the streams…");
    let needle = format!("\"{target}\"");
    let started: Arc<std::sync::OnceLock<Instant>> = Arc::new(std::sync::OnceLock::new());
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(watchers);
    let mut handles = Vec::with_capacity(watchers);
    for token in tokens {
        let (http, url, needle, started, ready) = (
            http.clone(),
            url.clone(),
            needle.clone(),
            started.clone(),
            ready_tx.clone(),
        );
        handles.push(tokio::spawn(async move {
            let mut r = open_stream(&http, &url, &token).await?;
            let _ = ready.send(()).await;
            let mut buf = String::new();
            loop {
                match tokio::time::timeout(Duration::from_secs(30), r.chunk()).await {
                    Ok(Ok(Some(bytes))) => {
                        buf.push_str(&String::from_utf8_lossy(&bytes));
                        let heard = buf
                            .lines()
                            .any(|l| l.contains(&needle) && l.contains("\"online\":true"));
                        if heard {
                            let t0 = started.get().copied().ok_or("heard before it happened")?;
                            return Ok::<u64, String>(t0.elapsed().as_micros() as u64);
                        }
                        // Keep only the tail: an event may straddle two chunks.
                        if buf.len() > 4096 {
                            buf = buf[buf.len() - 512..].to_string();
                        }
                    }
                    Ok(Ok(None)) => return Err("the stream ended".into()),
                    Ok(Err(e)) => return Err(e.to_string()),
                    Err(_) => return Err("nothing heard within 30 s".into()),
                }
            }
        }));
    }
    drop(ready_tx);
    let mut open = 0;
    for _ in 0..watchers {
        if ready_rx.recv().await.is_none() {
            break;
        }
        open += 1;
    }
    eprintln!("P5: {open} streams open; one more member comes online");
    // Let the flood of "online" events the watchers' own pages caused drain.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let target_token = session_for(w, &target).await?;
    let _ = started.set(Instant::now());
    let _page = open_stream(&http, &url, &target_token).await?;
    let mut lat = Vec::with_capacity(watchers);
    let mut failures = Vec::new();
    for h in handles {
        match h.await.map_err(err)? {
            Ok(us) => lat.push(us),
            Err(e) => failures.push(e),
        }
    }
    if !failures.is_empty() {
        return Err(format!(
            "{} of {watchers} pages never heard: {}",
            failures.len(),
            failures[0]
        ));
    }
    let p99 = pct(&mut lat, 0.99);
    Ok(Row {
        id: "P5",
        scenario: format!("{watchers} open presence streams (SSE); one member comes online"),
        corral: format!(
            "all {} heard it: p50 {:.1} ms, p99 {p99:.1} ms, last {:.1} ms",
            lat.len(),
            pct(&mut lat, 0.5),
            pct(&mut lat, 1.0)
        ),
        sql: "— (in-memory fan-out; PostgreSQL NOTIFY only crosses nodes)".into(),
        ratio: f64::NAN,
        goal: "all see it within 250 ms (p99)".into(),
    })
}

/// P7: a separate `corral serve` process on the benchmark's data, under P1's load; its RSS
/// sampled every 100 ms.
pub async fn p7(w: &World, secs: u64, corral: Option<&str>) -> Res<Row> {
    let binary = crate::soak::corral_binary(corral)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(err)?
        .port();
    let mut cmd = Command::new(&binary);
    cmd.args([
        "serve",
        "--bind",
        &format!("127.0.0.1:{port}"),
        "--data-dir",
    ])
    .arg(&w.dir)
    .env("CORRAL_LOG", "warn")
    .env("CORRAL_API_RATE_LIMIT", "off")
    .env_remove("DATABASE_URL")
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .kill_on_drop(true);
    if let Some(u) = &w.database_url {
        cmd.env("DATABASE_URL", u);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let pid = child.id().ok_or("the server exited at once")?;
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let ready = w
            .http
            .get(format!("{url}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ready {
            break;
        }
        if Instant::now() > deadline {
            return Err("the separate server did not become ready".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let idle = crate::soak::rss_mib(pid);
    let peak = Arc::new(std::sync::Mutex::new(idle));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                let now = crate::soak::rss_mib(pid);
                if let Ok(mut p) = peak.lock() {
                    *p = p.max(now);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let page = format!("{url}/api/v1/lead/?_limit=100");
    let (http, key) = (w.http.clone(), w.limited_key.clone());
    let (rate, mut lat) = hammer(32, secs, move || {
        let (http, page, key) = (http.clone(), page.clone(), key.clone());
        async move {
            match http.get(&page).basic_auth(&key, Some("")).send().await {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            }
        }
    })
    .await;
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let _ = sampler.await;
    let end = crate::soak::rss_mib(pid);
    let _ = child.kill().await;
    let peak = peak.lock().map(|p| *p).unwrap_or(0.0);
    Ok(Row {
        id: "P7",
        scenario: "a separate server process under P1's load (32 connections)".into(),
        corral: format!(
            "RSS idle {idle:.0} MiB, peak {peak:.0} MiB, at the end {end:.0} MiB ({rate:.0} req/s, p99 {:.1} ms)",
            pct(&mut lat, 0.99)
        ),
        sql: "—".into(),
        ratio: f64::NAN,
        goal: "RSS ≤ 200 MiB".into(),
    })
}
