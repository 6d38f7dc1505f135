//! Invitations, the email outbox, the audit log and seat history.

use crate::model::{AuditRow, EmailRow, InvitationRow, SeatChangeRow, Ts};
use crate::queries::db_err;
use crate::{Result, Tx, on};

macro_rules! inv_cols {
    () => {
        "id, workspace_id, membership_id, user_id, email, token_hash, invited_by, expires_at, accepted_at, cancelled_at, date_created, last_sent_at"
    };
}

pub async fn insert_invitation(tx: &mut Tx, i: &InvitationRow) -> Result<()> {
    on!(tx, c => sqlx::query(concat!("INSERT INTO invitations (", inv_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"))
        .bind(&i.id).bind(&i.workspace_id).bind(&i.membership_id).bind(&i.user_id).bind(&i.email)
        .bind(&i.token_hash).bind(&i.invited_by).bind(i.expires_at).bind(i.accepted_at)
        .bind(i.cancelled_at).bind(i.date_created).bind(i.last_sent_at)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn update_invitation(tx: &mut Tx, i: &InvitationRow) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE invitations SET token_hash = $2, expires_at = $3, accepted_at = $4, cancelled_at = $5, last_sent_at = $6 WHERE id = $1")
        .bind(&i.id).bind(&i.token_hash).bind(i.expires_at).bind(i.accepted_at).bind(i.cancelled_at).bind(i.last_sent_at)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn get_invitation(tx: &mut Tx, id: &str) -> Result<Option<InvitationRow>> {
    on!(tx, c => sqlx::query_as::<_, InvitationRow>(concat!("SELECT ", inv_cols!(), " FROM invitations WHERE id = $1"))
        .bind(id).fetch_optional(c).await).map_err(db_err)
}

pub async fn invitation_by_token(tx: &mut Tx, token_hash: &str) -> Result<Option<InvitationRow>> {
    on!(tx, c => sqlx::query_as::<_, InvitationRow>(concat!("SELECT ", inv_cols!(), " FROM invitations WHERE token_hash = $1"))
        .bind(token_hash).fetch_optional(c).await).map_err(db_err)
}

/// Open invitations (not accepted, not cancelled) of a workspace, newest first.
pub async fn open_invitations(tx: &mut Tx, workspace_id: &str) -> Result<Vec<InvitationRow>> {
    on!(tx, c => sqlx::query_as::<_, InvitationRow>(concat!("SELECT ", inv_cols!(), " FROM invitations WHERE workspace_id = $1 AND accepted_at IS NULL AND cancelled_at IS NULL ORDER BY date_created DESC, id"))
        .bind(workspace_id).fetch_all(c).await).map_err(db_err)
}

/// The open invitation for a membership, if any.
pub async fn open_invitation_for(
    tx: &mut Tx,
    membership_id: &str,
) -> Result<Option<InvitationRow>> {
    on!(tx, c => sqlx::query_as::<_, InvitationRow>(concat!("SELECT ", inv_cols!(), " FROM invitations WHERE membership_id = $1 AND accepted_at IS NULL AND cancelled_at IS NULL ORDER BY date_created DESC LIMIT 1"))
        .bind(membership_id).fetch_optional(c).await).map_err(db_err)
}

/// Cancels every open invitation of a membership.
pub async fn cancel_invitations_for(tx: &mut Tx, membership_id: &str, now: Ts) -> Result<u64> {
    on!(tx, c => sqlx::query("UPDATE invitations SET cancelled_at = $2 WHERE membership_id = $1 AND accepted_at IS NULL AND cancelled_at IS NULL")
        .bind(membership_id).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)
}

// ---- email outbox ----

macro_rules! email_cols {
    () => {
        "id, workspace_id, to_email, subject, body_text, status, attempts, next_attempt_at, lease_until, last_error, date_created, sent_at"
    };
}

pub async fn enqueue_email(tx: &mut Tx, e: &EmailRow) -> Result<()> {
    on!(tx, c => sqlx::query(concat!("INSERT INTO email_outbox (", email_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"))
        .bind(&e.id).bind(&e.workspace_id).bind(&e.to_email).bind(&e.subject).bind(&e.body_text)
        .bind(&e.status).bind(e.attempts).bind(e.next_attempt_at).bind(e.lease_until)
        .bind(&e.last_error).bind(e.date_created).bind(e.sent_at)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Pending emails due by `now` whose lease (if any) has run out, oldest first.
pub async fn due_emails(tx: &mut Tx, now: Ts, limit: i64) -> Result<Vec<EmailRow>> {
    on!(tx, c => sqlx::query_as::<_, EmailRow>(concat!("SELECT ", email_cols!(), " FROM email_outbox WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until < $1) ORDER BY next_attempt_at, id LIMIT $2"))
        .bind(now).bind(limit).fetch_all(c).await).map_err(db_err)
}

/// Takes a lease on one email so no other node sends it meanwhile; true when taken.
pub async fn lease_email(tx: &mut Tx, id: &str, now: Ts, until: Ts) -> Result<bool> {
    // On PostgreSQL a message another node is leasing right now is skipped, not waited for.
    if let Tx::Postgres(t) = tx {
        let free: Option<String> =
            sqlx::query_scalar("SELECT id FROM email_outbox WHERE id = $1 FOR UPDATE SKIP LOCKED")
                .bind(id)
                .fetch_optional(&mut **t)
                .await
                .map_err(db_err)?;
        if free.is_none() {
            return Ok(false);
        }
    }
    let n = on!(tx, c => sqlx::query("UPDATE email_outbox SET lease_until = $3 WHERE id = $1 AND status = 'pending' AND (lease_until IS NULL OR lease_until < $2)")
        .bind(id).bind(now).bind(until).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(n == 1)
}

pub async fn mark_email_sent(tx: &mut Tx, id: &str, now: Ts) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE email_outbox SET status = 'sent', sent_at = $2, attempts = attempts + 1, lease_until = NULL, last_error = NULL WHERE id = $1")
        .bind(id).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Records a failed attempt: retried at `next` unless `give_up`.
pub async fn mark_email_failed(
    tx: &mut Tx,
    id: &str,
    error: &str,
    next: Ts,
    give_up: bool,
) -> Result<()> {
    let status = if give_up { "failed" } else { "pending" };
    on!(tx, c => sqlx::query("UPDATE email_outbox SET status = $2, attempts = attempts + 1, next_attempt_at = $3, lease_until = NULL, last_error = $4 WHERE id = $1")
        .bind(id).bind(status).bind(next).bind(error).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// The outbox of a workspace, newest first.
pub async fn list_emails(tx: &mut Tx, workspace_id: &str, limit: i64) -> Result<Vec<EmailRow>> {
    on!(tx, c => sqlx::query_as::<_, EmailRow>(concat!("SELECT ", email_cols!(), " FROM email_outbox WHERE workspace_id = $1 ORDER BY date_created DESC, id LIMIT $2"))
        .bind(workspace_id).bind(limit).fetch_all(c).await).map_err(db_err)
}

// ---- audit log ----

macro_rules! audit_cols {
    () => {
        "id, organization_id, workspace_id, actor_user_id, request_id, object_type, object_id, action, changed_fields, previous_data, data, date_created, lead_id"
    };
}

pub async fn insert_audit(tx: &mut Tx, a: &AuditRow) -> Result<()> {
    on!(tx, c => sqlx::query(concat!("INSERT INTO audit_log (", audit_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"))
        .bind(&a.id).bind(&a.organization_id).bind(&a.workspace_id).bind(&a.actor_user_id).bind(&a.request_id)
        .bind(&a.object_type).bind(&a.object_id).bind(&a.action).bind(&a.changed_fields)
        .bind(&a.previous_data).bind(&a.data).bind(a.date_created).bind(&a.lead_id)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Filters for reading the audit log; every `Some` must match.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub action: Option<String>,
    pub actor_user_id: Option<String>,
    pub request_id: Option<String>,
    /// Events about this lead or its contacts, opportunities, tasks and activities.
    pub lead_id: Option<String>,
    pub since: Option<Ts>,
    pub until: Option<Ts>,
    /// Only entries strictly older than this (date, id) position: the cursor.
    pub before: Option<(Ts, String)>,
    /// Only changes to team objects (memberships, roles, groups, the organization, custom
    /// fields): what the event log shows every member. Entries that name leads (assignments,
    /// offboarding manifests) stay in the audit log.
    pub team_objects_only: bool,
    /// With `team_objects_only`: also the entries about leads this scope sees, and about their
    /// contacts, opportunities, tasks and activities (the scope is compiled into the query).
    pub lead_scope: Option<corral_domain::visibility::LeadScope>,
}

/// A workspace's audit entries, newest first.
pub async fn list_audit(
    tx: &mut Tx,
    workspace_id: &str,
    f: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditRow>> {
    use crate::sql::{Arg, Sql};
    let mut sql = Sql::new(concat!(
        "SELECT ",
        audit_cols!(),
        " FROM audit_log WHERE workspace_id = "
    ));
    sql.text_arg(workspace_id);
    for (col, v) in [
        ("object_type", &f.object_type),
        ("object_id", &f.object_id),
        ("action", &f.action),
        ("actor_user_id", &f.actor_user_id),
        ("request_id", &f.request_id),
        ("lead_id", &f.lead_id),
    ] {
        if let Some(v) = v {
            sql.push(" AND ").push(col).push(" = ").text_arg(v);
        }
    }
    if let Some(t) = f.since {
        sql.push(" AND date_created >= ").arg(Arg::Time(t));
    }
    if let Some(t) = f.until {
        sql.push(" AND date_created <= ").arg(Arg::Time(t));
    }
    if let Some((t, id)) = &f.before {
        sql.push(" AND (date_created < ")
            .arg(Arg::Time(*t))
            .push(" OR (date_created = ")
            .arg(Arg::Time(*t))
            .push(" AND id < ")
            .text_arg(id)
            .push("))");
    }
    if f.team_objects_only {
        let team: Vec<String> = corral_domain::visibility::TEAM_EVENT_OBJECTS
            .iter()
            .map(|t| t.to_string())
            .collect();
        sql.push(" AND (object_type IN ").list(&team);
        if let Some(corral_domain::visibility::LeadScope::All) = &f.lead_scope {
            // Everything, deleted leads' events included.
            sql.push(" OR lead_id IS NOT NULL");
        } else if let Some(scope) = &f.lead_scope {
            sql.push(" OR (lead_id IS NOT NULL AND lead_id IN (SELECT l.id FROM leads l WHERE l.workspace_id = ")
                .text_arg(workspace_id);
            crate::queries::leads::push_scope(&mut sql, workspace_id, scope);
            sql.push("))");
        }
        sql.push(")");
    }
    sql.push(" ORDER BY date_created DESC, id DESC LIMIT ")
        .arg(Arg::Int(limit));
    crate::fetch_all_built!(tx, sql, AuditRow).map_err(db_err)
}

pub async fn get_audit(tx: &mut Tx, workspace_id: &str, id: &str) -> Result<Option<AuditRow>> {
    on!(tx, c => sqlx::query_as::<_, AuditRow>(concat!("SELECT ", audit_cols!(), " FROM audit_log WHERE workspace_id = $1 AND id = $2"))
        .bind(workspace_id).bind(id).fetch_optional(c).await).map_err(db_err)
}

// ---- seats ----

/// Distinct users with an active membership in a workspace of the organization named after it
/// (`$1`, or a column): the seats, counted from the memberships themselves.
macro_rules! seats_counted_for {
    ($org:literal) => {
        concat!(
            "SELECT COUNT(DISTINCT m.user_id) FROM memberships m JOIN workspaces w ON w.id = m.workspace_id WHERE m.status = 'active' AND w.organization_id = ",
            $org
        )
    };
}

/// Seats in use: distinct users with at least one active membership in the organization. The
/// organization row keeps the count; `memberships::insert` and `update` move it (`seat_moved`).
pub async fn seats_used(tx: &mut Tx, organization_id: &str) -> Result<i64> {
    kept_seats(tx, organization_id, "").await
}

/// Seats in use, read to decide whether someone may take one: on PostgreSQL the organization's
/// row stays locked until the transaction ends, so two members activated at once on different
/// connections (or nodes) are counted one after the other and cannot both take the last seat.
/// (SQLite has one writer: its write transactions already run one at a time.)
pub async fn seats_used_for_update(tx: &mut Tx, organization_id: &str) -> Result<i64> {
    let lock = if matches!(tx, Tx::Postgres(_)) {
        " FOR UPDATE"
    } else {
        ""
    };
    kept_seats(tx, organization_id, lock).await
}

async fn kept_seats(tx: &mut Tx, organization_id: &str, lock: &str) -> Result<i64> {
    let mut sql = crate::sql::Sql::new("SELECT seats_used FROM organizations WHERE id = ");
    sql.text_arg(organization_id).push(lock);
    let row: Vec<(i64,)> = crate::fetch_all_built!(tx, sql, (i64,)).map_err(db_err)?;
    Ok(row.first().map_or(0, |r| r.0))
}

/// Seats in use, counted from the memberships themselves (what `seats_used` keeps).
pub async fn count_seats(tx: &mut Tx, organization_id: &str) -> Result<i64> {
    on!(tx, c => sqlx::query_scalar(seats_counted_for!("$1"))
        .bind(organization_id).fetch_one(c).await)
    .map_err(db_err)
}

/// Sets every organization's kept seat count to its memberships' own, after memberships were
/// written around the store (a bulk load).
pub async fn recount_seats(tx: &mut Tx) -> Result<()> {
    on!(tx, c => sqlx::query(concat!("UPDATE organizations SET seats_used = (", seats_counted_for!("organizations.id"), ")"))
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Moves the seat count of the workspace's organization by `delta` after membership
/// `membership_id` of `user_id` became active (+1) or stopped being active (−1), unless the
/// user holds another active membership in the organization: then their one seat stays.
pub(crate) async fn seat_moved(
    tx: &mut Tx,
    workspace_id: &str,
    user_id: &str,
    membership_id: &str,
    delta: i64,
) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE organizations SET seats_used = seats_used + $1 WHERE id = (SELECT organization_id FROM workspaces WHERE id = $2) AND NOT EXISTS (SELECT 1 FROM memberships m JOIN workspaces w ON w.id = m.workspace_id WHERE w.organization_id = organizations.id AND m.user_id = $3 AND m.status = 'active' AND m.id <> $4)")
        .bind(delta).bind(workspace_id).bind(user_id).bind(membership_id)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Whether the user already holds a seat (an active membership) in the organization.
pub async fn holds_seat(tx: &mut Tx, organization_id: &str, user_id: &str) -> Result<bool> {
    let n: i64 = on!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM memberships m JOIN workspaces w ON w.id = m.workspace_id WHERE w.organization_id = $1 AND m.user_id = $2 AND m.status = 'active'")
        .bind(organization_id).bind(user_id).fetch_one(c).await).map_err(db_err)?;
    Ok(n > 0)
}

pub async fn insert_seat_change(tx: &mut Tx, s: &SeatChangeRow) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO seat_changes (id, organization_id, user_id, delta, reason, actor_user_id, seats_after, date_created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(&s.id).bind(&s.organization_id).bind(&s.user_id).bind(s.delta).bind(&s.reason)
        .bind(&s.actor_user_id).bind(s.seats_after).bind(s.date_created)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn seat_changes(tx: &mut Tx, organization_id: &str) -> Result<Vec<SeatChangeRow>> {
    on!(tx, c => sqlx::query_as::<_, SeatChangeRow>("SELECT id, organization_id, user_id, delta, reason, actor_user_id, seats_after, date_created FROM seat_changes WHERE organization_id = $1 ORDER BY date_created, id")
        .bind(organization_id).fetch_all(c).await).map_err(db_err)
}

pub async fn set_seat_limit(
    tx: &mut Tx,
    organization_id: &str,
    limit: Option<i64>,
    now: Ts,
) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE organizations SET seat_limit = $2, date_updated = $3 WHERE id = $1")
        .bind(organization_id).bind(limit).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}
