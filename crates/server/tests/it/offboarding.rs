//! Offboarding: inventory, dry run, atomic hand-over with the status change, manifest, undo
//! of what nobody changed since — on both engines.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, active_member, active_users, engines, key, lead_owner_field, spawn_demo,
};

#[tokio::test]
async fn offboarding_hands_everything_over_and_undo_puts_back_what_is_untouched() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let cf = lead_owner_field(&app, &owner).await;
        let users = active_users(&d);
        let (leaver, a, b) = (&users[0], &users[1], &users[2]);
        let uid = leaver["user_id"].as_str().unwrap().to_string();
        let mid = leaver["membership_id"].as_str().unwrap().to_string();

        let mut leads = vec![];
        for i in 0..6 {
            let (_, l) = app
                .post(
                    &owner,
                    "lead/",
                    &json!({"name": format!("Held {i}"), format!("custom.{cf}"): uid}),
                )
                .await;
            leads.push(l["id"].as_str().unwrap().to_string());
        }
        for lead in &leads[..3] {
            let (s, o) = app
                .post(
                    &owner,
                    "opportunity/",
                    &json!({"lead_id": lead, "user_id": uid, "value": 1000}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{o}");
        }
        for (i, lead) in leads[..4].iter().enumerate() {
            app.post(
                &owner,
                "task/",
                &json!({"lead_id": lead, "assigned_to": uid, "text": format!("Task {i}")}),
            )
            .await;
        }
        let (_, done) = app
            .post(
                &owner,
                "task/",
                &json!({"lead_id": leads[0], "assigned_to": uid, "text": "Done already"}),
            )
            .await;
        app.put(
            &owner,
            &format!("task/{}/", done["id"].as_str().unwrap()),
            &json!({"is_complete": true}),
        )
        .await;
        let (_, note) = app
            .post(
                &key(leaver),
                "activity/note/",
                &json!({"lead_id": leads[0], "note": "My note"}),
            )
            .await;

        // Dry run with removal's default (unassign everything).
        let (s, plan) = app
            .post(
                &owner,
                &format!("membership/{mid}/offboarding_plan/"),
                &json!({"action": "remove"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{plan}");
        let counts: Vec<i64> = plan["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["count"].as_i64().unwrap())
            .collect();
        // Leads, opportunities, tasks, team contacts (the demo made them responsible for one)
        // and phone numbers.
        assert_eq!(counts, vec![6, 3, 4, 1, 0], "{plan}");
        assert_eq!(plan["moves"], 14);
        assert_eq!(plan["moves_by_target"]["unassigned"], 14);
        assert_eq!(plan["activities_stay"], 1);
        assert_eq!(plan["api_keys"], 1);

        let choices = json!({
            "action": "remove",
            "leads": {"mode": "round_robin", "user_ids": [a["user_id"], b["user_id"]]},
            "opportunities": {"mode": "reassign", "user_id": a["user_id"]},
            "tasks": {"mode": "reassign", "user_id": b["user_id"]},
        });
        let (_, plan) = app
            .post(
                &owner,
                &format!("membership/{mid}/offboarding_plan/"),
                &choices,
            )
            .await;
        assert_eq!(plan["moves_by_target"][a["user_id"].as_str().unwrap()], 6);
        assert_eq!(plan["moves_by_target"][b["user_id"].as_str().unwrap()], 7);

        // Round robin over a group: its active members, the leaver left out.
        let (_, g) = app.post(&owner, "group/", &json!({"name": "Heirs"})).await;
        let gid = g["id"].as_str().unwrap().to_string();
        for u in [&a["user_id"], &b["user_id"], &json!(uid)] {
            let (s, v) = app
                .post(
                    &owner,
                    &format!("group/{gid}/member/"),
                    &json!({"user_id": u}),
                )
                .await;
            assert!(s.is_success(), "{v}");
        }
        let mut by_group = choices.clone();
        by_group["leads"] = json!({"mode": "round_robin", "group_id": gid});
        let (s, plan2) = app
            .post(
                &owner,
                &format!("membership/{mid}/offboarding_plan/"),
                &by_group,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{plan2}");
        assert_eq!(plan2["moves_by_target"], plan["moves_by_target"], "{plan2}");
        // A member of the group who is out of office is left out, as round robin does.
        let until = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
        let (s, v) = app
            .put(
                &owner,
                &format!("out_of_office/{}/", a["user_id"].as_str().unwrap()),
                &json!({"until": until}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let mut to_b = by_group.clone();
        to_b["opportunities"] = json!({"mode": "reassign", "user_id": b["user_id"]});
        let (_, plan3) = app
            .post(
                &owner,
                &format!("membership/{mid}/offboarding_plan/"),
                &to_b,
            )
            .await;
        assert!(
            plan3["moves_by_target"]
                .get(a["user_id"].as_str().unwrap())
                .is_none(),
            "{plan3}"
        );
        assert_eq!(
            plan3["moves_by_target"][b["user_id"].as_str().unwrap()],
            13,
            "{plan3}"
        );
        app.put(
            &owner,
            &format!("out_of_office/{}/", a["user_id"].as_str().unwrap()),
            &json!({"until": null}),
        )
        .await;
        let (_, lonely) = app
            .post(&owner, "group/", &json!({"name": "Only the leaver"}))
            .await;
        let lonely = lonely["id"].as_str().unwrap().to_string();
        app.post(
            &owner,
            &format!("group/{lonely}/member/"),
            &json!({"user_id": uid}),
        )
        .await;
        for g in [lonely.as_str(), "group_doesnotexist0000000"] {
            let mut bad = choices.clone();
            bad["leads"] = json!({"mode": "round_robin", "group_id": g});
            let (s, err) = app
                .post(&owner, &format!("membership/{mid}/offboarding_plan/"), &bad)
                .await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{g}: {err}");
            assert!(err["field-errors"]["leads"].is_string(), "{err}");
        }

        // Bad choices and bad actors change nothing.
        for bad in [
            json!({"action": "remove", "leads": {"mode": "reassign", "user_id": uid}}),
            json!({"action": "remove", "tasks": {"mode": "reassign", "user_id": "user_ghost"}}),
            json!({"action": "remove", "leads": {"mode": "teleport"}}),
            json!({"action": "retire"}),
        ] {
            let (s, err) = app
                .post(&owner, &format!("membership/{mid}/offboard/"), &bad)
                .await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{bad} {err}");
        }
        let (s, _) = app
            .post(
                &key(&app.demo_member("superuser")),
                &format!("membership/{mid}/offboard/"),
                &choices,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (_, m) = app.get(&owner, &format!("membership/{mid}/")).await;
        assert_eq!(m["status"], "active", "nothing changed");

        let (s, run) = app
            .post(&owner, &format!("membership/{mid}/offboard/"), &choices)
            .await;
        assert_eq!(s, StatusCode::OK, "{run}");
        assert_eq!(run["moved"], 14, "{run}");
        let oid = run["id"].as_str().unwrap().to_string();
        // The manifest: per kind and receiver, the records that moved; the history lists the
        // offboarding without it.
        let (s, shown) = app.get(&owner, &format!("offboarding/{oid}/")).await;
        assert_eq!(s, StatusCode::OK, "{shown}");
        let groups = shown["manifest"].as_array().unwrap();
        let records = |groups: &[Value]| -> usize {
            groups
                .iter()
                .map(|g| g["record_ids"].as_array().unwrap().len())
                .sum()
        };
        assert_eq!(records(groups), 14);
        assert!(groups.iter().all(|g| g["from"] == uid.as_str()));
        let (_, list) = app.get(&owner, "offboarding/").await;
        assert_eq!(list["data"][0]["id"], oid.as_str());
        assert_eq!(list["data"][0]["moved"], 14);
        assert_eq!(list["has_more"], false);
        assert!(list["data"][0].get("manifest").is_none());
        let (s, _) = app
            .get(
                &key(&app.demo_member("superuser")),
                &format!("offboarding/{oid}/"),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (_, m) = app.get(&owner, &format!("membership/{mid}/")).await;
        assert_eq!(m["status"], "removed");
        let count = |path: String| {
            let app = &app;
            let owner = owner.clone();
            async move {
                let (_, v) = app.get(&owner, &path).await;
                v["data"].as_array().unwrap().len()
            }
        };
        assert_eq!(count(format!("lead/?query=custom.{cf}:{uid}")).await, 0);
        assert_eq!(
            count(format!(
                "lead/?query=custom.{cf}:{}",
                a["user_id"].as_str().unwrap()
            ))
            .await,
            3
        );
        assert_eq!(
            count(format!(
                "lead/?query=custom.{cf}:{}",
                b["user_id"].as_str().unwrap()
            ))
            .await,
            3
        );
        assert_eq!(
            count(format!(
                "opportunity/?user_id={}",
                a["user_id"].as_str().unwrap()
            ))
            .await,
            3
        );
        assert_eq!(
            count(format!(
                "task/?assigned_to={}&is_complete=false",
                b["user_id"].as_str().unwrap()
            ))
            .await,
            4
        );
        assert_eq!(
            count(format!("task/?assigned_to={uid}")).await,
            1,
            "completed tasks stay"
        );
        let (_, n) = app
            .get(
                &owner,
                &format!("activity/note/{}/", note["id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(n["user_id"], uid.as_str(), "activities are never moved");
        let (_, ev) = app.get(&owner, "audit_log/?object_type=offboarding").await;
        assert_eq!(
            records(ev["data"][0]["data"]["manifest"].as_array().unwrap()),
            14
        );

        // Someone changes one moved lead; undo puts back the rest and says what it skipped.
        let touched = groups.iter().find(|m| m["kind"] == "lead_field").unwrap()["record_ids"][0]
            .as_str()
            .unwrap()
            .to_string();
        app.put(
            &owner,
            &format!("lead/{touched}/"),
            &json!({format!("custom.{cf}"): d["members"][0]["user_id"]}),
        )
        .await;
        let (s, undo) = app
            .post(
                &owner,
                &format!("offboarding/{}/undo/", run["id"].as_str().unwrap()),
                &json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{undo}");
        assert_eq!(undo["restored"], 13);
        assert_eq!(undo["skipped"][0]["record_id"], touched.as_str());
        assert!(
            undo["skipped"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("changed since")
        );
        assert_eq!(count(format!("lead/?query=custom.{cf}:{uid}")).await, 5);
        assert_eq!(count(format!("opportunity/?user_id={uid}")).await, 3);
        let (s, _) = app
            .post(
                &owner,
                &format!("offboarding/{}/undo/", run["id"].as_str().unwrap()),
                &json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "undo happens once");
    }
}

#[tokio::test]
async fn round_robin_assigns_fairly_across_batches_and_only_to_active_pool_members() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let cf = lead_owner_field(&app, &owner).await;
        // The demo puts every User-role member in the pool; deactivate one of them.
        let pool: Vec<Value> = d["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role_id"] == "user" && m["status"] == "active")
            .cloned()
            .collect();
        let gone = &pool[0];
        app.delete(
            &owner,
            &format!("membership/{}/", gone["membership_id"].as_str().unwrap()),
        )
        .await;
        let active: Vec<String> = pool[1..]
            .iter()
            .map(|m| m["user_id"].as_str().unwrap().to_string())
            .collect();
        for i in 0..25 {
            app.post(&owner, "lead/", &json!({"name": format!("Inbound {i:02}")}))
                .await;
        }
        app.post(
            &owner,
            "lead/",
            &json!({"name": "Inbound taken", format!("custom.{cf}"): active[0]}),
        )
        .await;

        let mut counts = std::collections::HashMap::<String, i64>::new();
        for (query, expect) in [("\"Inbound 0\"", 10), ("\"Inbound\"", 15)] {
            let (s, r) = app
                .post(
                    &owner,
                    "lead/assign/",
                    &json!({"strategy": "round_robin", "query": query}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{r}");
            assert_eq!(r["assigned"], expect, "only unassigned leads: {r}");
            for (u, n) in r["by_member"].as_object().unwrap() {
                assert!(active.contains(u), "never a deactivated member: {u}");
                *counts.entry(u.clone()).or_default() += n.as_i64().unwrap();
            }
        }
        let (lo, hi) = (
            counts.values().min().unwrap(),
            counts.values().max().unwrap(),
        );
        assert!(hi - lo <= 1, "fair across both batches: {counts:?}");
        assert!(!counts.contains_key(gone["user_id"].as_str().unwrap()));
        let (_, v) = app
            .get(&owner, &format!("lead/?query=custom.{cf}:none"))
            .await;
        assert_eq!(v["total_results"], 0, "everything got an owner");
        let (_, log) = app.get(&owner, "audit_log/?object_type=assignment").await;
        assert_eq!(
            log["data"].as_array().unwrap().len(),
            2,
            "every decision is logged"
        );
        // …in the audit log only: the event log every member reads never names leads.
        let (_, ev) = app
            .get(&key(&pool[1]), "event/?object_type=assignment")
            .await;
        assert!(ev["data"].as_array().unwrap().is_empty(), "{ev}");
        let (s, _) = app
            .get(
                &key(&pool[1]),
                &format!("event/{}/", log["data"][0]["id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(
            log["data"][0]["data"]["decisions"]
                .as_array()
                .unwrap()
                .len(),
            15
        );

        // Least loaded, over a group; and the permission.
        for i in 0..4 {
            app.post(&owner, "lead/", &json!({"name": format!("Late {i}")}))
                .await;
        }
        let (_, groups) = app.get(&owner, "group/").await;
        let closers = groups["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == "Closers")
            .unwrap()["id"]
            .clone();
        let (s, r) = app
            .post(
                &owner,
                "lead/assign/",
                &json!({"strategy": "least_loaded", "query": "Late", "group_id": closers}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["assigned"], 4);
        let (s, _) = app
            .post(
                &owner,
                "lead/assign/",
                &json!({"strategy": "alphabetical", "query": ""}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, _) = app
            .post(&key(&pool[1]), "lead/assign/", &json!({"query": ""}))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "assigning needs assign_leads");
    }
}

#[tokio::test]
async fn removing_a_member_unassigns_or_reassigns_what_they_held() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let cf = lead_owner_field(&app, &owner).await;
        let users = active_users(&d);
        let (x, y, heir) = (&users[0], &users[1], &users[2]);
        for (m, n) in [(x, 2), (y, 3)] {
            for i in 0..n {
                app.post(
                    &owner,
                    "lead/",
                    &json!({"name": format!("{i}"), format!("custom.{cf}"): m["user_id"]}),
                )
                .await;
            }
        }
        let total = |u: &Value| {
            let app = &app;
            let (owner, cf, u) = (
                owner.clone(),
                cf.clone(),
                u["user_id"].as_str().unwrap().to_string(),
            );
            async move {
                app.get(&owner, &format!("lead/?query=custom.{cf}:{u}"))
                    .await
                    .1["total_results"]
                    .as_i64()
                    .unwrap()
            }
        };
        // By default (seed 003) removal leaves their records unassigned.
        let (s, m) = app
            .post(
                &owner,
                &format!(
                    "membership/{}/remove/",
                    x["membership_id"].as_str().unwrap()
                ),
                &json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{m}");
        assert_eq!(total(x).await, 0);
        let (_, v) = app
            .get(&owner, &format!("lead/?query=custom.{cf}:none"))
            .await;
        assert_eq!(v["total_results"], 2);
        // Or everything goes to a chosen member.
        let (s, _) = app
            .post(
                &owner,
                &format!(
                    "membership/{}/remove/",
                    y["membership_id"].as_str().unwrap()
                ),
                &json!({"reassign_to": heir["user_id"]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(total(heir).await, 3);
        // Handing records to someone who is not an active member is refused, and nothing changes.
        let z = &users[3];
        let (s, _) = app
            .post(
                &owner,
                &format!(
                    "membership/{}/remove/",
                    z["membership_id"].as_str().unwrap()
                ),
                &json!({"reassign_to": x["user_id"]}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (_, m) = app
            .get(
                &owner,
                &format!("membership/{}/", z["membership_id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(m["status"], "active");
    }
}

#[tokio::test]
async fn new_leads_are_auto_assigned_and_offline_members_can_be_skipped() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let cf = lead_owner_field(&app, &owner).await;
        // Off by default: a new lead stays unassigned.
        let (_, l) = app.post(&owner, "lead/", &json!({"name": "Before"})).await;
        assert!(l[format!("custom.{cf}")].is_null(), "{l}");
        let (s, rr) = app
            .put(
                &owner,
                "round_robin_settings/",
                &json!({"auto_assign_new_leads": true, "strategy": "round_robin"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{rr}");
        let (s, _) = app
            .put(
                &owner,
                "round_robin_settings/",
                &json!({"strategy": "sideways"}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let pool: Vec<String> = {
            let (_, ms) = app.get(&owner, "membership/?_limit=500").await;
            ms["data"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| m["round_robin"] == true && m["status"] == "active")
                .map(|m| m["user_id"].as_str().unwrap().to_string())
                .collect()
        };
        assert!(pool.len() >= 2, "the demo has a round-robin pool");
        let mut got = std::collections::HashMap::<String, usize>::new();
        for i in 0..pool.len() * 2 {
            let (_, l) = app
                .post(&owner, "lead/", &json!({"name": format!("Auto {i}")}))
                .await;
            let who = l[format!("custom.{cf}")]
                .as_str()
                .expect("auto-assigned")
                .to_string();
            assert!(pool.contains(&who), "only active pool members get leads");
            *got.entry(who).or_default() += 1;
        }
        assert!(got.values().all(|n| *n == 2), "fair rotation: {got:?}");
        // A lead created with an owner keeps it.
        let (_, l) = app
            .post(
                &owner,
                "lead/",
                &json!({"name": "Owned", format!("custom.{cf}"): d["members"][0]["user_id"]}),
            )
            .await;
        assert_eq!(l[format!("custom.{cf}")], d["members"][0]["user_id"]);
        // Skipping offline members: nobody is online here, so new leads wait unassigned…
        app.put(
            &owner,
            "round_robin_settings/",
            &json!({"skip_offline_members": true}),
        )
        .await;
        let (_, l) = app
            .post(&owner, "lead/", &json!({"name": "Nobody online"}))
            .await;
        assert!(l[format!("custom.{cf}")].is_null(), "{l}");
        // …until a pool member opens Corral.
        let member = d["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["user_id"] == pool[0].as_str())
            .unwrap();
        let b = crate::helpers::Browser::new(&app.url);
        b.sign_in(member["email"].as_str().unwrap(), "corral-demo")
            .await;
        let mut sse = crate::helpers::client()
            .get(format!("{}/events/presence", app.url))
            .header(
                "cookie",
                format!("corral_session={}", b.cookie("corral_session").unwrap()),
            )
            .send()
            .await
            .unwrap();
        let _ = tokio::time::timeout(std::time::Duration::from_millis(300), sse.chunk()).await;
        let (_, l) = app
            .post(&owner, "lead/", &json!({"name": "Someone online"}))
            .await;
        assert_eq!(l[format!("custom.{cf}")], pool[0].as_str());
        drop(sse);
        // Every decision is in the audit log.
        let (_, log) = app
            .get(
                &owner,
                "audit_log/?object_type=assignment&action=auto_assign",
            )
            .await;
        assert_eq!(log["data"].as_array().unwrap().len(), pool.len() * 2 + 1);
    }
}

#[tokio::test]
async fn members_out_of_office_are_left_out_of_round_robin_until_they_are_back() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let admin = key(&d["members"][0]);
        let mut leads = vec![];
        for i in 0..6 {
            let (s, l) = app
                .post(&admin, "lead/", &json!({"name": format!("Away test {i}")}))
                .await;
            assert_eq!(s, StatusCode::OK, "{l}");
            leads.push(l["id"].as_str().unwrap().to_string());
        }
        // Who is in the pool: an assignment of nothing answers with it.
        let (s, r) = app
            .post(&admin, "lead/assign/", &json!({"lead_ids": ["lead_none"]}))
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let pool: Vec<String> = r["pool"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u.as_str().unwrap().to_string())
            .collect();
        assert!(pool.len() >= 2, "{r}");
        let member = |uid: &str| {
            d["members"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["user_id"] == uid)
                .unwrap()
                .clone()
        };
        let away = member(&pool[0]);
        let away_id = pool[0].clone();
        let path = format!("out_of_office/{away_id}/");
        let soon = |secs: i64| (chrono::Utc::now() + chrono::Duration::seconds(secs)).to_rfc3339();

        // Bad input changes nothing; only oneself or someone with manage_users may set it.
        for bad in [
            json!({}),
            json!({"until": "tomorrow"}),
            json!({"until": soon(-60)}),
            json!({"until": soon(60), "note": "x".repeat(201)}),
            json!({"until": soon(60), "mood": "sunny"}),
        ] {
            let (s, e) = app.put(&key(&away), &path, &bad).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{bad} {e}");
        }
        let outsider = d["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["role_id"] == "user" && m["status"] == "active" && m["user_id"] != away_id)
            .unwrap()
            .clone();
        let (s, _) = app
            .put(&key(&outsider), &path, &json!({"until": soon(3600)}))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app
            .put(
                &admin,
                "out_of_office/user_nobody/",
                &json!({"until": soon(3600)}),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, list) = app.get(&admin, "out_of_office/").await;
        assert_eq!(list["data"].as_array().unwrap().len(), 0, "{list}");

        // Away for an hour, by their own hand: round robin leaves them out.
        let (s, v) = app
            .put(
                &key(&away),
                &path,
                &json!({"until": soon(3600), "note": "Holiday"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (_, list) = app.get(&admin, "out_of_office/").await;
        assert_eq!(list["data"][0]["user_id"], away_id, "{list}");
        assert_eq!(list["data"][0]["note"], "Holiday");
        let (s, r) = app
            .post(&admin, "lead/assign/", &json!({"lead_ids": leads[..3]}))
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["assigned"], 3, "{r}");
        assert!(
            !r["pool"].as_array().unwrap().contains(&json!(away_id)),
            "{r}"
        );
        assert!(r["by_member"].get(&away_id).is_none(), "{r}");

        // The workspace may choose to include them anyway.
        let (s, v) = app
            .put(
                &admin,
                "round_robin_settings/",
                &json!({"skip_out_of_office_members": false}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["skip_out_of_office_members"], false);
        let (_, r) = app
            .post(&admin, "lead/assign/", &json!({"lead_ids": ["lead_none"]}))
            .await;
        assert!(
            r["pool"].as_array().unwrap().contains(&json!(away_id)),
            "{r}"
        );
        app.put(
            &admin,
            "round_robin_settings/",
            &json!({"skip_out_of_office_members": true}),
        )
        .await;

        // Time away ends by itself.
        let (s, _) = app.put(&admin, &path, &json!({"until": soon(2)})).await;
        assert_eq!(s, StatusCode::OK);
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        let (_, list) = app.get(&admin, "out_of_office/").await;
        assert_eq!(list["data"].as_array().unwrap().len(), 0, "{list}");
        let (_, r) = app
            .post(&admin, "lead/assign/", &json!({"lead_ids": leads[3..]}))
            .await;
        assert!(
            r["pool"].as_array().unwrap().contains(&json!(away_id)),
            "{r}"
        );
        // And an administrator can bring someone back early.
        app.put(&admin, &path, &json!({"until": soon(3600)})).await;
        let (s, _) = app.put(&admin, &path, &json!({"until": null})).await;
        assert_eq!(s, StatusCode::OK);
        let (_, list) = app.get(&admin, "out_of_office/").await;
        assert_eq!(list["data"].as_array().unwrap().len(), 0, "{list}");
    }
}

/// A user field holding several members: handing the leaver's place to a member already in it
/// leaves that member there once, and the leaver nowhere.
#[tokio::test]
async fn handing_over_a_multi_member_field_never_doubles_the_receiver_and_undo_keeps_who_was_there()
{
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let owner_id = d["members"][0]["user_id"].as_str().unwrap();
        let (s, f) = app
            .post(
                &owner,
                "custom_field/lead/",
                &json!({"name": "Account team", "type": "user", "accepts_multiple_values": true}),
            )
            .await;
        assert!(s.is_success(), "{f}");
        let cf = f["id"].as_str().unwrap().to_string();
        let user = |n| active_member(&d, "user", n);
        let id = |m: &Value| m["user_id"].as_str().unwrap().to_string();
        let (heir, other) = (id(user(1)), id(user(2)));
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        // One leaver per way of handing over; each shares leads with the heir and another.
        for (n, disposition) in [
            (3, json!({"mode": "reassign", "user_id": heir})),
            (4, json!({"mode": "round_robin", "user_ids": [heir, other]})),
            (5, json!({"mode": "unassign"})),
            // Round robin over one member deals every lead to the heir, those holding them too.
            (6, json!({"mode": "round_robin", "user_ids": [heir]})),
        ] {
            let leaver = id(user(n));
            let before = vec![
                sorted(vec![leaver.clone(), heir.clone()]),
                vec![leaver.clone()],
                sorted(vec![other.clone(), leaver.clone()]),
            ];
            let mut leads = vec![];
            for team in &before {
                let (s, l) = app
                    .post(
                        &owner,
                        "lead/",
                        &json!({"name": "Shared", format!("custom.{cf}"): team}),
                    )
                    .await;
                assert!(s.is_success(), "{l}");
                leads.push(l["id"].as_str().unwrap().to_string());
            }
            let (s, run) = app
                .post(
                    &owner,
                    &format!(
                        "membership/{}/offboard/",
                        user(n)["membership_id"].as_str().unwrap()
                    ),
                    &json!({"action": "deactivate", "leads": disposition}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{run}");
            assert_eq!(run["moved"], 3, "{engine:?} {disposition}: {run}");
            let after = members_in(&app, &owner, &leads, &cf).await;
            for (t, lead) in &after {
                // Every lead that changed hands is stamped updated by whoever offboarded.
                assert_eq!(lead["updated_by"], owner_id, "{engine:?}: {lead}");
                assert!(
                    lead["date_updated"].as_str().unwrap() > lead["date_created"].as_str().unwrap(),
                    "{lead}"
                );
                assert!(!t.contains(&leaver), "{engine:?} {disposition}: {t:?}");
                let mut unique = t.clone();
                unique.dedup();
                assert_eq!(&unique, t, "{engine:?} {disposition}: nobody twice");
            }
            let after: Vec<Vec<String>> = after.into_iter().map(|(t, _)| t).collect();
            let mode = disposition["mode"].as_str().unwrap();
            match mode {
                _ if mode == "reassign" || disposition["user_ids"] == json!([heir]) => assert_eq!(
                    after,
                    vec![
                        vec![heir.clone()],
                        vec![heir.clone()],
                        sorted(vec![other.clone(), heir.clone()])
                    ],
                    "{engine:?}"
                ),
                "unassign" => assert_eq!(
                    after,
                    vec![vec![heir.clone()], vec![], vec![other.clone()]],
                    "{engine:?}"
                ),
                _ => {
                    // Dealt to the heir (already there) or to the other member.
                    assert!(after[0].contains(&heir), "{engine:?}: {after:?}");
                    assert_eq!(after[1].len(), 1, "{engine:?}: {after:?}");
                    assert!(after[2].contains(&other), "{engine:?}: {after:?}");
                }
            }
            // Undo gives the leaver back and takes away only what the offboarding gave:
            // members who were in the field before stay.
            let (s, undo) = app
                .post(
                    &owner,
                    &format!("offboarding/{}/undo/", run["id"].as_str().unwrap()),
                    &json!({}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{undo}");
            assert_eq!(undo["restored"], 3, "{engine:?} {disposition}: {undo}");
            let back: Vec<Vec<String>> = members_in(&app, &owner, &leads, &cf)
                .await
                .into_iter()
                .map(|(t, _)| t)
                .collect();
            assert_eq!(back, before, "{engine:?} {disposition}");
        }
    }
}

/// The members each lead's user field `cf` holds (sorted), with the lead.
async fn members_in(
    app: &TestApp,
    key: &str,
    leads: &[String],
    cf: &str,
) -> Vec<(Vec<String>, Value)> {
    let mut out = vec![];
    for l in leads {
        let (_, lead) = app.get(key, &format!("lead/{l}/")).await;
        let mut t: Vec<String> = lead[format!("custom.{cf}")]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        t.sort();
        out.push((t, lead));
    }
    out
}
