//! Phone numbers and call forwarding (SPEC S6): personal and group numbers, reassigning,
//! converting to a group number, releasing, each member's forwarding, and inbound routing
//! ("who rings for a call to this number now"), decided by `corral_domain::phones`.

use std::collections::HashMap;

use corral_domain::phones::{self as rules, Forwarding, Owner, Person, Routing, Target, When};
use corral_domain::{Actor, Phone};
use corral_store::model::{ForwardingRow, PhoneNumberRow};
use corral_store::queries::memberships::{self, MemberFilter};
use corral_store::queries::{groups, phones as q};
use corral_store::{StoreError, Tx, now};
use serde_json::{Value, json};

use crate::audit::{self, Change};
use crate::setup::clean_name;
use crate::{Result, ServiceError, Services};

/// Who a number goes to.
#[derive(Debug, Clone, PartialEq)]
pub enum Holder {
    Member(String),
    Group(String),
    Nobody,
}

/// A routing answer with names.
#[derive(Debug, Clone)]
pub struct RouteAnswer {
    pub number: String,
    pub phone_number_id: Option<String>,
    pub routing: Routing,
    pub names: HashMap<String, String>,
}

fn snapshot(p: &PhoneNumberRow) -> Value {
    json!({"number": p.number, "label": p.label, "is_group_number": p.is_group_number, "user_id": p.user_id, "group_id": p.group_id})
}

fn require_admin(actor: &Actor) -> Result<()> {
    if actor.may_manage_members() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "You need the 'manage_users' permission to manage phone numbers.".into(),
        ))
    }
}

impl Services {
    async fn audit_phone(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: &str,
        action: &str,
        before: Value,
        after: Value,
    ) -> Result<()> {
        audit::record(
            tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            Change {
                object_type: "phone_number",
                object_id: id,
                action,
                before,
                after,
            },
        )
        .await
    }

    async fn check_holder(&self, tx: &mut Tx, actor: &Actor, h: &Holder) -> Result<()> {
        match h {
            Holder::Member(u) => {
                crate::members::require_active_member(tx, &actor.workspace_id, u, "user_id").await
            }
            Holder::Group(g) => groups::get(tx, &actor.workspace_id, g)
                .await?
                .map(|_| ())
                .ok_or_else(|| {
                    ServiceError::field("group_id", format!("There is no group '{g}'."))
                }),
            Holder::Nobody => Ok(()),
        }
    }

    /// The workspace's numbers; everyone may see them (they are dialled, after all).
    pub async fn list_phone_numbers(
        &self,
        actor: &Actor,
        user_id: Option<&str>,
    ) -> Result<Vec<PhoneNumberRow>> {
        let mut tx = self.db().read().await?;
        Ok(q::list(&mut tx, &actor.workspace_id, user_id).await?)
    }

    pub async fn get_phone_number(&self, actor: &Actor, id: &str) -> Result<PhoneNumberRow> {
        let mut tx = self.db().read().await?;
        q::get(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Phone number"))
    }

    /// Adds a number, personal (a member's) or group (a group's).
    pub async fn create_phone_number(
        &self,
        actor: &Actor,
        number: &str,
        label: &str,
        holder: Holder,
    ) -> Result<PhoneNumberRow> {
        require_admin(actor)?;
        let number = Phone::parse(number)
            .map_err(|_| {
                ServiceError::field("number", format!("'{number}' is not a phone number."))
            })?
            .to_string();
        let label = clean_name("label", label, 100, false)?;
        let mut tx = self.db().write().await?;
        self.check_holder(&mut tx, actor, &holder).await?;
        let t = now();
        let p = PhoneNumberRow {
            id: format!("phon_{}", corral_domain::ids::random_base62(22)),
            workspace_id: actor.workspace_id.clone(),
            number: number.clone(),
            label,
            is_group_number: matches!(holder, Holder::Group(_)),
            user_id: match &holder {
                Holder::Member(u) => Some(u.clone()),
                _ => None,
            },
            group_id: match &holder {
                Holder::Group(g) => Some(g.clone()),
                _ => None,
            },
            date_created: t,
            date_updated: t,
        };
        q::insert(&mut tx, &p).await.map_err(|e| match e {
            StoreError::Conflict(_) => ServiceError::field(
                "number",
                format!("{number} is already a number of this workspace."),
            ),
            other => other.into(),
        })?;
        self.audit_phone(&mut tx, actor, &p.id, "created", json!({}), snapshot(&p))
            .await?;
        tx.commit().await?;
        Ok(p)
    }

    /// Reassigns a number to a member, converts it to a group number, or leaves it with
    /// nobody; and/or relabels it.
    pub async fn update_phone_number(
        &self,
        actor: &Actor,
        id: &str,
        label: Option<&str>,
        holder: Option<Holder>,
    ) -> Result<PhoneNumberRow> {
        require_admin(actor)?;
        let mut tx = self.db().write().await?;
        let mut p = q::get(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Phone number"))?;
        let before = snapshot(&p);
        if let Some(l) = label {
            p.label = clean_name("label", l, 100, false)?;
        }
        if let Some(h) = holder {
            self.check_holder(&mut tx, actor, &h).await?;
            p.is_group_number = matches!(h, Holder::Group(_));
            p.user_id = match &h {
                Holder::Member(u) => Some(u.clone()),
                _ => None,
            };
            p.group_id = match &h {
                Holder::Group(g) => Some(g.clone()),
                _ => None,
            };
        }
        p.date_updated = now();
        q::update(&mut tx, &p).await?;
        self.audit_phone(&mut tx, actor, &p.id, "updated", before, snapshot(&p))
            .await?;
        tx.commit().await?;
        Ok(p)
    }

    /// Releases a number: the workspace no longer has it.
    pub async fn release_phone_number(&self, actor: &Actor, id: &str) -> Result<()> {
        require_admin(actor)?;
        let mut tx = self.db().write().await?;
        let p = q::get(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Phone number"))?;
        q::delete(&mut tx, id).await?;
        self.audit_phone(&mut tx, actor, id, "deleted", snapshot(&p), json!({}))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A member's forwarding (None: calls are not forwarded).
    pub async fn call_forwarding(
        &self,
        actor: &Actor,
        user_id: &str,
    ) -> Result<Option<ForwardingRow>> {
        if user_id != actor.user_id {
            require_admin(actor)?;
        }
        let mut tx = self.db().read().await?;
        require_member_here(&mut tx, &actor.workspace_id, user_id).await?;
        Ok(q::forwarding(&mut tx, &actor.workspace_id)
            .await?
            .into_iter()
            .find(|f| f.user_id == user_id))
    }

    /// Sets (or with None clears) a member's forwarding: their own, or anyone's for those
    /// who manage members.
    pub async fn set_call_forwarding(
        &self,
        actor: &Actor,
        user_id: &str,
        f: Option<Forwarding>,
    ) -> Result<Option<ForwardingRow>> {
        if user_id != actor.user_id {
            require_admin(actor)?;
        }
        let mut tx = self.db().write().await?;
        require_member_here(&mut tx, &actor.workspace_id, user_id).await?;
        let row = match f {
            None => {
                q::delete_forwarding(&mut tx, &actor.workspace_id, user_id).await?;
                None
            }
            Some(f) => {
                let (target_user_id, target_number) = match f.target {
                    Target::Member(u) => {
                        if u == user_id {
                            return Err(ServiceError::field(
                                "forward_to_user_id",
                                "Calls cannot be forwarded to the same member.",
                            ));
                        }
                        crate::members::require_active_member(
                            &mut tx,
                            &actor.workspace_id,
                            &u,
                            "forward_to_user_id",
                        )
                        .await?;
                        (Some(u), None)
                    }
                    Target::External(n) => {
                        let n = Phone::parse(&n)
                            .map_err(|_| {
                                ServiceError::field(
                                    "forward_to_number",
                                    format!("'{n}' is not a phone number."),
                                )
                            })?
                            .to_string();
                        (None, Some(n))
                    }
                };
                let row = ForwardingRow {
                    workspace_id: actor.workspace_id.clone(),
                    user_id: user_id.to_string(),
                    when_to: f.when.as_str().to_string(),
                    target_user_id,
                    target_number,
                    date_updated: now(),
                };
                q::put_forwarding(&mut tx, &row).await?;
                Some(row)
            }
        };
        audit::record(
            &mut tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            Change {
                object_type: "call_forwarding",
                object_id: user_id,
                action: "updated",
                before: json!({}),
                after: json!({"when": row.as_ref().map(|r| r.when_to.clone()), "to_user": row.as_ref().and_then(|r| r.target_user_id.clone()), "to_number": row.as_ref().and_then(|r| r.target_number.clone())}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Who rings for a call to `number` now.
    pub async fn route_call(&self, actor: &Actor, number: &str) -> Result<RouteAnswer> {
        let parsed = Phone::parse(number)
            .map_err(|_| {
                ServiceError::field("number", format!("'{number}' is not a phone number."))
            })?
            .to_string();
        let mut tx = self.db().read().await?;
        let ws = &actor.workspace_id;
        let p = q::by_number(&mut tx, ws, &parsed).await?;
        let members = memberships::search_members(&mut tx, ws, &MemberFilter::default()).await?;
        let forwarding = q::forwarding(&mut tx, ws).await?;
        let online = self.presence().online(ws);
        let mut people = HashMap::new();
        let mut names = HashMap::new();
        for m in &members {
            let uid = m.membership.user_id.clone();
            let name = format!("{} {}", m.user_first_name, m.user_last_name)
                .trim()
                .to_string();
            names.insert(uid.clone(), name.clone());
            let fwd = forwarding.iter().find(|f| f.user_id == uid).and_then(|f| {
                let when = When::parse(&f.when_to).ok()?;
                let target = match (&f.target_user_id, &f.target_number) {
                    (Some(u), _) => Target::Member(u.clone()),
                    (None, Some(n)) => Target::External(n.clone()),
                    _ => return None,
                };
                Some(Forwarding { when, target })
            });
            people.insert(
                uid.clone(),
                Person {
                    name,
                    active: m.membership.status == "active",
                    available: online.contains(&uid),
                    forwarding: fwd,
                },
            );
        }
        let owner = match &p {
            None => Owner::Nobody,
            Some(p) => match (&p.user_id, &p.group_id) {
                (Some(u), _) => Owner::Member(u.clone()),
                (None, Some(g)) => Owner::Group(groups::member_ids(&mut tx, g).await?),
                _ => Owner::Nobody,
            },
        };
        let mut routing = rules::route(&owner, &people);
        if p.is_none() {
            routing.reasons = vec![format!("{parsed} is not a number of this workspace.")];
        }
        Ok(RouteAnswer {
            number: parsed,
            phone_number_id: p.map(|p| p.id),
            routing,
            names,
        })
    }
}

/// A member of the workspace (active or deactivated): anyone else is "not found".
async fn require_member_here(tx: &mut Tx, workspace_id: &str, user_id: &str) -> Result<()> {
    if memberships::find(tx, workspace_id, user_id)
        .await?
        .is_none_or(|m| m.status == "removed")
    {
        return Err(ServiceError::not_found("Member"));
    }
    Ok(())
}
