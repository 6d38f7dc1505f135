//! The access policy: who is asking, and whether they may do a thing.
//!
//! An [`Actor`] is built once per request from a session or an API key and handed to every
//! service call; services ask it before touching data.

use crate::error::DomainError;
use crate::membership::Restriction;
use crate::permissions::{Permission, PermissionSet};

/// An authenticated member acting in one workspace.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: String,
    pub membership_id: String,
    pub workspace_id: String,
    pub organization_id: String,
    pub role_id: String,
    pub restrictions: Vec<Restriction>,
    /// Role permissions minus restrictions.
    pub permissions: PermissionSet,
    /// Whether the user owns the organization the workspace belongs to.
    pub is_org_owner: bool,
    /// The id of the request being served (`req_…`), recorded in the audit log.
    pub request_id: String,
    /// Which leads the actor sees (SPEC S3).
    pub lead_scope: crate::visibility::LeadScope,
}

impl Actor {
    pub fn can(&self, p: Permission) -> bool {
        self.permissions.contains(p)
    }

    /// Refuses unless the actor holds `p`.
    pub fn require(&self, p: Permission) -> Result<(), DomainError> {
        if self.can(p) {
            Ok(())
        } else {
            Err(DomainError::Forbidden(format!(
                "You need the '{}' permission to do this.",
                p.name()
            )))
        }
    }

    /// Refuses unless the actor holds at least one of `ps`.
    pub fn require_any(&self, ps: &[Permission]) -> Result<(), DomainError> {
        if ps.iter().any(|p| self.can(*p)) {
            Ok(())
        } else {
            let names: Vec<_> = ps.iter().map(|p| format!("'{}'", p.name())).collect();
            Err(DomainError::Forbidden(format!(
                "You need one of the {} permissions to do this.",
                names.join(" or ")
            )))
        }
    }

    /// Whether the actor may see the workspace's member administration (SPEC S2.7).
    pub fn may_manage_members(&self) -> bool {
        self.can(Permission::ManageUsers) || self.can(Permission::ManageOrganization)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles::BuiltinRole;

    fn actor(role: BuiltinRole) -> Actor {
        Actor {
            user_id: "user_a".into(),
            membership_id: "memb_a".into(),
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
    fn member_admin_needs_manage_users_or_org() {
        assert!(actor(BuiltinRole::Admin).may_manage_members());
        assert!(actor(BuiltinRole::Manager).may_manage_members());
        assert!(!actor(BuiltinRole::Superuser).may_manage_members());
        assert!(!actor(BuiltinRole::User).may_manage_members());
        assert!(
            actor(BuiltinRole::User)
                .require(Permission::Export)
                .is_err()
        );
    }
}
