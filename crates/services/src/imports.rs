//! Importing leads from CSV (needs `bulk_import`). The whole file is checked first: its
//! columns must each mean a lead field or a custom field, and every row must hold values
//! those fields accept (statuses that exist, members who are active, emails that are
//! emails). A file with any fault is refused with every line at fault named, and nothing is
//! created. A sound file becomes a job whose items are the leads to create, their ids chosen
//! up front: the job worker creates them a batch per transaction, marks each item done in the
//! same transaction, and so a server killed half way finishes after restart (on any node)
//! without creating a lead twice.

use std::collections::HashMap;

use corral_domain::ids::random_base62;
use corral_domain::import::{Column, ImportedLead, leads_from_csv};
use corral_domain::visibility::LeadScope;
use corral_domain::{Actor, Permission};
use corral_store::model::{BulkJobRow, CustomFieldRow};
use corral_store::queries::{custom_fields, jobs, leads, users};
use corral_store::{Tx, now};
use serde_json::{Value, json};

use crate::leads::{ContactInput, LeadInput, field_values};
use crate::{Result, ServiceError, Services};

/// At most this many faulty lines are listed in one refusal.
const MAX_LISTED_FAULTS: usize = 20;

/// What a file will do, shown before (or as) it runs.
#[derive(Debug, Clone)]
pub struct ImportPlan {
    /// (header as written, what it fills: a lead field's name or `custom.cf_…`).
    pub columns: Vec<(String, String)>,
    pub leads: usize,
    pub contacts: usize,
    /// The first few lead names.
    pub sample: Vec<String>,
}

impl Services {
    /// Checks a CSV file of leads and, unless `dry_run`, starts the job that creates them.
    pub async fn import_leads(
        &self,
        actor: &Actor,
        csv: &str,
        dry_run: bool,
    ) -> Result<(ImportPlan, Option<BulkJobRow>)> {
        actor.require(Permission::BulkImport)?;
        let (columns, found) =
            leads_from_csv(csv).map_err(|e| ServiceError::field("csv", e.to_string()))?;
        let mut tx = self.db().write().await?;
        let fields = custom_fields::list(&mut tx, &actor.workspace_id, "lead").await?;
        let mut headers = Vec::new();
        let mut unknown = Vec::new();
        let mut by_header: HashMap<String, CustomFieldRow> = HashMap::new();
        for (written, c) in &columns {
            let (header, meaning) = match c {
                Column::Custom(h) => {
                    match fields
                        .iter()
                        .find(|f| f.id == *h || f.name.eq_ignore_ascii_case(h))
                    {
                        Some(f) => {
                            let editors: Vec<&str> = f
                                .editable_with_roles
                                .split(',')
                                .filter(|r| !r.is_empty())
                                .collect();
                            actor.may_edit_field(&editors, &f.name)?;
                            by_header.insert(h.clone(), f.clone());
                            (h.clone(), format!("custom.{}", f.id))
                        }
                        None => {
                            unknown.push(format!("'{h}'"));
                            continue;
                        }
                    }
                }
                other => (written.clone(), column_meaning(other).to_string()),
            };
            headers.push((header, meaning));
        }
        if !unknown.is_empty() {
            return Err(ServiceError::field(
                "csv",
                format!(
                    "Line 1: {} match no lead field and no lead custom field. Rename the column (Company, Contact Name, Email, Phone, Status, URL, Description, Address, City, State, Zip, Country) or add the custom field first.",
                    unknown.join(", ")
                ),
            ));
        }
        let statuses = leads::statuses(&mut tx, &actor.workspace_id).await?;
        let mut emails: HashMap<String, Option<String>> = HashMap::new();
        let mut faults = Vec::new();
        let mut items = Vec::with_capacity(found.len());
        let mut contacts = 0;
        for lead in &found {
            match payload(&mut tx, actor, lead, &statuses, &by_header, &mut emails).await {
                Ok(p) => {
                    contacts += lead.contacts.len();
                    items.push((format!("lead_{}", random_base62(43)), p.to_string()));
                }
                Err(ServiceError::Invalid { message, .. }) => {
                    faults.push(format!("Line {}: {message}", lead.line));
                    if faults.len() >= MAX_LISTED_FAULTS {
                        break;
                    }
                }
                Err(e) => return Err(e),
            }
        }
        if !faults.is_empty() {
            let more = if faults.len() >= MAX_LISTED_FAULTS {
                " (and maybe more)"
            } else {
                ""
            };
            return Err(ServiceError::field(
                "csv",
                format!(
                    "Nothing was imported; fix these lines first{more}: {}",
                    faults.join(" ")
                ),
            ));
        }
        let plan = ImportPlan {
            columns: headers,
            leads: found.len(),
            contacts,
            sample: found.iter().take(5).map(|l| l.name.clone()).collect(),
        };
        if dry_run {
            return Ok((plan, None));
        }
        let t = now();
        let job = BulkJobRow {
            id: format!("import_{}", random_base62(43)),
            workspace_id: actor.workspace_id.clone(),
            kind: "import".into(),
            action: "import_leads".into(),
            params: json!({"columns": plan.columns.iter().map(|(h, m)| json!({"header": h, "field": m})).collect::<Vec<_>>(), "n_contacts": contacts}).to_string(),
            selection: json!({"rows": found.len()}).to_string(),
            membership_id: actor.membership_id.clone(),
            created_by: actor.user_id.clone(),
            status: "created".into(),
            n_objects: items.len() as i64,
            n_objects_processed: 0,
            error: None,
            lease_until: None,
            date_created: t,
            date_updated: t,
            lease_node: None,
        };
        jobs::insert_with_data(&mut tx, &job, &items).await?;
        tx.commit().await?;
        Ok((plan, Some(job)))
    }

    /// Creates one imported lead inside the job's batch transaction.
    pub(crate) async fn create_imported_lead(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        lead_id: &str,
        data: &str,
    ) -> Result<()> {
        // Already made (the item's batch committed with its lead): nothing to do.
        if leads::get(tx, &actor.workspace_id, lead_id, &LeadScope::All)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let p: Value = serde_json::from_str(data)
            .map_err(|e| ServiceError::Internal(format!("import item {lead_id}: {e}")))?;
        let s = |k: &str| p[k].as_str().unwrap_or_default().to_string();
        let list = |v: &Value, kind: &str| -> Vec<(String, String)> {
            v[kind]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str())
                        .map(|x| (x.to_string(), String::new()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let input = LeadInput {
            name: Some(s("name")),
            description: Some(s("description")),
            url: Some(p["url"].as_str().map(str::to_string)),
            status_id: p["status_id"].as_str().map(str::to_string),
            status_label: None,
            addresses: Some(p["addresses"].clone()).filter(|a| a.is_array()),
            contacts: p["contacts"]
                .as_array()
                .map(|cs| {
                    cs.iter()
                        .map(|c| ContactInput {
                            name: c["name"].as_str().unwrap_or_default().to_string(),
                            title: c["title"].as_str().unwrap_or_default().to_string(),
                            emails: list(c, "emails"),
                            phones: list(c, "phones"),
                            custom: vec![],
                        })
                        .collect()
                })
                .unwrap_or_default(),
            custom: p["custom"]
                .as_object()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        };
        self.create_lead_in(tx, actor, input, Some(lead_id.to_string()))
            .await?;
        Ok(())
    }
}

fn column_meaning(c: &Column) -> &'static str {
    match c {
        Column::LeadName => "name",
        Column::Url => "url",
        Column::Description => "description",
        Column::Status => "status",
        Column::ContactName => "contacts.name",
        Column::ContactTitle => "contacts.title",
        Column::Email => "contacts.emails",
        Column::Phone => "contacts.phones",
        Column::Address1 => "addresses.address_1",
        Column::Address2 => "addresses.address_2",
        Column::City => "addresses.city",
        Column::State => "addresses.state",
        Column::Zipcode => "addresses.zipcode",
        Column::Country => "addresses.country",
        Column::Custom(_) => "custom",
    }
}

/// One lead's contents as the job keeps them, with every value checked now.
async fn payload(
    tx: &mut Tx,
    actor: &Actor,
    lead: &ImportedLead,
    statuses: &[corral_store::model::LeadStatusRow],
    fields: &HashMap<String, CustomFieldRow>,
    emails: &mut HashMap<String, Option<String>>,
) -> Result<Value> {
    let status_id = if lead.status.is_empty() {
        Value::Null
    } else {
        match statuses
            .iter()
            .find(|s| s.label.eq_ignore_ascii_case(&lead.status))
        {
            Some(s) => Value::String(s.id.clone()),
            None => {
                return Err(ServiceError::field(
                    "status",
                    format!("there is no lead status '{}'.", lead.status),
                ));
            }
        }
    };
    let mut custom = serde_json::Map::new();
    for (header, raw) in &lead.custom {
        let Some(field) = fields.get(header) else {
            continue;
        };
        let mut parts: Vec<String> = if field.accepts_multiple_values {
            raw.split([';', ','])
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        } else {
            vec![raw.clone()]
        };
        if field.field_type == "user" {
            for p in parts.iter_mut() {
                if p.contains('@') {
                    let key = p.to_lowercase();
                    if !emails.contains_key(&key) {
                        let id = users::find_by_email(tx, &key).await?.map(|u| u.id);
                        emails.insert(key.clone(), id);
                    }
                    match emails.get(&key).cloned().flatten() {
                        Some(id) => *p = id,
                        None => {
                            return Err(ServiceError::field(
                                header,
                                format!("'{p}' in '{header}' is nobody in this workspace."),
                            ));
                        }
                    }
                }
            }
        }
        let value = if field.accepts_multiple_values {
            Value::Array(parts.into_iter().map(Value::String).collect())
        } else {
            Value::String(parts.pop().unwrap_or_default())
        };
        field_values(tx, &actor.workspace_id, field, &value)
            .await
            .map_err(|e| match e {
                ServiceError::Invalid { message, .. } => {
                    ServiceError::field(header, format!("{header}: {message}"))
                }
                other => other,
            })?;
        custom.insert(field.id.clone(), value);
    }
    let addresses = match &lead.address {
        Some(a) if a.iter().any(|s| !s.is_empty()) => json!([{
            "label": "business", "address_1": a[0], "address_2": a[1], "city": a[2],
            "state": a[3], "zipcode": a[4], "country": a[5],
        }]),
        _ => Value::Null,
    };
    Ok(json!({
        "name": lead.name,
        "url": if lead.url.is_empty() { Value::Null } else { Value::String(lead.url.clone()) },
        "description": lead.description,
        "status_id": status_id,
        "addresses": addresses,
        "contacts": lead.contacts.iter().map(|c| json!({"name": c.name, "title": c.title, "emails": c.emails, "phones": c.phones})).collect::<Vec<_>>(),
        "custom": custom,
    }))
}
