//! The audit trail: every change to memberships, roles, groups, sharing and assignment is
//! recorded in the same transaction as the change itself. The Close-style event log
//! (`/api/v1/event/`) is read from the same rows.

use corral_domain::ids::Kind;
use corral_domain::{Actor, Permission};
use corral_store::Tx;
use corral_store::model::AuditRow;
use corral_store::now;
use corral_store::queries::team::{self, AuditFilter};
use serde_json::{Map, Value, json};

use crate::{Result, ServiceError, Services};

/// What changed, for one audit entry.
pub(crate) struct Change<'a> {
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub action: &'a str,
    pub before: Value,
    pub after: Value,
}

/// Top-level keys whose values differ between two snapshots, sorted.
pub fn changed_fields(before: &Value, after: &Value) -> Vec<String> {
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut keys: Vec<String> = b
        .keys()
        .chain(a.keys())
        .filter(|k| b.get(*k) != a.get(*k))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Appends one audit entry inside `tx`. `actor` is None for system changes.
pub(crate) async fn record(
    tx: &mut Tx,
    actor: Option<&Actor>,
    organization_id: &str,
    workspace_id: &str,
    c: Change<'_>,
) -> Result<()> {
    let fields = changed_fields(&c.before, &c.after);
    let named = [&c.after, &c.before]
        .iter()
        .find_map(|v| v.get("lead_id").and_then(Value::as_str));
    let lead_id = corral_domain::visibility::event_lead(c.object_type, c.object_id, named)
        .map(str::to_string);
    let row = AuditRow {
        id: Kind::Event.new_id(),
        organization_id: organization_id.to_string(),
        workspace_id: Some(workspace_id.to_string()),
        actor_user_id: actor.map(|a| a.user_id.clone()),
        request_id: actor
            .map(|a| a.request_id.clone())
            .filter(|r| !r.is_empty()),
        object_type: c.object_type.to_string(),
        object_id: c.object_id.to_string(),
        action: c.action.to_string(),
        changed_fields: fields.join(","),
        previous_data: c.before.to_string(),
        data: c.after.to_string(),
        date_created: now(),
        lead_id,
    };
    team::insert_audit(tx, &row).await?;
    crate::webhooks::enqueue(tx, &row).await
}

/// [`record`] of a change a member made in their workspace.
pub(crate) async fn by_actor(
    tx: &mut Tx,
    actor: &Actor,
    object_type: &str,
    object_id: &str,
    action: &str,
    before: Value,
    after: Value,
) -> Result<()> {
    record(
        tx,
        Some(actor),
        &actor.organization_id,
        &actor.workspace_id,
        Change {
            object_type,
            object_id,
            action,
            before,
            after,
        },
    )
    .await
}

/// Naive UTC timestamps, as Close's event log has them.
pub fn naive_ts(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// An audit entry in Close's event-log shape (also the `event` of a webhook delivery).
pub fn event_json(a: &AuditRow) -> Value {
    let parse = |s: &str| serde_json::from_str::<Value>(s).unwrap_or_else(|_| json!({}));
    json!({
        "id": a.id,
        "date_created": naive_ts(&a.date_created),
        "date_updated": naive_ts(&a.date_created),
        "organization_id": a.workspace_id,
        "user_id": a.actor_user_id,
        "request_id": a.request_id,
        "object_type": a.object_type,
        "object_id": a.object_id,
        "lead_id": a.lead_id,
        "action": a.action,
        "changed_fields": a.changed_fields.split(',').filter(|s| !s.is_empty()).collect::<Vec<_>>(),
        "data": parse(&a.data),
        "previous_data": parse(&a.previous_data),
        "meta": {},
    })
}

/// A page of audit entries and the cursor for the next (older) page.
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub entries: Vec<AuditRow>,
    pub cursor_next: Option<String>,
}

/// Cursors are opaque to clients: `<rfc3339>|<id>` of the last entry returned.
fn encode_cursor(row: &AuditRow) -> String {
    format!("{}|{}", row.date_created.to_rfc3339(), row.id)
}

fn decode_cursor(cursor: &str) -> Result<(chrono::DateTime<chrono::Utc>, String)> {
    let bad = || ServiceError::field("_cursor", "This cursor is not one this server handed out.");
    let (ts, id) = cursor.split_once('|').ok_or_else(bad)?;
    let ts = chrono::DateTime::parse_from_rfc3339(ts)
        .map_err(|_| bad())?
        .with_timezone(&chrono::Utc);
    Ok((ts, id.to_string()))
}

impl Services {
    /// The audit log of the actor's workspace (needs `view_audit_log`).
    pub async fn audit_log(
        &self,
        actor: &Actor,
        filter: AuditFilter,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<AuditPage> {
        actor.require(Permission::ViewAuditLog)?;
        self.read_events(actor, filter, cursor, limit).await
    }

    /// Close's event log for the workspace: team objects only (memberships, roles, groups,
    /// the organization, custom fields), so nothing in it names a lead someone may not see.
    pub async fn event_log(
        &self,
        actor: &Actor,
        mut filter: AuditFilter,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<AuditPage> {
        filter.team_objects_only = true;
        filter.lead_scope = Some(actor.lead_scope.clone());
        self.read_events(actor, filter, cursor, limit).await
    }

    pub async fn event(&self, actor: &Actor, id: &str) -> Result<AuditRow> {
        let mut tx = self.db().read().await?;
        let e = team::get_audit(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Event"))?;
        if corral_domain::visibility::TEAM_EVENT_OBJECTS.contains(&e.object_type.as_str()) {
            return Ok(e);
        }
        // An event about a lead or its records is there for those who may see the lead now.
        if let Some(lead_id) = &e.lead_id
            && (matches!(actor.lead_scope, corral_domain::visibility::LeadScope::All)
                || corral_store::queries::leads::get(
                    &mut tx,
                    &actor.workspace_id,
                    lead_id,
                    &actor.lead_scope,
                )
                .await?
                .is_some())
        {
            return Ok(e);
        }
        Err(ServiceError::not_found("Event"))
    }

    async fn read_events(
        &self,
        actor: &Actor,
        mut filter: AuditFilter,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<AuditPage> {
        if let Some(c) = cursor.filter(|c| !c.is_empty()) {
            filter.before = Some(decode_cursor(c)?);
        }
        let mut tx = self.db().read().await?;
        let mut entries =
            team::list_audit(&mut tx, &actor.workspace_id, &filter, limit + 1).await?;
        let more = entries.len() as i64 > limit;
        entries.truncate(limit as usize);
        let cursor_next = if more {
            entries.last().map(encode_cursor)
        } else {
            None
        };
        Ok(AuditPage {
            entries,
            cursor_next,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_fields_compares_top_level_keys() {
        let b = json!({"a": 1, "b": 2, "c": 3});
        let a = json!({"a": 1, "b": 5, "d": 4});
        assert_eq!(changed_fields(&b, &a), vec!["b", "c", "d"]);
        assert_eq!(changed_fields(&json!({}), &json!({"x": 1})), vec!["x"]);
    }
}
