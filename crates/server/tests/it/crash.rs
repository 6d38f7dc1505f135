//! Crash safety of offboarding (SPEC S6) and bulk edits: the real `corral` binary is killed with SIGKILL
//! while it hands a member's leads over, restarted on the same database, and every lead is
//! still there exactly once with one consistent owner: all moved, or none. Retrying then
//! completes the offboarding. On both engines.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Engine, client, decode, engines};
use crate::procs::{get, owners, start};

#[tokio::test]
async fn offboarding_killed_half_way_loses_nothing_and_completes_when_retried() {
    for engine in engines() {
        let dir = corral_store::testing::temp_dir("crash");
        let pg = match engine {
            Engine::Sqlite => None,
            Engine::Postgres => Some(corral_store::testing::postgres().await.unwrap().unwrap()),
        };
        let db_url = pg.as_ref().map(|p| p.url.clone());
        let server = start(&dir, db_url.as_deref(), Some(6000)).await;
        let creds: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("demo-credentials.json")).unwrap(),
        )
        .unwrap();
        let owner = creds["members"][0]["api_key"].as_str().unwrap().to_string();
        let (_, fields) = get(&server.url, &owner, "custom_field/lead/").await;
        let cf = fields["data"][0]["id"].as_str().unwrap().to_string();
        let before = owners(&server.url, &owner, &cf).await;
        let mut held: HashMap<String, usize> = HashMap::new();
        for o in before.values().flatten() {
            *held.entry(o.clone()).or_default() += 1;
        }
        let users: Vec<&Value> = creds["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role_id"] == "user" && m["status"] == "active")
            .collect();
        let leaver = users
            .iter()
            .max_by_key(|m| {
                held.get(m["user_id"].as_str().unwrap())
                    .copied()
                    .unwrap_or(0)
            })
            .unwrap();
        let heir = users
            .iter()
            .find(|m| m["user_id"] != leaver["user_id"])
            .unwrap();
        let (lid, hid) = (
            leaver["user_id"].as_str().unwrap().to_string(),
            heir["user_id"].as_str().unwrap().to_string(),
        );
        let moving = held[&lid];
        assert!(
            moving > 100,
            "the leaver holds enough leads to take a while: {moving}"
        );
        let mid = leaver["membership_id"].as_str().unwrap().to_string();
        let body = json!({"action": "remove", "leads": {"mode": "reassign", "user_id": hid}});

        // Start the hand-over and kill the process while it runs.
        let request = {
            let url = format!("{}/api/v1/membership/{mid}/offboard/", server.url);
            let key = owner.clone();
            let body = body.clone();
            tokio::spawn(async move {
                client()
                    .post(url)
                    .basic_auth(key, Some(""))
                    .json(&body)
                    .send()
                    .await
                    .map(|r| r.status())
            })
        };
        tokio::time::sleep(Duration::from_millis(40)).await;
        let mut server = server;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        let answered = request.await.unwrap();
        eprintln!("{engine:?}: killed; the request got {answered:?}");
        drop(server);

        // Restart on the same database: all or nothing.
        let server = start(&dir, db_url.as_deref(), None).await;
        let after = owners(&server.url, &owner, &cf).await;
        assert_eq!(after.len(), before.len(), "no lead lost or added");
        let moved: Vec<&String> = before
            .iter()
            .filter(|(id, o)| {
                o.as_deref() == Some(lid.as_str()) && after[*id].as_deref() == Some(hid.as_str())
            })
            .map(|(id, _)| id)
            .collect();
        let (_, m) = get(&server.url, &owner, &format!("membership/{mid}/")).await;
        let committed = m["status"] == "removed";
        if committed {
            assert_eq!(
                moved.len(),
                moving,
                "a committed offboarding moved every lead"
            );
        } else {
            assert!(
                moved.is_empty(),
                "an offboarding that did not commit moved nothing"
            );
            assert_eq!(m["status"], "active");
        }
        for (id, o) in &before {
            if o.as_deref() != Some(lid.as_str()) {
                assert_eq!(&after[id], o, "leads of others are untouched");
            }
        }

        // Retrying finishes the job (or, if it had committed, changes nothing).
        let r = client()
            .post(format!("{}/api/v1/membership/{mid}/offboard/", server.url))
            .basic_auth(&owner, Some(""))
            .json(&body)
            .send()
            .await
            .unwrap();
        let (s, v) = decode(r).await;
        if committed {
            assert!(s.is_client_error(), "{s} {v}");
        } else {
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        let last = owners(&server.url, &owner, &cf).await;
        assert_eq!(last.len(), before.len());
        assert_eq!(
            last.values()
                .filter(|o| o.as_deref() == Some(lid.as_str()))
                .count(),
            0
        );
        assert_eq!(
            last.values()
                .filter(|o| o.as_deref() == Some(hid.as_str()))
                .count(),
            held.get(&hid).copied().unwrap_or(0) + moving
        );
        drop(server);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[tokio::test]
async fn bulk_edit_killed_half_way_finishes_after_restart_each_lead_once() {
    for engine in engines() {
        let dir = corral_store::testing::temp_dir("crash-bulk");
        let pg = match engine {
            Engine::Sqlite => None,
            Engine::Postgres => Some(corral_store::testing::postgres().await.unwrap().unwrap()),
        };
        let db_url = pg.as_ref().map(|p| p.url.clone());
        let env = [("CORRAL_JOB_LEASE_SECS", "2")];
        let server = crate::procs::start_with(&dir, db_url.as_deref(), Some(6000), &env).await;
        let creds: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("demo-credentials.json")).unwrap(),
        )
        .unwrap();
        let owner = creds["members"][0]["api_key"].as_str().unwrap().to_string();
        let (_, fields) = get(&server.url, &owner, "custom_field/lead/").await;
        let cf = fields["data"][0]["id"].as_str().unwrap().to_string();
        let before = owners(&server.url, &owner, &cf).await;
        let (_, org) = get(
            &server.url,
            &owner,
            &format!("organization/{}/", creds["workspace_id"].as_str().unwrap()),
        )
        .await;
        let target = org["lead_statuses"].as_array().unwrap().last().unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let (s, job) = crate::procs::post(
            &server.url,
            &owner,
            "bulk_action/edit/",
            &json!({"type": "set_lead_status", "lead_status_id": target, "query": ""}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{job}");
        let path = format!("bulk_action/edit/{}/", job["id"].as_str().unwrap());
        let total = job["n_objects"].as_i64().unwrap();
        assert_eq!(total as usize, before.len());
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let (_, j) = get(&server.url, &owner, &path).await;
            if j["n_objects_processed"].as_i64().unwrap() > 0 {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "never started: {j}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let mut server = server;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        drop(server);

        // Restarted on the same database, the job resumes where its last batch committed.
        let server = crate::procs::start_with(&dir, db_url.as_deref(), None, &env).await;
        let (_, j) = get(&server.url, &owner, &path).await;
        let at_restart = j["n_objects_processed"].as_i64().unwrap();
        eprintln!("{engine:?}: killed with {at_restart}/{total} done");
        assert!(at_restart < total, "killed half way: {j}");
        let deadline = std::time::Instant::now() + Duration::from_secs(90);
        let j = loop {
            let (_, j) = get(&server.url, &owner, &path).await;
            if j["status"] == "done" {
                break j;
            }
            assert!(std::time::Instant::now() < deadline, "never finished: {j}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(j["n_objects_processed"], total, "each lead once: {j}");
        let after = owners(&server.url, &owner, &cf).await;
        assert_eq!(after, before, "every lead present once, owners untouched");
        let (_, listed) = get(
            &server.url,
            &owner,
            &format!("lead/?_limit=1&query=status:{target}"),
        )
        .await;
        assert_eq!(listed["total_results"], total, "{listed}");
        drop(server);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Every visible lead's name and contact count; a name listed twice fails.
async fn lead_names(url: &str, key: &str) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for l in crate::procs::all_leads(url, key, "id,name,contacts").await {
        let name = l["name"].as_str().unwrap().to_string();
        let n = l["contacts"].as_array().map(Vec::len).unwrap_or(0);
        assert!(out.insert(name.clone(), n).is_none(), "lead {name} twice");
    }
    out
}

#[tokio::test]
async fn import_killed_half_way_finishes_after_restart_each_lead_once() {
    const ROWS: usize = 2400;
    for engine in engines() {
        let dir = corral_store::testing::temp_dir("crash-import");
        let pg = match engine {
            Engine::Sqlite => None,
            Engine::Postgres => Some(corral_store::testing::postgres().await.unwrap().unwrap()),
        };
        let db_url = pg.as_ref().map(|p| p.url.clone());
        let env = [("CORRAL_JOB_LEASE_SECS", "2")];
        let server = crate::procs::start_with(&dir, db_url.as_deref(), Some(0), &env).await;
        let creds: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("demo-credentials.json")).unwrap(),
        )
        .unwrap();
        let owner = creds["members"][0]["api_key"].as_str().unwrap().to_string();
        let before = lead_names(&server.url, &owner).await;
        let mut csv = String::from("Company,Contact Name,Email\n");
        for i in 0..ROWS {
            csv.push_str(&format!("Imported {i:05},Person {i},p{i}@import.example\n"));
        }
        let (s, job) =
            crate::procs::post(&server.url, &owner, "import/lead/", &json!({"csv": csv})).await;
        assert_eq!(s, StatusCode::OK, "{job}");
        assert_eq!(job["n_leads"], ROWS, "{job}");
        let path = format!("import/lead/{}/", job["id"].as_str().unwrap());
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let (_, j) = get(&server.url, &owner, &path).await;
            if j["n_objects_processed"].as_i64().unwrap() > 0 {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "never started: {j}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let mut server = server;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        drop(server);

        // Restarted on the same database: what the last committed batch made is there, the
        // rest follows, and no lead is made twice.
        let server = crate::procs::start_with(&dir, db_url.as_deref(), None, &env).await;
        let (_, j) = get(&server.url, &owner, &path).await;
        let at_restart = j["n_objects_processed"].as_i64().unwrap();
        eprintln!("{engine:?}: import killed with {at_restart}/{ROWS} done");
        assert!((at_restart as usize) < ROWS, "killed half way: {j}");
        let made = lead_names(&server.url, &owner).await.len() - before.len();
        assert_eq!(made, at_restart as usize, "leads made = items marked done");
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        let j = loop {
            let (_, j) = get(&server.url, &owner, &path).await;
            if j["status"] == "done" {
                break j;
            }
            assert!(j["status"] != "error", "{j}");
            assert!(std::time::Instant::now() < deadline, "never finished: {j}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(j["n_objects_processed"], ROWS, "each lead once: {j}");
        let after = lead_names(&server.url, &owner).await;
        assert_eq!(after.len(), before.len() + ROWS);
        for i in 0..ROWS {
            assert_eq!(
                after.get(&format!("Imported {i:05}")),
                Some(&1),
                "{engine:?}: row {i} imported once with its contact"
            );
        }
        drop(server);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
