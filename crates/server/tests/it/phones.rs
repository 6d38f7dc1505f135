//! Phone numbers, call forwarding and inbound routing (SPEC S6), and offboarding of numbers
//! and team contacts — on both engines.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{engines, key, spawn_demo};

use crate::helpers::active_member as active;

#[tokio::test]
async fn numbers_forwarding_and_inbound_routing() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let admin = key(&d["members"][0]);
        let ann = active(&d, "user", 0);
        let ben = active(&d, "user", 1);
        let (ann_id, ben_id) = (
            ann["user_id"].as_str().unwrap(),
            ben["user_id"].as_str().unwrap(),
        );

        // Only those who manage members manage numbers.
        let (s, _) = app
            .post(
                &key(ann),
                "phone_number/",
                &json!({"number": "+14155550101", "user_id": ann_id}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, p) = app
            .post(
                &admin,
                "phone_number/",
                &json!({"number": "+1 (415) 555-0101", "user_id": ann_id, "label": "Ann's line"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        assert_eq!(p["number"], "+14155550101");
        let pid = p["id"].as_str().unwrap().to_string();
        assert!(pid.starts_with("phon_"));
        // Bad input changes nothing.
        for bad in [
            json!({"number": "not a number"}),
            json!({"number": "+14155550101"}),
            json!({"number": "+14155550102", "user_id": "user_nobody"}),
            json!({"number": "+14155550102", "user_id": ann_id, "group_id": "group_x"}),
            json!({"number": "+14155550102", "colour": "red"}),
        ] {
            let (s, e) = app.post(&admin, "phone_number/", &bad).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{bad} → {e}");
        }
        let (_, list) = app.get(&admin, "phone_number/").await;
        assert_eq!(list["data"].as_array().unwrap().len(), 1);

        let route = |n: &str| format!("phone_number/route/?number={}", n.replace('+', "%2B"));
        // Ann is offline (no page open): voicemail.
        let (s, r) = app.get(&admin, &route("+14155550101")).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["voicemail"], true, "{r}");
        // Ann forwards to an external number when unavailable; she may set her own.
        let (s, f) = app
            .put(
                &key(ann),
                &format!("call_forwarding/{ann_id}/"),
                &json!({"when": "unavailable", "forward_to_number": "+1 415 555 0199"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{f}");
        let (_, r) = app.get(&admin, &route("+14155550101")).await;
        assert_eq!(r["forward_to"], "+14155550199", "{r}");
        // Nobody else's, unless they manage members.
        let (s, _) = app
            .put(
                &key(ben),
                &format!("call_forwarding/{ann_id}/"),
                &json!({"enabled": false}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app
            .put(
                &admin,
                &format!("call_forwarding/{ann_id}/"),
                &json!({"when": "sometimes", "forward_to_user_id": ben_id}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        // Forward to Ben on deactivation; once Ann is deactivated her calls go to Ben (who
        // is offline here, so the answer explains both steps and ends in voicemail).
        let (s, _) = app
            .put(
                &admin,
                &format!("call_forwarding/{ann_id}/"),
                &json!({"when": "deactivated", "forward_to_user_id": ben_id}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = app
            .delete(
                &admin,
                &format!("membership/{}/", ann["membership_id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (_, r) = app.get(&admin, &route("+14155550101")).await;
        let why = r["explanation"].to_string();
        assert!(
            why.contains("forwards calls to") && why.contains("while deactivated"),
            "{r}"
        );
        // Ben goes online (a page of Corral open): his phone rings.
        let b = crate::helpers::Browser::new(&app.url);
        b.sign_in(ben["email"].as_str().unwrap(), "corral-demo")
            .await;
        let http = crate::helpers::client();
        let cookie = format!("corral_session={}", b.cookie("corral_session").unwrap());
        let mut sse = http
            .get(format!("{}/events/presence", app.url))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        let _ = tokio::time::timeout(std::time::Duration::from_millis(300), sse.chunk()).await;
        let (_, r) = app.get(&admin, &route("+14155550101")).await;
        assert_eq!(r["ring"][0]["user_id"], ben_id, "{r}");
        drop(sse);

        // Convert to a group number: it rings the group's members.
        let (_, g) = app
            .post(&admin, "group/", &json!({"name": "Front desk"}))
            .await;
        let gid = g["id"].as_str().unwrap();
        app.post(
            &admin,
            &format!("group/{gid}/member/"),
            &json!({"user_id": ben_id}),
        )
        .await;
        let (s, p) = app
            .put(
                &admin,
                &format!("phone_number/{pid}/"),
                &json!({"group_id": gid, "user_id": null}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{p}");
        assert_eq!(p["is_group_number"], true);
        // Reassign to a member, then release.
        let (s, p) = app
            .put(
                &admin,
                &format!("phone_number/{pid}/"),
                &json!({"user_id": ben_id, "group_id": null}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{p}");
        assert_eq!(p["user_id"], ben_id);
        assert_eq!(p["is_group_number"], false);
        let (s, _) = app.delete(&admin, &format!("phone_number/{pid}/")).await;
        assert_eq!(s, StatusCode::OK);
        let (_, r) = app.get(&admin, &route("+14155550101")).await;
        assert_eq!(r["phone_number_id"], Value::Null);
        assert_eq!(r["voicemail"], true);
    }
}

#[tokio::test]
async fn offboarding_hands_over_numbers_and_team_contacts_and_undo_restores_them() {
    for engine in engines() {
        let app = spawn_demo(engine).await;
        let d = app.demo();
        let admin = key(&d["members"][0]);
        let leaver = active(&d, "user", 2);
        let heir = active(&d, "user", 3)["user_id"]
            .as_str()
            .unwrap()
            .to_string();
        let uid = leaver["user_id"].as_str().unwrap();
        let mid = leaver["membership_id"].as_str().unwrap();
        let (_, p) = app
            .post(
                &admin,
                "phone_number/",
                &json!({"number": "+14155550150", "user_id": uid}),
            )
            .await;
        let pid = p["id"].as_str().unwrap().to_string();
        let (_, c) = app
            .post(
                &admin,
                "personal_contact/",
                &json!({"name": "Held contact", "segment": "customer"}),
            )
            .await;
        let (_, full) = app
            .get(
                &admin,
                &format!("personal_contact/{}/", c["id"].as_str().unwrap()),
            )
            .await;
        let tid = full["team_copies"][0]["id"].as_str().unwrap().to_string();
        let (s, _) = app
            .put(
                &admin,
                &format!("team_contact/{tid}/"),
                &json!({"assigned_to": uid}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);

        let (s, plan) = app
            .post(&admin, &format!("membership/{mid}/offboarding_plan/"), &json!({"action": "deactivate", "contacts": {"mode": "reassign", "user_id": heir}, "phone_numbers": {"mode": "reassign", "user_id": heir}}))
            .await;
        assert_eq!(s, StatusCode::OK, "{plan}");
        let cat = |k: &str| {
            plan["categories"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["key"] == k)
                .unwrap()["count"]
                .clone()
        };
        assert_eq!(cat("contacts"), 1);
        assert_eq!(cat("phone_numbers"), 1);
        let (s, done) = app
            .post(&admin, &format!("membership/{mid}/offboard/"), &json!({"action": "deactivate", "contacts": {"mode": "reassign", "user_id": heir}, "phone_numbers": {"mode": "reassign", "user_id": heir}}))
            .await;
        assert_eq!(s, StatusCode::OK, "{done}");
        let (_, t) = app.get(&admin, &format!("team_contact/{tid}/")).await;
        assert_eq!(t["assigned_to"], heir.as_str());
        let (_, p) = app.get(&admin, &format!("phone_number/{pid}/")).await;
        assert_eq!(p["user_id"], heir.as_str());
        // Undo puts both back.
        let (s, u) = app
            .post(
                &admin,
                &format!("offboarding/{}/undo/", done["id"].as_str().unwrap()),
                &json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{u}");
        let (_, t) = app.get(&admin, &format!("team_contact/{tid}/")).await;
        assert_eq!(t["assigned_to"], uid);
        let (_, p) = app.get(&admin, &format!("phone_number/{pid}/")).await;
        assert_eq!(p["user_id"], uid);
    }
}
