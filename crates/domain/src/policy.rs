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

impl Actor {
    /// May the actor change a record (opportunity, task, activity) held by `owner`? Their own,
    /// always; someone else's only with `others` (`manage_others_*`).
    pub fn may_change_record(
        &self,
        owner: Option<&str>,
        others: Permission,
    ) -> Result<(), DomainError> {
        if owner == Some(self.user_id.as_str()) {
            Ok(())
        } else {
            self.require(others)
        }
    }

    /// May the actor delete a record held by `owner`? Their own with `own`
    /// (`delete_own_*`); someone else's with `others` (`manage_others_*`).
    pub fn may_delete_record(
        &self,
        owner: Option<&str>,
        own: Permission,
        others: Permission,
    ) -> Result<(), DomainError> {
        if owner == Some(self.user_id.as_str()) {
            self.require(own)
        } else {
            self.require(others)
        }
    }
}

#[cfg(test)]
mod record_tests {
    use super::*;
    use crate::roles::BuiltinRole;

    #[test]
    fn own_and_others_records() {
        let mut a = Actor {
            user_id: "u1".into(),
            membership_id: "m".into(),
            workspace_id: "w".into(),
            organization_id: "o".into(),
            role_id: "restricteduser".into(),
            restrictions: vec![],
            permissions: BuiltinRole::RestrictedUser.permissions(),
            is_org_owner: false,
            request_id: String::new(),
            lead_scope: crate::visibility::LeadScope::All,
        };
        assert!(
            a.may_change_record(Some("u1"), Permission::ManageOthersTasks)
                .is_ok()
        );
        assert!(
            a.may_change_record(Some("u2"), Permission::ManageOthersTasks)
                .is_err()
        );
        assert!(
            a.may_delete_record(
                Some("u1"),
                Permission::DeleteOwnTasks,
                Permission::ManageOthersTasks
            )
            .is_ok()
        );
        a.permissions.remove(Permission::DeleteOwnTasks);
        assert!(
            a.may_delete_record(
                Some("u1"),
                Permission::DeleteOwnTasks,
                Permission::ManageOthersTasks
            )
            .is_err()
        );
        assert!(
            a.may_change_record(None, Permission::ManageOthersTasks)
                .is_err(),
            "unowned records count as others'"
        );
    }
}

impl Actor {
    /// May the actor set a custom field limited to `editable_with_roles` (empty: everyone)?
    pub fn may_edit_field(
        &self,
        editable_with_roles: &[&str],
        field_name: &str,
    ) -> Result<(), DomainError> {
        if editable_with_roles.is_empty() || editable_with_roles.contains(&self.role_id.as_str()) {
            Ok(())
        } else {
            Err(DomainError::Forbidden(format!(
                "Your role cannot edit the field '{field_name}'."
            )))
        }
    }
}
