//! Leads, lead statuses, lead custom field values and contacts. List queries take the
//! actor's lead scope and compile it into the SQL itself: hidden rows are never fetched.

use corral_domain::visibility::LeadScope;

use crate::model::{ContactRow, FieldValueRow, LeadRow, LeadStatusRow};
use crate::queries::db_err;
use crate::sql::{Arg, Sql};
use crate::{Result, Tx, fetch_all_built, on, on_guarded};

macro_rules! lead_cols {
    ($p:literal) => {
        concat!(
            $p,
            "id, ",
            $p,
            "workspace_id, ",
            $p,
            "name, ",
            $p,
            "description, ",
            $p,
            "url, ",
            $p,
            "status_id, ",
            $p,
            "addresses, ",
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

macro_rules! contact_cols {
    () => {
        "id, workspace_id, lead_id, name, title, emails, phones, urls, created_by, updated_by, created_by_name, updated_by_name, date_created, date_updated, custom"
    };
}

pub async fn insert_status(tx: &mut Tx, s: &LeadStatusRow) -> Result<()> {
    on_guarded!(tx, c => sqlx::query("INSERT INTO lead_statuses (id, workspace_id, label, sort_order, date_created) VALUES ($1, $2, $3, $4, $5)")
        .bind(&s.id).bind(&s.workspace_id).bind(&s.label).bind(s.sort_order).bind(s.date_created)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Renames a status; false when the workspace has no such status.
pub async fn rename_status(tx: &mut Tx, workspace_id: &str, id: &str, label: &str) -> Result<bool> {
    let n = on_guarded!(tx, c => sqlx::query("UPDATE lead_statuses SET label = $3 WHERE workspace_id = $1 AND id = $2")
        .bind(workspace_id).bind(id).bind(label).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(n == 1)
}

pub async fn delete_status(tx: &mut Tx, workspace_id: &str, id: &str) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM lead_statuses WHERE workspace_id = $1 AND id = $2")
        .bind(workspace_id).bind(id).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)?;
    Ok(())
}

/// Leads (of any visibility) in a status.
pub async fn count_in_status(tx: &mut Tx, workspace_id: &str, status_id: &str) -> Result<i64> {
    on!(tx, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM leads WHERE workspace_id = $1 AND status_id = $2")
        .bind(workspace_id).bind(status_id).fetch_one(c).await).map_err(db_err)
}

pub async fn statuses(tx: &mut Tx, workspace_id: &str) -> Result<Vec<LeadStatusRow>> {
    on!(tx, c => sqlx::query_as::<_, LeadStatusRow>("SELECT id, workspace_id, label, sort_order, date_created FROM lead_statuses WHERE workspace_id = $1 ORDER BY sort_order, id")
        .bind(workspace_id).fetch_all(c).await).map_err(db_err)
}

pub async fn insert(tx: &mut Tx, l: &LeadRow) -> Result<()> {
    on!(tx, c => sqlx::query(concat!("INSERT INTO leads (", lead_cols!(""), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"))
        .bind(&l.id).bind(&l.workspace_id).bind(&l.name).bind(&l.description).bind(&l.url).bind(&l.status_id).bind(&l.addresses)
        .bind(&l.created_by).bind(&l.updated_by).bind(&l.created_by_name).bind(&l.updated_by_name).bind(l.date_created).bind(l.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn update(tx: &mut Tx, l: &LeadRow) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE leads SET name = $2, description = $3, url = $4, status_id = $5, addresses = $6, updated_by = $7, updated_by_name = $8, date_updated = $9 WHERE id = $1")
        .bind(&l.id).bind(&l.name).bind(&l.description).bind(&l.url).bind(&l.status_id).bind(&l.addresses)
        .bind(&l.updated_by).bind(&l.updated_by_name).bind(l.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn delete(tx: &mut Tx, id: &str) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM lead_field_values WHERE lead_id = $1").bind(id).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    on!(tx, c => sqlx::query("DELETE FROM contact_channels WHERE contact_id IN (SELECT id FROM contacts WHERE lead_id = $1)").bind(id).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    on!(tx, c => sqlx::query("DELETE FROM contacts WHERE lead_id = $1").bind(id).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    on!(tx, c => sqlx::query("DELETE FROM leads WHERE id = $1").bind(id).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Moves everything hanging off lead `source` to `destination` (contacts, opportunities,
/// tasks, activities) and copies the source's custom field values for every field the
/// destination has no value in; the caller deletes the source afterwards.
pub async fn merge_children(
    tx: &mut Tx,
    workspace_id: &str,
    source: &str,
    destination: &str,
) -> Result<()> {
    for q in [
        "UPDATE contacts SET lead_id = $3 WHERE workspace_id = $1 AND lead_id = $2",
        "UPDATE opportunities SET lead_id = $3 WHERE workspace_id = $1 AND lead_id = $2",
        "UPDATE tasks SET lead_id = $3 WHERE workspace_id = $1 AND lead_id = $2",
        "UPDATE activities SET lead_id = $3 WHERE workspace_id = $1 AND lead_id = $2",
    ] {
        on!(tx, c => sqlx::query(q).bind(workspace_id).bind(source).bind(destination)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(db_err)?;
    }
    on!(tx, c => sqlx::query("INSERT INTO lead_field_values (workspace_id, lead_id, field_id, value, position) SELECT s.workspace_id, $3, s.field_id, s.value, s.position FROM lead_field_values s WHERE s.workspace_id = $1 AND s.lead_id = $2 AND NOT EXISTS (SELECT 1 FROM lead_field_values d WHERE d.workspace_id = $1 AND d.lead_id = $3 AND d.field_id = s.field_id)")
        .bind(workspace_id).bind(source).bind(destination)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Appends the scope's condition on lead alias `l` (nothing for `All`).
pub fn push_scope(sql: &mut Sql, workspace_id: &str, scope: &LeadScope) {
    let LeadScope::Limited {
        field_ids,
        user_ids,
        include_unassigned,
    } = scope
    else {
        return;
    };
    if field_ids.is_empty() {
        sql.push(" AND 1 = 0");
        return;
    }
    // `l.id IN (…)` lets the database start from the (field, value) index and touch only
    // the visible leads, however many the workspace holds.
    sql.push(" AND (l.id IN (SELECT v.lead_id FROM lead_field_values v WHERE v.workspace_id = ")
        .text_arg(workspace_id)
        .push(" AND v.field_id IN ")
        .list(field_ids)
        .push(" AND v.value IN ")
        .list(user_ids)
        .push(")");
    if *include_unassigned {
        sql.push(" OR NOT EXISTS (SELECT 1 FROM lead_field_values v WHERE v.workspace_id = l.workspace_id AND v.lead_id = l.id AND v.field_id IN ").list(field_ids).push(")");
    }
    sql.push(")");
}

/// Filters on lists of leads beside visibility.
#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    /// Case-insensitive substring of the lead name.
    pub name_contains: Option<String>,
    pub status_id: Option<String>,
    /// (field id, value): leads where the field holds the value.
    pub field_equals: Vec<(String, String)>,
    /// (field id, values): leads where the field holds any of the values.
    pub field_any: Vec<(String, Vec<String>)>,
    /// Leads in any of these statuses (empty: no restriction).
    pub status_in: Vec<String>,
    /// Date comparisons: (column, operator, moment); column is `date_updated` or `date_created`.
    pub dates: Vec<(DateColumn, &'static str, crate::model::Ts)>,
    /// Leads where this field holds no value.
    pub field_empty: Vec<String>,
    pub order: Option<(DateColumn, bool)>,
    /// Only these leads (a selection); empty means no restriction.
    pub ids: Vec<String>,
}

/// The lead timestamps filters and sorting may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateColumn {
    Created,
    Updated,
}

impl DateColumn {
    fn sql(self) -> &'static str {
        match self {
            DateColumn::Created => "l.date_created",
            DateColumn::Updated => "l.date_updated",
        }
    }
}

fn push_filter(sql: &mut Sql, workspace_id: &str, f: &LeadFilter) {
    if !f.ids.is_empty() {
        sql.push(" AND l.id IN ").list(&f.ids);
    }
    if let Some(t) = &f.name_contains {
        let escaped = t
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        sql.push(" AND LOWER(l.name) LIKE ")
            .arg(Arg::Text(format!("%{escaped}%")))
            .push(" ESCAPE '\\'");
    }
    if let Some(s) = &f.status_id {
        sql.push(" AND l.status_id = ").text_arg(s);
    }
    for (field, value) in &f.field_equals {
        // Driven from the (field, value) index: only the matching leads are touched.
        sql.push(
            " AND l.id IN (SELECT fv.lead_id FROM lead_field_values fv WHERE fv.workspace_id = ",
        )
        .text_arg(workspace_id)
        .push(" AND fv.field_id = ")
        .text_arg(field)
        .push(" AND fv.value = ")
        .text_arg(value)
        .push(")");
    }
    for (field, values) in &f.field_any {
        sql.push(
            " AND l.id IN (SELECT fv.lead_id FROM lead_field_values fv WHERE fv.workspace_id = ",
        )
        .text_arg(workspace_id)
        .push(" AND fv.field_id = ")
        .text_arg(field)
        .push(" AND fv.value IN ")
        .list(values)
        .push(")");
    }
    if !f.status_in.is_empty() {
        sql.push(" AND l.status_id IN ").list(&f.status_in);
    }
    for (col, op, t) in &f.dates {
        sql.push(" AND ")
            .push(col.sql())
            .push(" ")
            .push(op)
            .push(" ")
            .arg(Arg::Time(*t));
    }
    for field in &f.field_empty {
        sql.push(" AND NOT EXISTS (SELECT 1 FROM lead_field_values fe WHERE fe.workspace_id = l.workspace_id AND fe.lead_id = l.id AND fe.field_id = ").text_arg(field).push(")");
    }
}

fn push_order(sql: &mut Sql, f: &LeadFilter) {
    match f.order {
        Some((col, true)) => sql
            .push(" ORDER BY ")
            .push(col.sql())
            .push(" DESC, l.id DESC"),
        Some((col, false)) => sql
            .push(" ORDER BY ")
            .push(col.sql())
            .push(" ASC, l.id ASC"),
        None => sql.push(" ORDER BY l.date_updated DESC, l.id DESC"),
    };
}

/// Ids of every visible lead matching `filter`, in the filter's order, at most `cap`.
pub async fn matching_ids(
    tx: &mut Tx,
    workspace_id: &str,
    scope: &LeadScope,
    filter: &LeadFilter,
    cap: i64,
) -> Result<Vec<String>> {
    let mut sql = Sql::new("SELECT l.id AS id FROM leads l WHERE l.workspace_id = ");
    sql.text_arg(workspace_id);
    push_scope(&mut sql, workspace_id, scope);
    push_filter(&mut sql, workspace_id, filter);
    push_order(&mut sql, filter);
    sql.push(" LIMIT ").arg(Arg::Int(cap));
    Ok(fetch_all_built!(tx, sql, IdRow)
        .map_err(db_err)?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: String,
}

/// Sets a lead's status and who last changed it.
pub async fn set_status(
    tx: &mut Tx,
    id: &str,
    status_id: &str,
    by: &str,
    by_name: &str,
    now: crate::model::Ts,
) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE leads SET status_id = $2, updated_by = $3, updated_by_name = $4, date_updated = $5 WHERE id = $1")
        .bind(id).bind(status_id).bind(by).bind(by_name).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Records who last changed a lead, and when.
pub async fn touch(
    tx: &mut Tx,
    id: &str,
    by: &str,
    by_name: &str,
    now: crate::model::Ts,
) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE leads SET updated_by = $2, updated_by_name = $3, date_updated = $4 WHERE id = $1")
        .bind(id).bind(by).bind(by_name).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// One lead if it exists in the workspace and the scope sees it.
pub async fn get(
    tx: &mut Tx,
    workspace_id: &str,
    id: &str,
    scope: &LeadScope,
) -> Result<Option<LeadRow>> {
    let mut sql = Sql::new(concat!(
        "SELECT ",
        lead_cols!("l."),
        " FROM leads l WHERE l.workspace_id = "
    ));
    sql.text_arg(workspace_id).push(" AND l.id = ").text_arg(id);
    push_scope(&mut sql, workspace_id, scope);
    Ok(fetch_all_built!(tx, sql, LeadRow)
        .map_err(db_err)?
        .into_iter()
        .next())
}

/// A page of visible leads (newest update first) and the visible total.
pub async fn list(
    tx: &mut Tx,
    workspace_id: &str,
    scope: &LeadScope,
    filter: &LeadFilter,
    skip: i64,
    limit: i64,
) -> Result<(Vec<LeadRow>, i64)> {
    let mut sql = Sql::new(concat!(
        "SELECT ",
        lead_cols!("l."),
        " FROM leads l WHERE l.workspace_id = "
    ));
    sql.text_arg(workspace_id);
    push_scope(&mut sql, workspace_id, scope);
    push_filter(&mut sql, workspace_id, filter);
    push_order(&mut sql, filter);
    sql.push(" LIMIT ")
        .arg(Arg::Int(limit))
        .push(" OFFSET ")
        .arg(Arg::Int(skip));
    let rows = fetch_all_built!(tx, sql, LeadRow).map_err(db_err)?;

    let mut count = Sql::new("SELECT COUNT(*) AS n FROM leads l WHERE l.workspace_id = ");
    count.text_arg(workspace_id);
    push_scope(&mut count, workspace_id, scope);
    push_filter(&mut count, workspace_id, filter);
    let n: Vec<Count> = fetch_all_built!(tx, count, Count).map_err(db_err)?;
    Ok((rows, n.first().map(|c| c.n).unwrap_or(0)))
}

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

/// Replaces a lead's values for one field.
pub async fn set_field_values(
    tx: &mut Tx,
    lead_id: &str,
    field_id: &str,
    values: &[String],
) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM lead_field_values WHERE lead_id = $1 AND field_id = $2")
        .bind(lead_id).bind(field_id).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)?;
    for (i, v) in values.iter().enumerate() {
        on!(tx, c => sqlx::query("INSERT INTO lead_field_values (workspace_id, lead_id, field_id, value, position) SELECT workspace_id, id, $2, $3, $4 FROM leads WHERE id = $1 ON CONFLICT DO NOTHING")
            .bind(lead_id).bind(field_id).bind(v).bind(i as i64).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    }
    Ok(())
}

/// Custom field values of the given leads.
pub async fn field_values(tx: &mut Tx, lead_ids: &[String]) -> Result<Vec<FieldValueRow>> {
    if lead_ids.is_empty() {
        return Ok(vec![]);
    }
    let mut sql = Sql::new(
        "SELECT lead_id, field_id, value, position FROM lead_field_values WHERE lead_id IN ",
    );
    sql.list(lead_ids)
        .push(" ORDER BY lead_id, field_id, position");
    fetch_all_built!(tx, sql, FieldValueRow).map_err(db_err)
}

pub async fn insert_contact(tx: &mut Tx, c0: &ContactRow) -> Result<()> {
    on!(tx, c => sqlx::query(concat!("INSERT INTO contacts (", contact_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"))
        .bind(&c0.id).bind(&c0.workspace_id).bind(&c0.lead_id).bind(&c0.name).bind(&c0.title).bind(&c0.emails).bind(&c0.phones).bind(&c0.urls)
        .bind(&c0.created_by).bind(&c0.updated_by).bind(&c0.created_by_name).bind(&c0.updated_by_name).bind(c0.date_created).bind(c0.date_updated).bind(&c0.custom)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Contacts of the given leads, oldest first.
pub async fn contacts_of(tx: &mut Tx, lead_ids: &[String]) -> Result<Vec<ContactRow>> {
    if lead_ids.is_empty() {
        return Ok(vec![]);
    }
    let mut sql = Sql::new(concat!(
        "SELECT ",
        contact_cols!(),
        " FROM contacts WHERE lead_id IN "
    ));
    sql.list(lead_ids).push(" ORDER BY date_created, id");
    fetch_all_built!(tx, sql, ContactRow).map_err(db_err)
}

/// Records a contact's email (lower-cased) or phone for look-ups.
pub async fn add_channel(
    tx: &mut Tx,
    contact_id: &str,
    workspace_id: &str,
    kind: &str,
    value: &str,
) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO contact_channels (contact_id, workspace_id, kind, value) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .bind(contact_id).bind(workspace_id).bind(kind).bind(value).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Whether some contact of the workspace has this email (lower-cased) or phone.
pub async fn channel_taken(
    tx: &mut Tx,
    workspace_id: &str,
    kind: &str,
    value: &str,
) -> Result<bool> {
    let n: i64 = on!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM contact_channels WHERE workspace_id = $1 AND kind = $2 AND value = $3")
        .bind(workspace_id).bind(kind).bind(value).fetch_one(c).await).map_err(db_err)?;
    Ok(n > 0)
}

/// How many leads of the workspace the scope sees.
pub async fn count_visible(tx: &mut Tx, workspace_id: &str, scope: &LeadScope) -> Result<i64> {
    let mut sql = Sql::new("SELECT COUNT(*) AS n FROM leads l WHERE l.workspace_id = ");
    sql.text_arg(workspace_id);
    push_scope(&mut sql, workspace_id, scope);
    let n: Vec<Count> = fetch_all_built!(tx, sql, Count).map_err(db_err)?;
    Ok(n.first().map(|c| c.n).unwrap_or(0))
}

/// How many leads both scopes see (to tell what a change gains and loses).
pub async fn count_visible_both(
    tx: &mut Tx,
    workspace_id: &str,
    a: &LeadScope,
    b: &LeadScope,
) -> Result<i64> {
    let mut sql = Sql::new("SELECT COUNT(*) AS n FROM leads l WHERE l.workspace_id = ");
    sql.text_arg(workspace_id);
    push_scope(&mut sql, workspace_id, a);
    push_scope(&mut sql, workspace_id, b);
    let n: Vec<Count> = fetch_all_built!(tx, sql, Count).map_err(db_err)?;
    Ok(n.first().map(|c| c.n).unwrap_or(0))
}

/// Visible contacts (through their lead), optionally of one lead, newest first.
pub async fn list_contacts(
    tx: &mut Tx,
    workspace_id: &str,
    scope: &LeadScope,
    id: Option<&str>,
    lead_id: Option<&str>,
    skip: i64,
    limit: i64,
) -> Result<Vec<ContactRow>> {
    let mut sql = Sql::new(concat!(
        "SELECT c.id, c.workspace_id, c.lead_id, c.name, c.title, c.emails, c.phones, c.urls, c.created_by, c.updated_by, c.created_by_name, c.updated_by_name, c.date_created, c.date_updated, c.custom",
        " FROM contacts c JOIN leads l ON l.id = c.lead_id WHERE c.workspace_id = "
    ));
    sql.text_arg(workspace_id);
    push_scope(&mut sql, workspace_id, scope);
    if let Some(id) = id {
        sql.push(" AND c.id = ").text_arg(id);
    }
    if let Some(lead) = lead_id {
        sql.push(" AND c.lead_id = ").text_arg(lead);
    }
    sql.push(" ORDER BY c.date_created DESC, c.id DESC LIMIT ")
        .arg(Arg::Int(limit))
        .push(" OFFSET ")
        .arg(Arg::Int(skip));
    fetch_all_built!(tx, sql, ContactRow).map_err(db_err)
}

pub async fn update_contact(tx: &mut Tx, c0: &ContactRow) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE contacts SET name = $2, title = $3, emails = $4, phones = $5, updated_by = $6, updated_by_name = $7, date_updated = $8, custom = $9 WHERE id = $1")
        .bind(&c0.id).bind(&c0.name).bind(&c0.title).bind(&c0.emails).bind(&c0.phones).bind(&c0.updated_by).bind(&c0.updated_by_name).bind(c0.date_updated).bind(&c0.custom)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Deletes a contact and its searchable channels.
pub async fn delete_contact(tx: &mut Tx, id: &str) -> Result<()> {
    clear_channels(tx, id).await?;
    on!(tx, c => sqlx::query("DELETE FROM contacts WHERE id = $1").bind(id).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn clear_channels(tx: &mut Tx, contact_id: &str) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM contact_channels WHERE contact_id = $1").bind(contact_id).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// How many ids one batched statement names (well under SQLite's parameter limit).
pub const BATCH: usize = 500;

/// Rows per statement when moving or assigning many leads. Either engine pays per statement
/// (each scans the member's entries in the field's index once), so both get few, large
/// ones: SQLite binds a batch's ids as one JSON array (see [`id_set`]), PostgreSQL one
/// parameter a row, well under its 65,535.
pub(crate) fn write_batch(tx: &Tx) -> usize {
    match tx {
        Tx::Sqlite(_) => 100_000,
        Tx::Postgres(_) => 20_000,
    }
}

/// Hands the value `from` of a user field over to `to` (None: removes it) on many leads at
/// once, stamping them updated. Set-based, in batches: offboarding's hot path. Returns the
/// leads that held `to` already (a multi-member field), which only lost `from`.
#[allow(clippy::too_many_arguments)]
pub async fn move_field_holder(
    tx: &mut Tx,
    workspace_id: &str,
    field_id: &str,
    lead_ids: &[String],
    from: &str,
    to: Option<&str>,
    by: &str,
    by_name: &str,
    now: crate::model::Ts,
) -> Result<Vec<String>> {
    // `from`'s value becomes `to`'s in place (one index entry changes, the row stays), except
    // on leads that hold `to` already; what is left of `from` (those, or all when unassigning)
    // is deleted.
    let holder = |sql: &mut Sql, tx: &Tx, chunk: &[String]| {
        if matches!(tx, Tx::Postgres(_)) {
            sql.push("workspace_id = ")
                .text_arg(workspace_id)
                .push(" AND ");
        }
        sql.push("field_id = ")
            .text_arg(field_id)
            .push(" AND value = ")
            .text_arg(from)
            .push(" AND lead_id IN ");
        id_set(sql, tx, chunk);
    };
    let mut kept = Vec::new();
    for chunk in lead_ids.chunks(write_batch(tx)) {
        let mut moved = 0;
        if let Some(to) = to {
            let mut upd = Sql::new("UPDATE lead_field_values SET value = ");
            upd.text_arg(to).push(" WHERE ");
            holder(&mut upd, tx, chunk);
            upd.push(" AND NOT EXISTS (SELECT 1 FROM lead_field_values x WHERE x.workspace_id = lead_field_values.workspace_id AND x.lead_id = lead_field_values.lead_id AND x.field_id = lead_field_values.field_id AND x.value = ")
                .text_arg(to)
                .push(")");
            moved = crate::execute_built!(tx, upd).map_err(db_err)?;
        }
        // A lead holds `from` once at most: when every lead of the batch moved, none is left.
        if moved < chunk.len() as u64 {
            let mut del = Sql::new("DELETE FROM lead_field_values WHERE ");
            holder(&mut del, tx, chunk);
            del.push(" RETURNING lead_id");
            let gone = fetch_all_built!(tx, del, (String,)).map_err(db_err)?;
            if to.is_some() {
                kept.extend(gone.into_iter().map(|(id,)| id));
            }
        }
        stamp_updated(tx, workspace_id, chunk, by, by_name, now).await?;
    }
    Ok(kept)
}

/// Adds the value `value` to a user field of many leads, next to whatever the field holds
/// (a lead holding it already is left as it is), stamping them updated: undo's give-back.
#[allow(clippy::too_many_arguments)]
pub async fn add_field_value_many(
    tx: &mut Tx,
    workspace_id: &str,
    field_id: &str,
    lead_ids: &[String],
    value: &str,
    by: &str,
    by_name: &str,
    now: crate::model::Ts,
) -> Result<()> {
    for chunk in lead_ids.chunks(write_batch(tx)) {
        let mut ins = Sql::new(
            "INSERT INTO lead_field_values (workspace_id, lead_id, field_id, value, position) SELECT ",
        );
        ins.text_arg(workspace_id)
            .push(", v.id, ")
            .text_arg(field_id)
            .push(", ")
            .text_arg(value)
            .push(", 0 FROM ");
        id_set(&mut ins, tx, chunk);
        // SQLite needs a WHERE to tell ON CONFLICT from a join's ON after INSERT … SELECT.
        ins.push(" AS v WHERE true ON CONFLICT DO NOTHING");
        crate::execute_built!(tx, ins).map_err(db_err)?;
    }
    stamp_updated(tx, workspace_id, lead_ids, by, by_name, now).await?;
    Ok(())
}

/// Gives every lead whose field `field_id` holds `from` to `to` (None: nobody) by predicate, not
/// by list: one statement walks the field's index, changing `from`'s value in place except on
/// leads that hold `to` already, where it is deleted. Stamps the leads updated and returns
/// their ids, exactly those that changed hands (the manifest): those that received `to`, and
/// those that only lost `from` (all of them when `to` is None).
#[allow(clippy::too_many_arguments)]
pub async fn hand_over_field(
    tx: &mut Tx,
    workspace_id: &str,
    field_id: &str,
    from: &str,
    to: Option<&str>,
    by: &str,
    by_name: &str,
    now: crate::model::Ts,
) -> Result<(Vec<String>, Vec<String>)> {
    let mut moved: Vec<String> = Vec::new();
    if let Some(to) = to {
        moved = on!(tx, c => sqlx::query_scalar("UPDATE lead_field_values SET value = $4 WHERE workspace_id = $1 AND field_id = $2 AND value = $3 AND NOT EXISTS (SELECT 1 FROM lead_field_values x WHERE x.workspace_id = lead_field_values.workspace_id AND x.lead_id = lead_field_values.lead_id AND x.field_id = lead_field_values.field_id AND x.value = $4) RETURNING lead_id")
            .bind(workspace_id).bind(field_id).bind(from).bind(to).fetch_all(c).await).map_err(db_err)?;
    }
    let rest: Vec<String> = on!(tx, c => sqlx::query_scalar("DELETE FROM lead_field_values WHERE workspace_id = $1 AND field_id = $2 AND value = $3 RETURNING lead_id")
        .bind(workspace_id).bind(field_id).bind(from).fetch_all(c).await).map_err(db_err)?;
    stamp_updated(tx, workspace_id, &moved, by, by_name, now).await?;
    stamp_updated(tx, workspace_id, &rest, by, by_name, now).await?;
    Ok((moved, rest))
}

/// Which of `ids` are leads of the workspace (one statement; callers batch).
pub async fn existing_ids(tx: &mut Tx, workspace_id: &str, ids: &[String]) -> Result<Vec<String>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut sql = Sql::new("SELECT id FROM leads WHERE workspace_id = ");
    sql.text_arg(workspace_id).push(" AND id IN ").list(ids);
    Ok(fetch_all_built!(tx, sql, (String,))
        .map_err(db_err)?
        .into_iter()
        .map(|(id,)| id)
        .collect())
}

/// The ids of the leads whose field `field_id` holds `value`, in index order (read from the
/// field's index alone).
pub async fn holding_ids(
    tx: &mut Tx,
    workspace_id: &str,
    field_id: &str,
    value: &str,
) -> Result<Vec<String>> {
    on!(tx, c => sqlx::query_scalar("SELECT lead_id FROM lead_field_values WHERE workspace_id = $1 AND field_id = $2 AND value = $3")
        .bind(workspace_id).bind(field_id).bind(value).fetch_all(c).await).map_err(db_err)
}

/// How many leads' field `field_id` holds `value`, and the names of a few of them.
pub async fn holding_summary(
    tx: &mut Tx,
    workspace_id: &str,
    field_id: &str,
    value: &str,
    sample: i64,
) -> Result<(i64, Vec<String>)> {
    let n: i64 = on!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM lead_field_values WHERE workspace_id = $1 AND field_id = $2 AND value = $3")
        .bind(workspace_id).bind(field_id).bind(value).fetch_one(c).await).map_err(db_err)?;
    let names: Vec<String> = on!(tx, c => sqlx::query_scalar("SELECT l.name FROM leads l WHERE l.workspace_id = $1 AND l.id IN (SELECT v.lead_id FROM lead_field_values v WHERE v.workspace_id = $1 AND v.field_id = $2 AND v.value = $3 LIMIT $4)")
        .bind(workspace_id).bind(field_id).bind(value).bind(sample).fetch_all(c).await).map_err(db_err)?;
    Ok((n, names))
}

/// A set of ids for statements over many records, to test membership in (`… IN <set>`) or to
/// select from (its one column is `id`). SQLite gets one parameter, a JSON array (only where
/// the statement names no workspace: beside `workspace_id = …` its planner walks the whole
/// workspace by a (workspace, …) index and tests each row against the array): its driver
/// looks each parameter up by walking the statement's list of them, so binding n of them
/// costs n² (at 500 ids a statement that was an eighth of the writer's time in a profile of
/// offboarding 100,000 leads). PostgreSQL gets a subquery over VALUES: beside other
/// equalities a plain list would make it scan an index on those and test each row against
/// the whole list (thousands of comparisons a row); the subquery becomes a hashed semi-join.
pub(crate) fn id_set(sql: &mut Sql, tx: &Tx, ids: &[String]) {
    if matches!(tx, Tx::Sqlite(_)) {
        // A list of strings always serializes.
        let json = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
        sql.push("(SELECT value AS id FROM json_each(")
            .text_arg(&json)
            .push("))");
        return;
    }
    sql.push("(SELECT column1 AS id FROM (VALUES ");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push("(").text_arg(id).push(")");
    }
    sql.push(") AS ids)");
}

/// Marks leads updated by `by` at `now`, any number of them. SQLite gets one statement over a
/// JSON array of the ids (it sorts them and walks the leads in key order: at 100,000 leads
/// this is 15% faster than statements of 500 ids, and several times faster when the ids come
/// unsorted); naming the workspace there would steer its planner to the (workspace,
/// date_updated) index instead of the id. PostgreSQL gets batches whose statements name the
/// workspace its keys lead with.
async fn stamp_updated(
    tx: &mut Tx,
    workspace_id: &str,
    ids: &[String],
    by: &str,
    by_name: &str,
    now: crate::model::Ts,
) -> Result<()> {
    let batch = match tx {
        Tx::Sqlite(_) => ids.len().max(1),
        Tx::Postgres(_) => write_batch(tx),
    };
    for chunk in ids.chunks(batch) {
        let mut upd = Sql::new("UPDATE leads SET updated_by = ");
        upd.text_arg(by)
            .push(", updated_by_name = ")
            .text_arg(by_name)
            .push(", date_updated = ")
            .arg(Arg::Time(now))
            .push(" WHERE ");
        if matches!(tx, Tx::Postgres(_)) {
            upd.push("workspace_id = ")
                .text_arg(workspace_id)
                .push(" AND id IN ")
                .list(chunk);
        } else {
            upd.push("id IN ");
            id_set(&mut upd, tx, chunk);
        }
        crate::execute_built!(tx, upd).map_err(db_err)?;
    }
    Ok(())
}

/// Gives each lead of `pairs` (lead id, user id) that user in a user field it holds no value
/// in, stamping the leads updated: round robin's write, set-based.
pub async fn assign_field_many(
    tx: &mut Tx,
    workspace_id: &str,
    field_id: &str,
    pairs: &[(String, String)],
    by: &str,
    by_name: &str,
    now: crate::model::Ts,
) -> Result<()> {
    if matches!(tx, Tx::Sqlite(_)) {
        // One statement over a JSON array of the pairs in lead id order: the field's keys
        // (which lead with the lead id) then fill page after page instead of jumping about
        // (at 1,000,000 leads that halves the insert), and no statement binds hundreds of
        // parameters (the driver looks each one up by walking the statement's list of them).
        let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
        sorted.sort();
        let json = serde_json::to_string(&sorted)
            .map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
        let mut ins = Sql::new(
            "INSERT INTO lead_field_values (workspace_id, lead_id, field_id, value, position) SELECT ",
        );
        ins.text_arg(workspace_id)
            .push(", json_extract(j.value, '$[0]'), ")
            .text_arg(field_id)
            .push(", json_extract(j.value, '$[1]'), 0 FROM json_each(")
            .text_arg(&json)
            .push(") AS j");
        crate::execute_built!(tx, ins).map_err(db_err)?;
        let ids: Vec<String> = sorted.into_iter().map(|(l, _)| l.clone()).collect();
        return stamp_updated(tx, workspace_id, &ids, by, by_name, now).await;
    }
    // On PostgreSQL, few large statements, each naming the workspace so its keys (which lead
    // with it) are used.
    for chunk in pairs.chunks(write_batch(tx)) {
        // The caller picked leads with no value in the field, inside this transaction. On
        // SQLite (one writer) that still holds; on PostgreSQL another transaction may have
        // given one a value since, which this replaces.
        let ids: Vec<String> = chunk.iter().map(|(l, _)| l.clone()).collect();
        let mut del = Sql::new("DELETE FROM lead_field_values WHERE workspace_id = ");
        del.text_arg(workspace_id)
            .push(" AND field_id = ")
            .text_arg(field_id)
            .push(" AND lead_id IN ");
        id_set(&mut del, tx, &ids);
        crate::execute_built!(tx, del).map_err(db_err)?;
        let mut ins = Sql::new(
            "INSERT INTO lead_field_values (workspace_id, lead_id, field_id, value, position) SELECT ",
        );
        ins.text_arg(workspace_id)
            .push(", v.column1, ")
            .text_arg(field_id)
            .push(", v.column2, 0 FROM (VALUES ");
        for (i, (lead, user)) in chunk.iter().enumerate() {
            if i > 0 {
                ins.push(", ");
            }
            ins.push("(")
                .text_arg(lead)
                .push(", ")
                .text_arg(user)
                .push(")");
        }
        ins.push(") AS v");
        crate::execute_built!(tx, ins).map_err(db_err)?;
    }
    let ids: Vec<String> = pairs.iter().map(|(l, _)| l.clone()).collect();
    stamp_updated(tx, workspace_id, &ids, by, by_name, now).await?;
    Ok(())
}
