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

/// What a limited role does with leads that none of its user fields assign to anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisibilityBehavior {
    /// Unassigned leads are hidden.
    RequireAssignment,
    /// Unassigned leads are visible.
    AllowUnassigned,
}

impl VisibilityBehavior {
    pub const fn as_str(self) -> &'static str {
        match self {
            VisibilityBehavior::RequireAssignment => "require_assignment",
            VisibilityBehavior::AllowUnassigned => "allow_unassigned",
        }
    }

    pub fn parse(s: &str) -> Result<Self, crate::DomainError> {
        match s {
            "require_assignment" => Ok(Self::RequireAssignment),
            "allow_unassigned" => Ok(Self::AllowUnassigned),
            other => Err(crate::DomainError::field(
                "visibility_user_lcf_behavior",
                format!(
                    "'{other}' is not a visibility behaviour: use 'require_assignment' or 'allow_unassigned'."
                ),
            )),
        }
    }
}

/// A custom role as a client describes it.
#[derive(Debug, Clone)]
pub struct RoleSpec {
    pub name: String,
    pub permissions: PermissionSet,
    pub visibility_user_lcf_ids: Option<Vec<String>>,
    pub visibility_user_lcf_behavior: Option<VisibilityBehavior>,
    pub visibility_include_reports: bool,
}

/// Checks a custom role (SPEC S3): a usable name that no built-in role has, and lead
/// visibility consistent with `view_all_leads`: with it both visibility fields are null;
/// without it, one to three distinct user-type lead fields (from `user_lead_fields`) and a
/// behaviour.
pub fn validate_role(
    spec: &RoleSpec,
    user_lead_fields: &[String],
) -> Result<(), crate::DomainError> {
    use crate::DomainError;
    let name = spec.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(DomainError::field(
            "name",
            "A role needs a name of 1 to 100 characters.",
        ));
    }
    if BuiltinRole::ALL
        .iter()
        .any(|b| b.name().eq_ignore_ascii_case(name) || b.id().eq_ignore_ascii_case(name))
    {
        return Err(DomainError::field(
            "name",
            format!("'{name}' is the name of a built-in role; choose another."),
        ));
    }
    if spec.permissions.contains(Permission::ViewAllLeads) {
        if spec.visibility_user_lcf_ids.is_some() {
            return Err(DomainError::field(
                "visibility_user_lcf_ids",
                "Must be null for a role with 'view_all_leads' (it sees every lead).",
            ));
        }
        if spec.visibility_user_lcf_behavior.is_some() {
            return Err(DomainError::field(
                "visibility_user_lcf_behavior",
                "Must be null for a role with 'view_all_leads' (it sees every lead).",
            ));
        }
        if spec.visibility_include_reports {
            return Err(DomainError::field(
                "visibility_include_reports",
                "Only a role with limited lead visibility can add its members' reports' leads.",
            ));
        }
        return Ok(());
    }
    let ids = spec.visibility_user_lcf_ids.as_deref().unwrap_or(&[]);
    if ids.is_empty() || ids.len() > 3 {
        return Err(DomainError::field(
            "visibility_user_lcf_ids",
            "A role without 'view_all_leads' must name 1 to 3 user-type lead custom fields that decide which leads it sees.",
        ));
    }
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(DomainError::field(
                "visibility_user_lcf_ids",
                format!("'{id}' is listed twice."),
            ));
        }
        if !user_lead_fields.contains(id) {
            return Err(DomainError::field(
                "visibility_user_lcf_ids",
                format!("'{id}' is not a user-type lead custom field of this workspace."),
            ));
        }
    }
    if spec.visibility_user_lcf_behavior.is_none() {
        return Err(DomainError::field(
            "visibility_user_lcf_behavior",
            "A role without 'view_all_leads' needs 'require_assignment' or 'allow_unassigned'.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod validation_tests {
    use super::*;

    fn spec(
        perms: &[Permission],
        ids: Option<Vec<&str>>,
        behavior: Option<VisibilityBehavior>,
    ) -> RoleSpec {
        RoleSpec {
            name: "Closer".into(),
            permissions: PermissionSet::of(perms),
            visibility_user_lcf_ids: ids.map(|v| v.into_iter().map(String::from).collect()),
            visibility_user_lcf_behavior: behavior,
            visibility_include_reports: false,
        }
    }

    fn field_of(r: Result<(), crate::DomainError>) -> String {
        match r {
            Err(crate::DomainError::Invalid(f)) => f[0].field.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn visibility_rules() {
        let fields = vec!["cf_owner".to_string(), "cf_sdr".to_string()];
        let ok = spec(&[Permission::ViewAllLeads], None, None);
        assert!(validate_role(&ok, &fields).is_ok());
        let bad = spec(&[Permission::ViewAllLeads], Some(vec!["cf_owner"]), None);
        assert_eq!(
            field_of(validate_role(&bad, &fields)),
            "visibility_user_lcf_ids"
        );
        let limited = spec(
            &[Permission::Calling],
            Some(vec!["cf_owner"]),
            Some(VisibilityBehavior::AllowUnassigned),
        );
        assert!(validate_role(&limited, &fields).is_ok());
        let none = spec(
            &[Permission::Calling],
            None,
            Some(VisibilityBehavior::AllowUnassigned),
        );
        assert_eq!(
            field_of(validate_role(&none, &fields)),
            "visibility_user_lcf_ids"
        );
        let four = spec(
            &[Permission::Calling],
            Some(vec!["a", "b", "c", "d"]),
            Some(VisibilityBehavior::AllowUnassigned),
        );
        assert_eq!(
            field_of(validate_role(&four, &fields)),
            "visibility_user_lcf_ids"
        );
        let unknown = spec(
            &[Permission::Calling],
            Some(vec!["cf_nope"]),
            Some(VisibilityBehavior::AllowUnassigned),
        );
        assert_eq!(
            field_of(validate_role(&unknown, &fields)),
            "visibility_user_lcf_ids"
        );
        let no_behavior = spec(&[Permission::Calling], Some(vec!["cf_owner"]), None);
        assert_eq!(
            field_of(validate_role(&no_behavior, &fields)),
            "visibility_user_lcf_behavior"
        );
        let mut builtin_name = ok.clone();
        builtin_name.name = "super user".into();
        assert_eq!(field_of(validate_role(&builtin_name, &fields)), "name");
    }
}
