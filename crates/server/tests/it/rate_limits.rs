//! API rate limits: per API key and endpoint group, three times that per workspace, Close's
//! 429 shape and headers, windows that reset, and the official Python client riding through
//! them.

use std::time::Duration;

use corral_services::ratelimit::RateLimits;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Options, TestApp, engines, key, run_python, spawn_with};

const WINDOW: i64 = 4;

/// Sleeps until a fresh window has just begun, so a burst of requests falls in one window.
async fn start_of_window(window: i64) {
    let now = chrono::Utc::now().timestamp_millis();
    let into = now.rem_euclid(window * 1000);
    tokio::time::sleep(Duration::from_millis((window * 1000 - into + 50) as u64)).await;
}

async fn get_raw(app: &TestApp, key: &str, path: &str) -> reqwest::Response {
    app.http
        .get(app.api(path))
        .basic_auth(key, Some(""))
        .send()
        .await
        .unwrap()
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn keys_and_workspaces_are_limited_per_endpoint_group_with_close_shaped_429s() {
    for engine in engines() {
        let app = spawn_with(
            engine,
            Options {
                demo: true,
                rate_limit: Some(RateLimits {
                    per_key: 5,
                    window_secs: WINDOW,
                }),
                ..Default::default()
            },
        )
        .await;
        let d = app.demo();
        let keys: Vec<String> = d["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["status"] == "active")
            .take(5)
            .map(key)
            .collect();
        start_of_window(WINDOW).await;

        // Five reads of the `me` group pass, counting down; the sixth is refused.
        for i in 0..5 {
            let r = get_raw(&app, &keys[0], "me/").await;
            assert_eq!(r.status(), StatusCode::OK, "{engine:?} request {i}");
            let rl = header(&r, "ratelimit");
            assert!(
                rl.starts_with(&format!("limit=5, remaining={}, reset=", 4 - i)),
                "{engine:?}: {rl}"
            );
            assert_eq!(header(&r, "x-rate-limit-remaining"), (4 - i).to_string());
        }
        let r = get_raw(&app, &keys[0], "me/").await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{engine:?}");
        let retry: i64 = header(&r, "retry-after").parse().unwrap();
        assert!((1..=WINDOW).contains(&retry), "{retry}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["rate_reset"], retry, "{body}");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .contains("this API key on \"read me\""),
            "{body}"
        );
        assert_eq!(body["errors"][0], body["error"], "{body}");

        // Another endpoint group and another key still pass.
        assert_eq!(
            get_raw(&app, &keys[0], "lead/").await.status(),
            StatusCode::OK
        );
        // The workspace may make 15 `read me` requests in all: key 0 spent 5, so keys 1 and 2
        // spend the rest and key 3 meets the workspace's limit.
        for k in &keys[1..3] {
            for _ in 0..5 {
                assert_eq!(get_raw(&app, k, "me/").await.status(), StatusCode::OK);
            }
        }
        let r = get_raw(&app, &keys[3], "me/").await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        let body: Value = r.json().await.unwrap();
        assert!(
            body["error"].as_str().unwrap().contains("this workspace"),
            "{body}"
        );
        // A refused request is not half done: a write refused by the limit changes nothing.
        let before = app.get(&keys[0], "lead/?_limit=1").await.1["total_results"].clone();
        start_of_window(WINDOW).await;
        for _ in 0..6 {
            let _ = app
                .http
                .post(app.api("lead/"))
                .basic_auth(&keys[4], Some(""))
                .json(&serde_json::json!({"name": "Burst Co"}))
                .send()
                .await
                .unwrap();
        }
        let after = app.get(&keys[0], "lead/?_limit=1").await.1["total_results"].clone();
        assert_eq!(
            after.as_i64().unwrap() - before.as_i64().unwrap(),
            5,
            "{engine:?}: exactly the five allowed creates happened"
        );

        // The next window starts afresh.
        start_of_window(WINDOW).await;
        assert_eq!(
            get_raw(&app, &keys[0], "me/").await.status(),
            StatusCode::OK,
            "{engine:?}"
        );
    }
}

#[tokio::test]
async fn the_official_python_client_waits_out_429s_and_finishes() {
    let Some(python) = crate::close_client::python_with_closeio() else {
        return;
    };
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/close_client/rate_limited.py"
    );
    for engine in engines() {
        let app = spawn_with(
            engine,
            Options {
                demo: true,
                rate_limit: Some(RateLimits {
                    per_key: 3,
                    window_secs: 1,
                }),
                ..Default::default()
            },
        )
        .await;
        let k = key(&app.demo()["members"][0]);
        let base = format!("{}/api/v1/", app.url);
        let stdout = run_python(
            &python,
            script,
            vec![base, k, "10".into()],
            &format!("{engine:?}: the closeio script"),
        )
        .await;
        assert!(stdout.contains("10 of 10 requests answered"), "{stdout}");
        assert!(stdout.contains("waited"), "{stdout}");
    }
}
