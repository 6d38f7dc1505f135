//! First-run setup, sign-in, CSRF, throttling, sign-out and API keys made in the UI.

use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};

use crate::helpers::{Browser, engines, spawn_app};

fn setup_form<'a>(
    csrf: &'a str,
    token: &'a str,
    email: &'a str,
    password: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("token", token),
        ("organization_name", "Prairie Homes"),
        ("workspace_name", "Brokerage"),
        ("first_name", "Pat"),
        ("last_name", "Prairie"),
        ("email", email),
        ("password", password),
    ]
}

#[tokio::test]
async fn first_run_setup_link_creates_org_and_signs_owner_in() {
    for engine in engines() {
        let app = spawn_app(engine).await;
        let link = app
            .running
            .setup_url
            .clone()
            .expect("setup link printed on an empty database");
        let path = link.strip_prefix(&app.url).unwrap().to_string();
        let token = path.split("token=").nth(1).unwrap().to_string();
        let b = Browser::new(&app.url);

        // Before setup, the login page explains what to do.
        let (_, _, html) = b.get("/login").await;
        assert!(html.contains("not set up yet"));

        let (s, _, html) = b.get(&path).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Create organization"));
        let csrf = b.cookie("corral_csrf").unwrap();

        // Bad input: a short password re-shows the form with the reason and creates nothing.
        let (s, _, html) = b
            .post_form(
                "/setup",
                &setup_form(&csrf, &token, "pat@prairie.example", "short"),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(html.contains("at least 8 characters"));
        assert!(app.running.services.needs_setup().await.unwrap());
        // A forged form without the CSRF token is refused.
        let (s, _, _) = b
            .post_form(
                "/setup",
                &setup_form("forged", &token, "pat@prairie.example", "long enough"),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(app.running.services.needs_setup().await.unwrap());

        let (s, h, _) = b
            .post_form(
                "/setup",
                &setup_form(&csrf, &token, "pat@prairie.example", "long enough"),
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(h[LOCATION], "/");
        let cookie = h
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with("corral_session="))
            .unwrap();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );

        let (s, _, html) = b.get("/").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Welcome, Pat"));
        assert!(html.contains("Brokerage"));

        // The link is single-use.
        let other = Browser::new(&app.url);
        let (s, _, html) = other.get(&path).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(html.contains("expired or was already used"));
        let (s, _, _) = other.get("/setup?token=made-up").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn sign_in_wrong_password_throttling_and_sign_out() {
    for engine in engines() {
        let app = spawn_app(engine).await;
        app.setup_owner().await;
        let b = Browser::new(&app.url);

        // Pages need a session.
        let (s, h, _) = b.get("/").await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(h[LOCATION], "/login");

        // No CSRF token: refused before the password is even checked.
        let (s, _, _) = b
            .post_form(
                "/login",
                &[
                    ("email", "olive@example.com"),
                    ("password", "owner-password"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        let (s, _, html) = b.sign_in("olive@example.com", "wrong-password").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert!(html.contains("email address or password is incorrect"));
        assert!(b.cookie("corral_session").is_none());
        let (s, _, html) = b.sign_in("not-an-email", "x").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(html.contains("not a valid email address"));

        // Email is matched case-insensitively.
        let (s, h, _) = b.sign_in("OLIVE@Example.com", "owner-password").await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}");
        assert_eq!(h[LOCATION], "/");
        let (s, _, html) = b.get("/").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Welcome, Olive"));

        // The session also authenticates the API for the UI's own scripts.
        let session = b.cookie("corral_session").unwrap();
        let r = app
            .http
            .get(app.api("me/"))
            .header("cookie", format!("corral_session={session}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        // …but a change through it needs the CSRF header.
        let ws = app
            .running
            .services
            .authenticate_session(&session)
            .await
            .unwrap()
            .workspace_id;
        let r = app
            .http
            .put(app.api(&format!("organization/{ws}/")))
            .header("cookie", format!("corral_session={session}"))
            .json(&serde_json::json!({"name": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);

        // Sign out ends the session on the server, not just in the browser.
        let csrf = b.cookie("corral_csrf").unwrap();
        let (s, h, _) = b.post_form("/logout", &[("csrf", &csrf)]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert!(h[LOCATION].to_str().unwrap().starts_with("/login"));
        let r = app
            .http
            .get(format!("{}/", app.url))
            .header("cookie", format!("corral_session={session}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);

        // Five failures lock the address for a while, even with the right password.
        let t = Browser::new(&app.url);
        for _ in 0..5 {
            let (s, _, _) = t.sign_in("olive@example.com", "guess").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        let (s, h, html) = t.sign_in("olive@example.com", "owner-password").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert!(h.get("retry-after").is_some());
        assert!(html.contains("Too many failed sign-in attempts"));
    }
}

#[tokio::test]
async fn api_key_made_in_the_ui_is_shown_once_and_works() {
    let app = spawn_app(engines()[0]).await;
    app.setup_owner().await;
    let b = Browser::new(&app.url);
    b.sign_in("olive@example.com", "owner-password").await;
    let csrf = b.cookie("corral_csrf").unwrap();
    let (s, _, html) = b
        .post_form(
            "/settings/api-keys",
            &[("csrf", &csrf), ("name", "Reporting")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let start = html.find("id=\"new-api-key\">").unwrap() + "id=\"new-api-key\">".len();
    let secret = &html[start..start + html[start..].find('<').unwrap()];
    assert!(secret.starts_with("api_"));
    let (s, me) = app.get(secret, "me/").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["email"], "olive@example.com");
    // Listed afterwards without the secret.
    let (_, _, html) = b.get("/settings/api-keys").await;
    assert!(html.contains("Reporting"));
    assert!(!html.contains(secret));
    // An empty name is refused with a reason.
    let (s, _, html) = b
        .post_form("/settings/api-keys", &[("csrf", &csrf), ("name", "  ")])
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(html.contains("Give the key a name"));
}
