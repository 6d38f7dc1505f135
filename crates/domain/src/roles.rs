//! The built-in roles every workspace has. Their ids are slugs, as in Close; they cannot be
//! edited or deleted.

use crate::permissions::{Permission, PermissionSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltinRole {
    Admin,
    Superuser,
    Manager,
    User,
    RestrictedUser,
}

impl BuiltinRole {
    pub const ALL: [BuiltinRole; 5] = [
        BuiltinRole::Admin,
        BuiltinRole::Superuser,
        BuiltinRole::Manager,
        BuiltinRole::User,
        BuiltinRole::RestrictedUser,
    ];

    pub const fn id(self) -> &'static str {
        match self {
            BuiltinRole::Admin => "admin",
            BuiltinRole::Superuser => "superuser",
            BuiltinRole::Manager => "manager",
            BuiltinRole::User => "user",
            BuiltinRole::RestrictedUser => "restricteduser",
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            BuiltinRole::Admin => "Admin",
            BuiltinRole::Superuser => "Super User",
            BuiltinRole::Manager => "Manager",
            BuiltinRole::User => "User",
            BuiltinRole::RestrictedUser => "Restricted User",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.id() == id)
    }

    /// The permission sets of SPEC S3 and close-api.md §2.6.
    pub fn permissions(self) -> PermissionSet {
        use Permission::*;
        match self {
            BuiltinRole::Admin => PermissionSet::all(),
            BuiltinRole::Superuser => {
                let mut s = PermissionSet::all();
                s.remove(ManageOrganization);
                s.remove(ManageUsers);
                s
            }
            BuiltinRole::Manager => {
                let mut s = PermissionSet::all();
                s.remove(ManageOrganization);
                s
            }
            BuiltinRole::User => PermissionSet::of(&[
                ViewAllLeads,
                DeleteLeads,
                MergeLeads,
                ShareContacts,
                BulkEmail,
                BulkImport,
                BulkSequenceSubscriptions,
                ManageOthersActivities,
                ManageOthersOpportunities,
                ManageOthersTasks,
                DeleteOwnActivities,
                DeleteOwnOpportunities,
                DeleteOwnTasks,
                Calling,
            ]),
            BuiltinRole::RestrictedUser => PermissionSet::of(&[
                ViewAllLeads,
                DeleteOwnActivities,
                DeleteOwnOpportunities,
                DeleteOwnTasks,
                Calling,
            ]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_nest() {
        let perms: Vec<_> = BuiltinRole::ALL.iter().map(|r| r.permissions()).collect();
        // Each role in the list holds no more than the one before it.
        for w in perms.windows(2) {
            assert!(w[1].is_subset(&w[0]) || w[0].is_subset(&w[1]));
        }
        assert!(
            BuiltinRole::Superuser
                .permissions()
                .is_subset(&BuiltinRole::Manager.permissions())
        );
        assert!(
            BuiltinRole::Manager
                .permissions()
                .contains(Permission::ManageUsers)
        );
        assert!(
            !BuiltinRole::Manager
                .permissions()
                .contains(Permission::ManageOrganization)
        );
        assert!(
            BuiltinRole::RestrictedUser
                .permissions()
                .is_subset(&BuiltinRole::User.permissions())
        );
    }

    #[test]
    fn slugs_round_trip() {
        for r in BuiltinRole::ALL {
            assert_eq!(BuiltinRole::from_id(r.id()), Some(r));
        }
        assert_eq!(BuiltinRole::from_id("role_x"), None);
    }
}
