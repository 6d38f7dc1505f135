//! API v1 basics in Close's wire shape: /me/, /organization/{id}/, /user/, paging, _fields,
//! errors, and the OpenAPI document.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_close_error, engines, spawn_app, spawn_demo};

#[tokio::test]
async fn me_organization_and_users_in_close_shape() {
    for engine in engines() {
        let app = spawn_app(engine).await;
        let (key, ws) = app.setup_owner().await;

        let (s, me) = app.get(&key, "me/").await;
        assert_eq!(s, StatusCode::OK, "{engine:?} {me}");
        assert!(me["id"].as_str().unwrap().starts_with("user_"));
        assert_eq!(me["email"], "olive@example.com");
        assert_eq!(me["memberships"][0]["organization_id"], ws.as_str());
        assert_eq!(me["memberships"][0]["role_id"], "admin");
        let perms = me["memberships"][0]["permissions_granted"]
            .as_array()
            .unwrap();
        assert!(perms.iter().any(|p| p == "manage_organization"));
        assert_eq!(me["organizations"][0]["id"], ws.as_str());
        assert!(
            me["image"]
                .as_str()
                .unwrap()
                .starts_with("data:image/svg+xml")
        );
        // Close's timestamp form: microseconds and an explicit offset.
        let created = me["date_created"].as_str().unwrap();
        assert!(
            created.ends_with("+00:00")
                && created.len() == "2026-01-01T00:00:00.000000+00:00".len(),
            "{created}"
        );

        // Without the trailing slash too.
        let (s, _) = app.get(&key, "me").await;
        assert_eq!(s, StatusCode::OK);

        let (s, org) = app.get(&key, &format!("organization/{ws}/")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(org["name"], "Test Sales");
        assert_eq!(org["memberships"].as_array().unwrap().len(), 1);
        assert_eq!(org["memberships"][0]["user_email"], "olive@example.com");
        assert_eq!(org["memberships"][0]["user_full_name"], "Olive Owner");
        assert!(org["inactive_memberships"].as_array().unwrap().is_empty());

        let (s, org) = app
            .get(
                &key,
                &format!("organization/{ws}/?_expand=memberships__user&_fields=id,memberships"),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(org.as_object().unwrap().len(), 2, "{org}");
        assert_eq!(org["memberships"][0]["user"]["email"], "olive@example.com");

        let (s, err) = app.get(&key, "organization/orga_doesnotexist/").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_close_error(&err);

        let (s, users) = app.get(&key, "user/").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(users["data"].as_array().unwrap().len(), 1);
        assert_eq!(users["has_more"], false);
        let uid = users["data"][0]["id"].as_str().unwrap().to_string();
        assert_eq!(users["data"][0]["organizations"][0], ws.as_str());

        let (s, u) = app
            .get(&key, &format!("user/{uid}/?_fields=id,email"))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(u, json!({"id": uid, "email": "olive@example.com"}));
        let (s, _) = app.get(&key, "user/user_nobody/").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn paging_walks_every_user_once() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let key = app.demo_member("admin")["api_key"]
            .as_str()
            .unwrap()
            .to_string();
        let mut seen = Vec::new();
        let mut skip = 0;
        loop {
            let (s, page) = app.get(&key, &format!("user/?_skip={skip}&_limit=7")).await;
            assert_eq!(s, StatusCode::OK, "{page}");
            let data = page["data"].as_array().unwrap();
            seen.extend(data.iter().map(|u| u["id"].as_str().unwrap().to_string()));
            skip += data.len();
            if page["has_more"] == false {
                break;
            }
        }
        // 26 demo people, one of whom is only invited (pending users are not users yet).
        assert_eq!(seen.len(), 25, "{engine:?}");
        let mut dedup = seen.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), seen.len());

        let (s, err) = app.get(&key, "user/?_limit=1000").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_close_error(&err);
        assert!(err["field-errors"]["_limit"].is_string());
        let (s, err) = app.get(&key, "user/?_skip=100000").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(
            err["error"].as_str().unwrap().contains("max_skip = "),
            "{err}"
        );
        let (s, _) = app.get(&key, "user/?_skip=abc").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, _) = app.get(&key, "user/?_order_by=email").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, page) = app
            .get(&key, "user/?_order_by=first_name,last_name&_limit=2")
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(page["data"][0]["first_name"], "Avery");
    }
}

#[tokio::test]
async fn workspace_update_needs_manage_organization_and_valid_input() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let ws = app.demo()["workspace_id"].as_str().unwrap().to_string();
        let admin = app.demo_member("admin")["api_key"]
            .as_str()
            .unwrap()
            .to_string();
        let user = app.demo_member("user")["api_key"]
            .as_str()
            .unwrap()
            .to_string();
        let path = format!("organization/{ws}/");

        let (s, err) = app.put(&user, &path, &json!({"name": "Hijacked"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_close_error(&err);

        let (s, err) = app
            .put(&admin, &path, &json!({"currency": "dollars"}))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(err["field-errors"]["currency"].is_string(), "{err}");
        let (s, err) = app.put(&admin, &path, &json!({"name": ""})).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(err["field-errors"]["name"].is_string(), "{err}");
        let (s, err) = app.put(&admin, &path, &json!({"plan_type": "free"})).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(err["field-errors"]["plan_type"].is_string(), "{err}");
        let r = app
            .http
            .put(app.api(&path))
            .basic_auth(&admin, Some(""))
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);

        // Nothing changed by any of that.
        let (_, org) = app.get(&admin, &path).await;
        assert_eq!(org["name"], "Acme Sales");
        assert_eq!(org["currency"], "USD");

        let (s, org) = app
            .put(
                &admin,
                &path,
                &json!({"name": "Acme West", "currency": "eur"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{org}");
        assert_eq!(org["name"], "Acme West");
        assert_eq!(org["currency"], "EUR");
        assert_eq!(org["currency_symbol"], "€");
        // Deactivated and removed members are listed as inactive, invitees in neither list.
        assert_eq!(org["inactive_memberships"].as_array().unwrap().len(), 2);
        assert_eq!(org["memberships"].as_array().unwrap().len(), 23);
    }
}

#[tokio::test]
async fn authentication_errors_are_close_shaped() {
    let app = spawn_app(engines()[0]).await;
    let (key, _) = app.setup_owner().await;

    let r = app.http.get(app.api("me/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get("www-authenticate").is_some());
    let (_, body) = crate::helpers::decode(r).await;
    assert_close_error(&body);

    let (s, body) = app.get("api_wrong.key", "me/").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_close_error(&body);

    let r = app
        .http
        .get(app.api("me/"))
        .bearer_auth("token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    let (s, body) = app.get(&key, "no_such_thing/").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_close_error(&body);

    let r = app
        .http
        .delete(app.api("me/"))
        .basic_auth(&key, Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let (_, body) = crate::helpers::decode(r).await;
    assert_close_error(&body);
}

#[tokio::test]
async fn openapi_document_covers_every_route() {
    let app = spawn_app(engines()[0]).await;
    let (key, ws) = app.setup_owner().await;
    let r = app
        .http
        .get(format!("{}/api/openapi.json", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc: serde_json::Value = r.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for op in corral_api::openapi::OPERATIONS {
        let entry = &paths[op.path][op.method];
        assert_eq!(entry["operationId"], op.id);
        // Each documented operation exists: calling it never answers 404-for-route or 405.
        let path = op
            .path
            .replace(
                "{id}",
                if op.path.contains("organization") {
                    &ws
                } else {
                    "x_unknown"
                },
            )
            .replace("{user_id}", "user_x")
            .replace("{object_type}", "lead")
            .replace("{kind}", "note");
        assert!(!path.contains('{'), "unfilled path parameter in {path}");
        let url = format!("{}{}", app.url, path);
        let req = match op.method {
            "get" => app.http.get(&url),
            "put" => app.http.put(&url).json(&json!({})),
            "post" => app.http.post(&url).json(&json!({})),
            "delete" => app.http.delete(&url),
            m => panic!("method {m}"),
        };
        let resp = req.basic_auth(&key, Some("")).send().await.unwrap();
        assert_ne!(
            resp.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{} {}",
            op.method,
            op.path
        );
        let body: serde_json::Value = resp.json().await.unwrap_or_default();
        assert!(
            !body["error"]
                .as_str()
                .unwrap_or("")
                .contains("no such API endpoint"),
            "{} {}",
            op.method,
            op.path
        );
    }
}

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app(engines()[0]).await;
    let r = app
        .http
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .http
        .get(format!("{}/readyz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()
            .get("x-request-id")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("req_")
    );
}
