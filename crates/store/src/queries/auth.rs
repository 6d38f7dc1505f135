//! Sign-in state: sessions, API keys, login failures and the first-run setup token.
//! Secrets are never stored, only their SHA-256 hashes.

use crate::model::{ApiKeyRow, SessionRow, Ts};
use crate::queries::db_err;
use crate::{Result, Tx, on, on_guarded};

pub async fn insert_session(tx: &mut Tx, s: &SessionRow) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO sessions (token_hash, user_id, workspace_id, date_created, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&s.token_hash).bind(&s.user_id).bind(&s.workspace_id).bind(s.date_created).bind(s.expires_at)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// The session with this token hash, if it has not expired by `now`.
pub async fn get_session(tx: &mut Tx, token_hash: &str, now: Ts) -> Result<Option<SessionRow>> {
    on!(tx, c => sqlx::query_as::<_, SessionRow>("SELECT token_hash, user_id, workspace_id, date_created, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2")
        .bind(token_hash).bind(now).fetch_optional(c).await).map_err(db_err)
}

pub async fn delete_session(tx: &mut Tx, token_hash: &str) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Ends every session of a user in one workspace; returns how many there were.
pub async fn delete_sessions_for(tx: &mut Tx, user_id: &str, workspace_id: &str) -> Result<u64> {
    let r =
        on!(tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND workspace_id = $2")
        .bind(user_id).bind(workspace_id).execute(c).await.map(|r| r.rows_affected()))
        .map_err(db_err)?;
    Ok(r)
}

pub async fn insert_api_key(tx: &mut Tx, k: &ApiKeyRow) -> Result<()> {
    on_guarded!(tx, c => sqlx::query("INSERT INTO api_keys (id, key_hash, membership_id, name, date_created, last_used_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&k.id).bind(&k.key_hash).bind(&k.membership_id).bind(&k.name).bind(k.date_created)
        .bind(k.last_used_at).bind(k.revoked_at).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// The live (not revoked) key with this hash.
pub async fn get_api_key(tx: &mut Tx, key_hash: &str) -> Result<Option<ApiKeyRow>> {
    on!(tx, c => sqlx::query_as::<_, ApiKeyRow>("SELECT id, key_hash, membership_id, name, date_created, last_used_at, revoked_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
        .bind(key_hash).fetch_optional(c).await).map_err(db_err)
}

pub async fn list_api_keys(tx: &mut Tx, membership_id: &str) -> Result<Vec<ApiKeyRow>> {
    on!(tx, c => sqlx::query_as::<_, ApiKeyRow>("SELECT id, key_hash, membership_id, name, date_created, last_used_at, revoked_at FROM api_keys WHERE membership_id = $1 ORDER BY date_created, id")
        .bind(membership_id).fetch_all(c).await).map_err(db_err)
}

/// Revokes every live key of a membership; returns how many.
pub async fn revoke_api_keys_for(tx: &mut Tx, membership_id: &str, now: Ts) -> Result<u64> {
    let r = on!(tx, c => sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE membership_id = $1 AND revoked_at IS NULL")
        .bind(membership_id).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(r)
}

/// Records use of a key, at most once a minute.
pub async fn touch_api_key(tx: &mut Tx, id: &str, now: Ts) -> Result<()> {
    let cutoff = now - chrono::Duration::seconds(60);
    on!(tx, c => sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)")
        .bind(id).bind(now).bind(cutoff).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn record_login_failure(tx: &mut Tx, email_lower: &str, now: Ts) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO login_failures (email_lower, at) VALUES ($1, $2)")
        .bind(email_lower).bind(now).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)?;
    Ok(())
}

/// Failures for an address since `since`, and the oldest of them.
pub async fn login_failures_since(
    tx: &mut Tx,
    email_lower: &str,
    since: Ts,
) -> Result<(i64, Option<Ts>)> {
    let n: i64 = on!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE email_lower = $1 AND at > $2")
        .bind(email_lower).bind(since).fetch_one(c).await).map_err(db_err)?;
    let oldest: Option<Ts> = on!(tx, c => sqlx::query_scalar("SELECT at FROM login_failures WHERE email_lower = $1 AND at > $2 ORDER BY at LIMIT 1")
        .bind(email_lower).bind(since).fetch_optional(c).await).map_err(db_err)?;
    Ok((n, oldest))
}

pub async fn clear_login_failures(tx: &mut Tx, email_lower: &str) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM login_failures WHERE email_lower = $1").bind(email_lower).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn insert_setup_token(
    tx: &mut Tx,
    token_hash: &str,
    now: Ts,
    expires_at: Ts,
) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO setup_tokens (token_hash, date_created, expires_at) VALUES ($1, $2, $3)")
        .bind(token_hash).bind(now).bind(expires_at).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Marks the token used if it is live; returns whether it was.
pub async fn consume_setup_token(tx: &mut Tx, token_hash: &str, now: Ts) -> Result<bool> {
    let r = on!(tx, c => sqlx::query("UPDATE setup_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
        .bind(token_hash).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(r == 1)
}

/// Whether the token is live, without using it.
pub async fn setup_token_is_live(tx: &mut Tx, token_hash: &str, now: Ts) -> Result<bool> {
    let n: i64 = on!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM setup_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
        .bind(token_hash).bind(now).fetch_one(c).await).map_err(db_err)?;
    Ok(n == 1)
}

/// Stores a password-reset link (its token's hash).
pub async fn insert_password_reset(
    tx: &mut Tx,
    token_hash: &str,
    user_id: &str,
    now: Ts,
    expires_at: Ts,
) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO password_resets (token_hash, user_id, date_created, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash).bind(user_id).bind(now).bind(expires_at).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// The user a live (unused, unexpired) reset link belongs to.
pub async fn live_password_reset(tx: &mut Tx, token_hash: &str, now: Ts) -> Result<Option<String>> {
    on!(tx, c => sqlx::query_scalar::<_, String>("SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
        .bind(token_hash).bind(now).fetch_optional(c).await).map_err(db_err)
}

/// Uses up a live reset link; the user it belonged to, or None when it was not live.
pub async fn consume_password_reset(
    tx: &mut Tx,
    token_hash: &str,
    now: Ts,
) -> Result<Option<String>> {
    on!(tx, c => sqlx::query_scalar::<_, String>("UPDATE password_resets SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id")
        .bind(token_hash).bind(now).fetch_optional(c).await).map_err(db_err)
}

/// Every other reset link of the user stops working.
pub async fn expire_password_resets(tx: &mut Tx, user_id: &str, now: Ts) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Reset links made for the user since `since`.
pub async fn password_resets_since(tx: &mut Tx, user_id: &str, since: Ts) -> Result<i64> {
    on!(tx, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM password_resets WHERE user_id = $1 AND date_created >= $2")
        .bind(user_id).bind(since).fetch_one(c).await).map_err(db_err)
}

/// Ends every session of the user, in every workspace.
pub async fn delete_all_sessions_of(tx: &mut Tx, user_id: &str) -> Result<u64> {
    on!(tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)
}
