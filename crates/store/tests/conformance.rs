//! The store conformance suite: every store behaviour, run on SQLite always and on
//! PostgreSQL when `CORRAL_TEST_POSTGRES_URL` is set (required in CI).

#![allow(clippy::unwrap_used, clippy::expect_used)]
use chrono::Duration;
use corral_domain::ids::Kind;
use corral_store::model::{
    ApiKeyRow, GroupRow, MembershipRow, OrganizationRow, RoleRow, SessionRow, UserRow, WorkspaceRow,
};
use corral_store::queries::{auth, groups, memberships, orgs, roles, team, users};
use corral_store::testing::{TestDb, all_engines};
use corral_store::{StoreError, Tx, now};

fn user(email: &str) -> UserRow {
    let t = now();
    UserRow {
        id: Kind::User.new_id(),
        email: email.into(),
        email_lower: email.to_lowercase(),
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        phone: None,
        image: None,
        timezone: "UTC".into(),
        password_hash: None,
        date_created: t,
        date_updated: t,
    }
}

fn membership(ws: &str, user_id: &str, status: &str) -> MembershipRow {
    let t = now();
    MembershipRow {
        id: Kind::Membership.new_id(),
        workspace_id: ws.into(),
        user_id: user_id.into(),
        role_id: "user".into(),
        status: status.into(),
        restrictions: "no_export".into(),
        round_robin: true,
        homepage: "leads".into(),
        manager_id: None,
        auto_record_calls: "unset".into(),
        track_email_opens: false,
        default_caller_id: None,
        last_active_at: None,
        invited_by: None,
        date_created: t,
        date_updated: t,
        date_activated: Some(t),
        date_deactivated: None,
        date_removed: None,
        status_changed_by: None,
        pinned_views: String::new(),
    }
}

/// An organization with one workspace; returns (org id, workspace id).
async fn org_and_workspace(tx: &mut Tx) -> (String, String) {
    let t = now();
    let org = OrganizationRow {
        id: Kind::Organization.new_id(),
        name: "Org".into(),
        seat_limit: Some(5),
        date_created: t,
        date_updated: t,
    };
    orgs::insert(tx, &org).await.unwrap();
    let ws = WorkspaceRow {
        id: Kind::Workspace.new_id(),
        organization_id: org.id.clone(),
        name: "WS".into(),
        currency: "USD".into(),
        created_by: None,
        updated_by: None,
        date_created: t,
        date_updated: t,
    };
    orgs::insert_workspace(tx, &ws).await.unwrap();
    (org.id, ws.id)
}

async fn engines() -> Vec<TestDb> {
    all_engines().await.expect("test databases")
}

#[tokio::test]
async fn users_round_trip_and_emails_are_unique_case_insensitively() {
    for t in engines().await {
        let mut tx = t.db.write().await.unwrap();
        let u = user("Ada@Example.com");
        users::insert(&mut tx, &u).await.unwrap();
        let got = users::get(&mut tx, &u.id).await.unwrap().unwrap();
        assert_eq!(got.email, "Ada@Example.com");
        assert_eq!(
            got.date_created, u.date_created,
            "timestamps round-trip exactly"
        );
        assert!(
            users::find_by_email(&mut tx, "ada@example.com")
                .await
                .unwrap()
                .is_some()
        );
        let dup = users::insert(&mut tx, &user("ADA@example.COM")).await;
        assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    }
}

#[tokio::test]
async fn phones_are_unique() {
    for t in engines().await {
        let mut tx = t.db.write().await.unwrap();
        let mut a = user("a@example.com");
        a.phone = Some("+14155550100".into());
        users::insert(&mut tx, &a).await.unwrap();
        let mut b = user("b@example.com");
        b.phone = Some("+14155550100".into());
        assert!(matches!(
            users::insert(&mut tx, &b).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            users::find_by_phone(&mut tx, "+14155550100")
                .await
                .unwrap()
                .unwrap()
                .id,
            a.id
        );
    }
}

#[tokio::test]
async fn rolled_back_transactions_leave_nothing() {
    for t in engines().await {
        let u = user("gone@example.com");
        {
            let mut tx = t.db.write().await.unwrap();
            users::insert(&mut tx, &u).await.unwrap();
            // dropped without commit
        }
        let mut tx = t.db.read().await.unwrap();
        assert!(users::get(&mut tx, &u.id).await.unwrap().is_none());
    }
}

/// Checks SQLite's page cache on the transaction's connection (KiB when negative); PostgreSQL
/// has nothing to check.
async fn assert_page_cache(tx: &mut Tx, kib: i64, when: &str) {
    if let Tx::Sqlite(t) = tx {
        let now: i64 = sqlx::query_scalar("PRAGMA cache_size")
            .fetch_one(&mut **t)
            .await
            .unwrap();
        assert_eq!(now, kib, "{when}");
    }
}

#[tokio::test]
async fn a_bulk_write_raises_the_writer_cache_only_while_it_lasts() {
    for t in engines().await {
        let kept = user("kept@example.com");
        let mut tx = t.db.write_bulk().await.unwrap();
        assert_page_cache(&mut tx, -1_048_576, "raised by write_bulk").await;
        users::insert(&mut tx, &kept).await.unwrap();
        tx.commit().await.unwrap();
        // A write made large half way (as offboarding does inside its caller's transaction).
        let mut tx = t.db.write().await.unwrap();
        assert_page_cache(&mut tx, -65_536, "lowered after commit").await;
        t.db.make_bulk(&mut tx).await.unwrap();
        assert_page_cache(&mut tx, -1_048_576, "raised half way").await;
        drop(tx);
        // One dropped without commit writes nothing and lowers the cache as well.
        let gone = user("gone-bulk@example.com");
        {
            let mut tx = t.db.write_bulk().await.unwrap();
            users::insert(&mut tx, &gone).await.unwrap();
        }
        let mut tx = t.db.write().await.unwrap();
        assert_page_cache(&mut tx, -65_536, "lowered after rollback").await;
        assert!(users::get(&mut tx, &gone.id).await.unwrap().is_none());
        assert!(users::get(&mut tx, &kept.id).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn memberships_round_trip_list_and_stay_unique_per_workspace() {
    for t in engines().await {
        let mut tx = t.db.write().await.unwrap();
        let (org, ws) = org_and_workspace(&mut tx).await;
        let a = user("a@example.com");
        let b = user("b@example.com");
        users::insert(&mut tx, &a).await.unwrap();
        users::insert(&mut tx, &b).await.unwrap();
        orgs::add_member(&mut tx, &org, &a.id, "owner", now())
            .await
            .unwrap();
        orgs::add_member(&mut tx, &org, &a.id, "member", now())
            .await
            .unwrap(); // no-op
        assert_eq!(
            orgs::member_role(&mut tx, &org, &a.id)
                .await
                .unwrap()
                .as_deref(),
            Some("owner")
        );
        let ma = membership(&ws, &a.id, "active");
        memberships::insert(&mut tx, &ma).await.unwrap();
        memberships::insert(&mut tx, &membership(&ws, &b.id, "invited"))
            .await
            .unwrap();
        assert!(matches!(
            memberships::insert(&mut tx, &membership(&ws, &a.id, "active")).await,
            Err(StoreError::Conflict(_))
        ));

        let got = memberships::get(&mut tx, &ma.id).await.unwrap().unwrap();
        assert!(got.round_robin && !got.track_email_opens);
        assert_eq!(got.restrictions, "no_export");
        assert_eq!(got.date_activated, ma.date_activated);

        let listed = memberships::list_members(&mut tx, &ws).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert!(
            listed
                .iter()
                .any(|m| m.user_email == "a@example.com" && m.membership.status == "active")
        );

        // Users of a workspace exclude people who are only invited.
        let (page, total) = users::list_in_workspace(&mut tx, &ws, false, 0, 10)
            .await
            .unwrap();
        assert_eq!((page.len(), total), (1, 1));
        assert!(users::is_in_workspace(&mut tx, &ws, &a.id).await.unwrap());
        assert!(!users::is_in_workspace(&mut tx, &ws, &b.id).await.unwrap());

        let mut changed = got.clone();
        changed.status = "deactivated".into();
        changed.date_deactivated = Some(now());
        memberships::update(&mut tx, &changed).await.unwrap();
        let got = memberships::find(&mut tx, &ws, &a.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.status, "deactivated");
        assert_eq!(got.date_deactivated, changed.date_deactivated);
        tx.commit().await.unwrap();

        // The database itself refuses statuses outside the lifecycle.
        let mut tx = t.db.write().await.unwrap();
        let c = user("c@example.com");
        users::insert(&mut tx, &c).await.unwrap();
        assert!(
            memberships::insert(&mut tx, &membership(&ws, &c.id, "zombie"))
                .await
                .is_err()
        );
    }
}

#[tokio::test]
async fn the_kept_seat_count_follows_every_membership_write_across_workspaces() {
    for t in engines().await {
        let mut tx = t.db.write().await.unwrap();
        let (org, ws) = org_and_workspace(&mut tx).await;
        let other_ws = WorkspaceRow {
            id: Kind::Workspace.new_id(),
            organization_id: org.clone(),
            name: "Second".into(),
            currency: "USD".into(),
            created_by: None,
            updated_by: None,
            date_created: now(),
            date_updated: now(),
        };
        orgs::insert_workspace(&mut tx, &other_ws).await.unwrap();
        let (a, b) = (user("a@example.com"), user("b@example.com"));
        users::insert(&mut tx, &a).await.unwrap();
        users::insert(&mut tx, &b).await.unwrap();
        // After each step the kept count, the count from the memberships, and the expected.
        macro_rules! seats {
            ($tx:expr, $want:expr) => {{
                let kept = team::seats_used($tx, &org).await.unwrap();
                let counted = team::count_seats($tx, &org).await.unwrap();
                assert_eq!((kept, counted), ($want, $want), "{}", t.url);
            }};
        }
        seats!(&mut tx, 0);
        let a1 = membership(&ws, &a.id, "active");
        memberships::insert(&mut tx, &a1).await.unwrap();
        seats!(&mut tx, 1);
        // The same user active in a second workspace still holds one seat.
        let a2 = membership(&other_ws.id, &a.id, "active");
        memberships::insert(&mut tx, &a2).await.unwrap();
        seats!(&mut tx, 1);
        // An invitation holds none; accepting it takes one.
        let mut b1 = membership(&ws, &b.id, "invited");
        memberships::insert(&mut tx, &b1).await.unwrap();
        seats!(&mut tx, 1);
        b1.status = "active".into();
        memberships::update(&mut tx, &b1).await.unwrap();
        seats!(&mut tx, 2);
        // A refused duplicate changes nothing.
        assert!(
            memberships::insert(&mut tx, &membership(&ws, &b.id, "active"))
                .await
                .is_err()
        );
        seats!(&mut tx, 2);
        // Writing an active membership back unchanged moves nothing.
        memberships::update(&mut tx, &b1).await.unwrap();
        seats!(&mut tx, 2);
        // Deactivated in one workspace, still active in the other: the seat stays.
        let mut a1 = a1;
        a1.status = "deactivated".into();
        memberships::update(&mut tx, &a1).await.unwrap();
        seats!(&mut tx, 2);
        let mut a2 = a2;
        a2.status = "removed".into();
        memberships::update(&mut tx, &a2).await.unwrap();
        seats!(&mut tx, 1);
        // Reactivated: back.
        a1.status = "active".into();
        memberships::update(&mut tx, &a1).await.unwrap();
        seats!(&mut tx, 2);
        tx.commit().await.unwrap();
        // A rolled-back change leaves the count as it was.
        {
            let mut tx = t.db.write().await.unwrap();
            b1.status = "deactivated".into();
            memberships::update(&mut tx, &b1).await.unwrap();
        }
        let mut tx = t.db.write().await.unwrap();
        seats!(&mut tx, 2);
        // After a bulk load around the store, a recount puts it right.
        corral_store::on!(&mut tx, c => sqlx::query("UPDATE organizations SET seats_used = 7 WHERE id = $1").bind(&org).execute(c).await.map(|r| r.rows_affected())).unwrap();
        team::recount_seats(&mut tx).await.unwrap();
        seats!(&mut tx, 2);
    }
}

#[tokio::test]
async fn taking_a_seat_waits_for_another_transaction_taking_one() {
    for t in engines().await {
        let mut tx = t.db.write().await.unwrap();
        let (org, ws) = org_and_workspace(&mut tx).await;
        let (a, b) = (user("a@example.com"), user("b@example.com"));
        users::insert(&mut tx, &a).await.unwrap();
        users::insert(&mut tx, &b).await.unwrap();
        tx.commit().await.unwrap();
        // The first reads the count to seat `a`; a second transaction reading it to seat `b`
        // must see `a`'s seat, not the count from before it.
        let mut first = t.db.write().await.unwrap();
        assert_eq!(
            team::seats_used_for_update(&mut first, &org).await.unwrap(),
            0
        );
        let db = t.db.clone();
        let org2 = org.clone();
        let second = tokio::spawn(async move {
            let mut tx = db.write().await.unwrap();
            let seen = team::seats_used_for_update(&mut tx, &org2).await.unwrap();
            tx.commit().await.unwrap();
            seen
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!second.is_finished(), "{}: the second did not wait", t.url);
        memberships::insert(&mut first, &membership(&ws, &a.id, "active"))
            .await
            .unwrap();
        first.commit().await.unwrap();
        assert_eq!(second.await.unwrap(), 1, "{}", t.url);
    }
}

#[tokio::test]
async fn last_active_is_written_at_most_once_a_minute() {
    for t in engines().await {
        let mut tx = t.db.write().await.unwrap();
        let (_, ws) = org_and_workspace(&mut tx).await;
        let a = user("a@example.com");
        users::insert(&mut tx, &a).await.unwrap();
        let m = membership(&ws, &a.id, "active");
        memberships::insert(&mut tx, &m).await.unwrap();
        let t0 = now();
        memberships::touch_last_active(&mut tx, &m.id, t0)
            .await
            .unwrap();
        memberships::touch_last_active(&mut tx, &m.id, t0 + Duration::seconds(30))
            .await
            .unwrap();
        assert_eq!(
            memberships::get(&mut tx, &m.id)
                .await
                .unwrap()
                .unwrap()
                .last_active_at,
            Some(t0)
        );
        let t1 = t0 + Duration::seconds(61);
        memberships::touch_last_active(&mut tx, &m.id, t1)
            .await
            .unwrap();
        assert_eq!(
            memberships::get(&mut tx, &m.id)
                .await
                .unwrap()
                .unwrap()
                .last_active_at,
            Some(t1)
        );
    }
}

#[tokio::test]
async fn sessions_expire_and_end_per_workspace() {
    for t in engines().await {
        let mut tx = t.db.write().await.unwrap();
        let (_, ws) = org_and_workspace(&mut tx).await;
        let a = user("a@example.com");
        users::insert(&mut tx, &a).await.unwrap();
        let t0 = now();
        for (hash, ttl) in [("live1", 60), ("live2", 60), ("old", -1)] {
            auth::insert_session(
                &mut tx,
                &SessionRow {
                    token_hash: hash.into(),
                    user_id: a.id.clone(),
                    workspace_id: ws.clone(),
                    date_created: t0,
                    expires_at: t0 + Duration::minutes(ttl),
                },
            )
            .await
            .unwrap();
        }
        assert!(
            auth::get_session(&mut tx, "live1", now())
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            auth::get_session(&mut tx, "old", now())
                .await
                .unwrap()
                .is_none()
        );
        auth::delete_session(&mut tx, "live1").await.unwrap();
        assert!(
            auth::get_session(&mut tx, "live1", now())
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            auth::delete_sessions_for(&mut tx, &a.id, &ws)
                .await
                .unwrap(),
            2
        );
        assert!(
            auth::get_session(&mut tx, "live2", now())
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn api_keys_are_found_by_hash_until_revoked() {
    for t in engines().await {
        let mut tx = t.db.write().await.unwrap();
        let (_, ws) = org_and_workspace(&mut tx).await;
        let a = user("a@example.com");
        users::insert(&mut tx, &a).await.unwrap();
        let m = membership(&ws, &a.id, "active");
        memberships::insert(&mut tx, &m).await.unwrap();
        let key = ApiKeyRow {
            id: Kind::ApiKey.new_id(),
            key_hash: "h1".into(),
            membership_id: m.id.clone(),
            name: "k".into(),
            date_created: now(),
            last_used_at: None,
            revoked_at: None,
        };
        auth::insert_api_key(&mut tx, &key).await.unwrap();
        assert!(matches!(
            auth::insert_api_key(
                &mut tx,
                &ApiKeyRow {
                    id: Kind::ApiKey.new_id(),
                    ..key.clone()
                }
            )
            .await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            auth::get_api_key(&mut tx, "h1").await.unwrap().unwrap().id,
            key.id
        );
        auth::touch_api_key(&mut tx, &key.id, now()).await.unwrap();
        assert!(
            auth::list_api_keys(&mut tx, &m.id).await.unwrap()[0]
                .last_used_at
                .is_some()
        );
        assert_eq!(
            auth::revoke_api_keys_for(&mut tx, &m.id, now())
                .await
                .unwrap(),
            1
        );
        assert!(auth::get_api_key(&mut tx, "h1").await.unwrap().is_none());
        assert_eq!(
            auth::revoke_api_keys_for(&mut tx, &m.id, now())
                .await
                .unwrap(),
            0
        );
    }
}

#[tokio::test]
async fn setup_tokens_are_single_use_and_expire() {
    for t in engines().await {
        let mut tx = t.db.write().await.unwrap();
        let t0 = now();
        auth::insert_setup_token(&mut tx, "tok", t0, t0 + Duration::hours(1))
            .await
            .unwrap();
        auth::insert_setup_token(
            &mut tx,
            "stale",
            t0 - Duration::hours(2),
            t0 - Duration::hours(1),
        )
        .await
        .unwrap();
        assert!(
            auth::setup_token_is_live(&mut tx, "tok", now())
                .await
                .unwrap()
        );
        assert!(
            !auth::setup_token_is_live(&mut tx, "stale", now())
                .await
                .unwrap()
        );
        assert!(
            !auth::consume_setup_token(&mut tx, "stale", now())
                .await
                .unwrap()
        );
        assert!(
            auth::consume_setup_token(&mut tx, "tok", now())
                .await
                .unwrap()
        );
        assert!(
            !auth::consume_setup_token(&mut tx, "tok", now())
                .await
                .unwrap()
        );
        assert!(
            !auth::consume_setup_token(&mut tx, "nope", now())
                .await
                .unwrap()
        );
    }
}

#[tokio::test]
async fn login_failures_count_within_a_window() {
    for t in engines().await {
        let mut tx = t.db.write().await.unwrap();
        let t0 = now();
        auth::record_login_failure(&mut tx, "email:a", t0 - Duration::minutes(30))
            .await
            .unwrap();
        auth::record_login_failure(&mut tx, "email:a", t0 - Duration::minutes(5))
            .await
            .unwrap();
        auth::record_login_failure(&mut tx, "email:a", t0)
            .await
            .unwrap();
        auth::record_login_failure(&mut tx, "email:b", t0)
            .await
            .unwrap();
        let (n, oldest) =
            auth::login_failures_since(&mut tx, "email:a", t0 - Duration::minutes(15))
                .await
                .unwrap();
        assert_eq!(n, 2);
        assert_eq!(oldest, Some(t0 - Duration::minutes(5)));
        auth::clear_login_failures(&mut tx, "email:a")
            .await
            .unwrap();
        assert_eq!(
            auth::login_failures_since(&mut tx, "email:a", t0 - Duration::hours(1))
                .await
                .unwrap()
                .0,
            0
        );
        assert_eq!(
            auth::login_failures_since(&mut tx, "email:b", t0 - Duration::hours(1))
                .await
                .unwrap()
                .0,
            1
        );
    }
}

#[tokio::test]
async fn roles_and_groups_round_trip() {
    for t in engines().await {
        let mut tx = t.db.write().await.unwrap();
        let (_, ws) = org_and_workspace(&mut tx).await;
        let t0 = now();
        let r = RoleRow {
            id: Kind::Role.new_id(),
            workspace_id: ws.clone(),
            name: "Closer".into(),
            permissions: "calling,export".into(),
            visibility_user_lcf_ids: Some("cf_a,cf_b".into()),
            visibility_user_lcf_behavior: Some("allow_unassigned".into()),
            visibility_include_reports: true,
            date_created: t0,
            date_updated: t0,
        };
        roles::insert(&mut tx, &r).await.unwrap();
        let got = roles::get(&mut tx, &ws, &r.id).await.unwrap().unwrap();
        assert!(got.visibility_include_reports);
        assert_eq!(got.visibility_user_lcf_ids.as_deref(), Some("cf_a,cf_b"));
        assert!(
            roles::get(&mut tx, "orga_other", &r.id)
                .await
                .unwrap()
                .is_none(),
            "roles are per workspace"
        );
        assert!(matches!(
            roles::insert(
                &mut tx,
                &RoleRow {
                    id: Kind::Role.new_id(),
                    ..r.clone()
                }
            )
            .await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(roles::list(&mut tx, &ws).await.unwrap().len(), 1);

        let g = GroupRow {
            id: Kind::Group.new_id(),
            workspace_id: ws.clone(),
            name: "SDRs".into(),
            date_created: t0,
            date_updated: t0,
        };
        groups::insert(&mut tx, &g).await.unwrap();
        let a = user("a@example.com");
        users::insert(&mut tx, &a).await.unwrap();
        groups::add_member(&mut tx, &g.id, &a.id, t0).await.unwrap();
        groups::add_member(&mut tx, &g.id, &a.id, t0).await.unwrap();
        assert_eq!(
            groups::member_ids(&mut tx, &g.id).await.unwrap(),
            vec![a.id.clone()]
        );
        assert_eq!(groups::list(&mut tx, &ws).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn foreign_keys_are_enforced() {
    for t in engines().await {
        let mut tx = t.db.write().await.unwrap();
        let m = membership("orga_missing", "user_missing", "active");
        assert!(memberships::insert(&mut tx, &m).await.is_err());
    }
}

#[tokio::test]
async fn migrations_are_idempotent() {
    for t in engines().await {
        t.db.migrate().await.unwrap();
        t.db.migrate().await.unwrap();
        t.db.ping().await.unwrap();
    }
}

/// Tables holding one workspace's data: sharded by `workspace_id` on a distributed
/// PostgreSQL (the README's "Sharding by workspace" lists the same).
const DISTRIBUTED: &[&str] = &[
    "roles",
    "memberships",
    "groups",
    "group_members",
    "custom_fields",
    "lead_statuses",
    "leads",
    "lead_field_values",
    "contacts",
    "contact_channels",
    "pipelines",
    "opportunity_statuses",
    "opportunities",
    "tasks",
    "activities",
    "bulk_jobs",
    "bulk_job_items",
    "exports",
    "offboardings",
    "round_robin_state",
    "personal_contacts",
    "team_contacts",
    "sharing_settings",
    "phone_numbers",
    "call_forwarding",
    "assignment_settings",
    "presence_sessions",
    "saved_searches",
    "saved_search_shares",
    "scim_groups",
    "rate_limit_counters",
    "out_of_office",
    "webhooks",
    "webhook_deliveries",
];

/// Tables read before a workspace is known, or spanning an organization: whole on every
/// node (reference tables).
const REFERENCE: &[&str] = &[
    "users",
    "organizations",
    "org_members",
    "workspaces",
    "sessions",
    "api_keys",
    "login_failures",
    "setup_tokens",
    "invitations",
    "email_outbox",
    "audit_log",
    "seat_changes",
    "scim_tokens",
    "scim_settings",
    "scim_users",
    "scim_activity",
    "cluster_nodes",
    "password_resets",
];

#[tokio::test]
async fn every_table_is_classified_and_workspace_tables_lead_their_keys_with_the_workspace() {
    let readme = include_str!("../../../README.md");
    for t in DISTRIBUTED {
        assert!(
            readme.contains(&format!("create_distributed_table('{t}', 'workspace_id')")),
            "README does not distribute {t}"
        );
    }
    for t in REFERENCE {
        assert!(
            readme.contains(&format!("create_reference_table('{t}')")),
            "README does not make {t} a reference table"
        );
    }
    for t in engines().await {
        let mut tx = t.db.read().await.unwrap();
        match &mut tx {
            Tx::Sqlite(c) => {
                let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'")
                    .fetch_all(&mut **c).await.unwrap();
                for table in &tables {
                    if DISTRIBUTED.contains(&table.as_str()) {
                        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = 'workspace_id' AND (\"notnull\" = 1 OR pk > 0)")
                            .bind(table).fetch_one(&mut **c).await.unwrap();
                        assert_eq!(n, 1, "{table} has no NOT NULL workspace_id");
                    } else {
                        assert!(
                            REFERENCE.contains(&table.as_str()),
                            "table {table} is neither distributed nor a reference table"
                        );
                    }
                }
                // PostgreSQL-only tables are fine; every listed table exists on one engine.
            }
            Tx::Postgres(c) => {
                let tables: Vec<String> = sqlx::query_scalar("SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'")
                    .fetch_all(&mut **c).await.unwrap();
                for name in DISTRIBUTED.iter().chain(REFERENCE) {
                    assert!(tables.iter().any(|t| t == name), "no table {name}");
                }
                for table in &tables {
                    assert!(
                        DISTRIBUTED.contains(&table.as_str())
                            || REFERENCE.contains(&table.as_str()),
                        "table {table} is neither distributed nor a reference table"
                    );
                }
                for table in DISTRIBUTED {
                    let nullable: String = sqlx::query_scalar("SELECT is_nullable::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = 'workspace_id'")
                        .bind(table).fetch_one(&mut **c).await.unwrap();
                    assert_eq!(nullable, "NO", "{table}.workspace_id may be NULL");
                }
                // (table, kind, first column, referenced table) of every key.
                let keys: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
                    "SELECT cl.relname::text, con.contype::text, a.attname::text, ref.relname::text \
                     FROM pg_constraint con \
                     JOIN pg_class cl ON cl.oid = con.conrelid \
                     JOIN pg_namespace n ON n.oid = cl.relnamespace \
                     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1] \
                     LEFT JOIN pg_class ref ON ref.oid = con.confrelid \
                     WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f')",
                )
                .fetch_all(&mut **c)
                .await
                .unwrap();
                for (table, kind, first, referenced) in &keys {
                    let dist = DISTRIBUTED.contains(&table.as_str());
                    let ref_dist = referenced
                        .as_deref()
                        .is_some_and(|r| DISTRIBUTED.contains(&r));
                    match kind.as_str() {
                        "p" | "u" if dist => assert_eq!(
                            first, "workspace_id",
                            "{table}: a key of kind {kind} starts with {first}"
                        ),
                        "f" if ref_dist => {
                            assert!(dist, "reference table {table} points at {referenced:?}");
                            assert_eq!(
                                first, "workspace_id",
                                "{table}: its key to {referenced:?} starts with {first}"
                            );
                        }
                        _ => {}
                    }
                }
                let unique_indexes: Vec<(String, String, String)> = sqlx::query_as(
                    "SELECT cl.relname::text, ix.relname::text, a.attname::text FROM pg_index i \
                     JOIN pg_class cl ON cl.oid = i.indrelid \
                     JOIN pg_class ix ON ix.oid = i.indexrelid \
                     JOIN pg_namespace n ON n.oid = cl.relnamespace \
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
                     WHERE n.nspname = current_schema() AND i.indisunique",
                )
                .fetch_all(&mut **c)
                .await
                .unwrap();
                for (table, index, first) in &unique_indexes {
                    if DISTRIBUTED.contains(&table.as_str()) {
                        assert_eq!(first, "workspace_id", "unique index {index} on {table}");
                    }
                }
            }
        }
    }
}
