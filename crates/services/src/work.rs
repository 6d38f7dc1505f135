//! Opportunities, tasks and activities (SPEC S4): the work that hangs off leads. Each is
//! seen through its lead's visibility, and changing or deleting someone else's needs the
//! matching `manage_others_*` permission (one's own: `delete_own_*` to delete).

use corral_domain::ids::random_base62;
use corral_domain::{Actor, Permission};
use corral_store::model::{ActivityRow, OppStatusRow, OpportunityRow, TaskRow};
use corral_store::queries::work::{self, WorkFilter, WorkTable};
use corral_store::queries::{leads, users};
use corral_store::{Tx, now};
use serde_json::{Value, json};

use crate::{Result, ServiceError, Services};

/// What an opportunity event records, with its status's label and type (what webhook filters
/// on "won" look at).
fn opportunity_snapshot(o: &OpportunityRow, statuses: &[OppStatusRow]) -> Value {
    let status = statuses.iter().find(|s| s.id == o.status_id);
    json!({
        "lead_id": o.lead_id,
        "contact_id": o.contact_id,
        "user_id": o.user_id,
        "user_name": o.user_name,
        "status_id": o.status_id,
        "status_label": status.map(|s| s.label.as_str()),
        "status_type": status.map(|s| s.status_type.as_str()),
        "value": o.value,
        "value_period": o.value_period,
        "value_currency": o.value_currency,
        "confidence": o.confidence,
        "note": o.note,
        "date_won": o.date_won,
        "custom": crate::leads::stored_json(&o.custom),
    })
}

/// What a task event (`task.lead`) records.
fn task_snapshot(t: &TaskRow) -> Value {
    json!({
        "lead_id": t.lead_id,
        "contact_id": t.contact_id,
        "assigned_to": t.assigned_to,
        "assigned_to_name": t.assigned_to_name,
        "text": t.text,
        "date": t.due_date,
        "is_complete": t.is_complete,
    })
}

/// An activity's event type: `activity.note`, `activity.call`…
fn activity_event_type(a: &ActivityRow) -> String {
    format!("activity.{}", a.activity_type.to_ascii_lowercase())
}

/// What an activity event records.
fn activity_snapshot(a: &ActivityRow) -> Value {
    json!({
        "lead_id": a.lead_id,
        "contact_id": a.contact_id,
        "_type": a.activity_type,
        "user_id": a.user_id,
        "user_name": a.user_name,
        "note": a.body,
        "subject": a.subject,
        "direction": a.direction,
        "duration": a.duration,
    })
}

/// Opportunity statuses of the default pipeline: (label, type).
pub const DEFAULT_OPP_STATUSES: [(&str, &str); 3] =
    [("Active", "active"), ("Won", "won"), ("Lost", "lost")];

pub(crate) async fn ensure_pipeline(tx: &mut Tx, workspace_id: &str) -> Result<()> {
    if !work::opp_statuses(tx, workspace_id).await?.is_empty() {
        return Ok(());
    }
    let pipe = format!("pipe_{}", random_base62(22));
    work::insert_pipeline(tx, &pipe, workspace_id, "Sales", now()).await?;
    for (i, (label, kind)) in DEFAULT_OPP_STATUSES.iter().enumerate() {
        work::insert_opp_status(
            tx,
            &OppStatusRow {
                id: format!("stat_{}", random_base62(43)),
                workspace_id: workspace_id.into(),
                pipeline_id: pipe.clone(),
                label: (*label).into(),
                status_type: (*kind).into(),
                sort_order: i as i64,
            },
        )
        .await?;
    }
    Ok(())
}

/// What may change on an opportunity, task or activity (all optional).
#[derive(Debug, Clone, Default)]
pub struct WorkInput {
    pub lead_id: Option<String>,
    pub contact_id: Option<Option<String>>,
    /// Opportunity owner / task assignee / activity author.
    pub user_id: Option<Option<String>>,
    pub status_id: Option<String>,
    pub value: Option<i64>,
    pub value_period: Option<String>,
    pub confidence: Option<i64>,
    pub note: Option<String>,
    pub text: Option<String>,
    pub due_date: Option<Option<String>>,
    pub is_complete: Option<bool>,
    pub activity_type: Option<String>,
    pub subject: Option<String>,
    pub direction: Option<String>,
    pub duration: Option<i64>,
    /// `custom.cf_…` values of opportunity fields; Null clears.
    pub custom: Vec<(String, Value)>,
}

/// An opportunity with its status and pipeline names.
#[derive(Debug, Clone)]
pub struct OpportunityView {
    pub row: OpportunityRow,
    pub status: OppStatusRow,
    pub pipeline_name: String,
    pub lead_name: String,
}

async fn name_of(tx: &mut Tx, user_id: &str) -> Result<String> {
    Ok(users::get(tx, user_id)
        .await?
        .map(|u| {
            format!("{} {}", u.first_name, u.last_name)
                .trim()
                .to_string()
        })
        .unwrap_or_default())
}

/// A user the record may be given to: an active member of the workspace.
async fn assignee(
    tx: &mut Tx,
    actor: &Actor,
    field: &str,
    user_id: Option<&str>,
) -> Result<Option<(String, String)>> {
    let Some(uid) = user_id.filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    crate::members::require_active_member(tx, &actor.workspace_id, uid, field).await?;
    Ok(Some((uid.to_string(), name_of(tx, uid).await?)))
}

/// The lead a new record goes on: it must be one the actor sees.
async fn visible_lead(tx: &mut Tx, actor: &Actor, lead_id: Option<&str>) -> Result<String> {
    let id = lead_id
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ServiceError::field("lead_id", "`lead_id` is required."))?;
    leads::get(tx, &actor.workspace_id, id, &actor.lead_scope)
        .await?
        .map(|l| l.id)
        .ok_or_else(|| ServiceError::field("lead_id", format!("There is no lead '{id}'.")))
}

fn check_date(field: &str, d: &Option<String>) -> Result<()> {
    if let Some(d) = d
        && chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err()
    {
        return Err(ServiceError::field(
            field,
            format!("'{d}' is not a date (YYYY-MM-DD)."),
        ));
    }
    Ok(())
}

impl Services {
    async fn opp_view(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        row: OpportunityRow,
    ) -> Result<OpportunityView> {
        let statuses = work::opp_statuses(tx, &actor.workspace_id).await?;
        let status = statuses
            .into_iter()
            .find(|s| s.id == row.status_id)
            .ok_or_else(|| ServiceError::Internal("opportunity status missing".into()))?;
        let pipeline_name = work::pipeline_names(tx, &actor.workspace_id)
            .await?
            .into_iter()
            .find(|(id, _)| *id == status.pipeline_id)
            .map(|(_, n)| n)
            .unwrap_or_default();
        let lead_name = leads::get(
            tx,
            &actor.workspace_id,
            &row.lead_id,
            &corral_domain::visibility::LeadScope::All,
        )
        .await?
        .map(|l| l.name)
        .unwrap_or_default();
        Ok(OpportunityView {
            row,
            status,
            pipeline_name,
            lead_name,
        })
    }

    pub async fn list_opportunities(
        &self,
        actor: &Actor,
        f: WorkFilter,
        skip: i64,
        limit: i64,
    ) -> Result<Vec<OpportunityView>> {
        let mut tx = self.db().read().await?;
        let rows = work::list_opportunities(
            &mut tx,
            &actor.workspace_id,
            &actor.lead_scope,
            &f,
            skip,
            limit,
        )
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.opp_view(&mut tx, actor, r).await?);
        }
        Ok(out)
    }

    pub async fn get_opportunity(&self, actor: &Actor, id: &str) -> Result<OpportunityView> {
        let f = WorkFilter {
            id: Some(id.into()),
            ..Default::default()
        };
        self.list_opportunities(actor, f, 0, 1)
            .await?
            .pop()
            .ok_or_else(|| ServiceError::not_found("Opportunity"))
    }

    pub async fn save_opportunity(
        &self,
        actor: &Actor,
        id: Option<&str>,
        input: WorkInput,
    ) -> Result<OpportunityView> {
        let mut tx = self.db().write().await?;
        let who = name_of(&mut tx, &actor.user_id).await?;
        let statuses = work::opp_statuses(&mut tx, &actor.workspace_id).await?;
        let mut before = json!({});
        let mut row = match id {
            Some(id) => {
                let f = WorkFilter {
                    id: Some(id.into()),
                    ..Default::default()
                };
                let row = work::list_opportunities(
                    &mut tx,
                    &actor.workspace_id,
                    &actor.lead_scope,
                    &f,
                    0,
                    1,
                )
                .await?
                .pop()
                .ok_or_else(|| ServiceError::not_found("Opportunity"))?;
                actor.may_change_record(
                    row.user_id.as_deref(),
                    Permission::ManageOthersOpportunities,
                )?;
                before = opportunity_snapshot(&row, &statuses);
                row
            }
            None => {
                let lead_id = visible_lead(&mut tx, actor, input.lead_id.as_deref()).await?;
                let t = now();
                OpportunityRow {
                    id: format!("oppo_{}", random_base62(43)),
                    workspace_id: actor.workspace_id.clone(),
                    lead_id,
                    contact_id: None,
                    user_id: Some(actor.user_id.clone()),
                    user_name: who.clone(),
                    status_id: statuses
                        .first()
                        .map(|s| s.id.clone())
                        .ok_or_else(|| ServiceError::Internal("no opportunity statuses".into()))?,
                    value: 0,
                    value_period: "one_time".into(),
                    value_currency: "USD".into(),
                    confidence: 0,
                    note: String::new(),
                    date_won: None,
                    created_by: Some(actor.user_id.clone()),
                    updated_by: Some(actor.user_id.clone()),
                    created_by_name: who.clone(),
                    updated_by_name: who.clone(),
                    date_created: t,
                    date_updated: t,
                    custom: "{}".into(),
                }
            }
        };
        row.custom = crate::leads::apply_object_custom(
            &mut tx,
            actor,
            "opportunity",
            &row.custom,
            &input.custom,
        )
        .await?;
        if let Some(u) = &input.user_id {
            let a = assignee(&mut tx, actor, "user_id", u.as_deref()).await?;
            if a.as_ref().map(|(id, _)| id.as_str()) != Some(actor.user_id.as_str()) {
                actor.require(Permission::ManageOthersOpportunities)?;
            }
            row.user_id = a.as_ref().map(|(id, _)| id.clone());
            row.user_name = a.map(|(_, n)| n).unwrap_or_default();
        }
        if let Some(s) = &input.status_id {
            let st = statuses.iter().find(|x| &x.id == s).ok_or_else(|| {
                ServiceError::field(
                    "status_id",
                    format!("There is no opportunity status '{s}'."),
                )
            })?;
            if st.status_type == "won" && row.date_won.is_none() {
                row.date_won = Some(now().format("%Y-%m-%d").to_string());
            }
            row.status_id = st.id.clone();
        }
        if let Some(v) = input.value {
            if v < 0 {
                return Err(ServiceError::field(
                    "value",
                    "The value cannot be negative.",
                ));
            }
            row.value = v;
        }
        if let Some(p) = &input.value_period {
            if !matches!(p.as_str(), "one_time" | "monthly" | "annual") {
                return Err(ServiceError::field(
                    "value_period",
                    "Use 'one_time', 'monthly' or 'annual'.",
                ));
            }
            row.value_period = p.clone();
        }
        if let Some(c) = input.confidence {
            if !(0..=100).contains(&c) {
                return Err(ServiceError::field(
                    "confidence",
                    "Confidence is a percentage from 0 to 100.",
                ));
            }
            row.confidence = c;
        }
        if let Some(n) = &input.note {
            row.note = n.clone();
        }
        if let Some(c) = &input.contact_id {
            row.contact_id = c.clone();
        }
        row.updated_by = Some(actor.user_id.clone());
        row.updated_by_name = who;
        row.date_updated = now();
        if id.is_some() {
            work::update_opportunity(&mut tx, &row).await?;
        } else {
            work::insert_opportunity(&mut tx, &row).await?;
        }
        let after = opportunity_snapshot(&row, &statuses);
        let action = if id.is_some() { "updated" } else { "created" };
        crate::audit::by_actor(
            &mut tx,
            actor,
            "opportunity",
            &row.id,
            action,
            before,
            after,
        )
        .await?;
        let view = self.opp_view(&mut tx, actor, row).await?;
        tx.commit().await?;
        Ok(view)
    }

    pub async fn list_tasks(
        &self,
        actor: &Actor,
        f: WorkFilter,
        skip: i64,
        limit: i64,
    ) -> Result<Vec<TaskRow>> {
        let mut tx = self.db().read().await?;
        Ok(work::list_tasks(
            &mut tx,
            &actor.workspace_id,
            &actor.lead_scope,
            &f,
            skip,
            limit,
        )
        .await?)
    }

    pub async fn get_task(&self, actor: &Actor, id: &str) -> Result<TaskRow> {
        self.list_tasks(
            actor,
            WorkFilter {
                id: Some(id.into()),
                ..Default::default()
            },
            0,
            1,
        )
        .await?
        .pop()
        .ok_or_else(|| ServiceError::not_found("Task"))
    }

    pub async fn save_task(
        &self,
        actor: &Actor,
        id: Option<&str>,
        input: WorkInput,
    ) -> Result<TaskRow> {
        let mut tx = self.db().write().await?;
        let who = name_of(&mut tx, &actor.user_id).await?;
        let mut before = json!({});
        let mut row = match id {
            Some(id) => {
                let f = WorkFilter {
                    id: Some(id.into()),
                    ..Default::default()
                };
                let row =
                    work::list_tasks(&mut tx, &actor.workspace_id, &actor.lead_scope, &f, 0, 1)
                        .await?
                        .pop()
                        .ok_or_else(|| ServiceError::not_found("Task"))?;
                actor
                    .may_change_record(row.assigned_to.as_deref(), Permission::ManageOthersTasks)?;
                before = task_snapshot(&row);
                row
            }
            None => {
                let lead_id = visible_lead(&mut tx, actor, input.lead_id.as_deref()).await?;
                let t = now();
                TaskRow {
                    id: format!("task_{}", random_base62(43)),
                    workspace_id: actor.workspace_id.clone(),
                    lead_id,
                    contact_id: None,
                    assigned_to: Some(actor.user_id.clone()),
                    assigned_to_name: who.clone(),
                    text: String::new(),
                    due_date: None,
                    is_complete: false,
                    created_by: Some(actor.user_id.clone()),
                    updated_by: Some(actor.user_id.clone()),
                    created_by_name: who.clone(),
                    updated_by_name: who.clone(),
                    date_created: t,
                    date_updated: t,
                }
            }
        };
        if let Some(u) = &input.user_id {
            let a = assignee(&mut tx, actor, "assigned_to", u.as_deref()).await?;
            if a.as_ref().map(|(id, _)| id.as_str()) != Some(actor.user_id.as_str()) {
                actor.require(Permission::ManageOthersTasks)?;
            }
            row.assigned_to = a.as_ref().map(|(id, _)| id.clone());
            row.assigned_to_name = a.map(|(_, n)| n).unwrap_or_default();
        }
        if let Some(t) = &input.text {
            row.text = t.clone();
        }
        if let Some(d) = &input.due_date {
            check_date("date", d)?;
            row.due_date = d.clone();
        }
        if let Some(c) = input.is_complete {
            row.is_complete = c;
        }
        if let Some(c) = &input.contact_id {
            row.contact_id = c.clone();
        }
        row.updated_by = Some(actor.user_id.clone());
        row.updated_by_name = who;
        row.date_updated = now();
        if id.is_some() {
            work::update_task(&mut tx, &row).await?;
        } else {
            work::insert_task(&mut tx, &row).await?;
        }
        let action = if id.is_some() { "updated" } else { "created" };
        let after = task_snapshot(&row);
        crate::audit::by_actor(&mut tx, actor, "task.lead", &row.id, action, before, after).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn list_activities(
        &self,
        actor: &Actor,
        f: WorkFilter,
        skip: i64,
        limit: i64,
    ) -> Result<Vec<ActivityRow>> {
        let mut tx = self.db().read().await?;
        Ok(work::list_activities(
            &mut tx,
            &actor.workspace_id,
            &actor.lead_scope,
            &f,
            skip,
            limit,
        )
        .await?)
    }

    pub async fn get_activity(&self, actor: &Actor, id: &str) -> Result<ActivityRow> {
        self.list_activities(
            actor,
            WorkFilter {
                id: Some(id.into()),
                ..Default::default()
            },
            0,
            1,
        )
        .await?
        .pop()
        .ok_or_else(|| ServiceError::not_found("Activity"))
    }

    /// Logs an activity (a note, call, email, meeting or SMS) as the actor, or edits one.
    pub async fn save_activity(
        &self,
        actor: &Actor,
        id: Option<&str>,
        input: WorkInput,
    ) -> Result<ActivityRow> {
        let mut tx = self.db().write().await?;
        let who = name_of(&mut tx, &actor.user_id).await?;
        let mut before = json!({});
        let mut row = match id {
            Some(id) => {
                let f = WorkFilter {
                    id: Some(id.into()),
                    ..Default::default()
                };
                let row = work::list_activities(
                    &mut tx,
                    &actor.workspace_id,
                    &actor.lead_scope,
                    &f,
                    0,
                    1,
                )
                .await?
                .pop()
                .ok_or_else(|| ServiceError::not_found("Activity"))?;
                actor.may_change_record(
                    row.user_id.as_deref(),
                    Permission::ManageOthersActivities,
                )?;
                before = activity_snapshot(&row);
                row
            }
            None => {
                let lead_id = visible_lead(&mut tx, actor, input.lead_id.as_deref()).await?;
                let kind = input.activity_type.clone().unwrap_or_else(|| "Note".into());
                if !matches!(kind.as_str(), "Note" | "Call" | "Email" | "Meeting" | "SMS") {
                    return Err(ServiceError::field(
                        "_type",
                        format!("'{kind}' is not an activity type."),
                    ));
                }
                if let Some(d) = &input.direction
                    && !matches!(d.as_str(), "inbound" | "outbound" | "incoming" | "outgoing")
                {
                    return Err(ServiceError::field(
                        "direction",
                        "Use 'inbound' or 'outbound'.",
                    ));
                }
                let t = now();
                ActivityRow {
                    id: format!("acti_{}", random_base62(43)),
                    workspace_id: actor.workspace_id.clone(),
                    lead_id,
                    contact_id: input.contact_id.clone().flatten(),
                    activity_type: kind,
                    user_id: Some(actor.user_id.clone()),
                    user_name: who.clone(),
                    body: String::new(),
                    subject: String::new(),
                    direction: input.direction.clone(),
                    duration: input.duration.unwrap_or(0).max(0),
                    activity_at: t,
                    created_by: Some(actor.user_id.clone()),
                    updated_by: Some(actor.user_id.clone()),
                    created_by_name: who.clone(),
                    updated_by_name: who.clone(),
                    date_created: t,
                    date_updated: t,
                }
            }
        };
        if let Some(n) = &input.note {
            row.body = n.clone();
        }
        if let Some(s) = &input.subject {
            row.subject = s.clone();
        }
        row.updated_by = Some(actor.user_id.clone());
        row.updated_by_name = who;
        row.date_updated = now();
        if id.is_some() {
            work::update_activity(&mut tx, &row).await?;
        } else {
            work::insert_activity(&mut tx, &row).await?;
        }
        let action = if id.is_some() { "updated" } else { "created" };
        let after = activity_snapshot(&row);
        crate::audit::by_actor(
            &mut tx,
            actor,
            &activity_event_type(&row),
            &row.id,
            action,
            before,
            after,
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Deletes an opportunity, task or activity the actor sees, with the permission its
    /// ownership calls for.
    pub async fn delete_work(&self, actor: &Actor, table: WorkTable, id: &str) -> Result<()> {
        let mut tx = self.db().write().await?;
        let f = WorkFilter {
            id: Some(id.into()),
            ..Default::default()
        };
        let (ws, scope) = (&actor.workspace_id, &actor.lead_scope);
        let (object_type, before) = match table {
            WorkTable::Opportunities => {
                let r = work::list_opportunities(&mut tx, ws, scope, &f, 0, 1)
                    .await?
                    .pop()
                    .ok_or_else(|| ServiceError::not_found("Opportunity"))?;
                actor.may_delete_record(
                    r.user_id.as_deref(),
                    Permission::DeleteOwnOpportunities,
                    Permission::ManageOthersOpportunities,
                )?;
                let statuses = work::opp_statuses(&mut tx, ws).await?;
                (
                    "opportunity".to_string(),
                    opportunity_snapshot(&r, &statuses),
                )
            }
            WorkTable::Tasks => {
                let r = work::list_tasks(&mut tx, ws, scope, &f, 0, 1)
                    .await?
                    .pop()
                    .ok_or_else(|| ServiceError::not_found("Task"))?;
                actor.may_delete_record(
                    r.assigned_to.as_deref(),
                    Permission::DeleteOwnTasks,
                    Permission::ManageOthersTasks,
                )?;
                ("task.lead".to_string(), task_snapshot(&r))
            }
            WorkTable::Activities => {
                let r = work::list_activities(&mut tx, ws, scope, &f, 0, 1)
                    .await?
                    .pop()
                    .ok_or_else(|| ServiceError::not_found("Activity"))?;
                actor.may_delete_record(
                    r.user_id.as_deref(),
                    Permission::DeleteOwnActivities,
                    Permission::ManageOthersActivities,
                )?;
                (activity_event_type(&r), activity_snapshot(&r))
            }
        };
        work::delete(&mut tx, table, id).await?;
        crate::audit::by_actor(
            &mut tx,
            actor,
            &object_type,
            id,
            "deleted",
            before,
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
