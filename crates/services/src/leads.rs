//! Leads and their contacts (SPEC S4), always seen through the actor's lead scope (S3):
//! a lead the actor may not see does not exist for them.

use corral_domain::ids::random_base62;
use corral_domain::{Actor, Email, Permission};
use corral_store::model::{ContactRow, CustomFieldRow, FieldValueRow, LeadRow, LeadStatusRow};
use corral_store::queries::leads::{self, LeadFilter};
use corral_store::queries::{custom_fields, users};
use corral_store::{Tx, now};
use serde_json::{Value, json};

use crate::{Result, ServiceError, Services};

/// The statuses every new workspace starts with, in order.
pub const DEFAULT_LEAD_STATUSES: [&str; 4] = ["Potential", "Bad Fit", "Qualified", "Customer"];

/// A contact given with a new lead.
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub name: String,
    pub title: String,
    pub emails: Vec<(String, String)>,
    pub phones: Vec<(String, String)>,
    /// `custom.cf_…` values of contact fields; Null clears.
    pub custom: Vec<(String, Value)>,
}

/// A change to a contact: given lists replace the old ones; `custom` sets or (Null) clears.
#[derive(Debug, Clone, Default)]
pub struct ContactPatch {
    pub name: Option<String>,
    pub title: Option<String>,
    pub emails: Option<Vec<(String, String)>>,
    pub phones: Option<Vec<(String, String)>>,
    pub custom: Vec<(String, Value)>,
}

/// A field's values as the API shows them: a list for fields taking several values, a
/// number for number fields, else the text (null when there is none).
pub fn typed_value(f: &CustomFieldRow, vals: &[String]) -> Value {
    if f.accepts_multiple_values {
        return json!(vals);
    }
    match (f.field_type.as_str(), vals.first()) {
        ("number", Some(n)) => n
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| json!(n)),
        (_, Some(s)) => json!(s),
        (_, None) => Value::Null,
    }
}

/// The field `field_id` of `object_type` and `value` checked against it (type, choices,
/// active members) and against who may edit it (`editable_with_roles`).
async fn checked_values(
    tx: &mut Tx,
    actor: &Actor,
    object_type: &str,
    field_id: &str,
    value: &Value,
) -> Result<(CustomFieldRow, Vec<String>)> {
    let field = custom_fields::get(tx, &actor.workspace_id, field_id)
        .await?
        .filter(|f| f.object_type == object_type)
        .ok_or_else(|| {
            ServiceError::field(
                &format!("custom.{field_id}"),
                format!("There is no {object_type} custom field '{field_id}'."),
            )
        })?;
    let editors: Vec<&str> = field
        .editable_with_roles
        .split(',')
        .filter(|r| !r.is_empty())
        .collect();
    actor.may_edit_field(&editors, &field.name)?;
    let vals = field_values(tx, &actor.workspace_id, &field, value).await?;
    Ok((field, vals))
}

/// Applies `custom` (field id → value; Null clears) to the custom values of a contact or
/// opportunity (`current`, JSON object text), checking each value as lead fields are checked
/// (type, choices, active members, `editable_with_roles`). Returns the new JSON text.
pub(crate) async fn apply_object_custom(
    tx: &mut Tx,
    actor: &Actor,
    object_type: &str,
    current: &str,
    custom: &[(String, Value)],
) -> Result<String> {
    let mut map: serde_json::Map<String, Value> = serde_json::from_str(current).unwrap_or_default();
    for (field_id, value) in custom {
        let (field, vals) = checked_values(tx, actor, object_type, field_id, value).await?;
        if vals.is_empty() {
            map.remove(&field.id);
        } else {
            map.insert(field.id.clone(), typed_value(&field, &vals));
        }
    }
    Ok(Value::Object(map).to_string())
}

/// A lead create or partial update.
#[derive(Debug, Clone, Default)]
pub struct LeadInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub url: Option<Option<String>>,
    pub status_id: Option<String>,
    pub status_label: Option<String>,
    pub addresses: Option<Value>,
    pub contacts: Vec<ContactInput>,
    /// `custom.cf_…` values; Null clears.
    pub custom: Vec<(String, Value)>,
}

/// A lead with everything its page and the API show.
#[derive(Debug, Clone)]
pub struct LeadView {
    pub lead: LeadRow,
    pub status_label: String,
    pub contacts: Vec<ContactRow>,
    pub custom: Vec<(CustomFieldRow, Vec<String>)>,
}

pub(crate) async fn ensure_lead_statuses(tx: &mut Tx, workspace_id: &str) -> Result<()> {
    if !leads::statuses(tx, workspace_id).await?.is_empty() {
        return Ok(());
    }
    for (i, label) in DEFAULT_LEAD_STATUSES.iter().enumerate() {
        leads::insert_status(
            tx,
            &LeadStatusRow {
                id: format!("stat_{}", random_base62(43)),
                workspace_id: workspace_id.into(),
                label: (*label).into(),
                sort_order: i as i64,
                date_created: now(),
            },
        )
        .await?;
    }
    Ok(())
}

async fn actor_name(tx: &mut Tx, actor: &Actor) -> Result<String> {
    Ok(users::get(tx, &actor.user_id)
        .await?
        .map(|u| {
            format!("{} {}", u.first_name, u.last_name)
                .trim()
                .to_string()
        })
        .unwrap_or_default())
}

/// Checks and normalises one custom field value against its field.
pub(crate) async fn field_values(
    tx: &mut Tx,
    workspace_id: &str,
    field: &CustomFieldRow,
    value: &Value,
) -> Result<Vec<String>> {
    let key = format!("custom.{}", field.id);
    let items: Vec<&Value> = match value {
        Value::Null => return Ok(vec![]),
        Value::Array(a) if field.accepts_multiple_values => a.iter().collect(),
        Value::Array(_) => {
            return Err(ServiceError::field(
                &key,
                format!("'{}' holds one value, not a list.", field.name),
            ));
        }
        v => vec![v],
    };
    let mut out = Vec::new();
    for v in items {
        let s = match (field.field_type.as_str(), v) {
            ("number", Value::Number(n)) => n.to_string(),
            ("number", Value::String(s)) if s.trim().parse::<f64>().is_ok() => s.trim().to_string(),
            ("date", Value::String(s))
                if chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").is_ok() =>
            {
                s.trim().to_string()
            }
            ("text", Value::String(s)) => s.clone(),
            ("choices", Value::String(s)) if field.choices.split('\n').any(|c| c == s) => s.clone(),
            ("user", Value::String(s)) => {
                crate::members::require_active_member(tx, workspace_id, s, &key).await?;
                s.clone()
            }
            (t, other) => {
                return Err(ServiceError::field(
                    &key,
                    format!("{other} is not a valid {t} value for '{}'.", field.name),
                ));
            }
        };
        out.push(s);
    }
    Ok(out)
}

fn labelled(items: &[(String, String)], key: &str) -> Value {
    Value::Array(
        items
            .iter()
            .map(|(v, t)| json!({key: v, "type": if t.is_empty() { "office" } else { t.as_str() }}))
            .collect(),
    )
}

pub(crate) async fn load_lead_views(
    tx: &mut Tx,
    workspace_id: &str,
    rows: Vec<LeadRow>,
) -> Result<Vec<LeadView>> {
    let ids: Vec<String> = rows.iter().map(|l| l.id.clone()).collect();
    let statuses = leads::statuses(tx, workspace_id).await?;
    let contacts = leads::contacts_of(tx, &ids).await?;
    let values: Vec<FieldValueRow> = leads::field_values(tx, &ids).await?;
    let fields = custom_fields::list(tx, workspace_id, "lead").await?;
    Ok(rows
        .into_iter()
        .map(|lead| {
            let status_label = statuses
                .iter()
                .find(|s| s.id == lead.status_id)
                .map(|s| s.label.clone())
                .unwrap_or_default();
            let custom = fields
                .iter()
                .filter_map(|f| {
                    let vals: Vec<String> = values
                        .iter()
                        .filter(|v| v.lead_id == lead.id && v.field_id == f.id)
                        .map(|v| v.value.clone())
                        .collect();
                    (!vals.is_empty()).then(|| (f.clone(), vals))
                })
                .collect();
            let contacts = contacts
                .iter()
                .filter(|c| c.lead_id == lead.id)
                .cloned()
                .collect();
            LeadView {
                lead,
                status_label,
                contacts,
                custom,
            }
        })
        .collect())
}

impl Services {
    /// Lead statuses of the actor's workspace, in order.
    pub async fn lead_statuses(&self, actor: &Actor) -> Result<Vec<LeadStatusRow>> {
        let mut tx = self.db().read().await?;
        Ok(leads::statuses(&mut tx, &actor.workspace_id).await?)
    }

    async fn apply_custom(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        lead_id: &str,
        custom: &[(String, Value)],
    ) -> Result<()> {
        for (field_id, value) in custom {
            let (field, vals) = checked_values(tx, actor, "lead", field_id, value).await?;
            leads::set_field_values(tx, lead_id, &field.id, &vals).await?;
        }
        Ok(())
    }

    async fn status_for(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: Option<&str>,
        label: Option<&str>,
    ) -> Result<Option<String>> {
        let statuses = leads::statuses(tx, &actor.workspace_id).await?;
        if let Some(id) = id {
            return statuses
                .iter()
                .find(|s| s.id == id)
                .map(|s| Some(s.id.clone()))
                .ok_or_else(|| {
                    ServiceError::field("status_id", format!("There is no lead status '{id}'."))
                });
        }
        if let Some(label) = label {
            return statuses
                .iter()
                .find(|s| s.label.eq_ignore_ascii_case(label))
                .map(|s| Some(s.id.clone()))
                .ok_or_else(|| {
                    ServiceError::field("status", format!("There is no lead status '{label}'."))
                });
        }
        Ok(None)
    }

    /// Creates a lead with its contacts and custom values. A member who sees only assigned
    /// leads is assigned the leads they create, so they never lose sight of their own work.
    pub async fn create_lead(&self, actor: &Actor, input: LeadInput) -> Result<LeadView> {
        let mut tx = self.db().write().await?;
        let view = self.create_lead_in(&mut tx, actor, input, None).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// [`Services::create_lead`] inside the caller's transaction, with the lead's id given
    /// (imports choose ids up front, so a retried batch can never create a lead twice).
    pub(crate) async fn create_lead_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        input: LeadInput,
        id: Option<String>,
    ) -> Result<LeadView> {
        let name = input.name.clone().unwrap_or_default().trim().to_string();
        if name.chars().count() > 500 {
            return Err(ServiceError::field(
                "name",
                "A lead name has at most 500 characters.",
            ));
        }
        let status_id = match self
            .status_for(
                tx,
                actor,
                input.status_id.as_deref(),
                input.status_label.as_deref(),
            )
            .await?
        {
            Some(s) => s,
            None => leads::statuses(tx, &actor.workspace_id)
                .await?
                .first()
                .map(|s| s.id.clone())
                .ok_or_else(|| ServiceError::Internal("workspace has no lead statuses".into()))?,
        };
        let who = actor_name(tx, actor).await?;
        let t = now();
        let contacts = input.contacts.clone();
        let display_name = if name.is_empty() {
            contacts.first().map(|c| c.name.clone()).unwrap_or_default()
        } else {
            name
        };
        let lead = LeadRow {
            id: id.unwrap_or_else(|| format!("lead_{}", random_base62(43))),
            workspace_id: actor.workspace_id.clone(),
            name: display_name,
            description: input.description.clone().unwrap_or_default(),
            url: input.url.clone().flatten(),
            status_id,
            addresses: input
                .addresses
                .clone()
                .unwrap_or_else(|| json!([]))
                .to_string(),
            created_by: Some(actor.user_id.clone()),
            updated_by: Some(actor.user_id.clone()),
            created_by_name: who.clone(),
            updated_by_name: who.clone(),
            date_created: t,
            date_updated: t,
        };
        leads::insert(tx, &lead).await?;
        let mut custom = input.custom.clone();
        let set: Vec<String> = custom
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(f, _)| f.clone())
            .collect();
        if let Some(field) = actor.lead_scope.own_assignment_field(&set) {
            custom.push((field.clone(), Value::String(actor.user_id.clone())));
        }
        self.apply_custom(tx, actor, &lead.id, &custom).await?;
        for c in &contacts {
            add_contact(tx, actor, &lead.id, c, &who, t).await?;
        }
        self.auto_assign_in(tx, actor, &lead.id).await?;
        let view = load_lead_views(tx, &actor.workspace_id, vec![lead])
            .await?
            .pop()
            .ok_or_else(|| ServiceError::Internal("lead vanished".into()))?;
        lead_event(
            tx,
            actor,
            &view.lead.id,
            "created",
            json!({}),
            snapshot(&view),
        )
        .await?;
        Ok(view)
    }

    /// One lead the actor may see; others are "not found", never "forbidden".
    pub async fn get_lead(&self, actor: &Actor, id: &str) -> Result<LeadView> {
        let mut tx = self.db().read().await?;
        let lead = leads::get(&mut tx, &actor.workspace_id, id, &actor.lead_scope)
            .await?
            .ok_or_else(|| ServiceError::not_found("Lead"))?;
        load_lead_views(&mut tx, &actor.workspace_id, vec![lead])
            .await?
            .pop()
            .ok_or_else(|| ServiceError::not_found("Lead"))
    }

    /// A page of the leads the actor may see, with the visible total.
    pub async fn list_leads(
        &self,
        actor: &Actor,
        filter: LeadFilter,
        skip: i64,
        limit: i64,
    ) -> Result<(Vec<LeadView>, i64)> {
        let mut tx = self.db().read().await?;
        let (rows, total) = leads::list(
            &mut tx,
            &actor.workspace_id,
            &actor.lead_scope,
            &filter,
            skip,
            limit,
        )
        .await?;
        Ok((
            load_lead_views(&mut tx, &actor.workspace_id, rows).await?,
            total,
        ))
    }

    /// Partly updates a visible lead.
    pub async fn update_lead(&self, actor: &Actor, id: &str, input: LeadInput) -> Result<LeadView> {
        let mut tx = self.db().write().await?;
        let mut lead = leads::get(&mut tx, &actor.workspace_id, id, &actor.lead_scope)
            .await?
            .ok_or_else(|| ServiceError::not_found("Lead"))?;
        let before = load_lead_views(&mut tx, &actor.workspace_id, vec![lead.clone()])
            .await?
            .pop()
            .map(|v| snapshot(&v))
            .unwrap_or_else(|| json!({}));
        if let Some(n) = &input.name {
            let n = n.trim();
            if n.chars().count() > 500 {
                return Err(ServiceError::field(
                    "name",
                    "A lead name has at most 500 characters.",
                ));
            }
            lead.name = n.to_string();
        }
        if let Some(d) = &input.description {
            lead.description = d.clone();
        }
        if let Some(u) = &input.url {
            lead.url = u.clone();
        }
        if let Some(a) = &input.addresses {
            lead.addresses = a.to_string();
        }
        if let Some(s) = self
            .status_for(
                &mut tx,
                actor,
                input.status_id.as_deref(),
                input.status_label.as_deref(),
            )
            .await?
        {
            lead.status_id = s;
        }
        lead.updated_by = Some(actor.user_id.clone());
        lead.updated_by_name = actor_name(&mut tx, actor).await?;
        lead.date_updated = now();
        leads::update(&mut tx, &lead).await?;
        self.apply_custom(&mut tx, actor, id, &input.custom).await?;
        let view = load_lead_views(&mut tx, &actor.workspace_id, vec![lead])
            .await?
            .pop()
            .ok_or_else(|| ServiceError::Internal("lead vanished".into()))?;
        let after = snapshot(&view);
        if after != before {
            lead_event(&mut tx, actor, id, "updated", before, after).await?;
        }
        tx.commit().await?;
        Ok(view)
    }

    /// Merge candidates for `lead`, for members who may merge: up to five other visible leads
    /// whose name starts with the same word (of three letters or more), as (id, name).
    pub async fn possible_duplicates(
        &self,
        actor: &Actor,
        lead: &LeadRow,
    ) -> Result<Vec<(String, String)>> {
        let first = |name: &str| name.split_whitespace().next().map(str::to_lowercase);
        let Some(word) = first(&lead.name).filter(|w| w.chars().count() >= 3) else {
            return Ok(vec![]);
        };
        if !actor.can(Permission::MergeLeads) {
            return Ok(vec![]);
        }
        let filter = LeadFilter {
            name_contains: Some(word.clone()),
            ..Default::default()
        };
        let mut tx = self.db().read().await?;
        let (rows, _) = leads::list(
            &mut tx,
            &actor.workspace_id,
            &actor.lead_scope,
            &filter,
            0,
            20,
        )
        .await?;
        Ok(rows
            .into_iter()
            .filter(|l| l.id != lead.id && first(&l.name).as_deref() == Some(word.as_str()))
            .take(5)
            .map(|l| (l.id, l.name))
            .collect())
    }

    /// Merges lead `source` into `destination` (both visible; needs `merge_leads`): the
    /// source's contacts, opportunities, tasks and activities move over, its custom field
    /// values fill the destination's empty fields, its description and URL fill blanks, its
    /// addresses are added; then the source is deleted. One transaction, two events
    /// (`merged` on the destination, `deleted` on the source) naming each other.
    pub async fn merge_leads(
        &self,
        actor: &Actor,
        source: &str,
        destination: &str,
    ) -> Result<LeadView> {
        if source == destination {
            return Err(ServiceError::field(
                "destination",
                "A lead cannot be merged into itself.",
            ));
        }
        let mut tx = self.db().write().await?;
        let src = leads::get(&mut tx, &actor.workspace_id, source, &actor.lead_scope)
            .await?
            .ok_or_else(|| ServiceError::not_found("Lead (source)"))?;
        let mut dest = leads::get(&mut tx, &actor.workspace_id, destination, &actor.lead_scope)
            .await?
            .ok_or_else(|| ServiceError::not_found("Lead (destination)"))?;
        actor.require(Permission::MergeLeads)?;
        let mut views = load_lead_views(
            &mut tx,
            &actor.workspace_id,
            vec![src.clone(), dest.clone()],
        )
        .await?;
        let (before_dest, before_src) = match (views.pop(), views.pop()) {
            (Some(d), Some(s)) => (snapshot(&d), snapshot(&s)),
            _ => return Err(ServiceError::Internal("merged leads vanished".into())),
        };
        leads::merge_children(&mut tx, &actor.workspace_id, source, destination).await?;
        if dest.description.trim().is_empty() {
            dest.description = src.description.clone();
        }
        if dest.url.as_deref().is_none_or(str::is_empty) {
            dest.url = src.url.clone();
        }
        let mut addresses: Vec<Value> = serde_json::from_str(&dest.addresses).unwrap_or_default();
        for a in serde_json::from_str::<Vec<Value>>(&src.addresses).unwrap_or_default() {
            if !addresses.contains(&a) {
                addresses.push(a);
            }
        }
        dest.addresses = Value::Array(addresses).to_string();
        dest.updated_by = Some(actor.user_id.clone());
        dest.updated_by_name = actor_name(&mut tx, actor).await?;
        dest.date_updated = now();
        leads::update(&mut tx, &dest).await?;
        leads::delete(&mut tx, source).await?;
        let view = load_lead_views(&mut tx, &actor.workspace_id, vec![dest])
            .await?
            .pop()
            .ok_or_else(|| ServiceError::Internal("lead vanished".into()))?;
        let mut after = snapshot(&view);
        after["merge_source_lead_id"] = json!(source);
        lead_event(&mut tx, actor, destination, "merged", before_dest, after).await?;
        lead_event(
            &mut tx,
            actor,
            source,
            "deleted",
            before_src,
            json!({"merge_destination_lead_id": destination}),
        )
        .await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Deletes a visible lead (needs `delete_leads`).
    pub async fn delete_lead(&self, actor: &Actor, id: &str) -> Result<()> {
        let mut tx = self.db().write().await?;
        let lead = leads::get(&mut tx, &actor.workspace_id, id, &actor.lead_scope)
            .await?
            .ok_or_else(|| ServiceError::not_found("Lead"))?;
        actor.require(Permission::DeleteLeads)?;
        let before = load_lead_views(&mut tx, &actor.workspace_id, vec![lead])
            .await?
            .pop()
            .map(|v| snapshot(&v))
            .unwrap_or_else(|| json!({}));
        leads::delete(&mut tx, id).await?;
        lead_event(&mut tx, actor, id, "deleted", before, json!({})).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Checks a contact's emails and phones, returning them normalised (lower-cased emails,
/// E.164 phones) for the look-up table.
fn contact_channels(c: &ContactInput) -> Result<(Vec<String>, Vec<String>)> {
    let mut emails = Vec::new();
    for (e, _) in &c.emails {
        emails.push(
            Email::parse(e)
                .map_err(|_| {
                    ServiceError::field("emails", format!("'{e}' is not a valid email address."))
                })?
                .normalized(),
        );
    }
    let mut phones = Vec::new();
    for (p, _) in &c.phones {
        phones.push(
            corral_domain::Phone::parse(p)
                .map_err(|_| {
                    ServiceError::field(
                        "phones",
                        format!("'{p}' is not a phone number in international form."),
                    )
                })?
                .to_string(),
        );
    }
    Ok((emails, phones))
}

async fn write_channels(
    tx: &mut Tx,
    contact_id: &str,
    workspace_id: &str,
    emails: &[String],
    phones: &[String],
) -> Result<()> {
    leads::clear_channels(tx, contact_id).await?;
    for e in emails {
        leads::add_channel(tx, contact_id, workspace_id, "email", e).await?;
    }
    for p in phones {
        leads::add_channel(tx, contact_id, workspace_id, "phone", p).await?;
    }
    Ok(())
}

impl Services {
    /// Visible contacts, optionally of one lead.
    pub async fn list_contacts(
        &self,
        actor: &Actor,
        lead_id: Option<&str>,
        skip: i64,
        limit: i64,
    ) -> Result<Vec<ContactRow>> {
        let mut tx = self.db().read().await?;
        Ok(leads::list_contacts(
            &mut tx,
            &actor.workspace_id,
            &actor.lead_scope,
            None,
            lead_id,
            skip,
            limit,
        )
        .await?)
    }

    pub async fn get_contact(&self, actor: &Actor, id: &str) -> Result<ContactRow> {
        let mut tx = self.db().read().await?;
        leads::list_contacts(
            &mut tx,
            &actor.workspace_id,
            &actor.lead_scope,
            Some(id),
            None,
            0,
            1,
        )
        .await?
        .pop()
        .ok_or_else(|| ServiceError::not_found("Contact"))
    }

    /// Adds a contact to a visible lead.
    pub async fn create_contact(
        &self,
        actor: &Actor,
        lead_id: &str,
        c: ContactInput,
    ) -> Result<ContactRow> {
        contact_channels(&c)?;
        let mut tx = self.db().write().await?;
        leads::get(&mut tx, &actor.workspace_id, lead_id, &actor.lead_scope)
            .await?
            .ok_or_else(|| {
                ServiceError::field("lead_id", format!("There is no lead '{lead_id}'."))
            })?;
        let who = actor_name(&mut tx, actor).await?;
        let row = add_contact(&mut tx, actor, lead_id, &c, &who, now()).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Changes a visible contact; lists given replace the old ones.
    pub async fn update_contact(
        &self,
        actor: &Actor,
        id: &str,
        patch: ContactPatch,
    ) -> Result<ContactRow> {
        let ContactPatch {
            name,
            title,
            emails,
            phones,
            custom,
        } = patch;
        let mut tx = self.db().write().await?;
        let mut row = leads::list_contacts(
            &mut tx,
            &actor.workspace_id,
            &actor.lead_scope,
            Some(id),
            None,
            0,
            1,
        )
        .await?
        .pop()
        .ok_or_else(|| ServiceError::not_found("Contact"))?;
        let before = contact_snapshot(&row);
        let current = |json_text: &str, key: &str| -> Vec<(String, String)> {
            serde_json::from_str::<Value>(json_text)
                .ok()
                .and_then(|v| v.as_array().cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|x| {
                    Some((
                        x.get(key)?.as_str()?.to_string(),
                        x.get("type")
                            .and_then(Value::as_str)
                            .unwrap_or("office")
                            .to_string(),
                    ))
                })
                .collect()
        };
        let input = ContactInput {
            name: name.unwrap_or_else(|| row.name.clone()),
            title: title.unwrap_or_else(|| row.title.clone()),
            emails: emails.unwrap_or_else(|| current(&row.emails, "email")),
            phones: phones.unwrap_or_else(|| current(&row.phones, "phone")),
            custom: vec![],
        };
        row.custom = apply_object_custom(&mut tx, actor, "contact", &row.custom, &custom).await?;
        let (e, p) = contact_channels(&input)?;
        row.name = input.name.clone();
        row.title = input.title.clone();
        row.emails = labelled(&input.emails, "email").to_string();
        row.phones = labelled(&input.phones, "phone").to_string();
        row.updated_by = Some(actor.user_id.clone());
        row.updated_by_name = actor_name(&mut tx, actor).await?;
        row.date_updated = now();
        leads::update_contact(&mut tx, &row).await?;
        write_channels(&mut tx, &row.id, &actor.workspace_id, &e, &p).await?;
        let after = contact_snapshot(&row);
        crate::audit::by_actor(&mut tx, actor, "contact", &row.id, "updated", before, after)
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn delete_contact(&self, actor: &Actor, id: &str) -> Result<()> {
        let mut tx = self.db().write().await?;
        let row = leads::list_contacts(
            &mut tx,
            &actor.workspace_id,
            &actor.lead_scope,
            Some(id),
            None,
            0,
            1,
        )
        .await?
        .pop()
        .ok_or_else(|| ServiceError::not_found("Contact"))?;
        leads::delete_contact(&mut tx, id).await?;
        let before = contact_snapshot(&row);
        crate::audit::by_actor(&mut tx, actor, "contact", id, "deleted", before, json!({})).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Adds a contact to a lead, with its email and phone index and its `contact` event.
async fn add_contact(
    tx: &mut Tx,
    actor: &Actor,
    lead_id: &str,
    c: &ContactInput,
    who: &str,
    t: corral_store::model::Ts,
) -> Result<ContactRow> {
    let (emails, phones) = contact_channels(c)?;
    let row = ContactRow {
        id: format!("cont_{}", random_base62(43)),
        workspace_id: actor.workspace_id.clone(),
        lead_id: lead_id.to_string(),
        name: c.name.clone(),
        title: c.title.clone(),
        emails: labelled(&c.emails, "email").to_string(),
        phones: labelled(&c.phones, "phone").to_string(),
        urls: "[]".into(),
        custom: apply_object_custom(tx, actor, "contact", "{}", &c.custom).await?,
        created_by: Some(actor.user_id.clone()),
        updated_by: Some(actor.user_id.clone()),
        created_by_name: who.to_string(),
        updated_by_name: who.to_string(),
        date_created: t,
        date_updated: t,
    };
    leads::insert_contact(tx, &row).await?;
    write_channels(tx, &row.id, &actor.workspace_id, &emails, &phones).await?;
    let after = contact_snapshot(&row);
    crate::audit::by_actor(tx, actor, "contact", &row.id, "created", json!({}), after).await?;
    Ok(row)
}

/// JSON text as stored (a list or an object), or null.
pub(crate) fn stored_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// What a contact event records.
fn contact_snapshot(c: &ContactRow) -> Value {
    json!({
        "lead_id": c.lead_id,
        "name": c.name,
        "title": c.title,
        "emails": stored_json(&c.emails),
        "phones": stored_json(&c.phones),
        "custom": stored_json(&c.custom),
    })
}

/// What a lead event records: the fields people change through the API.
fn snapshot(v: &LeadView) -> serde_json::Value {
    let mut custom = serde_json::Map::new();
    for (f, values) in &v.custom {
        custom.insert(format!("custom.{}", f.id), json!(values));
    }
    json!({
        "name": v.lead.name,
        "status_id": v.lead.status_id,
        "status_label": v.status_label,
        "description": v.lead.description,
        "url": v.lead.url,
        "custom": custom,
    })
}

/// A `lead` entry in the event log (seen by those who may see the lead).
async fn lead_event(
    tx: &mut Tx,
    actor: &Actor,
    id: &str,
    action: &str,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<()> {
    crate::audit::by_actor(tx, actor, "lead", id, action, before, after).await
}

impl Services {
    fn status_label(label: &str) -> Result<String> {
        let l = label.trim();
        if l.is_empty() || l.chars().count() > 100 {
            return Err(ServiceError::field(
                "label",
                "A status needs a label of 1 to 100 characters.",
            ));
        }
        Ok(l.to_string())
    }

    /// Adds a lead status at the end (needs `manage_customizations`).
    pub async fn create_lead_status(&self, actor: &Actor, label: &str) -> Result<LeadStatusRow> {
        actor.require(Permission::ManageCustomizations)?;
        let label = Self::status_label(label)?;
        let mut tx = self.db().write().await?;
        let existing = leads::statuses(&mut tx, &actor.workspace_id).await?;
        let row = LeadStatusRow {
            id: format!("stat_{}", random_base62(43)),
            workspace_id: actor.workspace_id.clone(),
            label: label.clone(),
            sort_order: existing.iter().map(|s| s.sort_order).max().unwrap_or(0) + 1,
            date_created: now(),
        };
        leads::insert_status(&mut tx, &row)
            .await
            .map_err(|e| match e {
                corral_store::StoreError::Conflict(_) => {
                    ServiceError::field("label", format!("There is already a status '{label}'."))
                }
                e => e.into(),
            })?;
        status_event(
            &mut tx,
            actor,
            &row.id,
            "created",
            json!({}),
            json!({"label": row.label}),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Renames a lead status (needs `manage_customizations`).
    pub async fn rename_lead_status(
        &self,
        actor: &Actor,
        id: &str,
        label: &str,
    ) -> Result<LeadStatusRow> {
        actor.require(Permission::ManageCustomizations)?;
        let label = Self::status_label(label)?;
        let mut tx = self.db().write().await?;
        let before = leads::statuses(&mut tx, &actor.workspace_id)
            .await?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| ServiceError::not_found("Lead status"))?;
        leads::rename_status(&mut tx, &actor.workspace_id, id, &label)
            .await
            .map_err(|e| match e {
                corral_store::StoreError::Conflict(_) => {
                    ServiceError::field("label", format!("There is already a status '{label}'."))
                }
                e => e.into(),
            })?;
        status_event(
            &mut tx,
            actor,
            id,
            "updated",
            json!({"label": before.label}),
            json!({"label": label}),
        )
        .await?;
        tx.commit().await?;
        Ok(LeadStatusRow { label, ..before })
    }

    /// Deletes a lead status no lead is in (move them first), never the last one.
    pub async fn delete_lead_status(&self, actor: &Actor, id: &str) -> Result<()> {
        actor.require(Permission::ManageCustomizations)?;
        let mut tx = self.db().write().await?;
        let all = leads::statuses(&mut tx, &actor.workspace_id).await?;
        let s = all
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| ServiceError::not_found("Lead status"))?;
        if all.len() == 1 {
            return Err(ServiceError::Conflict(
                "A workspace keeps at least one lead status.".into(),
            ));
        }
        let n = leads::count_in_status(&mut tx, &actor.workspace_id, id).await?;
        if n > 0 {
            return Err(ServiceError::Conflict(format!(
                "{n} lead(s) are in '{}'. Move them to another status first (a bulk edit with set_lead_status does it).",
                s.label
            )));
        }
        leads::delete_status(&mut tx, &actor.workspace_id, id).await?;
        status_event(
            &mut tx,
            actor,
            id,
            "deleted",
            json!({"label": s.label}),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn status_event(
    tx: &mut Tx,
    actor: &Actor,
    id: &str,
    action: &str,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<()> {
    crate::audit::by_actor(tx, actor, "status.lead", id, action, before, after).await
}
