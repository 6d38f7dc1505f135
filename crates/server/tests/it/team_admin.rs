//! Team administration through the API and the invitation page, on both engines:
//! invitations delivered over real SMTP, add, edit, deactivate, reactivate, remove, re-add,
//! seats, the rules of who may do what, and the audit trail.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};

use crate::helpers::{
    Browser, Options, TestApp, assert_close_error, engines, key, spawn_demo, spawn_with,
};
use crate::smtp_sink::{SmtpSink, invitation_link};

impl TestApp {
    pub async fn post(&self, key: &str, path: &str, body: &Value) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.api(path))
            .basic_auth(key, Some(""))
            .json(body)
            .send()
            .await
            .unwrap();
        crate::helpers::decode(r).await
    }

    pub async fn delete(&self, key: &str, path: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .delete(self.api(path))
            .basic_auth(key, Some(""))
            .send()
            .await
            .unwrap();
        crate::helpers::decode(r).await
    }

    fn owner_key(&self) -> String {
        key(&self.demo()["members"][0])
    }

    async fn members(&self, query: &str) -> Vec<Value> {
        let (s, v) = self
            .get(&self.owner_key(), &format!("membership/?{query}"))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["data"].as_array().unwrap().clone()
    }
}

#[tokio::test]
async fn invitation_is_emailed_over_smtp_and_accepting_activates_the_member() {
    for engine in engines() {
        let sink = SmtpSink::start().await;
        let app = spawn_with(
            engine,
            Options {
                demo: true,
                smtp: Some(sink.config()),
                ..Default::default()
            },
        )
        .await;
        let owner = app.owner_key();
        let ws = app.demo()["workspace_id"].as_str().unwrap().to_string();

        let (s, m) = app
            .post(&owner, "invitation/", &json!({"email": "Nina.New@Example.com", "role_id": "user", "first_name": "Nina", "round_robin": true, "homepage": "inbox"}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{engine:?} {m}");
        assert_eq!(m["status"], "invited");
        assert_eq!(m["round_robin"], true);
        assert_eq!(m["homepage"], "inbox");
        let mid = m["id"].as_str().unwrap().to_string();
        let uid = m["user_id"].as_str().unwrap().to_string();

        // Pending: listed as such, not yet a member of the organization object, no seat.
        assert!(
            app.members("status=invited")
                .await
                .iter()
                .any(|x| x["id"] == mid.as_str())
        );
        let (_, org) = app.get(&owner, &format!("organization/{ws}/")).await;
        assert!(
            !org["memberships"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["id"] == mid.as_str())
        );
        let (_, seats) = app.get(&owner, "seats/").await;
        let used_before = seats["seats_used"].as_i64().unwrap();

        // A second invitation to the same address is refused with a reason.
        let (s, err) = app
            .post(
                &owner,
                "invitation/",
                &json!({"email": "nina.new@example.com", "role_id": "user"}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(
            err["field-errors"]["email"]
                .as_str()
                .unwrap()
                .contains("already been invited")
        );

        // The email arrives at a real SMTP server and its link works once.
        let mail = sink.wait_for("Nina.New@Example.com", 15).await;
        let link = invitation_link(&mail);
        assert!(
            link.starts_with(&format!("{}/invitation/", app.url)),
            "{link}"
        );
        let path = link.strip_prefix(&app.url).unwrap().to_string();
        let b = Browser::new(&app.url);
        let (s, _, html) = b.get(&path).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("Acme Sales") && html.contains("Nina.New@Example.com"),
            "{html}"
        );
        let csrf = b.cookie("corral_csrf").unwrap();
        let (s, _, html) = b
            .post_form(
                &path,
                &[
                    ("csrf", &csrf),
                    ("first_name", "Nina"),
                    ("last_name", "New"),
                    ("password", "short"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(html.contains("at least 8 characters"));
        let (s, h, _) = b
            .post_form(
                &path,
                &[
                    ("csrf", &csrf),
                    ("first_name", "Nina"),
                    ("last_name", "New"),
                    ("password", "nina-password"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(h[LOCATION], "/");
        let (s, _, html) = b.get("/").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Welcome, Nina"));

        let (_, m) = app.get(&owner, &format!("membership/{mid}/")).await;
        assert_eq!(m["status"], "active");
        assert_eq!(m["user_id"], uid.as_str());
        let (_, seats) = app.get(&owner, "seats/").await;
        assert_eq!(seats["seats_used"].as_i64().unwrap(), used_before + 1);
        assert_eq!(
            seats["history"].as_array().unwrap().last().unwrap()["reason"],
            "invitation accepted"
        );

        // Reused link: refused, nothing changes.
        let (s, _, html) = Browser::new(&app.url).get(&path).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(html.contains("already accepted"));

        // The new member signs in with the password they chose.
        let (s, _, _) = Browser::new(&app.url)
            .sign_in("nina.new@example.com", "nina-password")
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn a_down_mail_server_loses_nothing_and_resend_and_cancel_work() {
    let sink = SmtpSink::start().await;
    sink.refuse.store(true, std::sync::atomic::Ordering::SeqCst);
    let app = spawn_with(
        engines()[0],
        Options {
            demo: true,
            smtp: Some(sink.config()),
            ..Default::default()
        },
    )
    .await;
    let owner = app.owner_key();
    let (s, m) = app
        .post(
            &owner,
            "invitation/",
            &json!({"email": "retry@example.com", "role_id": "restricteduser"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let mid = m["id"].as_str().unwrap().to_string();
    // The first attempt fails and stays in the outbox with the reason.
    let mut failed = Value::Null;
    for _ in 0..100 {
        let (_, out) = app.get(&owner, "outbox/").await;
        if let Some(e) = out["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["to"] == "retry@example.com" && e["attempts"].as_i64() >= Some(1))
        {
            failed = e.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(failed["status"], "pending", "{failed}");
    assert!(
        failed["last_error"].as_str().unwrap().contains("451"),
        "{failed}"
    );
    // The server comes back; the retry (after its backoff) delivers it.
    sink.refuse
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let first = sink.wait_for("retry@example.com", 20).await;
    let old_link = invitation_link(&first);

    // Resend: a new link; the old one stops working.
    let (s, _) = app
        .post(&owner, &format!("invitation/{mid}/resend/"), &json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    for _ in 0..150 {
        if sink
            .mails
            .lock()
            .await
            .iter()
            .filter(|m| m.to.iter().any(|t| t == "retry@example.com"))
            .count()
            >= 2
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mails = sink.mails.lock().await.clone();
    let second = mails
        .iter()
        .rev()
        .find(|m| m.to.iter().any(|t| t == "retry@example.com"))
        .unwrap();
    let new_link = invitation_link(second);
    assert_ne!(old_link, new_link);
    let b = Browser::new(&app.url);
    let (s, _, _) = b.get(old_link.strip_prefix(&app.url).unwrap()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = b.get(new_link.strip_prefix(&app.url).unwrap()).await;
    assert_eq!(s, StatusCode::OK);

    // Cancel: the link dies and the invitee leaves the pending list.
    let (s, _) = app.delete(&owner, &format!("invitation/{mid}/")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _, html) = b.get(new_link.strip_prefix(&app.url).unwrap()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(html.contains("cancelled"));
    assert!(
        !app.members("status=invited")
            .await
            .iter()
            .any(|x| x["id"] == mid.as_str())
    );
}

#[tokio::test]
async fn expired_invitation_links_are_refused() {
    let app = spawn_with(
        engines()[0],
        Options {
            demo: true,
            invitation_ttl: Some(Duration::from_millis(300)),
            ..Default::default()
        },
    )
    .await;
    let owner = app.owner_key();
    let (s, _) = app
        .post(
            &owner,
            "invitation/",
            &json!({"email": "late@example.com", "role_id": "user"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // Without a mail server the link waits in the outbox, readable by admins.
    let (_, out) = app.get(&owner, "outbox/").await;
    let mail = out["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["to"] == "late@example.com")
        .unwrap()
        .clone();
    let body = mail["body_text"].as_str().unwrap();
    let link = body[body.find("http://").unwrap()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let b = Browser::new(&app.url);
    let (s, _, html) = b.get(link.strip_prefix(&app.url).unwrap()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(html.contains("expired"));
    let (s, _, _) = b
        .post_form(
            link.strip_prefix(&app.url).unwrap(),
            &[("csrf", "x"), ("password", "whatever-long")],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn add_directly_and_bad_input_changes_nothing() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let owner = app.owner_key();
        let before = app.members("").await.len();
        let taken_phone = "+14155550101"; // a demo member's phone
        for (body, field) in [
            (
                json!({"email": "not-an-email", "role_id": "user", "first_name": "X", "password": "long-enough"}),
                "email",
            ),
            (
                json!({"email": "x@example.com", "role_id": "role_nope", "first_name": "X", "password": "long-enough"}),
                "role_id",
            ),
            (
                json!({"email": "x@example.com", "role_id": "user", "first_name": "X", "password": "short"}),
                "password",
            ),
            (
                json!({"email": "x@example.com", "role_id": "user", "first_name": "X", "password": "long-enough", "phone": taken_phone}),
                "phone",
            ),
            (
                json!({"email": "x@example.com", "role_id": "user", "first_name": "X", "password": "long-enough", "phone": "12345"}),
                "phone",
            ),
            (
                json!({"email": "blake.bauer@acme-demo.test", "role_id": "user", "first_name": "X", "password": "long-enough"}),
                "email",
            ),
            (
                json!({"email": "x@example.com", "role_id": "user", "first_name": "X", "password": "long-enough", "restrictions": ["fly"]}),
                "restrictions",
            ),
            (
                json!({"email": "x@example.com", "role_id": "user", "first_name": "X", "password": "long-enough", "homepage": "moon"}),
                "homepage",
            ),
            (
                json!({"email": "x@example.com", "role_id": "user", "first_name": "X", "password": "long-enough", "colour": "red"}),
                "colour",
            ),
        ] {
            let (s, err) = app.post(&owner, "membership/add/", &body).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{engine:?} {body} {err}");
            assert_close_error(&err);
            assert!(err["field-errors"][field].is_string(), "{field}: {err}");
        }
        assert_eq!(
            app.members("").await.len(),
            before,
            "bad input changed nothing"
        );

        let (s, m) = app
            .post(&owner, "membership/add/", &json!({"email": "gail@example.com", "role_id": "user", "first_name": "Gail", "last_name": "Go", "phone": "+1 (415) 555-9999", "password": "gail-password"}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{m}");
        assert_eq!(m["status"], "active");
        assert_eq!(m["user_phone"], "+14155559999");
        let (s, _, _) = Browser::new(&app.url)
            .sign_in("gail@example.com", "gail-password")
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn who_may_do_what() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let members = d["members"].as_array().unwrap();
        let owner = &members[0];
        let manager = app.demo_member("manager");
        let superuser = app.demo_member("superuser");
        let user = app.demo_member("user");
        let second_admin = &members[1];
        let mid = |m: &Value| m["membership_id"].as_str().unwrap().to_string();

        // Only manage_users / manage_organization reach member administration.
        for k in [key(&superuser), key(&user)] {
            let (s, err) = app.get(&k, "membership/").await;
            assert_eq!(s, StatusCode::FORBIDDEN);
            assert_close_error(&err);
            let (s, _) = app
                .post(
                    &k,
                    "invitation/",
                    &json!({"email": "z@example.com", "role_id": "user"}),
                )
                .await;
            assert_eq!(s, StatusCode::FORBIDDEN);
        }
        let (s, _) = app.get(&key(&manager), "membership/").await;
        assert_eq!(s, StatusCode::OK);

        // Nobody changes their own access.
        let (s, err) = app
            .delete(&key(owner), &format!("membership/{}/", mid(owner)))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(err["error"].as_str().unwrap().contains("your own"));
        let (s, _) = app
            .put(
                &key(&manager),
                &format!("membership/{}/", mid(&manager)),
                &json!({"role_id": "admin"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // …but may set their own preferences.
        let (s, m) = app
            .put(
                &key(&user),
                &format!("membership/{}/", mid(&user)),
                &json!({"homepage": "dashboard"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{m}");
        assert_eq!(m["homepage"], "dashboard");
        let (s, _) = app
            .put(
                &key(&user),
                &format!("membership/{}/", mid(&user)),
                &json!({"restrictions": []}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // A manager can neither touch an admin nor grant a role above their own.
        let (s, _) = app
            .delete(
                &key(&manager),
                &format!("membership/{}/", mid(second_admin)),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, err) = app
            .put(
                &key(&manager),
                &format!("membership/{}/", mid(&user)),
                &json!({"role_id": "admin"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(
            err["error"]
                .as_str()
                .unwrap()
                .contains("manage_organization"),
            "{err}"
        );
        let (s, _) = app
            .post(
                &key(&manager),
                "invitation/",
                &json!({"email": "boss@example.com", "role_id": "admin"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // …but can manage users below them.
        let (s, m) = app
            .put(
                &key(&manager),
                &format!("membership/{}/", mid(&user)),
                &json!({"role_id": "restricteduser", "restrictions": ["no_export"]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{m}");
        assert_eq!(m["role_id"], "restricteduser");
        assert_eq!(m["restrictions"], json!(["no_export"]));

        // Close's provisioning refuses organization-managing roles.
        let (s, _) = app
            .post(
                &key(owner),
                "membership/",
                &json!({"email": "api@example.com", "role_id": "admin"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, err) = app
            .post(
                &key(owner),
                "membership/",
                &json!({"email": "api@example.com", "role_id": "nope"}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(err["field-errors"]["role_id"].is_string());
        let (s, m) = app
            .post(
                &key(owner),
                "membership/",
                &json!({"email": "api@example.com", "role_id": "superuser"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{m}");
        assert_eq!(m["status"], "active");

        // Unknown memberships are not found; other workspaces' ids look the same.
        let (s, _) = app.get(&key(owner), "membership/memb_unknown/").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn deactivation_ends_access_at_once_and_reactivation_restores_it() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let owner = app.owner_key();
        let user = app.demo_member("user");
        let mid = user["membership_id"].as_str().unwrap().to_string();
        let email = user["email"].as_str().unwrap().to_string();
        let b = Browser::new(&app.url);
        b.sign_in(&email, "corral-demo").await;
        assert_eq!(b.get("/").await.0, StatusCode::OK);
        assert_eq!(app.get(&key(&user), "me/").await.0, StatusCode::OK);
        let (_, seats) = app.get(&owner, "seats/").await;
        let used = seats["seats_used"].as_i64().unwrap();

        // Close's DELETE deactivates.
        let (s, body) = app.delete(&owner, &format!("membership/{mid}/")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(body, json!({}));
        assert_eq!(
            app.get(&key(&user), "me/").await.0,
            StatusCode::UNAUTHORIZED
        );
        let (s, h, _) = b.get("/").await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert!(h[LOCATION].to_str().unwrap().starts_with("/login"));
        let (s, _, _) = Browser::new(&app.url).sign_in(&email, "corral-demo").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (_, seats) = app.get(&owner, "seats/").await;
        assert_eq!(seats["seats_used"].as_i64().unwrap(), used - 1);
        assert!(
            app.members("status=deactivated")
                .await
                .iter()
                .any(|m| m["id"] == mid.as_str())
        );
        // Deactivating twice is a clear conflict.
        let (s, err) = app.delete(&owner, &format!("membership/{mid}/")).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_close_error(&err);

        // Seat limit: reactivating past it is refused with 402 and changes nothing.
        let (s, _) = app
            .put(&owner, "seats/", &json!({"seat_limit": used - 1}))
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, err) = app
            .post(&owner, &format!("membership/{mid}/reactivate/"), &json!({}))
            .await;
        assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{err}");
        assert_close_error(&err);
        let (_, m) = app.get(&owner, &format!("membership/{mid}/")).await;
        assert_eq!(m["status"], "deactivated");
        let (s, _) = app
            .put(&owner, "seats/", &json!({"seat_limit": used - 5}))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "a limit below use is refused");
        let (s, _) = app
            .put(&owner, "seats/", &json!({"seat_limit": null}))
            .await;
        assert_eq!(s, StatusCode::OK);

        let (s, m) = app
            .post(&owner, &format!("membership/{mid}/reactivate/"), &json!({}))
            .await;
        assert_eq!(s, StatusCode::OK, "{m}");
        assert_eq!(m["status"], "active");
        assert_eq!(m["role_id"], "user", "everything as it was");
        let (s, _, _) = Browser::new(&app.url).sign_in(&email, "corral-demo").await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        // Revoked keys stay revoked: a leaked key does not come back with the member.
        assert_eq!(
            app.get(&key(&user), "me/").await.0,
            StatusCode::UNAUTHORIZED
        );

        // Only owners see or change seats.
        let (s, _) = app.get(&key(&app.demo_member("manager")), "seats/").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn removal_keeps_history_and_re_adding_restores_the_same_user() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let owner = app.owner_key();
        let ws = app.demo()["workspace_id"].as_str().unwrap().to_string();
        let user = app.demo_member("user");
        let mid = user["membership_id"].as_str().unwrap().to_string();
        let uid = user["user_id"].as_str().unwrap().to_string();
        let email = user["email"].as_str().unwrap().to_string();

        let (s, m) = app
            .post(&owner, &format!("membership/{mid}/remove/"), &json!({}))
            .await;
        assert_eq!(s, StatusCode::OK, "{m}");
        assert_eq!(m["status"], "removed");
        assert_eq!(
            m["groups"].as_array().unwrap().len(),
            1,
            "removed users stay in their groups"
        );
        let (_, org) = app.get(&owner, &format!("organization/{ws}/")).await;
        assert!(
            org["inactive_memberships"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["user_id"] == uid.as_str())
        );
        // The user still resolves by id (their name stays on their history).
        let (s, u) = app.get(&owner, &format!("user/{uid}/")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(u["email"], email.as_str());

        // Re-adding the same email (Close's POST /membership/) restores the same user id.
        let (s, m) = app
            .post(
                &owner,
                "membership/",
                &json!({"email": email.to_uppercase(), "role_id": "user"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{m}");
        assert_eq!(m["user_id"], uid.as_str());
        assert_eq!(m["id"], mid.as_str());
        assert_eq!(m["status"], "active");
        let (s, _, _) = Browser::new(&app.url).sign_in(&email, "corral-demo").await;
        assert_eq!(s, StatusCode::SEE_OTHER, "their own password still works");

        // Inviting a removed member again also reconnects the same user.
        let (s, _) = app
            .post(&owner, &format!("membership/{mid}/remove/"), &json!({}))
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, m) = app
            .post(
                &owner,
                "invitation/",
                &json!({"email": email, "role_id": "restricteduser"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{m}");
        assert_eq!(m["user_id"], uid.as_str());
        assert_eq!(m["status"], "invited");
    }
}

#[tokio::test]
async fn bulk_update_is_all_or_nothing_and_pinned_views_round_trip() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let owner = app.owner_key();
        let users: Vec<String> = app
            .members("role_id=user&status=active")
            .await
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect();
        assert!(users.len() >= 3);
        let ids = users[..3].join(",");
        let (s, v) = app
            .put(
                &owner,
                "membership/",
                &json!({"_params": {"id__in": ids}, "track_email_opens": false}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v, json!({"count": 3}));
        for id in &users[..3] {
            let (_, m) = app.get(&owner, &format!("membership/{id}/")).await;
            assert_eq!(m["track_email_opens"], false);
        }
        let bad = format!("{},memb_unknown", users[3]);
        let (s, _) = app
            .put(
                &owner,
                "membership/",
                &json!({"_params": {"id__in": bad}, "round_robin": false}),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, m) = app.get(&owner, &format!("membership/{}/", users[3])).await;
        assert_eq!(m["round_robin"], true, "nothing changed when one id failed");
        let (s, _) = app
            .put(&owner, "membership/", &json!({"track_email_opens": false}))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);

        let me = app.demo()["members"][0]["membership_id"]
            .as_str()
            .unwrap()
            .to_string();
        let (s, v) = app
            .put(
                &owner,
                &format!("membership/{me}/pinned_views/"),
                &json!({"saved_view_ids": ["save_b", "save_a"]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (_, v) = app
            .get(&owner, &format!("membership/{me}/pinned_views/"))
            .await;
        assert_eq!(v, json!({"saved_view_ids": ["save_b", "save_a"]}));
        let (s, _) = app
            .put(
                &owner,
                &format!("membership/{me}/pinned_views/"),
                &json!({"saved_view_ids": ["lead_x"]}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn every_change_is_audited_and_in_the_event_log() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let owner = app.owner_key();
        let user = app.demo_member("user");
        let mid = user["membership_id"].as_str().unwrap().to_string();
        let r = app
            .http
            .put(app.api(&format!("membership/{mid}/")))
            .basic_auth(&owner, Some(""))
            .json(&json!({"round_robin": false}))
            .send()
            .await
            .unwrap();
        let request_id = r.headers()["x-request-id"].to_str().unwrap().to_string();
        assert_eq!(r.status(), StatusCode::OK);
        app.delete(&owner, &format!("membership/{mid}/")).await;
        app.post(&owner, &format!("membership/{mid}/reactivate/"), &json!({}))
            .await;

        let (s, log) = app
            .get(&owner, &format!("audit_log/?object_id={mid}"))
            .await;
        assert_eq!(s, StatusCode::OK, "{log}");
        let actions: Vec<&str> = log["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            vec!["activated", "deactivated", "updated"],
            "newest first"
        );
        let upd = &log["data"][2];
        assert_eq!(upd["request_id"], request_id.as_str());
        assert_eq!(upd["user_id"], app.demo()["members"][0]["user_id"]);
        assert_eq!(upd["changed_fields"], json!(["round_robin"]));
        assert_eq!(upd["previous_data"]["round_robin"], true);
        assert_eq!(upd["data"]["round_robin"], false);

        // Close's event log: filters and cursor pages.
        let other = app.demo_member("restricteduser");
        let (s, ev) = app
            .get(
                &key(&other),
                "event/?object_type=membership&action=deactivated",
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            ev["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["object_id"] == mid.as_str())
        );
        let mut seen = 0;
        let mut cursor = String::new();
        loop {
            let (s, page) = app
                .get(
                    &owner,
                    &format!("event/?object_type=membership&_limit=1&_cursor={cursor}"),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{page}");
            seen += page["data"].as_array().unwrap().len();
            match page["cursor_next"].as_str() {
                Some(c) => {
                    cursor = c
                        .replace('+', "%2B")
                        .replace('|', "%7C")
                        .replace(':', "%3A")
                }
                None => break,
            }
        }
        assert_eq!(seen, 3);
        let (s, _) = app.get(&owner, "event/?_skip=10").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, _) = app.get(&owner, "event/?_cursor=garbage").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);

        // The audit log needs view_audit_log.
        let (s, _) = app.get(&key(&other), "audit_log/").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn users_page_is_for_member_admins_only_and_exports_rfc4180_csv() {
    let app = spawn_demo(engines()[0]).await;
    let user = app.demo_member("superuser");
    let b = Browser::new(&app.url);
    b.sign_in(user["email"].as_str().unwrap(), "corral-demo")
        .await;
    let (s, _, html) = b.get("/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        !html.contains("/settings/users"),
        "no Users link without manage_users"
    );
    let (s, _, _) = b.get("/settings/users").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = b.get("/settings/users/export.csv").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let admin = Browser::new(&app.url);
    admin
        .sign_in(
            app.demo()["members"][0]["email"].as_str().unwrap(),
            "corral-demo",
        )
        .await;
    let (_, _, html) = admin.get("/").await;
    assert!(html.contains("/settings/users"));
    let (s, _, html) = admin.get("/settings/users?view=all&q=castillo").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("carmen.castillo@acme-demo.test"));
    assert!(
        !html.contains("blake.bauer@acme-demo.test"),
        "search narrows the list"
    );

    // A name with a comma and a quote must survive CSV quoting.
    let owner = app.owner_key();
    let (s, _) = app
        .post(&owner, "membership/add/", &json!({"email": "q@example.com", "role_id": "user", "first_name": "Quinn \"Q\"", "last_name": "O'Neil, Jr.", "password": "long-enough"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, h, csv) = admin.get("/settings/users/export.csv?view=all").await;
    assert_eq!(s, StatusCode::OK);
    assert!(h["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "name,email,role,status,groups,round_robin,last_active,date_added"
    );
    assert!(
        csv.contains("\"Quinn \"\"Q\"\" O'Neil, Jr.\",q@example.com,User,active"),
        "{csv}"
    );
    assert!(
        csv.contains(",pending,"),
        "pending invitations are exported as pending"
    );
    assert_eq!(csv.lines().count(), 1 + 27);
}

#[tokio::test]
async fn organization_removal_is_owner_only_and_an_owner_always_remains() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let owner = app.owner_key();
        let d = app.demo();
        let owner_uid = d["members"][0]["user_id"].as_str().unwrap().to_string();
        let admin2 = &d["members"][1];
        let user = app.demo_member("user");
        let uid = user["user_id"].as_str().unwrap().to_string();

        // Workspace admins who are not owners cannot do it.
        let (s, _) = app
            .delete(&key(admin2), &format!("account/member/{uid}/"))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // The last owner cannot step down or be removed.
        let (s, err) = app
            .put(
                &owner,
                &format!("account/member/{owner_uid}/"),
                &json!({"org_role": "member"}),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{err}");
        let (s, _) = app
            .delete(&owner, &format!("account/member/{owner_uid}/"))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        let (s, v) = app.delete(&owner, &format!("account/member/{uid}/")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["memberships_ended"], 1);
        let (_, m) = app
            .get(
                &owner,
                &format!("membership/{}/", user["membership_id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(m["status"], "removed");
        assert_eq!(
            app.get(&key(&user), "me/").await.0,
            StatusCode::UNAUTHORIZED
        );

        // A second owner can be made; then the first may step down.
        let admin2_uid = admin2["user_id"].as_str().unwrap();
        let (s, _) = app
            .put(
                &owner,
                &format!("account/member/{admin2_uid}/"),
                &json!({"org_role": "owner"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = app
            .put(
                &owner,
                &format!("account/member/{owner_uid}/"),
                &json!({"org_role": "member"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = app.get(&owner, "seats/").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "no longer an owner");
        let (s, _) = app.get(&key(admin2), "seats/").await;
        assert_eq!(s, StatusCode::OK);
    }
}
