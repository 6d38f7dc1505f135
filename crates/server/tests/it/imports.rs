//! CSV import of leads: the file is checked whole (a faulty file names every bad line and
//! creates nothing), rows of one company become one lead with several contacts, user fields
//! take members' emails, the job runs in the background, and the web page does the same.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Browser, TestApp, engines, key, lead_owner_field, spawn_demo};

async fn lead_total(app: &TestApp, k: &str) -> i64 {
    let (s, v) = app.get(k, "lead/?_limit=1").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["total_results"].as_i64().unwrap()
}

async fn find_lead(app: &TestApp, k: &str, name: &str) -> Value {
    let (_, v) = app.get(k, "lead/?_limit=200").await;
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no lead {name}: {v}"))
}

#[tokio::test]
async fn csv_files_are_checked_whole_then_imported_as_leads_with_contacts() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let admin = key(&d["members"][0]);
        let member = app.demo_member("user");
        let member_email = member["email"].as_str().unwrap();
        let owner_field = lead_owner_field(&app, &admin).await;
        let csv = format!(
            "Company,Contact Name,Email,Phone,Status,City,Lead Owner\n\
             Acme Imports,Ann Lee,ann@acme.example,+1 415 555 0100,Qualified,Oakland,{member_email}\n\
             acme imports,Bob Roe,bob@acme.example; b.roe@acme.example,,,,\n\
             ,Solo Person,solo@example.com,,,,\n\
             \"Quote, Inc.\",\"Q \"\"Quinn\"\" Person\",q@quote.example,,,,\n"
        );
        let before = lead_total(&app, &admin).await;

        // A dry run says what the file would do and creates nothing.
        let (s, plan) = app
            .post(
                &admin,
                "import/lead/",
                &json!({"csv": csv, "dry_run": true}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{engine:?}: {plan}");
        assert_eq!(plan["status"], "dry_run");
        assert_eq!(plan["n_leads"], 3, "{plan}");
        assert_eq!(plan["n_contacts"], 4, "{plan}");
        assert!(
            plan["columns"].as_array().unwrap().contains(
                &json!({"header": "Lead Owner", "field": format!("custom.{owner_field}")})
            ),
            "{plan}"
        );
        assert_eq!(lead_total(&app, &admin).await, before);

        // Faulty files: every bad line named, nothing created.
        let (s, e) = app
            .post(
                &admin,
                "import/lead/",
                &json!({"csv": "Company,Favourite Colour\nAcme,blue\n"}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
        assert!(
            e["error"].as_str().unwrap().contains("'Favourite Colour'"),
            "{e}"
        );
        assert!(e["field-errors"]["csv"].is_string(), "{e}");
        let (s, e) = app
            .post(
                &admin,
                "import/lead/",
                &json!({"csv": "Company,Status,Lead Owner\nGood Co,Qualified,\nBad Co,Nope,\nWorse Co,,nobody@nowhere.example\n"}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
        let msg = e["error"].as_str().unwrap();
        assert!(msg.contains("Line 3") && msg.contains("'Nope'"), "{msg}");
        assert!(
            msg.contains("Line 4") && msg.contains("nobody@nowhere.example"),
            "{msg}"
        );
        assert!(!msg.contains("Line 2"), "{msg}");
        let (s, e) = app
            .post(
                &admin,
                "import/lead/",
                &json!({"csv": "Company,Email\n\"open,x\n"}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
        let (s, e) = app
            .post(
                &admin,
                "import/lead/",
                &json!({"csv": "Company\nA\n", "extra": 1}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
        assert_eq!(lead_total(&app, &admin).await, before);

        // Importing needs bulk_import.
        let restricted = key(&app.demo_member("restricteduser"));
        let (s, e) = app
            .post(&restricted, "import/lead/", &json!({"csv": csv}))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}");

        // The import itself runs as a job.
        let (s, job) = app.post(&admin, "import/lead/", &json!({"csv": csv})).await;
        assert_eq!(s, StatusCode::OK, "{job}");
        let path = format!("import/lead/{}/", job["id"].as_str().unwrap());
        let deadline = Instant::now() + Duration::from_secs(30);
        let job = loop {
            let (s, j) = app.get(&admin, &path).await;
            assert_eq!(s, StatusCode::OK, "{j}");
            if j["status"] == "done" {
                break j;
            }
            assert_ne!(j["status"], "error", "{j}");
            assert!(Instant::now() < deadline, "never finished: {j}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(job["n_leads_processed"], 3, "{job}");
        assert_eq!(lead_total(&app, &admin).await, before + 3);
        let (_, list) = app.get(&admin, "import/lead/").await;
        assert_eq!(list["data"][0]["id"], job["id"], "{list}");

        let acme = find_lead(&app, &admin, "Acme Imports").await;
        assert_eq!(acme["status_label"], "Qualified", "{acme}");
        assert_eq!(acme["contacts"].as_array().unwrap().len(), 2, "{acme}");
        assert_eq!(
            acme[format!("custom.{owner_field}")],
            member["user_id"],
            "{acme}"
        );
        assert_eq!(acme["addresses"][0]["city"], "Oakland", "{acme}");
        let bob = acme["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "Bob Roe")
            .unwrap();
        assert_eq!(bob["emails"].as_array().unwrap().len(), 2, "{bob}");
        let quote = find_lead(&app, &admin, "Quote, Inc.").await;
        assert_eq!(quote["contacts"][0]["name"], "Q \"Quinn\" Person");
        find_lead(&app, &admin, "Solo Person").await;
        // The member the file made Lead Owner sees the lead.
        let (s, _) = app
            .get(
                &key(&member),
                &format!("lead/{}/", acme["id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(s, StatusCode::OK);

        // The web page checks and imports the same way.
        let browser = Browser::new(&app.url);
        browser
            .sign_in(d["members"][0]["email"].as_str().unwrap(), "corral-demo")
            .await;
        let (s, _, html) = browser.get("/leads").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("href=\"/leads/import\""), "import link");
        let csrf = browser.cookie("corral_csrf").unwrap();
        let file = "Company,Contact Name\nWeb Import Co,Wendy Web\n";
        let (s, _, html) = browser
            .post_form(
                "/leads/import",
                &[("csrf", &csrf), ("csv", file), ("action", "check")],
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("id=\"import-plan\""), "{html}");
        assert_eq!(lead_total(&app, &admin).await, before + 3);
        let (s, _, html) = browser
            .post_form(
                "/leads/import",
                &[
                    ("csrf", &csrf),
                    ("csv", "Company,Nonsense\nx,y\n"),
                    ("action", "import"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("id=\"import-error\"") && html.contains("Nonsense"),
            "{html}"
        );
        let (s, _, html) = browser
            .post_form(
                "/leads/import",
                &[("csrf", &csrf), ("csv", file), ("action", "import")],
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"import-notice\""), "{html}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while lead_total(&app, &admin).await != before + 4 {
            assert!(Instant::now() < deadline, "web import never finished");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // A form without its CSRF token changes nothing.
        let (s, _, _) = browser
            .post_form("/leads/import", &[("csv", file), ("action", "import")])
            .await;
        assert_ne!(s, StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(lead_total(&app, &admin).await, before + 4);
    }
}
