//! Resolving a role id (built-in slug or custom `role_…`) to its name and permissions.

use corral_domain::membership::{Restriction, effective_permissions};
use corral_domain::roles::BuiltinRole;
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
    })
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
