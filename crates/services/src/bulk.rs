//! Lead search (Close's `query` string and a subset of the advanced-filtering `s_query`) and
//! bulk actions as resumable jobs (SPEC S4): `set_custom_field` (how leads are reassigned),
//! `clear_custom_field`, `set_lead_status`, and bulk delete. Targets are chosen with the
//! creator's visibility when the job is made; a worker applies the change item by item.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use corral_domain::ids::random_base62;
use corral_domain::search::{Op, Term, parse_query};
use corral_domain::{Actor, Permission};
use corral_store::model::BulkJobRow;
use corral_store::queries::leads::{self, DateColumn, LeadFilter};
use corral_store::queries::{custom_fields, jobs, users};
use corral_store::{Tx, now};
use serde_json::{Value, json};

use crate::roles::{active_membership, actor_for};
use crate::{Result, ServiceError, Services};

/// Most leads one bulk action may touch.
pub const MAX_BULK: i64 = 100_000;
/// Items applied per transaction.
const BATCH: i64 = 200;

fn parse_moment(v: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Some(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, f) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

async fn field_id(tx: &mut Tx, workspace_id: &str, name_or_id: &str) -> Result<Option<String>> {
    let key = name_or_id.strip_prefix("custom.").unwrap_or(name_or_id);
    let fields = custom_fields::list(tx, workspace_id, "lead").await?;
    Ok(fields
        .into_iter()
        .find(|f| f.id == key || f.name.eq_ignore_ascii_case(key))
        .map(|f| f.id))
}

/// Turns a `query` string into a lead filter.
pub(crate) async fn filter_from_query(
    tx: &mut Tx,
    workspace_id: &str,
    q: &str,
) -> Result<LeadFilter> {
    let mut f = LeadFilter::default();
    for term in parse_query(q)? {
        match term {
            Term::Text(t) => f.name_contains = Some(t),
            Term::Sort { field, descending } => {
                let col = match field.as_str() {
                    "date_updated" => DateColumn::Updated,
                    "date_created" => DateColumn::Created,
                    other => {
                        return Err(ServiceError::field(
                            "query",
                            format!("Cannot sort by '{other}'; use date_updated or date_created."),
                        ));
                    }
                };
                f.order = Some((col, descending));
            }
            Term::Field { name, op, value } => match (name.as_str(), op) {
                ("date_updated" | "date_created", op) => {
                    let col = if name == "date_updated" {
                        DateColumn::Updated
                    } else {
                        DateColumn::Created
                    };
                    let t = parse_moment(&value).ok_or_else(|| {
                        ServiceError::field(
                            "query",
                            format!("'{value}' is not a date or date-time."),
                        )
                    })?;
                    let sql_op = match op {
                        Op::Eq => ">=",
                        Op::Ge => ">=",
                        Op::Gt => ">",
                        Op::Le => "<=",
                        Op::Lt => "<",
                    };
                    f.dates.push((col, sql_op, t));
                }
                ("status" | "lead_status", Op::Eq) => {
                    let statuses = leads::statuses(tx, workspace_id).await?;
                    let s = statuses
                        .iter()
                        .find(|s| s.label.eq_ignore_ascii_case(&value) || s.id == value)
                        .ok_or_else(|| {
                            ServiceError::field(
                                "query",
                                format!("There is no lead status '{value}'."),
                            )
                        })?;
                    f.status_id = Some(s.id.clone());
                }
                ("name", Op::Eq) => f.name_contains = Some(value),
                (other, Op::Eq) => {
                    let id = field_id(tx, workspace_id, other).await?.ok_or_else(|| {
                        ServiceError::field(
                            "query",
                            format!("'{other}' is not a field leads can be searched by."),
                        )
                    })?;
                    if value == "none" || value == "*none*" {
                        f.field_empty.push(id);
                    } else {
                        f.field_equals.push((id, value));
                    }
                }
                (other, _) => {
                    return Err(ServiceError::field(
                        "query",
                        format!("'{other}' cannot be compared with < or >."),
                    ));
                }
            },
        }
    }
    Ok(f)
}

/// Adds one `s_query` leaf (the advanced-filtering JSON) to a filter.
pub(crate) async fn apply_s_query(
    tx: &mut Tx,
    workspace_id: &str,
    q: &Value,
    f: &mut LeadFilter,
) -> Result<()> {
    let bad = |m: String| ServiceError::field("s_query", m);
    match q.get("type").and_then(Value::as_str) {
        Some("and") => {
            for sub in q
                .get("queries")
                .and_then(Value::as_array)
                .ok_or_else(|| bad("An 'and' query needs a 'queries' list.".into()))?
            {
                Box::pin(apply_s_query(tx, workspace_id, sub, f)).await?;
            }
            Ok(())
        }
        Some("object_type") => match q.get("object_type").and_then(Value::as_str) {
            Some("lead") => Ok(()),
            other => Err(bad(format!(
                "Searches and bulk actions here work on leads, not {other:?}."
            ))),
        },
        Some("text") => {
            f.name_contains = q.get("value").and_then(Value::as_str).map(str::to_string);
            Ok(())
        }
        Some("field_condition") => {
            let field = q
                .get("field")
                .ok_or_else(|| bad("A field_condition needs a 'field'.".into()))?;
            let cond = q
                .get("condition")
                .ok_or_else(|| bad("A field_condition needs a 'condition'.".into()))?;
            let target = match field.get("type").and_then(Value::as_str) {
                Some("custom_field") => {
                    let id = field
                        .get("custom_field_id")
                        .and_then(Value::as_str)
                        .ok_or_else(|| bad("A custom_field needs 'custom_field_id'.".into()))?;
                    field_id(tx, workspace_id, id)
                        .await?
                        .ok_or_else(|| bad(format!("There is no lead custom field '{id}'.")))?
                }
                Some("regular_field") => match field.get("field_name").and_then(Value::as_str) {
                    Some("name") => {
                        f.name_contains = cond
                            .get("value")
                            .and_then(Value::as_str)
                            .map(str::to_string);
                        return Ok(());
                    }
                    Some("status_id" | "status") => {
                        let vals = string_values(cond).ok_or_else(|| {
                            bad("A status condition needs 'values': a list of status ids.".into())
                        })?;
                        let statuses = leads::statuses(tx, workspace_id).await?;
                        for v in &vals {
                            if !statuses.iter().any(|s| &s.id == v) {
                                return Err(bad(format!("There is no lead status '{v}'.")));
                            }
                        }
                        f.status_in.extend(vals);
                        return Ok(());
                    }
                    Some(name @ ("date_created" | "date_updated")) => {
                        let col = if name == "date_created" {
                            DateColumn::Created
                        } else {
                            DateColumn::Updated
                        };
                        if cond.get("type").and_then(Value::as_str) != Some("moment_range") {
                            return Err(bad(format!(
                                "Filter {name} with a 'moment_range' condition."
                            )));
                        }
                        let mut any = false;
                        for (key, op) in [
                            ("on_or_after", ">="),
                            ("after", ">"),
                            ("before", "<"),
                            ("on_or_before", "<="),
                        ] {
                            if let Some(m) = cond.get(key).filter(|m| !m.is_null()) {
                                let raw = m
                                    .get("value")
                                    .and_then(Value::as_str)
                                    .or_else(|| m.as_str())
                                    .ok_or_else(|| {
                                        bad(format!("'{key}' needs a 'value' date or time."))
                                    })?;
                                let t = parse_moment(raw).ok_or_else(|| {
                                    bad(format!("'{raw}' is not a date or time (use 2026-01-31 or 2026-01-31T10:00:00Z)."))
                                })?;
                                f.dates.push((col, op, t));
                                any = true;
                            }
                        }
                        if !any {
                            return Err(bad(
                                "A moment_range needs on_or_after, after, before or on_or_before."
                                    .into(),
                            ));
                        }
                        return Ok(());
                    }
                    other => return Err(bad(format!("Filtering on {other:?} is not supported."))),
                },
                other => return Err(bad(format!("Field type {other:?} is not supported."))),
            };
            match cond.get("type").and_then(Value::as_str) {
                Some("exists") if cond.get("negate").and_then(Value::as_bool) == Some(true) => {
                    f.field_empty.push(target)
                }
                Some("term") | Some("reference") => {
                    let mut vals = string_values(cond).ok_or_else(|| {
                        bad("A term condition needs 'values': a list of strings.".into())
                    })?;
                    if vals.len() == 1 {
                        f.field_equals.push((target, vals.remove(0)));
                    } else {
                        f.field_any.push((target, vals));
                    }
                }
                other => return Err(bad(format!("Condition type {other:?} is not supported."))),
            }
            Ok(())
        }
        other => Err(bad(format!("Query type {other:?} is not supported."))),
    }
}

/// The non-empty list of strings in a condition's `values` (or `object_ids`).
fn string_values(cond: &Value) -> Option<Vec<String>> {
    let vals = cond
        .get("values")
        .or_else(|| cond.get("object_ids"))?
        .as_array()?;
    let out: Vec<String> = vals
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect::<Option<_>>()?;
    (!out.is_empty()).then_some(out)
}

/// What a bulk action selects.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub query: Option<String>,
    pub s_query: Option<Value>,
    pub results_limit: Option<i64>,
    /// Only these leads (ticked in a list); empty: every lead the queries match.
    pub ids: Vec<String>,
}

/// A bulk action request.
#[derive(Debug, Clone)]
pub enum BulkAction {
    SetCustomField {
        field: String,
        values: Vec<Value>,
        operation: String,
    },
    ClearCustomField {
        field: String,
    },
    SetLeadStatus {
        status_id: String,
    },
    Delete,
}

impl Services {
    /// The filter an advanced-filtering query tree (`s_query`, `POST /data/search/`) stands
    /// for, in the actor's workspace.
    pub async fn lead_filter_from_tree(&self, actor: &Actor, tree: &Value) -> Result<LeadFilter> {
        let mut tx = self.db().read().await?;
        self.filter_of_tree(&mut tx, actor, tree).await
    }

    /// The filter a `query` string stands for, in the actor's workspace.
    pub async fn lead_filter(&self, actor: &Actor, query: &str) -> Result<LeadFilter> {
        let mut tx = self.db().read().await?;
        filter_from_query(&mut tx, &actor.workspace_id, query).await
    }

    /// Starts a bulk action over the visible leads the selection matches.
    pub async fn start_bulk(
        &self,
        actor: &Actor,
        action: BulkAction,
        selection: Selection,
    ) -> Result<BulkJobRow> {
        match action {
            BulkAction::Delete => actor.require(Permission::BulkDelete)?,
            _ => actor.require(Permission::BulkEdit)?,
        }
        let mut tx = self.db().write().await?;
        let mut filter = match &selection.query {
            Some(q) => filter_from_query(&mut tx, &actor.workspace_id, q).await?,
            None => LeadFilter::default(),
        };
        if let Some(s) = &selection.s_query {
            apply_s_query(&mut tx, &actor.workspace_id, s, &mut filter).await?;
        }
        filter.ids = selection.ids.clone();
        let (action_name, params) = match &action {
            BulkAction::SetCustomField {
                field,
                values,
                operation,
            } => {
                let id = field_id(&mut tx, &actor.workspace_id, field)
                    .await?
                    .ok_or_else(|| {
                        ServiceError::field(
                            "custom_field_id",
                            format!("There is no lead custom field '{field}'."),
                        )
                    })?;
                if !matches!(operation.as_str(), "replace" | "add" | "remove") {
                    return Err(ServiceError::field(
                        "custom_field_operation",
                        "Use 'replace', 'add' or 'remove'.",
                    ));
                }
                let f = custom_fields::get(&mut tx, &actor.workspace_id, &id)
                    .await?
                    .ok_or_else(|| ServiceError::not_found("Custom field"))?;
                if values.len() > 1 && !f.accepts_multiple_values {
                    return Err(ServiceError::field(
                        "custom_field_values",
                        format!("'{}' holds one value.", f.name),
                    ));
                }
                for v in values {
                    if f.field_type == "user" {
                        let uid = v.as_str().unwrap_or_default();
                        crate::members::require_active_member(
                            &mut tx,
                            &actor.workspace_id,
                            uid,
                            "custom_field_value",
                        )
                        .await?;
                    }
                }
                (
                    "set_custom_field",
                    json!({"custom_field_id": id, "custom_field_name": f.name, "values": values, "operation": operation}),
                )
            }
            BulkAction::ClearCustomField { field } => {
                let id = field_id(&mut tx, &actor.workspace_id, field)
                    .await?
                    .ok_or_else(|| {
                        ServiceError::field(
                            "custom_field_id",
                            format!("There is no lead custom field '{field}'."),
                        )
                    })?;
                ("clear_custom_field", json!({"custom_field_id": id}))
            }
            BulkAction::SetLeadStatus { status_id } => {
                let statuses = leads::statuses(&mut tx, &actor.workspace_id).await?;
                if !statuses.iter().any(|s| &s.id == status_id) {
                    return Err(ServiceError::field(
                        "lead_status_id",
                        format!("There is no lead status '{status_id}'."),
                    ));
                }
                ("set_lead_status", json!({"lead_status_id": status_id}))
            }
            BulkAction::Delete => ("delete", json!({})),
        };
        let cap = selection
            .results_limit
            .unwrap_or(MAX_BULK)
            .clamp(0, MAX_BULK);
        let ids = leads::matching_ids(
            &mut tx,
            &actor.workspace_id,
            &actor.lead_scope,
            &filter,
            cap,
        )
        .await?;
        let t = now();
        let job = BulkJobRow {
            id: format!("{}_{}", if matches!(action, BulkAction::Delete) { "bulkdelete" } else { "bulkedit" }, random_base62(43)),
            workspace_id: actor.workspace_id.clone(),
            kind: if matches!(action, BulkAction::Delete) { "delete".into() } else { "edit".into() },
            action: action_name.into(),
            params: params.to_string(),
            selection: json!({"query": selection.query, "s_query": selection.s_query, "results_limit": selection.results_limit}).to_string(),
            membership_id: actor.membership_id.clone(),
            created_by: actor.user_id.clone(),
            status: if ids.is_empty() { "done".into() } else { "created".into() },
            n_objects: ids.len() as i64,
            n_objects_processed: 0,
            error: None,
            lease_until: None,
            date_created: t,
            date_updated: t,
            lease_node: None,
        };
        jobs::insert(&mut tx, &job, &ids).await?;
        tx.commit().await?;
        Ok(job)
    }

    pub async fn bulk_job(&self, actor: &Actor, id: &str) -> Result<BulkJobRow> {
        let mut tx = self.db().read().await?;
        jobs::get(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Bulk action"))
    }

    pub async fn bulk_jobs(&self, actor: &Actor, kind: &str) -> Result<Vec<BulkJobRow>> {
        let mut tx = self.db().read().await?;
        Ok(jobs::list(&mut tx, &actor.workspace_id, kind, 100).await?)
    }

    /// Runs every runnable job a batch at a time; returns items applied. Safe on several
    /// nodes: a job is leased before each batch.
    pub async fn run_jobs_once(&self) -> Result<usize> {
        let mut tx = self.db().read().await?;
        let runnable = jobs::runnable(&mut tx, now()).await?;
        drop(tx);
        let mut applied = 0;
        for job in runnable {
            applied += self.run_job(&job).await?;
        }
        Ok(applied)
    }

    async fn run_job(&self, job: &BulkJobRow) -> Result<usize> {
        let mut applied = 0;
        let mut lease = job.lease_until;
        loop {
            let mut tx = self.db().write().await?;
            let until = now() + self.config().job_lease;
            if !jobs::lease(
                &mut tx,
                &job.id,
                now(),
                until,
                lease,
                self.presence().node_id(),
            )
            .await?
            {
                return Ok(applied);
            }
            lease = Some(until);
            // The creator's access is checked again for every batch: a job stops when they
            // lose it.
            let actor = match active_membership(&mut tx, &job.membership_id).await {
                Ok(m) => actor_for(&mut tx, &m).await?,
                Err(_) => {
                    jobs::finish(
                        &mut tx,
                        &job.id,
                        "error",
                        Some("The member who started this action no longer has access."),
                        now(),
                    )
                    .await?;
                    tx.commit().await?;
                    return Ok(applied);
                }
            };
            if job.action == "import_leads" {
                match self.import_batch(&mut tx, job, &actor).await {
                    Ok(0) => {
                        jobs::finish(&mut tx, &job.id, "done", None, now()).await?;
                        tx.commit().await?;
                        return Ok(applied);
                    }
                    Ok(done) => {
                        jobs::add_progress(&mut tx, &job.id, done as i64, now()).await?;
                        tx.commit().await?;
                        applied += done;
                        continue;
                    }
                    Err(ServiceError::Internal(e)) => return Err(ServiceError::Internal(e)),
                    Err(e) => {
                        // The batch is rolled back whole; what earlier batches made stays,
                        // and the job says where it stopped and why.
                        drop(tx);
                        let mut tx = self.db().write().await?;
                        jobs::finish(&mut tx, &job.id, "error", Some(&e.to_string()), now())
                            .await?;
                        tx.commit().await?;
                        return Ok(applied);
                    }
                }
            }
            let items = jobs::pending_items(&mut tx, &job.id, BATCH).await?;
            if items.is_empty() {
                jobs::finish(&mut tx, &job.id, "done", None, now()).await?;
                tx.commit().await?;
                return Ok(applied);
            }
            let params: Value = serde_json::from_str(&job.params).unwrap_or_else(|_| json!({}));
            let who = users::get(&mut tx, &actor.user_id)
                .await?
                .map(|u| {
                    format!("{} {}", u.first_name, u.last_name)
                        .trim()
                        .to_string()
                })
                .unwrap_or_default();
            let mut done = 0i64;
            for (position, lead_id) in items {
                // A lead that is gone or no longer visible to the creator is skipped.
                if leads::get(&mut tx, &actor.workspace_id, &lead_id, &actor.lead_scope)
                    .await?
                    .is_some()
                {
                    apply(&mut tx, &job.action, &params, &lead_id, &actor, &who).await?;
                }
                if jobs::mark_item_done(&mut tx, &job.id, position).await? {
                    done += 1;
                }
            }
            jobs::add_progress(&mut tx, &job.id, done, now()).await?;
            tx.commit().await?;
            applied += done as usize;
        }
    }
}

impl Services {
    /// Creates the next batch of an import's leads; how many items it finished.
    async fn import_batch(&self, tx: &mut Tx, job: &BulkJobRow, actor: &Actor) -> Result<usize> {
        let items = jobs::pending_items_with_data(tx, &job.id, BATCH).await?;
        let mut done = 0;
        for (position, lead_id, data) in items {
            self.create_imported_lead(tx, actor, &lead_id, data.as_deref().unwrap_or("{}"))
                .await
                .map_err(|e| match e {
                    ServiceError::Invalid { message, .. } => ServiceError::field(
                        "csv",
                        format!("Lead {} of the file: {message}", position + 1),
                    ),
                    other => other,
                })?;
            if jobs::mark_item_done(tx, &job.id, position).await? {
                done += 1;
            }
        }
        Ok(done)
    }
}

/// Whom round robin leaves out of the pool besides inactive members.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Skip {
    pub offline: bool,
    pub out_of_office: bool,
}

impl From<&corral_store::model::AssignmentSettingsRow> for Skip {
    fn from(s: &corral_store::model::AssignmentSettingsRow) -> Self {
        Skip {
            offline: s.skip_offline,
            out_of_office: s.skip_out_of_office,
        }
    }
}

async fn apply(
    tx: &mut Tx,
    action: &str,
    params: &Value,
    lead_id: &str,
    actor: &Actor,
    who: &str,
) -> Result<()> {
    let t = now();
    match action {
        "set_custom_field" => {
            let field = params["custom_field_id"].as_str().unwrap_or_default();
            let new: Vec<String> = params["values"]
                .as_array()
                .map(|v| {
                    v.iter()
                        .map(|x| {
                            x.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| x.to_string())
                        })
                        .collect()
                })
                .unwrap_or_default();
            let values = match params["operation"].as_str() {
                Some("add") | Some("remove") => {
                    let current: Vec<String> = leads::field_values(tx, &[lead_id.to_string()])
                        .await?
                        .into_iter()
                        .filter(|v| v.field_id == field)
                        .map(|v| v.value)
                        .collect();
                    if params["operation"] == "add" {
                        let mut c = current;
                        for v in new {
                            if !c.contains(&v) {
                                c.push(v);
                            }
                        }
                        c
                    } else {
                        current.into_iter().filter(|v| !new.contains(v)).collect()
                    }
                }
                _ => new,
            };
            leads::set_field_values(tx, lead_id, field, &values).await?;
            leads::touch(tx, lead_id, &actor.user_id, who, t).await?;
        }
        "clear_custom_field" => {
            leads::set_field_values(
                tx,
                lead_id,
                params["custom_field_id"].as_str().unwrap_or_default(),
                &[],
            )
            .await?;
            leads::touch(tx, lead_id, &actor.user_id, who, t).await?;
        }
        "set_lead_status" => {
            leads::set_status(
                tx,
                lead_id,
                params["lead_status_id"].as_str().unwrap_or_default(),
                &actor.user_id,
                who,
                t,
            )
            .await?
        }
        "delete" => leads::delete(tx, lead_id).await?,
        other => {
            return Err(ServiceError::Internal(format!(
                "unknown bulk action {other}"
            )));
        }
    }
    Ok(())
}

impl Services {
    /// Exports the visible leads the selection matches (needs `export`). `render` turns the
    /// leads into the file (the adapter owns the file formats); the file is kept for download.
    pub async fn export_leads(
        &self,
        actor: &Actor,
        format: &str,
        selection: Selection,
        render: &(dyn Fn(&[crate::leads::LeadView]) -> std::result::Result<String, String> + Sync),
    ) -> Result<corral_store::model::ExportRow> {
        actor.require(Permission::Export)?;
        if !matches!(format, "csv" | "json") {
            return Err(ServiceError::field("format", "Use 'csv' or 'json'."));
        }
        let mut tx = self.db().read().await?;
        let mut filter = match &selection.query {
            Some(q) => filter_from_query(&mut tx, &actor.workspace_id, q).await?,
            None => LeadFilter::default(),
        };
        if let Some(s) = &selection.s_query {
            apply_s_query(&mut tx, &actor.workspace_id, s, &mut filter).await?;
        }
        filter.ids = selection.ids.clone();
        let cap = selection
            .results_limit
            .unwrap_or(MAX_BULK)
            .clamp(0, MAX_BULK);
        let (rows, _) = leads::list(
            &mut tx,
            &actor.workspace_id,
            &actor.lead_scope,
            &filter,
            0,
            cap,
        )
        .await?;
        let n = rows.len() as i64;
        let views = crate::leads::load_lead_views(&mut tx, &actor.workspace_id, rows).await?;
        drop(tx);
        let content = render(&views)
            .map_err(|e| ServiceError::Internal(format!("export rendering failed: {e}")))?;
        let row = corral_store::model::ExportRow {
            id: format!("expo_{}", random_base62(43)),
            workspace_id: actor.workspace_id.clone(),
            created_by: actor.user_id.clone(),
            format: format.to_string(),
            export_type: "leads".into(),
            status: "done".into(),
            n_docs: n,
            content,
            date_created: now(),
        };
        let mut tx = self.db().write().await?;
        jobs::insert_export(&mut tx, &row).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// One of the actor's own exports.
    pub async fn get_export(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<corral_store::model::ExportRow> {
        let mut tx = self.db().read().await?;
        jobs::get_export(&mut tx, &actor.workspace_id, &actor.user_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Export"))
    }
}

/// Deals `n` leads over `pool` by `strategy`, continuing the rotation stored under
/// `pool_key` (and storing where it stopped): the one place manual and automatic round robin
/// decide who is next. Returns an index into `pool` per lead.
async fn rotate(
    tx: &mut Tx,
    workspace_id: &str,
    field_id: &str,
    pool_key: &str,
    pool: &[String],
    strategy: corral_domain::round_robin::Strategy,
    n: usize,
) -> Result<Vec<usize>> {
    use corral_domain::round_robin::{Strategy, distribute};
    let position = jobs::rotation_position(tx, workspace_id, pool_key)
        .await?
        .max(0) as usize;
    let mut loads = Vec::with_capacity(pool.len());
    if strategy == Strategy::LeastLoaded {
        for u in pool {
            let f = LeadFilter {
                field_equals: vec![(field_id.to_string(), u.clone())],
                ..Default::default()
            };
            let (_, held) = leads::list(
                tx,
                workspace_id,
                &corral_domain::visibility::LeadScope::All,
                &f,
                0,
                1,
            )
            .await?;
            loads.push(held as u64);
        }
    }
    let mut rand = || {
        let mut b = [0u8; 8];
        corral_domain::ids::fill_random(&mut b);
        u64::from_le_bytes(b)
    };
    let (picks, next) = distribute(n, pool, strategy, position, &loads, &mut rand)?;
    jobs::set_rotation_position(tx, workspace_id, pool_key, next as i64).await?;
    Ok(picks)
}

/// The outcome of a round-robin assignment.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub strategy: String,
    pub assigned: Vec<(String, String)>,
    pub pool: Vec<String>,
}

impl Services {
    pub(crate) async fn assignment_settings_in(
        &self,
        tx: &mut Tx,
        workspace_id: &str,
    ) -> Result<corral_store::model::AssignmentSettingsRow> {
        Ok(jobs::assignment_settings(tx, workspace_id)
            .await?
            .unwrap_or(corral_store::model::AssignmentSettingsRow {
                workspace_id: workspace_id.to_string(),
                auto_assign: false,
                strategy: "round_robin".into(),
                skip_offline: false,
                date_updated: now(),
                skip_out_of_office: true,
            }))
    }

    /// Members out of office now: (user id, until, note).
    pub async fn out_of_office(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(String, DateTime<Utc>, String)>> {
        let mut tx = self.db().read().await?;
        Ok(jobs::out_of_office(&mut tx, &actor.workspace_id, now()).await?)
    }

    /// Marks `user_id` out of office until `until` (in the future), or back in (None). A
    /// member may do it for themself; for someone else it needs `manage_users`. Round robin
    /// leaves them out meanwhile when the workspace skips members out of office.
    pub async fn set_out_of_office(
        &self,
        actor: &Actor,
        user_id: &str,
        until: Option<DateTime<Utc>>,
        note: &str,
    ) -> Result<()> {
        actor.may_change_record(Some(user_id), Permission::ManageUsers)?;
        let note = note.trim();
        if note.chars().count() > 200 {
            return Err(ServiceError::field(
                "note",
                "A note has at most 200 characters.",
            ));
        }
        if until.is_some_and(|u| u <= now()) {
            return Err(ServiceError::field(
                "until",
                "`until` must be in the future; send null to be back in the office.",
            ));
        }
        let mut tx = self.db().write().await?;
        let member =
            corral_store::queries::memberships::find(&mut tx, &actor.workspace_id, user_id)
                .await?
                .filter(|m| m.status == "active")
                .ok_or_else(|| ServiceError::not_found("Member"))?;
        let before = jobs::out_of_office(&mut tx, &actor.workspace_id, now())
            .await?
            .into_iter()
            .find(|(u, _, _)| u == user_id)
            .map(|(_, until, note)| json!({"until": until, "note": note}))
            .unwrap_or_else(|| json!({}));
        jobs::set_out_of_office(
            &mut tx,
            &actor.workspace_id,
            &member.user_id,
            until.map(|u| (u, note)),
            &actor.user_id,
            now(),
        )
        .await?;
        crate::audit::record(
            &mut tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            crate::audit::Change {
                object_type: "out_of_office",
                object_id: user_id,
                action: if until.is_some() { "set" } else { "cleared" },
                before,
                after: json!({"until": until, "note": note}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The workspace's round-robin settings.
    pub async fn assignment_settings(
        &self,
        actor: &Actor,
    ) -> Result<corral_store::model::AssignmentSettingsRow> {
        let mut tx = self.db().read().await?;
        self.assignment_settings_in(&mut tx, &actor.workspace_id)
            .await
    }

    /// Turns auto-assignment of new leads on or off, picks the strategy, and whether offline
    /// members are skipped (by manual assignment too).
    pub async fn set_assignment_settings(
        &self,
        actor: &Actor,
        auto_assign: Option<bool>,
        strategy: Option<&str>,
        skip_offline: Option<bool>,
        skip_out_of_office: Option<bool>,
    ) -> Result<corral_store::model::AssignmentSettingsRow> {
        actor.require(Permission::ManageOrganization)?;
        let mut tx = self.db().write().await?;
        let mut s = self
            .assignment_settings_in(&mut tx, &actor.workspace_id)
            .await?;
        let before = json!({"auto_assign": s.auto_assign, "strategy": s.strategy, "skip_offline": s.skip_offline, "skip_out_of_office": s.skip_out_of_office});
        if let Some(a) = auto_assign {
            s.auto_assign = a;
        }
        if let Some(st) = strategy {
            corral_domain::round_robin::Strategy::parse(st)?;
            s.strategy = st.to_string();
        }
        if let Some(o) = skip_offline {
            s.skip_offline = o;
        }
        if let Some(o) = skip_out_of_office {
            s.skip_out_of_office = o;
        }
        s.date_updated = now();
        jobs::put_assignment_settings(&mut tx, &s).await?;
        crate::audit::record(
            &mut tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            crate::audit::Change {
                object_type: "assignment_settings",
                object_id: &actor.workspace_id,
                action: "updated",
                before,
                after: json!({"auto_assign": s.auto_assign, "strategy": s.strategy, "skip_offline": s.skip_offline, "skip_out_of_office": s.skip_out_of_office}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Auto-assignment of a new lead (inside its creating transaction): when the workspace
    /// has it on and the lead has no Lead Owner, the next pool member by the workspace's
    /// strategy gets it, and the decision is logged. Returns who got it.
    pub(crate) async fn auto_assign_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        lead_id: &str,
    ) -> Result<Option<String>> {
        use corral_domain::round_robin::Strategy;
        let settings = self.assignment_settings_in(tx, &actor.workspace_id).await?;
        if !settings.auto_assign {
            return Ok(None);
        }
        let Some(field_id) = field_id(tx, &actor.workspace_id, crate::access::LEAD_OWNER).await?
        else {
            return Ok(None);
        };
        corral_store::queries::cluster::lock_rotation(tx, &actor.workspace_id, &field_id).await?;
        let held = leads::field_values(tx, &[lead_id.to_string()])
            .await?
            .iter()
            .any(|v| v.field_id == field_id);
        if held {
            return Ok(None);
        }
        let pool = self
            .pool_in(tx, &actor.workspace_id, None, Skip::from(&settings))
            .await?;
        if pool.is_empty() {
            return Ok(None);
        }
        let strat = Strategy::parse(&settings.strategy)?;
        let pool_key = format!("{field_id}:round_robin");
        let picks = rotate(
            tx,
            &actor.workspace_id,
            &field_id,
            &pool_key,
            &pool,
            strat,
            1,
        )
        .await?;
        let Some(pick) = picks.first() else {
            return Ok(None);
        };
        let user = pool[*pick].clone();
        leads::set_field_values(tx, lead_id, &field_id, std::slice::from_ref(&user)).await?;
        crate::audit::record(
            tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            crate::audit::Change {
                object_type: "assignment",
                object_id: &field_id,
                action: "auto_assign",
                before: json!({}),
                after: json!({"strategy": settings.strategy, "pool": pool, "skip_offline": settings.skip_offline, "decisions": [{"lead_id": lead_id, "user_id": user}]}),
            },
        )
        .await?;
        Ok(Some(user))
    }

    /// The round-robin pool: active members with round robin on, or the active members of a
    /// group; without the offline or out-of-office ones as `skip` says. Sorted, so rotation is
    /// stable.
    pub(crate) async fn pool_in(
        &self,
        tx: &mut Tx,
        workspace_id: &str,
        group_id: Option<&str>,
        skip: Skip,
    ) -> Result<Vec<String>> {
        let members = corral_store::queries::memberships::list_members(tx, workspace_id).await?;
        let mut pool: Vec<String> = match group_id {
            Some(g) => {
                corral_store::queries::groups::get(tx, workspace_id, g)
                    .await?
                    .ok_or_else(|| {
                        ServiceError::field("group_id", format!("There is no group '{g}'."))
                    })?;
                let in_group = corral_store::queries::groups::member_ids(tx, g).await?;
                members
                    .iter()
                    .filter(|m| {
                        m.membership.status == "active" && in_group.contains(&m.membership.user_id)
                    })
                    .map(|m| m.membership.user_id.clone())
                    .collect()
            }
            None => members
                .iter()
                .filter(|m| m.membership.status == "active" && m.membership.round_robin)
                .map(|m| m.membership.user_id.clone())
                .collect(),
        };
        if skip.offline {
            let online = self.presence().online(workspace_id);
            pool.retain(|u| online.contains(u));
        }
        if skip.out_of_office {
            let away: Vec<String> = jobs::out_of_office(tx, workspace_id, now())
                .await?
                .into_iter()
                .map(|(u, _, _)| u)
                .collect();
            pool.retain(|u| !away.contains(u));
        }
        pool.sort();
        Ok(pool)
    }

    /// How many active members are in the round-robin pool.
    pub async fn round_robin_pool_size(&self, actor: &Actor) -> Result<usize> {
        let mut tx = self.db().read().await?;
        Ok(self
            .pool_in(&mut tx, &actor.workspace_id, None, Skip::default())
            .await?
            .len())
    }

    /// Distributes the visible, unassigned leads a selection matches over the pool: active
    /// members with round robin on (or the active members of `group_id`). Needs `assign_leads`.
    /// Every decision is written to the audit log.
    pub async fn assign_round_robin(
        &self,
        actor: &Actor,
        selection: Selection,
        field: Option<&str>,
        strategy: &str,
        group_id: Option<&str>,
    ) -> Result<Assignment> {
        use corral_domain::round_robin::Strategy;
        actor.require(Permission::AssignLeads)?;
        let strat = Strategy::parse(strategy)?;
        let mut tx = self.db().write_bulk().await?;
        let field_id = match field {
            Some(f) => field_id(&mut tx, &actor.workspace_id, f)
                .await?
                .ok_or_else(|| {
                    ServiceError::field(
                        "custom_field_id",
                        format!("There is no lead custom field '{f}'."),
                    )
                })?,
            None => field_id(&mut tx, &actor.workspace_id, crate::access::LEAD_OWNER)
                .await?
                .ok_or_else(|| ServiceError::Internal("no Lead Owner field".into()))?,
        };
        // Rotations over this field queue here, across nodes: each sees the position and the
        // unassigned leads the previous one left.
        corral_store::queries::cluster::lock_rotation(&mut tx, &actor.workspace_id, &field_id)
            .await?;
        let skip = Skip::from(
            &self
                .assignment_settings_in(&mut tx, &actor.workspace_id)
                .await?,
        );
        let pool = self
            .pool_in(&mut tx, &actor.workspace_id, group_id, skip)
            .await?;
        let mut filter = match &selection.query {
            Some(q) => filter_from_query(&mut tx, &actor.workspace_id, q).await?,
            None => LeadFilter::default(),
        };
        if let Some(s) = &selection.s_query {
            apply_s_query(&mut tx, &actor.workspace_id, s, &mut filter).await?;
        }
        filter.ids = selection.ids.clone();
        filter.field_empty.push(field_id.clone());
        filter.order = Some((DateColumn::Created, false));
        let cap = selection
            .results_limit
            .unwrap_or(MAX_BULK)
            .clamp(0, MAX_BULK);
        let ids = leads::matching_ids(
            &mut tx,
            &actor.workspace_id,
            &actor.lead_scope,
            &filter,
            cap,
        )
        .await?;
        let pool_key = format!("{}:{}", field_id, group_id.unwrap_or("round_robin"));
        let picks = rotate(
            &mut tx,
            &actor.workspace_id,
            &field_id,
            &pool_key,
            &pool,
            strat,
            ids.len(),
        )
        .await?;
        let who = users::get(&mut tx, &actor.user_id)
            .await?
            .map(|u| {
                format!("{} {}", u.first_name, u.last_name)
                    .trim()
                    .to_string()
            })
            .unwrap_or_default();
        let assigned: Vec<(String, String)> = ids
            .iter()
            .zip(picks)
            .map(|(lead_id, pick)| (lead_id.clone(), pool[pick].clone()))
            .collect();
        leads::assign_field_many(
            &mut tx,
            &actor.workspace_id,
            &field_id,
            &assigned,
            &actor.user_id,
            &who,
            now(),
        )
        .await?;
        crate::audit::record(
            &mut tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            crate::audit::Change {
                object_type: "assignment",
                object_id: &field_id,
                action: "round_robin",
                before: json!({}),
                after: json!({"strategy": strategy, "pool": pool, "decisions": assigned.iter().map(|(l, u)| json!({"lead_id": l, "user_id": u})).collect::<Vec<_>>()}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Assignment {
            strategy: strategy.to_string(),
            assigned,
            pool,
        })
    }
}
