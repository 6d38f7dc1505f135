//! Team administration (SPEC S1, S2): inviting, adding, editing, deactivating, reactivating,
//! removing and re-adding members; invitations; seats. Every rule is asked of the domain
//! (`corral_domain::team`); every change is audited in its own transaction.

use corral_domain::ids::Kind;
use corral_domain::membership::{MembershipStatus, Restriction, effective_permissions};
use corral_domain::team::{self as rules, MemberChange, MemberState, Target};
use corral_domain::{Actor, Email, Permission, PermissionSet, Phone};
use corral_store::model::{InvitationRow, MemberRow, MembershipRow, SeatChangeRow, UserRow};
use corral_store::queries::memberships::{self, MemberFilter};
use corral_store::queries::{auth, orgs, team, users};
use corral_store::{Tx, now};
use serde_json::{Value, json};

use crate::audit::{self, Change};
use crate::auth::NewSession;
use crate::roles::{ResolvedRole, member_permissions, parse_restrictions, resolve};
use crate::secrets::{hash_password, new_token, token_hash, validate_password, verify_password};
use crate::setup::{clean_name, new_membership};
use crate::workspace::MemberView;
use crate::{Result, ServiceError, Services};

/// Homepages a member may land on after signing in.
pub const HOMEPAGES: [&str; 6] = [
    "leads",
    "inbox",
    "dashboard",
    "contacts",
    "opportunities",
    "reports",
];

/// Member settings given when inviting or adding.
#[derive(Debug, Clone, Default)]
pub struct MemberSettings {
    pub restrictions: Option<Vec<String>>,
    pub round_robin: Option<bool>,
    pub homepage: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct InviteInput {
    pub email: String,
    pub role_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub settings: MemberSettings,
}

#[derive(Debug, Clone, Default)]
pub struct AddInput {
    pub email: String,
    pub role_id: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub password: String,
    pub settings: MemberSettings,
}

/// A partial edit of a membership (PUT is partial, as everywhere in Close's API).
#[derive(Debug, Clone, Default)]
pub struct MemberPatch {
    pub role_id: Option<String>,
    pub restrictions: Option<Vec<String>>,
    pub round_robin: Option<bool>,
    pub manager_id: Option<Option<String>>,
    pub homepage: Option<String>,
    pub auto_record_calls: Option<String>,
    pub track_email_opens: Option<bool>,
    pub default_caller_id: Option<Option<String>>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<Option<String>>,
    pub password: Option<String>,
}

impl MemberPatch {
    /// Whether the patch touches access (role, restrictions, pools, reporting line) or
    /// account data, which only another administrator may change.
    fn touches_access(&self) -> bool {
        self.role_id.is_some()
            || self.restrictions.is_some()
            || self.round_robin.is_some()
            || self.manager_id.is_some()
    }

    fn touches_account(&self) -> bool {
        self.first_name.is_some()
            || self.last_name.is_some()
            || self.phone.is_some()
            || self.password.is_some()
    }
}

/// A member in a listing, with their groups and any open invitation.
#[derive(Debug, Clone)]
pub struct MemberListing {
    pub view: MemberView,
    pub groups: Vec<String>,
    pub invitation: Option<InvitationRow>,
}

/// What the invitation page shows before accepting.
#[derive(Debug, Clone)]
pub struct InvitationInfo {
    pub email: String,
    pub workspace_name: String,
    pub inviter_name: Option<String>,
    /// True when the invitee has no password yet and must choose one.
    pub needs_password: bool,
    pub first_name: String,
    pub last_name: String,
}

/// Seat use of the actor's organization.
#[derive(Debug, Clone)]
pub struct SeatReport {
    pub organization_id: String,
    pub seats_used: i64,
    pub seat_limit: Option<i64>,
    pub history: Vec<SeatChangeRow>,
}

/// The snapshot of a membership kept in the audit and event logs.
pub fn membership_snapshot(m: &MembershipRow, email: &str) -> Value {
    json!({
        "id": m.id,
        "organization_id": m.workspace_id,
        "user_id": m.user_id,
        "user_email": email,
        "role_id": m.role_id,
        "status": m.status,
        "restrictions": m.restrictions.split(',').filter(|s| !s.is_empty()).collect::<Vec<_>>(),
        "round_robin": m.round_robin,
        "homepage": m.homepage,
        "manager_id": m.manager_id,
        "auto_record_calls": m.auto_record_calls,
        "track_email_opens": m.track_email_opens,
        "default_caller_id": m.default_caller_id,
    })
}

fn display_name(m: &MemberRow) -> String {
    let n = format!("{} {}", m.user_first_name, m.user_last_name)
        .trim()
        .to_string();
    if n.is_empty() {
        m.user_email.clone()
    } else {
        n
    }
}

fn status_of(m: &MembershipRow) -> Result<MembershipStatus> {
    MembershipStatus::parse(&m.status)
        .map_err(|_| ServiceError::Internal(format!("membership {} has status {}", m.id, m.status)))
}

fn check_homepage(h: &str) -> Result<String> {
    let h = h.trim().to_lowercase();
    if HOMEPAGES.contains(&h.as_str()) {
        Ok(h)
    } else {
        Err(ServiceError::field(
            "homepage",
            format!(
                "'{h}' is not a homepage. Choose one of: {}.",
                HOMEPAGES.join(", ")
            ),
        ))
    }
}

fn restrictions_text(names: &[String]) -> Result<String> {
    let parsed = Restriction::parse_names(names)?;
    Ok(parsed
        .iter()
        .map(|r| r.name())
        .collect::<Vec<_>>()
        .join(","))
}

/// Resolves a role id given by a client, as a field error when it does not exist.
async fn role_for_input(tx: &mut Tx, workspace_id: &str, role_id: &str) -> Result<ResolvedRole> {
    if role_id.trim().is_empty() {
        return Err(ServiceError::field("role_id", "A role is required."));
    }
    resolve(tx, workspace_id, role_id.trim())
        .await?
        .ok_or_else(|| {
            ServiceError::field(
                "role_id",
                format!("There is no role '{role_id}' in this workspace."),
            )
        })
}

/// The member `id` of the actor's workspace, or "not found".
async fn load_member(tx: &mut Tx, actor: &Actor, id: &str) -> Result<MemberRow> {
    match memberships::get_member(tx, id).await? {
        Some(m) if m.membership.workspace_id == actor.workspace_id => Ok(m),
        _ => Err(ServiceError::not_found("Membership")),
    }
}

/// Asks the domain whether the actor may act on this member.
async fn check_may_act_on(tx: &mut Tx, actor: &Actor, target: &MemberRow) -> Result<ResolvedRole> {
    let role = resolve(
        tx,
        &target.membership.workspace_id,
        &target.membership.role_id,
    )
    .await?
    .ok_or_else(|| {
        ServiceError::Internal(format!(
            "membership {} holds unknown role",
            target.membership.id
        ))
    })?;
    let name = display_name(target);
    rules::may_act_on(
        actor,
        &Target {
            user_id: &target.membership.user_id,
            display_name: &name,
            role_permissions: &role.permissions,
        },
    )?;
    Ok(role)
}

/// Every member of a workspace as the domain's planning rules see them.
pub(crate) async fn member_states(tx: &mut Tx, workspace_id: &str) -> Result<Vec<MemberState>> {
    let mut out = Vec::new();
    for m in memberships::list_members(tx, workspace_id).await? {
        let (role, _) = member_permissions(tx, &m.membership).await?;
        out.push(MemberState {
            membership_id: m.membership.id.clone(),
            user_id: m.membership.user_id.clone(),
            display_name: display_name(&m),
            status: status_of(&m.membership)?,
            role_id: role.id,
            role_name: role.name,
            role_permissions: role.permissions,
            restrictions: parse_restrictions(&m.membership.restrictions)?,
        });
    }
    Ok(out)
}

/// Refuses a change after which the workspace would have no active administrator.
async fn check_keeps_administrator(
    tx: &mut Tx,
    workspace_id: &str,
    changed: &MembershipRow,
) -> Result<()> {
    let mut perms: Vec<(MembershipStatus, PermissionSet)> = Vec::new();
    for m in memberships::list_members(tx, workspace_id).await? {
        let row = if m.membership.id == changed.id {
            changed.clone()
        } else {
            m.membership
        };
        let (_, p) = member_permissions(tx, &row).await?;
        perms.push((status_of(&row)?, p));
    }
    if rules::keeps_an_administrator(perms.iter().map(|(s, p)| (*s, p))) {
        Ok(())
    } else {
        Err(rules::last_administrator().into())
    }
}

/// Checks the seat limit before `user_id` becomes active; returns whether they were seated.
pub(crate) async fn check_seat(tx: &mut Tx, organization_id: &str, user_id: &str) -> Result<bool> {
    let org = orgs::get(tx, organization_id)
        .await?
        .ok_or_else(|| ServiceError::Internal("organization missing".into()))?;
    let used = team::seats_used_for_update(tx, organization_id).await?;
    let seated = team::holds_seat(tx, organization_id, user_id).await?;
    rules::check_seat(used, org.seat_limit, seated)?;
    Ok(seated)
}

/// Records a seat change after a status change if the user's seat count moved.
pub(crate) async fn record_seat_change(
    tx: &mut Tx,
    actor: Option<&Actor>,
    organization_id: &str,
    user_id: &str,
    seated_before: bool,
    reason: &str,
) -> Result<()> {
    let seated_after = team::holds_seat(tx, organization_id, user_id).await?;
    if seated_before == seated_after {
        return Ok(());
    }
    let seats_after = team::seats_used(tx, organization_id).await?;
    team::insert_seat_change(
        tx,
        &SeatChangeRow {
            id: format!("seat_{}", corral_domain::ids::random_base62(22)),
            organization_id: organization_id.to_string(),
            user_id: user_id.to_string(),
            delta: if seated_after { 1 } else { -1 },
            reason: reason.to_string(),
            actor_user_id: actor.map(|a| a.user_id.clone()),
            seats_after,
            date_created: now(),
        },
    )
    .await?;
    Ok(())
}

/// Ends every session and API key of a membership (same transaction as the status change).
async fn revoke_access(tx: &mut Tx, m: &MembershipRow) -> Result<()> {
    auth::delete_sessions_for(tx, &m.user_id, &m.workspace_id).await?;
    auth::revoke_api_keys_for(tx, &m.id, now()).await?;
    Ok(())
}

fn parse_phone(field_value: Option<&str>) -> Result<Option<String>> {
    match field_value.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(p) => Ok(Some(Phone::parse(p)?.to_string())),
    }
}

/// Refuses `user_id` unless it is an active member of the workspace (records, values and
/// assignments only ever go to active members); the error names `field`.
pub(crate) async fn require_active_member(
    tx: &mut Tx,
    workspace_id: &str,
    user_id: &str,
    field: &str,
) -> Result<()> {
    let m = memberships::find(tx, workspace_id, user_id).await?;
    if m.is_none_or(|m| m.status != "active") {
        return Err(ServiceError::field(
            field,
            format!("'{user_id}' is not an active member of this workspace."),
        ));
    }
    Ok(())
}

/// Refuses a phone already used by another user.
async fn check_phone_free(
    tx: &mut Tx,
    phone: &Option<String>,
    user_id: Option<&str>,
) -> Result<()> {
    if let Some(p) = phone
        && let Some(other) = users::find_by_phone(tx, p).await?
        && Some(other.id.as_str()) != user_id
    {
        return Err(ServiceError::field(
            "phone",
            format!("The phone number {p} already belongs to another user."),
        ));
    }
    Ok(())
}

fn apply_settings(m: &mut MembershipRow, s: &MemberSettings) -> Result<()> {
    if let Some(r) = &s.restrictions {
        m.restrictions = restrictions_text(r)?;
    }
    if let Some(rr) = s.round_robin {
        m.round_robin = rr;
    }
    if let Some(h) = &s.homepage {
        m.homepage = check_homepage(h)?;
    }
    Ok(())
}

impl Services {
    pub(crate) async fn audit_membership(
        &self,
        tx: &mut Tx,
        actor: Option<&Actor>,
        action: &str,
        before: Option<&MembershipRow>,
        after: &MembershipRow,
        email: &str,
    ) -> Result<()> {
        let ws = orgs::get_workspace(tx, &after.workspace_id)
            .await?
            .ok_or_else(|| ServiceError::Internal("workspace missing".into()))?;
        audit::record(
            tx,
            actor,
            &ws.organization_id,
            &after.workspace_id,
            Change {
                object_type: "membership",
                object_id: &after.id,
                action,
                before: before
                    .map(|b| membership_snapshot(b, email))
                    .unwrap_or_else(|| json!({})),
                after: membership_snapshot(after, email),
            },
        )
        .await
    }

    fn invitation_link(&self, token: &str) -> String {
        format!("{}/invitation/{token}", self.config().public_url)
    }

    /// Writes a fresh invitation (and its email) for a membership; returns the link.
    pub(crate) async fn send_invitation(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        m: &MembershipRow,
        email: &str,
        existing: Option<InvitationRow>,
    ) -> Result<(InvitationRow, String)> {
        let token = new_token();
        let t = now();
        let inv = match existing {
            Some(mut inv) => {
                inv.token_hash = token_hash(&token);
                inv.expires_at = t + self.config().invitation_ttl;
                inv.last_sent_at = t;
                team::update_invitation(tx, &inv).await?;
                inv
            }
            None => {
                let inv = InvitationRow {
                    id: Kind::Invitation.new_id(),
                    workspace_id: m.workspace_id.clone(),
                    membership_id: m.id.clone(),
                    user_id: m.user_id.clone(),
                    email: email.to_string(),
                    token_hash: token_hash(&token),
                    invited_by: Some(actor.user_id.clone()),
                    expires_at: t + self.config().invitation_ttl,
                    accepted_at: None,
                    cancelled_at: None,
                    date_created: t,
                    last_sent_at: t,
                };
                team::insert_invitation(tx, &inv).await?;
                inv
            }
        };
        let link = self.invitation_link(&token);
        let ws = orgs::get_workspace(tx, &m.workspace_id)
            .await?
            .map(|w| w.name)
            .unwrap_or_default();
        let inviter = users::get(tx, &actor.user_id)
            .await?
            .map(|u| {
                format!("{} {}", u.first_name, u.last_name)
                    .trim()
                    .to_string()
            })
            .unwrap_or_default();
        let days = self.config().invitation_ttl.num_days();
        let body = format!(
            "Hello,\n\n{inviter} invited you to join the workspace \"{ws}\" on Corral.\n\nAccept the invitation here:\n{link}\n\nThe link works once and expires in {days} days.\n"
        );
        crate::outbox::enqueue(
            tx,
            Some(&m.workspace_id),
            email,
            &format!("You're invited to {ws} on Corral"),
            &body,
        )
        .await?;
        if !self.config().mail_configured {
            tracing::info!(to = %email, %link, "no mail server configured: invitation link (also in the outbox)");
        }
        Ok((inv, link))
    }

    /// Invites someone by email with a role (SPEC S2.1). A removed or deactivated member is
    /// re-invited on their old membership, so their user id and history reconnect (S2.6).
    pub async fn invite_member(&self, actor: &Actor, input: InviteInput) -> Result<MemberListing> {
        rules::require_member_admin(actor)?;
        let email = Email::parse(&input.email)?;
        let phone = parse_phone(input.phone.as_deref())?;
        let first = clean_name(
            "first_name",
            input.first_name.as_deref().unwrap_or(""),
            100,
            false,
        )?;
        let last = clean_name(
            "last_name",
            input.last_name.as_deref().unwrap_or(""),
            100,
            false,
        )?;
        let mut tx = self.db().write().await?;
        let role = role_for_input(&mut tx, &actor.workspace_id, &input.role_id).await?;
        rules::may_grant(actor, &role.name, &role.permissions)?;
        let user = match users::find_by_email(&mut tx, &email.normalized()).await? {
            Some(u) => u,
            None => {
                check_phone_free(&mut tx, &phone, None).await?;
                let t = now();
                let u = UserRow {
                    id: Kind::User.new_id(),
                    email: email.to_string(),
                    email_lower: email.normalized(),
                    first_name: first,
                    last_name: last,
                    phone,
                    image: None,
                    timezone: "UTC".into(),
                    password_hash: None,
                    date_created: t,
                    date_updated: t,
                };
                users::insert(&mut tx, &u).await?;
                u
            }
        };
        let existing = memberships::find(&mut tx, &actor.workspace_id, &user.id).await?;
        let (before, mut m) = match existing {
            Some(m) if m.status == "active" => {
                return Err(ServiceError::field(
                    "email",
                    format!("{} is already an active member of this workspace.", email),
                ));
            }
            Some(m) if m.status == "invited" => {
                return Err(ServiceError::field(
                    "email",
                    format!(
                        "{} has already been invited. Resend the invitation instead.",
                        email
                    ),
                ));
            }
            Some(m) => (Some(m.clone()), m),
            None => (
                None,
                new_membership(
                    &actor.workspace_id,
                    &user.id,
                    &role.id,
                    "invited",
                    Some(&actor.user_id),
                ),
            ),
        };
        m.role_id = role.id.clone();
        m.status = "invited".into();
        m.invited_by = Some(actor.user_id.clone());
        m.status_changed_by = Some(actor.user_id.clone());
        m.date_updated = now();
        apply_settings(&mut m, &input.settings)?;
        if before.is_some() {
            memberships::update(&mut tx, &m).await?;
        } else {
            memberships::insert(&mut tx, &m).await?;
        }
        orgs::add_member(&mut tx, &actor.organization_id, &user.id, "member", now()).await?;
        let (inv, _) = self
            .send_invitation(&mut tx, actor, &m, email.as_str(), None)
            .await?;
        self.audit_membership(
            &mut tx,
            Some(actor),
            if before.is_some() {
                "updated"
            } else {
                "created"
            },
            before.as_ref(),
            &m,
            &user.email,
        )
        .await?;
        let listing = self.listing(&mut tx, &m.id, Some(inv)).await?;
        tx.commit().await?;
        Ok(listing)
    }

    async fn listing(
        &self,
        tx: &mut Tx,
        membership_id: &str,
        invitation: Option<InvitationRow>,
    ) -> Result<MemberListing> {
        let member = memberships::get_member(tx, membership_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Membership"))?;
        let (role, permissions) = member_permissions(tx, &member.membership).await?;
        let groups = memberships::group_names(tx, &member.membership.workspace_id)
            .await?
            .into_iter()
            .filter(|(u, _)| *u == member.membership.user_id)
            .map(|(_, g)| g)
            .collect();
        Ok(MemberListing {
            view: MemberView {
                member,
                role_name: role.name,
                permissions,
            },
            groups,
            invitation,
        })
    }

    /// Resends an open invitation with a fresh link (the old link stops working).
    pub async fn resend_invitation(
        &self,
        actor: &Actor,
        membership_id: &str,
    ) -> Result<MemberListing> {
        rules::require_member_admin(actor)?;
        let mut tx = self.db().write().await?;
        let member = load_member(&mut tx, actor, membership_id).await?;
        let inv = team::open_invitation_for(&mut tx, membership_id)
            .await?
            .ok_or_else(|| {
                ServiceError::Conflict("This member has no open invitation to resend.".into())
            })?;
        let (inv, _) = self
            .send_invitation(
                &mut tx,
                actor,
                &member.membership,
                &member.user_email,
                Some(inv),
            )
            .await?;
        let listing = self.listing(&mut tx, membership_id, Some(inv)).await?;
        tx.commit().await?;
        Ok(listing)
    }

    /// Cancels a pending invitation: the link stops working and the invitee leaves the list.
    pub async fn cancel_invitation(&self, actor: &Actor, membership_id: &str) -> Result<()> {
        rules::require_member_admin(actor)?;
        let mut tx = self.db().write().await?;
        let member = load_member(&mut tx, actor, membership_id).await?;
        if member.membership.status != "invited" {
            return Err(ServiceError::Conflict(
                "Only a pending invitation can be cancelled.".into(),
            ));
        }
        team::cancel_invitations_for(&mut tx, membership_id, now()).await?;
        let mut after = member.membership.clone();
        after.status = "removed".into();
        after.date_removed = Some(now());
        after.status_changed_by = Some(actor.user_id.clone());
        after.date_updated = now();
        memberships::update(&mut tx, &after).await?;
        self.audit_membership(
            &mut tx,
            Some(actor),
            "deleted",
            Some(&member.membership),
            &after,
            &member.user_email,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// What the invitation page shows; an unusable link is a clear error.
    pub async fn invitation_info(&self, token: &str) -> Result<InvitationInfo> {
        let mut tx = self.db().read().await?;
        let inv = live_invitation(&mut tx, token).await?;
        let user = users::get(&mut tx, &inv.user_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("User"))?;
        let ws = orgs::get_workspace(&mut tx, &inv.workspace_id)
            .await?
            .map(|w| w.name)
            .unwrap_or_default();
        let inviter = match &inv.invited_by {
            Some(id) => users::get(&mut tx, id).await?.map(|u| {
                format!("{} {}", u.first_name, u.last_name)
                    .trim()
                    .to_string()
            }),
            None => None,
        };
        Ok(InvitationInfo {
            email: user.email,
            workspace_name: ws,
            inviter_name: inviter,
            needs_password: user.password_hash.is_none(),
            first_name: user.first_name,
            last_name: user.last_name,
        })
    }

    /// Accepts an invitation: a new user sets their name and password, an existing user
    /// confirms theirs; the membership becomes active (taking a seat) and they are signed in.
    pub async fn accept_invitation(
        &self,
        token: &str,
        first_name: &str,
        last_name: &str,
        password: &str,
    ) -> Result<NewSession> {
        let mut tx = self.db().read().await?;
        let inv = live_invitation(&mut tx, token).await?;
        let user = users::get(&mut tx, &inv.user_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("User"))?;
        drop(tx);
        let new_hash = if user.password_hash.is_none() {
            validate_password(password)?;
            clean_name("first_name", first_name, 100, true)?;
            Some(hash_password(password.to_string()).await?)
        } else {
            if !verify_password(password.to_string(), user.password_hash.clone()).await? {
                return Err(ServiceError::field(
                    "password",
                    "That is not the password of this account.",
                ));
            }
            None
        };

        let mut tx = self.db().write().await?;
        // Re-read inside the write transaction: a second click must not accept twice.
        let inv = live_invitation(&mut tx, token).await?;
        let ws = orgs::get_workspace(&mut tx, &inv.workspace_id)
            .await?
            .ok_or_else(|| ServiceError::Internal("workspace missing".into()))?;
        let before = memberships::get(&mut tx, &inv.membership_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Membership"))?;
        let mut m = before.clone();
        if let Some(hash) = &new_hash {
            let mut u = user.clone();
            u.first_name = clean_name("first_name", first_name, 100, true)?;
            u.last_name = clean_name("last_name", last_name, 100, false)?;
            u.date_updated = now();
            users::update_profile(&mut tx, &u).await?;
            users::set_password_hash(&mut tx, &u.id, hash, now()).await?;
        }
        if m.status == "invited" {
            let seated = check_seat(&mut tx, &ws.organization_id, &m.user_id).await?;
            m.status = "active".into();
            m.date_activated = Some(now());
            m.date_updated = now();
            m.status_changed_by = Some(m.user_id.clone());
            memberships::update(&mut tx, &m).await?;
            record_seat_change(
                &mut tx,
                None,
                &ws.organization_id,
                &m.user_id,
                seated,
                "invitation accepted",
            )
            .await?;
            self.audit_membership(&mut tx, None, "activated", Some(&before), &m, &user.email)
                .await?;
        } else if m.status != "active" {
            return Err(ServiceError::Forbidden(
                "This invitation is no longer valid: the membership was deactivated or removed."
                    .into(),
            ));
        }
        let mut inv = inv;
        inv.accepted_at = Some(now());
        team::update_invitation(&mut tx, &inv).await?;
        let session = self
            .create_session(&mut tx, &user.id, &inv.workspace_id)
            .await?;
        tx.commit().await?;
        Ok(session)
    }

    /// Adds someone directly with a password (GoCRM style, SPEC S2.2). An email or phone of
    /// another user is refused; a former member of this workspace is restored instead.
    pub async fn add_member(&self, actor: &Actor, input: AddInput) -> Result<MemberListing> {
        rules::require_member_admin(actor)?;
        let email = Email::parse(&input.email)?;
        let first = clean_name("first_name", &input.first_name, 100, true)?;
        let last = clean_name("last_name", &input.last_name, 100, false)?;
        let phone = parse_phone(input.phone.as_deref())?;
        validate_password(&input.password)?;
        let mut tx = self.db().read().await?;
        let role = role_for_input(&mut tx, &actor.workspace_id, &input.role_id).await?;
        rules::may_grant(actor, &role.name, &role.permissions)?;
        let existing = users::find_by_email(&mut tx, &email.normalized()).await?;
        drop(tx);
        if let Some(u) = existing {
            let mut tx = self.db().read().await?;
            let m = memberships::find(&mut tx, &actor.workspace_id, &u.id).await?;
            drop(tx);
            return match m {
                Some(m) if matches!(m.status.as_str(), "removed" | "deactivated") => {
                    // Re-adding a former member restores the same user; their own password stays.
                    self.restore_member(actor, &m.id, &role.id, &input.settings)
                        .await
                }
                _ => Err(ServiceError::field(
                    "email",
                    format!(
                        "The email {email} already belongs to another user. Invite them instead."
                    ),
                )),
            };
        }
        let hash = hash_password(input.password.clone()).await?;
        let mut tx = self.db().write().await?;
        check_phone_free(&mut tx, &phone, None).await?;
        // GoCRM: a person who is a contact of the workspace cannot also be added as a user.
        if corral_store::queries::leads::channel_taken(
            &mut tx,
            &actor.workspace_id,
            "email",
            &email.normalized(),
        )
        .await?
        {
            return Err(ServiceError::field(
                "email",
                format!("The email {email} belongs to a contact of this workspace."),
            ));
        }
        if let Some(p) = &phone
            && corral_store::queries::leads::channel_taken(&mut tx, &actor.workspace_id, "phone", p)
                .await?
        {
            return Err(ServiceError::field(
                "phone",
                format!("The phone number {p} belongs to a contact of this workspace."),
            ));
        }
        let t = now();
        let user = UserRow {
            id: Kind::User.new_id(),
            email: email.to_string(),
            email_lower: email.normalized(),
            first_name: first,
            last_name: last,
            phone,
            image: None,
            timezone: "UTC".into(),
            password_hash: Some(hash),
            date_created: t,
            date_updated: t,
        };
        users::insert(&mut tx, &user).await.map_err(|e| match e {
            corral_store::StoreError::Conflict(_) => ServiceError::field(
                "email",
                format!("The email {email} already belongs to another user."),
            ),
            other => other.into(),
        })?;
        orgs::add_member(&mut tx, &actor.organization_id, &user.id, "member", t).await?;
        let seated = check_seat(&mut tx, &actor.organization_id, &user.id).await?;
        let mut m = new_membership(
            &actor.workspace_id,
            &user.id,
            &role.id,
            "active",
            Some(&actor.user_id),
        );
        apply_settings(&mut m, &input.settings)?;
        memberships::insert(&mut tx, &m).await?;
        record_seat_change(
            &mut tx,
            Some(actor),
            &actor.organization_id,
            &user.id,
            seated,
            "added",
        )
        .await?;
        self.audit_membership(&mut tx, Some(actor), "created", None, &m, &user.email)
            .await?;
        let listing = self.listing(&mut tx, &m.id, None).await?;
        tx.commit().await?;
        Ok(listing)
    }

    /// Re-activates a former member's own membership with a role (re-add, S2.6).
    async fn restore_member(
        &self,
        actor: &Actor,
        membership_id: &str,
        role_id: &str,
        settings: &MemberSettings,
    ) -> Result<MemberListing> {
        let mut tx = self.db().write().await?;
        let member = load_member(&mut tx, actor, membership_id).await?;
        check_may_act_on(&mut tx, actor, &member).await?;
        let before = member.membership.clone();
        let seated = check_seat(&mut tx, &actor.organization_id, &before.user_id).await?;
        let mut m = before.clone();
        m.status = "active".into();
        m.role_id = role_id.to_string();
        m.date_activated = Some(now());
        m.date_updated = now();
        m.status_changed_by = Some(actor.user_id.clone());
        apply_settings(&mut m, settings)?;
        memberships::update(&mut tx, &m).await?;
        record_seat_change(
            &mut tx,
            Some(actor),
            &actor.organization_id,
            &m.user_id,
            seated,
            "re-added",
        )
        .await?;
        self.audit_membership(
            &mut tx,
            Some(actor),
            "activated",
            Some(&before),
            &m,
            &member.user_email,
        )
        .await?;
        let listing = self.listing(&mut tx, &m.id, None).await?;
        tx.commit().await?;
        Ok(listing)
    }

    /// Close's `POST /membership/`: an existing user joins (a former member is restored), a
    /// new user is provisioned and emailed a link to set their password. Roles that manage
    /// the organization cannot be provisioned this way, as in Close.
    pub async fn provision_membership(
        &self,
        actor: &Actor,
        email: &str,
        role_id: &str,
    ) -> Result<MemberListing> {
        rules::require_member_admin(actor)?;
        let email = Email::parse(email)?;
        let mut tx = self.db().read().await?;
        let role = role_for_input(&mut tx, &actor.workspace_id, role_id).await?;
        drop(tx);
        if role.permissions.contains(Permission::ManageOrganization) {
            return Err(ServiceError::Forbidden(format!(
                "Memberships created through the API cannot hold the role '{}' because it manages the organization.",
                role.name
            )));
        }
        rules::may_grant(actor, &role.name, &role.permissions)?;
        let mut tx = self.db().write().await?;
        let user = match users::find_by_email(&mut tx, &email.normalized()).await? {
            Some(u) => u,
            None => {
                let t = now();
                let u = UserRow {
                    id: Kind::User.new_id(),
                    email: email.to_string(),
                    email_lower: email.normalized(),
                    first_name: String::new(),
                    last_name: String::new(),
                    phone: None,
                    image: None,
                    timezone: "UTC".into(),
                    password_hash: None,
                    date_created: t,
                    date_updated: t,
                };
                users::insert(&mut tx, &u).await?;
                u
            }
        };
        let existing = memberships::find(&mut tx, &actor.workspace_id, &user.id).await?;
        if let Some(m) = &existing
            && m.status == "active"
        {
            return Err(ServiceError::field(
                "email",
                format!("{email} is already an active member of this workspace."),
            ));
        }
        let target_role_ok = match &existing {
            Some(m) => {
                let mr = memberships::get_member(&mut tx, &m.id)
                    .await?
                    .ok_or_else(|| ServiceError::not_found("Membership"))?;
                check_may_act_on(&mut tx, actor, &mr).await.map(|_| ())
            }
            None => Ok(()),
        };
        target_role_ok?;
        orgs::add_member(&mut tx, &actor.organization_id, &user.id, "member", now()).await?;
        let seated = check_seat(&mut tx, &actor.organization_id, &user.id).await?;
        let before = existing.clone();
        let mut m = existing.unwrap_or_else(|| {
            new_membership(
                &actor.workspace_id,
                &user.id,
                &role.id,
                "active",
                Some(&actor.user_id),
            )
        });
        m.role_id = role.id.clone();
        m.status = "active".into();
        m.date_activated = Some(now());
        m.date_updated = now();
        m.status_changed_by = Some(actor.user_id.clone());
        if before.is_some() {
            team::cancel_invitations_for(&mut tx, &m.id, now()).await?;
            memberships::update(&mut tx, &m).await?;
        } else {
            memberships::insert(&mut tx, &m).await?;
        }
        record_seat_change(
            &mut tx,
            Some(actor),
            &actor.organization_id,
            &user.id,
            seated,
            "provisioned",
        )
        .await?;
        let invitation = if user.password_hash.is_none() {
            Some(
                self.send_invitation(&mut tx, actor, &m, &user.email, None)
                    .await?
                    .0,
            )
        } else {
            None
        };
        self.audit_membership(
            &mut tx,
            Some(actor),
            if before.is_some() {
                "activated"
            } else {
                "created"
            },
            before.as_ref(),
            &m,
            &user.email,
        )
        .await?;
        let listing = self.listing(&mut tx, &m.id, invitation).await?;
        tx.commit().await?;
        Ok(listing)
    }

    /// Edits one member (SPEC S2.3).
    pub async fn update_member(
        &self,
        actor: &Actor,
        membership_id: &str,
        patch: MemberPatch,
    ) -> Result<MemberListing> {
        let mut tx = self.db().write().await?;
        self.apply_patch(&mut tx, actor, membership_id, &patch)
            .await?;
        let listing = self.listing(&mut tx, membership_id, None).await?;
        tx.commit().await?;
        Ok(listing)
    }

    /// Edits several members at once; all or nothing. Returns how many were changed.
    pub async fn update_members(
        &self,
        actor: &Actor,
        ids: &[String],
        patch: MemberPatch,
    ) -> Result<usize> {
        if ids.is_empty() {
            return Err(ServiceError::field(
                "id__in",
                "Name at least one membership id.",
            ));
        }
        let mut tx = self.db().write().await?;
        for id in ids {
            self.apply_patch(&mut tx, actor, id, &patch).await?;
        }
        tx.commit().await?;
        Ok(ids.len())
    }

    async fn apply_patch(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        membership_id: &str,
        patch: &MemberPatch,
    ) -> Result<()> {
        let member = load_member(tx, actor, membership_id).await?;
        let own = member.membership.user_id == actor.user_id;
        let before = member.membership.clone();
        let mut m = before.clone();
        let mut changes = Vec::new();
        if let Some(role_id) = &patch.role_id {
            let role = role_for_input(tx, &actor.workspace_id, role_id).await?;
            changes.push(MemberChange::SetRole {
                role_id: role.id,
                role_name: role.name,
                role_permissions: role.permissions,
            });
        }
        if let Some(r) = &patch.restrictions {
            changes.push(MemberChange::SetRestrictions(Restriction::parse_names(r)?));
        }
        if !changes.is_empty() {
            // Role and restriction changes are decided by the domain's planning rules.
            let states = member_states(tx, &actor.workspace_id).await?;
            let after = rules::plan_member_change(actor, &states, membership_id, &changes)?;
            m.role_id = after.role_id;
            m.restrictions = after
                .restrictions
                .iter()
                .map(|r| r.name())
                .collect::<Vec<_>>()
                .join(",");
        } else if patch.touches_access() || patch.touches_account() || !own {
            // Anything but one's own personal preferences needs another administrator.
            check_may_act_on(tx, actor, &member).await?;
        }
        if let Some(rr) = patch.round_robin {
            m.round_robin = rr;
        }
        if let Some(mgr) = &patch.manager_id {
            m.manager_id = match mgr.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => None,
                Some(uid) if uid == m.user_id => {
                    return Err(ServiceError::field(
                        "manager_id",
                        "A member cannot report to themself.",
                    ));
                }
                Some(uid) => {
                    if !users::is_in_workspace(tx, &actor.workspace_id, uid).await? {
                        return Err(ServiceError::field(
                            "manager_id",
                            format!("'{uid}' is not a member of this workspace."),
                        ));
                    }
                    Some(uid.to_string())
                }
            };
        }
        if let Some(h) = &patch.homepage {
            m.homepage = check_homepage(h)?;
        }
        if let Some(a) = &patch.auto_record_calls {
            if !matches!(a.as_str(), "unset" | "enabled" | "disabled") {
                return Err(ServiceError::field(
                    "auto_record_calls",
                    "Use 'unset', 'enabled' or 'disabled'.",
                ));
            }
            m.auto_record_calls = a.clone();
        }
        if let Some(t) = patch.track_email_opens {
            m.track_email_opens = t;
        }
        if let Some(d) = &patch.default_caller_id {
            m.default_caller_id = d.clone().filter(|s| !s.trim().is_empty());
        }
        if patch.touches_account() {
            let mut u = users::get(tx, &m.user_id)
                .await?
                .ok_or_else(|| ServiceError::not_found("User"))?;
            if let Some(f) = &patch.first_name {
                u.first_name = clean_name("first_name", f, 100, true)?;
            }
            if let Some(l) = &patch.last_name {
                u.last_name = clean_name("last_name", l, 100, false)?;
            }
            if let Some(p) = &patch.phone {
                u.phone = parse_phone(p.as_deref())?;
                check_phone_free(tx, &u.phone, Some(&u.id)).await?;
            }
            u.date_updated = now();
            users::update_profile(tx, &u).await?;
            if let Some(pw) = &patch.password {
                validate_password(pw)?;
                let hash = hash_password(pw.clone()).await?;
                users::set_password_hash(tx, &u.id, &hash, now()).await?;
            }
        }
        m.date_updated = now();
        memberships::update(tx, &m).await?;
        self.audit_membership(
            tx,
            Some(actor),
            "updated",
            Some(&before),
            &m,
            &member.user_email,
        )
        .await?;
        Ok(())
    }

    /// Deactivates a member (SPEC S2.4): access ends at once, the seat is freed, data stays.
    pub async fn deactivate_member(
        &self,
        actor: &Actor,
        membership_id: &str,
    ) -> Result<MemberListing> {
        self.change_status(actor, membership_id, MembershipStatus::Deactivated)
            .await
    }

    /// Reactivates a deactivated member, taking a seat again (SPEC S2.4).
    pub async fn reactivate_member(
        &self,
        actor: &Actor,
        membership_id: &str,
    ) -> Result<MemberListing> {
        self.change_status(actor, membership_id, MembershipStatus::Active)
            .await
    }

    /// Removes a member from the workspace (SPEC S2.5): the membership ends and offboarding
    /// runs in the same transaction: what they held becomes unassigned, or goes to
    /// `reassign_to` when given. Organization membership and everything the user did stay.
    pub async fn remove_member(
        &self,
        actor: &Actor,
        membership_id: &str,
        reassign_to: Option<&str>,
    ) -> Result<MemberListing> {
        use corral_domain::offboarding::Disposition;
        let choices = match reassign_to.filter(|u| !u.is_empty()) {
            Some(u) => crate::offboarding::Choices::all(Disposition::Reassign(u.to_string())),
            None => crate::offboarding::Choices::default_for("remove"),
        };
        self.offboard(actor, membership_id, "remove", &choices)
            .await?;
        let mut tx = self.db().read().await?;
        self.listing(&mut tx, membership_id, None).await
    }

    async fn change_status(
        &self,
        actor: &Actor,
        membership_id: &str,
        to: MembershipStatus,
    ) -> Result<MemberListing> {
        let mut tx = self.db().write().await?;
        self.change_status_in(&mut tx, actor, membership_id, to)
            .await?;
        let listing = self.listing(&mut tx, membership_id, None).await?;
        tx.commit().await?;
        Ok(listing)
    }

    /// Changes a member's status inside `tx` (so offboarding can do it in its own
    /// transaction), asking every rule first.
    pub(crate) async fn change_status_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        membership_id: &str,
        to: MembershipStatus,
    ) -> Result<MembershipRow> {
        let tx = &mut *tx;
        let member = load_member(tx, actor, membership_id).await?;
        let before = member.membership.clone();
        let states = member_states(tx, &actor.workspace_id).await?;
        rules::plan_member_change(
            actor,
            &states,
            membership_id,
            &[MemberChange::SetStatus(to)],
        )?;
        let mut m = before.clone();
        m.status = to.as_str().to_string();
        m.status_changed_by = Some(actor.user_id.clone());
        m.date_updated = now();
        let seated = team::holds_seat(tx, &actor.organization_id, &m.user_id).await?;
        let action = match to {
            MembershipStatus::Active => {
                check_seat(tx, &actor.organization_id, &m.user_id).await?;
                m.date_activated = Some(now());
                "activated"
            }
            MembershipStatus::Deactivated => {
                m.date_deactivated = Some(now());
                "deactivated"
            }
            MembershipStatus::Removed => {
                m.date_removed = Some(now());
                team::cancel_invitations_for(tx, &m.id, now()).await?;
                "deleted"
            }
            MembershipStatus::Invited => "updated",
        };
        if to != MembershipStatus::Active {
            revoke_access(tx, &m).await?;
        }
        memberships::update(tx, &m).await?;
        record_seat_change(
            tx,
            Some(actor),
            &actor.organization_id,
            &m.user_id,
            seated,
            action,
        )
        .await?;
        self.audit_membership(
            tx,
            Some(actor),
            action,
            Some(&before),
            &m,
            &member.user_email,
        )
        .await?;
        Ok(m)
    }

    /// Members of the actor's workspace matching `filter` (SPEC S2.8).
    pub async fn list_members(
        &self,
        actor: &Actor,
        filter: MemberFilter,
    ) -> Result<Vec<MemberListing>> {
        rules::require_member_admin(actor)?;
        if let Some(s) = &filter.status {
            MembershipStatus::parse(s)?;
        }
        let mut tx = self.db().read().await?;
        let rows = memberships::search_members(&mut tx, &actor.workspace_id, &filter).await?;
        let groups = memberships::group_names(&mut tx, &actor.workspace_id).await?;
        let invitations = team::open_invitations(&mut tx, &actor.workspace_id).await?;
        // Each role is resolved once, however many members hold it.
        let mut roles: std::collections::HashMap<String, ResolvedRole> =
            std::collections::HashMap::new();
        let mut groups_of: std::collections::HashMap<String, Vec<String>> =
            std::collections::HashMap::new();
        for (u, g) in groups {
            groups_of.entry(u).or_default().push(g);
        }
        let mut out = Vec::with_capacity(rows.len());
        for member in rows {
            let ms = &member.membership;
            let role = match roles.get(&ms.role_id) {
                Some(r) => r.clone(),
                None => {
                    let r = resolve(&mut tx, &ms.workspace_id, &ms.role_id)
                        .await?
                        .ok_or_else(|| {
                            ServiceError::Internal(format!(
                                "membership {} holds unknown role {}",
                                ms.id, ms.role_id
                            ))
                        })?;
                    roles.insert(ms.role_id.clone(), r.clone());
                    r
                }
            };
            let permissions =
                effective_permissions(&role.permissions, &parse_restrictions(&ms.restrictions)?);
            let uid = ms.user_id.clone();
            let mid = ms.id.clone();
            out.push(MemberListing {
                view: MemberView {
                    member,
                    role_name: role.name,
                    permissions,
                },
                groups: groups_of.get(&uid).cloned().unwrap_or_default(),
                invitation: invitations.iter().find(|i| i.membership_id == mid).cloned(),
            });
        }
        Ok(out)
    }

    /// One member of the actor's workspace (admins, or the member themself).
    pub async fn get_member(&self, actor: &Actor, membership_id: &str) -> Result<MemberListing> {
        let mut tx = self.db().read().await?;
        let member = load_member(&mut tx, actor, membership_id).await?;
        if member.membership.user_id != actor.user_id {
            rules::require_member_admin(actor)?;
        }
        let inv = team::open_invitation_for(&mut tx, membership_id).await?;
        self.listing(&mut tx, membership_id, inv).await
    }

    /// Pinned smart views of a membership (its owner or an administrator).
    pub async fn pinned_views(&self, actor: &Actor, membership_id: &str) -> Result<Vec<String>> {
        let l = self.get_member(actor, membership_id).await?;
        Ok(l.view
            .member
            .membership
            .pinned_views
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect())
    }

    /// Replaces the ordered list of pinned smart views.
    pub async fn set_pinned_views(
        &self,
        actor: &Actor,
        membership_id: &str,
        ids: Vec<String>,
    ) -> Result<Vec<String>> {
        let mut tx = self.db().write().await?;
        let member = load_member(&mut tx, actor, membership_id).await?;
        if member.membership.user_id != actor.user_id {
            check_may_act_on(&mut tx, actor, &member).await?;
        }
        for id in &ids {
            if !id.starts_with("save_")
                || id.len() < 6
                || !id[5..].bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return Err(ServiceError::field(
                    "saved_view_ids",
                    format!("'{id}' is not a smart view id."),
                ));
            }
        }
        let mut m = member.membership.clone();
        m.pinned_views = ids.join(",");
        m.date_updated = now();
        memberships::update(&mut tx, &m).await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// Seats of the actor's organization (owners only).
    pub async fn seat_report(&self, actor: &Actor) -> Result<SeatReport> {
        require_owner(actor)?;
        let mut tx = self.db().read().await?;
        let org = orgs::get(&mut tx, &actor.organization_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Organization"))?;
        Ok(SeatReport {
            organization_id: org.id.clone(),
            seats_used: team::seats_used(&mut tx, &org.id).await?,
            seat_limit: org.seat_limit,
            history: team::seat_changes(&mut tx, &org.id).await?,
        })
    }

    /// Sets or clears the seat limit (owners only). A limit below current use is refused.
    pub async fn set_seat_limit(&self, actor: &Actor, limit: Option<i64>) -> Result<SeatReport> {
        require_owner(actor)?;
        let mut tx = self.db().write().await?;
        let used = team::seats_used_for_update(&mut tx, &actor.organization_id).await?;
        if let Some(l) = limit
            && (l < 1 || l < used)
        {
            return Err(ServiceError::field(
                "seat_limit",
                format!("The seat limit must be at least the {used} seats in use."),
            ));
        }
        let org = orgs::get(&mut tx, &actor.organization_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Organization"))?;
        team::set_seat_limit(&mut tx, &org.id, limit, now()).await?;
        audit::record(
            &mut tx,
            Some(actor),
            &org.id,
            &actor.workspace_id,
            Change {
                object_type: "organization",
                object_id: &org.id,
                action: "updated",
                before: json!({"seat_limit": org.seat_limit}),
                after: json!({"seat_limit": limit}),
            },
        )
        .await?;
        tx.commit().await?;
        self.seat_report(actor).await
    }
}

fn require_owner(actor: &Actor) -> Result<()> {
    if actor.is_org_owner {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "Only an owner of the organization can do this.".into(),
        ))
    }
}

/// The invitation behind `token` if it can still be used.
async fn live_invitation(tx: &mut Tx, token: &str) -> Result<InvitationRow> {
    let inv = team::invitation_by_token(tx, &token_hash(token))
        .await?
        .ok_or_else(|| {
            ServiceError::Forbidden(
                "This invitation link is not valid. Ask for a new invitation.".into(),
            )
        })?;
    if inv.accepted_at.is_some() {
        return Err(ServiceError::Forbidden(
            "This invitation was already accepted. Sign in instead.".into(),
        ));
    }
    if inv.cancelled_at.is_some() {
        return Err(ServiceError::Forbidden(
            "This invitation was cancelled. Ask for a new invitation.".into(),
        ));
    }
    if inv.expires_at <= now() {
        return Err(ServiceError::Forbidden(
            "This invitation link has expired. Ask for a new invitation.".into(),
        ));
    }
    Ok(inv)
}

/// Effective permissions of a membership row (for views and the policy).
pub fn effective(role: &PermissionSet, stored_restrictions: &str) -> Result<PermissionSet> {
    Ok(effective_permissions(
        role,
        &parse_restrictions(stored_restrictions)?,
    ))
}

impl Services {
    /// Makes a member of the organization an owner, or an owner a plain member (owners only);
    /// the organization always keeps an owner.
    pub async fn set_org_role(&self, actor: &Actor, user_id: &str, org_role: &str) -> Result<()> {
        require_owner(actor)?;
        if !matches!(org_role, "owner" | "member") {
            return Err(ServiceError::field("org_role", "Use 'owner' or 'member'."));
        }
        let mut tx = self.db().write().await?;
        let before = orgs::member_role(&mut tx, &actor.organization_id, user_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Organization member"))?;
        let mut owners = orgs::owner_ids(&mut tx, &actor.organization_id).await?;
        owners.retain(|u| u != user_id);
        if org_role == "owner" {
            owners.push(user_id.to_string());
        }
        rules::keeps_an_owner(owners.len())?;
        orgs::set_member_role(&mut tx, &actor.organization_id, user_id, org_role).await?;
        audit::record(
            &mut tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            Change {
                object_type: "organization_member",
                object_id: user_id,
                action: "updated",
                before: json!({"org_role": before}),
                after: json!({"org_role": org_role}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a user from the organization (owners only): every workspace membership ends
    /// (access revoked, seat freed), and the user keeps their history everywhere.
    pub async fn remove_from_organization(&self, actor: &Actor, user_id: &str) -> Result<usize> {
        require_owner(actor)?;
        if user_id == actor.user_id {
            return Err(ServiceError::Forbidden(
                "You cannot remove yourself from the organization. Ask another owner.".into(),
            ));
        }
        let mut tx = self.db().write().await?;
        let role = orgs::member_role(&mut tx, &actor.organization_id, user_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Organization member"))?;
        if role == "owner" {
            let owners = orgs::owner_ids(&mut tx, &actor.organization_id).await?;
            rules::keeps_an_owner(owners.len().saturating_sub(1))?;
        }
        let seated = team::holds_seat(&mut tx, &actor.organization_id, user_id).await?;
        let ids = orgs::memberships_in_org(&mut tx, &actor.organization_id, user_id).await?;
        let mut ended = 0;
        for id in &ids {
            let Some(member) = memberships::get_member(&mut tx, id).await? else {
                continue;
            };
            let before = member.membership.clone();
            if before.status == "removed" {
                continue;
            }
            let mut m = before.clone();
            m.status = "removed".into();
            m.date_removed = Some(now());
            m.date_updated = now();
            m.status_changed_by = Some(actor.user_id.clone());
            check_keeps_administrator(&mut tx, &m.workspace_id, &m).await?;
            team::cancel_invitations_for(&mut tx, &m.id, now()).await?;
            revoke_access(&mut tx, &m).await?;
            memberships::update(&mut tx, &m).await?;
            self.audit_membership(
                &mut tx,
                Some(actor),
                "deleted",
                Some(&before),
                &m,
                &member.user_email,
            )
            .await?;
            ended += 1;
        }
        orgs::remove_member(&mut tx, &actor.organization_id, user_id).await?;
        record_seat_change(
            &mut tx,
            Some(actor),
            &actor.organization_id,
            user_id,
            seated,
            "removed from organization",
        )
        .await?;
        audit::record(
            &mut tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            Change {
                object_type: "organization_member",
                object_id: user_id,
                action: "deleted",
                before: json!({"org_role": role}),
                after: json!({}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(ended)
    }
}
