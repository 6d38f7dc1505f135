//! Corral's benchmarks (issue #9). Seeds a dataset at a chosen size into a fresh database,
//! starts Corral in this process, drives it over HTTP from concurrent clients, and for each
//! scenario prints throughput and latency beside the same work done directly in SQL on the
//! same database, so every figure comes with its ratio to the database's own limit.
//!
//! `cargo run --release -p bench -- all --leads 100000` (SQLite), add
//! `--postgres postgres://…/db` for PostgreSQL.

/// The same allocator as the `corral` binary, so the in-process server is measured as shipped.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod presence_memory;
mod soak;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{Duration as Span, Utc};
use clap::{Parser, ValueEnum};
use corral_store::sql::{Arg, Sql};
use corral_store::{Db, Tx, execute_built};
use serde_json::{Value, json};

#[derive(Parser)]
#[command(about = "Corral's benchmarks, each beside the same work done directly in SQL")]
struct Cli {
    /// Which scenarios to run.
    #[arg(value_enum, default_value = "all")]
    scenario: Scenario,
    /// Leads in the dataset (the goals are stated for 1,000,000).
    #[arg(long, default_value_t = 1_000_000)]
    leads: usize,
    /// Members in the workspace.
    #[arg(long, default_value_t = 500)]
    members: usize,
    /// Seconds each throughput scenario runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Run on this PostgreSQL database (it must be empty) instead of a fresh SQLite file.
    #[arg(long)]
    postgres: Option<String>,
    /// SCIM users P4 creates.
    #[arg(long, default_value_t = 2000)]
    scim_users: usize,
    /// Soak: the `corral` binary to run (default: the one beside this binary).
    #[arg(long)]
    corral: Option<String>,
    /// Soak: concurrent members' clients.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Soak: leads in the demo organization.
    #[arg(long, default_value_t = 2000)]
    soak_leads: usize,
    /// Keep the SQLite file in this folder (default: a fresh one under the temp folder).
    #[arg(long)]
    data_dir: Option<std::path::PathBuf>,
    /// Use the dataset an earlier run seeded in `--data-dir` (or in the `--postgres`
    /// database) instead of seeding: the member P2 offboards is made active again and the
    /// leads P3 assigns unassigned again, so scenarios can be re-run at 1,000,000 leads
    /// without seeding each time.
    #[arg(long)]
    reuse: bool,
    /// Server nodes on the one PostgreSQL database (SPEC S10); P1's clients are spread over
    /// them and P2 runs on the last one.
    #[arg(long, default_value_t = 1)]
    nodes: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scenario {
    All,
    P1,
    P2,
    P3,
    P4,
    P5,
    P6,
    P7,
    /// Not a benchmark: the mixed-load soak run against the real binary (issue #10).
    Soak,
}

type Res<T> = Result<T, String>;

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Latencies in microseconds.
fn pct(v: &mut [u64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_unstable();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i] as f64 / 1000.0
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

struct World {
    /// The first node's data folder (the SQLite file) and the PostgreSQL URL, if any, so P7
    /// can start a separate server process on the same data.
    dir: std::path::PathBuf,
    database_url: Option<String>,
    running: corral::Running,
    /// Further nodes on the same database (`--nodes`).
    others: Vec<corral::Running>,
    db: Db,
    http: reqwest::Client,
    ws: String,
    owner_key: String,
    lead_owner: String,
    status_id: String,
    opp_status: String,
    /// Member user ids, in seeding order.
    members: Vec<String>,
    membership_ids: Vec<String>,
    /// A member with the limited-visibility role.
    limited_key: String,
    limited_user: String,
}

fn id(prefix: &str, n: usize) -> String {
    format!("{prefix}_bench{n:012}")
}

/// Runs multi-row INSERTs: 500 rows a statement on PostgreSQL, about 240 parameters a statement
/// on SQLite (its driver looks each parameter up by walking the statement's list of them, so
/// a statement's binding costs grow with the square of its parameters: seeding 100,000 leads
/// took 21 s with 500 rows a statement).
async fn insert_rows(db: &Db, head: &str, rows: &[Vec<Arg>]) -> Res<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let per_statement = match db.engine() {
        corral_store::Engine::Sqlite => (240 / rows[0].len().max(1)).max(1),
        corral_store::Engine::Postgres => 500,
    };
    let mut tx = db.write().await.map_err(err)?;
    for chunk in rows.chunks(per_statement) {
        let mut sql = Sql::new(head);
        sql.push(" VALUES ");
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(");
            for (j, a) in r.iter().enumerate() {
                if j > 0 {
                    sql.push(", ");
                }
                sql.arg(a.clone());
            }
            sql.push(")");
        }
        execute_built!(&mut tx, sql).map_err(err)?;
    }
    tx.commit().await.map_err(err)?;
    Ok(())
}

async fn scalar(db: &Db, sql: &str, a: &str) -> Res<String> {
    let mut tx = db.read().await.map_err(err)?;
    let v: String = corral_store::on!(&mut tx, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).bind(a).fetch_one(c).await)
        .map_err(err)?;
    Ok(v)
}

fn progress(label: &str, done: usize, total: usize) {
    let width = 30;
    let filled = (done * width)
        .checked_div(total)
        .unwrap_or(width)
        .min(width);
    eprint!(
        "\r  {label:<14} [{}{}] {done}/{total}",
        "#".repeat(filled),
        " ".repeat(width - filled)
    );
    if done >= total {
        eprintln!();
    }
    let _ = std::io::stderr().flush();
}

async fn setup(cli: &Cli) -> Res<World> {
    let dir = cli.data_dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("corral-bench-{}", std::process::id()))
    });
    if !cli.reuse {
        let _ = std::fs::remove_dir_all(&dir);
    }
    std::fs::create_dir_all(&dir).map_err(err)?;
    let running = corral::start(corral::Config {
        bind: "127.0.0.1:0".parse().map_err(err)?,
        data_dir: dir.clone(),
        database_url: cli.postgres.clone(),
        demo: false,
        demo_leads: 0,
        public_url: None,
        smtp: None,
        invitation_ttl: None,
        rate_limit: None,
        webhooks: Default::default(),
    })
    .await?;
    let s = running.services.clone();
    if cli.reuse {
        return reuse(cli, dir, running).await;
    }
    let token = s
        .issue_setup_token()
        .await
        .map_err(err)?
        .ok_or("the database is not empty: give an empty one")?;
    let session = s
        .complete_setup(
            &token,
            corral_services::setup::SetupInput {
                organization_name: "Bench Org".into(),
                workspace_name: "Bench".into(),
                first_name: "Bench".into(),
                last_name: "Owner".into(),
                email: "owner@bench.test".into(),
                password: "bench-password".into(),
            },
        )
        .await
        .map_err(err)?;
    let owner = s.authenticate_session(&session.token).await.map_err(err)?;
    let owner_key = s.create_api_key(&owner, "bench").await.map_err(err)?.secret;
    let db = s.db().clone();
    let ws = session.workspace_id.clone();
    let (lead_owner, status_id, opp_status) = workspace_ids(&db, &ws).await?;
    // A limited-visibility custom role: sees leads whose Lead Owner is them.
    let role = s
        .create_role(
            &owner,
            corral_services::access::RoleInput {
                name: Some("Limited rep".into()),
                permissions: Some(vec!["calling".into()]),
                visibility_user_lcf_ids: Some(Some(vec![lead_owner.clone()])),
                visibility_user_lcf_behavior: Some(Some("require_assignment".into())),
                visibility_include_reports: Some(false),
            },
        )
        .await
        .map_err(err)?;
    let t0 = Utc::now();
    let t = |n: usize| Arg::Time(t0 - Span::seconds(n as i64));
    let org = owner.organization_id.clone();
    let (mut users, mut orgm, mut memb) = (vec![], vec![], vec![]);
    let mut members = vec![];
    let mut membership_ids = vec![];
    for i in 0..cli.members {
        let uid = id("user", i);
        let mid = id("memb", i);
        let email = format!("member{i}@bench.test");
        users.push(vec![
            Arg::Text(uid.clone()),
            Arg::Text(email.clone()),
            Arg::Text(email),
            Arg::Text(format!("Member{i}")),
            Arg::Text("Bench".into()),
            t(0),
            t(0),
        ]);
        orgm.push(vec![
            Arg::Text(org.clone()),
            Arg::Text(uid.clone()),
            Arg::Text("member".into()),
            t(0),
        ]);
        let role_id = if i % 10 == 9 {
            role.id.clone()
        } else {
            "user".to_string()
        };
        memb.push(vec![
            Arg::Text(mid.clone()),
            Arg::Text(ws.clone()),
            Arg::Text(uid.clone()),
            Arg::Text(role_id),
            Arg::Text("active".into()),
            Arg::Bool(i < 50),
            t(0),
            t(0),
            t(0),
        ]);
        members.push(uid);
        membership_ids.push(mid);
    }
    insert_rows(&db, "INSERT INTO users (id, email, email_lower, first_name, last_name, date_created, date_updated)", &users).await?;
    insert_rows(
        &db,
        "INSERT INTO org_members (organization_id, user_id, org_role, date_created)",
        &orgm,
    )
    .await?;
    insert_rows(&db, "INSERT INTO memberships (id, workspace_id, user_id, role_id, status, round_robin, date_created, date_updated, date_activated)", &memb).await?;
    let (mut groups, mut gm) = (vec![], vec![]);
    for g in 0..10 {
        let gid = id("group", g);
        groups.push(vec![
            Arg::Text(gid.clone()),
            Arg::Text(ws.clone()),
            Arg::Text(format!("Team {g}")),
            t(0),
            t(0),
        ]);
        for (i, u) in members.iter().enumerate().filter(|(i, _)| i % 10 == g) {
            gm.push(vec![
                Arg::Text(ws.clone()),
                Arg::Text(gid.clone()),
                Arg::Text(u.clone()),
                t(i),
            ]);
        }
    }
    insert_rows(
        &db,
        "INSERT INTO groups (id, workspace_id, name, date_created, date_updated)",
        &groups,
    )
    .await?;
    insert_rows(
        &db,
        "INSERT INTO group_members (workspace_id, group_id, user_id, date_created)",
        &gm,
    )
    .await?;

    // Leads: 1–2 contacts each, 20% with an opportunity, 50% with an open task, 2 activities.
    // Member 0 holds a tenth of everything (the offboarding scenario); the rest is spread.
    let started = Instant::now();
    let n = cli.leads;
    let chunk = 10_000;
    let mut done = 0;
    while done < n {
        let end = (done + chunk).min(n);
        let (mut leads, mut vals, mut contacts, mut opps, mut tasks, mut acts) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for i in done..end {
            let lid = id("lead", i);
            // A tenth unassigned (round robin), a tenth member 0's, the rest spread.
            let holder = match i % 10 {
                0 => None,
                1 => Some(0),
                _ => Some(1 + (i / 10) % (cli.members - 1)),
            };
            leads.push(vec![
                Arg::Text(lid.clone()),
                Arg::Text(ws.clone()),
                Arg::Text(format!("Lead {i}")),
                Arg::Text(status_id.clone()),
                t(i % 86_400),
                t(i % 86_400),
            ]);
            if let Some(h) = holder {
                vals.push(vec![
                    Arg::Text(ws.clone()),
                    Arg::Text(lid.clone()),
                    Arg::Text(lead_owner.clone()),
                    Arg::Text(members[h].clone()),
                    Arg::Int(0),
                ]);
            }
            for c in 0..(1 + i % 2) {
                contacts.push(vec![
                    Arg::Text(format!("cont_bench{i:012}{c}")),
                    Arg::Text(ws.clone()),
                    Arg::Text(lid.clone()),
                    Arg::Text(format!("Contact {i}.{c}")),
                    t(0),
                    t(0),
                ]);
            }
            let owner_of = holder.unwrap_or(1 + i % (cli.members - 1));
            // A fifth of every holder's leads with an opportunity, half with an open task (so
            // member 0 holds 20% and 50% of their tenth, as P2 says): chosen by i / 10, since
            // i % 10 picks the holder.
            if (i / 10) % 5 == 0 {
                opps.push(vec![
                    Arg::Text(id("oppo", i)),
                    Arg::Text(ws.clone()),
                    Arg::Text(lid.clone()),
                    Arg::Text(members[owner_of].clone()),
                    Arg::Text(format!("Member{owner_of} Bench")),
                    Arg::Text(opp_status.clone()),
                    Arg::Int(1000),
                    t(0),
                    t(0),
                ]);
            }
            if (i / 10) % 2 == 0 {
                tasks.push(vec![
                    Arg::Text(id("task", i)),
                    Arg::Text(ws.clone()),
                    Arg::Text(lid.clone()),
                    Arg::Text(members[owner_of].clone()),
                    Arg::Text(format!("Member{owner_of} Bench")),
                    Arg::Text("Follow up".into()),
                    t(0),
                    t(0),
                ]);
            }
            for a in 0..2 {
                acts.push(vec![
                    Arg::Text(format!("acti_bench{i:012}{a}")),
                    Arg::Text(ws.clone()),
                    Arg::Text(lid.clone()),
                    Arg::Text(if a == 0 { "Call".into() } else { "Note".into() }),
                    Arg::Text(members[owner_of].clone()),
                    Arg::Text(format!("Member{owner_of} Bench")),
                    t(i % 86_400),
                    t(0),
                    t(0),
                ]);
            }
        }
        insert_rows(
            &db,
            "INSERT INTO leads (id, workspace_id, name, status_id, date_created, date_updated)",
            &leads,
        )
        .await?;
        insert_rows(
            &db,
            "INSERT INTO lead_field_values (workspace_id, lead_id, field_id, value, position)",
            &vals,
        )
        .await?;
        insert_rows(
            &db,
            "INSERT INTO contacts (id, workspace_id, lead_id, name, date_created, date_updated)",
            &contacts,
        )
        .await?;
        insert_rows(&db, "INSERT INTO opportunities (id, workspace_id, lead_id, user_id, user_name, status_id, value, date_created, date_updated)", &opps).await?;
        insert_rows(&db, "INSERT INTO tasks (id, workspace_id, lead_id, assigned_to, assigned_to_name, text, date_created, date_updated)", &tasks).await?;
        insert_rows(&db, "INSERT INTO activities (id, workspace_id, lead_id, activity_type, user_id, user_name, activity_at, date_created, date_updated)", &acts).await?;
        done = end;
        progress("seeding leads", done, n);
    }
    println!(
        "seeded {n} leads (with contacts, opportunities, tasks, activities) and {} members in {:.1} s",
        cli.members,
        started.elapsed().as_secs_f64()
    );
    after_bulk_load(&db).await?;
    // The limited member's API key.
    let limited_user = members[9].clone();
    let limited_key = api_key_of(&s, &db, &membership_ids[9]).await?;
    let http = bench_client()?;
    let mut others = vec![];
    for n in 1..cli.nodes {
        let Some(url) = cli.postgres.clone() else {
            return Err("--nodes above 1 needs --postgres (SQLite is one node)".into());
        };
        let dir = std::env::temp_dir().join(format!("corral-bench-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(err)?;
        others.push(
            corral::start(corral::Config {
                bind: "127.0.0.1:0".parse().map_err(err)?,
                data_dir: dir,
                database_url: Some(url),
                demo: false,
                demo_leads: 0,
                public_url: None,
                smtp: None,
                invitation_ttl: None,
                rate_limit: None,
                webhooks: Default::default(),
            })
            .await?,
        );
    }
    Ok(World {
        dir,
        database_url: cli.postgres.clone(),
        running,
        others,
        db,
        http,
        ws,
        owner_key,
        lead_owner,
        status_id,
        opp_status,
        members,
        membership_ids,
        limited_key,
        limited_user,
    })
}

/// Waits until SQLite's WAL has been copied into the database file (the server's background
/// checkpoint does it within seconds of a quiet moment), so that a timed write starts on a
/// WAL that can begin again from its start, as on a server that is not busy writing. A large
/// hand-over timed right after another one would otherwise append to the 700 MB the first
/// left and search them for every page it reads. Nothing to wait for on PostgreSQL.
///
/// Then the kernel writes out what the machine holds dirty (`sync`): seeding leaves gigabytes
/// of written pages in memory, and while the kernel flushed them in the background a write
/// timed right after seeding stalled behind it (a hand-over's commit took 6 s instead of 1,
/// or a small write before a plan 5 s).
async fn settle(db: &Db) -> Res<()> {
    while !db.checkpoint().await.map_err(err)? {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let synced = tokio::process::Command::new("sync")
        .status()
        .await
        .map_err(err)?;
    if !synced.success() {
        return Err(format!("sync failed: {synced}"));
    }
    Ok(())
}

/// What a database gets after a bulk load: fresh statistics for the query planner and, on
/// PostgreSQL, a vacuum, so the visibility map lets counts read indexes alone (what
/// autovacuum would do a little later on a live server).
async fn after_bulk_load(db: &Db) -> Res<()> {
    // Seeding wrote memberships straight into their table: the seat count follows.
    let mut tx = db.write().await.map_err(err)?;
    corral_store::queries::team::recount_seats(&mut tx)
        .await
        .map_err(err)?;
    tx.commit().await.map_err(err)?;
    match db {
        Db::Postgres(pool) => {
            sqlx::query("VACUUM ANALYZE")
                .execute(pool)
                .await
                .map_err(err)?;
        }
        Db::Sqlite { write, .. } => {
            let mut tx = db.write().await.map_err(err)?;
            corral_store::on!(&mut tx, c => sqlx::query("ANALYZE").execute(c).await.map(|r| r.rows_affected()))
                .map_err(err)?;
            tx.commit().await.map_err(err)?;
            // Seeding outruns the background checkpoint, so the WAL grows to gigabytes (7.5 GB
            // at 1,000,000 leads). The first write after the checkpoint catches up cuts it
            // back to the size SQLite keeps (1 GiB), and on this machine's disk (mounted with
            // `discard`) freeing 6.5 GB took 4.9 s: a scenario would time that instead of its
            // own work. Cut it back here, as part of loading (a reader still on the WAL makes
            // the checkpoint give up: then it is tried again).
            let mut tries = 0;
            loop {
                let (busy, _, _): (i64, i64, i64) =
                    sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                        .fetch_one(write)
                        .await
                        .map_err(err)?;
                if busy == 0 {
                    break;
                }
                tries += 1;
                if tries == 50 {
                    return Err("the WAL could not be cut back after loading".into());
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        }
    }
    Ok(())
}

/// The Lead Owner field, the first lead status and an active opportunity status.
async fn workspace_ids(db: &Db, ws: &str) -> Res<(String, String, String)> {
    let lead_owner = scalar(
        db,
        "SELECT id FROM custom_fields WHERE workspace_id = $1 AND name = 'Lead Owner'",
        ws,
    )
    .await?;
    let status_id = scalar(
        db,
        "SELECT id FROM lead_statuses WHERE workspace_id = $1 ORDER BY sort_order LIMIT 1",
        ws,
    )
    .await?;
    let opp_status = scalar(db, "SELECT id FROM opportunity_statuses WHERE workspace_id = $1 AND status_type = 'active' LIMIT 1", ws).await?;
    Ok((lead_owner, status_id, opp_status))
}

/// A new API key of a member (by membership id).
async fn api_key_of(s: &corral_services::Services, db: &Db, membership_id: &str) -> Res<String> {
    let mut tx = db.read().await.map_err(err)?;
    let m = corral_store::queries::memberships::get(&mut tx, membership_id)
        .await
        .map_err(err)?
        .ok_or("no such member")?;
    let actor = corral_services::roles::actor_for(&mut tx, &m)
        .await
        .map_err(err)?;
    drop(tx);
    Ok(s.create_api_key(&actor, "bench").await.map_err(err)?.secret)
}

fn bench_client() -> Res<reqwest::Client> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .map_err(err)
}

/// The world of an earlier run's dataset (`--reuse`), put back where P2 and P3 start from.
async fn reuse(cli: &Cli, dir: std::path::PathBuf, running: corral::Running) -> Res<World> {
    if cli.nodes > 1 {
        return Err("--reuse runs one node".into());
    }
    let s = running.services.clone();
    let session = s
        .login("owner@bench.test", "bench-password", "bench")
        .await
        .map_err(|e| format!("no seeded dataset to reuse here: {e}"))?;
    let owner = s.authenticate_session(&session.token).await.map_err(err)?;
    let owner_key = s.create_api_key(&owner, "bench").await.map_err(err)?.secret;
    let db = s.db().clone();
    let ws = owner.workspace_id.clone();
    let (lead_owner, status_id, opp_status) = workspace_ids(&db, &ws).await?;
    let members: Vec<String> = (0..cli.members).map(|i| id("user", i)).collect();
    let membership_ids: Vec<String> = (0..cli.members).map(|i| id("memb", i)).collect();
    {
        // Member 0 active again and holding what seeding gave them (leads, opportunities and
        // tasks whose ids end in 1); every tenth lead (ids ending in 0) unassigned again.
        let mut tx = db.write().await.map_err(err)?;
        for sql in [
            "UPDATE lead_field_values SET value = $3 WHERE workspace_id = $1 AND field_id = $2 AND lead_id LIKE '%1' AND value <> $3",
            "UPDATE opportunities SET user_id = $3 WHERE workspace_id = $1 AND $2 <> '' AND id LIKE '%1' AND user_id <> $3",
            "UPDATE tasks SET assigned_to = $3 WHERE workspace_id = $1 AND $2 <> '' AND id LIKE '%1' AND assigned_to <> $3",
        ] {
            corral_store::on!(&mut tx, c => sqlx::query(sql)
                .bind(&ws).bind(&lead_owner).bind(&members[0]).execute(c).await.map(|r| r.rows_affected()))
                .map_err(err)?;
        }
        corral_store::on!(&mut tx, c => sqlx::query("UPDATE memberships SET status = 'active', date_deactivated = NULL WHERE workspace_id = $1 AND id = $2")
            .bind(&ws).bind(&membership_ids[0]).execute(c).await.map(|r| r.rows_affected()))
            .map_err(err)?;
        corral_store::on!(&mut tx, c => sqlx::query("DELETE FROM lead_field_values WHERE workspace_id = $1 AND field_id = $2 AND lead_id LIKE '%0'")
            .bind(&ws).bind(&lead_owner).execute(c).await.map(|r| r.rows_affected()))
            .map_err(err)?;
        tx.commit().await.map_err(err)?;
    }
    // Let the server's background checkpoint take in what putting things back wrote (SQLite)
    // and vacuum (PostgreSQL), as after seeding.
    settle(&db).await?;
    after_bulk_load(&db).await?;
    let limited_user = members[9].clone();
    let limited_key = api_key_of(&s, &db, &membership_ids[9]).await?;
    let http = bench_client()?;
    println!("reusing the dataset in {}", dir.display());
    Ok(World {
        dir,
        database_url: cli.postgres.clone(),
        running,
        others: vec![],
        db,
        http,
        ws,
        owner_key,
        lead_owner,
        status_id,
        opp_status,
        members,
        membership_ids,
        limited_key,
        limited_user,
    })
}

struct Row {
    id: &'static str,
    scenario: String,
    corral: String,
    sql: String,
    ratio: f64,
    goal: String,
}

fn print_table(engine: &str, rows: &[Row]) {
    println!("\n### {engine}\n");
    println!("| id | scenario | Corral over HTTP | same work in SQL | ratio | goal |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for r in rows {
        let ratio = if r.ratio.is_finite() {
            format!("{:.2}×", r.ratio)
        } else {
            "—".into()
        };
        println!(
            "| {} | {} | {} | {} | {ratio} | {} |",
            r.id, r.scenario, r.corral, r.sql, r.goal
        );
    }
}

/// Runs `op` from `conns` concurrent tasks for `secs`; (requests per second, latencies µs).
async fn hammer<F, Fut>(conns: usize, secs: u64, op: F) -> (f64, Vec<u64>)
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let op = Arc::new(op);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut handles = vec![];
    for _ in 0..conns {
        let op = op.clone();
        let stop = stop.clone();
        handles.push(tokio::spawn(async move {
            let mut lat = vec![];
            let mut failures = 0;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                if op().await {
                    lat.push(t.elapsed().as_micros() as u64);
                } else {
                    failures += 1;
                }
            }
            (lat, failures)
        }));
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = vec![];
    let mut failures = 0;
    for h in handles {
        if let Ok((l, f)) = h.await {
            all.extend(l);
            failures += f;
        }
    }
    if failures > 0 {
        eprintln!("  ({failures} failed requests)");
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    (rate, all)
}

impl World {
    /// Every node's base URL.
    fn urls(&self) -> Vec<String> {
        std::iter::once(&self.running)
            .chain(&self.others)
            .map(|r| r.url.clone())
            .collect()
    }

    /// The node P2 runs on: the last one.
    fn last_url(&self) -> &str {
        &self.others.last().unwrap_or(&self.running).url
    }
}

async fn p1(w: &World, secs: u64) -> Res<Row> {
    let urls: Vec<String> = w
        .urls()
        .iter()
        .map(|u| format!("{u}/api/v1/lead/?_limit=100"))
        .collect();
    let url = urls[0].clone();
    let (http, key) = (w.http.clone(), w.limited_key.clone());
    let (check, body) = {
        let r = http
            .get(&url)
            .basic_auth(&key, Some(""))
            .send()
            .await
            .map_err(err)?;
        let v: Value = r.json().await.map_err(err)?;
        (v["total_results"].as_i64().unwrap_or(0), v)
    };
    if body["data"].as_array().map(Vec::len).unwrap_or(0) == 0 {
        return Err(format!("the limited member sees no leads: {body}"));
    }
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (rate, mut lat) = hammer(32, secs, move || {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let (http, url, key) = (http.clone(), urls[i % urls.len()].clone(), key.clone());
        async move {
            match http.get(&url).basic_auth(&key, Some("")).send().await {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            }
        }
    })
    .await;
    let rss = rss_mib();
    // The same page straight from SQL: the visible leads, their field values and contacts.
    let (db, ws, field, user) = (
        w.db.clone(),
        w.ws.clone(),
        w.lead_owner.clone(),
        w.limited_user.clone(),
    );
    let (raw, mut raw_lat) = hammer(32, secs, move || {
        let (db, ws, field, user) = (db.clone(), ws.clone(), field.clone(), user.clone());
        async move { raw_page(&db, &ws, &field, &user).await.is_ok() }
    })
    .await;
    Ok(Row {
        id: "P1",
        scenario: format!("limited member lists leads (sees {check}), _limit=100, 32 connections"),
        corral: format!(
            "{rate:.0} req/s, p50 {:.1} ms, p99 {:.1} ms (RSS {rss:.0} MiB)",
            pct(&mut lat, 0.5),
            pct(&mut lat, 0.99)
        ),
        sql: format!("{raw:.0} pages/s, p99 {:.1} ms", pct(&mut raw_lat, 0.99)),
        ratio: raw / rate.max(0.001),
        goal: "≥ 1,500 req/s, p99 ≤ 30 ms, ≤ 3× SQL".into(),
    })
}

async fn raw_page(db: &Db, ws: &str, field: &str, user: &str) -> Res<()> {
    let mut tx: Tx = db.read().await.map_err(err)?;
    let ids: Vec<String> = corral_store::on!(&mut tx, c => sqlx::query_scalar("SELECT l.id FROM leads l WHERE l.workspace_id = $1 AND l.id IN (SELECT v.lead_id FROM lead_field_values v WHERE v.workspace_id = $1 AND v.field_id = $2 AND v.value = $3) ORDER BY l.date_updated DESC, l.id DESC LIMIT 100")
        .bind(ws).bind(field).bind(user).fetch_all(c).await).map_err(err)?;
    let _: i64 = corral_store::on!(&mut tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM leads l WHERE l.workspace_id = $1 AND l.id IN (SELECT v.lead_id FROM lead_field_values v WHERE v.workspace_id = $1 AND v.field_id = $2 AND v.value = $3)")
        .bind(ws).bind(field).bind(user).fetch_one(c).await).map_err(err)?;
    let mut sql = Sql::new("SELECT lead_id FROM lead_field_values WHERE lead_id IN ");
    sql.list(&ids);
    let _ = corral_store::fetch_all_built!(&mut tx, sql, (String,)).map_err(err)?;
    let mut sql = Sql::new("SELECT id FROM contacts WHERE lead_id IN ");
    sql.list(&ids);
    let _ = corral_store::fetch_all_built!(&mut tx, sql, (String,)).map_err(err)?;
    Ok(())
}

async fn post(w: &World, key: &str, path: &str, body: &Value) -> Res<(u16, Value)> {
    let r = w
        .http
        .post(format!("{}/api/v1/{path}", w.last_url()))
        .basic_auth(key, Some(""))
        .json(body)
        .send()
        .await
        .map_err(err)?;
    let s = r.status().as_u16();
    Ok((s, r.json().await.unwrap_or(Value::Null)))
}

async fn p2(w: &World, leads: usize) -> Res<Row> {
    let leaver = &w.membership_ids[0];
    let heir = &w.members[1];
    let choice = json!({"action": "deactivate", "leads": {"mode": "reassign", "user_id": heir}, "opportunities": {"mode": "reassign", "user_id": heir}, "tasks": {"mode": "reassign", "user_id": heir}});
    // What the member holds, read before Corral moves it (the SQL side moves the same
    // records back afterwards).
    let (lead_ids, opp_ids, task_ids) = {
        let mut tx = w.db.read().await.map_err(err)?;
        let leads: Vec<String> = corral_store::on!(&mut tx, c => sqlx::query_scalar("SELECT lead_id FROM lead_field_values WHERE workspace_id = $3 AND field_id = $1 AND value = $2")
            .bind(&w.lead_owner).bind(&w.members[0]).bind(&w.ws).fetch_all(c).await).map_err(err)?;
        let opps: Vec<String> = corral_store::on!(&mut tx, c => sqlx::query_scalar("SELECT id FROM opportunities WHERE workspace_id = $1 AND user_id = $2")
            .bind(&w.ws).bind(&w.members[0]).fetch_all(c).await).map_err(err)?;
        let tasks: Vec<String> = corral_store::on!(&mut tx, c => sqlx::query_scalar("SELECT id FROM tasks WHERE workspace_id = $1 AND assigned_to = $2 AND is_complete = FALSE")
            .bind(&w.ws).bind(&w.members[0]).fetch_all(c).await).map_err(err)?;
        (leads, opps, tasks)
    };
    settle(&w.db).await?;
    let t = Instant::now();
    let (s, plan) = post(
        w,
        &w.owner_key,
        &format!("membership/{leaver}/offboarding_plan/"),
        &choice,
    )
    .await?;
    let plan_time = t.elapsed();
    if s != 200 {
        return Err(format!("plan failed: {s} {plan}"));
    }
    settle(&w.db).await?;
    let t = Instant::now();
    let (s, done) = post(
        w,
        &w.owner_key,
        &format!("membership/{leaver}/offboard/"),
        &choice,
    )
    .await?;
    let exec = t.elapsed();
    if s != 200 {
        return Err(format!("offboarding failed: {s} {done}"));
    }
    // The same hand-over straight in SQL, committed as Corral's is: the same records moved
    // back from the heir to the member, in a transaction with the page cache Corral gives a
    // large write, after the same wait.
    settle(&w.db).await?;
    let raw = {
        let t = Instant::now();
        let mut tx = w.db.write_bulk().await.map_err(err)?;
        let now = Utc::now();
        corral_store::queries::leads::move_field_holder(
            &mut tx,
            &w.ws,
            &w.lead_owner,
            &lead_ids,
            heir,
            Some(&w.members[0]),
            "bench",
            "Bench",
            now,
        )
        .await
        .map_err(err)?;
        for (table, holder, ids) in [
            ("opportunities", "user_id", &opp_ids),
            ("tasks", "assigned_to", &task_ids),
        ] {
            // SQLite: one statement over a JSON array of the ids (binding thousands of
            // parameters costs its driver more than the update), by id alone (beside
            // `workspace_id = …` its planner walks the workspace's index instead);
            // PostgreSQL: lists of 4,000, naming the workspace its keys lead with.
            let sqlite = matches!(tx, corral_store::Tx::Sqlite(_));
            for chunk in ids.chunks(if sqlite { ids.len().max(1) } else { 4000 }) {
                let mut sql = Sql::new(&format!("UPDATE {table} SET {holder} = "));
                sql.text_arg(&w.members[0])
                    .push(", date_updated = ")
                    .arg(Arg::Time(now))
                    .push(" WHERE ");
                if sqlite {
                    sql.push("id IN (SELECT value FROM json_each(")
                        .text_arg(&serde_json::to_string(chunk).map_err(err)?)
                        .push("))");
                } else {
                    sql.push("workspace_id = ")
                        .text_arg(&w.ws)
                        .push(" AND id IN ")
                        .list(chunk);
                }
                execute_built!(&mut tx, sql).map_err(err)?;
            }
        }
        // And the manifest (records → previous holder, grouped per kind and receiver), as
        // Corral keeps for undo.
        let manifest: Vec<Value> = [
            ("lead_field", &lead_ids),
            ("opportunity", &opp_ids),
            ("task", &task_ids),
        ]
        .iter()
        .map(|(kind, ids)| json!({"kind": kind, "from": heir, "to": &w.members[0], "record_ids": ids}))
        .collect();
        corral_store::queries::work::insert_offboarding(
            &mut tx,
            &corral_store::model::OffboardingRow {
                id: format!("offb_bench{}", corral_domain::ids::random_base62(16)),
                workspace_id: w.ws.clone(),
                membership_id: leaver.clone(),
                user_id: w.members[0].clone(),
                actor_user_id: w.members[0].clone(),
                action: "deactivate".into(),
                moved: (lead_ids.len() + opp_ids.len() + task_ids.len()) as i64,
                date_created: now,
                undone_at: None,
            },
            &Value::Array(manifest).to_string(),
        )
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        t.elapsed()
    };
    let moved = done["moved"].as_u64().unwrap_or(0);
    Ok(Row {
        id: "P2",
        scenario: format!(
            "offboard a member holding {} leads + their opportunities and tasks ({moved} records)",
            leads / 10
        ),
        corral: format!(
            "plan {:.0} ms, execute {:.2} s",
            plan_time.as_secs_f64() * 1000.0,
            exec.as_secs_f64()
        ),
        sql: format!(
            "{:.2} s (the same moves and manifest, committed)",
            raw.as_secs_f64()
        ),
        ratio: exec.as_secs_f64() / raw.as_secs_f64().max(0.000_001),
        goal: "plan ≤ 300 ms, execute ≤ 3 s, ≤ 2× SQL (at 1M leads)".into(),
    })
}

async fn p3(w: &World) -> Res<Row> {
    // Raw: give every unassigned lead an owner in turn, rolled back. The rows go in in lead
    // id order (the keys' order); on SQLite as one statement over a JSON array, as Corral
    // does, since binding hundreds of parameters a statement costs SQLite's driver more.
    // With the page cache Corral gives a large write.
    let raw = {
        let t = Instant::now();
        let mut tx = w.db.write_bulk().await.map_err(err)?;
        let ids: Vec<String> = corral_store::on!(&mut tx, c => sqlx::query_scalar("SELECT l.id FROM leads l WHERE l.workspace_id = $1 AND NOT EXISTS (SELECT 1 FROM lead_field_values v WHERE v.workspace_id = l.workspace_id AND v.lead_id = l.id AND v.field_id = $2) ORDER BY l.date_created LIMIT 100000")
            .bind(&w.ws).bind(&w.lead_owner).fetch_all(c).await).map_err(err)?;
        let mut pairs: Vec<(&String, &String)> = ids
            .iter()
            .enumerate()
            .map(|(i, l)| (l, &w.members[i % 50]))
            .collect();
        pairs.sort();
        if let corral_store::Tx::Sqlite(t) = &mut tx {
            let json = serde_json::to_string(&pairs).map_err(err)?;
            sqlx::query("INSERT INTO lead_field_values (workspace_id, lead_id, field_id, value, position) SELECT $1, json_extract(j.value, '$[0]'), $2, json_extract(j.value, '$[1]'), 0 FROM json_each($3) AS j")
                .bind(&w.ws).bind(&w.lead_owner).bind(json)
                .execute(&mut **t)
                .await
                .map_err(err)?;
        } else {
            for chunk in pairs.chunks(500) {
                let mut sql = Sql::new(
                    "INSERT INTO lead_field_values (workspace_id, lead_id, field_id, value, position) VALUES ",
                );
                for (i, (l, m)) in chunk.iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    sql.push("(");
                    for (j, a) in [w.ws.as_str(), l.as_str(), w.lead_owner.as_str(), m.as_str()]
                        .into_iter()
                        .enumerate()
                    {
                        if j > 0 {
                            sql.push(", ");
                        }
                        sql.arg(Arg::Text(a.to_string()));
                    }
                    sql.push(", 0)");
                }
                execute_built!(&mut tx, sql).map_err(err)?;
            }
        }
        drop(tx); // never committed: rolled back
        (ids.len(), t.elapsed())
    };
    settle(&w.db).await?;
    let t = Instant::now();
    let (s, a) = post(
        w,
        &w.owner_key,
        "lead/assign/",
        &json!({"strategy": "round_robin", "results_limit": 100000}),
    )
    .await?;
    let took = t.elapsed();
    if s != 200 {
        return Err(format!("assign failed: {s} {a}"));
    }
    let n = a["assigned"].as_u64().unwrap_or(0) as f64;
    let rate = n / took.as_secs_f64();
    let raw_rate = raw.0 as f64 / raw.1.as_secs_f64();
    Ok(Row {
        id: "P3",
        scenario: format!(
            "round-robin {n:.0} unassigned leads over {} pool members",
            a["pool"].as_array().map(Vec::len).unwrap_or(0)
        ),
        corral: format!("{rate:.0} leads/s ({:.2} s)", took.as_secs_f64()),
        sql: format!("{raw_rate:.0} leads/s"),
        ratio: raw_rate / rate.max(0.001),
        goal: "≥ 100,000 leads/s".into(),
    })
}

async fn p4(w: &World, n: usize) -> Res<Row> {
    let token = {
        let mut tx = w.db.read().await.map_err(err)?;
        let m = corral_store::queries::memberships::find(
            &mut tx,
            &w.ws,
            &scalar(
                &w.db,
                "SELECT user_id FROM org_members WHERE org_role = $1 LIMIT 1",
                "owner",
            )
            .await?,
        )
        .await
        .map_err(err)?
        .ok_or("no owner")?;
        let actor = corral_services::roles::actor_for(&mut tx, &m)
            .await
            .map_err(err)?;
        drop(tx);
        w.running
            .services
            .create_scim_token(&actor, "bench")
            .await
            .map_err(err)?
            .token
    };
    let base = format!("{}/scim/v2", w.running.url);
    let t = Instant::now();
    for i in 0..n {
        let r = w
            .http
            .post(format!("{base}/Users"))
            .bearer_auth(&token)
            .header("content-type", "application/scim+json")
            .body(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": format!("scim{i}@bench.test"), "emails": [{"value": format!("scim{i}@bench.test")}], "name": {"givenName": "Scim", "familyName": format!("{i}")}}).to_string())
            .send()
            .await
            .map_err(err)?;
        if r.status().as_u16() != 201 {
            return Err(format!(
                "SCIM create failed: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            ));
        }
    }
    let creates = n as f64 / t.elapsed().as_secs_f64();
    let mut lat = vec![];
    for i in 0..500 {
        let t = Instant::now();
        let r = w
            .http
            .get(format!(
                "{base}/Users?filter=userName%20eq%20%22scim{}%40bench.test%22",
                (i * 7) % n
            ))
            .bearer_auth(&token)
            .send()
            .await
            .map_err(err)?;
        let _ = r.bytes().await;
        lat.push(t.elapsed().as_micros() as u64);
    }
    // A provider's full sync: every user, a page of 100 at a time.
    let mut pages = vec![];
    for start in (1..=n).step_by(100) {
        let t = Instant::now();
        let r = w
            .http
            .get(format!("{base}/Users?startIndex={start}&count=100"))
            .bearer_auth(&token)
            .send()
            .await
            .map_err(err)?;
        if !r.status().is_success() {
            return Err(format!("SCIM list failed: {}", r.status()));
        }
        let _ = r.bytes().await;
        pages.push(t.elapsed().as_micros() as u64);
    }
    // Raw: the rows a create writes (user, membership), one transaction per user as SCIM does.
    let raw = {
        let t = Instant::now();
        for i in 0..n {
            let mut tx = w.db.write().await.map_err(err)?;
            let uid = format!("user_raw{i:010}");
            let now = Utc::now();
            corral_store::on!(&mut tx, c => sqlx::query("INSERT INTO users (id, email, email_lower, date_created, date_updated) VALUES ($1, $2, $2, $3, $3)").bind(&uid).bind(format!("raw{i}@bench.test")).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(err)?;
            corral_store::on!(&mut tx, c => sqlx::query("INSERT INTO memberships (id, workspace_id, user_id, role_id, status, date_created, date_updated) VALUES ($1, $2, $3, 'user', 'active', $4, $4)").bind(format!("memb_raw{i:010}")).bind(&w.ws).bind(&uid).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(err)?;
            tx.commit().await.map_err(err)?;
        }
        n as f64 / t.elapsed().as_secs_f64()
    };
    Ok(Row {
        id: "P4",
        scenario: format!("SCIM: create {n} users one by one; userName eq lookups"),
        corral: format!(
            "{creates:.0} creates/s; lookup p50 {:.1} ms, p99 {:.1} ms; pages of 100 users p50 {:.1} ms, p99 {:.1} ms",
            pct(&mut lat, 0.5),
            pct(&mut lat, 0.99),
            pct(&mut pages, 0.5),
            pct(&mut pages, 0.99)
        ),
        sql: format!("{raw:.0} users/s (user + membership rows, a transaction each)"),
        ratio: raw / creates.max(0.001),
        goal: "≥ 1,000 creates/s; lookup p99 ≤ 5 ms".into(),
    })
}

async fn p6(w: &World) -> Res<Row> {
    let url = format!("{}/api/v1/membership/?_limit=500", w.running.url);
    let mut lat = vec![];
    for _ in 0..200 {
        let t = Instant::now();
        let r = w
            .http
            .get(&url)
            .basic_auth(&w.owner_key, Some(""))
            .send()
            .await
            .map_err(err)?;
        if !r.status().is_success() {
            return Err(format!("users list failed: {}", r.status()));
        }
        let _ = r.bytes().await;
        lat.push(t.elapsed().as_micros() as u64);
    }
    let mut raw_lat = vec![];
    for _ in 0..200 {
        let t = Instant::now();
        let mut tx = w.db.read().await.map_err(err)?;
        let _ = corral_store::queries::memberships::list_members(&mut tx, &w.ws)
            .await
            .map_err(err)?;
        raw_lat.push(t.elapsed().as_micros() as u64);
    }
    let p99 = pct(&mut lat, 0.99);
    let raw99 = pct(&mut raw_lat, 0.99);
    Ok(Row {
        id: "P6",
        scenario: format!(
            "Users page API for {} members (role, presence, last active)",
            w.members.len() + 1
        ),
        corral: format!("p50 {:.1} ms, p99 {p99:.1} ms", pct(&mut lat, 0.5)),
        sql: format!("p99 {raw99:.1} ms"),
        ratio: p99 / raw99.max(0.001),
        goal: "p99 ≤ 10 ms".into(),
    })
}

#[tokio::main]
async fn main() {
    // reqwest's TLS (built with the server's features) needs a crypto provider chosen.
    corral::webhook::install_tls_provider();
    let cli = Cli::parse();
    // CORRAL_LOG as for the server (e.g. `sqlx=debug` prints every statement with its time):
    // for finding where a scenario's time goes. Quiet unless set.
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("CORRAL_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    if cli.scenario == Scenario::Soak {
        match soak::run(
            cli.seconds,
            cli.soak_leads,
            cli.corral.as_deref(),
            cli.clients,
        )
        .await
        {
            Ok(()) => return,
            Err(e) => {
                eprintln!("soak failed: {e}");
                std::process::exit(1);
            }
        }
    }
    let engine = if cli.postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "Corral benchmarks on {engine}: {} leads, {} members, {} s per throughput scenario, {} node(s)",
        cli.leads, cli.members, cli.seconds, cli.nodes
    );
    let w = match setup(&cli).await {
        Ok(w) => w,
        Err(e) => {
            eprintln!("setup failed: {e}");
            std::process::exit(1);
        }
    };
    let _ = (&w.status_id, &w.opp_status);
    let mut rows = vec![];
    let want = |s: Scenario| cli.scenario == Scenario::All || cli.scenario == s;
    let mut failed = false;
    let mut push = |r: Res<Row>, id: &str| match r {
        Ok(r) => rows.push(r),
        Err(e) => {
            eprintln!("{id} failed: {e}");
            failed = true;
        }
    };
    if want(Scenario::P1) {
        push(p1(&w, cli.seconds).await, "P1");
    }
    if want(Scenario::P6) {
        push(p6(&w).await, "P6");
    }
    if want(Scenario::P3) {
        push(p3(&w).await, "P3");
    }
    if want(Scenario::P2) {
        push(p2(&w, cli.leads).await, "P2");
    }
    if want(Scenario::P4) {
        push(p4(&w, cli.scim_users).await, "P4");
    }
    if want(Scenario::P5) {
        push(presence_memory::p5(&w, 1000).await, "P5");
    }
    if want(Scenario::P7) {
        push(
            presence_memory::p7(&w, cli.seconds, cli.corral.as_deref()).await,
            "P7",
        );
    }
    print_table(engine, &rows);
    for o in w.others {
        o.stop().await;
    }
    w.running.stop().await;
    if failed {
        std::process::exit(1);
    }
}
