//! Lead visibility (SPEC S3): which leads a member sees, as a description the store compiles
//! into SQL, plus the same rule evaluated on one lead (for explanations and tests).

use crate::permissions::{Permission, PermissionSet};
use crate::roles::VisibilityBehavior;

/// Object types whose events every member of the workspace may read (team and configuration
/// objects: nothing in them names a lead). Lead events follow lead visibility instead; other
/// events (assignments, offboarding manifests) are the audit log's only.
pub const TEAM_EVENT_OBJECTS: &[&str] = &[
    "team_contact",
    "membership",
    "role",
    "group",
    "organization",
    "organization_member",
    "custom_fields.lead",
    "custom_fields.contact",
    "custom_fields.opportunity",
    "status.lead",
    "status.opportunity",
    "pipeline",
];

/// The lead an event concerns, which decides who may read it: a lead's own id, or for a
/// contact, opportunity, task or activity the lead its record names (`named`). None for every
/// other object: team objects, which all members read, and entries that stay in the audit log.
pub fn event_lead<'a>(
    object_type: &str,
    object_id: &'a str,
    named: Option<&'a str>,
) -> Option<&'a str> {
    if object_type == "lead" {
        Some(object_id)
    } else if matches!(object_type, "contact" | "opportunity")
        || object_type.starts_with("task.")
        || object_type.starts_with("activity.")
    {
        named
    } else {
        None
    }
}

/// The leads a member may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeadScope {
    /// Every lead of the workspace.
    All,
    /// Leads where one of `field_ids` holds one of `user_ids`; also leads where none of
    /// `field_ids` is set, when `include_unassigned`.
    Limited {
        field_ids: Vec<String>,
        user_ids: Vec<String>,
        include_unassigned: bool,
    },
}

/// A role's visibility settings.
#[derive(Debug, Clone, Default)]
pub struct RoleVisibility {
    pub field_ids: Vec<String>,
    pub behavior: Option<VisibilityBehavior>,
    pub include_reports: bool,
}

/// Computes a member's scope. `effective` is role minus restrictions; `all_user_fields` are
/// the workspace's user-type lead fields (used when a restriction, not the role, took away
/// `view_all_leads`); `reports` are the users reporting to the member, directly or not.
/// `only_assigned` is the member's `only_assigned_contacts` restriction: restrictions only take
/// away, so under it the member sees the leads assigned to them and nothing else — not the
/// unassigned ones their role would show, nor their reports' leads.
pub fn lead_scope(
    user_id: &str,
    effective: &PermissionSet,
    role: &RoleVisibility,
    all_user_fields: &[String],
    reports: &[String],
    only_assigned: bool,
) -> LeadScope {
    if effective.contains(Permission::ViewAllLeads) {
        return LeadScope::All;
    }
    let mut role = role.clone();
    if only_assigned {
        role.behavior = Some(VisibilityBehavior::RequireAssignment);
        role.include_reports = false;
    }
    let role = &role;
    let (field_ids, include_unassigned) = if role.field_ids.is_empty() {
        (all_user_fields.to_vec(), false)
    } else {
        (
            role.field_ids.clone(),
            role.behavior == Some(VisibilityBehavior::AllowUnassigned),
        )
    };
    let mut user_ids = vec![user_id.to_string()];
    if role.include_reports {
        user_ids.extend(reports.iter().cloned());
    }
    user_ids.sort();
    user_ids.dedup();
    LeadScope::Limited {
        field_ids,
        user_ids,
        include_unassigned,
    }
}

impl LeadScope {
    /// Whether a lead whose user-field values are `values` (field id, user id) is visible.
    pub fn sees(&self, values: &[(String, String)]) -> bool {
        match self {
            LeadScope::All => true,
            LeadScope::Limited {
                field_ids,
                user_ids,
                include_unassigned,
            } => {
                let relevant: Vec<&(String, String)> = values
                    .iter()
                    .filter(|(f, _)| field_ids.contains(f))
                    .collect();
                relevant.iter().any(|(_, u)| user_ids.contains(u))
                    || (*include_unassigned && relevant.is_empty())
            }
        }
    }
}

/// Everyone who reports to `user_id`, directly or through others (`manager_of` maps a user to
/// their manager). Cycles are tolerated.
pub fn reports_of(user_id: &str, manager_of: &[(String, String)]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut frontier = vec![user_id.to_string()];
    while let Some(m) = frontier.pop() {
        for (u, mgr) in manager_of {
            if *mgr == m && u != user_id && !out.contains(u) {
                out.push(u.clone());
                frontier.push(u.clone());
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles::BuiltinRole;

    fn v(f: &str, u: &str) -> (String, String) {
        (f.into(), u.into())
    }

    #[test]
    fn scopes() {
        let all = lead_scope(
            "u1",
            &BuiltinRole::User.permissions(),
            &RoleVisibility::default(),
            &[],
            &[],
            false,
        );
        assert_eq!(all, LeadScope::All);
        let role = RoleVisibility {
            field_ids: vec!["cf_owner".into()],
            behavior: Some(VisibilityBehavior::RequireAssignment),
            include_reports: false,
        };
        let s = lead_scope(
            "u1",
            &PermissionSet::of(&[Permission::Calling]),
            &role,
            &[],
            &["u2".into()],
            false,
        );
        assert!(s.sees(&[v("cf_owner", "u1")]));
        assert!(!s.sees(&[v("cf_owner", "u2")]));
        assert!(!s.sees(&[]));
        assert!(!s.sees(&[v("cf_other", "u1")]));
        let role = RoleVisibility {
            include_reports: true,
            behavior: Some(VisibilityBehavior::AllowUnassigned),
            ..role
        };
        let s = lead_scope(
            "u1",
            &PermissionSet::of(&[Permission::Calling]),
            &role,
            &[],
            &["u2".into()],
            false,
        );
        assert!(s.sees(&[v("cf_owner", "u2")]));
        assert!(s.sees(&[]));
        assert!(s.sees(&[v("cf_other", "u9")]));
        assert!(!s.sees(&[v("cf_owner", "u9")]));
    }

    #[test]
    fn restriction_limits_to_assigned_leads() {
        let eff = crate::membership::effective_permissions(
            &BuiltinRole::User.permissions(),
            &[crate::membership::Restriction::OnlyAssignedContacts],
        );
        let s = lead_scope(
            "u1",
            &eff,
            &RoleVisibility::default(),
            &["cf_owner".into(), "cf_sdr".into()],
            &[],
            true,
        );
        assert!(s.sees(&[v("cf_sdr", "u1")]));
        assert!(!s.sees(&[]));
        // On a role that shows unassigned leads and reports' leads, the restriction still
        // leaves only the member's own.
        let open = RoleVisibility {
            field_ids: vec!["cf_owner".into()],
            behavior: Some(VisibilityBehavior::AllowUnassigned),
            include_reports: true,
        };
        let calling = PermissionSet::of(&[Permission::Calling]);
        let s = lead_scope("u1", &calling, &open, &[], &["u2".into()], true);
        assert!(s.sees(&[v("cf_owner", "u1")]));
        assert!(!s.sees(&[]));
        assert!(!s.sees(&[v("cf_owner", "u2")]));
        let s = lead_scope("u1", &calling, &open, &[], &["u2".into()], false);
        assert!(s.sees(&[]) && s.sees(&[v("cf_owner", "u2")]));
    }

    #[test]
    fn reports_chain() {
        let m = vec![
            ("b".to_string(), "a".to_string()),
            ("c".to_string(), "b".to_string()),
            ("a".to_string(), "c".to_string()),
            ("d".to_string(), "x".to_string()),
        ];
        assert_eq!(reports_of("a", &m), vec!["b".to_string(), "c".to_string()]);
    }
}

/// Why a scope does or does not see a lead, as sentences for people. `field_name` names a
/// custom field id; `user_name` names a user id.
pub fn explain(
    scope: &LeadScope,
    values: &[(String, String)],
    field_name: &dyn Fn(&str) -> String,
    user_name: &dyn Fn(&str) -> String,
) -> (bool, Vec<String>) {
    match scope {
        LeadScope::All => (
            true,
            vec!["The role grants 'view_all_leads', so every lead is visible.".into()],
        ),
        LeadScope::Limited {
            field_ids,
            user_ids,
            include_unassigned,
        } => {
            let fields: Vec<String> = field_ids.iter().map(|f| field_name(f)).collect();
            let mut why = vec![format!(
                "The role has limited visibility through {}.",
                fields.join(", ")
            )];
            let relevant: Vec<&(String, String)> = values
                .iter()
                .filter(|(f, _)| field_ids.contains(f))
                .collect();
            if let Some((f, u)) = relevant.iter().find(|(_, u)| user_ids.contains(u)) {
                why.push(format!(
                    "{} is {}, whose leads this member sees.",
                    field_name(f),
                    user_name(u)
                ));
                return (true, why);
            }
            if relevant.is_empty() {
                if *include_unassigned {
                    why.push(
                        "None of those fields is set, and the role shows unassigned leads.".into(),
                    );
                    return (true, why);
                }
                why.push(
                    "None of those fields is set, and the role hides unassigned leads.".into(),
                );
                return (false, why);
            }
            let holders: Vec<String> = relevant
                .iter()
                .map(|(f, u)| format!("{} is {}", field_name(f), user_name(u)))
                .collect();
            why.push(format!(
                "{}: not this member{}.",
                holders.join("; "),
                if user_ids.len() > 1 {
                    " or anyone reporting to them"
                } else {
                    ""
                }
            ));
            (false, why)
        }
    }
}

#[cfg(test)]
mod explain_tests {
    use super::*;

    #[test]
    fn explains_both_ways() {
        let s = LeadScope::Limited {
            field_ids: vec!["cf_o".into()],
            user_ids: vec!["u1".into()],
            include_unassigned: false,
        };
        let f = |_: &str| "Lead Owner".to_string();
        let u = |x: &str| format!("User {x}");
        let (yes, why) = explain(&s, &[("cf_o".into(), "u1".into())], &f, &u);
        assert!(yes);
        assert!(why[1].contains("Lead Owner is User u1"));
        let (no, why) = explain(&s, &[("cf_o".into(), "u2".into())], &f, &u);
        assert!(!no);
        assert!(why[1].contains("not this member"));
        let (no, why) = explain(&s, &[], &f, &u);
        assert!(!no && why[1].contains("hides unassigned"));
        // The explanation always agrees with the rule itself.
        for vals in [
            vec![],
            vec![("cf_o".to_string(), "u1".to_string())],
            vec![("cf_x".to_string(), "u1".to_string())],
        ] {
            assert_eq!(explain(&s, &vals, &f, &u).0, s.sees(&vals));
        }
    }
}

impl LeadScope {
    /// The field to assign a new lead to its creator through, so a member who sees only
    /// assigned leads keeps sight of the leads they create: the scope's first field, when the
    /// creator set none of its fields (`set_fields`) themselves. None for `All`.
    pub fn own_assignment_field(&self, set_fields: &[String]) -> Option<&String> {
        match self {
            LeadScope::All => None,
            LeadScope::Limited { field_ids, .. } => {
                if field_ids.iter().any(|f| set_fields.contains(f)) {
                    None
                } else {
                    field_ids.first()
                }
            }
        }
    }
}

#[cfg(test)]
mod own_assignment_tests {
    use super::*;

    #[test]
    fn creators_keep_sight_of_their_leads() {
        let s = LeadScope::Limited {
            field_ids: vec!["cf_a".into(), "cf_b".into()],
            user_ids: vec!["u".into()],
            include_unassigned: false,
        };
        assert_eq!(s.own_assignment_field(&[]), Some(&"cf_a".to_string()));
        assert_eq!(s.own_assignment_field(&["cf_b".into()]), None);
        assert_eq!(
            s.own_assignment_field(&["cf_x".into()]),
            Some(&"cf_a".to_string())
        );
        assert_eq!(LeadScope::All.own_assignment_field(&[]), None);
    }
}

#[cfg(test)]
mod event_tests {
    use super::*;

    #[test]
    fn events_about_leads_name_their_lead_and_team_events_none() {
        assert_eq!(event_lead("lead", "lead_1", None), Some("lead_1"));
        for t in [
            "contact",
            "opportunity",
            "task.lead",
            "activity.note",
            "activity.sms",
        ] {
            assert_eq!(event_lead(t, "x_1", Some("lead_2")), Some("lead_2"), "{t}");
        }
        // A team object, or an audit-only entry, never follows a lead even if it names one.
        for t in TEAM_EVENT_OBJECTS
            .iter()
            .chain(&["assignment", "offboarding"])
        {
            assert_eq!(event_lead(t, "x_1", Some("lead_2")), None, "{t}");
        }
    }
}
