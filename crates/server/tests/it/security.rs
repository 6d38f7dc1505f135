//! Web security (issue #10): security headers and no inline script on any page, CSRF on every
//! state-changing form the UI renders, password-reset links that work once and expire, secrets
//! stored hashed, and old cookies and keys refused after every way access ends or shrinks.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Browser, Engine, TestApp, active_users, engines, key, spawn_demo};

/// Values of `attr="…"` in `html`, in order.
fn attr_values(html: &str, attr: &str) -> Vec<String> {
    let pat = format!("{attr}=\"");
    let mut out = vec![];
    let mut rest = html;
    while let Some(i) = rest.find(&pat) {
        rest = &rest[i + pat.len()..];
        if let Some(end) = rest.find('"') {
            out.push(rest[..end].replace("&amp;", "&"));
            rest = &rest[end..];
        }
    }
    out
}

/// Every `<form method="post">`: its action and hidden fields other than `csrf`.
fn post_forms(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = vec![];
    for chunk in html.split("<form").skip(1) {
        let tag_end = chunk.find('>').unwrap_or(chunk.len());
        let tag = &chunk[..tag_end];
        if !tag.contains("method=\"post\"") {
            continue;
        }
        let Some(action) = attr_values(tag, "action").into_iter().next() else {
            continue;
        };
        let body = &chunk[..chunk.find("</form>").unwrap_or(chunk.len())];
        let mut fields = vec![];
        for input in body.split("<input").skip(1) {
            let t = &input[..input.find('>').unwrap_or(input.len())];
            if !t.contains("type=\"hidden\"") {
                continue;
            }
            let name = attr_values(t, "name")
                .into_iter()
                .next()
                .unwrap_or_default();
            let value = attr_values(t, "value")
                .into_iter()
                .next()
                .unwrap_or_default();
            if name != "csrf" && !name.is_empty() {
                fields.push((name, value));
            }
        }
        out.push((action, fields));
    }
    out
}

/// A path with its record ids replaced, so the crawl visits one page of each kind.
fn shape(path: &str) -> String {
    path.split('?')
        .next()
        .unwrap_or(path)
        .split('/')
        .map(|seg| {
            if seg.contains('_') && seg.len() > 12 {
                "{id}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn assert_security_headers(what: &str, h: &reqwest::header::HeaderMap) {
    let csp = h
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"))
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("script-src 'self'"), "{what}: {csp}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{what}: {csp}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
    assert!(h.contains_key("referrer-policy"), "{what}");
}

/// Row counts and latest change of the tables a form can write, as text.
async fn digest(app: &TestApp) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let db = app.running.services.db();
    let mut tx = db.read().await.unwrap();
    for t in [
        "users",
        "memberships",
        "invitations",
        "roles",
        "groups",
        "group_members",
        "sessions",
        "api_keys",
        "leads",
        "lead_field_values",
        "contacts",
        "opportunities",
        "tasks",
        "phone_numbers",
        "call_forwarding",
        "team_contacts",
        "personal_contacts",
        "sharing_settings",
        "scim_tokens",
        "scim_settings",
        "assignment_settings",
        "offboardings",
        "audit_log",
        "email_outbox",
        "password_resets",
        "webhooks",
        "webhook_deliveries",
        "pipelines",
        "opportunity_statuses",
        "custom_fields",
    ] {
        let sql = format!("SELECT COUNT(*) FROM {t}");
        let n: i64 = corral_store::on!(&mut tx, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).fetch_one(c).await)
            .unwrap();
        out.insert(t.to_string(), n.to_string());
    }
    for t in [
        "memberships",
        "roles",
        "groups",
        "leads",
        "phone_numbers",
        "team_contacts",
    ] {
        let sql = format!("SELECT CAST(MAX(date_updated) AS TEXT) FROM {t}");
        let v: Option<String> = corral_store::on!(&mut tx, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).fetch_one(c).await)
            .unwrap();
        out.insert(format!("{t}.date_updated"), v.unwrap_or_default());
    }
    out
}

#[tokio::test]
async fn every_page_has_security_headers_no_inline_script_and_csrf_on_every_form() {
    let app = spawn_demo(Engine::Sqlite).await;
    let http = crate::helpers::client();
    for path in [
        "/login",
        "/api/v1/me/",
        "/scim/v2/Users",
        "/static/app.js",
        "/nope",
    ] {
        let r = http.get(format!("{}{path}", app.url)).send().await.unwrap();
        assert_security_headers(path, r.headers());
    }

    // Crawl the UI as the owner: one page of each kind.
    let owner = app.demo()["members"][0].clone();
    let b = Browser::new(&app.url);
    b.sign_in(owner["email"].as_str().unwrap(), "corral-demo")
        .await;
    let mut queue = VecDeque::from(["/".to_string()]);
    let mut seen_shapes = BTreeSet::new();
    let mut forms: BTreeMap<String, (String, Vec<(String, String)>)> = BTreeMap::new();
    let mut pages = 0;
    while let Some(path) = queue.pop_front() {
        if !seen_shapes.insert(shape(&path)) || pages >= 120 {
            continue;
        }
        let (s, h, html) = b.get(&path).await;
        if s != StatusCode::OK || !h["content-type"].to_str().unwrap().starts_with("text/html") {
            continue;
        }
        pages += 1;
        assert_security_headers(&path, &h);
        for script in html.split("<script").skip(1) {
            let tag = &script[..script.find('>').unwrap()];
            assert!(tag.contains("src=\""), "{path}: inline <script>");
        }
        assert!(
            !html.contains(" style=\""),
            "{path}: inline style attribute"
        );
        for ev in [
            " onclick=",
            " onload=",
            " onsubmit=",
            " onchange=",
            " oninput=",
            "javascript:",
        ] {
            assert!(!html.contains(ev), "{path}: inline handler {ev}");
        }
        for (action, fields) in post_forms(&html) {
            forms.entry(shape(&action)).or_insert((action, fields));
        }
        for href in attr_values(&html, "href") {
            if href.starts_with('/')
                && !href.starts_with("/static/")
                && !href.contains(".csv")
                && !href.starts_with("/events/")
            {
                queue.push_back(href);
            }
        }
    }
    assert!(pages >= 15, "the crawl saw {pages} pages");
    assert!(
        forms.len() >= 20,
        "the crawl found {} forms: {forms:?}",
        forms.len()
    );

    // Every form refuses a post without its token, or with a forged one, and changes nothing.
    let before = digest(&app).await;
    for (action, fields) in forms.values() {
        for token in [None, Some("forged-token")] {
            let mut form: Vec<(String, String)> = fields.clone();
            if let Some(t) = token {
                form.push(("csrf".into(), t.into()));
            }
            let form: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let (s, _, body) = b.post_form(action, &form).await;
            assert_eq!(
                s,
                StatusCode::FORBIDDEN,
                "{action} with csrf {token:?}: {body}"
            );
        }
    }
    assert_eq!(digest(&app).await, before, "refused forms changed nothing");
    // Still signed in: the refusals did not sign the owner out either.
    assert_eq!(b.get("/").await.0, StatusCode::OK);
}

async fn count(app: &TestApp, sql: &str, arg: &str) -> i64 {
    let mut tx = app.running.services.db().read().await.unwrap();
    corral_store::on!(&mut tx, c => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string())).bind(arg).fetch_one(c).await)
        .unwrap()
}

fn sha256_hex(s: &str) -> String {
    corral_services::secrets::token_hash(s)
}

/// Reset emails sent to `email` so far, newest last.
async fn reset_mails(app: &TestApp, owner_key: &str, email: &str) -> Vec<String> {
    let (_, v) = app.get(owner_key, "outbox/?_limit=1000").await;
    let mut out: Vec<String> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["to"] == email && m["subject"] == "Reset your Corral password")
        .map(|m| m["body_text"].as_str().unwrap().to_string())
        .collect();
    out.reverse();
    out
}

fn reset_path(body: &str) -> String {
    let i = body.find("/reset/").expect("a reset link");
    body[i..].split_whitespace().next().unwrap().to_string()
}

#[tokio::test]
async fn password_reset_links_work_once_expire_and_end_old_sessions() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let owner_key = app.demo()["members"][0]["api_key"]
            .as_str()
            .unwrap()
            .to_string();
        let user = app.demo_member("user");
        let email = user["email"].as_str().unwrap().to_string();

        // Signed in somewhere before the reset.
        let old = Browser::new(&app.url);
        old.sign_in(&email, "corral-demo").await;
        assert_eq!(old.get("/").await.0, StatusCode::OK);

        // The same answer for an address with and without an account; only one gets mail.
        let b = Browser::new(&app.url);
        let (s, _, page) = b.get("/login").await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("href=\"/forgot\""));
        let (s, _, _) = b.get("/forgot").await;
        assert_eq!(s, StatusCode::OK);
        let csrf = b.cookie("corral_csrf").unwrap();
        let outbox_before = count(
            &app,
            "SELECT COUNT(*) FROM email_outbox WHERE subject <> $1",
            "",
        )
        .await;
        let (s, _, unknown) = b
            .post_form(
                "/forgot",
                &[("csrf", &csrf), ("email", "nobody@nowhere.example")],
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(unknown.contains("forgot-sent"));
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM email_outbox WHERE subject <> $1",
                ""
            )
            .await,
            outbox_before,
            "no mail for an unknown address"
        );
        let (s, _, known) = b
            .post_form(
                "/forgot",
                &[("csrf", &csrf), ("email", &email.to_uppercase())],
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(known.contains("forgot-sent"));
        let (s, _, bad) = b
            .post_form("/forgot", &[("csrf", &csrf), ("email", "not an address")])
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
        let mails = reset_mails(&app, &owner_key, &email).await;
        assert_eq!(mails.len(), 1);
        let link = reset_path(&mails[0]);
        let token = link.trim_start_matches("/reset/").to_string();

        // Only the token's hash is stored.
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM password_resets WHERE token_hash = $1",
                &token
            )
            .await,
            0
        );
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM password_resets WHERE token_hash = $1",
                &sha256_hex(&token)
            )
            .await,
            1
        );

        // A too-short password is refused and the link keeps working.
        let (s, _, _) = b.get(&link).await;
        assert_eq!(s, StatusCode::OK);
        let csrf = b.cookie("corral_csrf").unwrap();
        let (s, _, page) = b
            .post_form(&link, &[("csrf", &csrf), ("password", "short")])
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(page.contains("reset-error"));
        let (s, h, _) = b
            .post_form(
                &link,
                &[("csrf", &csrf), ("password", "a-brand-new-secret")],
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(h["location"], "/");
        assert_eq!(b.get("/").await.0, StatusCode::OK, "signed in by the reset");

        // The old session has ended; the old password no longer works, the new one does.
        assert_eq!(old.get("/").await.0, StatusCode::SEE_OTHER);
        let (s, _, _) = Browser::new(&app.url).sign_in(&email, "corral-demo").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _, _) = Browser::new(&app.url)
            .sign_in(&email, "a-brand-new-secret")
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);

        // Used once: the link is dead, on GET and on POST.
        let (s, _, page) = b.get(&link).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(page.contains("expired or was already used"), "{page}");
        let csrf = b.cookie("corral_csrf").unwrap();
        let (s, _, _) = b
            .post_form(
                &link,
                &[("csrf", &csrf), ("password", "yet-another-secret")],
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // Expired: a new link whose hour has passed is dead too.
        let (s, _, _) = b
            .post_form("/forgot", &[("csrf", &csrf), ("email", &email)])
            .await;
        assert_eq!(s, StatusCode::OK);
        let mails = reset_mails(&app, &owner_key, &email).await;
        assert_eq!(mails.len(), 2);
        let link2 = reset_path(&mails[1]);
        let hash2 = sha256_hex(link2.trim_start_matches("/reset/"));
        {
            let mut tx = app.running.services.db().write().await.unwrap();
            let past = chrono::Utc::now() - chrono::Duration::minutes(1);
            corral_store::on!(&mut tx, c => sqlx::query("UPDATE password_resets SET expires_at = $1 WHERE token_hash = $2").bind(past).bind(&hash2).execute(c).await.map(|_| ()))
                .unwrap();
            tx.commit().await.unwrap();
        }
        assert_eq!(b.get(&link2).await.0, StatusCode::NOT_FOUND);

        // At most three links an hour: the fourth request sends nothing.
        for _ in 0..3 {
            b.post_form("/forgot", &[("csrf", &csrf), ("email", &email)])
                .await;
        }
        assert_eq!(reset_mails(&app, &owner_key, &email).await.len(), 3);

        // API keys and invitation tokens are stored hashed too.
        let api_key = key(&user);
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM api_keys WHERE key_hash = $1",
                &api_key
            )
            .await,
            0
        );
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM api_keys WHERE key_hash = $1",
                &sha256_hex(&api_key)
            )
            .await,
            1
        );
        let r = app
            .http
            .post(app.api("invitation/"))
            .basic_auth(&owner_key, Some(""))
            .json(&json!({"email": "hash.check@example.com", "role_id": "user"}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        let (_, v) = app.get(&owner_key, "outbox/?_limit=1000").await;
        let invite = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["to"] == "hash.check@example.com")
            .unwrap()["body_text"]
            .as_str()
            .unwrap()
            .to_string();
        let i = invite.find("/invitation/").unwrap();
        let itoken = invite[i + "/invitation/".len()..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_string();
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM invitations WHERE token_hash = $1",
                &itoken
            )
            .await,
            0
        );
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM invitations WHERE token_hash = $1",
                &sha256_hex(&itoken)
            )
            .await,
            1
        );
    }
}

/// Requests a member's old key and cookie make: an API read, an API write, a page, the
/// presence stream.
async fn access(app: &TestApp, api_key: &str, b: &Browser) -> Vec<StatusCode> {
    let http = &app.http;
    let me = http
        .get(app.api("me/"))
        .basic_auth(api_key, Some(""))
        .send()
        .await
        .unwrap()
        .status();
    let leads = http
        .get(app.api("lead/?_limit=1"))
        .basic_auth(api_key, Some(""))
        .send()
        .await
        .unwrap()
        .status();
    let write = http
        .post(app.api("lead/"))
        .basic_auth(api_key, Some(""))
        .json(&json!({"name": "Written after access ended"}))
        .send()
        .await
        .unwrap()
        .status();
    let page = b.get("/leads").await.0;
    let stream = http
        .get(format!("{}/events/presence", app.url))
        .header(
            "cookie",
            format!(
                "corral_session={}",
                b.cookie("corral_session").unwrap_or_default()
            ),
        )
        .send()
        .await
        .unwrap()
        .status();
    vec![me, leads, write, page, stream]
}

#[tokio::test]
async fn old_cookies_and_keys_are_refused_after_every_way_access_ends() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner_key = d["members"][0]["api_key"].as_str().unwrap().to_string();
        let scim_token = d["scim_token"].as_str().unwrap().to_string();
        let users = active_users(&d);
        assert!(users.len() >= 4, "enough demo users");
        for (way, m) in ["deactivate", "remove", "offboard", "scim"]
            .iter()
            .zip(&users)
        {
            let b = Browser::new(&app.url);
            b.sign_in(m["email"].as_str().unwrap(), "corral-demo").await;
            let k = key(m);
            let ok = access(&app, &k, &b).await;
            assert!(
                ok.iter().all(|s| s.is_success()),
                "{way}: works before: {ok:?}"
            );
            let mid = m["membership_id"].as_str().unwrap();
            let http = &app.http;
            let s = match *way {
                "deactivate" => http
                    .delete(app.api(&format!("membership/{mid}/")))
                    .basic_auth(&owner_key, Some(""))
                    .send()
                    .await
                    .unwrap()
                    .status(),
                "remove" => http
                    .post(app.api(&format!("membership/{mid}/remove/")))
                    .basic_auth(&owner_key, Some(""))
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap()
                    .status(),
                "offboard" => http
                    .post(app.api(&format!("membership/{mid}/offboard/")))
                    .basic_auth(&owner_key, Some(""))
                    .json(&json!({"action": "deactivate"}))
                    .send()
                    .await
                    .unwrap()
                    .status(),
                _ => {
                    let email = m["email"].as_str().unwrap();
                    let r = http
                        .get(format!(
                            "{}/scim/v2/Users?filter=userName%20eq%20%22{email}%22",
                            app.url
                        ))
                        .bearer_auth(&scim_token)
                        .send()
                        .await
                        .unwrap();
                    let found: Value = r.json().await.unwrap();
                    let id = found["Resources"][0]["id"].as_str().unwrap().to_string();
                    http.patch(format!("{}/scim/v2/Users/{id}", app.url))
                        .bearer_auth(&scim_token)
                        .json(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "active", "value": false}]}))
                        .send()
                        .await
                        .unwrap()
                        .status()
                }
            };
            assert!(s.is_success(), "{way}: {s}");
            let after = access(&app, &k, &b).await;
            assert_eq!(
                &after[..3],
                &[StatusCode::UNAUTHORIZED; 3],
                "{way}: API refused"
            );
            assert_eq!(
                after[3],
                StatusCode::SEE_OTHER,
                "{way}: page sends to sign-in"
            );
            assert!(
                after[4].is_client_error() || after[4].is_redirection(),
                "{way}: stream refused: {}",
                after[4]
            );
        }

        // A role change takes effect on the very next request with the same key and cookie.
        let admin = d["members"]
            .as_array()
            .unwrap()
            .iter()
            .skip(1)
            .find(|m| m["role_id"] == "admin" && m["status"] == "active")
            .unwrap()
            .clone();
        let b = Browser::new(&app.url);
        b.sign_in(admin["email"].as_str().unwrap(), "corral-demo")
            .await;
        let k = key(&admin);
        assert_eq!(b.get("/settings/roles").await.0, StatusCode::OK);
        assert_eq!(app.get(&k, "outbox/").await.0, StatusCode::OK);
        let mid = admin["membership_id"].as_str().unwrap();
        let (s, v) = app
            .put(
                &owner_key,
                &format!("membership/{mid}/"),
                &json!({"role_id": "user"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(app.get(&k, "outbox/").await.0, StatusCode::FORBIDDEN);
        let s = b.get("/settings/roles").await.0;
        assert!(
            s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND,
            "the roles page is refused: {s}"
        );
        assert_eq!(app.get(&k, "me/").await.0, StatusCode::OK, "still a member");
    }
}

/// schemathesis (PyPI) fuzzes every operation of `/api/openapi.json` as the owner: no 5xx,
/// and every response fits the document. Bounded in time; `scripts/fuzz-api` runs longer.
#[tokio::test]
async fn schemathesis_finds_no_server_error_and_no_response_outside_the_document() {
    let Some(python) = crate::helpers::python_with("schemathesis", "schemathesis") else {
        return;
    };
    let cli = std::path::Path::new(&python).with_file_name("schemathesis");
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let owner_key = app.demo()["members"][0]["api_key"]
            .as_str()
            .unwrap()
            .to_string();
        let auth = {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(format!("{owner_key}:"))
        };
        let url = format!("{}/api/openapi.json", app.url);
        let cli = cli.clone();
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new(&cli)
                .args([
                    "run",
                    &url,
                    "-H",
                    &format!("Authorization: Basic {auth}"),
                    "--checks",
                    "not_a_server_error,response_schema_conformance,content_type_conformance",
                    "--phases",
                    "examples,coverage,fuzzing",
                    "--max-examples",
                    "5",
                    "--max-time",
                    "60",
                    // One worker: Python 3.11's ast module is not thread-safe, and hypothesis
                    // reads lambda sources with it (a tool error seen with two workers).
                    "--workers",
                    "1",
                    "--seed",
                    "20261122",
                ])
                .env("NO_COLOR", "1")
                .output()
                .expect("run schemathesis")
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let summary = stdout
            .rfind("SUMMARY")
            .map(|i| &stdout[i..])
            .unwrap_or(&stdout);
        eprintln!("{engine:?}: schemathesis {summary}");
        assert!(
            out.status.success(),
            "{engine:?}: schemathesis found problems\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("Tested: "), "{stdout}");
    }
}

/// A NUL character anywhere in a request (PostgreSQL cannot store one) is a clear 400, or a
/// 404 for an id, never a 500 — found by schemathesis on PostgreSQL.
#[tokio::test]
async fn nul_characters_get_a_clear_error_not_a_server_error() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let owner_key = app.demo()["members"][0]["api_key"]
            .as_str()
            .unwrap()
            .to_string();
        let http = &app.http;
        let r = http
            .post(app.api("lead/"))
            .basic_auth(&owner_key, Some(""))
            .header("content-type", "application/json")
            .body(r#"{"name": "Acme\u0000Inc"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{engine:?}");
        let body: Value = r.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains("NUL"), "{body}");
        let r = http
            .put(app.api("membership/"))
            .basic_auth(&owner_key, Some(""))
            .header("content-type", "application/json")
            .body(r#"{"_params": {"id__in": "memb_x\u0000"}, "track_email_opens": false}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{engine:?}");
        for path in [
            "lead/lead_%00abc/",
            "lead/?query=%00",
            "membership/memb_%00/",
            "user/%00/",
        ] {
            let r = http
                .get(app.api(path))
                .basic_auth(&owner_key, Some(""))
                .send()
                .await
                .unwrap();
            assert!(
                r.status().is_client_error() || r.status().is_success(),
                "{engine:?} {path}: {}",
                r.status()
            );
        }
        let token = app.demo()["scim_token"].as_str().unwrap().to_string();
        let r = http
            .post(format!("{}/scim/v2/Users", app.url))
            .bearer_auth(&token)
            .header("content-type", "application/scim+json")
            .body(r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "nul\u0000@example.com"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{engine:?}");
    }
}

/// Behind https (the public URL says so) the session and CSRF cookies are `Secure` as well as
/// `HttpOnly` (the session) and `SameSite=Lax`.
#[tokio::test]
async fn cookies_are_secure_behind_https() {
    let app = crate::helpers::spawn_with(
        Engine::Sqlite,
        crate::helpers::Options {
            demo: true,
            public_url: Some("https://crm.example.com".into()),
            ..Default::default()
        },
    )
    .await;
    let owner = app.demo()["members"][0].clone();
    let b = Browser::new(&app.url);
    let (_, h, _) = b.get("/login").await;
    let csrf_cookie = h["set-cookie"].to_str().unwrap().to_string();
    assert!(
        csrf_cookie.contains("Secure") && csrf_cookie.contains("SameSite=Lax"),
        "{csrf_cookie}"
    );
    let (s, h, _) = b
        .sign_in(owner["email"].as_str().unwrap(), "corral-demo")
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let session = h
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("corral_session="))
        .expect("a session cookie");
    for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(session.contains(flag), "{flag} missing: {session}");
    }
}

/// Workspace B's ids, used by a member of workspace A on every route with an id in its path
/// (enumerated from the OpenAPI document, so new routes are swept too): never a success,
/// never a 5xx, and nothing in the database changes.
#[tokio::test]
async fn ids_from_another_workspace_are_not_found_on_every_route() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let a_key = app.demo()["members"][0]["api_key"]
            .as_str()
            .unwrap()
            .to_string();
        let services = &app.running.services;
        let b = services
            .create_organization(corral_services::setup::SetupInput {
                organization_name: "Other Org".into(),
                workspace_name: "Other Sales".into(),
                first_name: "Bea".into(),
                last_name: "Other".into(),
                email: "bea@other.example".into(),
                password: "bea-password".into(),
            })
            .await
            .unwrap();
        let session = services
            .login("bea@other.example", "bea-password", "test")
            .await
            .unwrap();
        let b_actor = services.authenticate_session(&session.token).await.unwrap();
        let b_key = services.create_api_key(&b_actor, "b").await.unwrap().secret;

        // Workspace B gets one of everything.
        let mut ids: Vec<String> = vec![
            b.workspace_id.clone(),
            b.owner_user_id.clone(),
            b.owner_membership_id.clone(),
        ];
        let mut keep = |v: &Value, ptr: &str| {
            if let Some(id) = v.pointer(ptr).and_then(Value::as_str) {
                ids.push(id.to_string());
            }
        };
        let (_, lead) = app
            .post(&b_key, "lead/", &json!({"name": "B lead", "contacts": [{"name": "B contact", "emails": [{"email": "c@b.example"}]}]}))
            .await;
        keep(&lead, "/id");
        keep(&lead, "/contacts/0/id");
        let lid = lead["id"].as_str().unwrap().to_string();
        let (_, org) = app
            .get(&b_key, &format!("organization/{}/", b.workspace_id))
            .await;
        let status = org["lead_statuses"][0]["id"].clone();
        for (path, body, ptr) in [
            (
                "opportunity/",
                json!({"lead_id": lid, "value": 1000}),
                "/id",
            ),
            ("task/", json!({"lead_id": lid, "text": "B task"}), "/id"),
            (
                "activity/note/",
                json!({"lead_id": lid, "note": "B note"}),
                "/id",
            ),
            ("group/", json!({"name": "B group"}), "/id"),
            (
                "role/",
                json!({"name": "B role", "permissions": ["view_all_leads"]}),
                "/id",
            ),
            ("phone_number/", json!({"number": "+15550109999"}), "/id"),
            ("personal_contact/", json!({"name": "B friend"}), "/id"),
            (
                "saved_search/",
                json!({"name": "B view", "s_query": {"type": "text", "value": ""}}),
                "/id",
            ),
            (
                "invitation/",
                json!({"email": "inv@b.example", "role_id": "user"}),
                "/id",
            ),
            (
                "bulk_action/edit/",
                json!({"type": "set_lead_status", "lead_status_id": status, "query": ""}),
                "/id",
            ),
            ("export/lead/", json!({"format": "csv"}), "/id"),
            ("import/lead/", json!({"csv": "Company\nB import\n"}), "/id"),
            (
                "custom_field/lead/",
                json!({"name": "B field", "type": "text"}),
                "/id",
            ),
            (
                "custom_field/contact/",
                json!({"name": "B contact field", "type": "text"}),
                "/id",
            ),
            ("pipeline/", json!({"name": "B pipeline"}), "/id"),
            ("status/opportunity/", json!({"label": "B stage"}), "/id"),
            // Subscribed to something nothing in this test does, so it is never delivered to.
            (
                "webhook/",
                json!({"url": "https://hooks.example.com/b", "events": [{"object_type": "out_of_office", "action": "updated"}]}),
                "/id",
            ),
        ] {
            let (s, v) = app.post(&b_key, path, &body).await;
            assert!(s.is_success(), "B creates {path}: {s} {v}");
            keep(&v, ptr);
        }
        let (_, pc) = app.get(&b_key, "personal_contact/").await;
        if let Some(pid) = pc["data"][0]["id"].as_str() {
            let (_, shared) = app
                .post(
                    &b_key,
                    "personal_contact/bulk_action/",
                    &json!({"action": "send", "contact_ids": [pid]}),
                )
                .await;
            let _ = shared;
        }
        let (_, tc) = app.get(&b_key, "team_contact/").await;
        keep(&tc, "/data/0/id");
        // A member B added and then removed: an offboarding (with its manifest) of B's.
        let (s, added) = app
            .post(&b_key, "membership/add/", &json!({"email": "leaver@b.example", "role_id": "user", "first_name": "Lee", "password": "long-enough"}))
            .await;
        assert!(s.is_success(), "B adds a member: {s} {added}");
        let (s, gone) = app
            .post(
                &b_key,
                &format!("membership/{}/offboard/", added["id"].as_str().unwrap()),
                &json!({"action": "remove"}),
            )
            .await;
        assert!(s.is_success(), "B offboards them: {s} {gone}");
        keep(&gone, "/id");
        let (_, ev) = app.get(&b_key, "event/").await;
        keep(&ev, "/data/0/id");
        assert!(ids.len() >= 15, "one of everything: {ids:?}");
        // B's own bulk edit finishes first (it changes B's lead in the background).
        let (_, jobs) = app.get(&b_key, "bulk_action/edit/").await;
        let job = jobs["data"][0]["id"].as_str().unwrap().to_string();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while app.get(&b_key, &format!("bulk_action/edit/{job}/")).await.1["status"] != "done" {
            assert!(
                std::time::Instant::now() < deadline,
                "B's bulk edit finishes"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let (_, imports) = app.get(&b_key, "import/lead/").await;
        let import = imports["data"][0]["id"].as_str().unwrap().to_string();
        while app.get(&b_key, &format!("import/lead/{import}/")).await.1["status"] != "done" {
            assert!(std::time::Instant::now() < deadline, "B's import finishes");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }

        let before = digest(&app).await;
        let (_, doc) = app.get(&a_key, "../openapi.json").await;
        let mut tried = 0;
        let mut not_found = 0;
        for (path, ops) in doc["paths"].as_object().unwrap() {
            if !path.contains("{id}") && !path.contains("{user_id}") {
                continue;
            }
            for method in ops.as_object().unwrap().keys() {
                for id in &ids {
                    let url = format!(
                        "{}{}",
                        app.url,
                        path.replace("{id}", id)
                            .replace("{user_id}", id)
                            .replace("{kind}", "note")
                            .replace("{object_type}", "lead")
                    );
                    let req = match method.as_str() {
                        "get" => app.http.get(&url),
                        "put" => app.http.put(&url).json(&json!({})),
                        "post" => app.http.post(&url).json(&json!({})),
                        "delete" => app.http.delete(&url),
                        other => panic!("method {other}"),
                    };
                    let s = req
                        .basic_auth(&a_key, Some(""))
                        .send()
                        .await
                        .unwrap()
                        .status();
                    tried += 1;
                    assert!(
                        s == StatusCode::NOT_FOUND || s == StatusCode::BAD_REQUEST,
                        "{engine:?}: {} {path} with B's {id} answered {s}",
                        method.to_uppercase()
                    );
                    if s == StatusCode::NOT_FOUND {
                        not_found += 1;
                    }
                }
            }
        }
        eprintln!(
            "{engine:?}: {tried} requests with B's ids, {not_found} answered 404, the rest 400"
        );
        assert!(tried > 500, "{tried}");
        assert_eq!(digest(&app).await, before, "nothing changed");
    }
}
