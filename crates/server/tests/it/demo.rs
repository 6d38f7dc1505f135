//! `serve --demo`: a realistic organization and a credentials file a script can use.

use reqwest::StatusCode;

use crate::helpers::{Browser, Options, engines, spawn_with};

#[tokio::test]
async fn demo_seeds_every_role_and_status_with_working_credentials() {
    for engine in engines() {
        let app = spawn_with(
            engine,
            Options {
                demo: true,
                demo_leads: 300,
                ..Default::default()
            },
        )
        .await;
        let creds = app.demo();
        assert_eq!(creds["url"], app.url.as_str());
        assert!(
            creds["organization_id"]
                .as_str()
                .unwrap()
                .starts_with("orga_")
        );
        let members = creds["members"].as_array().unwrap();
        assert!(members.len() >= 25);
        for role in ["admin", "superuser", "manager", "user", "restricteduser"] {
            let m = app.demo_member(role);
            assert!(m["membership_id"].as_str().unwrap().starts_with("memb_"));
            assert!(m["user_id"].as_str().unwrap().starts_with("user_"));
            let (s, me) = app.get(m["api_key"].as_str().unwrap(), "me/").await;
            assert_eq!(s, StatusCode::OK, "{role}");
            assert_eq!(me["memberships"][0]["role_id"], role);
        }
        for status in ["invited", "deactivated", "removed"] {
            assert!(members.iter().any(|m| m["status"] == status), "{status}");
        }
        // A newcomer can sign in as anyone active.
        let m = app.demo_member("restricteduser");
        let b = Browser::new(&app.url);
        let (s, _, _) = b
            .sign_in(
                m["email"].as_str().unwrap(),
                m["password"].as_str().unwrap(),
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        // A deactivated member cannot.
        let gone = members
            .iter()
            .find(|m| m["status"] == "deactivated")
            .unwrap();
        let (s, _, html) = Browser::new(&app.url)
            .sign_in(gone["email"].as_str().unwrap(), "corral-demo")
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(html.contains("no active workspace access"));
        // Demo leads: assigned across active members; limited views have something to show.
        let (s, leads) = app
            .get(&crate::helpers::key(&members[0]), "lead/?_limit=1")
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(leads["total_results"], 300);
        assert_eq!(leads["data"][0]["contacts"].as_array().unwrap().len(), 1);
        let owner_key = crate::helpers::key(&members[0]);
        let (_, opps) = app.get(&owner_key, "opportunity/?_limit=200").await;
        assert_eq!(
            opps["data"].as_array().unwrap().len(),
            60,
            "every fifth lead has a deal"
        );
        let (_, tasks) = app
            .get(&owner_key, "task/?_limit=200&is_complete=false")
            .await;
        assert_eq!(tasks["data"].as_array().unwrap().len(), 150);
        let (_, acts) = app.get(&owner_key, "activity/?_limit=200").await;
        assert_eq!(
            acts["data"].as_array().unwrap().len(),
            200,
            "a page of the 600 activities"
        );
        // No setup link once there is an organization.
        assert!(app.running.setup_url.is_none());
    }
}
