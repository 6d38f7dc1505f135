//! The official Close Python client (`closeio`) against a running Corral.

use crate::helpers::{engines, run_python, spawn_demo};

/// The Python that has `closeio` installed (required in CI).
pub fn python_with_closeio() -> Option<String> {
    crate::helpers::python_with("closeio_api", "closeio client")
}

#[tokio::test]
async fn official_close_python_client_reads_me_organization_and_users() {
    let Some(python) = python_with_closeio() else {
        return;
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/close_client/basics.py");
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let key = app.demo_member("admin")["api_key"]
            .as_str()
            .unwrap()
            .to_string();
        let ws = app.demo()["workspace_id"].as_str().unwrap().to_string();
        let base = format!("{}/api/v1/", app.url);
        let stdout = run_python(
            &python,
            script,
            vec![base, key, ws, "25".into()],
            &format!("{engine:?}: the closeio script"),
        )
        .await;
        assert!(stdout.contains("passed, 0 failed"), "{stdout}");
    }
}

#[tokio::test]
async fn official_close_python_client_works_with_leads_and_bulk_edit() {
    let Some(python) = python_with_closeio() else {
        return;
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/close_client/leads.py");
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let key = d["members"][0]["api_key"].as_str().unwrap().to_string();
        let users: Vec<String> = d["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role_id"] == "user" && m["status"] == "active")
            .map(|m| m["user_id"].as_str().unwrap().to_string())
            .collect();
        let (old, new) = (users[0].clone(), users[1].clone());
        let base = format!("{}/api/v1/", app.url);
        let stdout = run_python(
            &python,
            script,
            vec![base, key, old, new],
            &format!("{engine:?}: the closeio script"),
        )
        .await;
        assert!(stdout.contains("passed, 0 failed"));
    }
}
