//! Opportunities, tasks and activities. Every read joins the owning lead and applies the
//! actor's lead scope in SQL, so hidden leads' work is never fetched.

use corral_domain::visibility::LeadScope;

use crate::model::{ActivityRow, OppStatusRow, OpportunityRow, TaskRow};
use crate::queries::db_err;
use crate::queries::leads::push_scope;
use crate::sql::{Arg, Sql};
use crate::{Result, Tx, fetch_all_built, on};

macro_rules! opp_cols {
    ($p:literal) => {
        concat!(
            $p,
            "id, ",
            $p,
            "workspace_id, ",
            $p,
            "lead_id, ",
            $p,
            "contact_id, ",
            $p,
            "user_id, ",
            $p,
            "user_name, ",
            $p,
            "status_id, ",
            $p,
            "value, ",
            $p,
            "value_period, ",
            $p,
            "value_currency, ",
            $p,
            "confidence, ",
            $p,
            "note, ",
            $p,
            "date_won, ",
            $p,
            "created_by, ",
            $p,
            "updated_by, ",
            $p,
            "created_by_name, ",
            $p,
            "updated_by_name, ",
            $p,
            "date_created, ",
            $p,
            "date_updated, ",
            $p,
            "custom"
        )
    };
}
macro_rules! task_cols {
    ($p:literal) => {
        concat!(
            $p,
            "id, ",
            $p,
            "workspace_id, ",
            $p,
            "lead_id, ",
            $p,
            "contact_id, ",
            $p,
            "assigned_to, ",
            $p,
            "assigned_to_name, ",
            $p,
            "text, ",
            $p,
            "due_date, ",
            $p,
            "is_complete, ",
            $p,
            "created_by, ",
            $p,
            "updated_by, ",
            $p,
            "created_by_name, ",
            $p,
            "updated_by_name, ",
            $p,
            "date_created, ",
            $p,
            "date_updated"
        )
    };
}
macro_rules! act_cols {
    ($p:literal) => {
        concat!(
            $p,
            "id, ",
            $p,
            "workspace_id, ",
            $p,
            "lead_id, ",
            $p,
            "contact_id, ",
            $p,
            "activity_type, ",
            $p,
            "user_id, ",
            $p,
            "user_name, ",
            $p,
            "body, ",
            $p,
            "subject, ",
            $p,
            "direction, ",
            $p,
            "duration, ",
            $p,
            "activity_at, ",
            $p,
            "created_by, ",
            $p,
            "updated_by, ",
            $p,
            "created_by_name, ",
            $p,
            "updated_by_name, ",
            $p,
            "date_created, ",
            $p,
            "date_updated"
        )
    };
}

pub async fn insert_pipeline(
    tx: &mut Tx,
    id: &str,
    workspace_id: &str,
    name: &str,
    now: crate::model::Ts,
) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO pipelines (id, workspace_id, name, date_created) VALUES ($1, $2, $3, $4)")
        .bind(id).bind(workspace_id).bind(name).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn insert_opp_status(tx: &mut Tx, s: &OppStatusRow) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO opportunity_statuses (id, workspace_id, pipeline_id, label, status_type, sort_order) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&s.id).bind(&s.workspace_id).bind(&s.pipeline_id).bind(&s.label).bind(&s.status_type).bind(s.sort_order)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn opp_statuses(tx: &mut Tx, workspace_id: &str) -> Result<Vec<OppStatusRow>> {
    on!(tx, c => sqlx::query_as::<_, OppStatusRow>("SELECT id, workspace_id, pipeline_id, label, status_type, sort_order FROM opportunity_statuses WHERE workspace_id = $1 ORDER BY sort_order, id")
        .bind(workspace_id).fetch_all(c).await).map_err(db_err)
}

pub async fn pipeline_names(tx: &mut Tx, workspace_id: &str) -> Result<Vec<(String, String)>> {
    on!(tx, c => sqlx::query_as::<_, (String, String)>("SELECT id, name FROM pipelines WHERE workspace_id = $1 ORDER BY date_created, id")
        .bind(workspace_id).fetch_all(c).await).map_err(db_err)
}

pub async fn rename_pipeline(tx: &mut Tx, workspace_id: &str, id: &str, name: &str) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE pipelines SET name = $3 WHERE workspace_id = $1 AND id = $2")
        .bind(workspace_id).bind(id).bind(name).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)?;
    Ok(())
}

/// Deletes a pipeline with its statuses (the caller has checked no opportunity is in them).
pub async fn delete_pipeline(tx: &mut Tx, workspace_id: &str, id: &str) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM opportunity_statuses WHERE workspace_id = $1 AND pipeline_id = $2")
        .bind(workspace_id).bind(id).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    on!(tx, c => sqlx::query("DELETE FROM pipelines WHERE workspace_id = $1 AND id = $2")
        .bind(workspace_id).bind(id).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)?;
    Ok(())
}

/// Saves a status's label, type, pipeline and place.
pub async fn update_opp_status(tx: &mut Tx, s: &OppStatusRow) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE opportunity_statuses SET pipeline_id = $3, label = $4, status_type = $5, sort_order = $6 WHERE workspace_id = $1 AND id = $2")
        .bind(&s.workspace_id).bind(&s.id).bind(&s.pipeline_id).bind(&s.label).bind(&s.status_type).bind(s.sort_order)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn delete_opp_status(tx: &mut Tx, workspace_id: &str, id: &str) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM opportunity_statuses WHERE workspace_id = $1 AND id = $2")
        .bind(workspace_id).bind(id).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Opportunities (of any visibility) in one of `status_ids`.
pub async fn count_in_opp_statuses(
    tx: &mut Tx,
    workspace_id: &str,
    status_ids: &[String],
) -> Result<i64> {
    let mut n = 0;
    for id in status_ids {
        n += on!(tx, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM opportunities WHERE workspace_id = $1 AND status_id = $2")
            .bind(workspace_id).bind(id).fetch_one(c).await).map_err(db_err)?;
    }
    Ok(n)
}

pub async fn insert_opportunity(tx: &mut Tx, o: &OpportunityRow) -> Result<()> {
    on!(tx, c => sqlx::query(concat!("INSERT INTO opportunities (", opp_cols!(""), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"))
        .bind(&o.id).bind(&o.workspace_id).bind(&o.lead_id).bind(&o.contact_id).bind(&o.user_id).bind(&o.user_name).bind(&o.status_id)
        .bind(o.value).bind(&o.value_period).bind(&o.value_currency).bind(o.confidence).bind(&o.note).bind(&o.date_won)
        .bind(&o.created_by).bind(&o.updated_by).bind(&o.created_by_name).bind(&o.updated_by_name).bind(o.date_created).bind(o.date_updated).bind(&o.custom)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn update_opportunity(tx: &mut Tx, o: &OpportunityRow) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE opportunities SET contact_id = $2, user_id = $3, user_name = $4, status_id = $5, value = $6, value_period = $7, value_currency = $8, confidence = $9, note = $10, date_won = $11, updated_by = $12, updated_by_name = $13, date_updated = $14, custom = $15 WHERE id = $1")
        .bind(&o.id).bind(&o.contact_id).bind(&o.user_id).bind(&o.user_name).bind(&o.status_id).bind(o.value).bind(&o.value_period)
        .bind(&o.value_currency).bind(o.confidence).bind(&o.note).bind(&o.date_won).bind(&o.updated_by).bind(&o.updated_by_name).bind(o.date_updated).bind(&o.custom)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn insert_task(tx: &mut Tx, t: &TaskRow) -> Result<()> {
    on!(tx, c => sqlx::query(concat!("INSERT INTO tasks (", task_cols!(""), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"))
        .bind(&t.id).bind(&t.workspace_id).bind(&t.lead_id).bind(&t.contact_id).bind(&t.assigned_to).bind(&t.assigned_to_name).bind(&t.text)
        .bind(&t.due_date).bind(t.is_complete).bind(&t.created_by).bind(&t.updated_by).bind(&t.created_by_name).bind(&t.updated_by_name)
        .bind(t.date_created).bind(t.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn update_task(tx: &mut Tx, t: &TaskRow) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE tasks SET contact_id = $2, assigned_to = $3, assigned_to_name = $4, text = $5, due_date = $6, is_complete = $7, updated_by = $8, updated_by_name = $9, date_updated = $10 WHERE id = $1")
        .bind(&t.id).bind(&t.contact_id).bind(&t.assigned_to).bind(&t.assigned_to_name).bind(&t.text).bind(&t.due_date).bind(t.is_complete)
        .bind(&t.updated_by).bind(&t.updated_by_name).bind(t.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn insert_activity(tx: &mut Tx, a: &ActivityRow) -> Result<()> {
    on!(tx, c => sqlx::query(concat!("INSERT INTO activities (", act_cols!(""), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"))
        .bind(&a.id).bind(&a.workspace_id).bind(&a.lead_id).bind(&a.contact_id).bind(&a.activity_type).bind(&a.user_id).bind(&a.user_name)
        .bind(&a.body).bind(&a.subject).bind(&a.direction).bind(a.duration).bind(a.activity_at).bind(&a.created_by).bind(&a.updated_by)
        .bind(&a.created_by_name).bind(&a.updated_by_name).bind(a.date_created).bind(a.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn update_activity(tx: &mut Tx, a: &ActivityRow) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE activities SET body = $2, subject = $3, updated_by = $4, updated_by_name = $5, date_updated = $6 WHERE id = $1")
        .bind(&a.id).bind(&a.body).bind(&a.subject).bind(&a.updated_by).bind(&a.updated_by_name).bind(a.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Deletes one row of a work table (`opportunities`, `tasks` or `activities`).
pub async fn delete(tx: &mut Tx, table: WorkTable, id: &str) -> Result<()> {
    let sql = Sql {
        text: format!("DELETE FROM {} WHERE id = $1 RETURNING id", table.name()),
        args: vec![Arg::Text(id.to_string())],
    };
    fetch_all_built!(tx, sql, IdOnly).map_err(db_err)?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct IdOnly {
    #[allow(dead_code)]
    id: String,
}

#[derive(Debug, Clone, Copy)]
pub enum WorkTable {
    Opportunities,
    Tasks,
    Activities,
}

impl WorkTable {
    fn name(self) -> &'static str {
        match self {
            WorkTable::Opportunities => "opportunities",
            WorkTable::Tasks => "tasks",
            WorkTable::Activities => "activities",
        }
    }
}

/// Filters shared by the work lists; every `Some` must match.
#[derive(Debug, Clone, Default)]
pub struct WorkFilter {
    pub id: Option<String>,
    pub lead_id: Option<String>,
    /// `user_id` of opportunities and activities, `assigned_to` of tasks.
    pub user_id: Option<String>,
    pub is_complete: Option<bool>,
    pub status_type: Option<String>,
    pub activity_type: Option<String>,
}

fn base(cols: &str, table: &str, alias: &str, workspace_id: &str, scope: &LeadScope) -> Sql {
    let mut sql = Sql::new(&format!(
        "SELECT {cols} FROM {table} {alias} JOIN leads l ON l.id = {alias}.lead_id WHERE {alias}.workspace_id = "
    ));
    sql.text_arg(workspace_id);
    push_scope(&mut sql, workspace_id, scope);
    sql
}

fn page(sql: &mut Sql, order: &str, skip: i64, limit: i64) {
    sql.push(" ORDER BY ")
        .push(order)
        .push(" LIMIT ")
        .arg(Arg::Int(limit))
        .push(" OFFSET ")
        .arg(Arg::Int(skip));
}

/// (id, note) of a member's open (active) opportunities, newest first: what offboarding
/// hands over.
/// Which of a member's records offboarding hands over: open opportunities they own (status
/// of type active) or open tasks assigned to them; `$1` is the workspace, `$2` the member.
macro_rules! held_cond {
    (tasks) => {
        "t.workspace_id = $1 AND t.assigned_to = $2 AND t.is_complete = FALSE"
    };
    (opportunities) => {
        "t.workspace_id = $1 AND t.user_id = $2 AND t.status_id IN (SELECT s.id FROM opportunity_statuses s WHERE s.workspace_id = $1 AND s.status_type = 'active')"
    };
}
macro_rules! held_where {
    (tasks) => {
        concat!("FROM tasks t WHERE ", held_cond!(tasks))
    };
    (opportunities) => {
        concat!("FROM opportunities t WHERE ", held_cond!(opportunities))
    };
}

/// Gives every open opportunity (or task) `from` holds to `to` (None: nobody) in one statement
/// that walks the member's index entries, and returns their ids (the manifest).
pub async fn hand_over_held(
    tx: &mut Tx,
    table: WorkTable,
    workspace_id: &str,
    from: &str,
    to: Option<&str>,
    to_name: &str,
    now: crate::model::Ts,
) -> Result<Vec<String>> {
    let sql = match table {
        WorkTable::Tasks => concat!(
            "UPDATE tasks AS t SET assigned_to = $3, assigned_to_name = $4, date_updated = $5 WHERE ",
            held_cond!(tasks),
            " RETURNING id"
        ),
        _ => concat!(
            "UPDATE opportunities AS t SET user_id = $3, user_name = $4, date_updated = $5 WHERE ",
            held_cond!(opportunities),
            " RETURNING id"
        ),
    };
    on!(tx, c => sqlx::query_scalar(sql).bind(workspace_id).bind(from).bind(to).bind(to_name).bind(now).fetch_all(c).await)
        .map_err(db_err)
}

/// (id, holder) of those of `ids` that exist: the owner of opportunities, the assignee of tasks
/// (one statement; callers batch).
pub async fn holders(
    tx: &mut Tx,
    table: WorkTable,
    workspace_id: &str,
    ids: &[String],
) -> Result<Vec<(String, Option<String>)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut sql = Sql::new(match table {
        WorkTable::Tasks => "SELECT id, assigned_to FROM tasks WHERE workspace_id = ",
        _ => "SELECT id, user_id FROM opportunities WHERE workspace_id = ",
    });
    sql.text_arg(workspace_id).push(" AND id IN ").list(ids);
    fetch_all_built!(tx, sql, (String, Option<String>)).map_err(db_err)
}

/// The ids of the open opportunities (or tasks) a member holds, in index order.
pub async fn held_ids(
    tx: &mut Tx,
    table: WorkTable,
    workspace_id: &str,
    user_id: &str,
) -> Result<Vec<String>> {
    let sql = match table {
        WorkTable::Tasks => concat!("SELECT t.id ", held_where!(tasks)),
        _ => concat!("SELECT t.id ", held_where!(opportunities)),
    };
    on!(tx, c => sqlx::query_scalar(sql).bind(workspace_id).bind(user_id).fetch_all(c).await)
        .map_err(db_err)
}

/// How many open opportunities (or tasks) a member holds, and the note (or text) of a few.
pub async fn held_summary(
    tx: &mut Tx,
    table: WorkTable,
    workspace_id: &str,
    user_id: &str,
    sample: i64,
) -> Result<(i64, Vec<String>)> {
    let (count, some) = match table {
        WorkTable::Tasks => (
            concat!("SELECT COUNT(*) ", held_where!(tasks)),
            concat!("SELECT t.text ", held_where!(tasks), " LIMIT $3"),
        ),
        _ => (
            concat!("SELECT COUNT(*) ", held_where!(opportunities)),
            concat!("SELECT t.note ", held_where!(opportunities), " LIMIT $3"),
        ),
    };
    let n: i64 =
        on!(tx, c => sqlx::query_scalar(count).bind(workspace_id).bind(user_id).fetch_one(c).await)
            .map_err(db_err)?;
    let labels: Vec<String> = on!(tx, c => sqlx::query_scalar(some).bind(workspace_id).bind(user_id).bind(sample).fetch_all(c).await)
        .map_err(db_err)?;
    Ok((n, labels))
}

pub async fn list_opportunities(
    tx: &mut Tx,
    workspace_id: &str,
    scope: &LeadScope,
    f: &WorkFilter,
    skip: i64,
    limit: i64,
) -> Result<Vec<OpportunityRow>> {
    let mut sql = base(opp_cols!("o."), "opportunities", "o", workspace_id, scope);
    if let Some(v) = &f.id {
        sql.push(" AND o.id = ").text_arg(v);
    }
    if let Some(v) = &f.lead_id {
        sql.push(" AND o.lead_id = ").text_arg(v);
    }
    if let Some(v) = &f.user_id {
        sql.push(" AND o.user_id = ").text_arg(v);
    }
    if let Some(v) = &f.status_type {
        sql.push(
            " AND o.status_id IN (SELECT s.id FROM opportunity_statuses s WHERE s.status_type = ",
        )
        .text_arg(v)
        .push(")");
    }
    page(&mut sql, "o.date_created DESC, o.id DESC", skip, limit);
    fetch_all_built!(tx, sql, OpportunityRow).map_err(db_err)
}

pub async fn list_tasks(
    tx: &mut Tx,
    workspace_id: &str,
    scope: &LeadScope,
    f: &WorkFilter,
    skip: i64,
    limit: i64,
) -> Result<Vec<TaskRow>> {
    let mut sql = base(task_cols!("t."), "tasks", "t", workspace_id, scope);
    if let Some(v) = &f.id {
        sql.push(" AND t.id = ").text_arg(v);
    }
    if let Some(v) = &f.lead_id {
        sql.push(" AND t.lead_id = ").text_arg(v);
    }
    if let Some(v) = &f.user_id {
        sql.push(" AND t.assigned_to = ").text_arg(v);
    }
    if let Some(done) = f.is_complete {
        sql.push(if done {
            " AND t.is_complete = TRUE"
        } else {
            " AND t.is_complete = FALSE"
        });
    }
    page(&mut sql, "t.date_created DESC, t.id DESC", skip, limit);
    fetch_all_built!(tx, sql, TaskRow).map_err(db_err)
}

/// How many activities a member is the author of (whatever their lead's visibility).
pub async fn count_activities_by(tx: &mut Tx, workspace_id: &str, user_id: &str) -> Result<i64> {
    on!(tx, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM activities WHERE workspace_id = $1 AND user_id = $2")
        .bind(workspace_id).bind(user_id).fetch_one(c).await).map_err(db_err)
}

pub async fn list_activities(
    tx: &mut Tx,
    workspace_id: &str,
    scope: &LeadScope,
    f: &WorkFilter,
    skip: i64,
    limit: i64,
) -> Result<Vec<ActivityRow>> {
    let mut sql = base(act_cols!("a."), "activities", "a", workspace_id, scope);
    if let Some(v) = &f.id {
        sql.push(" AND a.id = ").text_arg(v);
    }
    if let Some(v) = &f.lead_id {
        sql.push(" AND a.lead_id = ").text_arg(v);
    }
    if let Some(v) = &f.user_id {
        sql.push(" AND a.user_id = ").text_arg(v);
    }
    if let Some(v) = &f.activity_type {
        sql.push(" AND a.activity_type = ").text_arg(v);
    }
    page(&mut sql, "a.activity_at DESC, a.id DESC", skip, limit);
    fetch_all_built!(tx, sql, ActivityRow).map_err(db_err)
}

/// Keeps an offboarding with its manifest (JSON).
pub async fn insert_offboarding(
    tx: &mut Tx,
    o: &crate::model::OffboardingRow,
    manifest: &str,
) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO offboardings (id, workspace_id, membership_id, user_id, actor_user_id, action, manifest, moved, date_created, undone_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(&o.id).bind(&o.workspace_id).bind(&o.membership_id).bind(&o.user_id).bind(&o.actor_user_id).bind(&o.action).bind(manifest).bind(o.moved).bind(o.date_created).bind(o.undone_at)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// An offboarding's manifest (JSON), read only to undo it or show it.
pub async fn offboarding_manifest(
    tx: &mut Tx,
    workspace_id: &str,
    id: &str,
) -> Result<Option<String>> {
    on!(tx, c => sqlx::query_scalar("SELECT manifest FROM offboardings WHERE workspace_id = $1 AND id = $2")
        .bind(workspace_id).bind(id).fetch_optional(c).await).map_err(db_err)
}

pub async fn get_offboarding(
    tx: &mut Tx,
    workspace_id: &str,
    id: &str,
) -> Result<Option<crate::model::OffboardingRow>> {
    on!(tx, c => sqlx::query_as::<_, crate::model::OffboardingRow>("SELECT id, workspace_id, membership_id, user_id, actor_user_id, action, moved, date_created, undone_at FROM offboardings WHERE workspace_id = $1 AND id = $2")
        .bind(workspace_id).bind(id).fetch_optional(c).await).map_err(db_err)
}

/// Marks an offboarding undone; false when it already was.
pub async fn mark_offboarding_undone(tx: &mut Tx, id: &str, now: crate::model::Ts) -> Result<bool> {
    let n = on!(tx, c => sqlx::query("UPDATE offboardings SET undone_at = $2 WHERE id = $1 AND undone_at IS NULL")
        .bind(id).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(n == 1)
}

/// The workspace's offboardings, newest first.
pub async fn list_offboardings(
    tx: &mut Tx,
    workspace_id: &str,
    limit: i64,
) -> Result<Vec<crate::model::OffboardingRow>> {
    on!(tx, c => sqlx::query_as::<_, crate::model::OffboardingRow>("SELECT id, workspace_id, membership_id, user_id, actor_user_id, action, moved, date_created, undone_at FROM offboardings WHERE workspace_id = $1 ORDER BY date_created DESC, id DESC LIMIT $2")
        .bind(workspace_id).bind(limit).fetch_all(c).await).map_err(db_err)
}

/// Gives many opportunities (or tasks) to `to` at once, in batches.
pub async fn set_holder_many(
    tx: &mut Tx,
    table: WorkTable,
    ids: &[String],
    to: Option<&str>,
    to_name: &str,
    now: crate::model::Ts,
) -> Result<()> {
    let (holder, name) = match table {
        WorkTable::Tasks => ("assigned_to", "assigned_to_name"),
        _ => ("user_id", "user_name"),
    };
    for chunk in ids.chunks(crate::queries::leads::write_batch(tx)) {
        let mut sql = Sql::new(&format!("UPDATE {} SET {holder} = ", table.name()));
        sql.arg(Arg::OptText(to.map(str::to_string)))
            .push(&format!(", {name} = "))
            .text_arg(to_name)
            .push(", date_updated = ")
            .arg(Arg::Time(now))
            .push(" WHERE id IN ");
        crate::queries::leads::id_set(&mut sql, tx, chunk);
        crate::execute_built!(tx, sql).map_err(db_err)?;
    }
    Ok(())
}
