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
