//! Resolving a role id (built-in slug or custom `role_…`) to its name and permissions.

use corral_domain::membership::{Restriction, effective_permissions};
use corral_domain::roles::{BuiltinRole, VisibilityBehavior};
use corral_domain::visibility::{LeadScope, RoleVisibility, lead_scope, reports_of};
use corral_domain::{Actor, PermissionSet};
use corral_store::model::MembershipRow;
use corral_store::queries::{memberships, orgs, roles};
use corral_store::{StoreError, Tx};

use crate::{Result, ServiceError};

/// A role as the rules see it.
#[derive(Debug, Clone)]
pub struct ResolvedRole {
    pub id: String,
    pub name: String,
    pub permissions: PermissionSet,
    pub editable: bool,
}

/// Looks a role up in `workspace_id`; None when no such role exists there.
pub async fn resolve(
    tx: &mut Tx,
    workspace_id: &str,
    role_id: &str,
) -> Result<Option<ResolvedRole>> {
    if let Some(b) = BuiltinRole::from_id(role_id) {
        return Ok(Some(ResolvedRole {
            id: b.id().to_string(),
            name: b.name().to_string(),
            permissions: b.permissions(),
            editable: false,
        }));
    }
    let Some(row) = roles::get(tx, workspace_id, role_id).await? else {
        return Ok(None);
    };
    let names: Vec<&str> = row
        .permissions
        .split(',')
        .filter(|s| !s.is_empty())
        .collect();
    let permissions = PermissionSet::parse_names(&names, "permissions")
        .map_err(|e| ServiceError::from(StoreError::Corrupt(format!("role {}: {e}", row.id))))?;
    Ok(Some(ResolvedRole {
        id: row.id,
        name: row.name,
        permissions,
        editable: true,
    }))
}

/// Parses a stored restriction list.
pub fn parse_restrictions(stored: &str) -> Result<Vec<Restriction>> {
    let names: Vec<&str> = stored.split(',').filter(|s| !s.is_empty()).collect();
    Restriction::parse_names(&names)
        .map_err(|e| ServiceError::from(StoreError::Corrupt(format!("restrictions: {e}"))))
}

/// Effective permissions of a membership: its role minus its restrictions.
pub async fn member_permissions(
    tx: &mut Tx,
    m: &MembershipRow,
) -> Result<(ResolvedRole, PermissionSet)> {
    let role = resolve(tx, &m.workspace_id, &m.role_id)
        .await?
        .ok_or_else(|| {
            ServiceError::Internal(format!(
                "membership {} holds unknown role {}",
                m.id, m.role_id
            ))
        })?;
    let restrictions = parse_restrictions(&m.restrictions)?;
    let eff = effective_permissions(&role.permissions, &restrictions);
    Ok((role, eff))
}

/// Builds the actor for an active membership.
pub async fn actor_for(tx: &mut Tx, m: &MembershipRow) -> Result<Actor> {
    let (_, permissions) = member_permissions(tx, m).await?;
    let lead_scope = scope_for(tx, m, &permissions).await?;
    let ws = orgs::get_workspace(tx, &m.workspace_id)
        .await?
        .ok_or_else(|| ServiceError::Internal(format!("membership {} has no workspace", m.id)))?;
    let is_owner = orgs::member_role(tx, &ws.organization_id, &m.user_id)
        .await?
        .as_deref()
        == Some("owner");
    Ok(Actor {
        user_id: m.user_id.clone(),
        membership_id: m.id.clone(),
        workspace_id: m.workspace_id.clone(),
        organization_id: ws.organization_id,
        role_id: m.role_id.clone(),
        restrictions: parse_restrictions(&m.restrictions)?,
        permissions,
        is_org_owner: is_owner,
        request_id: String::new(),
        lead_scope,
    })
}

/// The member's lead scope; members who see every lead cost no queries here.
pub async fn scope_for(
    tx: &mut Tx,
    m: &MembershipRow,
    effective: &PermissionSet,
) -> Result<LeadScope> {
    if effective.contains(corral_domain::Permission::ViewAllLeads) {
        return Ok(LeadScope::All);
    }
    let role = role_visibility(tx, &m.workspace_id, &m.role_id).await?;
    scope_with(tx, m, effective, &role).await
}

/// A role's stored visibility settings (none for built-in roles).
pub async fn role_visibility(
    tx: &mut Tx,
    workspace_id: &str,
    role_id: &str,
) -> Result<RoleVisibility> {
    Ok(match roles::get(tx, workspace_id, role_id).await? {
        Some(r) => RoleVisibility {
            field_ids: r
                .visibility_user_lcf_ids
                .unwrap_or_default()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            behavior: r
                .visibility_user_lcf_behavior
                .as_deref()
                .map(VisibilityBehavior::parse)
                .transpose()?,
            include_reports: r.visibility_include_reports,
        },
        None => RoleVisibility::default(),
    })
}

/// The scope a membership would have with `effective` permissions and `role` visibility.
pub async fn scope_with(
    tx: &mut Tx,
    m: &MembershipRow,
    effective: &PermissionSet,
    role: &RoleVisibility,
) -> Result<LeadScope> {
    if effective.contains(corral_domain::Permission::ViewAllLeads) {
        return Ok(LeadScope::All);
    }
    let role = role.clone();
    let user_fields: Vec<String> =
        corral_store::queries::custom_fields::list(tx, &m.workspace_id, "lead")
            .await?
            .into_iter()
            .filter(|f| f.field_type == "user")
            .map(|f| f.id)
            .collect();
    let reports = if role.include_reports {
        let managers: Vec<(String, String)> = memberships::list_members(tx, &m.workspace_id)
            .await?
            .into_iter()
            .filter_map(|x| {
                x.membership
                    .manager_id
                    .clone()
                    .map(|mgr| (x.membership.user_id.clone(), mgr))
            })
            .collect();
        reports_of(&m.user_id, &managers)
    } else {
        vec![]
    };
    let only_assigned = parse_restrictions(&m.restrictions)?
        .contains(&corral_domain::membership::Restriction::OnlyAssignedContacts);
    Ok(lead_scope(
        &m.user_id,
        effective,
        &role,
        &user_fields,
        &reports,
        only_assigned,
    ))
}

/// The active membership with this id, or an error saying access has ended.
pub async fn active_membership(tx: &mut Tx, membership_id: &str) -> Result<MembershipRow> {
    let m = memberships::get(tx, membership_id).await?.ok_or_else(|| {
        ServiceError::Unauthorized("Your access to this workspace has ended.".into())
    })?;
    if m.status != "active" {
        return Err(ServiceError::Unauthorized(
            "Your access to this workspace has ended.".into(),
        ));
    }
    Ok(m)
}

impl crate::Services {
    /// Every role of the actor's workspace: the built-ins, then custom roles.
    pub async fn available_roles(&self, actor: &Actor) -> Result<Vec<ResolvedRole>> {
        let mut tx = self.db().read().await?;
        let mut out: Vec<ResolvedRole> = BuiltinRole::ALL
            .iter()
            .map(|b| ResolvedRole {
                id: b.id().into(),
                name: b.name().into(),
                permissions: b.permissions(),
                editable: false,
            })
            .collect();
        for row in roles::list(&mut tx, &actor.workspace_id).await? {
            if let Some(r) = resolve(&mut tx, &actor.workspace_id, &row.id).await? {
                out.push(r);
            }
        }
        Ok(out)
    }
}
