//! Activity reports (SPEC S7) on both engines: overview and comparison, active members vs
//! all users with data (inactive ones labelled), CSV, visibility and bad input.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{engines, key, lead_owner_field, spawn_demo};

use crate::helpers::active_member as active;

#[tokio::test]
async fn overview_and_comparison_count_what_members_did() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let owner = key(&d["members"][0]);
        let rep = active(&d, "user", 4);
        let leaver = active(&d, "user", 5);
        let today = chrono::Utc::now().date_naive();
        let range = json!({"start": today.to_string(), "end": (today + chrono::Duration::days(1)).to_string()});
        let metrics = json!([
            "calls.all.count",
            "calls.outbound.all.count",
            "notes.created.all.count",
            "leads.created.all.count",
            "opportunities.won.all.count",
            "opportunities.won.all.sum_value"
        ]);
        let report = |kind: &str, users: Value| json!({"type": kind, "metrics": metrics, "datetime_range": range, "users": users});
        let (s, before) = app
            .post(
                &owner,
                "report/activity/",
                &report("comparison", json!("active")),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{before}");
        let row = |r: &Value, uid: &str| {
            r["data"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["user_id"] == uid)
                .cloned()
        };
        let rep_id = rep["user_id"].as_str().unwrap();
        let calls_before = row(&before, rep_id).unwrap()["calls.all.count"]
            .as_i64()
            .unwrap();

        // The rep logs two calls and a note on a lead they own; the leaver a call.
        let cf = lead_owner_field(&app, &owner).await;
        let (_, lead) = app
            .post(
                &owner,
                "lead/",
                &json!({"name": "Report lead", format!("custom.{cf}"): rep_id}),
            )
            .await;
        let lead_id = lead["id"].as_str().unwrap();
        for dir in ["outbound", "inbound"] {
            let (s, c) = app
                .post(
                    &key(rep),
                    "activity/call/",
                    &json!({"lead_id": lead_id, "direction": dir, "duration": 60}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{c}");
        }
        app.post(
            &key(rep),
            "activity/note/",
            &json!({"lead_id": lead_id, "note": "Spoke to them"}),
        )
        .await;
        let leaver_id = leaver["user_id"].as_str().unwrap();
        let (_, l2) = app
            .post(
                &owner,
                "lead/",
                &json!({"name": "Leaver lead", format!("custom.{cf}"): leaver_id}),
            )
            .await;
        let (s, c) = app
            .post(
                &key(leaver),
                "activity/call/",
                &json!({"lead_id": l2["id"], "direction": "outbound"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{c}");

        let (_, after) = app
            .post(
                &owner,
                "report/activity/",
                &report("comparison", json!("active")),
            )
            .await;
        let r = row(&after, rep_id).unwrap();
        assert_eq!(r["calls.all.count"].as_i64().unwrap(), calls_before + 2);
        assert!(r["calls.outbound.all.count"].as_i64().unwrap() >= 1);
        assert_eq!(r["inactive"], false);

        // Overview: one bucket for today holding the totals.
        let (s, ov) = app
            .post(
                &owner,
                "report/activity/",
                &report("overview", json!("active")),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{ov}");
        assert_eq!(ov["data"].as_array().unwrap().len(), 1);
        assert_eq!(
            ov["data"][0]["calls.all.count"],
            ov["aggregations"]["totals"]["calls.all.count"]
        );

        // The leaver is deactivated: gone from "active", labelled Inactive under "all users with data".
        let (s, _) = app
            .delete(
                &owner,
                &format!("membership/{}/", leaver["membership_id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (_, act) = app
            .post(
                &owner,
                "report/activity/",
                &report("comparison", json!("active")),
            )
            .await;
        assert!(row(&act, leaver_id).is_none());
        let (_, all) = app
            .post(
                &owner,
                "report/activity/",
                &report("comparison", json!("all_with_data")),
            )
            .await;
        let lr = row(&all, leaver_id).expect("the leaver has data");
        assert_eq!(lr["inactive"], true);
        assert!(lr["calls.all.count"].as_i64().unwrap() >= 1);
        // Inactive members without data in the range are left out.
        let gone_without_data = d["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["status"] == "removed")
            .unwrap();
        let (_, empty_range) = app
            .post(&owner, "report/activity/", &json!({"type": "comparison", "metrics": ["calls.all.count"], "datetime_range": {"start": "2001-01-01", "end": "2001-02-01"}, "users": "all_with_data"}))
            .await;
        assert!(row(&empty_range, gone_without_data["user_id"].as_str().unwrap()).is_none());

        // CSV.
        let r = app
            .http
            .post(app.api("report/activity/"))
            .basic_auth(&owner, Some(""))
            .header("accept", "text/csv")
            .json(&report("comparison", json!("all_with_data")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let csv = r.text().await.unwrap();
        assert!(
            csv.starts_with("user_id,user_name,status,calls.all.count"),
            "{csv}"
        );
        assert!(
            csv.lines()
                .any(|l| l.starts_with(leaver_id) && l.contains(",inactive,")),
            "{csv}"
        );

        // Metrics list.
        let (s, m) = app.get(&owner, "report/activity/metrics/").await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            m["metrics"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["key"] == "calls.outbound.all.count")
        );

        // Bad input.
        for bad in [
            json!({"metrics": ["calls.all.count"]}),
            json!({"metrics": ["nonsense.count"], "relative_range": "today"}),
            json!({"metrics": [], "relative_range": "today"}),
            json!({"metrics": ["calls.all.count"], "relative_range": "someday"}),
            json!({"metrics": ["calls.all.count"], "datetime_range": {"start": "2026-02-01", "end": "2026-01-01"}}),
            json!({"metrics": ["calls.all.count"], "datetime_range": {"start": "yesterday", "end": "2026-01-01"}}),
            json!({"type": "pie", "metrics": ["calls.all.count"], "relative_range": "today"}),
            json!({"metrics": ["calls.all.count"], "relative_range": "today", "users": 7}),
            json!({"metrics": ["calls.all.count"], "relative_range": "today", "users": ["user_nobody"]}),
        ] {
            let (s, e) = app.post(&owner, "report/activity/", &bad).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{bad} → {e}");
        }

        // A member who sees only their own leads sees only their leads' data.
        let limited = active(&d, "restricteduser", 0);
        let (s, lim) = app
            .post(&key(limited), "report/activity/", &json!({"type": "overview", "metrics": ["calls.all.count"], "relative_range": "today"}))
            .await;
        assert_eq!(s, StatusCode::OK, "{lim}");
        let (_, full) = app
            .post(&owner, "report/activity/", &json!({"type": "overview", "metrics": ["calls.all.count"], "relative_range": "today", "users": "all_with_data"}))
            .await;
        assert!(
            lim["aggregations"]["totals"]["calls.all.count"]
                .as_i64()
                .unwrap()
                < full["aggregations"]["totals"]["calls.all.count"]
                    .as_i64()
                    .unwrap(),
            "{lim} vs {full}"
        );
    }
}
