//! Personal and team contacts (SPEC S5) and each workspace's sharing settings.

use crate::model::{PersonalContactRow, SharingSettingsRow, TeamContactRow};
use crate::queries::db_err;
use crate::{Result, Tx, on};

macro_rules! personal_cols {
    () => {
        "id, workspace_id, owner_user_id, name, title, company, segment, emails, phones, addresses, opportunity_id, unshared, date_created, date_updated"
    };
}

macro_rules! team_cols {
    () => {
        "id, workspace_id, source_id, source_owner_id, mode, name, title, company, segment, emails, phones, addresses, assigned_to, timeline_visibility, sync_base, out_of_sync, conflicts, created_by, date_created, date_updated"
    };
}

pub async fn insert_personal(tx: &mut Tx, p: &PersonalContactRow) -> Result<()> {
    on!(tx, c => sqlx::query(concat!("INSERT INTO personal_contacts (", personal_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"))
        .bind(&p.id).bind(&p.workspace_id).bind(&p.owner_user_id).bind(&p.name).bind(&p.title).bind(&p.company)
        .bind(&p.segment).bind(&p.emails).bind(&p.phones).bind(&p.addresses).bind(&p.opportunity_id).bind(p.unshared)
        .bind(p.date_created).bind(p.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn update_personal(tx: &mut Tx, p: &PersonalContactRow) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE personal_contacts SET name = $2, title = $3, company = $4, segment = $5, emails = $6, phones = $7, addresses = $8, opportunity_id = $9, unshared = $10, date_updated = $11 WHERE id = $1")
        .bind(&p.id).bind(&p.name).bind(&p.title).bind(&p.company).bind(&p.segment).bind(&p.emails).bind(&p.phones)
        .bind(&p.addresses).bind(&p.opportunity_id).bind(p.unshared).bind(p.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// One personal contact of `owner` (None for anyone else's: they are private).
pub async fn get_personal(
    tx: &mut Tx,
    workspace_id: &str,
    owner: &str,
    id: &str,
) -> Result<Option<PersonalContactRow>> {
    on!(tx, c => sqlx::query_as::<_, PersonalContactRow>(concat!("SELECT ", personal_cols!(), " FROM personal_contacts WHERE workspace_id = $1 AND owner_user_id = $2 AND id = $3"))
        .bind(workspace_id).bind(owner).bind(id).fetch_optional(c).await).map_err(db_err)
}

pub async fn list_personal(
    tx: &mut Tx,
    workspace_id: &str,
    owner: &str,
) -> Result<Vec<PersonalContactRow>> {
    on!(tx, c => sqlx::query_as::<_, PersonalContactRow>(concat!("SELECT ", personal_cols!(), " FROM personal_contacts WHERE workspace_id = $1 AND owner_user_id = $2 ORDER BY name, id"))
        .bind(workspace_id).bind(owner).fetch_all(c).await).map_err(db_err)
}

pub async fn delete_personal(tx: &mut Tx, id: &str) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM personal_contacts WHERE id = $1")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)?;
    Ok(())
}

/// How many personal contacts each member holds (never what they are).
pub async fn personal_counts(tx: &mut Tx, workspace_id: &str) -> Result<Vec<(String, i64)>> {
    on!(tx, c => sqlx::query_as::<_, (String, i64)>("SELECT owner_user_id, COUNT(*) FROM personal_contacts WHERE workspace_id = $1 GROUP BY owner_user_id ORDER BY owner_user_id")
        .bind(workspace_id).fetch_all(c).await).map_err(db_err)
}

pub async fn insert_team(tx: &mut Tx, t: &TeamContactRow) -> Result<()> {
    on!(tx, c => sqlx::query(concat!("INSERT INTO team_contacts (", team_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"))
        .bind(&t.id).bind(&t.workspace_id).bind(&t.source_id).bind(&t.source_owner_id).bind(&t.mode).bind(&t.name)
        .bind(&t.title).bind(&t.company).bind(&t.segment).bind(&t.emails).bind(&t.phones).bind(&t.addresses)
        .bind(&t.assigned_to).bind(&t.timeline_visibility).bind(&t.sync_base).bind(t.out_of_sync).bind(&t.conflicts)
        .bind(&t.created_by).bind(t.date_created).bind(t.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn update_team(tx: &mut Tx, t: &TeamContactRow) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE team_contacts SET source_id = $2, source_owner_id = $3, mode = $4, name = $5, title = $6, company = $7, segment = $8, emails = $9, phones = $10, addresses = $11, assigned_to = $12, timeline_visibility = $13, sync_base = $14, out_of_sync = $15, conflicts = $16, date_updated = $17 WHERE id = $1")
        .bind(&t.id).bind(&t.source_id).bind(&t.source_owner_id).bind(&t.mode).bind(&t.name).bind(&t.title)
        .bind(&t.company).bind(&t.segment).bind(&t.emails).bind(&t.phones).bind(&t.addresses).bind(&t.assigned_to)
        .bind(&t.timeline_visibility).bind(&t.sync_base).bind(t.out_of_sync).bind(&t.conflicts).bind(t.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

pub async fn get_team(tx: &mut Tx, workspace_id: &str, id: &str) -> Result<Option<TeamContactRow>> {
    on!(tx, c => sqlx::query_as::<_, TeamContactRow>(concat!("SELECT ", team_cols!(), " FROM team_contacts WHERE workspace_id = $1 AND id = $2"))
        .bind(workspace_id).bind(id).fetch_optional(c).await).map_err(db_err)
}

/// The team contacts of a workspace, by name; only those assigned to `assigned_to` when given
/// (`Some("")` for unassigned ones).
pub async fn list_team(
    tx: &mut Tx,
    workspace_id: &str,
    assigned_to: Option<&str>,
) -> Result<Vec<TeamContactRow>> {
    on!(tx, c => sqlx::query_as::<_, TeamContactRow>(concat!("SELECT ", team_cols!(), " FROM team_contacts WHERE workspace_id = $1 AND ($2 IS NULL OR COALESCE(assigned_to, '') = $2) ORDER BY name, id"))
        .bind(workspace_id).bind(assigned_to).fetch_all(c).await).map_err(db_err)
}

/// Team copies made from a personal contact.
pub async fn copies_of(tx: &mut Tx, source_id: &str) -> Result<Vec<TeamContactRow>> {
    on!(tx, c => sqlx::query_as::<_, TeamContactRow>(concat!("SELECT ", team_cols!(), " FROM team_contacts WHERE source_id = $1 ORDER BY date_created, id"))
        .bind(source_id).fetch_all(c).await).map_err(db_err)
}

/// Live copies out of sync whose source belongs to `owner` (the prompts they must answer).
pub async fn out_of_sync_for(
    tx: &mut Tx,
    workspace_id: &str,
    owner: &str,
) -> Result<Vec<TeamContactRow>> {
    on!(tx, c => sqlx::query_as::<_, TeamContactRow>(concat!("SELECT ", team_cols!(), " FROM team_contacts WHERE workspace_id = $1 AND source_owner_id = $2 AND out_of_sync = TRUE ORDER BY name, id"))
        .bind(workspace_id).bind(owner).fetch_all(c).await).map_err(db_err)
}

pub async fn delete_team(tx: &mut Tx, id: &str) -> Result<()> {
    on!(tx, c => sqlx::query("DELETE FROM team_contacts WHERE id = $1")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))
    .map_err(db_err)?;
    Ok(())
}

/// Team contacts assigned to a member (for offboarding).
pub async fn assigned_to(
    tx: &mut Tx,
    workspace_id: &str,
    user_id: &str,
) -> Result<Vec<TeamContactRow>> {
    list_team(tx, workspace_id, Some(user_id)).await
}

pub async fn settings(tx: &mut Tx, workspace_id: &str) -> Result<Option<SharingSettingsRow>> {
    on!(tx, c => sqlx::query_as::<_, SharingSettingsRow>("SELECT workspace_id, template, share_business, share_deal_contacts, share_assigned, date_updated FROM sharing_settings WHERE workspace_id = $1")
        .bind(workspace_id).fetch_optional(c).await).map_err(db_err)
}

pub async fn put_settings(tx: &mut Tx, s: &SharingSettingsRow) -> Result<()> {
    on!(tx, c => sqlx::query("INSERT INTO sharing_settings (workspace_id, template, share_business, share_deal_contacts, share_assigned, date_updated) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (workspace_id) DO UPDATE SET template = excluded.template, share_business = excluded.share_business, share_deal_contacts = excluded.share_deal_contacts, share_assigned = excluded.share_assigned, date_updated = excluded.date_updated")
        .bind(&s.workspace_id).bind(&s.template).bind(s.share_business).bind(s.share_deal_contacts).bind(s.share_assigned).bind(s.date_updated)
        .execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Sets who is responsible for a team contact (offboarding and undo).
pub async fn set_assignee(
    tx: &mut Tx,
    id: &str,
    user_id: Option<&str>,
    now: crate::model::Ts,
) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE team_contacts SET assigned_to = $2, date_updated = $3 WHERE id = $1")
        .bind(id).bind(user_id).bind(now).execute(c).await.map(|r| r.rows_affected())).map_err(db_err)?;
    Ok(())
}

/// Who is responsible for a team contact (None when it does not exist).
pub async fn assignee(tx: &mut Tx, id: &str) -> Result<Option<Option<String>>> {
    on!(tx, c => sqlx::query_scalar::<_, Option<String>>("SELECT assigned_to FROM team_contacts WHERE id = $1")
        .bind(id).fetch_optional(c).await).map_err(db_err)
}
