//! The permission vocabulary: every name Close's roles API uses, plus Corral's own
//! (`manage_users`, `view_audit_log`, `assign_leads`, `share_contacts`).

use std::collections::BTreeSet;

use crate::error::DomainError;

macro_rules! permissions {
    ($($variant:ident => $name:literal, $label:literal, $group:literal;)*) => {
        /// One thing a role may allow.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Permission { $($variant),* }

        impl Permission {
            /// Every permission, in the order the UI lists them.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant),*];

            /// The wire name, as in Close's API.
            pub const fn name(self) -> &'static str {
                match self { $(Permission::$variant => $name),* }
            }

            /// A plain-language label for people choosing permissions.
            pub const fn label(self) -> &'static str {
                match self { $(Permission::$variant => $label),* }
            }

            /// The heading the permission is grouped under in the UI.
            pub const fn group(self) -> &'static str {
                match self { $(Permission::$variant => $group),* }
            }

            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($name => Some(Permission::$variant),)* _ => None }
            }
        }
    };
}

permissions! {
    ManageOrganization => "manage_organization", "Manage the workspace: billing, roles, permissions, groups and every member", "Administration";
    ManageUsers => "manage_users", "Invite, add, edit, deactivate and remove members", "Administration";
    ViewAuditLog => "view_audit_log", "Read the audit log", "Administration";
    ManageCustomizations => "manage_customizations", "Manage statuses, custom fields and integration links", "Administration";
    ManageGroupNumbers => "manage_group_numbers", "Manage group phone numbers", "Administration";
    ManageTeamSmartViews => "manage_team_smart_views", "Manage Smart Views shared with the team", "Administration";
    ManageTeamEmailTemplates => "manage_team_email_templates", "Manage email templates shared with the team", "Administration";
    ManageEmailSequences => "manage_email_sequences", "Manage workflows and sequences", "Administration";
    ViewAllLeads => "view_all_leads", "See every lead (otherwise only leads assigned through the role's fields)", "Leads";
    DeleteLeads => "delete_leads", "Delete leads", "Leads";
    MergeLeads => "merge_leads", "Merge leads", "Leads";
    AssignLeads => "assign_leads", "Assign leads to members and run round-robin distribution", "Leads";
    ShareContacts => "share_contacts", "Send, assign and share contacts with the team", "Leads";
    Export => "export", "Export leads and opportunities to CSV or JSON", "Bulk actions";
    BulkEdit => "bulk_edit", "Bulk edit", "Bulk actions";
    BulkDelete => "bulk_delete", "Bulk delete", "Bulk actions";
    BulkEmail => "bulk_email", "Send bulk email", "Bulk actions";
    BulkImport => "bulk_import", "Import leads from CSV", "Bulk actions";
    BulkSequenceSubscriptions => "bulk_sequence_subscriptions", "Subscribe contacts to sequences in bulk", "Bulk actions";
    ManageOthersActivities => "manage_others_activities", "Edit and delete other members' activities", "Others' work";
    ManageOthersOpportunities => "manage_others_opportunities", "Edit and delete other members' opportunities", "Others' work";
    ManageOthersTasks => "manage_others_tasks", "Edit and delete other members' tasks", "Others' work";
    DeleteOwnActivities => "delete_own_activities", "Delete one's own activities", "Own work";
    DeleteOwnOpportunities => "delete_own_opportunities", "Delete one's own opportunities", "Own work";
    DeleteOwnTasks => "delete_own_tasks", "Delete one's own tasks", "Own work";
    Calling => "calling", "Make calls, send SMS and use the dialer", "Calling";
    CallCoachListen => "call_coach_listen", "Listen in on colleagues' calls", "Calling";
    CallCoachBarge => "call_coach_barge", "Barge in on colleagues' calls", "Calling";
}

impl Permission {
    /// Parses a wire name; unknown names are a field error on `field`.
    pub fn parse(name: &str, field: &str) -> Result<Self, DomainError> {
        Self::from_name(name)
            .ok_or_else(|| DomainError::field(field, format!("'{name}' is not a permission.")))
    }
}

impl serde::Serialize for Permission {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A set of permissions, ordered so that wire output is stable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermissionSet(BTreeSet<Permission>);

impl PermissionSet {
    pub fn all() -> Self {
        Self(Permission::ALL.iter().copied().collect())
    }

    pub fn of(perms: &[Permission]) -> Self {
        Self(perms.iter().copied().collect())
    }

    /// Parses wire names, collecting every unknown name into one field error.
    pub fn parse_names<S: AsRef<str>>(names: &[S], field: &str) -> Result<Self, DomainError> {
        let mut set = BTreeSet::new();
        let mut unknown = Vec::new();
        for n in names {
            match Permission::from_name(n.as_ref()) {
                Some(p) => {
                    set.insert(p);
                }
                None => unknown.push(n.as_ref().to_string()),
            }
        }
        if unknown.is_empty() {
            Ok(Self(set))
        } else {
            Err(DomainError::field(
                field,
                format!("Unknown permission(s): {}.", unknown.join(", ")),
            ))
        }
    }

    pub fn contains(&self, p: Permission) -> bool {
        self.0.contains(&p)
    }

    pub fn insert(&mut self, p: Permission) {
        self.0.insert(p);
    }

    pub fn remove(&mut self, p: Permission) {
        self.0.remove(&p);
    }

    pub fn is_subset(&self, other: &PermissionSet) -> bool {
        self.0.is_subset(&other.0)
    }

    /// The permissions in `self` that `other` lacks.
    pub fn missing_from(&self, other: &PermissionSet) -> Vec<Permission> {
        self.0.difference(&other.0).copied().collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = Permission> + '_ {
        self.0.iter().copied()
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|p| p.name()).collect()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Permission::ALL {
            assert_eq!(Permission::from_name(p.name()), Some(*p));
        }
        assert_eq!(Permission::ALL.len(), 28);
    }

    #[test]
    fn unknown_names_are_field_errors() {
        let err =
            PermissionSet::parse_names(&["export", "fly", "swim"], "permissions").unwrap_err();
        assert_eq!(
            err,
            DomainError::field("permissions", "Unknown permission(s): fly, swim.")
        );
    }
}
