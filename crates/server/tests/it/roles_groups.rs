//! Roles and groups through the API on both engines (SPEC S3, S9), and the official Close
//! client creating a role and switching a membership's role.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_close_error, engines, key, lead_owner_field, spawn_demo};

#[tokio::test]
async fn roles_api_as_close_describes_it() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let owner = key(&app.demo()["members"][0]);
        let (s, list) = app.get(&owner, "role/").await;
        assert_eq!(s, StatusCode::OK);
        let ids: Vec<&str> = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            vec!["admin", "superuser", "manager", "user", "restricteduser"]
        );
        let su = &list["data"][1];
        assert_eq!(su["name"], "Super User");
        assert_eq!(su["editable"], false);
        assert!(
            !su["permissions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p == "manage_organization" || p == "manage_users")
        );
        assert!(su["visibility_user_lcf_ids"].is_null());

        // Built-ins are immutable.
        let (s, err) = app
            .put(&owner, "role/user/", &json!({"permissions": ["calling"]}))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_close_error(&err);
        let r = app
            .http
            .delete(app.api("role/admin/"))
            .basic_auth(&owner, Some(""))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);

        // Create: 201; validation names the field.
        let cf = lead_owner_field(&app, &owner).await;
        for (body, field) in [
            (
                json!({"name": "Closer", "permissions": ["calling", "teleport"]}),
                "permissions",
            ),
            (
                json!({"name": "Closer", "permissions": ["calling"]}),
                "visibility_user_lcf_ids",
            ),
            (
                json!({"name": "Closer", "permissions": ["calling"], "visibility_user_lcf_ids": [cf], "visibility_user_lcf_behavior": "sometimes"}),
                "visibility_user_lcf_behavior",
            ),
            (
                json!({"name": "Closer", "permissions": ["calling"], "visibility_user_lcf_ids": ["cf_nope"], "visibility_user_lcf_behavior": "allow_unassigned"}),
                "visibility_user_lcf_ids",
            ),
            (
                json!({"name": "Closer", "permissions": ["calling", "view_all_leads"], "visibility_user_lcf_ids": [cf], "visibility_user_lcf_behavior": "allow_unassigned"}),
                "visibility_user_lcf_ids",
            ),
            (
                json!({"name": "Admin", "permissions": ["calling", "view_all_leads"]}),
                "name",
            ),
            (
                json!({"name": "Closer", "permissions": "calling"}),
                "permissions",
            ),
            (json!({"permissions": ["calling"]}), "name"),
        ] {
            let (s, err) = app.post(&owner, "role/", &body).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{body} {err}");
            assert!(err["field-errors"][field].is_string(), "{field}: {err}");
        }
        let (s, role) = app
            .post(&owner, "role/", &json!({"name": "Closer", "permissions": ["calling", "export", "delete_own_tasks"], "visibility_user_lcf_ids": [cf], "visibility_user_lcf_behavior": "require_assignment", "visibility_include_reports": true}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{role}");
        let rid = role["id"].as_str().unwrap().to_string();
        assert!(rid.starts_with("role_"));
        assert_eq!(role["editable"], true);
        assert_eq!(
            role["permissions"],
            json!(["export", "delete_own_tasks", "calling"])
        );
        assert_eq!(role["visibility_include_reports"], true);
        let (s, dup) = app
            .post(
                &owner,
                "role/",
                &json!({"name": "Closer", "permissions": ["view_all_leads"]}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(dup["field-errors"]["name"].is_string());

        // PUT is partial.
        let (s, upd) = app.put(&owner, &format!("role/{rid}/"), &json!({"permissions": ["calling", "view_all_leads"], "visibility_user_lcf_ids": null, "visibility_user_lcf_behavior": null, "visibility_include_reports": false})).await;
        assert_eq!(s, StatusCode::OK, "{upd}");
        assert_eq!(upd["name"], "Closer");
        assert!(upd["visibility_user_lcf_ids"].is_null());
        let (_, got) = app.get(&owner, &format!("role/{rid}/")).await;
        assert_eq!(got["permissions"], json!(["view_all_leads", "calling"]));

        // Assign it; the holder's permissions follow the role on their next request.
        let user = app.demo_member("user");
        let mid = user["membership_id"].as_str().unwrap();
        let (s, m) = app
            .put(
                &owner,
                &format!("membership/{mid}/"),
                &json!({"role_id": rid}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{m}");
        let (_, me) = app.get(&key(&user), "me/").await;
        assert_eq!(
            me["memberships"][0]["permissions_granted"],
            json!(["view_all_leads", "calling"])
        );
        app.put(
            &owner,
            &format!("role/{rid}/"),
            &json!({"permissions": ["calling", "view_all_leads", "export"]}),
        )
        .await;
        let (_, me) = app.get(&key(&user), "me/").await;
        assert_eq!(
            me["memberships"][0]["permissions_granted"],
            json!(["view_all_leads", "export", "calling"])
        );

        // Restrictions only take away, and /me/ shows the effective set.
        app.put(
            &owner,
            &format!("membership/{mid}/"),
            &json!({"restrictions": ["no_export"]}),
        )
        .await;
        let (_, me) = app.get(&key(&user), "me/").await;
        assert_eq!(
            me["memberships"][0]["permissions_granted"],
            json!(["view_all_leads", "calling"])
        );

        // Deleting a held role: 409 with the count, or move the holders.
        let (s, err) = app.delete(&owner, &format!("role/{rid}/")).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(err["error"].as_str().unwrap().contains("1 member"), "{err}");
        let (s, v) = app
            .delete(
                &owner,
                &format!("role/{rid}/?move_members_to=restricteduser"),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["members_moved"], 1);
        let (_, m) = app.get(&owner, &format!("membership/{mid}/")).await;
        assert_eq!(m["role_id"], "restricteduser");
        assert_eq!(
            app.get(&owner, &format!("role/{rid}/")).await.0,
            StatusCode::NOT_FOUND
        );

        // Only manage_organization manages roles; a manager cannot even create one.
        let (s, _) = app
            .post(
                &key(&app.demo_member("manager")),
                "role/",
                &json!({"name": "X", "permissions": ["view_all_leads"]}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // Audited under object type `role`.
        let (_, ev) = app.get(&owner, "event/?object_type=role").await;
        let actions: Vec<&str> = ev["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, vec!["deleted", "updated", "updated", "created"]);
    }
}

#[tokio::test]
async fn groups_api_as_close_describes_it() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let owner = key(&app.demo()["members"][0]);
        let (s, list) = app.get(&owner, "group/").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(list["data"].as_array().unwrap().len(), 3);
        assert!(
            list["data"][0].get("members").is_none(),
            "the list has no members"
        );

        let (s, g) = app
            .post(&owner, "group/", &json!({"name": "Night Shift"}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{g}");
        assert_eq!(g["members"], json!([]));
        let gid = g["id"].as_str().unwrap().to_string();
        assert!(gid.starts_with("group_"));
        let (s, err) = app
            .post(&owner, "group/", &json!({"name": "Night Shift"}))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(err["field-errors"]["name"].is_string());
        let (s, _) = app.post(&owner, "group/", &json!({"name": ""})).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);

        let uid = app.demo_member("user")["user_id"]
            .as_str()
            .unwrap()
            .to_string();
        for _ in 0..2 {
            let (s, v) = app
                .post(
                    &owner,
                    &format!("group/{gid}/member/"),
                    &json!({"user_id": uid}),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "idempotent: {v}");
            assert_eq!(v, json!({"user_id": uid}));
        }
        let (s, err) = app
            .post(
                &owner,
                &format!("group/{gid}/member/"),
                &json!({"user_id": "user_stranger"}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(
            err["error"]
                .as_str()
                .unwrap()
                .contains("Invalid organization members")
        );
        let (_, g) = app
            .get(&owner, &format!("group/{gid}/?_fields=id,members"))
            .await;
        assert_eq!(g, json!({"id": gid, "members": [{"user_id": uid}]}));

        let (s, g) = app
            .put(
                &owner,
                &format!("group/{gid}/"),
                &json!({"name": "Late Shift"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(g["name"], "Late Shift");
        let (s, _) = app
            .put(
                &owner,
                &format!("group/{gid}/"),
                &json!({"name": "Closers"}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "duplicate name");

        let r = app
            .http
            .delete(app.api(&format!("group/{gid}/member/{uid}/")))
            .basic_auth(&owner, Some(""))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let r = app
            .http
            .delete(app.api(&format!("group/{gid}/member/{uid}/")))
            .basic_auth(&owner, Some(""))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::NO_CONTENT,
            "no-op when not a member"
        );
        let r = app
            .http
            .delete(app.api(&format!("group/{gid}/")))
            .basic_auth(&owner, Some(""))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            app.get(&owner, &format!("group/{gid}/")).await.0,
            StatusCode::NOT_FOUND
        );

        let (s, _) = app
            .post(
                &key(&app.demo_member("manager")),
                "group/",
                &json!({"name": "X"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (_, ev) = app
            .get(&owner, &format!("event/?object_type=group&object_id={gid}"))
            .await;
        assert_eq!(ev["data"].as_array().unwrap().len(), 5, "{ev}");
    }
}

#[tokio::test]
async fn official_close_client_creates_a_role_and_switches_a_membership_to_it() {
    let Some(python) = crate::close_client::python_with_closeio() else {
        return;
    };
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let owner = key(&app.demo()["members"][0]);
        let mid = app.demo_member("user")["membership_id"]
            .as_str()
            .unwrap()
            .to_string();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/close_client/roles.py");
        let base = format!("{}/api/v1/", app.url);
        let python = python.clone();
        let out = tokio::task::spawn_blocking(move || {
            Command::new(&python)
                .args([script, &base, &owner, &mid])
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{engine:?}\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("passed, 0 failed"));
    }
}

#[tokio::test]
async fn custom_fields_can_be_managed_and_drive_visibility() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let su = key(&app.demo_member("superuser"));
        let (s, sdr) = app
            .post(
                &su,
                "custom_field/lead/",
                &json!({"name": "SDR", "type": "user"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "superusers manage customizations: {sdr}");
        let sdr_id = sdr["id"].as_str().unwrap().to_string();
        let (s, tier) = app.post(&owner, "custom_field/lead/", &json!({"name": "Tier", "type": "choices", "choices": ["Gold", "Silver"], "editable_with_roles": ["admin"]})).await;
        assert_eq!(s, StatusCode::OK, "{tier}");
        let tier_id = tier["id"].as_str().unwrap().to_string();
        for (body, field) in [
            (json!({"name": "X", "type": "colour"}), "type"),
            (json!({"name": "SDR", "type": "user"}), "name"),
            (json!({"name": "Y", "type": "choices"}), "choices"),
            (
                json!({"name": "Z", "type": "text", "editable_with_roles": ["role_nope"]}),
                "editable_with_roles",
            ),
        ] {
            let (s, err) = app.post(&owner, "custom_field/lead/", &body).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{body} {err}");
            assert!(err["field-errors"][field].is_string(), "{field}: {err}");
        }
        // Contact fields are their own list (they never decide lead visibility).
        let (s, cf) = app
            .post(
                &owner,
                "custom_field/contact/",
                &json!({"name": "C", "type": "text"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{cf}");
        let (_, lead_fields) = app.get(&owner, "custom_field/lead/").await;
        assert!(
            !lead_fields["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["id"] == cf["id"]),
            "{lead_fields}"
        );
        assert_eq!(
            app.post(
                &key(&app.demo_member("user")),
                "custom_field/lead/",
                &json!({"name": "U", "type": "text"})
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );

        // Values are checked against the field; editable_with_roles limits who may set them.
        let (s, err) = app
            .post(
                &owner,
                "lead/",
                &json!({"name": "L", format!("custom.{tier_id}"): "Bronze"}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{err}");
        let (s, _) = app
            .post(
                &owner,
                "lead/",
                &json!({"name": "L", format!("custom.{tier_id}"): "Gold"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = app
            .post(
                &su,
                "lead/",
                &json!({"name": "L2", format!("custom.{tier_id}"): "Gold"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "only admins may set Tier");

        // A role can see leads through the new user field; while it does, the field stays.
        let a = app.demo_member("restricteduser");
        let (_, role) = app.post(&owner, "role/", &json!({"name": "SDRs", "permissions": ["calling"], "visibility_user_lcf_ids": [sdr_id], "visibility_user_lcf_behavior": "require_assignment"})).await;
        app.put(
            &owner,
            &format!("membership/{}/", a["membership_id"].as_str().unwrap()),
            &json!({"role_id": role["id"]}),
        )
        .await;
        app.post(
            &owner,
            "lead/",
            &json!({"name": "Prospect", format!("custom.{sdr_id}"): a["user_id"]}),
        )
        .await;
        let (_, v) = app.get(&key(&a), "lead/").await;
        assert_eq!(v["total_results"], 1);
        let (s, err) = app
            .delete(&owner, &format!("custom_field/lead/{sdr_id}/"))
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{err}");
        assert!(err["error"].as_str().unwrap().contains("SDRs"));

        let (s, upd) = app
            .put(
                &owner,
                &format!("custom_field/lead/{tier_id}/"),
                &json!({"name": "Level", "choices": ["Gold", "Silver", "Bronze"]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{upd}");
        assert_eq!(upd["choices"], json!(["Gold", "Silver", "Bronze"]));
        let (s, _) = app
            .put(
                &owner,
                &format!("custom_field/lead/{tier_id}/"),
                &json!({"type": "text"}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (_, fields) = app.get(&owner, "custom_field/lead/").await;
        let owner_field = fields["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "Lead Owner")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            app.delete(&owner, &format!("custom_field/lead/{owner_field}/"))
                .await
                .0,
            StatusCode::CONFLICT
        );
        let (s, _) = app
            .delete(&owner, &format!("custom_field/lead/{tier_id}/"))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            app.get(&owner, &format!("custom_field/lead/{tier_id}/"))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
    }
}
