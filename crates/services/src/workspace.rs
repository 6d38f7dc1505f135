//! Reading and editing the workspace (Close's "organization"), its members and its users.

use corral_domain::{Actor, Permission, PermissionSet};
use corral_store::model::{MemberRow, MembershipRow, OrganizationRow, UserRow, WorkspaceRow};
use corral_store::queries::{memberships, orgs, users};
use corral_store::{Tx, now};

use crate::roles::member_permissions;
use crate::setup::clean_name;
use crate::{Result, ServiceError, Services};

/// A member as listings show it: membership, user fields, role and effective permissions.
#[derive(Debug, Clone)]
pub struct MemberView {
    pub member: MemberRow,
    pub role_name: String,
    pub permissions: PermissionSet,
}

/// A workspace with its active and inactive members.
#[derive(Debug, Clone)]
pub struct WorkspaceView {
    pub workspace: WorkspaceRow,
    pub organization: OrganizationRow,
    pub memberships: Vec<MemberView>,
    pub inactive_memberships: Vec<MemberView>,
    pub pending_memberships: Vec<MemberView>,
    pub lead_statuses: Vec<corral_store::model::LeadStatusRow>,
}

/// The signed-in user with every membership they hold.
#[derive(Debug, Clone)]
pub struct MeView {
    pub user: UserRow,
    pub memberships: Vec<(MembershipRow, PermissionSet)>,
    pub workspaces: Vec<WorkspaceView>,
}

/// A page of a list, with the total count for `has_more`/`total_results`.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// What `PUT /organization/{id}/` may change.
#[derive(Debug, Clone, Default)]
pub struct WorkspacePatch {
    pub name: Option<String>,
    pub currency: Option<String>,
}

async fn load_workspace_view(tx: &mut Tx, workspace_id: &str) -> Result<WorkspaceView> {
    let workspace = orgs::get_workspace(tx, workspace_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("Organization"))?;
    let organization = orgs::get(tx, &workspace.organization_id)
        .await?
        .ok_or_else(|| {
            ServiceError::Internal(format!("workspace {workspace_id} has no organization"))
        })?;
    let mut view = WorkspaceView {
        workspace,
        organization,
        memberships: vec![],
        inactive_memberships: vec![],
        pending_memberships: vec![],
        lead_statuses: corral_store::queries::leads::statuses(tx, workspace_id).await?,
    };
    for member in memberships::list_members(tx, workspace_id).await? {
        let (role, permissions) = member_permissions(tx, &member.membership).await?;
        let status = member.membership.status.clone();
        let mv = MemberView {
            member,
            role_name: role.name,
            permissions,
        };
        match status.as_str() {
            "active" => view.memberships.push(mv),
            "invited" => view.pending_memberships.push(mv),
            _ => view.inactive_memberships.push(mv),
        }
    }
    Ok(view)
}

impl Services {
    /// The actor's user, memberships and workspaces (`GET /me/`).
    pub async fn me(&self, actor: &Actor) -> Result<MeView> {
        let mut tx = self.db().read().await?;
        let user = users::get(&mut tx, &actor.user_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("User"))?;
        let mut out = MeView {
            user,
            memberships: vec![],
            workspaces: vec![],
        };
        for m in memberships::list_for_user(&mut tx, &actor.user_id).await? {
            if m.status != "active" {
                continue;
            }
            let (_, perms) = member_permissions(&mut tx, &m).await?;
            let ws = load_workspace_view(&mut tx, &m.workspace_id).await?;
            out.memberships.push((m, perms));
            out.workspaces.push(ws);
        }
        Ok(out)
    }

    /// One workspace the actor belongs to; any other id is "not found".
    pub async fn get_workspace(&self, actor: &Actor, id: &str) -> Result<WorkspaceView> {
        if id != actor.workspace_id {
            return Err(ServiceError::not_found("Organization"));
        }
        let mut tx = self.db().read().await?;
        load_workspace_view(&mut tx, id).await
    }

    /// Renames the workspace or changes its currency (needs `manage_organization`).
    pub async fn update_workspace(
        &self,
        actor: &Actor,
        id: &str,
        patch: WorkspacePatch,
    ) -> Result<WorkspaceView> {
        if id != actor.workspace_id {
            return Err(ServiceError::not_found("Organization"));
        }
        actor.require(Permission::ManageOrganization)?;
        let mut tx = self.db().write().await?;
        let mut ws = orgs::get_workspace(&mut tx, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Organization"))?;
        if let Some(name) = patch.name {
            ws.name = clean_name("name", &name, 200, true)?;
        }
        if let Some(cur) = patch.currency {
            let c = cur.trim().to_uppercase();
            if c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_uppercase()) {
                return Err(ServiceError::field(
                    "currency",
                    format!("'{cur}' is not an ISO 4217 currency code such as USD or EUR."),
                ));
            }
            ws.currency = c;
        }
        ws.updated_by = Some(actor.user_id.clone());
        ws.date_updated = now();
        orgs::update_workspace(&mut tx, &ws).await?;
        let view = load_workspace_view(&mut tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Users of the actor's workspace (every member that is not merely invited).
    pub async fn list_users(
        &self,
        actor: &Actor,
        first_name_first: bool,
        skip: i64,
        limit: i64,
    ) -> Result<Page<UserRow>> {
        let mut tx = self.db().read().await?;
        let (items, total) =
            users::list_in_workspace(&mut tx, &actor.workspace_id, first_name_first, skip, limit)
                .await?;
        Ok(Page { items, total })
    }

    /// One user of the actor's workspace; others are "not found".
    pub async fn get_user(&self, actor: &Actor, id: &str) -> Result<UserRow> {
        let mut tx = self.db().read().await?;
        if !users::is_in_workspace(&mut tx, &actor.workspace_id, id).await? {
            return Err(ServiceError::not_found("User"));
        }
        users::get(&mut tx, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("User"))
    }

    /// The name of the actor's workspace, for page headers.
    pub async fn workspace_name(&self, actor: &Actor) -> Result<String> {
        let mut tx = self.db().read().await?;
        Ok(orgs::get_workspace(&mut tx, &actor.workspace_id)
            .await?
            .map(|w| w.name)
            .unwrap_or_default())
    }
}

/// A generated avatar for people without an image: their initials on a colour derived from
/// their email, as an inline SVG data URL (no extra request, nothing to serve).
pub fn initials_avatar(first: &str, last: &str, email: &str) -> String {
    const COLOURS: [&str; 8] = [
        "3b82f6", "10b981", "f59e0b", "ef4444", "8b5cf6", "ec4899", "14b8a6", "6366f1",
    ];
    let mut initials: String = [first, last]
        .iter()
        .filter_map(|s| s.trim().chars().next())
        .flat_map(char::to_uppercase)
        .filter(|c| c.is_alphanumeric())
        .collect();
    if initials.is_empty() {
        initials = email
            .chars()
            .next()
            .map(|c| c.to_uppercase().collect())
            .unwrap_or_else(|| "?".into());
    }
    let initials: String = initials
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let sum: usize = email.bytes().map(usize::from).sum();
    let colour = COLOURS[sum % COLOURS.len()];
    format!(
        "data:image/svg+xml;utf8,%3Csvg xmlns='http://www.w3.org/2000/svg' width='64' height='64'%3E%3Crect width='64' height='64' rx='32' fill='%23{colour}'/%3E%3Ctext x='32' y='41' font-family='sans-serif' font-size='26' fill='white' text-anchor='middle'%3E{initials}%3C/text%3E%3C/svg%3E"
    )
}
