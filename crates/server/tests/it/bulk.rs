//! Search and bulk actions over leads: `query` strings, bulk edit jobs (reassigning through
//! the Lead Owner field), bulk delete, permissions and visibility, on both engines.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, active_users, engines, key, lead_owner_field, spawn_demo};

async fn wait_done(app: &TestApp, k: &str, kind: &str, id: &str) -> Value {
    for _ in 0..100 {
        let (s, j) = app.get(k, &format!("bulk_action/{kind}/{id}/")).await;
        assert_eq!(s, StatusCode::OK, "{j}");
        if j["status"] == "done" || j["status"] == "error" {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("bulk action {id} did not finish");
}

#[tokio::test]
async fn bulk_edit_reassigns_leads_and_respects_visibility() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let cf = lead_owner_field(&app, &owner).await;
        let users = active_users(&d);
        let (old, new, other) = (&users[0], &users[1], &users[2]);
        for i in 0..12 {
            let who = if i < 8 { old } else { other };
            let (s, _) = app.post(&owner, "lead/", &json!({"name": format!("Lead {i:02}"), format!("custom.{cf}"): who["user_id"]})).await;
            assert_eq!(s, StatusCode::OK);
        }

        // The query language: field match, status, text, dates and sorting.
        let (s, v) = app
            .get(
                &owner,
                &format!(
                    "lead/?query=custom.{cf}:{}",
                    old["user_id"].as_str().unwrap()
                ),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["total_results"], 8);
        let (_, v) = app.get(&owner, "lead/?query=%22Lead%2001%22").await;
        assert_eq!(v["total_results"], 1);
        let (_, v) = app.get(&owner, "lead/?query=date_updated%3E%3D%222020-01-01T10%3A00%22%20sort%3Adate_updated&_limit=3").await;
        assert_eq!(
            v["data"][0]["name"], "Lead 00",
            "ascending by date_updated: {v}"
        );
        let (s, err) = app.get(&owner, "lead/?query=colour:red").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(err["field-errors"]["query"].is_string());
        let (s, _) = app.get(&owner, "lead/?query=name:%22open").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);

        // Close's reassignment recipe: select by the user field, set it to someone else.
        let (s, job) = app
            .post(&owner, "bulk_action/edit/", &json!({
                "type": "set_custom_field", "custom_field_id": cf, "custom_field_value": new["user_id"],
                "s_query": {"type": "and", "queries": [
                    {"type": "object_type", "object_type": "lead"},
                    {"type": "field_condition", "field": {"type": "custom_field", "custom_field_id": cf}, "condition": {"type": "term", "values": [old["user_id"]]}}
                ]}
            }))
            .await;
        assert_eq!(s, StatusCode::OK, "{job}");
        assert!(job["id"].as_str().unwrap().starts_with("bulkedit_"));
        assert_eq!(job["n_objects"], 8);
        let job = wait_done(&app, &owner, "edit", job["id"].as_str().unwrap()).await;
        assert_eq!(job["n_objects_processed"], 8, "{job}");
        let (_, v) = app
            .get(
                &owner,
                &format!(
                    "lead/?query=custom.{cf}:{}",
                    new["user_id"].as_str().unwrap()
                ),
            )
            .await;
        assert_eq!(v["total_results"], 8);
        assert_eq!(v["data"][0]["updated_by_name"], "Avery Adams");
        let (_, v) = app
            .get(
                &owner,
                &format!(
                    "lead/?query=custom.{cf}:{}",
                    old["user_id"].as_str().unwrap()
                ),
            )
            .await;
        assert_eq!(v["total_results"], 0);

        // Set a status through the legacy query string; clear a field.
        let (_, org) = app
            .get(
                &owner,
                &format!("organization/{}/", d["workspace_id"].as_str().unwrap()),
            )
            .await;
        let customer = org["lead_statuses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["label"] == "Customer")
            .unwrap()["id"]
            .clone();
        let (_, job) = app.post(&owner, "bulk_action/edit/", &json!({"type": "set_lead_status", "lead_status_id": customer, "query": "\"Lead 1\""})).await;
        let job = wait_done(&app, &owner, "edit", job["id"].as_str().unwrap()).await;
        assert_eq!(job["n_objects_processed"], 2);
        let (_, v) = app.get(&owner, "lead/?query=status:Customer").await;
        assert_eq!(v["total_results"], 2);

        // Bad input changes nothing.
        for (body, field) in [
            (
                json!({"type": "set_custom_field", "custom_field_id": cf, "custom_field_value": "user_nobody", "query": ""}),
                "custom_field_value",
            ),
            (
                json!({"type": "set_custom_field", "custom_field_id": "cf_nope", "custom_field_value": "x", "query": ""}),
                "custom_field_id",
            ),
            (json!({"type": "explode", "query": ""}), "type"),
            (
                json!({"type": "set_lead_status", "lead_status_id": "stat_nope", "query": ""}),
                "lead_status_id",
            ),
            (
                json!({"type": "clear_custom_field", "custom_field_id": cf}),
                "s_query",
            ),
        ] {
            let (s, err) = app.post(&owner, "bulk_action/edit/", &body).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{body} {err}");
            assert!(err["field-errors"][field].is_string(), "{field}: {err}");
        }

        // Permissions: a restricted user has no bulk edit; bulk delete needs bulk_delete.
        let r = app.demo_member("restricteduser");
        let (s, _) = app
            .post(
                &key(&r),
                "bulk_action/edit/",
                &json!({"type": "clear_custom_field", "custom_field_id": cf, "query": ""}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app
            .post(&key(other), "bulk_action/delete/", &json!({"query": ""}))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // A limited member's bulk action reaches only the leads they see.
        let (_, role) = app
            .post(&owner, "role/", &json!({"name": "Bulk Closer", "permissions": ["bulk_edit"], "visibility_user_lcf_ids": [cf], "visibility_user_lcf_behavior": "require_assignment"}))
            .await;
        app.put(
            &owner,
            &format!("membership/{}/", other["membership_id"].as_str().unwrap()),
            &json!({"role_id": role["id"]}),
        )
        .await;
        let (s, job) = app
            .post(
                &key(other),
                "bulk_action/edit/",
                &json!({"type": "clear_custom_field", "custom_field_id": cf, "query": ""}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{job}");
        assert_eq!(job["n_objects"], 4, "only their 4 leads, not all 12");
        wait_done(&app, &key(other), "edit", job["id"].as_str().unwrap()).await;
        let (_, v) = app
            .get(
                &owner,
                &format!(
                    "lead/?query=custom.{cf}:{}",
                    new["user_id"].as_str().unwrap()
                ),
            )
            .await;
        assert_eq!(v["total_results"], 8, "nobody else's leads were touched");

        // Bulk delete by the admin.
        let (_, job) = app
            .post(
                &owner,
                "bulk_action/delete/",
                &json!({"query": "\"Lead 0\""}),
            )
            .await;
        assert!(job["id"].as_str().unwrap().starts_with("bulkdelete_"));
        let job = wait_done(&app, &owner, "delete", job["id"].as_str().unwrap()).await;
        assert_eq!(job["n_objects_processed"], 10);
        let (_, v) = app.get(&owner, "lead/").await;
        assert_eq!(v["total_results"], 2);
    }
}

#[tokio::test]
async fn exports_hold_exactly_the_visible_leads() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let cf = lead_owner_field(&app, &owner).await;
        let u = app.demo_member("user");
        app.post(&owner, "lead/", &json!({"name": "Quote \"Co\", Ltd", format!("custom.{cf}"): u["user_id"], "contacts": [{"name": "Q", "emails": [{"email": "q@quote.example"}]}]})).await;
        app.post(&owner, "lead/", &json!({"name": "Someone else's"}))
            .await;

        let (s, e) = app
            .post(
                &owner,
                "export/lead/",
                &json!({"format": "csv", "query": ""}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{e}");
        assert_eq!(e["n_docs"], 2);
        let r = app
            .http
            .get(format!(
                "{}{}",
                app.url,
                e["download_url"].as_str().unwrap()
            ))
            .basic_auth(&owner, Some(""))
            .send()
            .await
            .unwrap();
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let csv = r.text().await.unwrap();
        assert!(
            csv.starts_with(
                "id,name,status,url,description,custom.Lead Owner,contacts,contact_emails"
            ),
            "{csv}"
        );
        assert!(
            csv.contains("\"Quote \"\"Co\"\", Ltd\""),
            "RFC 4180 quoting: {csv}"
        );
        assert!(csv.contains("q@quote.example"));

        // A limited member with `export` gets only what they see.
        let (_, role) = app.post(&owner, "role/", &json!({"name": "Exporter", "permissions": ["export"], "visibility_user_lcf_ids": [cf], "visibility_user_lcf_behavior": "require_assignment"})).await;
        app.put(
            &owner,
            &format!("membership/{}/", u["membership_id"].as_str().unwrap()),
            &json!({"role_id": role["id"]}),
        )
        .await;
        let (s, e) = app
            .post(
                &key(&u),
                "export/lead/",
                &json!({"format": "json", "query": ""}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{e}");
        assert_eq!(e["n_docs"], 1);
        let (_, file) = app
            .get(
                &key(&u),
                &format!("export/{}/download/", e["id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(file.as_array().unwrap().len(), 1);
        assert_eq!(file[0]["name"], "Quote \"Co\", Ltd");
        // Exports are private to their maker.
        assert_eq!(
            app.get(&owner, &format!("export/{}/", e["id"].as_str().unwrap()))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        // No `export` permission (or a no_export restriction): refused.
        let r = app.demo_member("restricteduser");
        assert_eq!(
            app.post(
                &key(&r),
                "export/lead/",
                &json!({"format": "csv", "query": ""})
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );
        app.put(
            &owner,
            &format!("membership/{}/", u["membership_id"].as_str().unwrap()),
            &json!({"restrictions": ["no_export"]}),
        )
        .await;
        assert_eq!(
            app.post(
                &key(&u),
                "export/lead/",
                &json!({"format": "csv", "query": ""})
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );
        let (s, _) = app
            .post(&owner, "export/lead/", &json!({"format": "xls"}))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
    }
}
