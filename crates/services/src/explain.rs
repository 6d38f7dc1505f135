//! Explanations no peer CRM gives as data (SPEC S3): who can see a lead and why, whether a
//! member may do something to a lead and why, and what a role edit would change before it is
//! saved.

use corral_domain::roles::VisibilityBehavior;
use corral_domain::visibility::{RoleVisibility, explain};
use corral_domain::{Actor, Permission, PermissionSet};
use corral_store::Tx;
use corral_store::queries::{custom_fields, leads, memberships};

use crate::access::RoleInput;
use crate::roles::{member_permissions, parse_restrictions, role_visibility, scope_with};
use crate::{Result, ServiceError, Services};

/// One member's view of one lead.
#[derive(Debug, Clone)]
pub struct MemberVisibility {
    pub membership_id: String,
    pub user_id: String,
    pub name: String,
    pub role_name: String,
    pub visible: bool,
    pub reasons: Vec<String>,
}

/// Allow or deny, with the chain of reasons.
#[derive(Debug, Clone)]
pub struct Decision {
    pub allowed: bool,
    pub reasons: Vec<String>,
}

/// What a role edit would do to one holder.
#[derive(Debug, Clone)]
pub struct RoleImpact {
    pub membership_id: String,
    pub user_id: String,
    pub name: String,
    pub visible_before: i64,
    pub visible_after: i64,
    /// Leads they would see that they do not see now.
    pub gained: i64,
    /// Leads they see now that they would no longer see.
    pub lost: i64,
}

async fn namer(
    tx: &mut Tx,
    workspace_id: &str,
) -> Result<(Vec<(String, String)>, Vec<(String, String)>)> {
    let fields = custom_fields::list(tx, workspace_id, "lead")
        .await?
        .into_iter()
        .map(|f| (f.id, f.name))
        .collect();
    let people = memberships::list_members(tx, workspace_id)
        .await?
        .into_iter()
        .map(|m| {
            (
                m.membership.user_id.clone(),
                format!("{} {}", m.user_first_name, m.user_last_name)
                    .trim()
                    .to_string(),
            )
        })
        .collect();
    Ok((fields, people))
}

fn lookup(list: &[(String, String)], id: &str) -> String {
    list.iter()
        .find(|(k, _)| k == id)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| id.to_string())
}

impl Services {
    /// Who can see a lead, and why (needs `manage_organization`).
    pub async fn lead_visibility(
        &self,
        actor: &Actor,
        lead_id: &str,
    ) -> Result<Vec<MemberVisibility>> {
        actor.require(Permission::ManageOrganization)?;
        let mut tx = self.db().read().await?;
        leads::get(&mut tx, &actor.workspace_id, lead_id, &actor.lead_scope)
            .await?
            .ok_or_else(|| ServiceError::not_found("Lead"))?;
        let values: Vec<(String, String)> = leads::field_values(&mut tx, &[lead_id.to_string()])
            .await?
            .into_iter()
            .map(|v| (v.field_id, v.value))
            .collect();
        let (fields, people) = namer(&mut tx, &actor.workspace_id).await?;
        let mut out = Vec::new();
        for m in memberships::list_members(&mut tx, &actor.workspace_id).await? {
            if m.membership.status != "active" {
                continue;
            }
            let (role, eff) = member_permissions(&mut tx, &m.membership).await?;
            let vis = role_visibility(&mut tx, &actor.workspace_id, &m.membership.role_id).await?;
            let scope = scope_with(&mut tx, &m.membership, &eff, &vis).await?;
            let (visible, mut reasons) = explain(&scope, &values, &|f| lookup(&fields, f), &|u| {
                lookup(&people, u)
            });
            if !eff.contains(Permission::ViewAllLeads)
                && role.permissions.contains(Permission::ViewAllLeads)
            {
                reasons.insert(
                    0,
                    "A restriction on this member takes away 'view_all_leads' from their role."
                        .into(),
                );
            }
            out.push(MemberVisibility {
                membership_id: m.membership.id.clone(),
                user_id: m.membership.user_id.clone(),
                name: lookup(&people, &m.membership.user_id),
                role_name: role.name,
                visible,
                reasons,
            });
        }
        Ok(out)
    }

    /// May `membership_id` do `action` (`view`, `edit` or `delete`) to `lead_id`, and why
    /// (needs `manage_organization`).
    pub async fn explain_lead_action(
        &self,
        actor: &Actor,
        membership_id: &str,
        lead_id: &str,
        action: &str,
    ) -> Result<Decision> {
        if !matches!(action, "view" | "edit" | "delete") {
            return Err(ServiceError::field(
                "action",
                "Use 'view', 'edit' or 'delete'.",
            ));
        }
        let all = self.lead_visibility(actor, lead_id).await?;
        let mv = all
            .into_iter()
            .find(|m| m.membership_id == membership_id)
            .ok_or_else(|| ServiceError::not_found("Active membership"))?;
        let mut reasons = vec![format!("{} holds the role '{}'.", mv.name, mv.role_name)];
        reasons.extend(mv.reasons.clone());
        if !mv.visible {
            let done = match action {
                "view" => "viewed",
                "edit" => "edited",
                _ => "deleted",
            };
            reasons.push(format!("A lead they cannot see cannot be {done} by them."));
            return Ok(Decision {
                allowed: false,
                reasons,
            });
        }
        if action == "delete" {
            let mut tx = self.db().read().await?;
            let m = memberships::get(&mut tx, membership_id)
                .await?
                .ok_or_else(|| ServiceError::not_found("Membership"))?;
            let (role, eff) = member_permissions(&mut tx, &m).await?;
            let restrictions = parse_restrictions(&m.restrictions)?;
            if !role.permissions.contains(Permission::DeleteLeads) {
                reasons.push("The role does not grant 'delete_leads'.".into());
                return Ok(Decision {
                    allowed: false,
                    reasons,
                });
            }
            reasons.push("The role grants 'delete_leads'.".into());
            if !eff.contains(Permission::DeleteLeads) {
                let names: Vec<&str> = restrictions
                    .iter()
                    .filter(|r| r.removes().contains(&Permission::DeleteLeads))
                    .map(|r| r.name())
                    .collect();
                reasons.push(format!(
                    "The restriction {} takes it away.",
                    names.join(", ")
                ));
                return Ok(Decision {
                    allowed: false,
                    reasons,
                });
            }
        }
        Ok(Decision {
            allowed: true,
            reasons,
        })
    }

    /// Which holders of a custom role would gain or lose how many leads if `input` were saved.
    /// Nothing is written.
    pub async fn preview_role(
        &self,
        actor: &Actor,
        role_id: &str,
        input: RoleInput,
    ) -> Result<Vec<RoleImpact>> {
        actor.require(Permission::ManageOrganization)?;
        let current = self.get_role(actor, role_id).await?;
        let new_perms = match &input.permissions {
            Some(names) => PermissionSet::parse_names(names, "permissions")?,
            None => current.permissions.clone(),
        };
        let mut tx = self.db().read().await?;
        let before_vis = role_visibility(&mut tx, &actor.workspace_id, role_id).await?;
        let after_vis = RoleVisibility {
            field_ids: match &input.visibility_user_lcf_ids {
                Some(v) => v.clone().unwrap_or_default(),
                None => before_vis.field_ids.clone(),
            },
            behavior: match &input.visibility_user_lcf_behavior {
                Some(b) => b.as_deref().map(VisibilityBehavior::parse).transpose()?,
                None => before_vis.behavior,
            },
            include_reports: input
                .visibility_include_reports
                .unwrap_or(before_vis.include_reports),
        };
        let (_, people) = namer(&mut tx, &actor.workspace_id).await?;
        let mut out = Vec::new();
        for m in memberships::list_members(&mut tx, &actor.workspace_id).await? {
            if m.membership.role_id != role_id || m.membership.status != "active" {
                continue;
            }
            let restrictions = parse_restrictions(&m.membership.restrictions)?;
            let eff_before = corral_domain::membership::effective_permissions(
                &current.permissions,
                &restrictions,
            );
            let eff_after =
                corral_domain::membership::effective_permissions(&new_perms, &restrictions);
            let before = scope_with(&mut tx, &m.membership, &eff_before, &before_vis).await?;
            let after = scope_with(&mut tx, &m.membership, &eff_after, &after_vis).await?;
            let visible_before =
                leads::count_visible(&mut tx, &actor.workspace_id, &before).await?;
            let visible_after = leads::count_visible(&mut tx, &actor.workspace_id, &after).await?;
            let both =
                leads::count_visible_both(&mut tx, &actor.workspace_id, &before, &after).await?;
            out.push(RoleImpact {
                membership_id: m.membership.id.clone(),
                user_id: m.membership.user_id.clone(),
                name: lookup(&people, &m.membership.user_id),
                visible_before,
                visible_after,
                gained: visible_after - both,
                lost: visible_before - both,
            });
        }
        Ok(out)
    }
}
