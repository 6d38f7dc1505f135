//! Offboarding (SPEC S6): an inventory of what a member holds, a dry run, and execution that
//! moves every record deliberately in one transaction together with the status change, keeps
//! the manifest, and can be undone for 30 days for every record nobody changed since.
//! Activities are never moved: they stay the leaver's, with their name.

use corral_domain::Actor;
use corral_domain::membership::MembershipStatus;
use corral_domain::offboarding::{Disposition, Move, RecordKind, check, may_undo, moves};
use corral_domain::team as rules;
use corral_domain::visibility::LeadScope;
use corral_store::model::OffboardingRow;
use corral_store::queries::leads;
use corral_store::queries::work;
use corral_store::queries::{auth, custom_fields, memberships, users};
use corral_store::{Tx, now};
use serde_json::{Value, json};

use crate::audit::{self, Change};
use crate::{Result, ServiceError, Services};

/// What the admin chose for each kind of record.
#[derive(Debug, Clone)]
pub struct Choices {
    pub leads: Disposition,
    pub opportunities: Disposition,
    pub tasks: Disposition,
    /// Team contacts they are responsible for.
    pub contacts: Disposition,
    /// Their personal phone numbers (unassigned numbers stay the workspace's).
    pub phone_numbers: Disposition,
}

impl Choices {
    /// Seed 003: removing someone unassigns what they held; deactivating leaves it.
    pub fn default_for(action: &str) -> Self {
        let d = if action == "remove" {
            Disposition::Unassign
        } else {
            Disposition::Leave
        };
        Self::all(d)
    }

    /// The same disposition for every kind of record.
    pub fn all(d: Disposition) -> Self {
        Self {
            leads: d.clone(),
            opportunities: d.clone(),
            tasks: d.clone(),
            contacts: d.clone(),
            phone_numbers: d,
        }
    }
}

/// One kind of record the member holds, with a few examples.
#[derive(Debug, Clone)]
pub struct Category {
    pub key: String,
    pub label: String,
    pub count: usize,
    pub sample: Vec<String>,
}

/// The dry run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub membership_id: String,
    pub user_id: String,
    pub categories: Vec<Category>,
    pub groups: Vec<String>,
    pub api_keys: usize,
    /// Smart Views they own: they stay, and go on working for whoever they are shared with.
    pub smart_views: usize,
    /// URLs of webhook subscriptions they created: they belong to the workspace and go on
    /// delivering (an administrator may pause or delete them).
    pub webhooks: Vec<String>,
    pub round_robin: bool,
    pub activities_stay: usize,
    pub moves: Vec<Move>,
}

/// What undo did.
#[derive(Debug, Clone)]
pub struct UndoReport {
    pub restored: usize,
    pub skipped: Vec<(String, String)>,
}

/// Records as (id, label) pairs.
type Named = Vec<(String, String)>;

/// What a member holds: per user field (id, name, leads), open opportunities, open tasks.
struct Holdings {
    lead_fields: Vec<(String, String, Named)>,
    opportunities: Vec<(String, String)>,
    tasks: Vec<(String, String)>,
    contacts: Named,
    phone_numbers: Named,
}

async fn holdings(tx: &mut Tx, workspace_id: &str, user_id: &str) -> Result<Holdings> {
    let mut lead_fields = Vec::new();
    for f in custom_fields::list(tx, workspace_id, "lead")
        .await?
        .into_iter()
        .filter(|f| f.field_type == "user")
    {
        let held = leads::holding(tx, workspace_id, &f.id, user_id).await?;
        lead_fields.push((f.id, f.name, held));
    }
    let opportunities = work::held_opportunities(tx, workspace_id, user_id).await?;
    let tasks = work::held_tasks(tx, workspace_id, user_id).await?;
    let contacts = corral_store::queries::sharing::assigned_to(tx, workspace_id, user_id)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let phone_numbers = corral_store::queries::phones::list(tx, workspace_id, Some(user_id))
        .await?
        .into_iter()
        .map(|p| (p.id, p.number))
        .collect();
    Ok(Holdings {
        lead_fields,
        opportunities,
        tasks,
        contacts,
        phone_numbers,
    })
}

fn plan_moves(h: &Holdings, leaver: &str, c: &Choices) -> Vec<Move> {
    let mut out = Vec::new();
    for (field, _, ls) in &h.lead_fields {
        let ids: Vec<String> = ls.iter().map(|(id, _)| id.clone()).collect();
        out.extend(moves(
            &RecordKind::LeadField(field.clone()),
            &ids,
            leaver,
            &c.leads,
        ));
    }
    let ids: Vec<String> = h.opportunities.iter().map(|(id, _)| id.clone()).collect();
    out.extend(moves(
        &RecordKind::Opportunity,
        &ids,
        leaver,
        &c.opportunities,
    ));
    let ids: Vec<String> = h.tasks.iter().map(|(id, _)| id.clone()).collect();
    out.extend(moves(&RecordKind::Task, &ids, leaver, &c.tasks));
    let ids: Vec<String> = h.contacts.iter().map(|(id, _)| id.clone()).collect();
    out.extend(moves(&RecordKind::Contact, &ids, leaver, &c.contacts));
    let ids: Vec<String> = h.phone_numbers.iter().map(|(id, _)| id.clone()).collect();
    out.extend(moves(
        &RecordKind::PhoneNumber,
        &ids,
        leaver,
        &c.phone_numbers,
    ));
    out
}

fn move_json(m: &Move) -> Value {
    let (kind, field) = match &m.kind {
        RecordKind::LeadField(f) => ("lead_field", Some(f.clone())),
        RecordKind::Opportunity => ("opportunity", None),
        RecordKind::Task => ("task", None),
        RecordKind::Contact => ("contact", None),
        RecordKind::PhoneNumber => ("phone_number", None),
    };
    json!({"kind": kind, "field_id": field, "record_id": m.record_id, "from": m.from, "to": m.to})
}

fn move_from_json(v: &Value) -> Option<Move> {
    let kind = match v["kind"].as_str()? {
        "lead_field" => RecordKind::LeadField(v["field_id"].as_str()?.to_string()),
        "opportunity" => RecordKind::Opportunity,
        "task" => RecordKind::Task,
        "contact" => RecordKind::Contact,
        "phone_number" => RecordKind::PhoneNumber,
        _ => return None,
    };
    Some(Move {
        kind,
        record_id: v["record_id"].as_str()?.into(),
        from: v["from"].as_str()?.into(),
        to: v["to"].as_str().map(str::to_string),
    })
}

async fn name(tx: &mut Tx, user_id: Option<&str>) -> Result<String> {
    Ok(match user_id {
        Some(u) => users::get(tx, u)
            .await?
            .map(|x| {
                format!("{} {}", x.first_name, x.last_name)
                    .trim()
                    .to_string()
            })
            .unwrap_or_default(),
        None => String::new(),
    })
}

/// Gives a record from `from` to `to` (None: nobody).
async fn hand_over(
    tx: &mut Tx,
    actor: &Actor,
    who: &str,
    kind: &RecordKind,
    record: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<()> {
    let t = now();
    match kind {
        RecordKind::LeadField(field) => {
            let mut vals: Vec<String> = leads::field_values(tx, &[record.to_string()])
                .await?
                .into_iter()
                .filter(|v| &v.field_id == field)
                .map(|v| v.value)
                .collect();
            vals.retain(|v| Some(v.as_str()) != from);
            if let Some(t) = to
                && !vals.iter().any(|v| v == t)
            {
                vals.push(t.to_string());
            }
            leads::set_field_values(tx, record, field, &vals).await?;
            leads::touch(tx, record, &actor.user_id, who, t).await?;
        }
        RecordKind::Opportunity => {
            let n = name(tx, to).await?;
            work::set_opportunity_owner(tx, record, to, &n, t).await?;
        }
        RecordKind::Task => {
            let n = name(tx, to).await?;
            work::set_task_assignee(tx, record, to, &n, t).await?;
        }
        RecordKind::Contact => {
            corral_store::queries::sharing::set_assignee(tx, record, to, t).await?;
        }
        RecordKind::PhoneNumber => {
            corral_store::queries::phones::set_user(tx, record, to, t).await?;
        }
    }
    Ok(())
}

/// Applies every move of a plan with set-based statements: one batch per kind of record
/// and receiver (team contacts and phone numbers, which are few, one by one).
async fn hand_over_all(
    tx: &mut Tx,
    actor: &Actor,
    who: &str,
    leaver: &str,
    planned: &[Move],
) -> Result<()> {
    let mut batches: Vec<(RecordKind, Option<String>, Vec<String>)> = Vec::new();
    for mv in planned {
        match batches
            .iter_mut()
            .find(|(k, to, _)| *k == mv.kind && *to == mv.to)
        {
            Some((_, _, ids)) => ids.push(mv.record_id.clone()),
            None => batches.push((mv.kind.clone(), mv.to.clone(), vec![mv.record_id.clone()])),
        }
    }
    let t = now();
    for (kind, to, ids) in &batches {
        match kind {
            RecordKind::LeadField(field) => {
                leads::move_field_holder(
                    tx,
                    &actor.workspace_id,
                    field,
                    ids,
                    leaver,
                    to.as_deref(),
                    &actor.user_id,
                    who,
                    t,
                )
                .await?;
            }
            RecordKind::Opportunity | RecordKind::Task => {
                let table = if *kind == RecordKind::Task {
                    work::WorkTable::Tasks
                } else {
                    work::WorkTable::Opportunities
                };
                let n = name(tx, to.as_deref()).await?;
                work::set_holder_many(tx, table, ids, to.as_deref(), &n, t).await?;
            }
            _ => {
                for id in ids {
                    hand_over(tx, actor, who, kind, id, Some(leaver), to.as_deref()).await?;
                }
            }
        }
    }
    Ok(())
}

/// Who holds a record now, for undo (for a lead field: `to` if still there, else anyone).
async fn holder(tx: &mut Tx, workspace_id: &str, m: &Move) -> Result<Option<Option<String>>> {
    Ok(match &m.kind {
        RecordKind::LeadField(field) => {
            if leads::get(tx, workspace_id, &m.record_id, &LeadScope::All)
                .await?
                .is_none()
            {
                return Ok(None);
            }
            let vals: Vec<String> = leads::field_values(tx, std::slice::from_ref(&m.record_id))
                .await?
                .into_iter()
                .filter(|v| &v.field_id == field)
                .map(|v| v.value)
                .collect();
            Some(match &m.to {
                Some(t) if vals.contains(t) => Some(t.clone()),
                _ => vals.into_iter().next(),
            })
        }
        RecordKind::Opportunity => work::opportunity_owner(tx, &m.record_id).await?,
        RecordKind::Task => work::task_assignee(tx, &m.record_id).await?,
        RecordKind::Contact => corral_store::queries::sharing::assignee(tx, &m.record_id).await?,
        RecordKind::PhoneNumber => corral_store::queries::phones::holder(tx, &m.record_id).await?,
    })
}

impl Services {
    /// Round robin over a group (`RoundRobin(["group_…"])`) means over its active members,
    /// the leaver left out, as they are at this moment.
    async fn resolve_groups(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        leaver: &str,
        c: &Choices,
    ) -> Result<Choices> {
        let mut out = c.clone();
        for (d, field) in [
            (&mut out.leads, "leads"),
            (&mut out.opportunities, "opportunities"),
            (&mut out.tasks, "tasks"),
            (&mut out.contacts, "contacts"),
            (&mut out.phone_numbers, "phone_numbers"),
        ] {
            let Disposition::RoundRobin(targets) = d else {
                continue;
            };
            let mut expanded = vec![];
            for t in targets.iter() {
                if !corral_domain::ids::Kind::Group.matches(t) {
                    expanded.push(t.clone());
                    continue;
                }
                corral_store::queries::groups::get(tx, &actor.workspace_id, t)
                    .await?
                    .ok_or_else(|| {
                        ServiceError::field(field, format!("There is no group '{t}'."))
                    })?;
                // The same pool round robin uses for a group, without the leaver; members
                // out of office are left out as the workspace's round-robin settings say
                // (being offline does not matter for a one-off hand-over).
                let settings = self.assignment_settings_in(tx, &actor.workspace_id).await?;
                let skip = crate::bulk::Skip {
                    offline: false,
                    out_of_office: settings.skip_out_of_office,
                };
                let mut active = self.pool_in(tx, &actor.workspace_id, Some(t), skip).await?;
                active.retain(|u| u != leaver);
                if active.is_empty() {
                    return Err(ServiceError::field(
                        field,
                        format!(
                            "The group '{t}' has no active member besides the leaver to share them between."
                        ),
                    ));
                }
                expanded.extend(active);
            }
            expanded.sort();
            expanded.dedup();
            *targets = expanded;
        }
        Ok(out)
    }

    async fn check_targets(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        leaver: &str,
        c: &Choices,
    ) -> Result<()> {
        for (d, field) in [
            (&c.leads, "leads"),
            (&c.opportunities, "opportunities"),
            (&c.tasks, "tasks"),
            (&c.contacts, "contacts"),
            (&c.phone_numbers, "phone_numbers"),
        ] {
            check(d, leaver, field)?;
            let targets: Vec<String> = match d {
                Disposition::Reassign(u) => vec![u.clone()],
                Disposition::RoundRobin(us) => us.clone(),
                _ => vec![],
            };
            for t in targets {
                crate::members::require_active_member(tx, &actor.workspace_id, &t, field).await?;
            }
        }
        Ok(())
    }

    /// The inventory of what a member holds and, for `choices`, the moves a run would make.
    pub async fn plan_offboarding(
        &self,
        actor: &Actor,
        membership_id: &str,
        choices: &Choices,
    ) -> Result<Plan> {
        rules::require_member_admin(actor)?;
        let mut tx = self.db().read().await?;
        let m = memberships::get_member(&mut tx, membership_id)
            .await?
            .filter(|m| m.membership.workspace_id == actor.workspace_id)
            .ok_or_else(|| ServiceError::not_found("Membership"))?;
        let uid = m.membership.user_id.clone();
        let choices = &self.resolve_groups(&mut tx, actor, &uid, choices).await?;
        self.check_targets(&mut tx, actor, &uid, choices).await?;
        let h = holdings(&mut tx, &actor.workspace_id, &uid).await?;
        let sample = |v: &Vec<(String, String)>| {
            v.iter().take(5).map(|(_, n)| n.clone()).collect::<Vec<_>>()
        };
        let mut categories: Vec<Category> = h
            .lead_fields
            .iter()
            .map(|(id, name, ls)| Category {
                key: format!("leads:{id}"),
                label: format!("Leads where {name} is them"),
                count: ls.len(),
                sample: sample(ls),
            })
            .collect();
        categories.push(Category {
            key: "opportunities".into(),
            label: "Open opportunities they own".into(),
            count: h.opportunities.len(),
            sample: sample(&h.opportunities),
        });
        categories.push(Category {
            key: "tasks".into(),
            label: "Open tasks assigned to them".into(),
            count: h.tasks.len(),
            sample: sample(&h.tasks),
        });
        categories.push(Category {
            key: "contacts".into(),
            label: "Team contacts they are responsible for".into(),
            count: h.contacts.len(),
            sample: sample(&h.contacts),
        });
        categories.push(Category {
            key: "phone_numbers".into(),
            label: "Their phone numbers".into(),
            count: h.phone_numbers.len(),
            sample: sample(&h.phone_numbers),
        });
        let group_names = memberships::group_names(&mut tx, &actor.workspace_id)
            .await?
            .into_iter()
            .filter(|(u, _)| *u == uid)
            .map(|(_, g)| g)
            .collect();
        let api_keys = auth::list_api_keys(&mut tx, membership_id)
            .await?
            .iter()
            .filter(|k| k.revoked_at.is_none())
            .count();
        let smart_views =
            corral_store::queries::saved_searches::count_owned(&mut tx, &actor.workspace_id, &uid)
                .await? as usize;
        let webhooks = corral_store::queries::webhooks::list(&mut tx, &actor.workspace_id)
            .await?
            .into_iter()
            .filter(|w| w.created_by == uid)
            .map(|w| w.url)
            .collect();
        let activities_stay =
            work::count_activities_by(&mut tx, &actor.workspace_id, &uid).await? as usize;
        Ok(Plan {
            membership_id: membership_id.to_string(),
            user_id: uid.clone(),
            categories,
            groups: group_names,
            api_keys,
            smart_views,
            webhooks,
            round_robin: m.membership.round_robin,
            activities_stay,
            moves: plan_moves(&h, &uid, choices),
        })
    }

    /// Deactivates or removes a member and moves what they hold, all in one transaction: if
    /// anything fails (or the process dies) nothing has changed.
    pub async fn offboard(
        &self,
        actor: &Actor,
        membership_id: &str,
        action: &str,
        choices: &Choices,
    ) -> Result<OffboardingRow> {
        let to = match action {
            "deactivate" => MembershipStatus::Deactivated,
            "remove" => MembershipStatus::Removed,
            other => {
                return Err(ServiceError::field(
                    "action",
                    format!(
                        "'{other}' is not an offboarding action: use 'deactivate' or 'remove'."
                    ),
                ));
            }
        };
        let mut tx = self.db().write().await?;
        let row = self
            .offboard_in(&mut tx, actor, membership_id, to, choices)
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// [`Services::offboard`] inside the caller's transaction (SCIM deactivation runs it
    /// together with the rest of the provider's change).
    pub(crate) async fn offboard_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        membership_id: &str,
        to: MembershipStatus,
        choices: &Choices,
    ) -> Result<OffboardingRow> {
        let action = if to == MembershipStatus::Removed {
            "remove"
        } else {
            "deactivate"
        };
        let m = self.change_status_in(tx, actor, membership_id, to).await?;
        let choices = &self.resolve_groups(tx, actor, &m.user_id, choices).await?;
        self.check_targets(tx, actor, &m.user_id, choices).await?;
        let h = holdings(tx, &actor.workspace_id, &m.user_id).await?;
        let planned = plan_moves(&h, &m.user_id, choices);
        let who = name(tx, Some(&actor.user_id)).await?;
        hand_over_all(tx, actor, &who, &m.user_id, &planned).await?;
        let manifest: Vec<Value> = planned.iter().map(move_json).collect();
        let row = OffboardingRow {
            id: format!("offb_{}", corral_domain::ids::random_base62(22)),
            workspace_id: actor.workspace_id.clone(),
            membership_id: membership_id.to_string(),
            user_id: m.user_id.clone(),
            actor_user_id: actor.user_id.clone(),
            action: action.to_string(),
            manifest: Value::Array(manifest.clone()).to_string(),
            date_created: now(),
            undone_at: None,
        };
        work::insert_offboarding(tx, &row).await?;
        audit::record(
            tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            Change { object_type: "offboarding", object_id: &row.id, action: "created", before: json!({}), after: json!({"membership_id": membership_id, "action": action, "manifest": manifest}) },
        )
        .await?;
        Ok(row)
    }

    /// The workspace's offboardings, newest first (for the history with Undo).
    pub async fn list_offboardings(&self, actor: &Actor) -> Result<Vec<OffboardingRow>> {
        rules::require_member_admin(actor)?;
        let mut tx = self.db().read().await?;
        Ok(work::list_offboardings(&mut tx, &actor.workspace_id, 100).await?)
    }

    /// Puts back, within 30 days, every record an offboarding moved that nobody changed since,
    /// and says which it skipped and why.
    pub async fn undo_offboarding(&self, actor: &Actor, id: &str) -> Result<UndoReport> {
        rules::require_member_admin(actor)?;
        let mut tx = self.db().write().await?;
        let row = work::get_offboarding(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Offboarding"))?;
        if row.undone_at.is_some() {
            return Err(ServiceError::Conflict(
                "This offboarding was already undone.".into(),
            ));
        }
        if now() - row.date_created > chrono::Duration::days(30) {
            return Err(ServiceError::Conflict(
                "Offboardings can be undone for 30 days; this one is older.".into(),
            ));
        }
        let moves: Vec<Move> = serde_json::from_str::<Vec<Value>>(&row.manifest)
            .unwrap_or_default()
            .iter()
            .filter_map(move_from_json)
            .collect();
        let who = name(&mut tx, Some(&actor.user_id)).await?;
        let mut report = UndoReport {
            restored: 0,
            skipped: vec![],
        };
        for mv in &moves {
            let Some(current) = holder(&mut tx, &actor.workspace_id, mv).await? else {
                report
                    .skipped
                    .push((mv.record_id.clone(), "the record no longer exists".into()));
                continue;
            };
            match may_undo(mv, current.as_deref()) {
                Ok(()) => {
                    hand_over(
                        &mut tx,
                        actor,
                        &who,
                        &mv.kind,
                        &mv.record_id,
                        mv.to.as_deref(),
                        Some(&mv.from),
                    )
                    .await?;
                    report.restored += 1;
                }
                Err(why) => report.skipped.push((mv.record_id.clone(), why)),
            }
        }
        work::mark_offboarding_undone(&mut tx, id, now()).await?;
        audit::record(
            &mut tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            Change {
                object_type: "offboarding",
                object_id: id,
                action: "undone",
                before: json!({}),
                after: json!({"restored": report.restored, "skipped": report.skipped.len()}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }
}
