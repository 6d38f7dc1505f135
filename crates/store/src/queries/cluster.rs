//! Shared state of several nodes on one database (SPEC S10): node heartbeats, presence per
//! node, notifications between nodes, and the row locks that serialise round robin.

use crate::model::Ts;
use crate::queries::db_err;
use crate::{Result, Tx, on};

/// Records that `node_id` is alive now.
pub async fn heartbeat(tx: &mut Tx, node_id: &str, now: Ts) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO cluster_nodes (node_id, started_at, heartbeat_at) VALUES ($1, $2, $2) ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at")
        .bind(node_id).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Records that `user_id` has (or no longer has) a live page on `node_id`.
pub async fn set_presence(
    tx: &mut Tx,
    workspace_id: &str,
    user_id: &str,
    node_id: &str,
    online: bool,
    now: Ts,
) -> Result<()> {
    if online {
        on!(tx, c => sqlx::query("INSERT INTO presence_sessions (workspace_id, user_id, node_id, since) VALUES ($1, $2, $3, $4) ON CONFLICT (workspace_id, user_id, node_id) DO NOTHING")
            .bind(workspace_id).bind(user_id).bind(node_id).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    } else {
        on!(tx, c => sqlx::query("DELETE FROM presence_sessions WHERE workspace_id = $1 AND user_id = $2 AND node_id = $3")
            .bind(workspace_id).bind(user_id).bind(node_id).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    }
    Ok(())
}

/// (workspace, user, node) for every member online on another node that is still alive.
pub async fn remote_presence(
    tx: &mut Tx,
    node_id: &str,
    alive_since: Ts,
) -> Result<Vec<(String, String, String)>> {
    on!(tx, c => sqlx::query_as::<_, (String, String, String)>("SELECT p.workspace_id, p.user_id, p.node_id FROM presence_sessions p JOIN cluster_nodes n ON n.node_id = p.node_id WHERE p.node_id <> $1 AND n.heartbeat_at >= $2")
        .bind(node_id).bind(alive_since).fetch_all(c).await).map_err(db_err)
}

/// Forgets nodes silent since before `before` and the presence they held; returns how many.
pub async fn forget_dead_nodes(tx: &mut Tx, before: Ts) -> Result<u64> {
    on!(tx, c => sqlx::query("DELETE FROM presence_sessions WHERE node_id IN (SELECT node_id FROM cluster_nodes WHERE heartbeat_at < $1)")
        .bind(before).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    on!(tx, c => sqlx::query("DELETE FROM cluster_nodes WHERE heartbeat_at < $1")
        .bind(before).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)
}

/// Sends `payload` to every node listening on `channel` when the transaction commits
/// (PostgreSQL `NOTIFY`). SQLite runs one node, so there is no one else to tell.
pub async fn notify(tx: &mut Tx, channel: &str, payload: &str) -> Result<()> {
    if let Tx::Postgres(t) = tx {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(channel)
            .bind(payload)
            .execute(&mut **t)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

/// Holds the workspace-wide lock on round robin over `key` (a lead field) until the
/// transaction ends, so rotations from several nodes queue instead of reading the same
/// position or picking the same unassigned leads. SQLite's single writer already serialises
/// them.
pub async fn lock_rotation(tx: &mut Tx, workspace_id: &str, key: &str) -> Result<()> {
    if let Tx::Postgres(t) = tx {
        let key = format!("lock:{key}");
        sqlx::query("INSERT INTO round_robin_state (workspace_id, pool_key, position) VALUES ($1, $2, 0) ON CONFLICT (workspace_id, pool_key) DO NOTHING")
            .bind(workspace_id)
            .bind(&key)
            .execute(&mut **t)
            .await
            .map_err(db_err)?;
        sqlx::query("SELECT position FROM round_robin_state WHERE workspace_id = $1 AND pool_key = $2 FOR UPDATE")
            .bind(workspace_id)
            .bind(&key)
            .execute(&mut **t)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

/// Takes up to `want` requests of quota for `scope` in the window starting at `window_start`
/// (epoch seconds) out of `limit` shared by every node; returns (granted, used after the
/// grant). One statement, so concurrent nodes never hand out more than `limit` together.
/// PostgreSQL only: one SQLite node counts in memory.
pub async fn lease_rate_quota(
    tx: &mut Tx,
    workspace_id: &str,
    scope: &str,
    window: (i64, i64),
    want: i64,
    limit: i64,
) -> Result<(i64, i64)> {
    let Tx::Postgres(t) = tx else {
        return Err(crate::StoreError::Corrupt(
            "shared rate-limit quota is leased from PostgreSQL only".into(),
        ));
    };
    sqlx::query_as::<_, (i64, i64)>(
        "INSERT INTO rate_limit_counters AS r (workspace_id, scope, window_start, window_end, used, last_grant) \
         VALUES ($1, $2, $3, $4, LEAST($5, $6), LEAST($5, $6)) \
         ON CONFLICT (workspace_id, scope, window_start) DO UPDATE SET \
           last_grant = LEAST($5, GREATEST($6 - r.used, 0)), \
           used = r.used + LEAST($5, GREATEST($6 - r.used, 0)) \
         RETURNING last_grant, used",
    )
    .bind(workspace_id)
    .bind(scope)
    .bind(window.0)
    .bind(window.1)
    .bind(want)
    .bind(limit)
    .fetch_one(&mut **t)
    .await
    .map_err(db_err)
}

/// Forgets rate-limit windows that ended before `before` (epoch seconds).
pub async fn forget_rate_windows(tx: &mut Tx, before: i64) -> Result<u64> {
    match tx {
        Tx::Postgres(t) => sqlx::query("DELETE FROM rate_limit_counters WHERE window_end < $1")
            .bind(before)
            .execute(&mut **t)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err),
        Tx::Sqlite(_) => Ok(0),
    }
}
