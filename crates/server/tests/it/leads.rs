//! Leads through the API, with lead visibility enforced on every read path built so far
//! (get, list, update, delete), on both engines.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    active_users, assert_close_error, engines, event_follows_lead_visibility, key,
    lead_owner_field, make_closer, spawn_demo,
};

#[tokio::test]
async fn leads_crud_in_close_shape() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let owner = key(&app.demo()["members"][0]);
        let ws = app.demo()["workspace_id"].as_str().unwrap().to_string();
        let (_, org) = app.get(&owner, &format!("organization/{ws}/")).await;
        let statuses = org["lead_statuses"].as_array().unwrap().clone();
        assert_eq!(statuses.len(), 4);
        let cf = lead_owner_field(&app, &owner).await;
        let uid = app.demo_member("user")["user_id"]
            .as_str()
            .unwrap()
            .to_string();

        let (s, lead) = app
            .post(&owner, "lead/", &json!({
                "name": "Acme Corp", "status": "Qualified", "url": "https://acme.example",
                "contacts": [{"name": "Wile E.", "title": "CEO", "emails": [{"email": "wile@acme.example", "type": "office"}], "phones": [{"phone": "+14155550000"}]}],
                format!("custom.{cf}"): uid,
            }))
            .await;
        assert_eq!(s, StatusCode::OK, "{lead}");
        let id = lead["id"].as_str().unwrap().to_string();
        assert!(id.starts_with("lead_"));
        assert_eq!(lead["status_label"], "Qualified");
        assert_eq!(
            lead["contacts"][0]["emails"][0]["email"],
            "wile@acme.example"
        );
        assert!(
            lead["contacts"][0]["id"]
                .as_str()
                .unwrap()
                .starts_with("cont_")
        );
        assert_eq!(lead[format!("custom.{cf}")], uid.as_str());
        assert_eq!(lead["created_by_name"], "Avery Adams");

        for (body, field) in [
            (
                json!({"name": "X", "status_id": "stat_nope"}),
                "status_id".to_string(),
            ),
            (
                json!({"name": "X", format!("custom.{cf}"): "user_stranger"}),
                format!("custom.{cf}"),
            ),
            (
                json!({"name": "X", "custom.cf_nope": "x"}),
                "custom.cf_nope".to_string(),
            ),
            (json!({"name": "X", "colour": "red"}), "colour".to_string()),
            (json!({"name": 5}), "name".to_string()),
        ] {
            let (s, err) = app.post(&owner, "lead/", &body).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
            assert_close_error(&err);
            assert!(err["field-errors"][&field].is_string(), "{field}: {err}");
        }

        let (s, upd) = app
            .put(
                &owner,
                &format!("lead/{id}/"),
                &json!({"description": "Roadrunner supplies", format!("custom.{cf}"): null}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{upd}");
        assert_eq!(upd["description"], "Roadrunner supplies");
        assert!(upd.get(format!("custom.{cf}")).is_none());
        assert_eq!(upd["name"], "Acme Corp");

        // Deleting needs delete_leads.
        let (s, _) = app
            .delete(
                &key(&app.demo_member("restricteduser")),
                &format!("lead/{id}/"),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app.delete(&owner, &format!("lead/{id}/")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            app.get(&owner, &format!("lead/{id}/")).await.0,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn limited_members_see_exactly_their_leads() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let cf = lead_owner_field(&app, &owner).await;
        let members: Vec<Value> = d["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role_id"] == "user" && m["status"] == "active")
            .cloned()
            .collect();
        let (a, b, c) = (&members[0], &members[1], &members[2]);
        let lead_x = app.demo_member("restricteduser");

        let (_, closer) = app.post(&owner, "role/", &json!({"name": "Closer", "permissions": ["calling"], "visibility_user_lcf_ids": [cf], "visibility_user_lcf_behavior": "require_assignment"})).await;
        let (_, tl) = app
            .post(&owner, "role/", &json!({"name": "Team Lead", "permissions": ["calling"], "visibility_user_lcf_ids": [cf], "visibility_user_lcf_behavior": "allow_unassigned", "visibility_include_reports": true}))
            .await;
        for m in [a, b] {
            let (s, v) = app
                .put(
                    &owner,
                    &format!("membership/{}/", m["membership_id"].as_str().unwrap()),
                    &json!({"role_id": closer["id"]}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        app.put(
            &owner,
            &format!("membership/{}/", lead_x["membership_id"].as_str().unwrap()),
            &json!({"role_id": tl["id"]}),
        )
        .await;
        app.put(
            &owner,
            &format!("membership/{}/", c["membership_id"].as_str().unwrap()),
            &json!({"manager_id": lead_x["user_id"]}),
        )
        .await;

        let mut ids = std::collections::HashMap::new();
        for (name, assignee) in [
            ("A's lead", Some(a)),
            ("B's lead", Some(b)),
            ("Nobody's lead", None),
            ("C's lead", Some(c)),
        ] {
            let mut body = json!({"name": name});
            if let Some(m) = assignee {
                body[format!("custom.{cf}")] = m["user_id"].clone();
            }
            let (s, l) = app.post(&owner, "lead/", &body).await;
            assert_eq!(s, StatusCode::OK, "{l}");
            ids.insert(name, l["id"].as_str().unwrap().to_string());
        }

        let visible = |k: String| {
            let app = &app;
            async move {
                let (s, v) = app.get(&k, "lead/?_limit=200").await;
                assert_eq!(s, StatusCode::OK, "{v}");
                let mut names: Vec<String> = v["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l["name"].as_str().unwrap().to_string())
                    .collect();
                names.sort();
                assert_eq!(v["total_results"].as_u64().unwrap() as usize, names.len());
                names
            }
        };
        assert_eq!(visible(key(a)).await, vec!["A's lead"]);
        assert_eq!(visible(key(b)).await, vec!["B's lead"]);
        assert_eq!(
            visible(key(&lead_x)).await,
            vec!["C's lead", "Nobody's lead"],
            "unassigned plus reports' leads"
        );
        assert_eq!(visible(owner.clone()).await.len(), 4);

        // Hidden leads do not exist for them: 404 on get, update and delete, never 403.
        let hidden = &ids["B's lead"];
        assert_eq!(
            app.get(&key(a), &format!("lead/{hidden}/")).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.put(
                &key(a),
                &format!("lead/{hidden}/"),
                &json!({"name": "mine now"})
            )
            .await
            .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.delete(&key(a), &format!("lead/{hidden}/")).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&key(a), &format!("lead/{}/", ids["A's lead"]))
                .await
                .0,
            StatusCode::OK
        );

        // Reassigning moves visibility with it, on the next request.
        app.put(
            &owner,
            &format!("lead/{hidden}/"),
            &json!({format!("custom.{cf}"): a["user_id"]}),
        )
        .await;
        assert_eq!(visible(key(a)).await, vec!["A's lead", "B's lead"]);
        assert!(visible(key(b)).await.is_empty());

        // A limited member's own new lead is assigned to them, so they keep seeing it.
        let (s, mine) = app
            .post(&key(b), "lead/", &json!({"name": "B's new lead"}))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(mine[format!("custom.{cf}")], b["user_id"]);
        assert_eq!(visible(key(b)).await, vec!["B's new lead"]);

        // Widening the role takes effect on the next request.
        app.put(&owner, &format!("role/{}/", closer["id"].as_str().unwrap()), &json!({"permissions": ["calling", "view_all_leads"], "visibility_user_lcf_ids": null, "visibility_user_lcf_behavior": null})).await;
        assert_eq!(visible(key(b)).await.len(), 5);
    }
}

#[tokio::test]
async fn leads_pages_show_only_visible_leads() {
    let app = spawn_demo(engines()[0]).await;
    let d = app.demo();
    let owner = key(&d["members"][0]);
    let (_, fields) = app.get(&owner, "custom_field/lead/").await;
    let cf = fields["data"][0]["id"].as_str().unwrap().to_string();
    let a = app.demo_member("user");
    let (_, closer) = app.post(&owner, "role/", &json!({"name": "Closer", "permissions": ["calling"], "visibility_user_lcf_ids": [cf], "visibility_user_lcf_behavior": "require_assignment"})).await;
    app.put(
        &owner,
        &format!("membership/{}/", a["membership_id"].as_str().unwrap()),
        &json!({"role_id": closer["id"]}),
    )
    .await;
    let (_, mine) = app.post(&owner, "lead/", &json!({"name": "Visible Homes", format!("custom.{cf}"): a["user_id"], "contacts": [{"name": "Vera Visible"}]})).await;
    let (_, theirs) = app
        .post(&owner, "lead/", &json!({"name": "Hidden Holdings"}))
        .await;

    let b = crate::helpers::Browser::new(&app.url);
    b.sign_in(a["email"].as_str().unwrap(), "corral-demo").await;
    let (s, _, html) = b.get("/leads").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Visible Homes") && !html.contains("Hidden Holdings"),
        "{html}"
    );
    assert!(html.contains("1 lead(s) you can see"));
    let (s, _, html) = b
        .get(&format!("/leads/{}", mine["id"].as_str().unwrap()))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Vera Visible") && html.contains("Lead Owner"));
    let (s, _, _) = b
        .get(&format!("/leads/{}", theirs["id"].as_str().unwrap()))
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "a hidden lead's page does not exist for them"
    );
    let (_, _, html) = b.get("/leads?q=hidden").await;
    assert!(!html.contains("Hidden Holdings"));
    let (_, _, html) = b
        .get(&format!("/leads/{}", mine["id"].as_str().unwrap()))
        .await;
    assert!(
        !html.contains("Who can see this lead"),
        "only organization managers get the summary"
    );

    // An organization manager's lead page explains who sees it.
    let admin = crate::helpers::Browser::new(&app.url);
    admin
        .sign_in(d["members"][0]["email"].as_str().unwrap(), "corral-demo")
        .await;
    let (_, _, html) = admin
        .get(&format!("/leads/{}", mine["id"].as_str().unwrap()))
        .await;
    assert!(
        html.contains("Who can see this lead")
            && html.contains("limited visibility through Lead Owner"),
        "{html}"
    );
}

#[tokio::test]
async fn explain_who_sees_a_lead_and_preview_a_role_edit() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let cf = lead_owner_field(&app, &owner).await;
        let users = active_users(&d);
        let (a, b) = (&users[0], &users[1]);
        let (_, closer) = app.post(&owner, "role/", &json!({"name": "Closer", "permissions": ["calling", "delete_leads"], "visibility_user_lcf_ids": [cf], "visibility_user_lcf_behavior": "require_assignment"})).await;
        let rid = closer["id"].as_str().unwrap().to_string();
        for m in [a, b] {
            app.put(
                &owner,
                &format!("membership/{}/", m["membership_id"].as_str().unwrap()),
                &json!({"role_id": rid}),
            )
            .await;
        }
        app.put(
            &owner,
            &format!("membership/{}/", b["membership_id"].as_str().unwrap()),
            &json!({"restrictions": ["no_delete"]}),
        )
        .await;
        let (_, lead) = app
            .post(
                &owner,
                "lead/",
                &json!({"name": "Explained", format!("custom.{cf}"): a["user_id"]}),
            )
            .await;
        let lid = lead["id"].as_str().unwrap().to_string();
        for i in 0..3 {
            app.post(&owner, "lead/", &json!({"name": format!("Unassigned {i}")}))
                .await;
        }

        let (s, v) = app.get(&owner, &format!("lead/{lid}/visibility/")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let row = |m: &Value| {
            v["data"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["membership_id"] == m["membership_id"])
                .unwrap()
                .clone()
        };
        let ra = row(a);
        assert_eq!(ra["visible"], true);
        assert!(ra["reasons"].to_string().contains("Lead Owner is"), "{ra}");
        let rb = row(b);
        assert_eq!(rb["visible"], false);
        assert!(
            rb["reasons"].to_string().contains("not this member"),
            "{rb}"
        );
        let admin_row = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["user_id"] == d["members"][0]["user_id"])
            .unwrap()
            .clone();
        assert!(admin_row["reasons"].to_string().contains("view_all_leads"));
        // Only organization managers get the summary.
        assert_eq!(
            app.get(&key(a), &format!("lead/{lid}/visibility/")).await.0,
            StatusCode::FORBIDDEN
        );

        // Allow/deny for one action with the chain of reasons.
        let q = |m: &Value, action: &str| {
            format!(
                "explain/?membership_id={}&lead_id={lid}&action={action}",
                m["membership_id"].as_str().unwrap()
            )
        };
        let (_, e) = app.get(&owner, &q(a, "delete")).await;
        assert_eq!(e["allowed"], true, "{e}");
        assert!(e["reasons"].to_string().contains("grants 'delete_leads'"));
        let (_, e) = app.get(&owner, &q(b, "view")).await;
        assert_eq!(e["allowed"], false);
        let (_, e) = app.get(&owner, &q(b, "delete")).await;
        assert!(
            e["reasons"]
                .to_string()
                .contains("cannot be deleted by them"),
            "{e}"
        );
        // Give B the lead: visible now, but the restriction still forbids deleting it.
        app.put(
            &owner,
            &format!("lead/{lid}/"),
            &json!({format!("custom.{cf}"): b["user_id"]}),
        )
        .await;
        let (_, e) = app.get(&owner, &q(b, "delete")).await;
        assert_eq!(e["allowed"], false, "{e}");
        assert!(e["reasons"].to_string().contains("no_delete"), "{e}");
        // The explanation agrees with what actually happens.
        assert_eq!(
            app.delete(&key(b), &format!("lead/{lid}/")).await.0,
            StatusCode::FORBIDDEN
        );
        let (s, _) = app.get(&owner, "explain/?membership_id=x").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);

        // Preview: showing unassigned leads would give each Closer the 3 unassigned ones.
        let (s, p) = app
            .post(
                &owner,
                &format!("role/{rid}/preview/"),
                &json!({"visibility_user_lcf_behavior": "allow_unassigned"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{p}");
        let pa = p["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["membership_id"] == a["membership_id"])
            .unwrap()
            .clone();
        assert_eq!(
            (
                pa["visible_before"].as_i64(),
                pa["visible_after"].as_i64(),
                pa["gained"].as_i64(),
                pa["lost"].as_i64()
            ),
            (Some(0), Some(3), Some(3), Some(0)),
            "{pa}"
        );
        let pb = p["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["membership_id"] == b["membership_id"])
            .unwrap()
            .clone();
        assert_eq!(
            (pb["visible_before"].as_i64(), pb["gained"].as_i64()),
            (Some(1), Some(3)),
            "{pb}"
        );
        // Nothing was saved by the preview.
        let (_, role) = app.get(&owner, &format!("role/{rid}/")).await;
        assert_eq!(role["visibility_user_lcf_behavior"], "require_assignment");
        // Seeing everything: they lose nothing.
        let (_, p) = app.post(&owner, &format!("role/{rid}/preview/"), &json!({"permissions": ["calling", "view_all_leads"], "visibility_user_lcf_ids": null, "visibility_user_lcf_behavior": null})).await;
        assert!(
            p["data"]
                .as_array()
                .unwrap()
                .iter()
                .all(|x| x["lost"] == 0 && x["visible_after"] == 4),
            "{p}"
        );
    }
}

#[tokio::test]
async fn contacts_api_follows_lead_visibility() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let cf = lead_owner_field(&app, &owner).await;
        let a = app.demo_member("user");
        let (_, role) = app.post(&owner, "role/", &json!({"name": "Closer", "permissions": ["calling"], "visibility_user_lcf_ids": [cf], "visibility_user_lcf_behavior": "require_assignment"})).await;
        app.put(
            &owner,
            &format!("membership/{}/", a["membership_id"].as_str().unwrap()),
            &json!({"role_id": role["id"]}),
        )
        .await;
        let (_, mine) = app
            .post(
                &owner,
                "lead/",
                &json!({"name": "Mine", format!("custom.{cf}"): a["user_id"]}),
            )
            .await;
        let (_, theirs) = app.post(&owner, "lead/", &json!({"name": "Theirs"})).await;

        let (s, c) = app.post(&key(&a), "contact/", &json!({"lead_id": mine["id"], "name": "Ada", "emails": [{"email": "ada@mine.example", "type": "office"}]})).await;
        assert_eq!(s, StatusCode::OK, "{c}");
        let cid = c["id"].as_str().unwrap().to_string();
        let (s, _) = app
            .post(
                &key(&a),
                "contact/",
                &json!({"lead_id": theirs["id"], "name": "Sneaky"}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "cannot add to a hidden lead");
        let (_, hidden) = app
            .post(
                &owner,
                "contact/",
                &json!({"lead_id": theirs["id"], "name": "Hidden"}),
            )
            .await;
        let (s, err) = app
            .post(
                &owner,
                "contact/",
                &json!({"lead_id": theirs["id"], "emails": [{"email": "not an email"}]}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(err["field-errors"]["emails"].is_string());

        let (_, list) = app.get(&key(&a), "contact/").await;
        let names: Vec<&str> = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["Ada"]);
        assert_eq!(
            app.get(
                &key(&a),
                &format!("contact/{}/", hidden["id"].as_str().unwrap())
            )
            .await
            .0,
            StatusCode::NOT_FOUND
        );
        let (_, list) = app
            .get(
                &owner,
                &format!("contact/?lead_id={}", theirs["id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(list["data"].as_array().unwrap().len(), 1);

        let (s, c) = app
            .put(
                &key(&a),
                &format!("contact/{cid}/"),
                &json!({"title": "CFO", "phones": [{"phone": "+442079460958", "type": "mobile"}]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{c}");
        assert_eq!(c["title"], "CFO");
        assert_eq!(
            c["emails"][0]["email"], "ada@mine.example",
            "unchanged lists stay"
        );
        // The contact's new phone now blocks adding a user with it.
        let (s, _) = app.post(&owner, "membership/add/", &json!({"email": "p@example.com", "role_id": "user", "first_name": "P", "password": "long-enough", "phone": "+44 20 7946 0958"})).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, _) = app.delete(&key(&a), &format!("contact/{cid}/")).await;
        assert_eq!(s, StatusCode::OK);
        let (_, lead) = app
            .get(&owner, &format!("lead/{}/", mine["id"].as_str().unwrap()))
            .await;
        assert!(lead["contacts"].as_array().unwrap().is_empty());
    }
}

/// Every lead id a member gets by paging `query` through `POST /data/search/` with cursors.
async fn search_all(app: &crate::helpers::TestApp, k: &str, query: &Value) -> Vec<String> {
    let mut ids = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let (s, page) = app
            .post(k, "data/search/", &json!({"query": query, "_limit": 200, "cursor": cursor, "_fields": {"lead": ["id"]}}))
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        for l in page["data"].as_array().unwrap() {
            assert_eq!(l["__object_type"], "lead");
            ids.push(l["id"].as_str().unwrap().to_string());
        }
        match page["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    ids.sort();
    ids
}

/// A listed lead: (id, Lead Owner, status_id, date_created).
type Listed = (String, Option<String>, String, String);

/// Every visible lead, by paging `GET /lead/`.
async fn listed(app: &crate::helpers::TestApp, k: &str, cf: &str) -> Vec<Listed> {
    let mut out = vec![];
    let mut skip = 0;
    loop {
        let (s, page) = app
            .get(
                k,
                &format!(
                    "lead/?_skip={skip}&_limit=200&_fields=id,status_id,date_created,custom.{cf}"
                ),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        let data = page["data"].as_array().unwrap();
        for l in data {
            out.push((
                l["id"].as_str().unwrap().to_string(),
                l[format!("custom.{cf}")].as_str().map(str::to_string),
                l["status_id"].as_str().unwrap().to_string(),
                l["date_created"].as_str().unwrap().to_string(),
            ));
        }
        skip += data.len();
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn data_search_finds_exactly_the_visible_matching_leads() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let ws = d["workspace_id"].as_str().unwrap().to_string();
        let cf = lead_owner_field(&app, &owner).await;
        let (_, org) = app.get(&owner, &format!("organization/{ws}/")).await;
        let statuses: Vec<String> = org["lead_statuses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect();
        // A member who sees only the leads they own, and the owner who sees all.
        let (_, closer) = app.post(&owner, "role/", &json!({"name": "Closer", "permissions": ["calling"], "visibility_user_lcf_ids": [cf], "visibility_user_lcf_behavior": "require_assignment"})).await;
        let limited = app.demo_member("user");
        let (s, _) = app
            .put(
                &owner,
                &format!("membership/{}/", limited["membership_id"].as_str().unwrap()),
                &json!({"role_id": closer["id"]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let users: Vec<String> = d["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["status"] == "active")
            .map(|m| m["user_id"].as_str().unwrap().to_string())
            .take(3)
            .collect();
        // Leads held by several members, the limited one and nobody, in every status.
        let holders: Vec<Option<String>> = users
            .iter()
            .cloned()
            .map(Some)
            .chain([limited["user_id"].as_str().map(str::to_string), None])
            .collect();
        for i in 0..60 {
            let mut body = json!({"name": format!("Search lead {i}"), "status_id": statuses[i % statuses.len()]});
            if let Some(h) = &holders[i % holders.len()] {
                body[format!("custom.{cf}")] = json!(h);
            }
            let (s, v) = app.post(&owner, "lead/", &body).await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        let all_leads =
            json!({"type": "and", "queries": [{"type": "object_type", "object_type": "lead"}]});
        let cutoff = {
            let everything = listed(&app, &owner, &cf).await;
            let mut dates: Vec<&String> = everything.iter().map(|l| &l.3).collect();
            dates.sort();
            dates[dates.len() / 2].clone()
        };
        for k in [owner.clone(), key(&limited)] {
            let visible = listed(&app, &k, &cf).await;
            assert!(!visible.is_empty());
            let ids = |pred: &dyn Fn(&Listed) -> bool| {
                let mut v: Vec<String> = visible
                    .iter()
                    .filter(|l| pred(l))
                    .map(|l| l.0.clone())
                    .collect();
                v.sort();
                v
            };
            assert_eq!(
                search_all(&app, &k, &all_leads).await,
                ids(&|_| true),
                "all visible"
            );
            let any_of = json!({"type": "and", "queries": [{"type": "field_condition", "field": {"type": "custom_field", "custom_field_id": cf}, "condition": {"type": "reference", "reference_type": "user", "object_ids": users}}]});
            assert_eq!(
                search_all(&app, &k, &any_of).await,
                ids(&|l| l.1.as_ref().is_some_and(|o| users.contains(o))),
                "user field any-of"
            );
            let empty = json!({"type": "field_condition", "field": {"type": "custom_field", "custom_field_id": cf}, "condition": {"type": "exists", "negate": true}});
            assert_eq!(
                search_all(&app, &k, &empty).await,
                ids(&|l| l.1.is_none()),
                "is empty"
            );
            let st = json!({"type": "field_condition", "field": {"type": "regular_field", "object_type": "lead", "field_name": "status_id"}, "condition": {"type": "term", "values": [statuses[0], statuses[1]]}});
            assert_eq!(
                search_all(&app, &k, &st).await,
                ids(&|l| l.2 == statuses[0] || l.2 == statuses[1]),
                "status any-of"
            );
            let dates = json!({"type": "and", "queries": [st, {"type": "field_condition", "field": {"type": "regular_field", "object_type": "lead", "field_name": "date_created"}, "condition": {"type": "moment_range", "on_or_after": {"type": "fixed_utc", "value": cutoff}}}]});
            let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
            assert_eq!(
                search_all(&app, &k, &dates).await,
                ids(&|l| (l.2 == statuses[0] || l.2 == statuses[1])
                    && parse(&l.3) >= parse(&cutoff)),
                "status and date range"
            );
        }
        // A hidden lead never shows up, whatever the query names.
        let hidden = listed(&app, &owner, &cf)
            .await
            .into_iter()
            .find(|l| l.1.as_deref() != limited["user_id"].as_str())
            .unwrap();
        let by_name = json!({"type": "text", "value": ""});
        assert!(
            !search_all(&app, &key(&limited), &by_name)
                .await
                .contains(&hidden.0)
        );

        // results_limit caps the total; _skip past max_skip is refused as Close words it.
        let (s, page) = app
            .post(
                &owner,
                "data/search/",
                &json!({"query": all_leads, "results_limit": 7, "_limit": 5}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(page["data"].as_array().unwrap().len(), 5);
        assert_eq!(page["total_results"], 7);
        let (_, page2) = app
            .post(&owner, "data/search/", &json!({"query": all_leads, "results_limit": 7, "_limit": 5, "cursor": page["cursor"]}))
            .await;
        assert_eq!(page2["data"].as_array().unwrap().len(), 2);
        assert!(page2["cursor"].is_null());
        for (body, field) in [
            (json!({"query": all_leads, "_skip": 10001}), "_skip"),
            (json!({"query": all_leads, "_limit": 0}), "_limit"),
            (json!({"query": "name:acme"}), "query"),
            (json!({"query": {"type": "or", "queries": []}}), "s_query"),
            (
                json!({"query": {"type": "field_condition", "field": {"type": "regular_field", "field_name": "status_id"}, "condition": {"type": "term", "values": ["stat_nope"]}}}),
                "s_query",
            ),
            (
                json!({"query": {"type": "field_condition", "field": {"type": "regular_field", "field_name": "date_updated"}, "condition": {"type": "moment_range", "before": {"value": "yesterday"}}}}),
                "s_query",
            ),
            (json!({"query": all_leads, "bogus": 1}), "bogus"),
        ] {
            let (s, err) = app.post(&owner, "data/search/", &body).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{body} {err}");
            assert_close_error(&err);
            assert!(err["field-errors"][field].is_string(), "{field}: {err}");
        }
        let (_, err) = app
            .post(
                &owner,
                "data/search/",
                &json!({"query": all_leads, "_skip": 10001}),
            )
            .await;
        assert!(
            err["field-errors"]["_skip"]
                .as_str()
                .unwrap()
                .contains("max_skip"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn smart_views_are_private_or_shared_and_never_widen_what_a_member_sees() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let cf = lead_owner_field(&app, &owner).await;
        let users = active_users(&d);
        let (limited, outsider, other) = (&users[0], &users[1], &users[2]);
        let (lid, oid) = (
            limited["user_id"].as_str().unwrap().to_string(),
            other["user_id"].as_str().unwrap().to_string(),
        );
        make_closer(&app, &owner, limited, &cf).await;
        for i in 0..12 {
            let holder = [&lid, &oid, &lid, &oid][i % 4];
            let (s, v) = app
                .post(
                    &owner,
                    "lead/",
                    &json!({"name": format!("View lead {i}"), format!("custom.{cf}"): holder}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        let (_, g) = app
            .post(&owner, "group/", &json!({"name": "Smart view sharers"}))
            .await;
        let gid = g["id"].as_str().unwrap().to_string();
        let (s, _) = app
            .post(
                &owner,
                &format!("group/{gid}/member/"),
                &json!({"user_id": lid}),
            )
            .await;
        assert!(s.is_success());

        let tree = json!({"type": "field_condition", "field": {"type": "custom_field", "custom_field_id": cf}, "condition": {"type": "reference", "object_ids": [lid, oid]}});
        let (s, shared) = app
            .post(&owner, "saved_search/", &json!({"name": "Both closers", "s_query": tree, "sharing_settings": {"group_ids": [gid]}}))
            .await;
        assert_eq!(s, StatusCode::OK, "{shared}");
        assert!(shared["id"].as_str().unwrap().starts_with("save_"));
        assert_eq!(shared["is_shared"], true);
        assert_eq!(shared["sharing_settings"]["group_ids"], json!([gid]));
        let sid = shared["id"].as_str().unwrap().to_string();
        let (_, private) = app
            .post(
                &owner,
                "saved_search/",
                &json!({"name": "Mine", "s_query": tree}),
            )
            .await;
        let pid = private["id"].as_str().unwrap().to_string();
        assert_eq!(private["is_shared"], false);

        // Who sees which view.
        let names = |v: &Value| -> Vec<String> {
            v["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["name"].as_str().unwrap().to_string())
                .collect()
        };
        let (_, mine) = app.get(&key(limited), "saved_search/").await;
        assert_eq!(names(&mine), vec!["Both closers"]);
        assert_eq!(
            app.get(&key(limited), &format!("saved_search/{pid}/"))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        let (_, theirs) = app.get(&key(outsider), "saved_search/").await;
        assert!(names(&theirs).is_empty());
        assert_eq!(
            app.get(&key(outsider), &format!("saved_search/{sid}/"))
                .await
                .0,
            StatusCode::NOT_FOUND
        );

        // Running the view: the owner gets all 12, the limited member only their own 6.
        let run = |k: String, id: String| {
            let app = &app;
            async move {
                let (s, v) = app
                    .post(&k, "data/search/", &json!({"query": {"type": "saved_search", "saved_search_id": id}, "_limit": 100}))
                    .await;
                (s, v)
            }
        };
        let (_, all) = run(owner.clone(), sid.clone()).await;
        assert_eq!(all["total_results"], 12, "{all}");
        let (_, own) = run(key(limited), sid.clone()).await;
        assert_eq!(own["total_results"], 6, "{own}");
        let (_, check) = app.get(&key(limited), "lead/?_limit=200").await;
        assert_eq!(check["total_results"], 6);
        // A view one may not see cannot be run (and says nothing about it).
        let (s, err) = run(key(limited), pid.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{err}");
        let (s, _) = run(key(outsider), sid.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);

        // Sharing needs manage_team_smart_views; a private view is fine; changing a shared
        // view one does not own needs it too.
        let (s, err) = app
            .post(&key(limited), "saved_search/", &json!({"name": "For all", "s_query": tree, "sharing_settings": {"whole_org": true}}))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{err}");
        let (s, own_view) = app
            .post(
                &key(limited),
                "saved_search/",
                &json!({"name": "Just me", "s_query": tree}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{own_view}");
        let (s, _) = app
            .put(
                &key(limited),
                &format!("saved_search/{}/", own_view["id"].as_str().unwrap()),
                &json!({"name": "Just me, renamed"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = app
            .put(
                &key(limited),
                &format!("saved_search/{sid}/"),
                &json!({"name": "Hijacked"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (_, same) = app.get(&owner, &format!("saved_search/{sid}/")).await;
        assert_eq!(same["name"], "Both closers");

        // Bad input changes nothing.
        let before = app.get(&owner, "saved_search/").await.1["data"]
            .as_array()
            .unwrap()
            .len();
        for (body, field) in [
            (json!({"name": "No query"}), "s_query"),
            (json!({"name": "", "s_query": tree}), "name"),
            (json!({"name": "Str", "s_query": "name:acme"}), "s_query"),
            (
                json!({"name": "Or", "s_query": {"type": "or", "queries": []}}),
                "s_query",
            ),
            (
                json!({"name": "Who", "s_query": tree, "sharing_settings": {"user_ids": ["user_nobody"]}}),
                "shared_with",
            ),
            (
                json!({"name": "Grp", "s_query": tree, "sharing_settings": {"group_ids": ["group_nope"]}}),
                "shared_with",
            ),
            (
                json!({"name": "Type", "s_query": tree, "type": "contact"}),
                "type",
            ),
            (
                json!({"name": "Extra", "s_query": tree, "colour": "red"}),
                "colour",
            ),
            (
                json!({"name": "Nested", "s_query": {"type": "saved_search", "saved_search_id": sid}}),
                "s_query",
            ),
        ] {
            let (s, err) = app.post(&owner, "saved_search/", &body).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{body} {err}");
            assert_close_error(&err);
            assert!(err["field-errors"][field].is_string(), "{field}: {err}");
        }
        assert_eq!(
            app.get(&owner, "saved_search/").await.1["data"]
                .as_array()
                .unwrap()
                .len(),
            before
        );

        // An offboarding plan counts the views a member made.
        let (s, plan) = app
            .post(
                &owner,
                &format!(
                    "membership/{}/offboarding_plan/",
                    limited["membership_id"].as_str().unwrap()
                ),
                &json!({"action": "deactivate"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{plan}");
        assert_eq!(plan["smart_views"], 1, "{plan}");

        // Deleting ends it for everyone.
        let (s, _) = app.delete(&owner, &format!("saved_search/{sid}/")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            app.get(&key(limited), &format!("saved_search/{sid}/"))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn lead_events_show_changes_to_those_who_may_see_the_lead() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let cf = lead_owner_field(&app, &owner).await;
        let users = active_users(&d);
        let (limited, other) = (&users[0], &users[1]);
        make_closer(&app, &owner, limited, &cf).await;
        let (_, mine) = app
            .post(
                &owner,
                "lead/",
                &json!({"name": "Mine", format!("custom.{cf}"): limited["user_id"]}),
            )
            .await;
        let (_, theirs) = app
            .post(
                &owner,
                "lead/",
                &json!({"name": "Theirs", format!("custom.{cf}"): other["user_id"]}),
            )
            .await;
        let (mine, theirs) = (
            mine["id"].as_str().unwrap().to_string(),
            theirs["id"].as_str().unwrap().to_string(),
        );
        let (s, _) = app
            .put(
                &owner,
                &format!("lead/{mine}/"),
                &json!({"name": "Mine, renamed"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        app.put(
            &owner,
            &format!("lead/{theirs}/"),
            &json!({"description": "secret plans"}),
        )
        .await;
        let (s, _) = app.delete(&owner, &format!("lead/{theirs}/")).await;
        assert_eq!(s, StatusCode::OK);

        // The owner sees all five, the update with data, previous_data and changed_fields.
        let (_, all) = app.get(&owner, "event/?object_type=lead").await;
        let kinds: Vec<(String, String)> = all["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["lead_id"].as_str().unwrap().to_string(),
                    e["action"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(kinds.len(), 5, "{all}");
        assert!(kinds.contains(&(theirs.clone(), "deleted".into())));
        let (_, upd) = app
            .get(&owner, &format!("event/?lead_id={mine}&action=updated"))
            .await;
        let e = &upd["data"][0];
        assert_eq!(e["changed_fields"], json!(["name"]), "{e}");
        assert_eq!(e["previous_data"]["name"], "Mine");
        assert_eq!(e["data"]["name"], "Mine, renamed");
        assert!(e["user_id"].is_string());

        // The limited member sees only the events of the lead they may see.
        let (_, seen) = app.get(&key(limited), "event/?object_type=lead").await;
        let leads: Vec<&str> = seen["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["lead_id"].as_str().unwrap())
            .collect();
        assert_eq!(leads, vec![mine.as_str(), mine.as_str()], "{seen}");
        let hidden = all["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["lead_id"] == theirs.as_str())
            .unwrap()["id"]
            .as_str()
            .unwrap();
        event_follows_lead_visibility(&app, &owner, &key(limited), hidden, &theirs).await;
    }
}

#[tokio::test]
async fn lead_statuses_can_be_added_renamed_and_deleted_when_unused() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let owner = key(&app.demo()["members"][0]);
        let (s, list) = app.get(&owner, "status/lead/").await;
        assert_eq!(s, StatusCode::OK);
        let first = list["data"].as_array().unwrap().clone();
        assert_eq!(first.len(), 4, "{list}");
        let (s, st) = app
            .post(&owner, "status/lead/", &json!({"label": "Nurture"}))
            .await;
        assert_eq!(s, StatusCode::OK, "{st}");
        let sid = st["id"].as_str().unwrap().to_string();
        assert!(sid.starts_with("stat_"));
        let (_, list) = app.get(&owner, "status/lead/").await;
        assert_eq!(
            list["data"].as_array().unwrap().last().unwrap()["label"],
            "Nurture"
        );

        // Bad input and missing permission change nothing.
        let taken = first[0]["label"].clone();
        for (body, field) in [
            (json!({"label": taken}), "label"),
            (json!({"label": "  "}), "label"),
            (json!({}), "label"),
            (json!({"label": "X", "color": "red"}), "color"),
        ] {
            let (s, err) = app.post(&owner, "status/lead/", &body).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{body} {err}");
            assert!(err["field-errors"][field].is_string(), "{err}");
        }
        let (s, _) = app
            .post(
                &key(&app.demo_member("user")),
                "status/lead/",
                &json!({"label": "Mine"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(
            app.get(&owner, "status/lead/").await.1["data"]
                .as_array()
                .unwrap()
                .len(),
            5
        );

        // Rename; a taken label or an unknown id is refused.
        let (s, r) = app
            .put(
                &owner,
                &format!("status/lead/{sid}/"),
                &json!({"label": "Nurturing"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["label"], "Nurturing");
        let (s, _) = app
            .put(
                &owner,
                &format!("status/lead/{sid}/"),
                &json!({"label": taken}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, _) = app
            .put(&owner, "status/lead/stat_nope/", &json!({"label": "Y"}))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // A status in use cannot go until its leads move.
        let (_, lead) = app
            .post(
                &owner,
                "lead/",
                &json!({"name": "Slow burner", "status_id": sid}),
            )
            .await;
        assert_eq!(lead["status_label"], "Nurturing");
        let (s, err) = app.delete(&owner, &format!("status/lead/{sid}/")).await;
        assert_eq!(s, StatusCode::CONFLICT, "{err}");
        app.put(
            &owner,
            &format!("lead/{}/", lead["id"].as_str().unwrap()),
            &json!({"status_id": first[0]["id"]}),
        )
        .await;
        let (s, _) = app.delete(&owner, &format!("status/lead/{sid}/")).await;
        assert_eq!(s, StatusCode::OK);
        let (_, list) = app.get(&owner, "status/lead/").await;
        assert_eq!(list["data"].as_array().unwrap().len(), 4);
        let (s, _) = app.delete(&owner, &format!("status/lead/{sid}/")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn merging_leads_moves_everything_to_the_destination_once() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let cf = crate::helpers::lead_owner_field(&app, &owner).await;
        let seller = app.demo_member("user");
        let restricted = key(&app.demo_member("restricteduser"));
        let (_, dest) = app
            .post(
                &owner,
                "lead/",
                &json!({"name": "Acme", "contacts": [{"name": "Ann", "emails": [{"email": "ann@acme.example"}]}]}),
            )
            .await;
        let (_, src) = app
            .post(
                &owner,
                "lead/",
                &json!({"name": "ACME Inc (duplicate)", "description": "Found at the fair",
                    "url": "https://acme.example", format!("custom.{cf}"): seller["user_id"],
                    "contacts": [{"name": "Bob", "phones": [{"phone": "+14155550111"}]}]}),
            )
            .await;
        let (dest, src) = (
            dest["id"].as_str().unwrap().to_string(),
            src["id"].as_str().unwrap().to_string(),
        );
        let (s, opp) = app
            .post(
                &owner,
                "opportunity/",
                &json!({"lead_id": src, "value": 5000, "note": "Pilot"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{opp}");
        let (_, task) = app
            .post(
                &owner,
                "task/",
                &json!({"lead_id": src, "text": "Call Bob", "date": "2026-12-09"}),
            )
            .await;
        let (_, note) = app
            .post(
                &owner,
                "activity/note/",
                &json!({"lead_id": src, "note": "Met Bob"}),
            )
            .await;

        // Refusals change nothing.
        for (body, status) in [
            (json!({"source": src}), StatusCode::BAD_REQUEST),
            (
                json!({"source": src, "destination": src}),
                StatusCode::BAD_REQUEST,
            ),
            (
                json!({"source": src, "destination": dest, "keep": "both"}),
                StatusCode::BAD_REQUEST,
            ),
            (
                json!({"source": "lead_nope", "destination": dest}),
                StatusCode::NOT_FOUND,
            ),
        ] {
            let (s, e) = app.post(&owner, "lead/merge/", &body).await;
            assert_eq!(s, status, "{body}: {e}");
        }
        // Without merge_leads: refused. With it, but not seeing the destination: not found.
        let (s, _) = app
            .post(
                &restricted,
                "lead/merge/",
                &json!({"source": src, "destination": dest}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, merger) = app
            .post(
                &owner,
                "role/",
                &json!({"name": "Merger", "permissions": ["merge_leads"],
                    "visibility_user_lcf_ids": [cf], "visibility_user_lcf_behavior": "require_assignment"}),
            )
            .await;
        assert!(s.is_success(), "{merger}");
        app.put(
            &owner,
            &format!("membership/{}/", seller["membership_id"].as_str().unwrap()),
            &json!({"role_id": merger["id"]}),
        )
        .await;
        let (s, _) = app.get(&key(&seller), &format!("lead/{src}/")).await;
        assert_eq!(
            s,
            StatusCode::OK,
            "the seller sees the lead assigned to them"
        );
        let (s, _) = app
            .post(
                &key(&seller),
                "lead/merge/",
                &json!({"source": src, "destination": dest}),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, still) = app.get(&owner, &format!("lead/{src}/")).await;
        assert_eq!(still["contacts"].as_array().unwrap().len(), 1, "{still}");

        let (s, merged) = app
            .post(
                &owner,
                "lead/merge/",
                &json!({"source": src, "destination": dest}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{merged}");
        assert_eq!(merged["id"], dest.as_str());
        assert_eq!(merged["name"], "Acme");
        assert_eq!(merged["description"], "Found at the fair");
        assert_eq!(merged["url"], "https://acme.example");
        assert_eq!(
            merged[format!("custom.{cf}")],
            seller["user_id"],
            "{merged}"
        );
        let mut names: Vec<&str> = merged["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["Ann", "Bob"]);
        let (s, _) = app.get(&owner, &format!("lead/{src}/")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        for (path, id) in [
            ("opportunity", &opp["id"]),
            ("task", &task["id"]),
            ("activity/note", &note["id"]),
        ] {
            let (s, v) = app
                .get(&owner, &format!("{path}/{}/", id.as_str().unwrap()))
                .await;
            assert_eq!(s, StatusCode::OK, "{path}: {v}");
            assert_eq!(v["lead_id"], dest.as_str(), "{path}: {v}");
        }
        let (_, opps) = app
            .get(&owner, &format!("opportunity/?lead_id={dest}"))
            .await;
        assert_eq!(opps["data"].as_array().unwrap().len(), 1, "{opps}");
        // The event log says what happened, each side naming the other.
        let (_, ev) = app
            .get(&owner, &format!("event/?lead_id={dest}&action=merged"))
            .await;
        let ev = &ev["data"][0];
        assert_eq!(ev["data"]["merge_source_lead_id"], src.as_str(), "{ev}");
        let (_, gone) = app
            .get(&owner, &format!("event/?object_type=lead&object_id={src}"))
            .await;
        assert!(
            gone["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == "deleted"
                    && e["data"]["merge_destination_lead_id"] == dest.as_str()),
            "{gone}"
        );
    }
}
