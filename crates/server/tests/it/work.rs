//! Opportunities, tasks and activities: Close shapes, visibility through their lead, and the
//! own/others permissions, on both engines.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    active_users, engines, event_follows_lead_visibility, key, lead_owner_field, make_closer,
    spawn_demo,
};

#[tokio::test]
async fn work_follows_lead_visibility_and_ownership() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let cf = lead_owner_field(&app, &owner).await;
        let users = active_users(&d);
        let (a, b) = (&users[0], &users[1]);
        let r = app.demo_member("restricteduser");
        let (_, closer) = app.post(&owner, "role/", &json!({"name": "Closer", "permissions": ["calling", "delete_own_tasks"], "visibility_user_lcf_ids": [cf], "visibility_user_lcf_behavior": "require_assignment"})).await;
        app.put(
            &owner,
            &format!("membership/{}/", a["membership_id"].as_str().unwrap()),
            &json!({"role_id": closer["id"]}),
        )
        .await;

        let (_, la) = app
            .post(
                &owner,
                "lead/",
                &json!({"name": "A's", format!("custom.{cf}"): a["user_id"]}),
            )
            .await;
        let (_, lb) = app
            .post(
                &owner,
                "lead/",
                &json!({"name": "B's", format!("custom.{cf}"): b["user_id"]}),
            )
            .await;
        let (la, lb) = (
            la["id"].as_str().unwrap().to_string(),
            lb["id"].as_str().unwrap().to_string(),
        );

        // Owner creates work on both leads, giving each to a member.
        let (s, oa) = app.post(&owner, "opportunity/", &json!({"lead_id": la, "user_id": a["user_id"], "value": 250000, "confidence": 40, "note": "Spring deal"})).await;
        assert_eq!(s, StatusCode::OK, "{oa}");
        assert_eq!(oa["value_formatted"], "$2500.00");
        assert_eq!(oa["expected_value"], 100000);
        assert_eq!(oa["status_type"], "active");
        assert!(!oa["user_name"].as_str().unwrap().is_empty());
        let (_, ob) = app
            .post(
                &owner,
                "opportunity/",
                &json!({"lead_id": lb, "user_id": b["user_id"]}),
            )
            .await;
        let (s, ta) = app.post(&owner, "task/", &json!({"lead_id": la, "assigned_to": a["user_id"], "text": "Call back", "date": "2026-12-01"})).await;
        assert_eq!(s, StatusCode::OK, "{ta}");
        assert_eq!(ta["is_complete"], false);
        let (_, tb) = app
            .post(
                &owner,
                "task/",
                &json!({"lead_id": lb, "assigned_to": b["user_id"], "text": "Send contract"}),
            )
            .await;
        let (s, note) = app
            .post(
                &key(b),
                "activity/note/",
                &json!({"lead_id": lb, "note": "Met at the open house"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{note}");
        assert_eq!(note["_type"], "Note");
        assert_eq!(note["user_id"], b["user_id"]);
        let (_, call) = app.post(&owner, "activity/call/", &json!({"lead_id": la, "direction": "outbound", "duration": 120, "note": "Left a voicemail"})).await;

        // Bad input.
        for (path, body, field) in [
            ("task/", json!({"lead_id": la, "date": "tomorrow"}), "date"),
            (
                "opportunity/",
                json!({"lead_id": la, "confidence": 150}),
                "confidence",
            ),
            ("opportunity/", json!({"lead_id": "lead_nope"}), "lead_id"),
            ("task/", json!({"text": "no lead"}), "lead_id"),
            (
                "opportunity/",
                json!({"lead_id": la, "user_id": "user_stranger"}),
                "user_id",
            ),
        ] {
            let (s, err) = app.post(&owner, path, &body).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{path} {body} {err}");
            assert!(err["field-errors"][field].is_string(), "{field}: {err}");
        }

        // The limited member sees only the work on their lead, on every list and by id.
        let ids = |v: &Value| {
            v["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        let (_, v) = app.get(&key(a), "opportunity/").await;
        assert_eq!(ids(&v), vec![oa["id"].as_str().unwrap().to_string()]);
        let (_, v) = app.get(&key(a), "task/").await;
        assert_eq!(ids(&v), vec![ta["id"].as_str().unwrap().to_string()]);
        let (_, v) = app.get(&key(a), "activity/").await;
        assert_eq!(ids(&v), vec![call["id"].as_str().unwrap().to_string()]);
        for path in [
            format!("opportunity/{}/", ob["id"].as_str().unwrap()),
            format!("task/{}/", tb["id"].as_str().unwrap()),
            format!("activity/note/{}/", note["id"].as_str().unwrap()),
        ] {
            assert_eq!(
                app.get(&key(a), &path).await.0,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        let (s, _) = app
            .post(&key(a), "task/", &json!({"lead_id": lb, "text": "sneaky"}))
            .await;
        assert_eq!(
            s,
            StatusCode::BAD_REQUEST,
            "cannot add work to a lead one cannot see"
        );
        let (_, v) = app.get(&owner, "task/?is_complete=false").await;
        assert_eq!(v["data"].as_array().unwrap().len(), 2);

        // Own vs others': the limited member completes their own task and deletes it…
        let (s, done) = app
            .put(
                &key(a),
                &format!("task/{}/", ta["id"].as_str().unwrap()),
                &json!({"is_complete": true}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{done}");
        assert_eq!(done["is_complete"], true);
        // …but a restricted user cannot edit someone else's task or log over others' notes.
        let (s, _) = app
            .put(
                &key(&r),
                &format!("task/{}/", tb["id"].as_str().unwrap()),
                &json!({"text": "mine"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app
            .delete(
                &key(&r),
                &format!("activity/note/{}/", note["id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app
            .put(
                &key(&r),
                &format!("opportunity/{}/", ob["id"].as_str().unwrap()),
                &json!({"user_id": r["user_id"]}),
            )
            .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "taking someone's deal needs manage_others_opportunities"
        );
        let (s, _) = app
            .delete(&key(a), &format!("task/{}/", ta["id"].as_str().unwrap()))
            .await;
        assert_eq!(s, StatusCode::OK);

        // Reassigning an opportunity (how offboarding scripts do it) keeps the name readable.
        let (s, moved) = app
            .put(
                &owner,
                &format!("opportunity/{}/", ob["id"].as_str().unwrap()),
                &json!({"user_id": a["user_id"]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(moved["user_id"], a["user_id"]);
        let (_, v) = app
            .get(
                &owner,
                &format!("opportunity/?user_id={}", a["user_id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(v["data"].as_array().unwrap().len(), 2);

        // Removing a member leaves their activities with their name.
        app.post(
            &owner,
            &format!(
                "membership/{}/remove/",
                b["membership_id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
        let (_, n) = app
            .get(
                &owner,
                &format!("activity/note/{}/", note["id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(n["user_id"], b["user_id"]);
        assert!(!n["user_name"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn opportunity_and_task_pages_show_only_visible_work() {
    let app = crate::helpers::spawn_with(
        engines()[0],
        crate::helpers::Options {
            demo: true,
            demo_leads: 40,
            ..Default::default()
        },
    )
    .await;
    let d = app.demo();
    let owner = key(&d["members"][0]);
    let (_, fields) = app.get(&owner, "custom_field/lead/").await;
    let cf = fields["data"][0]["id"].as_str().unwrap().to_string();
    let u = app.demo_member("user");
    let (_, role) = app.post(&owner, "role/", &json!({"name": "Closer", "permissions": ["calling"], "visibility_user_lcf_ids": [cf], "visibility_user_lcf_behavior": "require_assignment"})).await;
    app.put(
        &owner,
        &format!("membership/{}/", u["membership_id"].as_str().unwrap()),
        &json!({"role_id": role["id"]}),
    )
    .await;
    let (_, lead) = app
        .post(
            &owner,
            "lead/",
            &json!({"name": "Zeta Lofts", format!("custom.{cf}"): u["user_id"]}),
        )
        .await;
    app.post(
        &owner,
        "opportunity/",
        &json!({"lead_id": lead["id"], "user_id": u["user_id"], "value": 990000}),
    )
    .await;
    app.post(
        &owner,
        "task/",
        &json!({"lead_id": lead["id"], "assigned_to": u["user_id"], "text": "Unique zeta task"}),
    )
    .await;

    let admin = crate::helpers::Browser::new(&app.url);
    admin
        .sign_in(d["members"][0]["email"].as_str().unwrap(), "corral-demo")
        .await;
    let (s, _, html) = admin.get("/opportunities").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Zeta Lofts"));
    let (_, v) = app.get(&owner, "opportunity/?_limit=200").await;
    let admin_count = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["status_type"] == "active")
        .count();
    assert!(
        html.contains(&format!("{admin_count} active")),
        "the admin sees every open deal"
    );

    // The limited member's pages hold exactly what the API lets them see.
    let (_, mine) = app.get(&key(&u), "opportunity/?_limit=200").await;
    let mine: Vec<&Value> = mine["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["status_type"] == "active")
        .collect();
    assert!(mine.len() < admin_count);
    let (_, all) = app.get(&owner, "opportunity/?_limit=200").await;
    let hidden = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| !mine.iter().any(|m| m["id"] == o["id"]) && o["status_type"] == "active")
        .unwrap()["lead_name"]
        .as_str()
        .unwrap()
        .to_string();
    let b = crate::helpers::Browser::new(&app.url);
    b.sign_in(u["email"].as_str().unwrap(), "corral-demo").await;
    let (_, _, html) = b.get("/opportunities").await;
    assert!(
        html.contains("Zeta Lofts") && html.contains(&format!("{} active", mine.len())),
        "{html}"
    );
    assert!(
        !html.contains(&format!(">{hidden}<")),
        "{hidden} is on a lead they cannot see"
    );
    let (_, their_tasks) = app
        .get(&key(&u), "task/?_limit=200&is_complete=false")
        .await;
    let (_, _, html) = b.get("/tasks?who=all").await;
    assert!(
        html.contains("Unique zeta task")
            && html.contains(&format!(
                "{} open",
                their_tasks["data"].as_array().unwrap().len()
            ))
    );
}

#[tokio::test]
async fn pipelines_and_opportunity_statuses_are_managed_like_close() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let seller = key(&app.demo_member("user"));
        let (s, pipes) = app.get(&seller, "pipeline/").await;
        assert_eq!(s, StatusCode::OK, "{pipes}");
        assert_eq!(pipes["data"].as_array().unwrap().len(), 1, "{pipes}");
        let sales = pipes["data"][0]["id"].as_str().unwrap().to_string();
        let defaults = pipes["data"][0]["statuses"].as_array().unwrap().len();
        assert!(defaults >= 3, "{pipes}");

        // Only manage_customizations changes them; bad input changes nothing.
        let (s, _) = app
            .post(&seller, "pipeline/", &json!({"name": "Partners"}))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        for (path, body, field) in [
            ("pipeline/", json!({"name": ""}), "name"),
            ("pipeline/", json!({"name": "Sales"}), "name"),
            ("pipeline/", json!({"title": "x"}), "title"),
            (
                "status/opportunity/",
                json!({"label": "Maybe", "type": "perhaps"}),
                "type",
            ),
            (
                "status/opportunity/",
                json!({"label": "Maybe", "pipeline_id": "pipe_nope"}),
                "pipeline_id",
            ),
            ("status/opportunity/", json!({"type": "won"}), "label"),
        ] {
            let (s, e) = app.post(&owner, path, &body).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{path} {body}: {e}");
            assert!(e["field-errors"][field].is_string(), "{e}");
        }

        // A second pipeline with its own statuses.
        let (s, p) = app
            .post(&owner, "pipeline/", &json!({"name": "Partners"}))
            .await;
        assert_eq!(s, StatusCode::OK, "{p}");
        let partners = p["id"].as_str().unwrap().to_string();
        assert_eq!(p["statuses"], json!([]));
        let mut ids = vec![];
        for (label, kind) in [
            ("Talking", "active"),
            ("Signed", "won"),
            ("Dropped", "lost"),
        ] {
            let (s, st) = app
                .post(
                    &owner,
                    "status/opportunity/",
                    &json!({"label": label, "type": kind, "pipeline_id": partners}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{st}");
            assert_eq!(st["pipeline_name"], "Partners");
            assert_eq!(st["type"], kind);
            ids.push(st["id"].as_str().unwrap().to_string());
        }
        let (s, e) = app
            .post(
                &owner,
                "status/opportunity/",
                &json!({"label": "signed", "pipeline_id": partners}),
            )
            .await;
        assert_eq!(
            s,
            StatusCode::BAD_REQUEST,
            "labels are unique in a pipeline: {e}"
        );
        // Reorder: every status once.
        let (s, e) = app
            .put(
                &owner,
                &format!("pipeline/{partners}/"),
                &json!({"statuses": [{"id": ids[0]}]}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
        let (s, p) = app
            .put(
                &owner,
                &format!("pipeline/{partners}/"),
                &json!({"name": "Partnerships", "statuses": [{"id": ids[2]}, {"id": ids[0]}, {"id": ids[1]}]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{p}");
        assert_eq!(p["name"], "Partnerships");
        let order: Vec<&str> = p["statuses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["label"].as_str().unwrap())
            .collect();
        assert_eq!(order, ["Dropped", "Talking", "Signed"]);
        let (s, st) = app
            .put(
                &owner,
                &format!("status/opportunity/{}/", ids[0]),
                &json!({"label": "In talks"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{st}");
        assert_eq!(st["label"], "In talks");

        // An opportunity in a status keeps the status and its pipeline from being deleted.
        let (_, lead) = app
            .post(&owner, "lead/", &json!({"name": "Partner Co"}))
            .await;
        let (s, opp) = app
            .post(
                &owner,
                "opportunity/",
                &json!({"lead_id": lead["id"], "status_id": ids[1], "value": 100}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{opp}");
        assert_eq!(opp["status_type"], "won", "{opp}");
        assert_eq!(opp["pipeline_id"], partners.as_str(), "{opp}");
        let (s, e) = app
            .delete(&owner, &format!("status/opportunity/{}/", ids[1]))
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        let (s, e) = app.delete(&owner, &format!("pipeline/{partners}/")).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        let (s, _) = app
            .delete(&owner, &format!("status/opportunity/{}/", ids[2]))
            .await;
        assert_eq!(s, StatusCode::OK);
        let (_, all) = app.get(&owner, "status/opportunity/").await;
        assert_eq!(all["data"].as_array().unwrap().len(), defaults + 2, "{all}");
        // Once the opportunity has gone elsewhere the pipeline can go; the last one never.
        let (_, sales_p) = app.get(&owner, &format!("pipeline/{sales}/")).await;
        let (s, moved) = app
            .put(
                &owner,
                &format!("opportunity/{}/", opp["id"].as_str().unwrap()),
                &json!({"status_id": sales_p["statuses"][0]["id"]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{moved}");
        let (s, _) = app.delete(&owner, &format!("pipeline/{partners}/")).await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = app.get(&owner, &format!("pipeline/{partners}/")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, e) = app.delete(&owner, &format!("pipeline/{sales}/")).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        // Every change is in the event log.
        let (_, ev) = app
            .get(
                &owner,
                &format!("event/?object_type=pipeline&object_id={partners}"),
            )
            .await;
        let actions: Vec<&str> = ev["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["deleted", "updated", "created"], "{ev}");
    }
}

#[tokio::test]
async fn contacts_and_opportunities_carry_custom_fields() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let seller = app.demo_member("user");
        let mk = |path: &'static str, body: Value| {
            let app = &app;
            let owner = owner.clone();
            async move {
                let (s, f) = app.post(&owner, path, &body).await;
                assert_eq!(s, StatusCode::OK, "{f}");
                f["id"].as_str().unwrap().to_string()
            }
        };
        let birthday = mk(
            "custom_field/contact/",
            json!({"name": "Birthday", "type": "date"}),
        )
        .await;
        let channel = mk(
            "custom_field/contact/",
            json!({"name": "Channels", "type": "choices", "choices": ["email", "phone", "sms"], "accepts_multiple_values": true}),
        )
        .await;
        let seats = mk(
            "custom_field/opportunity/",
            json!({"name": "Seats", "type": "number"}),
        )
        .await;
        let champion = mk(
            "custom_field/opportunity/",
            json!({"name": "Champion", "type": "user", "editable_with_roles": ["admin"]}),
        )
        .await;
        // Same name on another object type is fine; twice on one is not.
        let (s, e) = app
            .post(
                &owner,
                "custom_field/contact/",
                &json!({"name": "Birthday", "type": "text"}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
        let (s, _) = app
            .post(
                &owner,
                "custom_field/opportunity/",
                &json!({"name": "Birthday", "type": "text"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = app
            .post(
                &owner,
                "custom_field/spaceship/",
                &json!({"name": "Fuel", "type": "text"}),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, list) = app.get(&key(&seller), "custom_field/contact/").await;
        assert_eq!(list["data"].as_array().unwrap().len(), 2, "{list}");

        // Values on contacts: with a new lead, alone, and changed; checked like lead fields.
        let (s, lead) = app
            .post(
                &owner,
                "lead/",
                &json!({"name": "Custom Co", "contacts": [{"name": "Cy", format!("custom.{birthday}"): "1990-04-01"}]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{lead}");
        assert_eq!(
            lead["contacts"][0][format!("custom.{birthday}")],
            "1990-04-01",
            "{lead}"
        );
        let lead_id = lead["id"].as_str().unwrap().to_string();
        let (s, c) = app
            .post(
                &owner,
                "contact/",
                &json!({"lead_id": lead_id, "name": "Di", format!("custom.{channel}"): ["email", "sms"]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{c}");
        let cid = c["id"].as_str().unwrap().to_string();
        assert_eq!(c[format!("custom.{channel}")], json!(["email", "sms"]));
        for bad in [
            json!({format!("custom.{birthday}"): "April"}),
            json!({format!("custom.{channel}"): ["fax"]}),
            json!({format!("custom.{seats}"): 3}),
            json!({"custom.cf_nope": "x"}),
        ] {
            let (s, e) = app.put(&owner, &format!("contact/{cid}/"), &bad).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {e}");
        }
        let (s, c) = app
            .put(
                &owner,
                &format!("contact/{cid}/"),
                &json!({format!("custom.{birthday}"): "1985-12-24", format!("custom.{channel}"): null}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{c}");
        assert_eq!(c[format!("custom.{birthday}")], "1985-12-24");
        assert!(c.get(format!("custom.{channel}")).is_none(), "{c}");
        let (_, again) = app.get(&owner, &format!("contact/{cid}/")).await;
        assert_eq!(again[format!("custom.{birthday}")], "1985-12-24", "{again}");

        // Values on opportunities, with editable_with_roles enforced.
        let (s, o) = app
            .post(
                &owner,
                "opportunity/",
                &json!({"lead_id": lead_id, "value": 900, format!("custom.{seats}"): "12", format!("custom.{champion}"): seller["user_id"]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{o}");
        assert_eq!(o[format!("custom.{seats}")], 12.0, "{o}");
        assert_eq!(o[format!("custom.{champion}")], seller["user_id"]);
        let oid = o["id"].as_str().unwrap().to_string();
        let (s, e) = app
            .put(
                &owner,
                &format!("opportunity/{oid}/"),
                &json!({format!("custom.{champion}"): "user_ghost"}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
        let (s, mine) = app
            .post(
                &key(&seller),
                "opportunity/",
                &json!({"lead_id": lead_id, format!("custom.{champion}"): seller["user_id"]}),
            )
            .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "only admins edit Champion: {mine}"
        );
        let (s, e) = app
            .post(
                &owner,
                "task/",
                &json!({"lead_id": lead_id, "text": "x", format!("custom.{seats}"): 1}),
            )
            .await;
        assert_eq!(
            s,
            StatusCode::BAD_REQUEST,
            "tasks have no custom fields: {e}"
        );
        let (_, o2) = app.get(&owner, &format!("opportunity/{oid}/")).await;
        assert_eq!(o2[format!("custom.{seats}")], 12.0, "{o2}");

        // Deleting a field takes its values off every record.
        let (s, _) = app
            .delete(&owner, &format!("custom_field/opportunity/{seats}/"))
            .await;
        assert_eq!(s, StatusCode::OK);
        let (_, o3) = app.get(&owner, &format!("opportunity/{oid}/")).await;
        assert!(o3.get(format!("custom.{seats}")).is_none(), "{o3}");
        assert_eq!(o3[format!("custom.{champion}")], seller["user_id"], "{o3}");
        let (_, ev) = app
            .get(
                &owner,
                "event/?object_type=custom_fields.opportunity&action=deleted",
            )
            .await;
        assert_eq!(ev["data"][0]["object_id"], seats.as_str(), "{ev}");
    }
}

#[tokio::test]
async fn contacts_opportunities_tasks_and_activities_are_in_the_event_log_of_their_lead() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let cf = lead_owner_field(&app, &owner).await;
        let users = active_users(&d);
        let (limited, other) = (&users[0], &users[1]);
        make_closer(&app, &owner, limited, &cf).await;
        let (_, statuses) = app.get(&owner, "status/opportunity/").await;
        let won = statuses["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["type"] == "won")
            .unwrap()["id"]
            .clone();
        // A subscription to won opportunities is accepted now that opportunities have events.
        let (s, hook) = app
            .post(
                &owner,
                "webhook/",
                &json!({"url": "https://hooks.example.com/won", "events": [{"object_type": "opportunity", "action": "updated", "extra_filter": {"type": "field_accessor", "field": "data.status_type", "filter": {"type": "equals", "value": "won"}}}]}),
            )
            .await;
        assert!(s.is_success(), "{hook}");

        let mut leads = vec![];
        for (name, holder) in [("Mine", limited), ("Theirs", other)] {
            let (_, lead) = app
                .post(
                    &owner,
                    "lead/",
                    &json!({"name": name, format!("custom.{cf}"): holder["user_id"], "contacts": [{"name": "Pat"}]}),
                )
                .await;
            let lead = lead["id"].as_str().unwrap().to_string();
            let (s, c) = app
                .post(&owner, "contact/", &json!({"lead_id": lead, "name": "Sam"}))
                .await;
            assert_eq!(s, StatusCode::OK, "{c}");
            let (s, _) = app
                .put(
                    &owner,
                    &format!("contact/{}/", c["id"].as_str().unwrap()),
                    &json!({"title": "CFO"}),
                )
                .await;
            assert_eq!(s, StatusCode::OK);
            let (_, opp) = app
                .post(
                    &owner,
                    "opportunity/",
                    &json!({"lead_id": lead, "value": 5000}),
                )
                .await;
            let (s, _) = app
                .put(
                    &owner,
                    &format!("opportunity/{}/", opp["id"].as_str().unwrap()),
                    &json!({"status_id": won}),
                )
                .await;
            assert_eq!(s, StatusCode::OK);
            let (_, task) = app
                .post(&owner, "task/", &json!({"lead_id": lead, "text": "Call"}))
                .await;
            let (s, _) = app
                .delete(&owner, &format!("task/{}/", task["id"].as_str().unwrap()))
                .await;
            assert_eq!(s, StatusCode::OK);
            let (s, _) = app
                .post(
                    &owner,
                    "activity/note/",
                    &json!({"lead_id": lead, "note": "Met"}),
                )
                .await;
            assert_eq!(s, StatusCode::OK);
            leads.push(lead);
        }
        let (mine, theirs) = (&leads[0], &leads[1]);

        // Everything about a lead, by lead_id: the lead and each of its records.
        let (s, log) = app.get(&owner, &format!("event/?lead_id={mine}")).await;
        assert_eq!(s, StatusCode::OK, "{log}");
        let mut seen: Vec<(String, String)> = log["data"]
            .as_array()
            .unwrap()
            .iter()
            .inspect(|e| assert_eq!(e["lead_id"], mine.as_str(), "{e}"))
            .map(|e| {
                (
                    e["object_type"].as_str().unwrap().to_string(),
                    e["action"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        seen.sort();
        let pair = |t: &str, a: &str| (t.to_string(), a.to_string());
        assert_eq!(
            seen,
            vec![
                pair("activity.note", "created"),
                pair("contact", "created"),
                pair("contact", "created"),
                pair("contact", "updated"),
                pair("lead", "created"),
                pair("opportunity", "created"),
                pair("opportunity", "updated"),
                pair("task.lead", "created"),
                pair("task.lead", "deleted"),
            ],
            "{engine:?}: {log}"
        );
        let (_, won_ev) = app
            .get(
                &owner,
                &format!("event/?lead_id={mine}&object_type=opportunity&action=updated"),
            )
            .await;
        let e = &won_ev["data"][0];
        assert_eq!(
            e["changed_fields"],
            json!(["date_won", "status_id", "status_label", "status_type"]),
            "{e}"
        );
        assert_eq!(e["previous_data"]["status_type"], "active");
        assert_eq!(e["data"]["status_type"], "won");
        assert_eq!(e["data"]["value"], 5000);

        // The won opportunities were queued for the subscription, nothing else.
        let (_, deliveries) = app
            .get(
                &owner,
                &format!("webhook/{}/delivery/", hook["id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(
            deliveries["data"].as_array().map(Vec::len),
            Some(2),
            "{engine:?}: {deliveries}"
        );

        // A member who may not see a lead sees none of its records' events.
        let (_, opps) = app
            .get(&key(limited), "event/?object_type=opportunity")
            .await;
        let of: Vec<&str> = opps["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["lead_id"].as_str().unwrap())
            .collect();
        assert_eq!(of, vec![mine.as_str(), mine.as_str()], "{engine:?}: {opps}");
        let (_, hidden) = app
            .get(
                &owner,
                &format!("event/?lead_id={theirs}&object_type=contact"),
            )
            .await;
        let hidden = hidden["data"][0]["id"].as_str().unwrap();
        event_follows_lead_visibility(&app, &owner, &key(limited), hidden, theirs).await;
    }
}
