//! Sharing contacts with the team (SPEC S5) over the API, on both engines: privacy of
//! personal address books, send (snapshot) vs assign (live), personal labels, auto-share
//! rules and templates, sync and conflicts, bulk actions, the board and permissions.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, engines, key, spawn_demo};

use crate::helpers::active_member as member;

async fn create(app: &TestApp, k: &str, body: Value) -> Value {
    let (s, c) = app.post(k, "personal_contact/", &body).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    c
}

async fn team_copies(app: &TestApp, k: &str, personal_id: &str) -> Vec<Value> {
    let (s, c) = app
        .get(k, &format!("personal_contact/{personal_id}/"))
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    c["team_copies"].as_array().unwrap().clone()
}

#[tokio::test]
async fn personal_contacts_are_private_and_sends_are_snapshots_without_personal_fields() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let admin = key(&d["members"][0]);
        let alice = key(member(&d, "user", 0));
        let bob = key(member(&d, "user", 1));
        // Nothing is shared automatically in this test.
        let (s, _) = app
            .put(
                &admin,
                "sharing_settings/",
                &json!({"template": "residential_real_estate"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);

        let c = create(
            &app,
            &alice,
            json!({
                "name": "Dana Scully", "title": "CTO", "company": "Acme", "segment": "customer",
                "emails": [{"value": "dana@acme.example", "label": "work"}, {"value": "dana@home.example", "personal": true}],
                "phones": [{"value": "+1 555 0100", "personal": true}]
            }),
        )
        .await;
        let id = c["id"].as_str().unwrap().to_string();
        assert!(team_copies(&app, &alice, &id).await.is_empty());

        // Nobody else reads it: not a colleague, not an admin.
        for other in [&bob, &admin] {
            let (s, _) = app.get(other, &format!("personal_contact/{id}/")).await;
            assert_eq!(s, StatusCode::NOT_FOUND);
            let (_, list) = app.get(other, "personal_contact/").await;
            assert!(!list.to_string().contains("Dana"), "{list}");
            let (s, _) = app
                .put(
                    other,
                    &format!("personal_contact/{id}/"),
                    &json!({"name": "x"}),
                )
                .await;
            assert_eq!(s, StatusCode::NOT_FOUND);
        }
        // Admins see the size of each address book, never the content.
        let (s, sizes) = app.get(&admin, "personal_contact/address_books/").await;
        assert_eq!(s, StatusCode::OK);
        let alice_id = member(&d, "user", 0)["user_id"].as_str().unwrap();
        let row = sizes["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["user_id"] == alice_id)
            .unwrap();
        let (_, own) = app.get(&alice, "personal_contact/").await;
        assert_eq!(row["contacts"], own["data"].as_array().unwrap().len());
        assert!(!sizes.to_string().contains("Dana"));
        let (s, _) = app.get(&alice, "personal_contact/address_books/").await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // Send to team: a snapshot without the personal-labelled entries.
        let (s, r) = app
            .post(
                &alice,
                "personal_contact/bulk_action/",
                &json!({"action": "send", "contact_ids": [id]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["count"], 1);
        let copies = team_copies(&app, &alice, &id).await;
        assert_eq!(copies.len(), 1);
        let copy = &copies[0];
        assert_eq!(copy["mode"], "snapshot");
        assert_eq!(
            copy["emails"],
            json!([{"value": "dana@acme.example", "label": "work"}])
        );
        assert_eq!(copy["phones"], json!([]));
        assert!(!copy.to_string().contains("home.example"));
        let tid = copy["id"].as_str().unwrap().to_string();
        // The team sees it.
        let (s, seen) = app.get(&bob, &format!("team_contact/{tid}/")).await;
        assert_eq!(s, StatusCode::OK, "{seen}");
        // Later edits of the personal contact never reach a snapshot.
        app.put(
            &alice,
            &format!("personal_contact/{id}/"),
            &json!({"title": "CEO"}),
        )
        .await;
        let (_, seen) = app.get(&bob, &format!("team_contact/{tid}/")).await;
        assert_eq!(seen["title"], "CTO");

        // Personal-segment contacts are never shared, by hand either.
        let fam = create(&app, &alice, json!({"name": "Mum", "segment": "family"})).await;
        for action in [
            json!({"action": "send"}),
            json!({"action": "assign", "assigned_to": alice_id}),
        ] {
            let mut body = action.clone();
            body["contact_ids"] = json!([fam["id"]]);
            let (s, e) = app
                .post(&alice, "personal_contact/bulk_action/", &body)
                .await;
            assert!(s == StatusCode::FORBIDDEN, "{s} {e}");
        }
        assert!(
            team_copies(&app, &alice, fam["id"].as_str().unwrap())
                .await
                .is_empty()
        );

        // Bad input changes nothing.
        let (_, before) = app.get(&bob, "team_contact/").await;
        for bad in [
            json!({"name": "X", "segment": "enemy"}),
            json!({"name": "X", "emails": [{"value": "not-an-email"}]}),
            json!({"name": "X", "emails": "x@y.z"}),
            json!({"name": "X", "shoe": 1}),
            json!({"segment": "customer"}),
        ] {
            let (s, e) = app.post(&alice, "personal_contact/", &bad).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{bad} → {e}");
        }
        let (s, _) = app
            .post(
                &alice,
                "personal_contact/bulk_action/",
                &json!({"action": "fling", "contact_ids": [id]}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        // One foreign id in a bulk action fails the whole action.
        let (s, _) = app
            .post(
                &bob,
                "personal_contact/bulk_action/",
                &json!({"action": "send", "contact_ids": [id]}),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, after) = app.get(&bob, "team_contact/").await;
        assert_eq!(before["total_results"], after["total_results"]);
    }
}

#[tokio::test]
async fn assign_keeps_a_live_copy_syncs_and_asks_the_owner_on_conflicts() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let admin = key(&d["members"][0]);
        let alice = key(member(&d, "user", 0));
        let bob_m = member(&d, "user", 1);
        let bob = key(bob_m);
        let bob_id = bob_m["user_id"].as_str().unwrap();
        app.put(
            &admin,
            "sharing_settings/",
            &json!({"template": "residential_real_estate"}),
        )
        .await;
        let c = create(
            &app,
            &alice,
            json!({"name": "Fox Mulder", "title": "Agent", "company": "FBI"}),
        )
        .await;
        let id = c["id"].as_str().unwrap().to_string();
        // A plain user lacks assign_leads? The demo's user role has it or not: the admin assigns.
        let (s, r) = app
            .post(
                &alice,
                "personal_contact/bulk_action/",
                &json!({"action": "assign", "contact_ids": [id], "assigned_to": bob_id}),
            )
            .await;
        if s == StatusCode::FORBIDDEN {
            // Assigning needs `assign_leads`; give Alice a role that has it.
            let (_, roles) = app.get(&admin, "role/").await;
            assert!(roles.to_string().contains("assign_leads"), "{r}");
            let alice_m = member(&d, "user", 0)["membership_id"].as_str().unwrap();
            let (s, e) = app
                .put(
                    &admin,
                    &format!("membership/{alice_m}/"),
                    &json!({"role_id": "manager"}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{e}");
            let (s, r) = app
                .post(
                    &alice,
                    "personal_contact/bulk_action/",
                    &json!({"action": "assign", "contact_ids": [id], "assigned_to": bob_id}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{r}");
        } else {
            assert_eq!(s, StatusCode::OK, "{r}");
        }
        let copies = team_copies(&app, &alice, &id).await;
        assert_eq!(copies.len(), 1);
        assert_eq!(copies[0]["mode"], "live");
        assert_eq!(copies[0]["assigned_to"], bob_id);
        let tid = copies[0]["id"].as_str().unwrap().to_string();

        // A non-conflicting edit flows to the live copy.
        app.put(
            &alice,
            &format!("personal_contact/{id}/"),
            &json!({"title": "Special Agent"}),
        )
        .await;
        let (_, t) = app.get(&bob, &format!("team_contact/{tid}/")).await;
        assert_eq!(t["title"], "Special Agent");
        assert_eq!(t["out_of_sync"], false);

        // The assignee shares their timeline with their manager; nobody else may set it.
        let (s, t) = app
            .put(
                &bob,
                &format!("team_contact/{tid}/"),
                &json!({"timeline_visibility": "manager"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{t}");
        assert_eq!(t["timeline_visibility"], "manager");
        let (s, _) = app
            .put(
                &alice,
                &format!("team_contact/{tid}/"),
                &json!({"timeline_visibility": "team"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // The team edits the company; the owner edits it too: a conflict, nothing lost.
        let (s, t) = app
            .put(
                &bob,
                &format!("team_contact/{tid}/"),
                &json!({"company": "FBI X-Files"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{t}");
        app.put(
            &alice,
            &format!("personal_contact/{id}/"),
            &json!({"company": "Lone Gunmen", "name": "Fox W. Mulder"}),
        )
        .await;
        let (_, t) = app.get(&bob, &format!("team_contact/{tid}/")).await;
        assert_eq!(t["out_of_sync"], true, "{t}");
        assert_eq!(
            t["company"], "FBI X-Files",
            "the team's edit stays until the owner decides"
        );
        assert_eq!(
            t["name"], "Fox W. Mulder",
            "the non-conflicting change synced"
        );
        let (_, prompts) = app.get(&alice, "sync_prompt/").await;
        let p = prompts["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == tid.as_str())
            .expect("a prompt for the copy");
        assert_eq!(p["conflicts"][0]["field"], "company");
        assert_eq!(p["conflicts"][0]["yours"], "Lone Gunmen");
        assert_eq!(p["conflicts"][0]["team"], "FBI X-Files");
        // Only the owner resolves.
        let (s, _) = app
            .post(
                &bob,
                &format!("team_contact/{tid}/resolve/"),
                &json!({"resolution": "accept"}),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app
            .post(
                &alice,
                &format!("team_contact/{tid}/resolve/"),
                &json!({"resolution": "maybe"}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, t) = app
            .post(
                &alice,
                &format!("team_contact/{tid}/resolve/"),
                &json!({"resolution": "accept"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{t}");
        assert_eq!(t["company"], "Lone Gunmen");
        assert_eq!(t["out_of_sync"], false);
        assert!(
            !app.get(&alice, "sync_prompt/").await.1["data"]
                .to_string()
                .contains(&tid)
        );
        // Discard keeps the team's value.
        app.put(
            &bob,
            &format!("team_contact/{tid}/"),
            &json!({"title": "Retired"}),
        )
        .await;
        app.put(
            &alice,
            &format!("personal_contact/{id}/"),
            &json!({"title": "Agent again"}),
        )
        .await;
        let (s, t) = app
            .post(
                &alice,
                &format!("team_contact/{tid}/resolve/"),
                &json!({"resolution": "discard"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{t}");
        assert_eq!(t["title"], "Retired");
        // The event log tells the story.
        let (_, events) = app.get(&admin, &format!("event/?object_id={tid}")).await;
        let actions: Vec<&str> = events["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for a in ["assigned", "out_of_sync", "sync_resolved"] {
            assert!(actions.contains(&a), "{a} missing from {actions:?}");
        }

        // Moving the personal contact to a personal segment ends the sync.
        app.put(
            &alice,
            &format!("personal_contact/{id}/"),
            &json!({"segment": "friend", "title": "Pal"}),
        )
        .await;
        let (_, t) = app.get(&bob, &format!("team_contact/{tid}/")).await;
        assert_eq!(t["mode"], "snapshot");
        assert_eq!(t["title"], "Retired");
        assert_ne!(t["segment"], "friend");

        // Unshare by the owner removes the team copy; the rules leave it alone afterwards.
        let (s, _) = app
            .post(
                &alice,
                "personal_contact/bulk_action/",
                &json!({"action": "unshare", "contact_ids": [id]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = app.get(&bob, &format!("team_contact/{tid}/")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn auto_share_rules_follow_the_template_and_never_share_personal_segments() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let admin = key(&d["members"][0]);
        let alice = key(member(&d, "user", 0));
        // Only an administrator changes the rules.
        let (s, _) = app
            .put(
                &alice,
                "sharing_settings/",
                &json!({"template": "standard"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, st) = app
            .put(
                &admin,
                "sharing_settings/",
                &json!({"template": "standard"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{st}");
        assert_eq!(st["share_business_segments"], true);
        let (s, _) = app
            .put(&admin, "sharing_settings/", &json!({"template": "mining"}))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);

        let biz = create(
            &app,
            &alice,
            json!({"name": "Walter Skinner", "segment": "partner"}),
        )
        .await;
        let copies = team_copies(&app, &alice, biz["id"].as_str().unwrap()).await;
        assert_eq!(
            copies.len(),
            1,
            "a business contact is shared under the standard template"
        );
        assert_eq!(copies[0]["mode"], "live");
        let friend = create(
            &app,
            &alice,
            json!({"name": "Frohike", "segment": "friend"}),
        )
        .await;
        assert!(
            team_copies(&app, &alice, friend["id"].as_str().unwrap())
                .await
                .is_empty()
        );
        let unset = create(&app, &alice, json!({"name": "Langly"})).await;
        assert!(
            team_copies(&app, &alice, unset["id"].as_str().unwrap())
                .await
                .is_empty()
        );

        // On a deal: contacts linked to an opportunity are shared.
        let (_, lead) = app
            .post(&admin, "lead/", &json!({"name": "Deal lead"}))
            .await;
        let (s, opp) = app
            .post(
                &admin,
                "opportunity/",
                &json!({"lead_id": lead["id"], "value": 500}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{opp}");
        let (s, on_deal) = app
            .post(
                &admin,
                "personal_contact/",
                &json!({"name": "Byers", "opportunity_id": opp["id"]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{on_deal}");
        assert_eq!(
            team_copies(&app, &admin, on_deal["id"].as_str().unwrap())
                .await
                .len(),
            1
        );
        // ... unless it is personal.
        let (_, fam) = app
            .post(
                &admin,
                "personal_contact/",
                &json!({"name": "Uncle", "segment": "family", "opportunity_id": opp["id"]}),
            )
            .await;
        assert!(
            team_copies(&app, &admin, fam["id"].as_str().unwrap())
                .await
                .is_empty()
        );

        // Residential real estate shares nothing automatically.
        app.put(
            &admin,
            "sharing_settings/",
            &json!({"template": "residential_real_estate"}),
        )
        .await;
        let quiet = create(
            &app,
            &alice,
            json!({"name": "Krycek", "segment": "customer"}),
        )
        .await;
        assert!(
            team_copies(&app, &alice, quiet["id"].as_str().unwrap())
                .await
                .is_empty()
        );
        // One rule back on.
        let (_, st) = app
            .put(
                &admin,
                "sharing_settings/",
                &json!({"share_business_segments": true}),
            )
            .await;
        assert_eq!(st["template"], "residential_real_estate");
        assert_eq!(st["share_business_segments"], true);
        assert_eq!(st["share_deal_contacts"], false);
    }
}

#[tokio::test]
async fn the_board_has_a_column_per_active_member_and_assigning_moves_cards() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let admin = key(&d["members"][0]);
        let user = key(member(&d, "user", 0));
        let target = member(&d, "user", 1)["user_id"]
            .as_str()
            .unwrap()
            .to_string();
        let c = create(
            &app,
            &admin,
            json!({"name": "Board card", "segment": "customer"}),
        )
        .await;
        let tid = team_copies(&app, &admin, c["id"].as_str().unwrap()).await[0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let (s, board) = app.get(&user, "team_contact/board/").await;
        assert_eq!(s, StatusCode::OK);
        let cols = board["columns"].as_array().unwrap();
        assert_eq!(cols.last().unwrap()["name"], "Unassigned");
        assert!(cols.last().unwrap()["cards"].to_string().contains(&tid));
        // Pending, deactivated and removed members have no column.
        for m in d["members"].as_array().unwrap() {
            let has = cols.iter().any(|c| c["user_id"] == m["user_id"]);
            assert_eq!(has, m["status"] == "active", "{m}");
        }
        // A member without assign_leads cannot move cards.
        let (s, _) = app
            .put(
                &user,
                &format!("team_contact/{tid}/"),
                &json!({"assigned_to": target}),
            )
            .await;
        if s == StatusCode::OK {
            panic!("the demo's user role should not hold assign_leads");
        }
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, t) = app
            .put(
                &admin,
                &format!("team_contact/{tid}/"),
                &json!({"assigned_to": target}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{t}");
        let (_, board) = app.get(&admin, "team_contact/board/").await;
        let col = board["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["user_id"] == target.as_str())
            .unwrap();
        assert!(col["cards"].to_string().contains(&tid));
        // Not to someone inactive.
        let gone = d["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["status"] == "deactivated")
            .unwrap();
        let (s, _) = app
            .put(
                &admin,
                &format!("team_contact/{tid}/"),
                &json!({"assigned_to": gone["user_id"]}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        // Mixed changes in one request are refused whole.
        let (s, _) = app
            .put(
                &admin,
                &format!("team_contact/{tid}/"),
                &json!({"assigned_to": null, "name": "Renamed"}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (_, t) = app.get(&admin, &format!("team_contact/{tid}/")).await;
        assert_eq!(t["name"], "Board card");
        assert_eq!(t["assigned_to"], target.as_str());
        // Filter by assignee.
        let (_, mine) = app
            .get(&admin, &format!("team_contact/?assigned_to={target}"))
            .await;
        assert_eq!(mine["total_results"], 1);
        let (_, none) = app.get(&admin, "team_contact/?assigned_to=none").await;
        assert!(!none.to_string().contains(&tid));
    }
}
