//! Two `corral serve` nodes on one PostgreSQL (SPEC S10): presence seen across nodes within a
//! second, round robin from both nodes at once assigning every lead once and fairly, and a
//! bulk edit whose node is killed half way finished by the other node, each lead once.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Browser, client};
use crate::procs::{Server, get, owners, post, start_with};

/// Polls `membership/` on `node` until `user_id`'s `is_online` is `online`; the time it took.
async fn wait_online(node: &Server, key: &str, user_id: &str, online: bool) -> Duration {
    let t = Instant::now();
    loop {
        let (s, v) = get(&node.url, key, "membership/?_limit=1000").await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let m = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["user_id"] == user_id)
            .unwrap_or_else(|| panic!("{user_id} is a member: {v}"));
        if m["is_online"] == online {
            return t.elapsed();
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{user_id} never became online={online} on {}",
            node.node
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn two_nodes_share_presence_round_robin_and_jobs() {
    let Some(pg) = corral_store::testing::postgres().await.unwrap() else {
        assert!(
            !corral_store::testing::postgres_required(),
            "the two-node test needs PostgreSQL in CI"
        );
        eprintln!("note: CORRAL_TEST_POSTGRES_URL unset; the two-node test is skipped");
        return;
    };
    let env = [("CORRAL_JOB_LEASE_SECS", "2")];
    let (dir_a, dir_b) = (
        corral_store::testing::temp_dir("node-a"),
        corral_store::testing::temp_dir("node-b"),
    );
    let a = start_with(&dir_a, Some(&pg.url), Some(6000), &env).await;
    let b = start_with(&dir_b, Some(&pg.url), None, &env).await;
    assert!(
        !a.node.is_empty() && a.node != b.node,
        "{} {}",
        a.node,
        b.node
    );
    let creds: Value = serde_json::from_str(
        &std::fs::read_to_string(dir_a.join("demo-credentials.json")).unwrap(),
    )
    .unwrap();
    let owner = creds["members"][0]["api_key"].as_str().unwrap().to_string();
    let member = creds["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role_id"] == "user" && m["status"] == "active")
        .unwrap()
        .clone();
    let uid = member["user_id"].as_str().unwrap().to_string();

    // Presence: a page open on node A shows the member online on node B within a second,
    // and offline again once the page closes.
    wait_online(&b, &owner, &uid, false).await;
    let browser = Browser::new(&a.url);
    browser
        .sign_in(member["email"].as_str().unwrap(), "corral-demo")
        .await;
    let mut sse = client()
        .get(format!("{}/events/presence", a.url))
        .header(
            "cookie",
            format!(
                "corral_session={}",
                browser.cookie("corral_session").unwrap()
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(sse.status(), StatusCode::OK);
    let _ = tokio::time::timeout(Duration::from_millis(100), sse.chunk()).await;
    let seen = wait_online(&b, &owner, &uid, true).await;
    eprintln!("online on node B after {seen:?}");
    assert!(seen < Duration::from_secs(1), "took {seen:?}");
    drop(sse);
    let gone = wait_online(&b, &owner, &uid, false).await;
    eprintln!("offline on node B after {gone:?}");
    assert!(gone < Duration::from_secs(3), "took {gone:?}");

    // Round robin from both nodes at once over overlapping selections of new, unassigned
    // leads: every lead is assigned exactly once and the rotation stays fair.
    let (_, rr) = get(&a.url, &owner, "round_robin_settings/").await;
    assert_eq!(rr["auto_assign_new_leads"], false, "{rr}");
    let mut fresh = vec![];
    for i in 0..240 {
        let node = if i % 2 == 0 { &a } else { &b };
        let (s, l) = post(
            &node.url,
            &owner,
            "lead/",
            &json!({"name": format!("Two-node lead {i}")}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{l}");
        fresh.push(l["id"].as_str().unwrap().to_string());
    }
    let mut calls = vec![];
    for i in 0..16 {
        let url = if i % 2 == 0 {
            a.url.clone()
        } else {
            b.url.clone()
        };
        let window: Vec<String> = (0..40)
            .map(|k| fresh[(i * 15 + k) % fresh.len()].clone())
            .collect();
        let owner = owner.clone();
        calls.push(tokio::spawn(async move {
            post(
                &url,
                &owner,
                "lead/assign/",
                &json!({"lead_ids": window, "strategy": "round_robin"}),
            )
            .await
        }));
    }
    let mut assigned = 0;
    let mut by: HashMap<String, i64> = HashMap::new();
    let mut pool = vec![];
    for c in calls {
        let (s, v) = c.await.unwrap();
        assert_eq!(s, StatusCode::OK, "{v}");
        assigned += v["assigned"].as_i64().unwrap();
        for (u, n) in v["by_member"].as_object().unwrap() {
            *by.entry(u.clone()).or_default() += n.as_i64().unwrap();
        }
        pool = v["pool"].as_array().unwrap().clone();
    }
    assert_eq!(assigned, fresh.len() as i64, "each lead assigned once");
    let counts: Vec<i64> = pool
        .iter()
        .map(|u| by.get(u.as_str().unwrap()).copied().unwrap_or(0))
        .collect();
    assert!(
        counts.iter().max().unwrap() - counts.iter().min().unwrap() <= 1,
        "fair over the pool: {counts:?}"
    );
    let (_, fields) = get(&a.url, &owner, "custom_field/lead/").await;
    let cf = fields["data"][0]["id"].as_str().unwrap().to_string();
    let all = owners(&b.url, &owner, &cf).await;
    for id in &fresh {
        let o = all[id].as_deref().expect("assigned");
        assert!(pool.iter().any(|u| u == o), "{o} is in the pool");
    }

    // A bulk edit started on node A; whichever node runs it is killed half way; the other
    // takes it over when the lease runs out and finishes it, each lead exactly once.
    let (_, org) = get(
        &a.url,
        &owner,
        &format!("organization/{}/", creds["workspace_id"].as_str().unwrap()),
    )
    .await;
    let target = org["lead_statuses"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    let (s, job) = post(
        &a.url,
        &owner,
        "bulk_action/edit/",
        &json!({"type": "set_lead_status", "lead_status_id": target["id"], "query": ""}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{job}");
    let path = format!("bulk_action/edit/{}/", job["id"].as_str().unwrap());
    let total = job["n_objects"].as_i64().unwrap();
    assert_eq!(total as usize, all.len());
    let deadline = Instant::now() + Duration::from_secs(60);
    let runner = loop {
        let (_, j) = get(&b.url, &owner, &path).await;
        if j["n_objects_processed"].as_i64().unwrap() > 0 {
            break j["node_id"].as_str().unwrap().to_string();
        }
        assert!(Instant::now() < deadline, "the job never started: {j}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let (mut victim, survivor) = if runner == a.node { (a, b) } else { (b, a) };
    assert_eq!(runner, victim.node);
    victim.child.kill().unwrap();
    victim.child.wait().unwrap();
    let (_, j) = get(&survivor.url, &owner, &path).await;
    let at_kill = j["n_objects_processed"].as_i64().unwrap();
    eprintln!("killed {} with {at_kill}/{total} done", victim.node);
    assert!(at_kill < total, "killed half way: {j}");
    drop(victim);
    let deadline = Instant::now() + Duration::from_secs(60);
    let j = loop {
        let (_, j) = get(&survivor.url, &owner, &path).await;
        if j["status"] == "done" {
            break j;
        }
        assert!(
            Instant::now() < deadline,
            "not finished by the survivor: {j}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(j["node_id"], survivor.node.as_str(), "{j}");
    assert_eq!(j["n_objects_processed"], total, "each lead once: {j}");
    let (_, listed) = get(
        &survivor.url,
        &owner,
        &format!(
            "lead/?_limit=1&query=status:{}",
            target["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(listed["total_results"], total, "{listed}");
    drop(survivor);
    let _ = std::fs::remove_dir_all(&dir_a);
    let _ = std::fs::remove_dir_all(&dir_b);
}

/// API rate limits are one count over all nodes: two nodes hammered with the same key let
/// through no more than the limit together (each alone would have let it all through). So
/// is sign-in throttling.
#[tokio::test]
async fn two_nodes_share_api_rate_limits() {
    let Some(pg) = corral_store::testing::postgres().await.unwrap() else {
        assert!(
            !corral_store::testing::postgres_required(),
            "the two-node test needs PostgreSQL in CI"
        );
        eprintln!("note: CORRAL_TEST_POSTGRES_URL unset; the two-node rate-limit test is skipped");
        return;
    };
    const LIMIT: usize = 40;
    const WINDOW: i64 = 30;
    let env = [("CORRAL_API_RATE_LIMIT", "40/30")];
    let (dir_a, dir_b) = (
        corral_store::testing::temp_dir("rl-a"),
        corral_store::testing::temp_dir("rl-b"),
    );
    let a = start_with(&dir_a, Some(&pg.url), Some(0), &env).await;
    let b = start_with(&dir_b, Some(&pg.url), None, &env).await;
    let creds: Value = serde_json::from_str(
        &std::fs::read_to_string(dir_a.join("demo-credentials.json")).unwrap(),
    )
    .unwrap();
    let key = creds["members"][0]["api_key"].as_str().unwrap().to_string();

    // Start the burst early in a window so it all falls in one.
    let into = chrono::Utc::now()
        .timestamp_millis()
        .rem_euclid(WINDOW * 1000);
    if into > 5_000 {
        tokio::time::sleep(Duration::from_millis((WINDOW * 1000 - into + 50) as u64)).await;
    }
    let http = client();
    let mut tasks = Vec::new();
    for (node, url) in [("a", a.url.clone()), ("b", b.url.clone())] {
        for _ in 0..6 {
            let (http, url, key) = (http.clone(), url.clone(), key.clone());
            tasks.push(tokio::spawn(async move {
                let mut ok = 0;
                let mut limited = 0;
                for _ in 0..10 {
                    let r = http
                        .get(format!("{url}/api/v1/me/"))
                        .basic_auth(&key, Some(""))
                        .send()
                        .await
                        .unwrap();
                    match r.status() {
                        StatusCode::OK => ok += 1,
                        StatusCode::TOO_MANY_REQUESTS => {
                            let body: Value = r.json().await.unwrap();
                            assert!(body["rate_reset"].as_i64().unwrap() >= 1, "{body}");
                            limited += 1;
                        }
                        s => panic!("unexpected {s}"),
                    }
                }
                (node, ok, limited)
            }));
        }
    }
    let mut per_node: HashMap<&str, (usize, usize)> = HashMap::new();
    for t in tasks {
        let (node, ok, limited) = t.await.unwrap();
        let e = per_node.entry(node).or_default();
        e.0 += ok;
        e.1 += limited;
    }
    let ok: usize = per_node.values().map(|v| v.0).sum();
    eprintln!("rate limit over two nodes: {per_node:?}");
    // Each node saw 60 requests, more than the limit: unshared counts would pass 80.
    assert!(
        (LIMIT - 4..=LIMIT).contains(&ok),
        "{ok} requests passed over both nodes; the limit is {LIMIT}: {per_node:?}"
    );
    assert!(
        per_node.values().all(|v| v.0 > 0 && v.1 > 0),
        "{per_node:?}"
    );

    // Sign-in throttling counts across nodes too: five wrong passwords on node A, and node B
    // refuses even the right one until the window passes.
    let email = creds["members"][1]["email"].as_str().unwrap();
    let on_a = Browser::new(&a.url);
    for _ in 0..5 {
        let (s, _, _) = on_a.sign_in(email, "wrong-password").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let on_b = Browser::new(&b.url);
    let (s, _, html) = on_b.sign_in(email, "corral-demo").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{html}");
    assert!(on_b.cookie("corral_session").is_none());
}
