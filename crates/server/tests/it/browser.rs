//! Browser tests: a real headless Chromium driven through ChromeDriver's WebDriver protocol.
//! Screenshots land in the test target directory (`screenshots/`).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::helpers::{engines, spawn_app};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_binary(var: &str, candidates: &[&str]) -> Option<String> {
    if let Ok(v) = std::env::var(var) {
        return Some(v);
    }
    candidates
        .iter()
        .find(|c| std::path::Path::new(c).exists())
        .map(|c| c.to_string())
}

/// A WebDriver session on a headless Chromium; ends both when dropped.
pub struct Chrome {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    profile: std::path::PathBuf,
}

impl Drop for Chrome {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Chrome {
    /// Starts ChromeDriver and a browser, or returns None (outside CI) when they are not
    /// installed. In CI a missing browser fails the test.
    pub async fn start() -> Option<Chrome> {
        let chromium = find_binary(
            "CORRAL_CHROMIUM",
            &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
        );
        let driver = find_binary("CORRAL_CHROMEDRIVER", &["/usr/bin/chromedriver"]);
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            assert!(
                !corral_store::testing::postgres_required(),
                "CI must run browser tests: install chromium and chromium-driver"
            );
            eprintln!(
                "note: chromium/chromedriver not installed; browser test skipped (the README's test command installs them)"
            );
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let http = crate::helpers::client();
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = corral_store::testing::temp_dir("chrome");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--no-first-run", "--disable-quic", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", "--window-size=1280,860",
                         format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let mut chrome = Chrome {
            driver: child,
            base,
            session: String::new(),
            http,
            profile,
        };
        let v = chrome.call("POST", "/session", Some(caps)).await;
        chrome.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        Some(chrome)
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{}", self.base, path);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or(json!({}))),
        };
        let v: Value = req
            .send()
            .await
            .expect("webdriver")
            .json()
            .await
            .expect("webdriver json");
        v["value"].clone()
    }

    pub fn s(&self, rest: &str) -> String {
        format!("/session/{}{}", self.session, rest)
    }

    pub async fn goto(&self, url: &str) {
        self.call("POST", &self.s("/url"), Some(json!({"url": url})))
            .await;
    }

    /// The element matching `css`, waiting up to five seconds for it to appear (pages load
    /// after clicks asynchronously).
    pub async fn find(&self, css: &str) -> String {
        let mut last = Value::Null;
        for _ in 0..100 {
            let v = self
                .call(
                    "POST",
                    &self.s("/element"),
                    Some(json!({"using": "css selector", "value": css})),
                )
                .await;
            if let Some(id) = v[ELEMENT].as_str() {
                return id.to_string();
            }
            last = v["message"].clone();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let source = self.call("GET", &self.s("/source"), None).await;
        let url = self.current_url().await;
        panic!(
            "no element {css} on {url}: {last}\n{}",
            source
                .as_str()
                .unwrap_or("")
                .chars()
                .take(3000)
                .collect::<String>()
        )
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.call("POST", &self.s(&format!("/element/{el}/clear")), None)
            .await;
        self.call(
            "POST",
            &self.s(&format!("/element/{el}/value")),
            Some(json!({"text": text})),
        )
        .await;
    }

    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.call("POST", &self.s(&format!("/element/{el}/click")), None)
            .await;
    }

    pub async fn text(&self, css: &str) -> String {
        let el = self.find(css).await;
        self.call("GET", &self.s(&format!("/element/{el}/text")), None)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// Drags the element matching `from` onto the one matching `to` with real pointer input
    /// (press, move in steps, release), as a person with a mouse would.
    pub async fn drag(&self, from: &str, to: &str) {
        let a = self.find(from).await;
        let b = self.find(to).await;
        let origin = |id: &str| json!({ELEMENT: id});
        let actions = json!({"actions": [{
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
            "actions": [
                {"type": "pointerMove", "duration": 0, "origin": origin(&a), "x": 0, "y": 0},
                {"type": "pointerDown", "button": 0},
                {"type": "pause", "duration": 100},
                {"type": "pointerMove", "duration": 150, "origin": origin(&a), "x": 20, "y": 10},
                {"type": "pointerMove", "duration": 300, "origin": origin(&b), "x": 0, "y": 20},
                {"type": "pointerMove", "duration": 100, "origin": origin(&b), "x": 2, "y": 22},
                {"type": "pointerUp", "button": 0}
            ]
        }]});
        self.call("POST", &self.s("/actions"), Some(actions)).await;
        self.call("DELETE", &self.s("/actions"), None).await;
    }

    /// Waits up to five seconds for the element matching `css` to hold `needle` (after a
    /// form post the old page may still be showing), and returns its text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        let mut last = String::new();
        for _ in 0..100 {
            if self.count(css).await > 0 {
                last = self.text(css).await;
                if last.contains(needle) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{css} never said {needle:?}; last: {last:?}")
    }

    /// Accepts an open `confirm()` dialog.
    pub async fn accept_alert(&self) {
        self.call("POST", &self.s("/alert/accept"), None).await;
    }

    pub async fn count(&self, css: &str) -> usize {
        let v = self
            .call(
                "POST",
                &self.s("/elements"),
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v.as_array().map(Vec::len).unwrap_or(0)
    }

    /// Waits up to `ms` for `count(css) == n`.
    pub async fn wait_count(&self, css: &str, n: usize, ms: u64) -> bool {
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(ms) {
            if self.count(css).await == n {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// Signs in through the login page and waits until the app's home page is shown.
    pub async fn sign_in(&self, base: &str, email: &str, password: &str) {
        self.goto(&format!("{base}/login")).await;
        self.type_into("#email", email).await;
        self.type_into("#password", password).await;
        self.click("#sign-in").await;
        self.find("#signed-in-as").await;
    }

    /// Waits up to five seconds for the page URL to satisfy `ok`, then returns it.
    pub async fn wait_url(&self, ok: impl Fn(&str) -> bool) -> String {
        let mut url = String::new();
        for _ in 0..100 {
            url = self.current_url().await;
            if ok(&url) {
                return url;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the page stayed at {url}");
    }

    pub async fn current_url(&self) -> String {
        self.call("GET", &self.s("/url"), None)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// Saves a PNG screenshot under the test target directory and returns its path.
    pub async fn screenshot(&self, name: &str) -> std::path::PathBuf {
        let v = self.call("GET", &self.s("/screenshot"), None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap();
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }
}

#[tokio::test]
async fn browser_signs_in_through_the_login_page() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = spawn_app(engines()[0]).await;
    app.setup_owner().await;

    chrome.goto(&format!("{}/", app.url)).await;
    chrome.wait_url(|u| u.ends_with("/login")).await;
    chrome.type_into("#email", "olive@example.com").await;
    chrome.type_into("#password", "not-the-password").await;
    chrome.click("#sign-in").await;
    assert!(chrome.text("#login-error").await.contains("incorrect"));
    chrome.screenshot("login-error").await;

    chrome.type_into("#password", "owner-password").await;
    chrome.click("#sign-in").await;
    let home = format!("{}/", app.url);
    chrome.wait_url(|u| u == home).await;
    assert_eq!(chrome.text("#workspace-name").await, "Test Sales");
    assert_eq!(chrome.text("#signed-in-as").await, "Olive Owner");
    let shot = chrome.screenshot("home").await;
    assert!(std::fs::metadata(&shot).unwrap().len() > 1000);

    chrome.click("#logout").await;
    chrome.wait_url(|u| u.contains("/login")).await;
    chrome.goto(&format!("{}/", app.url)).await;
    chrome.wait_url(|u| u.contains("/login")).await;
}

#[tokio::test]
async fn browser_invite_accept_appears_active_then_deactivate_ends_the_session() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = crate::helpers::spawn_demo(engines()[0]).await;
    let owner = app.demo()["members"][0].clone();
    let owner_email = owner["email"].as_str().unwrap().to_string();
    let owner_key = owner["api_key"].as_str().unwrap().to_string();

    // The admin invites someone from the Users page.
    chrome.sign_in(&app.url, &owner_email, "corral-demo").await;
    chrome.goto(&format!("{}/settings/users", app.url)).await;
    chrome.click("#open-invite").await;
    chrome
        .type_into("#invite-email", "ivy.invitee@example.com")
        .await;
    chrome.click("#send-invite").await;
    assert!(
        chrome
            .text("#users-notice")
            .await
            .contains("Invitation sent to ivy.invitee@example.com")
    );
    chrome
        .goto(&format!("{}/settings/users?view=invited", app.url))
        .await;
    assert_eq!(
        chrome
            .count("tr[data-email='ivy.invitee@example.com'] [data-status='invited']")
            .await,
        1
    );
    chrome.screenshot("users-pending").await;

    // No mail server here: the link waits in the outbox, readable by admins.
    let (_, out) = app.get(&owner_key, "outbox/").await;
    let body = out["data"][0]["body_text"].as_str().unwrap().to_string();
    let link = body[body.find("http://").unwrap()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();

    // The invitee accepts in the browser and lands in the app.
    chrome.click("#logout").await;
    chrome.find("#sign-in").await;
    chrome.goto(&link).await;
    chrome.type_into("#first_name", "Ivy").await;
    chrome.type_into("#last_name", "Invitee").await;
    chrome.type_into("#password", "ivy-password").await;
    chrome.click("#accept-invitation").await;
    let home = format!("{}/", app.url);
    chrome.wait_url(|u| u == home).await;
    assert_eq!(chrome.text("#signed-in-as").await, "Ivy Invitee");
    chrome.click("#logout").await;
    chrome.find("#sign-in").await;

    // Back as the admin: Ivy is active, and a colleague's presence shows within a second.
    chrome.sign_in(&app.url, &owner_email, "corral-demo").await;
    chrome.goto(&format!("{}/settings/users", app.url)).await;
    assert_eq!(
        chrome
            .count("tr[data-email='ivy.invitee@example.com'] [data-status='active']")
            .await,
        1
    );
    let victim = app.demo_member("restricteduser");
    let victim_uid = victim["user_id"].as_str().unwrap().to_string();
    let victim_browser = crate::helpers::Browser::new(&app.url);
    victim_browser
        .sign_in(victim["email"].as_str().unwrap(), "corral-demo")
        .await;
    let session = victim_browser.cookie("corral_session").unwrap();
    let online = format!(".dot.online[data-user-id='{victim_uid}']");
    assert_eq!(chrome.count(&online).await, 0);
    let stream = crate::helpers::client()
        .get(format!("{}/events/presence", app.url))
        .header("cookie", format!("corral_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), reqwest::StatusCode::OK);
    assert!(
        chrome.wait_count(&online, 1, 1000).await,
        "presence dot turned green within a second"
    );
    chrome.screenshot("users-presence").await;
    drop(stream);
    assert!(
        chrome.wait_count(&online, 0, 3000).await,
        "presence dot went grey when the page closed"
    );

    // The admin deactivates them from the list; their session stops working at once.
    assert_eq!(victim_browser.get("/").await.0, reqwest::StatusCode::OK);
    chrome
        .click(&format!(
            "tr[data-email='{}'] [data-action='deactivate']",
            victim["email"].as_str().unwrap()
        ))
        .await;
    chrome.accept_alert().await;
    assert!(
        chrome
            .text("#users-notice")
            .await
            .contains("was deactivated")
    );
    let (status, headers, _) = victim_browser.get("/").await;
    assert_eq!(status, reqwest::StatusCode::SEE_OTHER);
    assert!(headers["location"].to_str().unwrap().starts_with("/login"));
    chrome
        .goto(&format!("{}/settings/users?view=deactivated", app.url))
        .await;
    assert_eq!(
        chrome
            .count(&format!(
                "tr[data-email='{}']",
                victim["email"].as_str().unwrap()
            ))
            .await,
        1
    );
    chrome.screenshot("users-deactivated").await;
}

#[tokio::test]
async fn browser_creates_a_custom_role_and_assigns_it() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = crate::helpers::spawn_demo(engines()[0]).await;
    let owner = app.demo()["members"][0].clone();
    let owner_key = owner["api_key"].as_str().unwrap().to_string();
    chrome
        .sign_in(&app.url, owner["email"].as_str().unwrap(), "corral-demo")
        .await;
    chrome.goto(&format!("{}/settings/roles", app.url)).await;
    assert_eq!(chrome.count("#roles-table tbody tr").await, 5);
    chrome.click("#new-role").await;
    chrome.type_into("#role-name", "Field Agent").await;
    // The form starts from "see every lead" and calling; add export, drop nothing else.
    chrome.click("#perm-export").await;
    chrome.screenshot("role-new").await;
    chrome.click("#save-role").await;
    assert!(chrome.text("#role-notice").await.contains("Role created"));
    let url = chrome.current_url().await;
    let role_id = url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    assert!(role_id.starts_with("role_"), "{url}");

    // Assign it to a member from their edit page.
    let target = app.demo_member("restricteduser");
    chrome
        .goto(&format!(
            "{}/settings/users/{}",
            app.url,
            target["membership_id"].as_str().unwrap()
        ))
        .await;
    chrome
        .click(&format!("#role_id option[value='{role_id}']"))
        .await;
    chrome.click("#save-user").await;
    assert!(chrome.text("#edit-notice").await.contains("Saved"));
    let (_, m) = app
        .get(
            &owner_key,
            &format!("membership/{}/", target["membership_id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(m["role_id"], role_id.as_str());
    assert_eq!(m["role_name"], "Field Agent");
    let mut perms: Vec<String> = m["permissions_granted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    perms.sort();
    assert_eq!(perms, vec!["calling", "export", "view_all_leads"]);

    chrome
        .goto(&format!("{}/settings/roles/{role_id}", app.url))
        .await;
    // Demo emails are first.last@…; the holder list shows "First Last (status)".
    let first = target["email"]
        .as_str()
        .unwrap()
        .split('.')
        .next()
        .unwrap()
        .to_string();
    let first = first[..1].to_uppercase() + &first[1..];
    let holders = chrome.text("#role-holders").await;
    assert!(
        holders.contains(&first) && holders.contains("(active)"),
        "{holders}"
    );
    chrome.screenshot("role-holders").await;

    // Previewing an edit shows who would lose how many leads, and saves nothing.
    for i in 0..3 {
        app.post(
            &owner_key,
            "lead/",
            &json!({"name": format!("Preview {i}")}),
        )
        .await;
    }
    chrome.click("#perm-view_all_leads").await;
    chrome.click("#preview-role").await;
    let preview = chrome.wait_text("#role-preview", &first).await;
    assert!(preview.contains("−3"), "{preview}");
    assert!(
        chrome
            .text("#role-notice")
            .await
            .contains("Nothing is saved yet"),
        "{preview}"
    );
    chrome.screenshot("role-preview").await;
    let (_, role) = app.get(&owner_key, &format!("role/{role_id}/")).await;
    assert!(
        role["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("view_all_leads")),
        "{role}"
    );
}

#[tokio::test]
async fn browser_browses_the_demo_leads() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = crate::helpers::spawn_with(
        engines()[0],
        crate::helpers::Options {
            demo: true,
            demo_leads: 120,
            ..Default::default()
        },
    )
    .await;
    let owner = app.demo()["members"][0].clone();
    chrome
        .sign_in(&app.url, owner["email"].as_str().unwrap(), "corral-demo")
        .await;
    chrome.goto(&format!("{}/leads", app.url)).await;
    assert!(chrome.text("#lead-count").await.starts_with("120 lead(s)"));
    assert_eq!(chrome.count("#leads-table tbody tr").await, 50);
    chrome.screenshot("leads").await;
    chrome.click("#next-page").await;
    chrome.wait_url(|u| u.contains("skip=50")).await;
    chrome
        .click("#leads-table tbody tr:first-child td:nth-child(2) a")
        .await;
    chrome.wait_url(|u| u.contains("/leads/lead_")).await;
    assert!(!chrome.text("#lead-name").await.is_empty());
    assert_eq!(chrome.count("#contacts-table tbody tr").await, 1);
    chrome.screenshot("lead").await;

    // A lead's page shows its opportunities, tasks, activity timeline with authors and its
    // history.
    let owner_key = owner["api_key"].as_str().unwrap().to_string();
    let seller = app.demo_member("user");
    let (_, lead) = app
        .post(&owner_key, "lead/", &json!({"name": "Timeline Co"}))
        .await;
    let lead_id = lead["id"].as_str().unwrap().to_string();
    app.post(
        &owner_key,
        "opportunity/",
        &json!({"lead_id": lead_id, "value": 120000, "note": "Annual plan"}),
    )
    .await;
    app.post(
        &owner_key,
        "task/",
        &json!({"lead_id": lead_id, "text": "Send the contract", "assigned_to": seller["user_id"], "date": "2026-12-10"}),
    )
    .await;
    let (s, note) = app
        .post(
            &crate::helpers::key(&seller),
            "activity/note/",
            &json!({"lead_id": lead_id, "note": "They want a pilot first"}),
        )
        .await;
    assert!(s.is_success(), "{note}");
    app.put(
        &owner_key,
        &format!("lead/{lead_id}/"),
        &json!({"description": "Met at the fair"}),
    )
    .await;
    chrome.goto(&format!("{}/leads/{lead_id}", app.url)).await;
    assert!(
        chrome
            .text("#lead-opportunities")
            .await
            .contains("Annual plan")
    );
    assert!(chrome.text("#lead-opportunities").await.contains("$1200"));
    assert!(
        chrome
            .text("#lead-tasks")
            .await
            .contains("Send the contract")
    );
    let timeline = chrome.text("#lead-timeline").await;
    assert!(
        timeline.contains("They want a pilot first")
            && timeline.contains(note["user_name"].as_str().unwrap()),
        "{timeline}"
    );
    let history = chrome.text("#lead-history").await;
    assert!(
        history.contains("Lead created")
            && history.contains("Lead updated")
            && history.contains("description")
            && history.contains("Opportunity created")
            && history.contains("Task created")
            && history.contains("Note created"),
        "{history}"
    );
    chrome.screenshot("lead-timeline").await;

    // A duplicate is offered for merging; merging lands on the lead that stays, with both
    // leads' contacts.
    let (_, keep) = app
        .post(
            &owner_key,
            "lead/",
            &json!({"name": "Dupli Co", "contacts": [{"name": "Kim"}]}),
        )
        .await;
    let (_, dup) = app
        .post(
            &owner_key,
            "lead/",
            &json!({"name": "Dupli Co (old list)", "contacts": [{"name": "Lee"}]}),
        )
        .await;
    let (keep, dup) = (
        keep["id"].as_str().unwrap().to_string(),
        dup["id"].as_str().unwrap().to_string(),
    );
    chrome.goto(&format!("{}/leads/{dup}", app.url)).await;
    assert!(chrome.text("#lead-duplicates").await.contains("Dupli Co"));
    chrome
        .click(&format!(".merge-into[data-into='{keep}']"))
        .await;
    chrome.accept_alert().await;
    chrome.wait_url(|u| u.contains(&keep)).await;
    assert_eq!(chrome.count("#contacts-table tbody tr").await, 2);
    let (s, _) = app.get(&owner_key, &format!("lead/{dup}/")).await;
    assert_eq!(s.as_u16(), 404);
}

#[tokio::test]
async fn browser_owner_creates_a_scim_token_that_provisions_and_sees_the_activity() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = crate::helpers::spawn_demo(engines()[0]).await;
    let owner = app.demo()["members"][0].clone();
    chrome
        .sign_in(&app.url, owner["email"].as_str().unwrap(), "corral-demo")
        .await;
    chrome.goto(&format!("{}/settings/scim", app.url)).await;
    assert_eq!(
        chrome.text("#scim-base-url").await,
        format!("{}/scim/v2", app.url)
    );
    chrome
        .type_into("#scim-token-name", "Okta production")
        .await;
    chrome.click("#create-scim-token").await;
    let token = chrome.text("#new-scim-token").await;
    assert!(token.starts_with("scim_"), "{token}");
    // The token provisions a member.
    let r = app
        .http
        .post(format!("{}/scim/v2/Users", app.url))
        .bearer_auth(&token)
        .header("content-type", "application/scim+json")
        .body(
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "grace.scim@example.com",
                "emails": [{"value": "grace.scim@example.com", "primary": true}],
                "name": {"givenName": "Grace", "familyName": "Hopper"}
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);
    chrome.goto(&format!("{}/settings/scim", app.url)).await;
    let activity = chrome.text("#scim-activity").await;
    assert!(activity.contains("POST /scim/v2/Users"), "{activity}");
    assert!(activity.contains("grace.scim@example.com"), "{activity}");
    chrome.screenshot("scim").await;
    // Revoking the token ends provisioning with it.
    chrome
        .click("tr:first-child form[action$='/revoke'] button")
        .await;
    chrome.accept_alert().await;
    chrome.wait_text("#scim-notice", "Token revoked").await;
    let r = app
        .http
        .get(format!("{}/scim/v2/Users", app.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn browser_drags_a_card_on_the_team_board_and_resolves_an_out_of_sync_prompt() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = crate::helpers::spawn_demo(engines()[0]).await;
    let d = app.demo();
    let active = |role: &str| {
        d["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role_id"] == role && m["status"] == "active")
            .cloned()
            .collect::<Vec<_>>()
    };
    let manager = active("manager")[0].clone();
    let alice = active("user")[0].clone();
    let target = active("user")[1]["user_id"].as_str().unwrap().to_string();

    // A manager (who may assign) drags an unassigned card to a colleague's column.
    chrome
        .sign_in(&app.url, manager["email"].as_str().unwrap(), "corral-demo")
        .await;
    chrome.goto(&format!("{}/people/board", app.url)).await;
    let unassigned = ".board-col[data-user-id=''] .board-card";
    assert!(
        chrome.count(unassigned).await > 0,
        "the demo has unassigned team contacts"
    );
    let card = chrome
        .call(
            "POST",
            &chrome.s("/execute/sync"),
            Some(json!({"script": "return document.querySelector(arguments[0]).getAttribute('data-contact-id')", "args": [unassigned]})),
        )
        .await
        .as_str()
        .unwrap()
        .to_string();
    let column = format!(".board-col[data-user-id='{target}']");
    chrome
        .drag(
            &format!(".board-card[data-contact-id='{card}'] .name"),
            &format!("{column} h2"),
        )
        .await;
    let in_column = format!("{column} .board-card[data-contact-id='{card}']");
    assert!(
        chrome.wait_count(&in_column, 1, 5000).await,
        "the card moved"
    );
    chrome.screenshot("board").await;
    // After a reload the assignment is still there: it was saved.
    chrome.goto(&format!("{}/people/board", app.url)).await;
    assert!(
        chrome.wait_count(&in_column, 1, 5000).await,
        "the assignment persisted"
    );
    let owner_key = crate::helpers::key(&d["members"][0]);
    let (_, t) = app.get(&owner_key, &format!("team_contact/{card}/")).await;
    assert_eq!(t["assigned_to"], target.as_str());

    // Alice answers the demo's out-of-sync prompt by keeping the team's value.
    chrome.call("DELETE", &chrome.s("/cookie"), None).await;
    chrome
        .sign_in(&app.url, alice["email"].as_str().unwrap(), "corral-demo")
        .await;
    chrome.goto(&format!("{}/people", app.url)).await;
    assert_eq!(chrome.count(".prompt").await, 1);
    let prompt = chrome.text(".prompt").await;
    assert!(
        prompt.contains("Escrow manager") && prompt.contains("Senior escrow officer"),
        "{prompt}"
    );
    chrome.screenshot("people").await;
    chrome.click(".prompt button[id^='discard-']").await;
    chrome.find("#people-notice").await;
    assert_eq!(chrome.count(".prompt").await, 0);
    let alice_key = crate::helpers::key(&alice);
    let (_, prompts) = app.get(&alice_key, "sync_prompt/").await;
    assert!(prompts["data"].as_array().unwrap().is_empty());
    // Select all and send to the team from the bulk-actions menu.
    let before = app.get(&alice_key, "team_contact/").await.1["total_results"]
        .as_u64()
        .unwrap();
    chrome.click("#select-all").await;
    chrome.click("#bulk-apply").await;
    // The family contact in the selection refuses the whole action: nothing is sent.
    chrome.find("#people-error").await;
    assert_eq!(
        app.get(&alice_key, "team_contact/").await.1["total_results"]
            .as_u64()
            .unwrap(),
        before
    );
}

#[tokio::test]
async fn browser_admin_switches_the_sharing_template() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = crate::helpers::spawn_demo(engines()[0]).await;
    let owner = app.demo()["members"][0].clone();
    chrome
        .sign_in(&app.url, owner["email"].as_str().unwrap(), "corral-demo")
        .await;
    chrome.goto(&format!("{}/people?view=team", app.url)).await;
    assert!(chrome.count("#team-people tbody tr").await >= 3);
    chrome
        .call(
            "POST",
            &chrome.s("/execute/sync"),
            Some(json!({"script": "document.getElementById('share-template').value = 'residential_real_estate';", "args": []})),
        )
        .await;
    chrome.click("#sharing-settings button[type=submit]").await;
    let notice = chrome.text("#people-notice").await;
    assert!(notice.contains("Sharing rules saved"), "{notice}");
    let (_, s) = app
        .get(&crate::helpers::key(&owner), "sharing_settings/")
        .await;
    assert_eq!(s["template"], "residential_real_estate");
    assert_eq!(s["share_business_segments"], false);
}

#[tokio::test]
async fn browser_removes_a_member_through_the_offboarding_plan_and_undoes_it() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = crate::helpers::spawn_demo(engines()[0]).await;
    let d = app.demo();
    let owner = d["members"][0].clone();
    let owner_key = crate::helpers::key(&owner);
    let users: Vec<Value> = d["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role_id"] == "user" && m["status"] == "active")
        .cloned()
        .collect();
    let (leaver, heir) = (&users[6], &users[7]);
    let (_, fields) = app.get(&owner_key, "custom_field/lead/").await;
    let cf = fields["data"][0]["id"].as_str().unwrap().to_string();
    for i in 0..3 {
        app.post(
            &owner_key,
            "lead/",
            &json!({"name": format!("Held by leaver {i}"), format!("custom.{cf}"): leaver["user_id"]}),
        )
        .await;
    }
    chrome
        .sign_in(&app.url, owner["email"].as_str().unwrap(), "corral-demo")
        .await;
    chrome
        .goto(&format!(
            "{}/settings/users/{}/offboard?action=remove",
            app.url,
            leaver["membership_id"].as_str().unwrap()
        ))
        .await;
    let plan = chrome.text("#offboard-plan").await;
    assert!(plan.contains("Held by leaver"), "{plan}");
    assert_eq!(chrome.text("tr[data-category^='leads:'] .count").await, "3");
    // Leads go to the heir; the rest keeps removal's default (unassigned).
    let heir_id = heir["user_id"].as_str().unwrap();
    chrome
        .call(
            "POST",
            &chrome.s("/execute/sync"),
            Some(json!({"script": "document.querySelector(\"select[name='leads']\").value = 'user:' + arguments[0];", "args": [heir_id]})),
        )
        .await;
    chrome.screenshot("offboard").await;
    chrome.click("#offboard-submit").await;
    let notice = chrome.text("#offboardings-notice").await;
    assert!(notice.contains("3 record(s) handed over"), "{notice}");
    let (_, leads) = app
        .get(&owner_key, &format!("lead/?query=custom.{cf}:{heir_id}"))
        .await;
    assert_eq!(leads["total_results"], 3, "{leads}");
    let (_, m) = app
        .get(
            &owner_key,
            &format!("membership/{}/", leaver["membership_id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(m["status"], "removed");
    // Undo from the history.
    chrome
        .click("#offboardings form[action$='/undo'] button")
        .await;
    chrome.accept_alert().await;
    chrome
        .wait_text("#offboardings-notice", "Put back 3 record(s)")
        .await;
    let (_, leads) = app
        .get(
            &owner_key,
            &format!(
                "lead/?query=custom.{cf}:{}",
                leaver["user_id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(leads["total_results"], 3);
}

#[tokio::test]
async fn browser_reports_page_draws_charts_and_downloads_csv() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = crate::helpers::spawn_demo(engines()[0]).await;
    let d = app.demo();
    let owner = d["members"][0].clone();
    let owner_key = crate::helpers::key(&owner);
    let rep = d["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role_id"] == "user" && m["status"] == "active")
        .unwrap()
        .clone();
    let (_, fields) = app.get(&owner_key, "custom_field/lead/").await;
    let cf = fields["data"][0]["id"].as_str().unwrap().to_string();
    let (_, lead) = app
        .post(
            &owner_key,
            "lead/",
            &json!({"name": "Chart lead", format!("custom.{cf}"): rep["user_id"]}),
        )
        .await;
    for _ in 0..3 {
        app.post(
            &crate::helpers::key(&rep),
            "activity/call/",
            &json!({"lead_id": lead["id"], "direction": "outbound"}),
        )
        .await;
    }
    chrome
        .sign_in(&app.url, owner["email"].as_str().unwrap(), "corral-demo")
        .await;
    chrome.goto(&format!("{}/reports", app.url)).await;
    assert!(
        chrome.count("#report-chart rect").await >= 28,
        "a bar per day of the month"
    );
    let heading = chrome.text("h2").await;
    assert!(heading.starts_with("Calls:"), "{heading}");
    chrome
        .goto(&format!(
            "{}/reports?range=this-month&type=comparison&users=all_with_data&metric=calls.all.count",
            app.url
        ))
        .await;
    let table = chrome.text("#report-table").await;
    let rep_name = rep["email"]
        .as_str()
        .unwrap()
        .split('@')
        .next()
        .unwrap()
        .replace('.', " ");
    assert!(
        table.to_lowercase().contains(&rep_name),
        "{rep_name} in {table}"
    );
    chrome.screenshot("reports").await;
    // The CSV link downloads the same report.
    let cookie = chrome
        .call("GET", &chrome.s("/cookie/corral_session"), None)
        .await;
    let csv = app
        .http
        .get(format!(
            "{}/reports.csv?range=this-month&type=comparison&users=all_with_data",
            app.url
        ))
        .header(
            "cookie",
            format!("corral_session={}", cookie["value"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("user_id,user_name,status,"), "{csv}");
    assert!(csv.contains(rep["user_id"].as_str().unwrap()));
}

#[tokio::test]
async fn browser_assigns_ticked_leads_round_robin() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = crate::helpers::spawn_demo(engines()[0]).await;
    let owner = app.demo()["members"][0].clone();
    let owner_key = crate::helpers::key(&owner);
    for i in 0..2 {
        app.post(
            &owner_key,
            "lead/",
            &json!({"name": format!("Unowned {i}")}),
        )
        .await;
    }
    chrome
        .sign_in(&app.url, owner["email"].as_str().unwrap(), "corral-demo")
        .await;
    chrome.goto(&format!("{}/leads?q=Unowned", app.url)).await;
    assert_eq!(chrome.count("#leads-table tbody tr").await, 2);
    chrome
        .click("#leads-table thead input[data-select-all]")
        .await;
    chrome.click("#assign-leads").await;
    let notice = chrome.text("#leads-notice").await;
    assert!(notice.starts_with("Assigned 2 lead(s)"), "{notice}");
    let (_, fields) = app.get(&owner_key, "custom_field/lead/").await;
    let cf = fields["data"][0]["id"].as_str().unwrap().to_string();
    let (_, leads) = app.get(&owner_key, "lead/?query=Unowned").await;
    for l in leads["data"].as_array().unwrap() {
        assert!(l[format!("custom.{cf}")].is_string(), "{l}");
    }
    // Turning on auto-assignment of new leads from the same page.
    chrome.click("#rr-settings summary").await;
    chrome.click("#rr-auto").await;
    chrome.click("#rr-save").await;
    // The page reloads after the post: wait for the new notice, not the old one.
    chrome
        .wait_text("#leads-notice", "Round-robin settings saved")
        .await;
    let (_, rr) = app.get(&owner_key, "round_robin_settings/").await;
    assert_eq!(rr["auto_assign_new_leads"], true);
}

#[tokio::test]
async fn browser_adds_a_phone_number_and_sets_forwarding() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = crate::helpers::spawn_demo(engines()[0]).await;
    let owner = app.demo()["members"][0].clone();
    chrome
        .sign_in(&app.url, owner["email"].as_str().unwrap(), "corral-demo")
        .await;
    chrome.goto(&format!("{}/settings/phones", app.url)).await;
    chrome
        .type_into("#add-phone input[name=number]", "+1 415 555 0177")
        .await;
    chrome
        .type_into("#add-phone input[name=label]", "Front desk")
        .await;
    chrome.click("#add-phone button").await;
    let notice = chrome.text("#phones-notice").await;
    assert!(notice.contains("+14155550177 added"), "{notice}");
    assert_eq!(
        chrome.count("#phone-numbers tbody tr[data-phone-id]").await,
        1
    );
    chrome
        .call(
            "POST",
            &chrome.s("/execute/sync"),
            Some(json!({"script": "document.getElementById('fwd-when').value = 'always';", "args": []})),
        )
        .await;
    chrome.type_into("#fwd-number", "+1 415 555 0199").await;
    chrome.click("#forwarding-form button").await;
    chrome.wait_text("#phones-notice", "Forwarding saved").await;
    let (_, f) = app
        .get(
            &crate::helpers::key(&owner),
            &format!("call_forwarding/{}/", owner["user_id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(f["forward_to_number"], "+14155550199");
    assert_eq!(f["when"], "always");
}
