//! Opportunity pipelines and their statuses (Close's `/pipeline/` and `/status/opportunity/`):
//! managed with `manage_customizations`, read by every member. A status or pipeline that
//! opportunities are in is not deleted (move them first); a workspace keeps one pipeline.

use corral_domain::ids::random_base62;
use corral_domain::{Actor, Permission};
use corral_store::model::OppStatusRow;
use corral_store::queries::work;
use corral_store::{Tx, now};
use serde_json::{Value, json};

use crate::audit;
use crate::{Result, ServiceError, Services};

/// The status types Close has.
const STATUS_TYPES: [&str; 3] = ["active", "won", "lost"];

/// A pipeline with its statuses in order.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub statuses: Vec<OppStatusRow>,
}

/// A change to an opportunity status (`None` leaves it).
#[derive(Debug, Clone, Default)]
pub struct StatusPatch {
    pub label: Option<String>,
    pub status_type: Option<String>,
    pub pipeline_id: Option<String>,
}

fn clean(text: &str, field: &str, what: &str) -> Result<String> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 100 {
        return Err(ServiceError::field(
            field,
            format!("A {what} needs a {field} of 1 to 100 characters."),
        ));
    }
    Ok(t.to_string())
}

fn status_type(t: &str) -> Result<String> {
    if STATUS_TYPES.contains(&t) {
        Ok(t.to_string())
    } else {
        Err(ServiceError::field(
            "type",
            format!("'{t}' is not a status type: use active, won or lost."),
        ))
    }
}

async fn load(tx: &mut Tx, workspace_id: &str) -> Result<Vec<Pipeline>> {
    let statuses = work::opp_statuses(tx, workspace_id).await?;
    Ok(work::pipeline_names(tx, workspace_id)
        .await?
        .into_iter()
        .map(|(id, name)| Pipeline {
            statuses: statuses
                .iter()
                .filter(|s| s.pipeline_id == id)
                .cloned()
                .collect(),
            workspace_id: workspace_id.to_string(),
            id,
            name,
        })
        .collect())
}

fn snapshot(s: &OppStatusRow) -> Value {
    json!({"label": s.label, "type": s.status_type, "pipeline_id": s.pipeline_id})
}

impl Services {
    /// Every pipeline of the workspace with its statuses.
    pub async fn pipelines(&self, actor: &Actor) -> Result<Vec<Pipeline>> {
        let mut tx = self.db().read().await?;
        load(&mut tx, &actor.workspace_id).await
    }

    pub async fn pipeline(&self, actor: &Actor, id: &str) -> Result<Pipeline> {
        self.pipelines(actor)
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| ServiceError::not_found("Pipeline"))
    }

    /// A new, empty pipeline.
    pub async fn create_pipeline(&self, actor: &Actor, name: &str) -> Result<Pipeline> {
        actor.require(Permission::ManageCustomizations)?;
        let name = clean(name, "name", "pipeline")?;
        let mut tx = self.db().write().await?;
        let id = format!("pipe_{}", random_base62(22));
        work::insert_pipeline(&mut tx, &id, &actor.workspace_id, &name, now())
            .await
            .map_err(|e| match e {
                corral_store::StoreError::Conflict(_) => {
                    ServiceError::field("name", format!("There is already a pipeline '{name}'."))
                }
                e => e.into(),
            })?;
        audit::by_actor(
            &mut tx,
            actor,
            "pipeline",
            &id,
            "created",
            json!({}),
            json!({"name": name}),
        )
        .await?;
        tx.commit().await?;
        Ok(Pipeline {
            id,
            workspace_id: actor.workspace_id.clone(),
            name,
            statuses: vec![],
        })
    }

    /// Renames a pipeline and, with `order`, puts its statuses in that order (every status
    /// of the pipeline, each once).
    pub async fn update_pipeline(
        &self,
        actor: &Actor,
        id: &str,
        name: Option<&str>,
        order: Option<Vec<String>>,
    ) -> Result<Pipeline> {
        actor.require(Permission::ManageCustomizations)?;
        let name = name.map(|n| clean(n, "name", "pipeline")).transpose()?;
        let mut tx = self.db().write().await?;
        let before = load(&mut tx, &actor.workspace_id)
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| ServiceError::not_found("Pipeline"))?;
        if let Some(n) = &name {
            work::rename_pipeline(&mut tx, &actor.workspace_id, id, n)
                .await
                .map_err(|e| match e {
                    corral_store::StoreError::Conflict(_) => {
                        ServiceError::field("name", format!("There is already a pipeline '{n}'."))
                    }
                    e => e.into(),
                })?;
        }
        if let Some(order) = &order {
            let mut want: Vec<&String> = order.iter().collect();
            want.sort();
            let mut have: Vec<&String> = before.statuses.iter().map(|s| &s.id).collect();
            have.sort();
            if want != have {
                return Err(ServiceError::field(
                    "statuses",
                    "List every status of this pipeline once, in the order wanted.",
                ));
            }
            for (i, sid) in order.iter().enumerate() {
                if let Some(s) = before.statuses.iter().find(|s| &s.id == sid) {
                    work::update_opp_status(
                        &mut tx,
                        &OppStatusRow {
                            sort_order: i as i64,
                            ..s.clone()
                        },
                    )
                    .await?;
                }
            }
        }
        let statuses = |p: &Pipeline| p.statuses.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
        audit::by_actor(
            &mut tx,
            actor,
            "pipeline",
            id,
            "updated",
            json!({"name": before.name, "statuses": statuses(&before)}),
            json!({"name": name.as_deref().unwrap_or(&before.name), "statuses": order.clone().unwrap_or_else(|| statuses(&before))}),
        )
        .await?;
        let after = load(&mut tx, &actor.workspace_id)
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| ServiceError::Internal("pipeline vanished".into()))?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes a pipeline and its statuses when no opportunity is in them; never the last.
    pub async fn delete_pipeline(&self, actor: &Actor, id: &str) -> Result<()> {
        actor.require(Permission::ManageCustomizations)?;
        let mut tx = self.db().write().await?;
        let all = load(&mut tx, &actor.workspace_id).await?;
        let p = all
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| ServiceError::not_found("Pipeline"))?;
        if all.len() == 1 {
            return Err(ServiceError::Conflict(
                "A workspace keeps at least one pipeline.".into(),
            ));
        }
        let ids: Vec<String> = p.statuses.iter().map(|s| s.id.clone()).collect();
        let n = work::count_in_opp_statuses(&mut tx, &actor.workspace_id, &ids).await?;
        if n > 0 {
            return Err(ServiceError::Conflict(format!(
                "{n} opportunit{} in the pipeline '{}'. Move them to another pipeline's status first.",
                if n == 1 { "y is" } else { "ies are" },
                p.name
            )));
        }
        work::delete_pipeline(&mut tx, &actor.workspace_id, id).await?;
        audit::by_actor(
            &mut tx,
            actor,
            "pipeline",
            id,
            "deleted",
            json!({"name": p.name}),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a status at the end of a pipeline (the first pipeline when none is named).
    pub async fn create_opportunity_status(
        &self,
        actor: &Actor,
        label: &str,
        kind: &str,
        pipeline_id: Option<&str>,
    ) -> Result<(OppStatusRow, String)> {
        actor.require(Permission::ManageCustomizations)?;
        let label = clean(label, "label", "status")?;
        let kind = status_type(kind)?;
        let mut tx = self.db().write().await?;
        let all = load(&mut tx, &actor.workspace_id).await?;
        let p = match pipeline_id {
            Some(pid) => all.iter().find(|p| p.id == pid).ok_or_else(|| {
                ServiceError::field("pipeline_id", format!("There is no pipeline '{pid}'."))
            })?,
            None => all
                .first()
                .ok_or_else(|| ServiceError::Internal("no pipeline".into()))?,
        };
        if p.statuses
            .iter()
            .any(|s| s.label.eq_ignore_ascii_case(&label))
        {
            return Err(ServiceError::field(
                "label",
                format!("The pipeline '{}' already has a status '{label}'.", p.name),
            ));
        }
        let row = OppStatusRow {
            id: format!("stat_{}", random_base62(43)),
            workspace_id: actor.workspace_id.clone(),
            pipeline_id: p.id.clone(),
            label,
            status_type: kind,
            sort_order: all
                .iter()
                .flat_map(|p| &p.statuses)
                .map(|s| s.sort_order)
                .max()
                .unwrap_or(0)
                + 1,
        };
        work::insert_opp_status(&mut tx, &row).await?;
        audit::by_actor(
            &mut tx,
            actor,
            "status.opportunity",
            &row.id,
            "created",
            json!({}),
            snapshot(&row),
        )
        .await?;
        tx.commit().await?;
        Ok((row, p.name.clone()))
    }

    /// Renames a status, changes its type, or moves it to another pipeline.
    pub async fn update_opportunity_status(
        &self,
        actor: &Actor,
        id: &str,
        patch: StatusPatch,
    ) -> Result<(OppStatusRow, String)> {
        actor.require(Permission::ManageCustomizations)?;
        let label = patch
            .label
            .as_deref()
            .map(|l| clean(l, "label", "status"))
            .transpose()?;
        let kind = patch.status_type.as_deref().map(status_type).transpose()?;
        let mut tx = self.db().write().await?;
        let all = load(&mut tx, &actor.workspace_id).await?;
        let before = all
            .iter()
            .flat_map(|p| &p.statuses)
            .find(|s| s.id == id)
            .cloned()
            .ok_or_else(|| ServiceError::not_found("Opportunity status"))?;
        let mut row = before.clone();
        if let Some(pid) = &patch.pipeline_id {
            if !all.iter().any(|p| &p.id == pid) {
                return Err(ServiceError::field(
                    "pipeline_id",
                    format!("There is no pipeline '{pid}'."),
                ));
            }
            row.pipeline_id = pid.clone();
        }
        if let Some(l) = label {
            row.label = l;
        }
        if let Some(k) = kind {
            row.status_type = k;
        }
        let p = all
            .iter()
            .find(|p| p.id == row.pipeline_id)
            .ok_or_else(|| ServiceError::Internal("pipeline vanished".into()))?;
        if p.statuses
            .iter()
            .any(|s| s.id != row.id && s.label.eq_ignore_ascii_case(&row.label))
        {
            return Err(ServiceError::field(
                "label",
                format!(
                    "The pipeline '{}' already has a status '{}'.",
                    p.name, row.label
                ),
            ));
        }
        work::update_opp_status(&mut tx, &row).await?;
        audit::by_actor(
            &mut tx,
            actor,
            "status.opportunity",
            id,
            "updated",
            snapshot(&before),
            snapshot(&row),
        )
        .await?;
        tx.commit().await?;
        Ok((row, p.name.clone()))
    }

    /// Deletes a status no opportunity is in; a workspace keeps at least one.
    pub async fn delete_opportunity_status(&self, actor: &Actor, id: &str) -> Result<()> {
        actor.require(Permission::ManageCustomizations)?;
        let mut tx = self.db().write().await?;
        let all = work::opp_statuses(&mut tx, &actor.workspace_id).await?;
        let s = all
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| ServiceError::not_found("Opportunity status"))?;
        if all.len() == 1 {
            return Err(ServiceError::Conflict(
                "A workspace keeps at least one opportunity status.".into(),
            ));
        }
        let n =
            work::count_in_opp_statuses(&mut tx, &actor.workspace_id, &[id.to_string()]).await?;
        if n > 0 {
            return Err(ServiceError::Conflict(format!(
                "{n} opportunit{} in '{}'. Move them to another status first.",
                if n == 1 { "y is" } else { "ies are" },
                s.label
            )));
        }
        work::delete_opp_status(&mut tx, &actor.workspace_id, id).await?;
        audit::by_actor(
            &mut tx,
            actor,
            "status.opportunity",
            id,
            "deleted",
            snapshot(s),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
