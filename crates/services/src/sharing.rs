//! Sharing contacts with the team (SPEC S5, seed 001): personal address books only their
//! owners read, team contacts everyone in the workspace sees, "send to team" snapshots and
//! "assign" live copies, the workspace's auto-share rules, three-way sync with conflicts the
//! owner resolves, bulk actions and the team board. The rules are the domain's
//! (`corral_domain::sharing`); every share, send, assign, unshare and resolution is audited.

use corral_domain::membership::Restriction;
use corral_domain::sharing::{
    self as rules, Conflict, Facts, Fields, Resolution, SHARED_FIELDS, SegmentKind, ShareRules,
};
use corral_domain::{Actor, Email, Permission, Phone};
use corral_store::model::{PersonalContactRow, SharingSettingsRow, TeamContactRow};
use corral_store::queries::memberships::{self, MemberFilter};
use corral_store::queries::sharing as q;
use corral_store::{Tx, now};
use serde_json::{Value, json};

use crate::audit::{self, Change};
use crate::setup::clean_name;
use crate::{Result, ServiceError, Services};

/// One email, phone or address of a contact.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    pub value: String,
    pub label: String,
    /// Personal-labelled entries never leave the personal contact.
    pub personal: bool,
}

/// A create or partial update of a contact's fields.
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub name: Option<String>,
    pub title: Option<String>,
    pub company: Option<String>,
    pub segment: Option<String>,
    pub emails: Option<Vec<Entry>>,
    pub phones: Option<Vec<Entry>>,
    pub addresses: Option<Vec<Entry>>,
    /// Links the contact to an opportunity of the workspace (a shared deal).
    pub opportunity_id: Option<Option<String>>,
}

/// A bulk action over selected personal contacts.
#[derive(Debug, Clone, PartialEq)]
pub enum BulkShare {
    /// One-time snapshot copies.
    Send,
    /// Live copies with a responsible member.
    Assign(String),
    /// Removes the team copies.
    Unshare,
}

/// A column of the team board.
#[derive(Debug, Clone)]
pub struct BoardColumn {
    /// None for *Unassigned*.
    pub user_id: Option<String>,
    pub name: String,
    pub cards: Vec<TeamContactRow>,
}

/// Each member's address-book size (what admins may know of it).
#[derive(Debug, Clone)]
pub struct AddressBookSize {
    pub user_id: String,
    pub name: String,
    pub contacts: i64,
}

fn entries_json(entries: &[Entry]) -> String {
    Value::Array(
        entries
            .iter()
            .map(|e| {
                let mut v = json!({"value": e.value});
                if !e.label.is_empty() {
                    v["label"] = json!(e.label);
                }
                if e.personal {
                    v["personal"] = json!(true);
                }
                v
            })
            .collect(),
    )
    .to_string()
}

fn parse_list(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or(Value::Array(vec![]))
}

fn check_entries(field: &str, entries: &[Entry]) -> Result<Vec<Entry>> {
    if entries.len() > 20 {
        return Err(ServiceError::field(field, "At most 20 entries."));
    }
    entries
        .iter()
        .map(|e| {
            let raw = e.value.trim();
            let value = match field {
                "emails" => Email::parse(raw)
                    .map_err(|_| {
                        ServiceError::field(field, format!("'{raw}' is not an email address."))
                    })?
                    .to_string(),
                "phones" => Phone::parse(raw)
                    .map_err(|_| {
                        ServiceError::field(field, format!("'{raw}' is not a phone number."))
                    })?
                    .to_string(),
                _ => {
                    if raw.is_empty() || raw.chars().count() > 500 {
                        return Err(ServiceError::field(
                            field,
                            "An address has 1 to 500 characters.",
                        ));
                    }
                    raw.to_string()
                }
            };
            Ok(Entry {
                value,
                label: clean_name(field, &e.label, 40, false)?,
                personal: e.personal,
            })
        })
        .collect()
}

/// The shareable-field view of a personal contact.
fn card(p: &PersonalContactRow) -> Fields {
    [
        ("name", json!(p.name)),
        ("title", json!(p.title)),
        ("company", json!(p.company)),
        ("segment", json!(p.segment)),
        ("emails", parse_list(&p.emails)),
        ("phones", parse_list(&p.phones)),
        ("addresses", parse_list(&p.addresses)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The fields of a team contact.
pub fn team_fields(t: &TeamContactRow) -> Fields {
    [
        ("name", json!(t.name)),
        ("title", json!(t.title)),
        ("company", json!(t.company)),
        ("segment", json!(t.segment)),
        ("emails", parse_list(&t.emails)),
        ("phones", parse_list(&t.phones)),
        ("addresses", parse_list(&t.addresses)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn apply_fields(t: &mut TeamContactRow, f: &Fields) {
    let text = |k: &str| f.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let list = |k: &str| {
        f.get(k)
            .cloned()
            .unwrap_or(Value::Array(vec![]))
            .to_string()
    };
    t.name = text("name");
    t.title = text("title");
    t.company = text("company");
    t.segment = text("segment");
    t.emails = list("emails");
    t.phones = list("phones");
    t.addresses = list("addresses");
}

fn fields_json(f: &Fields) -> String {
    Value::Object(f.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).to_string()
}

fn parse_fields(s: &str) -> Fields {
    serde_json::from_str::<serde_json::Map<String, Value>>(s)
        .unwrap_or_default()
        .into_iter()
        .collect()
}

/// The conflicts a team contact awaits, as stored.
pub fn conflicts_of(t: &TeamContactRow) -> Vec<Conflict> {
    serde_json::from_str::<Vec<Value>>(&t.conflicts)
        .unwrap_or_default()
        .into_iter()
        .map(|c| Conflict {
            field: c["field"].as_str().unwrap_or("").to_string(),
            base: c["base"].clone(),
            source: c["source"].clone(),
            team: c["team"].clone(),
        })
        .collect()
}

fn conflicts_json(cs: &[Conflict]) -> String {
    Value::Array(
        cs.iter()
            .map(|c| json!({"field": c.field, "base": c.base, "source": c.source, "team": c.team}))
            .collect(),
    )
    .to_string()
}

fn share_rules(s: &SharingSettingsRow) -> ShareRules {
    ShareRules {
        business: s.share_business,
        deal_contacts: s.share_deal_contacts,
        assigned: s.share_assigned,
    }
}

fn snapshot(t: &TeamContactRow) -> Value {
    json!({
        "name": t.name, "mode": t.mode, "assigned_to": t.assigned_to,
        "source_id": t.source_id, "out_of_sync": t.out_of_sync,
        "timeline_visibility": t.timeline_visibility,
    })
}

impl Services {
    async fn sharing_settings_in(
        &self,
        tx: &mut Tx,
        workspace_id: &str,
    ) -> Result<SharingSettingsRow> {
        if let Some(s) = q::settings(tx, workspace_id).await? {
            return Ok(s);
        }
        let r = rules::template("standard")?;
        Ok(SharingSettingsRow {
            workspace_id: workspace_id.to_string(),
            template: "standard".into(),
            share_business: r.business,
            share_deal_contacts: r.deal_contacts,
            share_assigned: r.assigned,
            date_updated: now(),
        })
    }

    /// The workspace's auto-share rules.
    pub async fn sharing_settings(&self, actor: &Actor) -> Result<SharingSettingsRow> {
        let mut tx = self.db().read().await?;
        self.sharing_settings_in(&mut tx, &actor.workspace_id).await
    }

    /// Sets the rules: a template's defaults, then any rule turned on or off.
    pub async fn set_sharing_settings(
        &self,
        actor: &Actor,
        template: Option<&str>,
        business: Option<bool>,
        deal_contacts: Option<bool>,
        assigned: Option<bool>,
    ) -> Result<SharingSettingsRow> {
        actor.require(Permission::ManageOrganization)?;
        let mut tx = self.db().write().await?;
        let mut s = self
            .sharing_settings_in(&mut tx, &actor.workspace_id)
            .await?;
        let before = json!({"template": s.template, "business": s.share_business, "deal_contacts": s.share_deal_contacts, "assigned": s.share_assigned});
        if let Some(t) = template {
            let r = rules::template(t)?;
            s.template = t.to_string();
            s.share_business = r.business;
            s.share_deal_contacts = r.deal_contacts;
            s.share_assigned = r.assigned;
        }
        if let Some(b) = business {
            s.share_business = b;
        }
        if let Some(b) = deal_contacts {
            s.share_deal_contacts = b;
        }
        if let Some(b) = assigned {
            s.share_assigned = b;
        }
        s.date_updated = now();
        q::put_settings(&mut tx, &s).await?;
        audit::record(
            &mut tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            Change {
                object_type: "sharing_settings",
                object_id: &actor.workspace_id,
                action: "updated",
                before,
                after: json!({"template": s.template, "business": s.share_business, "deal_contacts": s.share_deal_contacts, "assigned": s.share_assigned}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(s)
    }

    // ----- personal contacts -----

    async fn load_personal(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: &str,
    ) -> Result<PersonalContactRow> {
        q::get_personal(tx, &actor.workspace_id, &actor.user_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Contact"))
    }

    /// The actor's own address book.
    pub async fn list_personal_contacts(&self, actor: &Actor) -> Result<Vec<PersonalContactRow>> {
        let mut tx = self.db().read().await?;
        Ok(q::list_personal(&mut tx, &actor.workspace_id, &actor.user_id).await?)
    }

    /// One of the actor's own contacts; anyone else's answers "not found", admins included.
    pub async fn get_personal_contact(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<PersonalContactRow> {
        let mut tx = self.db().read().await?;
        self.load_personal(&mut tx, actor, id).await
    }

    /// The team copies of one of the actor's contacts.
    pub async fn copies_of_personal_contact(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<Vec<TeamContactRow>> {
        let mut tx = self.db().read().await?;
        self.load_personal(&mut tx, actor, id).await?;
        Ok(q::copies_of(&mut tx, id).await?)
    }

    /// How many contacts each member keeps (never which): for those who manage members.
    pub async fn address_book_sizes(&self, actor: &Actor) -> Result<Vec<AddressBookSize>> {
        if !actor.may_manage_members() {
            return Err(ServiceError::Forbidden(
                "You need the 'manage_users' permission to see address-book sizes.".into(),
            ));
        }
        let mut tx = self.db().read().await?;
        let counts = q::personal_counts(&mut tx, &actor.workspace_id).await?;
        let members =
            memberships::search_members(&mut tx, &actor.workspace_id, &MemberFilter::default())
                .await?;
        Ok(members
            .into_iter()
            .filter(|m| m.membership.status != "removed")
            .map(|m| AddressBookSize {
                contacts: counts
                    .iter()
                    .find(|(u, _)| *u == m.membership.user_id)
                    .map(|(_, n)| *n)
                    .unwrap_or(0),
                name: format!("{} {}", m.user_first_name, m.user_last_name)
                    .trim()
                    .to_string(),
                user_id: m.membership.user_id,
            })
            .collect())
    }

    async fn apply_input(
        &self,
        actor: &Actor,
        p: &mut PersonalContactRow,
        input: &ContactInput,
    ) -> Result<()> {
        if let Some(n) = &input.name {
            p.name = clean_name("name", n, 200, true)?;
        }
        if let Some(t) = &input.title {
            p.title = clean_name("title", t, 200, false)?;
        }
        if let Some(c) = &input.company {
            p.company = clean_name("company", c, 200, false)?;
        }
        if let Some(s) = &input.segment {
            rules::segment_kind(s)?;
            p.segment = s.trim().to_ascii_lowercase();
        }
        if let Some(e) = &input.emails {
            p.emails = entries_json(&check_entries("emails", e)?);
        }
        if let Some(e) = &input.phones {
            p.phones = entries_json(&check_entries("phones", e)?);
        }
        if let Some(e) = &input.addresses {
            p.addresses = entries_json(&check_entries("addresses", e)?);
        }
        if let Some(o) = &input.opportunity_id {
            p.opportunity_id = match o.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => None,
                Some(id) => {
                    self.get_opportunity(actor, id).await.map_err(|_| {
                        ServiceError::field(
                            "opportunity_id",
                            format!("There is no opportunity '{id}' you can see."),
                        )
                    })?;
                    Some(id.to_string())
                }
            };
        }
        Ok(())
    }

    /// Adds a contact to the actor's address book; the rules may share it at once.
    pub async fn create_personal_contact(
        &self,
        actor: &Actor,
        input: ContactInput,
    ) -> Result<PersonalContactRow> {
        if input.name.is_none() {
            return Err(ServiceError::field("name", "A contact needs a name."));
        }
        let t = now();
        let mut p = PersonalContactRow {
            id: format!("pcont_{}", corral_domain::ids::random_base62(22)),
            workspace_id: actor.workspace_id.clone(),
            owner_user_id: actor.user_id.clone(),
            name: String::new(),
            title: String::new(),
            company: String::new(),
            segment: String::new(),
            emails: "[]".into(),
            phones: "[]".into(),
            addresses: "[]".into(),
            opportunity_id: None,
            unshared: false,
            date_created: t,
            date_updated: t,
        };
        self.apply_input(actor, &mut p, &input).await?;
        let mut tx = self.db().write().await?;
        q::insert_personal(&mut tx, &p).await?;
        self.after_personal_change(&mut tx, actor, &p).await?;
        tx.commit().await?;
        Ok(p)
    }

    /// Edits one of the actor's contacts; live team copies follow (or are flagged).
    pub async fn update_personal_contact(
        &self,
        actor: &Actor,
        id: &str,
        input: ContactInput,
    ) -> Result<PersonalContactRow> {
        let mut tx = self.db().read().await?;
        let mut p = self.load_personal(&mut tx, actor, id).await?;
        drop(tx);
        self.apply_input(actor, &mut p, &input).await?;
        p.date_updated = now();
        let mut tx = self.db().write().await?;
        self.load_personal(&mut tx, actor, id).await?;
        q::update_personal(&mut tx, &p).await?;
        self.after_personal_change(&mut tx, actor, &p).await?;
        tx.commit().await?;
        Ok(p)
    }

    /// Deletes one of the actor's contacts. Team copies stay the team's (live ones become
    /// snapshots: there is nothing left to follow).
    pub async fn delete_personal_contact(&self, actor: &Actor, id: &str) -> Result<()> {
        let mut tx = self.db().write().await?;
        self.load_personal(&mut tx, actor, id).await?;
        for mut c in q::copies_of(&mut tx, id).await? {
            c.source_id = None;
            c.mode = "snapshot".into();
            c.out_of_sync = false;
            c.conflicts = "[]".into();
            c.date_updated = now();
            q::update_team(&mut tx, &c).await?;
        }
        q::delete_personal(&mut tx, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// After a personal contact changed: live copies sync (or stop, for a contact moved to a
    /// personal segment), and the rules share it when it qualifies.
    async fn after_personal_change(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        p: &PersonalContactRow,
    ) -> Result<()> {
        let kind = rules::segment_kind(&p.segment)?;
        let copies = q::copies_of(tx, &p.id).await?;
        let live: Vec<TeamContactRow> = copies.into_iter().filter(|c| c.mode == "live").collect();
        if kind == SegmentKind::Personal {
            // Personal-segment contacts are never shared: the link ends, nothing flows.
            for mut c in live {
                c.mode = "snapshot".into();
                c.out_of_sync = false;
                c.conflicts = "[]".into();
                c.date_updated = now();
                q::update_team(tx, &c).await?;
                self.audit_team(tx, actor, &c, "updated", json!({"mode": "live"}))
                    .await?;
            }
            return Ok(());
        }
        if !live.is_empty() {
            for c in live {
                self.sync_copy(tx, actor, p, c).await?;
            }
            return Ok(());
        }
        let settings = self.sharing_settings_in(tx, &actor.workspace_id).await?;
        let facts = Facts {
            segment: kind,
            on_a_deal: p.opportunity_id.is_some(),
            assigned: false,
            unshared_by_owner: p.unshared,
        };
        if rules::auto_shares(&share_rules(&settings), &facts) {
            let c = self.new_copy(tx, actor, p, "live", None).await?;
            self.audit_team(
                tx,
                actor,
                &c,
                "created",
                json!({"shared_by": "auto-share rule"}),
            )
            .await?;
        }
        Ok(())
    }

    /// Syncs one live copy with its source: non-conflicting changes flow; conflicts flag it.
    async fn sync_copy(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        p: &PersonalContactRow,
        mut c: TeamContactRow,
    ) -> Result<()> {
        let source = rules::shareable(&card(p));
        let base = parse_fields(&c.sync_base);
        let r = rules::sync(&base, &source, &team_fields(&c));
        let was_out = c.out_of_sync;
        apply_fields(&mut c, &r.team);
        c.sync_base = fields_json(&r.base);
        c.out_of_sync = !r.conflicts.is_empty();
        c.conflicts = conflicts_json(&r.conflicts);
        c.date_updated = now();
        q::update_team(tx, &c).await?;
        if c.out_of_sync && !was_out {
            self.audit_team(
                tx,
                actor,
                &c,
                "out_of_sync",
                json!({"fields": r.conflicts.iter().map(|x| x.field.clone()).collect::<Vec<_>>()}),
            )
            .await?;
        }
        Ok(())
    }

    async fn new_copy(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        p: &PersonalContactRow,
        mode: &str,
        assigned_to: Option<&str>,
    ) -> Result<TeamContactRow> {
        let shared = rules::shareable(&card(p));
        let t = now();
        let mut c = TeamContactRow {
            id: format!("tcont_{}", corral_domain::ids::random_base62(22)),
            workspace_id: actor.workspace_id.clone(),
            source_id: Some(p.id.clone()),
            source_owner_id: Some(p.owner_user_id.clone()),
            mode: mode.to_string(),
            name: String::new(),
            title: String::new(),
            company: String::new(),
            segment: String::new(),
            emails: "[]".into(),
            phones: "[]".into(),
            addresses: "[]".into(),
            assigned_to: assigned_to.map(str::to_string),
            timeline_visibility: "private".into(),
            sync_base: if mode == "live" {
                fields_json(&shared)
            } else {
                "{}".into()
            },
            out_of_sync: false,
            conflicts: "[]".into(),
            created_by: actor.user_id.clone(),
            date_created: t,
            date_updated: t,
        };
        apply_fields(&mut c, &shared);
        q::insert_team(tx, &c).await?;
        Ok(c)
    }

    async fn audit_team(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        c: &TeamContactRow,
        action: &str,
        before: Value,
    ) -> Result<()> {
        audit::record(
            tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            Change {
                object_type: "team_contact",
                object_id: &c.id,
                action,
                before,
                after: snapshot(c),
            },
        )
        .await
    }

    async fn check_assignee(&self, tx: &mut Tx, actor: &Actor, user_id: &str) -> Result<()> {
        let ok = memberships::find(tx, &actor.workspace_id, user_id)
            .await?
            .is_some_and(|m| m.status == "active");
        if ok {
            Ok(())
        } else {
            Err(ServiceError::field(
                "assigned_to",
                format!("'{user_id}' is not an active member of this workspace."),
            ))
        }
    }

    /// Bulk actions over the actor's own contacts, all or nothing. Returns how many changed.
    pub async fn share_personal_contacts(
        &self,
        actor: &Actor,
        ids: &[String],
        action: BulkShare,
    ) -> Result<usize> {
        if ids.is_empty() {
            return Err(ServiceError::field(
                "contact_ids",
                "Select at least one contact.",
            ));
        }
        match &action {
            BulkShare::Assign(_) => actor.require_any(&[Permission::AssignLeads])?,
            _ => actor.require(Permission::ShareContacts)?,
        }
        let mut tx = self.db().write().await?;
        if let BulkShare::Assign(to) = &action {
            self.check_assignee(&mut tx, actor, to).await?;
        }
        let mut changed = 0;
        for id in ids {
            let mut p = self.load_personal(&mut tx, actor, id).await?;
            let kind = rules::segment_kind(&p.segment)?;
            let copies = q::copies_of(&mut tx, &p.id).await?;
            match &action {
                BulkShare::Send => {
                    rules::may_share(kind)
                        .map_err(|e| ServiceError::Forbidden(format!("{}: {e}", p.name)))?;
                    let c = self.new_copy(&mut tx, actor, &p, "snapshot", None).await?;
                    self.audit_team(
                        &mut tx,
                        actor,
                        &c,
                        "created",
                        json!({"sent_by": actor.user_id}),
                    )
                    .await?;
                    changed += 1;
                }
                BulkShare::Assign(to) => {
                    rules::may_share(kind)
                        .map_err(|e| ServiceError::Forbidden(format!("{}: {e}", p.name)))?;
                    // Reuses the team copy (the live one first), making it live.
                    let existing = copies
                        .iter()
                        .find(|c| c.mode == "live")
                        .or_else(|| copies.first())
                        .cloned();
                    match existing {
                        Some(mut c) => {
                            let before = snapshot(&c);
                            if c.mode != "live" {
                                c.mode = "live".into();
                                c.sync_base = fields_json(&rules::shareable(&card(&p)));
                            }
                            c.assigned_to = Some(to.clone());
                            c.date_updated = now();
                            q::update_team(&mut tx, &c).await?;
                            self.sync_copy(&mut tx, actor, &p, c.clone()).await?;
                            self.audit_team(&mut tx, actor, &c, "assigned", before)
                                .await?;
                        }
                        None => {
                            let c = self.new_copy(&mut tx, actor, &p, "live", Some(to)).await?;
                            self.audit_team(&mut tx, actor, &c, "assigned", json!({}))
                                .await?;
                        }
                    }
                    if p.unshared {
                        p.unshared = false;
                        q::update_personal(&mut tx, &p).await?;
                    }
                    changed += 1;
                }
                BulkShare::Unshare => {
                    for c in &copies {
                        q::delete_team(&mut tx, &c.id).await?;
                        self.audit_team(&mut tx, actor, c, "deleted", snapshot(c))
                            .await?;
                    }
                    p.unshared = true;
                    p.date_updated = now();
                    q::update_personal(&mut tx, &p).await?;
                    if !copies.is_empty() {
                        changed += 1;
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(changed)
    }

    // ----- team contacts -----

    fn sees_only_assigned(actor: &Actor) -> bool {
        actor
            .restrictions
            .contains(&Restriction::OnlyAssignedContacts)
    }

    /// The team's shared audience (members restricted to assigned contacts see only theirs).
    pub async fn list_team_contacts(
        &self,
        actor: &Actor,
        assigned_to: Option<&str>,
    ) -> Result<Vec<TeamContactRow>> {
        let mut tx = self.db().read().await?;
        let filter = if Self::sees_only_assigned(actor) {
            if assigned_to.is_some_and(|a| a != actor.user_id) {
                return Ok(vec![]);
            }
            Some(actor.user_id.as_str())
        } else {
            assigned_to
        };
        Ok(q::list_team(&mut tx, &actor.workspace_id, filter).await?)
    }

    async fn load_team(&self, tx: &mut Tx, actor: &Actor, id: &str) -> Result<TeamContactRow> {
        let c = q::get_team(tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Team contact"))?;
        if Self::sees_only_assigned(actor)
            && c.assigned_to.as_deref() != Some(actor.user_id.as_str())
        {
            return Err(ServiceError::not_found("Team contact"));
        }
        Ok(c)
    }

    pub async fn get_team_contact(&self, actor: &Actor, id: &str) -> Result<TeamContactRow> {
        let mut tx = self.db().read().await?;
        self.load_team(&mut tx, actor, id).await
    }

    /// Edits the team's copy (the personal source is never touched).
    pub async fn update_team_contact(
        &self,
        actor: &Actor,
        id: &str,
        input: ContactInput,
    ) -> Result<TeamContactRow> {
        actor.require(Permission::ShareContacts)?;
        let mut tx = self.db().write().await?;
        let mut c = self.load_team(&mut tx, actor, id).await?;
        let before = snapshot(&c);
        let mut f = team_fields(&c);
        if let Some(n) = &input.name {
            f.insert("name".into(), json!(clean_name("name", n, 200, true)?));
        }
        if let Some(t) = &input.title {
            f.insert("title".into(), json!(clean_name("title", t, 200, false)?));
        }
        if let Some(t) = &input.company {
            f.insert(
                "company".into(),
                json!(clean_name("company", t, 200, false)?),
            );
        }
        if let Some(s) = &input.segment {
            if rules::segment_kind(s)? == SegmentKind::Personal {
                return Err(ServiceError::field(
                    "segment",
                    "A team contact cannot be in a personal segment.",
                ));
            }
            f.insert("segment".into(), json!(s.trim().to_ascii_lowercase()));
        }
        for (key, v) in [
            ("emails", &input.emails),
            ("phones", &input.phones),
            ("addresses", &input.addresses),
        ] {
            if let Some(e) = v {
                let mut list = check_entries(key, e)?;
                for x in &mut list {
                    x.personal = false;
                }
                f.insert(key.into(), parse_list(&entries_json(&list)));
            }
        }
        apply_fields(&mut c, &f);
        c.date_updated = now();
        q::update_team(&mut tx, &c).await?;
        self.audit_team(&mut tx, actor, &c, "updated", before)
            .await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Assigns a team contact (the board's drag, or its keyboard and API equivalents); None
    /// moves it to *Unassigned*.
    pub async fn assign_team_contact(
        &self,
        actor: &Actor,
        id: &str,
        user_id: Option<&str>,
    ) -> Result<TeamContactRow> {
        actor.require(Permission::AssignLeads)?;
        let mut tx = self.db().write().await?;
        let mut c = self.load_team(&mut tx, actor, id).await?;
        let to = user_id.map(str::trim).filter(|s| !s.is_empty());
        if let Some(u) = to {
            self.check_assignee(&mut tx, actor, u).await?;
        }
        let before = snapshot(&c);
        c.assigned_to = to.map(str::to_string);
        if to.is_none() {
            c.timeline_visibility = "private".into();
        }
        c.date_updated = now();
        q::update_team(&mut tx, &c).await?;
        self.audit_team(
            &mut tx,
            actor,
            &c,
            if to.is_some() {
                "assigned"
            } else {
                "unassigned"
            },
            before,
        )
        .await?;
        tx.commit().await?;
        Ok(c)
    }

    /// The assignee shares their activity timeline on the contact: private, manager or team.
    pub async fn set_timeline_visibility(
        &self,
        actor: &Actor,
        id: &str,
        visibility: &str,
    ) -> Result<TeamContactRow> {
        if !rules::TIMELINE_VISIBILITY.contains(&visibility) {
            return Err(ServiceError::field(
                "timeline_visibility",
                format!("'{visibility}' is not a choice: use private, manager or team."),
            ));
        }
        let mut tx = self.db().write().await?;
        let mut c = self.load_team(&mut tx, actor, id).await?;
        if c.assigned_to.as_deref() != Some(actor.user_id.as_str()) {
            return Err(ServiceError::Forbidden(
                "Only the member responsible for this contact shares their timeline on it.".into(),
            ));
        }
        let before = snapshot(&c);
        c.timeline_visibility = visibility.to_string();
        c.date_updated = now();
        q::update_team(&mut tx, &c).await?;
        self.audit_team(&mut tx, actor, &c, "updated", before)
            .await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Removes a team contact: its source's owner or an administrator may. The source stops
    /// being shared automatically.
    pub async fn delete_team_contact(&self, actor: &Actor, id: &str) -> Result<()> {
        let mut tx = self.db().write().await?;
        let c = self.load_team(&mut tx, actor, id).await?;
        let owner = c.source_owner_id.as_deref() == Some(actor.user_id.as_str());
        if !owner && !actor.can(Permission::ManageOrganization) {
            return Err(ServiceError::Forbidden(
                "Only the contact's owner or an administrator unshares it.".into(),
            ));
        }
        if let (Some(src), Some(o)) = (&c.source_id, &c.source_owner_id)
            && let Some(mut p) = q::get_personal(&mut tx, &actor.workspace_id, o, src).await?
        {
            p.unshared = true;
            q::update_personal(&mut tx, &p).await?;
        }
        q::delete_team(&mut tx, id).await?;
        self.audit_team(&mut tx, actor, &c, "deleted", snapshot(&c))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The actor's out-of-sync prompts: live copies of their contacts awaiting a decision.
    pub async fn sync_prompts(&self, actor: &Actor) -> Result<Vec<TeamContactRow>> {
        let mut tx = self.db().read().await?;
        Ok(q::out_of_sync_for(&mut tx, &actor.workspace_id, &actor.user_id).await?)
    }

    /// The owner answers a prompt: accept sends their values to the team copy, discard keeps
    /// the team's. Both values are kept in the audit entry.
    pub async fn resolve_sync(
        &self,
        actor: &Actor,
        id: &str,
        resolution: &str,
    ) -> Result<TeamContactRow> {
        let r = Resolution::parse(resolution)?;
        let mut tx = self.db().write().await?;
        let mut c = q::get_team(&mut tx, &actor.workspace_id, id)
            .await?
            .filter(|c| c.source_owner_id.as_deref() == Some(actor.user_id.as_str()))
            .ok_or_else(|| ServiceError::not_found("Team contact"))?;
        if !c.out_of_sync {
            return Err(ServiceError::Conflict(
                "This contact is in sync; there is nothing to resolve.".into(),
            ));
        }
        let conflicts = conflicts_of(&c);
        let (team, base) =
            rules::resolve(&team_fields(&c), &parse_fields(&c.sync_base), &conflicts, r);
        apply_fields(&mut c, &team);
        c.sync_base = fields_json(&base);
        c.out_of_sync = false;
        c.conflicts = "[]".into();
        c.date_updated = now();
        q::update_team(&mut tx, &c).await?;
        audit::record(
            &mut tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            Change {
                object_type: "team_contact",
                object_id: &c.id,
                action: "sync_resolved",
                before: json!({"conflicts": serde_json::from_str::<Value>(&conflicts_json(&conflicts)).unwrap_or(Value::Null)}),
                after: json!({"resolution": resolution, "fields": SHARED_FIELDS.iter().filter(|f| conflicts.iter().any(|x| x.field == **f)).collect::<Vec<_>>()}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Members matching `filter` as (user id, name): who a contact can be assigned to. Every
    /// member may see their colleagues' names.
    pub async fn member_directory(
        &self,
        actor: &Actor,
        filter: MemberFilter,
    ) -> Result<Vec<(String, String)>> {
        let mut tx = self.db().read().await?;
        Ok(
            memberships::search_members(&mut tx, &actor.workspace_id, &filter)
                .await?
                .into_iter()
                .map(|m| {
                    let name = format!("{} {}", m.user_first_name, m.user_last_name)
                        .trim()
                        .to_string();
                    (
                        m.membership.user_id,
                        if name.is_empty() { m.user_email } else { name },
                    )
                })
                .collect(),
        )
    }

    /// The team board: a column per active member, then *Unassigned*.
    pub async fn team_board(&self, actor: &Actor) -> Result<Vec<BoardColumn>> {
        let cards = self.list_team_contacts(actor, None).await?;
        let mut tx = self.db().read().await?;
        let members = memberships::search_members(
            &mut tx,
            &actor.workspace_id,
            &MemberFilter {
                status: Some("active".into()),
                ..Default::default()
            },
        )
        .await?;
        let mut columns: Vec<BoardColumn> = members
            .into_iter()
            .map(|m| BoardColumn {
                name: format!("{} {}", m.user_first_name, m.user_last_name)
                    .trim()
                    .to_string(),
                cards: cards
                    .iter()
                    .filter(|c| c.assigned_to.as_deref() == Some(m.membership.user_id.as_str()))
                    .cloned()
                    .collect(),
                user_id: Some(m.membership.user_id),
            })
            .collect();
        columns.push(BoardColumn {
            user_id: None,
            name: "Unassigned".into(),
            cards: cards
                .iter()
                .filter(|c| c.assigned_to.is_none())
                .cloned()
                .collect(),
        });
        // Inactive members have no column; cards they still hold are shown under Unassigned
        // (their assignee unchanged) so they can be dragged to someone active.
        let active: Vec<String> = columns.iter().filter_map(|c| c.user_id.clone()).collect();
        let orphaned: Vec<TeamContactRow> = cards
            .into_iter()
            .filter(|c| c.assigned_to.as_ref().is_some_and(|u| !active.contains(u)))
            .collect();
        if let Some(last) = columns.last_mut() {
            last.cards.extend(orphaned);
        }
        Ok(columns)
    }
}
