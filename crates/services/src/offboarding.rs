//! Offboarding (SPEC S6): an inventory of what a member holds, a dry run, and execution that
//! moves every record deliberately in one transaction together with the status change, keeps
//! the manifest, and can be undone for 30 days for every record nobody changed since.
//! Activities are never moved: they stay the leaver's, with their name.
//!
//! The dry run counts and samples (it never lists a large book); execution reads the ids it
//! moves from the indexes alone and moves them a batch per receiver. The manifest is kept
//! grouped the same way: (kind, from, to, record ids).

use corral_domain::Actor;
use corral_domain::membership::MembershipStatus;
use corral_domain::offboarding::{
    Disposition, Handover, RecordKind, check, field_holder, handovers, may_undo, receivers,
};
use corral_domain::team as rules;
use corral_store::model::OffboardingRow;
use corral_store::queries::leads;
use corral_store::queries::work::{self, WorkTable};
use corral_store::queries::{auth, custom_fields, memberships, users};
use corral_store::{Tx, now};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

use crate::audit::{self, Change};
use crate::{Result, ServiceError, Services};

/// How many records of each category the dry run names.
const SAMPLE: usize = 5;

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
    /// How many records a run would move.
    pub moves: usize,
    /// Who would receive how many (None: nobody, i.e. unassigned), in first-seen order.
    pub receivers: Vec<(Option<String>, usize)>,
}

/// An offboarding with its manifest.
#[derive(Debug, Clone)]
pub struct Offboarding {
    pub row: OffboardingRow,
    pub manifest: Vec<Handover>,
}

/// What undo did.
#[derive(Debug, Clone)]
pub struct UndoReport {
    pub restored: usize,
    pub skipped: Vec<(String, String)>,
}

/// (id, name) of the workspace's user-type lead fields.
async fn user_fields(tx: &mut Tx, workspace_id: &str) -> Result<Vec<(String, String)>> {
    Ok(custom_fields::list(tx, workspace_id, "lead")
        .await?
        .into_iter()
        .filter(|f| f.field_type == "user")
        .map(|f| (f.id, f.name))
        .collect())
}

/// (id, label) of the team contacts a member is responsible for and of their phone numbers:
/// few, so read whole.
async fn small_holdings(
    tx: &mut Tx,
    workspace_id: &str,
    user_id: &str,
) -> Result<(Vec<(String, String)>, Vec<(String, String)>)> {
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
    Ok((contacts, phone_numbers))
}

/// The ids of the records of one kind a member holds, for dealing them out.
async fn held_ids(
    tx: &mut Tx,
    workspace_id: &str,
    kind: &RecordKind,
    user_id: &str,
) -> Result<Vec<String>> {
    Ok(match kind {
        RecordKind::LeadField(field) => {
            leads::holding_ids(tx, workspace_id, field, user_id).await?
        }
        RecordKind::Opportunity => {
            work::held_ids(tx, WorkTable::Opportunities, workspace_id, user_id).await?
        }
        RecordKind::Task => work::held_ids(tx, WorkTable::Tasks, workspace_id, user_id).await?,
        RecordKind::Contact | RecordKind::PhoneNumber => {
            let (contacts, phone_numbers) = small_holdings(tx, workspace_id, user_id).await?;
            let held = if *kind == RecordKind::Contact {
                contacts
            } else {
                phone_numbers
            };
            held.into_iter().map(|(id, _)| id).collect()
        }
    })
}

fn work_table(kind: &RecordKind) -> Option<WorkTable> {
    match kind {
        RecordKind::Opportunity => Some(WorkTable::Opportunities),
        RecordKind::Task => Some(WorkTable::Tasks),
        _ => None,
    }
}

fn kind_json(kind: &RecordKind) -> (&'static str, Option<String>) {
    match kind {
        RecordKind::LeadField(f) => ("lead_field", Some(f.clone())),
        RecordKind::Opportunity => ("opportunity", None),
        RecordKind::Task => ("task", None),
        RecordKind::Contact => ("contact", None),
        RecordKind::PhoneNumber => ("phone_number", None),
    }
}

/// One entry of the manifest: records of one kind that went from `from` to `to`.
pub fn handover_json(h: &Handover) -> Value {
    let (kind, field) = kind_json(&h.kind);
    json!({"kind": kind, "field_id": field, "from": h.from, "to": h.to, "record_ids": h.record_ids})
}

/// Reads a manifest entry back: a group (`record_ids`) or, as offboardings before grouping
/// kept them, a single move (`record_id`).
fn handover_from_json(v: &Value) -> Option<Handover> {
    let kind = match v["kind"].as_str()? {
        "lead_field" => RecordKind::LeadField(v["field_id"].as_str()?.to_string()),
        "opportunity" => RecordKind::Opportunity,
        "task" => RecordKind::Task,
        "contact" => RecordKind::Contact,
        "phone_number" => RecordKind::PhoneNumber,
        _ => return None,
    };
    let record_ids = match (v.get("record_ids"), v["record_id"].as_str()) {
        (Some(Value::Array(ids)), _) => ids
            .iter()
            .map(|x| x.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()?,
        (None, Some(one)) => vec![one.to_string()],
        _ => return None,
    };
    Some(Handover {
        kind,
        from: v["from"].as_str()?.into(),
        to: v["to"].as_str().map(str::to_string),
        record_ids,
    })
}

fn manifest_from_text(text: &str) -> Vec<Handover> {
    serde_json::from_str::<Vec<Value>>(text)
        .unwrap_or_default()
        .iter()
        .filter_map(handover_from_json)
        .collect()
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

/// Moves `ids` of one kind from `from` (None: they have no holder) to `to` (None: nobody) in
/// batches; team contacts and phone numbers, which are few, one by one. Running a hand-over
/// and giving it back on undo are both this. A lead field is a set of members: a lead that
/// held `to` already only loses `from` (those are returned), and giving a value back adds it
/// beside the others.
#[allow(clippy::too_many_arguments)]
async fn apply(
    tx: &mut Tx,
    actor: &Actor,
    who: &str,
    kind: &RecordKind,
    from: Option<&str>,
    to: Option<&str>,
    ids: &[String],
) -> Result<Vec<String>> {
    let ws = &actor.workspace_id;
    let t = now();
    match (kind, work_table(kind)) {
        (RecordKind::LeadField(field), _) => {
            return match (from, to) {
                (Some(from), to) => Ok(leads::move_field_holder(
                    tx,
                    ws,
                    field,
                    ids,
                    from,
                    to,
                    &actor.user_id,
                    who,
                    t,
                )
                .await?),
                (None, Some(to)) => {
                    leads::add_field_value_many(tx, ws, field, ids, to, &actor.user_id, who, t)
                        .await?;
                    Ok(vec![])
                }
                (None, None) => Ok(vec![]),
            };
        }
        (_, Some(table)) => {
            let n = name(tx, to).await?;
            work::set_holder_many(tx, table, ids, to, &n, t).await?;
        }
        (RecordKind::Contact, None) => {
            for id in ids {
                corral_store::queries::sharing::set_assignee(tx, id, to, t).await?;
            }
        }
        (_, None) => {
            for id in ids {
                corral_store::queries::phones::set_user(tx, id, to, t).await?;
            }
        }
    }
    Ok(vec![])
}

/// Hands over everything of one kind the leaver holds as `d` says, and returns the manifest's
/// entries for it. Everything to one receiver (or to nobody) moves by predicate, one
/// statement walking the leaver's index entries and returning exactly what changed hands;
/// round robin reads the ids, deals them out and moves a batch per receiver. Team contacts and
/// phone numbers, which are few, move one by one.
async fn hand_over_kind(
    tx: &mut Tx,
    actor: &Actor,
    who: &str,
    kind: RecordKind,
    leaver: &str,
    d: &Disposition,
) -> Result<Vec<Handover>> {
    let ws = &actor.workspace_id;
    let t = now();
    let whole = match d {
        Disposition::Leave => return Ok(vec![]),
        Disposition::Unassign => Some(None),
        Disposition::Reassign(u) => Some(Some(u.as_str())),
        Disposition::RoundRobin(_) => None,
    };
    let group = |to: Option<&str>, record_ids: Vec<String>| Handover {
        kind: kind.clone(),
        from: leaver.to_string(),
        to: to.map(str::to_string),
        record_ids,
    };
    if let Some(to) = whole {
        let moved = match (&kind, work_table(&kind)) {
            (RecordKind::LeadField(field), _) => {
                // Leads that held the receiver already only lose the leaver: their entry says
                // so (to nobody), and undo gives the leaver back beside the receiver.
                let (received, lost) =
                    leads::hand_over_field(tx, ws, field, leaver, to, &actor.user_id, who, t)
                        .await?;
                Some(vec![group(to, received), group(None, lost)])
            }
            (_, Some(table)) => {
                let n = name(tx, to).await?;
                let ids = work::hand_over_held(tx, table, ws, leaver, to, &n, t).await?;
                Some(vec![group(to, ids)])
            }
            _ => None,
        };
        if let Some(groups) = moved {
            return Ok(groups
                .into_iter()
                .filter(|h| !h.record_ids.is_empty())
                .collect());
        }
    }
    let ids = held_ids(tx, ws, &kind, leaver).await?;
    let mut out = Vec::new();
    let mut lost = Vec::new();
    for mut h in handovers(&kind, ids, leaver, d) {
        let kept = apply(
            tx,
            actor,
            who,
            &h.kind,
            Some(&h.from),
            h.to.as_deref(),
            &h.record_ids,
        )
        .await?;
        if !kept.is_empty() {
            let kept: HashSet<&String> = kept.iter().collect();
            h.record_ids.retain(|id| !kept.contains(id));
            lost.extend(kept.into_iter().cloned());
        }
        if !h.record_ids.is_empty() {
            out.push(h);
        }
    }
    if !lost.is_empty() {
        out.push(group(None, lost));
    }
    Ok(out)
}

/// Who holds each record of a hand-over now, for undo (absent: the record no longer exists;
/// for a lead field, as [`field_holder`] reads it). Read in batches.
async fn current_holders(
    tx: &mut Tx,
    workspace_id: &str,
    h: &Handover,
) -> Result<HashMap<String, Option<String>>> {
    let mut out = HashMap::new();
    let several = match &h.kind {
        RecordKind::LeadField(field) if h.to.is_none() => {
            custom_fields::get(tx, workspace_id, field)
                .await?
                .is_some_and(|f| f.accepts_multiple_values)
        }
        _ => false,
    };
    for chunk in h.record_ids.chunks(leads::BATCH) {
        match (&h.kind, work_table(&h.kind)) {
            (RecordKind::LeadField(field), _) => {
                let mut vals: HashMap<String, Vec<String>> = HashMap::new();
                for v in leads::field_values(tx, chunk).await? {
                    if &v.field_id == field {
                        vals.entry(v.lead_id).or_default().push(v.value);
                    }
                }
                for id in leads::existing_ids(tx, workspace_id, chunk).await? {
                    let held = vals.remove(&id).unwrap_or_default();
                    let now = field_holder(held, &h.from, h.to.as_deref(), several);
                    out.insert(id, now);
                }
            }
            (_, Some(table)) => out.extend(work::holders(tx, table, workspace_id, chunk).await?),
            (kind, None) => {
                for id in chunk {
                    let now = if *kind == RecordKind::Contact {
                        corral_store::queries::sharing::assignee(tx, id).await?
                    } else {
                        corral_store::queries::phones::holder(tx, id).await?
                    };
                    if let Some(now) = now {
                        out.insert(id.clone(), now);
                    }
                }
            }
        }
    }
    Ok(out)
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
        // Counts and a few names per category: the dry run never lists a large book.
        let ws = &actor.workspace_id;
        let mut categories: Vec<(Category, &Disposition)> = Vec::new();
        let category = |key: &str, label: &str, (n, sample): (i64, Vec<String>)| Category {
            key: key.to_string(),
            label: label.to_string(),
            count: n.max(0) as usize,
            sample,
        };
        for (id, field_name) in user_fields(&mut tx, ws).await? {
            let held = leads::holding_summary(&mut tx, ws, &id, &uid, SAMPLE as i64).await?;
            categories.push((
                category(
                    &format!("leads:{id}"),
                    &format!("Leads where {field_name} is them"),
                    held,
                ),
                &choices.leads,
            ));
        }
        for (table, key, label, d) in [
            (
                WorkTable::Opportunities,
                "opportunities",
                "Open opportunities they own",
                &choices.opportunities,
            ),
            (
                WorkTable::Tasks,
                "tasks",
                "Open tasks assigned to them",
                &choices.tasks,
            ),
        ] {
            let held = work::held_summary(&mut tx, table, ws, &uid, SAMPLE as i64).await?;
            categories.push((category(key, label, held), d));
        }
        let (contacts, phone_numbers) = small_holdings(&mut tx, ws, &uid).await?;
        for (key, label, held, d) in [
            (
                "contacts",
                "Team contacts they are responsible for",
                contacts,
                &choices.contacts,
            ),
            (
                "phone_numbers",
                "Their phone numbers",
                phone_numbers,
                &choices.phone_numbers,
            ),
        ] {
            let n = held.len() as i64;
            let sample = held.into_iter().take(SAMPLE).map(|(_, l)| l).collect();
            categories.push((category(key, label, (n, sample)), d));
        }
        let mut to_whom: Vec<(Option<String>, usize)> = Vec::new();
        for (c, d) in &categories {
            for (to, n) in receivers(c.count, d) {
                match to_whom.iter_mut().find(|(t, _)| *t == to) {
                    Some((_, k)) => *k += n,
                    None => to_whom.push((to, n)),
                }
            }
        }
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
            categories: categories.into_iter().map(|(c, _)| c).collect(),
            groups: group_names,
            api_keys,
            smart_views,
            webhooks,
            round_robin: m.membership.round_robin,
            activities_stay,
            moves: to_whom.iter().map(|(_, n)| n).sum(),
            receivers: to_whom,
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
    ) -> Result<Offboarding> {
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
    ) -> Result<Offboarding> {
        let action = if to == MembershipStatus::Removed {
            "remove"
        } else {
            "deactivate"
        };
        let m = self.change_status_in(tx, actor, membership_id, to).await?;
        // Handing over a whole book is a large write, whichever way the offboarding came in.
        self.db().make_bulk(tx).await?;
        let choices = &self.resolve_groups(tx, actor, &m.user_id, choices).await?;
        self.check_targets(tx, actor, &m.user_id, choices).await?;
        let who = name(tx, Some(&actor.user_id)).await?;
        let mut planned = Vec::new();
        let mut kinds: Vec<(RecordKind, &Disposition)> = user_fields(tx, &actor.workspace_id)
            .await?
            .into_iter()
            .map(|(field, _)| (RecordKind::LeadField(field), &choices.leads))
            .collect();
        kinds.extend([
            (RecordKind::Opportunity, &choices.opportunities),
            (RecordKind::Task, &choices.tasks),
            (RecordKind::Contact, &choices.contacts),
            (RecordKind::PhoneNumber, &choices.phone_numbers),
        ]);
        for (kind, d) in kinds {
            planned.extend(hand_over_kind(tx, actor, &who, kind, &m.user_id, d).await?);
        }
        let manifest = Value::Array(planned.iter().map(handover_json).collect());
        let moved: usize = planned.iter().map(|h| h.record_ids.len()).sum();
        let row = OffboardingRow {
            id: format!("offb_{}", corral_domain::ids::random_base62(22)),
            workspace_id: actor.workspace_id.clone(),
            membership_id: membership_id.to_string(),
            user_id: m.user_id.clone(),
            actor_user_id: actor.user_id.clone(),
            action: action.to_string(),
            moved: moved as i64,
            date_created: now(),
            undone_at: None,
        };
        work::insert_offboarding(tx, &row, &manifest.to_string()).await?;
        audit::record(
            tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            Change { object_type: "offboarding", object_id: &row.id, action: "created", before: json!({}), after: json!({"membership_id": membership_id, "action": action, "moved": moved, "manifest": manifest}) },
        )
        .await?;
        Ok(Offboarding {
            row,
            manifest: planned,
        })
    }

    /// The workspace's offboardings, newest first (for the history with Undo).
    /// The 100 newest, and whether there are older ones.
    pub async fn list_offboardings(&self, actor: &Actor) -> Result<(Vec<OffboardingRow>, bool)> {
        const SHOWN: usize = 100;
        rules::require_member_admin(actor)?;
        let mut tx = self.db().read().await?;
        let mut rows =
            work::list_offboardings(&mut tx, &actor.workspace_id, SHOWN as i64 + 1).await?;
        let more = rows.len() > SHOWN;
        rows.truncate(SHOWN);
        Ok((rows, more))
    }

    /// One offboarding with its manifest.
    pub async fn get_offboarding(&self, actor: &Actor, id: &str) -> Result<Offboarding> {
        rules::require_member_admin(actor)?;
        let mut tx = self.db().read().await?;
        let row = work::get_offboarding(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Offboarding"))?;
        let text = work::offboarding_manifest(&mut tx, &actor.workspace_id, id)
            .await?
            .unwrap_or_default();
        Ok(Offboarding {
            row,
            manifest: manifest_from_text(&text),
        })
    }

    /// Puts back, within 30 days, every record an offboarding moved that nobody changed since,
    /// and says which it skipped and why.
    pub async fn undo_offboarding(&self, actor: &Actor, id: &str) -> Result<UndoReport> {
        rules::require_member_admin(actor)?;
        let mut tx = self.db().write_bulk().await?;
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
        let text = work::offboarding_manifest(&mut tx, &actor.workspace_id, id)
            .await?
            .unwrap_or_default();
        let who = name(&mut tx, Some(&actor.user_id)).await?;
        let mut report = UndoReport {
            restored: 0,
            skipped: vec![],
        };
        for h in manifest_from_text(&text) {
            let now_held = current_holders(&mut tx, &actor.workspace_id, &h).await?;
            let mut back = Vec::new();
            for mv in h.moves() {
                let Some(current) = now_held.get(&mv.record_id) else {
                    report
                        .skipped
                        .push((mv.record_id, "the record no longer exists".into()));
                    continue;
                };
                match may_undo(&mv, current.as_deref()) {
                    Ok(()) => back.push(mv.record_id),
                    Err(why) => report.skipped.push((mv.record_id, why)),
                }
            }
            // Back to whom the hand-over took them from (they are all still with its receiver).
            apply(
                &mut tx,
                actor,
                &who,
                &h.kind,
                h.to.as_deref(),
                Some(&h.from),
                &back,
            )
            .await?;
            report.restored += back.len();
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
