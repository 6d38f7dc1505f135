//! Membership lifecycle and per-member restrictions.

use crate::error::DomainError;
use crate::permissions::{Permission, PermissionSet};

/// Where a membership is in its life: `invited` → `active` ⇄ `deactivated`; any → `removed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipStatus {
    Invited,
    Active,
    Deactivated,
    Removed,
}

impl MembershipStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            MembershipStatus::Invited => "invited",
            MembershipStatus::Active => "active",
            MembershipStatus::Deactivated => "deactivated",
            MembershipStatus::Removed => "removed",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "invited" => Ok(Self::Invited),
            "active" => Ok(Self::Active),
            "deactivated" => Ok(Self::Deactivated),
            "removed" => Ok(Self::Removed),
            other => Err(DomainError::field(
                "status",
                format!("'{other}' is not a membership status."),
            )),
        }
    }

    /// Whether a member in this state may sign in and use a seat.
    pub const fn is_active(self) -> bool {
        matches!(self, MembershipStatus::Active)
    }
}

/// A switch that takes something away from what a member's role grants ("advanced
/// restrictions"). Restrictions never add a permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Restriction {
    NoExport,
    NoDelete,
    NoBulkActions,
    NoSettings,
    OnlyAssignedContacts,
}

impl Restriction {
    pub const ALL: [Restriction; 5] = [
        Restriction::NoExport,
        Restriction::NoDelete,
        Restriction::NoBulkActions,
        Restriction::NoSettings,
        Restriction::OnlyAssignedContacts,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Restriction::NoExport => "no_export",
            Restriction::NoDelete => "no_delete",
            Restriction::NoBulkActions => "no_bulk_actions",
            Restriction::NoSettings => "no_settings",
            Restriction::OnlyAssignedContacts => "only_assigned_contacts",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Restriction::NoExport => "Cannot export",
            Restriction::NoDelete => "Cannot delete anything",
            Restriction::NoBulkActions => "Cannot run bulk actions",
            Restriction::NoSettings => "Cannot change workspace settings",
            Restriction::OnlyAssignedContacts => "Sees only leads and contacts assigned to them",
        }
    }

    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == s)
    }

    /// The permissions this restriction takes away.
    pub fn removes(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Restriction::NoExport => &[Export],
            Restriction::NoDelete => &[
                DeleteLeads,
                BulkDelete,
                DeleteOwnActivities,
                DeleteOwnOpportunities,
                DeleteOwnTasks,
            ],
            Restriction::NoBulkActions => &[
                BulkEdit,
                BulkDelete,
                BulkEmail,
                BulkImport,
                BulkSequenceSubscriptions,
            ],
            Restriction::NoSettings => &[
                ManageOrganization,
                ManageUsers,
                ManageCustomizations,
                ManageGroupNumbers,
                ManageTeamSmartViews,
                ManageTeamEmailTemplates,
                ManageEmailSequences,
            ],
            Restriction::OnlyAssignedContacts => &[ViewAllLeads],
        }
    }

    /// Parses wire names into a sorted, de-duplicated list.
    pub fn parse_names<S: AsRef<str>>(names: &[S]) -> Result<Vec<Self>, DomainError> {
        let mut out = Vec::new();
        for n in names {
            let r = Self::from_name(n.as_ref()).ok_or_else(|| {
                DomainError::field(
                    "restrictions",
                    format!("'{}' is not a restriction.", n.as_ref()),
                )
            })?;
            out.push(r);
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

/// Effective permissions: the role's permissions minus what the restrictions remove.
pub fn effective_permissions(role: &PermissionSet, restrictions: &[Restriction]) -> PermissionSet {
    let mut eff = role.clone();
    for r in restrictions {
        for p in r.removes() {
            eff.remove(*p);
        }
    }
    eff
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles::BuiltinRole;

    #[test]
    fn restrictions_only_remove() {
        let role = BuiltinRole::Admin.permissions();
        for r in Restriction::ALL {
            let eff = effective_permissions(&role, &[r]);
            assert!(eff.is_subset(&role));
            for p in r.removes() {
                assert!(!eff.contains(*p));
            }
        }
    }
}
