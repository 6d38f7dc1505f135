//! SCIM 2.0 provisioning, as Okta and Microsoft Entra ID drive it, plus bad input and the
//! scim2-tester compliance suite — on both engines.

use std::process::Command;

use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_MATCH, LOCATION};
use serde_json::{Value, json};

use crate::helpers::{TestApp, engines, key, lead_owner_field, spawn_demo};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

struct Scim<'a> {
    app: &'a TestApp,
    token: String,
}

impl Scim<'_> {
    fn new(app: &TestApp) -> Scim<'_> {
        let token = app.demo()["scim_token"].as_str().unwrap().to_string();
        assert_eq!(
            app.demo()["scim_url"].as_str().unwrap(),
            format!("{}/scim/v2", app.url)
        );
        Scim { app, token }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut r = self
            .app
            .http
            .request(method, format!("{}/scim/v2{path}", self.app.url))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            r = r
                .header("content-type", "application/scim+json")
                .body(b.to_string());
        }
        if let Some(m) = if_match {
            r = r.header(IF_MATCH, m);
        }
        let resp = r.send().await.unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        if status != StatusCode::NO_CONTENT {
            assert_eq!(
                headers["content-type"], "application/scim+json",
                "{path}: SCIM media type"
            );
        }
        let text = resp.text().await.unwrap();
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        (status, headers, v)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let (s, _, v) = self.send(reqwest::Method::GET, path, None, None).await;
        (s, v)
    }
    async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let (s, _, v) = self
            .send(reqwest::Method::POST, path, Some(body), None)
            .await;
        (s, v)
    }
    async fn patch(&self, path: &str, ops: Value) -> (StatusCode, Value) {
        let body = json!({"schemas": [PATCH], "Operations": ops});
        let (s, _, v) = self
            .send(reqwest::Method::PATCH, path, Some(&body), None)
            .await;
        (s, v)
    }
    async fn delete(&self, path: &str) -> StatusCode {
        self.send(reqwest::Method::DELETE, path, None, None).await.0
    }
    async fn find(&self, filter: &str) -> Value {
        let (s, v) = self
            .get(&format!(
                "/Users?filter={}&startIndex=1&count=100",
                encode(filter)
            ))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v
    }
}

/// Percent-encodes a query parameter value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Asserts a SCIM error body with the status and `scimType`.
fn assert_scim_error(status: StatusCode, body: &Value, want: u16, scim_type: Option<&str>) {
    assert_eq!(status.as_u16(), want, "{body}");
    assert_eq!(body["schemas"], json!([ERROR]), "{body}");
    assert_eq!(body["status"], json!(want.to_string()), "{body}");
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    match scim_type {
        Some(t) => assert_eq!(body["scimType"], t, "{body}"),
        None => assert!(body.get("scimType").is_none(), "{body}"),
    }
}

/// The membership of a user in the demo workspace, as the Close API shows it to the owner.
async fn membership_of(app: &TestApp, owner: &str, user_id: &str) -> Option<Value> {
    let (s, list) = app.get(owner, "membership/?_limit=500").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user_id"] == user_id)
        .cloned()
}

#[tokio::test]
async fn okta_sequence_creates_deactivates_reactivates_groups_and_deletes() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let scim = Scim::new(&app);

        // Okta looks the user up first.
        let found = scim.find(r#"userName eq "ada.okta@example.com""#).await;
        assert_eq!(found["totalResults"], 0, "{found}");
        assert_eq!(
            found["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
        );

        // Okta's create, with a password so the person can sign in.
        let (s, headers, ada) = scim
            .send(
                reqwest::Method::POST,
                "/Users",
                Some(&json!({
                    "schemas": [USER],
                    "userName": "ada.okta@example.com",
                    "name": {"givenName": "Ada", "familyName": "Okta"},
                    "emails": [{"primary": true, "value": "ada.okta@example.com", "type": "work"}],
                    "displayName": "Ada Okta",
                    "locale": "en-US",
                    "externalId": "00u1okta",
                    "groups": [],
                    "password": "okta-sent-Passw0rd",
                    "active": true
                })),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{ada}");
        let id = ada["id"].as_str().unwrap().to_string();
        assert_eq!(
            headers[LOCATION].to_str().unwrap(),
            format!("{}/scim/v2/Users/{id}", app.url)
        );
        assert_eq!(headers[ETAG].to_str().unwrap(), ada["meta"]["version"]);
        assert_eq!(ada["active"], true);
        assert_eq!(ada["name"]["givenName"], "Ada");
        assert_eq!(ada["locale"], "en-US");
        assert!(
            ada.get("password").is_none(),
            "passwords are never returned"
        );
        let m = membership_of(&app, &owner, &id).await.expect("a member");
        assert_eq!(m["status"], "active");
        assert_eq!(m["role_id"], "user", "the SCIM default role");

        // The person signs in with the password Okta set, and makes an API key.
        let services = &app.running.services;
        let session = services
            .login("ada.okta@example.com", "okta-sent-Passw0rd", "test")
            .await
            .expect("sign in");
        let actor = services.authenticate_session(&session.token).await.unwrap();
        let ada_key = services
            .create_api_key(&actor, "mine")
            .await
            .unwrap()
            .secret;
        assert_eq!(app.get(&ada_key, "me/").await.0, StatusCode::OK);

        // Found by userName (any case) and by externalId.
        let found = scim.find(r#"userName eq "ADA.OKTA@example.com""#).await;
        assert_eq!(found["totalResults"], 1);
        assert_eq!(found["Resources"][0]["id"], id.as_str());
        let found = scim.find(r#"externalId eq "00u1okta""#).await;
        assert_eq!(found["totalResults"], 1);

        // Okta deactivates: access ends at once.
        let (s, off) = scim
            .patch(
                &format!("/Users/{id}"),
                json!([{"op": "replace", "value": {"active": false}}]),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{off}");
        assert_eq!(off["active"], false);
        assert_eq!(
            membership_of(&app, &owner, &id).await.unwrap()["status"],
            "deactivated"
        );
        assert!(services.authenticate_session(&session.token).await.is_err());
        assert_eq!(app.get(&ada_key, "me/").await.0, StatusCode::UNAUTHORIZED);

        // And reactivates.
        let (s, on) = scim
            .patch(
                &format!("/Users/{id}"),
                json!([{"op": "replace", "value": {"active": true}}]),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{on}");
        assert_eq!(on["active"], true);
        assert_eq!(
            membership_of(&app, &owner, &id).await.unwrap()["status"],
            "active"
        );

        // Group push: create, add the member (with Okta's display), rename, remove.
        let (s, g) = scim
            .post(
                "/Groups",
                &json!({"schemas": [GROUP], "displayName": "Okta Sales", "members": []}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{g}");
        let gid = g["id"].as_str().unwrap().to_string();
        let (s, g) = scim
            .patch(
                &format!("/Groups/{gid}"),
                json!([{"op": "add", "path": "members", "value": [{"value": id, "display": "ada.okta@example.com"}]}]),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{g}");
        assert_eq!(g["members"][0]["value"], id.as_str());
        let (_, close_group) = app.get(&owner, &format!("group/{gid}/")).await;
        assert!(
            close_group.to_string().contains(&id),
            "the Close API shows the member: {close_group}"
        );
        let (_, user) = scim.get(&format!("/Users/{id}")).await;
        assert_eq!(user["groups"][0]["display"], "Okta Sales");
        let (s, g) = scim
            .patch(
                &format!("/Groups/{gid}"),
                json!([{"op": "replace", "value": {"id": gid, "displayName": "Okta Sales EU"}}]),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{g}");
        assert_eq!(g["displayName"], "Okta Sales EU");
        let (s, g) = scim
            .patch(
                &format!("/Groups/{gid}"),
                json!([{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{g}");
        assert!(g.get("members").is_none(), "{g}");

        // Delete: the member is removed and SCIM no longer knows them.
        assert_eq!(
            scim.delete(&format!("/Users/{id}")).await,
            StatusCode::NO_CONTENT
        );
        let (s, gone) = scim.get(&format!("/Users/{id}")).await;
        assert_scim_error(s, &gone, 404, None);
        assert_eq!(
            membership_of(&app, &owner, &id).await.unwrap()["status"],
            "removed"
        );
        assert_eq!(
            scim.find(r#"userName eq "ada.okta@example.com""#).await["totalResults"],
            0
        );
        // Provisioning again brings the same person back.
        let (s, again) = scim
            .post(
                "/Users",
                &json!({"schemas": [USER], "userName": "ada.okta@example.com", "emails": [{"value": "ada.okta@example.com"}]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{again}");
        assert_eq!(again["id"], id.as_str());
        assert_eq!(
            scim.delete(&format!("/Groups/{gid}")).await,
            StatusCode::NO_CONTENT
        );

        // The owner sees the provider's activity.
        let owner_actor = services.authenticate_api_key(&owner).await.unwrap();
        let log = services.scim_activity(&owner_actor, 50).await.unwrap();
        assert!(
            log.iter()
                .any(|a| a.method == "PATCH" && a.detail.contains("replace active")),
            "{log:?}"
        );
        assert!(log.iter().any(|a| a.method == "DELETE" && a.status == 204));
    }
}

#[tokio::test]
async fn entra_sequence_with_string_booleans_value_paths_manager_and_policy() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let owner_id = d["members"][0]["user_id"].as_str().unwrap().to_string();
        let services = &app.running.services;
        let owner_actor = services.authenticate_api_key(&owner).await.unwrap();
        // Deactivation through SCIM hands what the member held to the owner.
        services
            .set_scim_settings(&owner_actor, "user", "reassign", Some(&owner_id))
            .await
            .unwrap();
        let scim = Scim::new(&app);

        let found = scim.find(r#"userName eq "bob@contoso.test""#).await;
        assert_eq!(found["totalResults"], 0);
        let (s, bob) = scim
            .post(
                "/Users",
                &json!({
                    "schemas": [USER, ENTERPRISE],
                    "externalId": "bob-entra",
                    "userName": "bob@contoso.test",
                    "active": true,
                    "displayName": "Bob Builder",
                    "emails": [{"primary": true, "type": "work", "value": "bob@contoso.test"}],
                    "meta": {"resourceType": "User"},
                    "name": {"formatted": "Bob Builder", "familyName": "Builder", "givenName": "Bob"},
                    "title": "Account Executive",
                    "addresses": [{"type": "work", "locality": "Lisbon", "country": "PT", "primary": true}],
                    ENTERPRISE: {"department": "Sales", "employeeNumber": "7"}
                }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{bob}");
        let id = bob["id"].as_str().unwrap().to_string();
        assert_eq!(bob[ENTERPRISE]["department"], "Sales");
        assert_eq!(bob["addresses"][0]["locality"], "Lisbon");

        // Bob holds a lead.
        let cf = lead_owner_field(&app, &owner).await;
        let (s, lead) = app
            .post(
                &owner,
                "lead/",
                &json!({"name": "Bob's lead", format!("custom.{cf}"): id}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{lead}");
        let lead_id = lead["id"].as_str().unwrap().to_string();

        // Entra's attribute updates.
        let (s, bob) = scim
            .patch(
                &format!("/Users/{id}"),
                json!([
                    {"op": "Replace", "path": "userName", "value": "robert@contoso.test"},
                    {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "robert@contoso.test"},
                    {"op": "Replace", "path": "name.givenName", "value": "Robert"},
                    {"op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": owner_id},
                    {"op": "Replace", "path": format!("{ENTERPRISE}:department"), "value": "Field Sales"}
                ]),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{bob}");
        assert_eq!(bob["emails"][0]["value"], "robert@contoso.test");
        assert_eq!(bob["name"]["givenName"], "Robert");
        assert_eq!(bob[ENTERPRISE]["manager"]["value"], owner_id.as_str());
        assert_eq!(bob[ENTERPRISE]["department"], "Field Sales");
        let m = membership_of(&app, &owner, &id).await.unwrap();
        // userName is the member's email: changing it changes how they sign in.
        assert_eq!(m["user_email"], "robert@contoso.test", "{m}");
        assert_eq!(m["user_first_name"], "Robert", "{m}");
        assert_eq!(m["manager_id"], owner_id.as_str(), "{m}");

        // Entra deactivates with a string boolean: the org policy reassigns the lead.
        let (s, bob) = scim
            .patch(
                &format!("/Users/{id}"),
                json!([{"op": "Replace", "path": "active", "value": "False"}]),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{bob}");
        assert_eq!(bob["active"], false);
        let (_, lead) = app.get(&owner, &format!("lead/{lead_id}/")).await;
        assert_eq!(lead[format!("custom.{cf}")], owner_id.as_str(), "{lead}");

        // Entra's group membership changes.
        let (s, g) = scim
            .post(
                "/Groups",
                &json!({"schemas": [GROUP], "displayName": "Entra Sellers", "externalId": "g-entra", "members": []}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{g}");
        let gid = g["id"].as_str().unwrap().to_string();
        let (s, g) = scim
            .patch(
                &format!("/Groups/{gid}"),
                json!([{"op": "Add", "path": "members", "value": [{"value": id}]}]),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{g}");
        assert_eq!(g["members"].as_array().unwrap().len(), 1);
        let (s, g) = scim
            .patch(
                &format!("/Groups/{gid}"),
                json!([{"op": "Remove", "path": "members", "value": [{"value": id}]}]),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{g}");
        assert!(g.get("members").is_none());
        let (s, list) = scim
            .get("/Groups?filter=externalId%20eq%20%22g-entra%22")
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(list["totalResults"], 1, "{list}");
        // Filtering, sorting and paging over users.
        let (_, page) = scim
            .get("/Users?filter=active%20eq%20true&sortBy=userName&startIndex=2&count=3&attributes=userName")
            .await;
        assert_eq!(page["startIndex"], 2);
        assert_eq!(page["itemsPerPage"], 3);
        assert!(page["Resources"][0].get("emails").is_none(), "{page}");
        let names: Vec<String> = page["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["userName"].as_str().unwrap().to_string())
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
    }
}

#[tokio::test]
async fn bad_scim_input_gets_scim_errors_and_changes_nothing() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let scim = Scim::new(&app);
        let before = scim.get("/Users?count=0").await.1["totalResults"].clone();
        let (_, members_before) = app.get(&owner, "membership/?_limit=500").await;

        // Authentication.
        let r = app
            .http
            .get(format!("{}/scim/v2/Users", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let r = app
            .http
            .get(format!("{}/scim/v2/Users", app.url))
            .bearer_auth("scim_wrong")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let body: Value = r.json().await.unwrap();
        assert_scim_error(StatusCode::UNAUTHORIZED, &body, 401, None);

        // Filters.
        for (f, t) in [
            ("userName%20eq", "invalidFilter"),
            ("userName%20eq%20%22open", "invalidFilter"),
            ("(userName%20eq%20%22a%22", "invalidFilter"),
            ("shoeSize%20eq%20%2244%22", "invalidFilter"),
        ] {
            let (s, e) = scim.get(&format!("/Users?filter={f}")).await;
            assert_scim_error(s, &e, 400, Some(t));
        }
        let (s, e) = scim.get("/Users?sortOrder=sideways").await;
        assert_scim_error(s, &e, 400, Some("invalidValue"));

        // Bodies.
        let ok_user = |extra: Value| {
            let mut u = json!({"schemas": [USER], "userName": "eve@example.com", "emails": [{"value": "eve@example.com"}]});
            for (k, v) in extra.as_object().unwrap() {
                u[k] = v.clone();
            }
            u
        };
        let (s, e) = scim.post("/Users", &ok_user(json!({"shoeSize": 44}))).await;
        assert_scim_error(s, &e, 400, Some("invalidValue"));
        assert!(e["detail"].as_str().unwrap().contains("shoeSize"));
        let (s, e) = scim
            .post("/Users", &ok_user(json!({"schemas": [GROUP]})))
            .await;
        assert_scim_error(s, &e, 400, Some("invalidValue"));
        let (s, e) = scim
            .post(
                "/Users",
                &json!({"userName": "eve@example.com", "emails": [{"value": "eve@example.com"}]}),
            )
            .await;
        assert_scim_error(s, &e, 400, Some("invalidSyntax"));
        let (s, e) = scim
            .post("/Users", &ok_user(json!({"active": "maybe"})))
            .await;
        assert_scim_error(s, &e, 400, Some("invalidValue"));
        let (s, e) = scim
            .post(
                "/Users",
                &json!({"schemas": [USER], "userName": "not-an-email", "emails": [{"value": "neither"}]}),
            )
            .await;
        assert_scim_error(s, &e, 400, Some("invalidValue"));
        let (s, _, e) = scim
            .send(
                reqwest::Method::POST,
                "/Users",
                Some(&Value::String("{not json".into())),
                None,
            )
            .await;
        assert_scim_error(s, &e, 400, Some("invalidSyntax"));
        // A taken userName.
        let taken = d["members"][1]["email"].as_str().unwrap();
        let (s, e) = scim
            .post(
                "/Users",
                &json!({"schemas": [USER], "userName": taken, "emails": [{"value": taken}]}),
            )
            .await;
        assert_scim_error(s, &e, 409, Some("uniqueness"));

        // PATCH and versions on an existing member.
        let uid = d["members"][1]["user_id"].as_str().unwrap().to_string();
        let (s, e) = scim
            .patch(
                &format!("/Users/{uid}"),
                json!([{"op": "replace", "path": "shoeSize", "value": 1}]),
            )
            .await;
        assert_scim_error(s, &e, 400, Some("invalidPath"));
        let (s, e) = scim
            .patch(
                &format!("/Users/{uid}"),
                json!([{"op": "move", "path": "title", "value": "x"}]),
            )
            .await;
        assert_scim_error(s, &e, 400, Some("invalidSyntax"));
        let (s, e) = scim
            .patch(
                &format!("/Users/{uid}"),
                json!([{"op": "remove", "path": "active"}]),
            )
            .await;
        assert_scim_error(s, &e, 400, Some("mutability"));
        let (s, e) = scim
            .patch(
                &format!("/Users/{uid}"),
                json!([{"op": "replace", "path": "phoneNumbers[type eq \"a\" or type eq \"b\"].value", "value": "1"}]),
            )
            .await;
        assert_scim_error(s, &e, 400, Some("noTarget"));
        let (s, headers, current) = scim
            .send(reqwest::Method::GET, &format!("/Users/{uid}"), None, None)
            .await;
        assert_eq!(s, StatusCode::OK);
        let etag = headers[ETAG].to_str().unwrap().to_string();
        let title = json!({"schemas": [PATCH], "Operations": [{"op": "add", "path": "title", "value": "Lead AE"}]});
        let (s, _, e) = scim
            .send(
                reqwest::Method::PATCH,
                &format!("/Users/{uid}"),
                Some(&title),
                Some("W/\"stale\""),
            )
            .await;
        assert_scim_error(s, &e, 412, None);
        let (s, _, changed) = scim
            .send(
                reqwest::Method::PATCH,
                &format!("/Users/{uid}"),
                Some(&title),
                Some(&etag),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{changed}");
        assert_ne!(changed["meta"]["version"], current["meta"]["version"]);
        let (s, e) = scim.get("/Users/user_nobody").await;
        assert_scim_error(s, &e, 404, None);
        let (s, e) = scim.get("/Nope").await;
        assert_scim_error(s, &e, 404, None);

        // The seat limit: a create past it is refused and nothing is made.
        let services = &app.running.services;
        let owner_actor = services.authenticate_api_key(&owner).await.unwrap();
        let used = services.seat_report(&owner_actor).await.unwrap().seats_used;
        services
            .set_seat_limit(&owner_actor, Some(used))
            .await
            .unwrap();
        let (s, e) = scim.post("/Users", &ok_user(json!({}))).await;
        assert_scim_error(s, &e, 403, None);
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("seat"),
            "{e}"
        );

        // Nothing changed but the one title above.
        assert_eq!(scim.get("/Users?count=0").await.1["totalResults"], before);
        let (_, members_after) = app.get(&owner, "membership/?_limit=500").await;
        assert_eq!(
            members_after["data"].as_array().unwrap().len(),
            members_before["data"].as_array().unwrap().len()
        );

        // A revoked token stops working.
        let tokens = services.list_scim_tokens(&owner_actor).await.unwrap();
        services
            .revoke_scim_token(&owner_actor, &tokens[0].id)
            .await
            .unwrap();
        let (s, e) = scim.get("/Users").await;
        assert_scim_error(s, &e, 401, None);
    }
}

fn python_with_scim2_tester() -> Option<String> {
    crate::helpers::python_with("scim2_tester, httpx2", "scim2-tester")
}

#[tokio::test]
async fn paging_through_every_user_gives_each_once_as_fetching_it_alone_does() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let scim = Scim::new(&app);
        let ids = |page: &Value| -> Vec<String> {
            page["Resources"]
                .as_array()
                .map(|r| {
                    r.iter()
                        .map(|d| d["id"].as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default()
        };
        // One list of everyone (filtered, so read whole), then pages of 3 (cut by the
        // database): the same users in the same order, each page saying where it is.
        let (s, everyone) = scim
            .get("/Users?filter=userName%20pr&startIndex=1&count=1000")
            .await;
        assert_eq!(s, StatusCode::OK, "{everyone}");
        let all = ids(&everyone);
        let total = all.len();
        assert!(total >= 4, "{everyone}");
        let (_, unfiltered) = scim.get("/Users?count=1000").await;
        assert_eq!(ids(&unfiltered), all);
        let mut paged = Vec::new();
        let mut in_groups = 0;
        let mut start = 1;
        while start <= total + 3 {
            let (s, page) = scim
                .get(&format!("/Users?startIndex={start}&count=3"))
                .await;
            assert_eq!(s, StatusCode::OK, "{page}");
            assert_eq!(page["totalResults"], total, "{page}");
            assert_eq!(page["startIndex"], start, "{page}");
            let got = ids(&page);
            assert_eq!(page["itemsPerPage"], got.len(), "{page}");
            assert_eq!(got.len(), 3.min(total.saturating_sub(start - 1)), "{page}");
            // Each document of a page is the user's own, groups and all.
            for d in page["Resources"].as_array().into_iter().flatten() {
                let (_, alone) = scim
                    .get(&format!("/Users/{}", d["id"].as_str().unwrap()))
                    .await;
                assert_eq!(d, &alone);
                in_groups += usize::from(d["groups"].as_array().is_some_and(|g| !g.is_empty()));
            }
            paged.extend(got);
            start += 3;
        }
        assert_eq!(paged, all);
        assert!(in_groups > 0, "the demo's groups show on paged users");
        // A page of attributes, an empty page, and a page past the end.
        let (_, names) = scim
            .get("/Users?startIndex=2&count=2&attributes=userName")
            .await;
        assert_eq!(ids(&names), all[1..3].to_vec());
        assert!(names["Resources"][0]["userName"].is_string(), "{names}");
        assert!(names["Resources"][0].get("emails").is_none(), "{names}");
        let (_, none) = scim.get("/Users?count=0").await;
        assert_eq!(none["totalResults"], total, "{none}");
        assert!(ids(&none).is_empty(), "{none}");
        let (_, past) = scim
            .get(&format!("/Users?startIndex={}&count=5", total + 1))
            .await;
        assert_eq!(
            (past["totalResults"].clone(), ids(&past).len()),
            (json!(total), 0)
        );
        // The largest start there is: still a page (empty), not an error.
        let (s, far) = scim
            .get(&format!("/Users?startIndex={}&count=5", i64::MAX))
            .await;
        assert_eq!(s, StatusCode::OK, "{far}");
        assert_eq!(
            (far["totalResults"].clone(), ids(&far).len()),
            (json!(total), 0)
        );
        // A deleted user leaves the pages and the count.
        assert_eq!(
            scim.delete(&format!("/Users/{}", all[1])).await,
            StatusCode::NO_CONTENT
        );
        let (_, after) = scim.get("/Users?startIndex=1&count=3").await;
        assert_eq!(after["totalResults"], total - 1, "{after}");
        assert_eq!(
            ids(&after),
            vec![all[0].clone(), all[2].clone(), all[3].clone()]
        );
    }
}

#[tokio::test]
async fn scim2_tester_reports_no_failures() {
    let Some(python) = python_with_scim2_tester() else {
        return;
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scim/compliance.py");
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let base = format!("{}/scim/v2", app.url);
        let token = app.demo()["scim_token"].as_str().unwrap().to_string();
        let python = python.clone();
        let out = tokio::task::spawn_blocking(move || {
            Command::new(&python)
                .args([script, &base, &token])
                .output()
                .expect("run python")
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{engine:?}: scim2-tester found failures\n{stdout}\n{stderr}"
        );
        assert!(stdout.contains(" 0 failed"), "{stdout}");
    }
}

#[tokio::test]
async fn a_group_mapped_to_a_role_gives_its_members_that_role() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let services = &app.running.services;
        let owner_actor = services.authenticate_api_key(&owner).await.unwrap();
        let scim = Scim::new(&app);
        let (_, u) = scim
            .post(
                "/Users",
                &json!({"schemas": [USER], "userName": "mia@example.com", "emails": [{"value": "mia@example.com"}]}),
            )
            .await;
        let id = u["id"].as_str().unwrap().to_string();
        let (_, g) = scim
            .post(
                "/Groups",
                &json!({"schemas": [GROUP], "displayName": "Managers (IdP)"}),
            )
            .await;
        let gid = g["id"].as_str().unwrap().to_string();
        services
            .set_scim_group_role(&owner_actor, &gid, Some("manager"))
            .await
            .unwrap();
        let (s, _) = scim
            .patch(
                &format!("/Groups/{gid}"),
                json!([{"op": "add", "path": "members", "value": [{"value": id}]}]),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            membership_of(&app, &owner, &id).await.unwrap()["role_id"],
            "manager"
        );
        let (s, _) = scim
            .patch(
                &format!("/Groups/{gid}"),
                json!([{"op": "remove", "path": "members"}]),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            membership_of(&app, &owner, &id).await.unwrap()["role_id"],
            "user",
            "back to the SCIM default role"
        );
        // An unknown role cannot be mapped.
        assert!(
            services
                .set_scim_group_role(&owner_actor, &gid, Some("role_nope"))
                .await
                .is_err()
        );
    }
}
