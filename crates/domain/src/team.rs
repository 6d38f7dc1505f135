//! Rules of team administration (SPEC S1, S2): who may act on which member, which roles an
//! actor may grant, the invariants a workspace and an organization keep, and seats.

use crate::error::DomainError;
use crate::membership::MembershipStatus;
use crate::permissions::{Permission, PermissionSet};
use crate::policy::Actor;

/// What the rules need to know about the member being acted on.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub user_id: &'a str,
    pub display_name: &'a str,
    /// The permissions of the target's current role.
    pub role_permissions: &'a PermissionSet,
}

/// May `actor` administer members at all (SPEC S2.7)?
pub fn require_member_admin(actor: &Actor) -> Result<(), DomainError> {
    actor.require_any(&[Permission::ManageUsers, Permission::ManageOrganization])
}

/// May `actor` change, deactivate or remove `target`? Nobody acts on their own access, and
/// nobody acts on a member whose role holds a permission they lack (SPEC S2.3).
pub fn may_act_on(actor: &Actor, target: &Target<'_>) -> Result<(), DomainError> {
    require_member_admin(actor)?;
    if target.user_id == actor.user_id {
        return Err(DomainError::Forbidden(
            "You cannot change your own access, role or restrictions. Ask another member who manages users.".into(),
        ));
    }
    let beyond = target.role_permissions.missing_from(&actor.permissions);
    if !beyond.is_empty() {
        let names: Vec<_> = beyond.iter().map(|p| p.name()).collect();
        return Err(DomainError::Forbidden(format!(
            "{} holds permissions you do not ({}), so only someone with at least those permissions can change their access.",
            target.display_name,
            names.join(", ")
        )));
    }
    Ok(())
}

/// May `actor` give someone a role holding `role_permissions`?
pub fn may_grant(
    actor: &Actor,
    role_name: &str,
    role_permissions: &PermissionSet,
) -> Result<(), DomainError> {
    let beyond = role_permissions.missing_from(&actor.permissions);
    if beyond.is_empty() {
        Ok(())
    } else {
        let names: Vec<_> = beyond.iter().map(|p| p.name()).collect();
        Err(DomainError::Forbidden(format!(
            "You cannot grant the role '{role_name}': it holds permissions you do not ({}).",
            names.join(", ")
        )))
    }
}

/// Whether a workspace whose members would be `after` (status, effective permissions) still
/// has an active member who can manage it (SPEC S2.9).
pub fn keeps_an_administrator<'a>(
    after: impl IntoIterator<Item = (MembershipStatus, &'a PermissionSet)>,
) -> bool {
    after
        .into_iter()
        .any(|(s, p)| s.is_active() && p.contains(Permission::ManageOrganization))
}

/// The error for a change that would leave no administrator.
pub fn last_administrator() -> DomainError {
    DomainError::Conflict(
        "This would leave the workspace without an active member who can manage it (permission 'manage_organization'). Give someone else that permission first.".into(),
    )
}

/// Whether a user may take one more seat: users already seated take none; others need a free
/// seat when the organization has a limit (SPEC S1).
pub fn check_seat(
    seats_used: i64,
    seat_limit: Option<i64>,
    already_seated: bool,
) -> Result<(), DomainError> {
    match seat_limit {
        Some(limit) if !already_seated && seats_used >= limit => {
            Err(DomainError::PlanLimit(format!(
                "All {limit} seats of this organization are in use. Deactivate someone or raise the seat limit first."
            )))
        }
        _ => Ok(()),
    }
}

/// Which status changes the membership lifecycle allows: `invited` → `active` ⇄
/// `deactivated`; any → `removed`; `removed` → `active` or `invited` when re-added.
pub fn may_transition(from: MembershipStatus, to: MembershipStatus) -> bool {
    use MembershipStatus::*;
    matches!(
        (from, to),
        (Invited, Active)
            | (Active, Deactivated)
            | (Deactivated, Active)
            | (Invited | Active | Deactivated, Removed)
            | (Removed | Deactivated, Invited)
            | (Removed, Active)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles::BuiltinRole;
    use proptest::prelude::*;

    fn actor(role: BuiltinRole, user: &str) -> Actor {
        Actor {
            user_id: user.into(),
            membership_id: format!("memb_{user}"),
            workspace_id: "orga_w".into(),
            organization_id: "orga_o".into(),
            role_id: role.id().into(),
            restrictions: vec![],
            permissions: role.permissions(),
            is_org_owner: false,
            request_id: String::new(),
            lead_scope: crate::visibility::LeadScope::All,
        }
    }

    #[test]
    fn nobody_acts_on_themselves() {
        let a = actor(BuiltinRole::Admin, "a");
        let perms = BuiltinRole::User.permissions();
        let t = Target {
            user_id: "a",
            display_name: "A",
            role_permissions: &perms,
        };
        assert!(may_act_on(&a, &t).is_err());
    }

    #[test]
    fn managers_cannot_touch_admins_or_grant_admin() {
        let m = actor(BuiltinRole::Manager, "m");
        let admin = BuiltinRole::Admin.permissions();
        let user = BuiltinRole::User.permissions();
        assert!(
            may_act_on(
                &m,
                &Target {
                    user_id: "x",
                    display_name: "X",
                    role_permissions: &admin
                }
            )
            .is_err()
        );
        assert!(
            may_act_on(
                &m,
                &Target {
                    user_id: "x",
                    display_name: "X",
                    role_permissions: &user
                }
            )
            .is_ok()
        );
        assert!(may_grant(&m, "Admin", &admin).is_err());
        assert!(may_grant(&m, "User", &user).is_ok());
        let su = actor(BuiltinRole::Superuser, "s");
        assert!(
            may_act_on(
                &su,
                &Target {
                    user_id: "x",
                    display_name: "X",
                    role_permissions: &user
                }
            )
            .is_err()
        );
    }

    #[test]
    fn seats() {
        assert!(check_seat(5, Some(5), false).is_err());
        assert!(check_seat(5, Some(5), true).is_ok());
        assert!(check_seat(4, Some(5), false).is_ok());
        assert!(check_seat(500, None, false).is_ok());
    }

    fn role() -> impl Strategy<Value = BuiltinRole> {
        prop::sample::select(BuiltinRole::ALL.to_vec())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// No escalation: whenever an actor may act on a target or grant a role, the target's
        /// or role's permissions are within the actor's own.
        #[test]
        fn no_privilege_escalation(a in role(), t in role(), restrict in prop::collection::vec(prop::sample::select(crate::membership::Restriction::ALL.to_vec()), 0..3)) {
            let mut act = actor(a, "a");
            act.permissions = crate::membership::effective_permissions(&a.permissions(), &restrict);
            let tp = t.permissions();
            if may_act_on(&act, &Target { user_id: "t", display_name: "T", role_permissions: &tp }).is_ok() {
                prop_assert!(tp.is_subset(&act.permissions));
                prop_assert!(act.may_manage_members());
            }
            if may_grant(&act, t.name(), &tp).is_ok() {
                prop_assert!(tp.is_subset(&act.permissions));
            }
        }
    }
}

/// Whether an organization whose owners would be `owners_after` still has one (SPEC S1).
pub fn keeps_an_owner(owners_after: usize) -> Result<(), DomainError> {
    if owners_after == 0 {
        Err(DomainError::Conflict(
            "An organization always keeps at least one owner. Make someone else an owner first."
                .into(),
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod invariant_tests {
    use super::*;
    use crate::roles::BuiltinRole;

    #[test]
    fn administrator_and_owner_invariants() {
        let admin = BuiltinRole::Admin.permissions();
        let user = BuiltinRole::User.permissions();
        assert!(keeps_an_administrator([
            (MembershipStatus::Active, &admin),
            (MembershipStatus::Active, &user)
        ]));
        assert!(!keeps_an_administrator([
            (MembershipStatus::Deactivated, &admin),
            (MembershipStatus::Active, &user)
        ]));
        assert!(!keeps_an_administrator([(
            MembershipStatus::Invited,
            &admin
        )]));
        assert!(keeps_an_owner(1).is_ok());
        assert!(keeps_an_owner(0).is_err());
    }

    #[test]
    fn lifecycle_transitions() {
        use MembershipStatus::*;
        assert!(may_transition(Invited, Active));
        assert!(may_transition(Active, Deactivated));
        assert!(may_transition(Deactivated, Active));
        assert!(may_transition(Active, Removed));
        assert!(!may_transition(Invited, Deactivated));
        assert!(!may_transition(Removed, Deactivated));
    }
}

/// One member as the planning rules see them.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberState {
    pub membership_id: String,
    pub user_id: String,
    pub display_name: String,
    pub status: MembershipStatus,
    pub role_id: String,
    pub role_name: String,
    pub role_permissions: PermissionSet,
    pub restrictions: Vec<crate::membership::Restriction>,
}

impl MemberState {
    pub fn effective(&self) -> PermissionSet {
        crate::membership::effective_permissions(&self.role_permissions, &self.restrictions)
    }
}

/// A change an administrator asks for on one member's access.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberChange {
    SetRole {
        role_id: String,
        role_name: String,
        role_permissions: PermissionSet,
    },
    SetRestrictions(Vec<crate::membership::Restriction>),
    SetStatus(MembershipStatus),
}

/// Decides whether `actor` may apply `changes` to member `target` of a workspace whose members
/// are `members`, and returns the target's new state. Every rule of SPEC S2.3, S2.9 and S3
/// about access changes is asked here, in this order: the actor administers members, does not
/// act on themself nor on someone holding more than they do, grants no role beyond their own,
/// follows the lifecycle, and leaves the workspace an active administrator.
pub fn plan_member_change(
    actor: &Actor,
    members: &[MemberState],
    target: &str,
    changes: &[MemberChange],
) -> Result<MemberState, DomainError> {
    let before = members
        .iter()
        .find(|m| m.membership_id == target)
        .ok_or_else(|| {
            DomainError::Conflict(format!("'{target}' is not a member of this workspace."))
        })?;
    may_act_on(
        actor,
        &Target {
            user_id: &before.user_id,
            display_name: &before.display_name,
            role_permissions: &before.role_permissions,
        },
    )?;
    if changes
        .iter()
        .filter(|c| matches!(c, MemberChange::SetStatus(_)))
        .count()
        > 1
    {
        return Err(DomainError::Conflict(
            "Change a member's status one step at a time.".into(),
        ));
    }
    let mut after = before.clone();
    for change in changes {
        match change {
            MemberChange::SetRole {
                role_id,
                role_name,
                role_permissions,
            } => {
                may_grant(actor, role_name, role_permissions)?;
                after.role_id = role_id.clone();
                after.role_name = role_name.clone();
                after.role_permissions = role_permissions.clone();
            }
            MemberChange::SetRestrictions(r) => {
                let mut r = r.clone();
                r.sort();
                r.dedup();
                after.restrictions = r;
            }
            MemberChange::SetStatus(to) => {
                let from = after.status;
                let allowed = may_transition(from, *to)
                    && !(*to == MembershipStatus::Active && from != MembershipStatus::Deactivated);
                if !allowed {
                    return Err(DomainError::Conflict(format!(
                        "{} is {}; they cannot be made {} from there.",
                        before.display_name,
                        from.as_str(),
                        to.as_str()
                    )));
                }
                after.status = *to;
            }
        }
    }
    let had_admin = keeps_an_administrator(
        members
            .iter()
            .map(|m| (m.status, m.effective()))
            .collect::<Vec<_>>()
            .iter()
            .map(|(s, p)| (*s, p)),
    );
    let effective: Vec<(MembershipStatus, PermissionSet)> = members
        .iter()
        .map(|m| {
            if m.membership_id == target {
                (after.status, after.effective())
            } else {
                (m.status, m.effective())
            }
        })
        .collect();
    if had_admin && !keeps_an_administrator(effective.iter().map(|(s, p)| (*s, p))) {
        return Err(last_administrator());
    }
    Ok(after)
}

/// Built-in roles are never edited or deleted; custom ones only by someone holding every
/// permission the role holds before and after.
pub fn may_edit_role(
    actor: &Actor,
    editable: bool,
    role_name: &str,
    before: &PermissionSet,
    after: &PermissionSet,
) -> Result<(), DomainError> {
    actor.require(Permission::ManageOrganization)?;
    if !editable {
        return Err(DomainError::Forbidden(format!(
            "'{role_name}' is a built-in role and cannot be changed. Create a custom role instead."
        )));
    }
    may_grant(actor, role_name, before)?;
    may_grant(actor, role_name, after)
}

#[cfg(test)]
mod model_tests {
    use super::*;
    use crate::membership::Restriction;
    use crate::roles::BuiltinRole;
    use proptest::prelude::*;

    fn perms() -> impl Strategy<Value = PermissionSet> {
        prop_oneof![
            prop::sample::select(BuiltinRole::ALL.to_vec()).prop_map(|r| r.permissions()),
            prop::sample::subsequence(Permission::ALL.to_vec(), 0..Permission::ALL.len())
                .prop_map(|v| PermissionSet::of(&v)),
        ]
    }

    fn status() -> impl Strategy<Value = MembershipStatus> {
        prop::sample::select(vec![
            MembershipStatus::Invited,
            MembershipStatus::Active,
            MembershipStatus::Active,
            MembershipStatus::Deactivated,
            MembershipStatus::Removed,
        ])
    }

    fn restrictions() -> impl Strategy<Value = Vec<Restriction>> {
        prop::sample::subsequence(Restriction::ALL.to_vec(), 0..3)
    }

    fn member(i: usize) -> impl Strategy<Value = MemberState> {
        (perms(), status(), restrictions()).prop_map(move |(p, s, r)| MemberState {
            membership_id: format!("memb_{i}"),
            user_id: format!("user_{i}"),
            display_name: format!("Member {i}"),
            status: s,
            role_id: format!("role_{i}"),
            role_name: format!("Role {i}"),
            role_permissions: p,
            restrictions: r,
        })
    }

    fn workspace() -> impl Strategy<Value = Vec<MemberState>> {
        (2usize..8).prop_flat_map(|n| (0..n).map(member).collect::<Vec<_>>())
    }

    fn change() -> impl Strategy<Value = MemberChange> {
        prop_oneof![
            perms().prop_map(|p| MemberChange::SetRole {
                role_id: "role_new".into(),
                role_name: "New".into(),
                role_permissions: p
            }),
            restrictions().prop_map(MemberChange::SetRestrictions),
            status().prop_map(MemberChange::SetStatus),
        ]
    }

    fn actor_of(m: &MemberState) -> Actor {
        Actor {
            user_id: m.user_id.clone(),
            membership_id: m.membership_id.clone(),
            workspace_id: "orga_w".into(),
            organization_id: "orga_o".into(),
            role_id: m.role_id.clone(),
            restrictions: m.restrictions.clone(),
            permissions: m.effective(),
            is_org_owner: false,
            request_id: String::new(),
            lead_scope: crate::visibility::LeadScope::All,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        /// Random workspaces, actors and changes: whatever is allowed keeps every invariant.
        #[test]
        fn allowed_changes_keep_every_invariant(ws in workspace(), a in 0usize..8, t in 0usize..8, changes in prop::collection::vec(change(), 1..3)) {
            let actor_m = &ws[a % ws.len()];
            let target = &ws[t % ws.len()];
            let actor = actor_of(actor_m);
            if let Ok(after) = plan_member_change(&actor, &ws, &target.membership_id, &changes) {
                {
                    // Only member administrators act, and never on themselves.
                    prop_assert!(actor.may_manage_members());
                    prop_assert_ne!(&actor.user_id, &target.user_id);
                    // No escalation: the target held nothing beyond the actor, and gains nothing beyond.
                    prop_assert!(target.role_permissions.is_subset(&actor.permissions));
                    prop_assert!(after.role_permissions.is_subset(&actor.permissions));
                    // The lifecycle is respected.
                    prop_assert!(after.status == target.status || may_transition(target.status, after.status));
                    // An administrator remains if there was one.
                    let had = ws.iter().any(|m| m.status.is_active() && m.effective().contains(Permission::ManageOrganization));
                    let has = ws.iter().map(|m| if m.membership_id == target.membership_id { &after } else { m })
                        .any(|m| m.status.is_active() && m.effective().contains(Permission::ManageOrganization));
                    prop_assert!(!had || has);
                }
            }
        }

        /// Nobody ever changes their own access.
        #[test]
        fn no_self_edit(ws in workspace(), a in 0usize..8, c in change()) {
            let m = &ws[a % ws.len()];
            prop_assert!(plan_member_change(&actor_of(m), &ws, &m.membership_id, &[c]).is_err());
        }

        /// Built-in roles are immutable for everyone, admins included.
        #[test]
        fn builtins_immutable(p in perms(), r in prop::sample::select(BuiltinRole::ALL.to_vec())) {
            let mut admin = actor_of(&MemberState {
                membership_id: "memb_a".into(), user_id: "user_a".into(), display_name: "A".into(),
                status: MembershipStatus::Active, role_id: "admin".into(), role_name: "Admin".into(),
                role_permissions: BuiltinRole::Admin.permissions(), restrictions: vec![],
            });
            admin.is_org_owner = true;
            prop_assert!(may_edit_role(&admin, false, r.name(), &r.permissions(), &p).is_err());
        }
    }
}
