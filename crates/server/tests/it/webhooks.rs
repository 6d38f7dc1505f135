//! Webhooks against a real HTTP receiver the test starts: subscriptions are checked, events are
//! delivered signed (the signature checked independently with Python's standard library),
//! filtered by `extra_filter`, retried with backoff, paused after sustained failure with
//! nothing lost, resumed, and stopped by deletion.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use corral_services::webhooks::Policy;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Options, engines, key, python_with, run_python, spawn_with};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    timestamp: String,
    hash: String,
    body: String,
}

#[derive(Clone)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    answer: Arc<AtomicU16>,
}

impl Receiver {
    async fn start() -> (Self, String) {
        let r = Receiver {
            got: Arc::default(),
            answer: Arc::new(AtomicU16::new(200)),
        };
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(r.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (r, url)
    }

    fn all(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// The events received so far, as (event id, object type, action, object id).
    fn events(&self) -> Vec<(String, String, String, String)> {
        self.all()
            .iter()
            .map(|r| {
                let v: Value = serde_json::from_str(&r.body).unwrap();
                let e = &v["event"];
                let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
                (s("id"), s("object_type"), s("action"), s("object_id"))
            })
            .collect()
    }

    /// Waits until `pred` holds of what was received (10 s at most).
    async fn wait_for(&self, what: &str, pred: impl Fn(&[Received]) -> bool) {
        for _ in 0..200 {
            if pred(&self.all()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("receiver never saw {what}: {:?}", self.events());
    }
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> AxumStatus {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    r.got.lock().unwrap().push(Received {
        timestamp: h("close-sig-timestamp"),
        hash: h("close-sig-hash"),
        body: String::from_utf8_lossy(&body).to_string(),
    });
    AxumStatus::from_u16(r.answer.load(Ordering::SeqCst)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_deliver_signed_events_retry_pause_and_resume_without_losing_any() {
    let python = python_with("hmac, hashlib", "webhook signature");
    for engine in engines() {
        let app = spawn_with(
            engine,
            Options {
                demo: true,
                webhooks: Policy {
                    retry_base: Duration::from_millis(200),
                    retry_cap: Duration::from_millis(400),
                    max_attempts: 50,
                    pause_after: 4,
                    timeout: Duration::from_secs(5),
                    // The receiver listens on loopback.
                    private_networks: true,
                },
                ..Default::default()
            },
        )
        .await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let second_admin = key(&d["members"][1]);
        let seller = key(&app.demo_member("user"));
        let (rx, url) = Receiver::start().await;

        // Bad subscriptions are refused, naming the field, and create nothing.
        let lead_created = json!([{"object_type": "lead", "action": "created"}]);
        for (bad, field) in [
            (json!({"events": lead_created}), "url"),
            (
                json!({"url": "ftp://example.com/", "events": lead_created}),
                "url",
            ),
            (
                json!({"url": "http://user:pw@example.com/", "events": lead_created}),
                "url",
            ),
            (json!({"url": url, "events": []}), "events"),
            (json!({"url": url}), "events"),
            (
                json!({"url": url, "events": [{"object_type": "spaceship", "action": "created"}]}),
                "events[0].object_type",
            ),
            (
                json!({"url": url, "events": [{"object_type": "lead", "action": "created", "extra_filter": {"type": "magic"}}]}),
                "events[0].extra_filter",
            ),
            (
                json!({"url": url, "events": lead_created, "secret": "x"}),
                "secret",
            ),
            (
                json!({"url": url, "events": lead_created, "verify_ssl": "yes"}),
                "verify_ssl",
            ),
        ] {
            let (s, e) = app.post(&owner, "webhook/", &bad).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {e}");
            assert!(e["field-errors"][field].is_string(), "{bad}: {e}");
        }
        let (s, _) = app
            .post(
                &seller,
                "webhook/",
                &json!({"url": url, "events": lead_created}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (_, list) = app.get(&owner, "webhook/").await;
        assert_eq!(list["data"].as_array().unwrap().len(), 0, "{list}");
        let (s, _) = app
            .get(&owner, "webhook/whsub_0000000000000000000000/")
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // A subscription to new leads and to leads renamed (an extra_filter on the event).
        let (s, sub) = app
            .post(
                &second_admin,
                "webhook/",
                &json!({"url": url, "events": [
                    {"object_type": "lead", "action": "created"},
                    {"object_type": "lead", "action": "updated", "extra_filter": {
                        "type": "field_accessor", "field": "changed_fields",
                        "filter": {"type": "contains", "value": "name"}}}
                ]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{sub}");
        let sub_id = sub["id"].as_str().unwrap().to_string();
        assert!(sub_id.starts_with("whsub_"), "{sub}");
        let sig_key = sub["signature_key"].as_str().unwrap().to_string();
        assert_eq!(sig_key.len(), 64, "{sub}");
        assert!(sig_key.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(sub["status"], "active");
        assert_eq!(sub["verify_ssl"], true);

        let (_, lead) = app.post(&owner, "lead/", &json!({"name": "Hook Co"})).await;
        let lead_id = lead["id"].as_str().unwrap().to_string();
        rx.wait_for("the new lead", |g| !g.is_empty()).await;
        let first = rx.all()[0].clone();
        let body: Value = serde_json::from_str(&first.body).unwrap();
        assert_eq!(body["subscription_id"], sub_id.as_str(), "{body}");
        assert_eq!(body["event"]["object_type"], "lead");
        assert_eq!(body["event"]["action"], "created");
        assert_eq!(body["event"]["object_id"], lead_id.as_str());
        assert_eq!(body["event"]["lead_id"], lead_id.as_str());
        assert_eq!(body["event"]["data"]["name"], "Hook Co", "{body}");
        // The same event is in the event log under the same id.
        let (s, logged) = app
            .get(
                &owner,
                &format!("event/{}/", body["event"]["id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{logged}");
        assert_eq!(logged["object_id"], lead_id.as_str());
        // The signature, checked by Python's hmac module; a changed body would not pass.
        let ts: i64 = first.timestamp.parse().expect("close-sig-timestamp");
        assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
        if let Some(py) = &python {
            let file = app.data_dir.join("body.json");
            for (body, want) in [
                (first.body.clone(), "ok"),
                (first.body.replace("Hook Co", "Hook Inc"), "mismatch"),
            ] {
                std::fs::write(&file, body).unwrap();
                let out = run_python(
                    py,
                    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/webhooks/signature.py"),
                    vec![
                        sig_key.clone(),
                        first.timestamp.clone(),
                        first.hash.clone(),
                        file.display().to_string(),
                    ],
                    "webhook signature",
                )
                .await;
                assert_eq!(out.trim(), want);
            }
        }

        // Only the updates the filter asks for are sent.
        let (s, _) = app
            .put(
                &owner,
                &format!("lead/{lead_id}/"),
                &json!({"description": "quiet"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = app
            .put(
                &owner,
                &format!("lead/{lead_id}/"),
                &json!({"name": "Hook Company"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        rx.wait_for("the rename", |g| g.len() >= 2).await;
        tokio::time::sleep(Duration::from_millis(700)).await;
        let events = rx.events();
        assert_eq!(events.len(), 2, "{events:?}");
        assert_eq!(events[1].2, "updated");
        // The worker records each delivery right after the receiver's answer.
        let all_delivered = |d: &Value| {
            d["data"].as_array().unwrap().len() == 2
                && d["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|x| x["status"] == "delivered" && x["response_status"] == 200)
        };
        let mut deliveries = Value::Null;
        for _ in 0..100 {
            deliveries = app
                .get(&owner, &format!("webhook/{sub_id}/delivery/"))
                .await
                .1;
            if all_delivered(&deliveries) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(all_delivered(&deliveries), "{deliveries}");

        // A receiver that fails for a while gets the event again until it takes it.
        rx.answer.store(503, Ordering::SeqCst);
        let (_, l2) = app
            .post(&owner, "lead/", &json!({"name": "Retry Ltd"}))
            .await;
        let l2 = l2["id"].as_str().unwrap().to_string();
        rx.wait_for("two failed attempts", |g| g.len() >= 4).await;
        rx.answer.store(200, Ordering::SeqCst);
        let (_, w) = app.get(&owner, &format!("webhook/{sub_id}/")).await;
        assert_eq!(w["status"], "active", "{w}");
        for _ in 0..100 {
            let (_, w) = app.get(&owner, &format!("webhook/{sub_id}/")).await;
            if w["counters"]["delivered"] == 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let (_, w) = app.get(&owner, &format!("webhook/{sub_id}/")).await;
        assert_eq!(w["counters"]["delivered"], 3, "{w}");
        assert_eq!(w["health_status"], "healthy", "{w}");
        let tries = rx.events().iter().filter(|e| e.3 == l2).count();
        assert!(tries >= 3, "{:?}", rx.events());
        let (_, deliveries) = app
            .get(&owner, &format!("webhook/{sub_id}/delivery/"))
            .await;
        let retried = &deliveries["data"][0];
        assert_eq!(retried["status"], "delivered", "{deliveries}");
        assert_eq!(retried["attempts"].as_i64().unwrap(), tries as i64);

        // Sustained failure pauses the subscription; what happens meanwhile waits, and
        // resuming sends all of it.
        rx.answer.store(500, Ordering::SeqCst);
        let mut waiting = vec![];
        for i in 0..2 {
            let (_, l) = app
                .post(&owner, "lead/", &json!({"name": format!("Paused {i}")}))
                .await;
            waiting.push(l["id"].as_str().unwrap().to_string());
        }
        let mut paused = Value::Null;
        for _ in 0..200 {
            let (_, w) = app.get(&owner, &format!("webhook/{sub_id}/")).await;
            if w["status"] == "paused" {
                paused = w;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(paused["pause_reason"], "failing", "{paused}");
        assert_eq!(paused["health_status"], "paused");
        assert!(
            paused["latest_error"].as_str().unwrap().contains("500"),
            "{paused}"
        );
        rx.answer.store(200, Ordering::SeqCst);
        let (_, l) = app
            .post(&owner, "lead/", &json!({"name": "While paused"}))
            .await;
        waiting.push(l["id"].as_str().unwrap().to_string());
        let seen = rx.all().len();
        tokio::time::sleep(Duration::from_millis(1000)).await;
        assert_eq!(
            rx.all().len(),
            seen,
            "a paused subscription is sent nothing"
        );
        let (_, w) = app.get(&owner, &format!("webhook/{sub_id}/")).await;
        assert_eq!(w["counters"]["pending"], 3, "{w}");
        let (s, w) = app
            .put(
                &owner,
                &format!("webhook/{sub_id}/"),
                &json!({"status": "active"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{w}");
        assert_eq!(w["pause_reason"], Value::Null);
        for _ in 0..200 {
            let got = rx.events();
            if waiting
                .iter()
                .all(|l| got.iter().any(|e| &e.3 == l && e.2 == "created"))
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let got = rx.events();
        for l in &waiting {
            assert!(
                got.iter().any(|e| &e.3 == l && e.2 == "created"),
                "{l} never delivered: {got:?}"
            );
        }
        // The receiver has them; the worker records each right after its answer.
        let mut w = Value::Null;
        for _ in 0..100 {
            w = app.get(&owner, &format!("webhook/{sub_id}/")).await.1;
            if w["counters"]["pending"] == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(w["counters"]["pending"], 0, "{w}");

        // Bad updates change nothing; a non-administrator may not even look.
        for bad in [
            json!({"status": "sleeping"}),
            json!({"url": "not a url"}),
            json!({"events": [{"object_type": "lead"}]}),
            json!({"signature_key": "00"}),
        ] {
            let (s, e) = app.put(&owner, &format!("webhook/{sub_id}/"), &bad).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {e}");
        }
        let (s, _) = app.get(&seller, &format!("webhook/{sub_id}/")).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (_, same) = app.get(&owner, &format!("webhook/{sub_id}/")).await;
        assert_eq!(same["url"], url.as_str());
        assert_eq!(same["events"].as_array().unwrap().len(), 2);

        // Offboarding the admin who made it lists it (it goes on delivering).
        let mid = d["members"][1]["membership_id"].as_str().unwrap();
        let (s, plan) = app
            .post(
                &owner,
                &format!("membership/{mid}/offboarding_plan/"),
                &json!({"action": "deactivate"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{plan}");
        assert_eq!(plan["webhooks"], json!([url]), "{plan}");

        // Deleting stops deliveries.
        let (s, _) = app.delete(&owner, &format!("webhook/{sub_id}/")).await;
        assert_eq!(s, StatusCode::OK);
        let seen = rx.all().len();
        app.post(&owner, "lead/", &json!({"name": "After delete"}))
            .await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(rx.all().len(), seen);
        let (s, _) = app.get(&owner, &format!("webhook/{sub_id}/")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}

/// By default a subscription cannot reach into the server's own network: loopback, private
/// and link-local destinations are refused when subscribing, and an address that only turns
/// out to be one when delivering (here 127.0.0.1 written as a number) is never connected to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_stay_out_of_the_servers_own_network_unless_allowed() {
    for engine in engines() {
        let app = spawn_with(
            engine,
            Options {
                demo: true,
                webhooks: Policy {
                    retry_base: Duration::from_millis(100),
                    retry_cap: Duration::from_millis(200),
                    max_attempts: 2,
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let (rx, url) = Receiver::start().await;
        let port = url
            .trim_start_matches("http://127.0.0.1:")
            .trim_end_matches("/hook")
            .to_string();
        let lead_created = json!([{"object_type": "lead", "action": "created"}]);
        for inside in [
            url.clone(),
            format!("http://localhost:{port}/hook"),
            format!("http://[::1]:{port}/hook"),
            "http://169.254.169.254/latest/meta-data/".to_string(),
            "http://10.0.0.8/hook".to_string(),
        ] {
            let (s, e) = app
                .post(
                    &owner,
                    "webhook/",
                    &json!({"url": inside, "events": lead_created}),
                )
                .await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{engine:?} {inside}: {e}");
            assert!(
                e["field-errors"]["url"]
                    .as_str()
                    .is_some_and(|m| m.contains("CORRAL_WEBHOOK_PRIVATE_NETWORKS")),
                "{e}"
            );
        }
        let (_, none) = app.get(&owner, "webhook/").await;
        assert_eq!(
            none["data"],
            json!([]),
            "refused subscriptions create nothing"
        );

        // Written as a number, loopback passes the subscription check but not delivery.
        let sneaky = format!("http://2130706433:{port}/hook");
        let (s, sub) = app
            .post(
                &owner,
                "webhook/",
                &json!({"url": sneaky, "events": lead_created}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{sub}");
        let sub_id = sub["id"].as_str().unwrap().to_string();
        app.post(&owner, "lead/", &json!({"name": "Inside job"}))
            .await;
        let mut last = Value::Null;
        for _ in 0..100 {
            last = app
                .get(&owner, &format!("webhook/{sub_id}/delivery/"))
                .await
                .1;
            if last["data"][0]["status"] == "failed" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(last["data"][0]["status"], "failed", "{engine:?}: {last}");
        assert!(
            last["data"][0]["last_error"]
                .as_str()
                .is_some_and(|m| m.contains("inside the server's own network")),
            "{last}"
        );
        assert!(rx.all().is_empty(), "the receiver was never reached");
    }
}
