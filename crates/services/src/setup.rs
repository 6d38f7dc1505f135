//! First run: a one-time link that creates the organization, its first workspace and the
//! owner account.

use corral_domain::Email;
use corral_domain::ids::Kind;
use corral_domain::roles::BuiltinRole;
use corral_store::model::{MembershipRow, OrganizationRow, UserRow, WorkspaceRow};
use corral_store::queries::{auth, orgs, users};
use corral_store::{Tx, now};

use crate::auth::NewSession;
use crate::secrets::{hash_password, new_token, token_hash, validate_password};
use crate::{Result, ServiceError, Services};

/// What the setup form asks for.
#[derive(Debug, Clone, Default)]
pub struct SetupInput {
    pub organization_name: String,
    pub workspace_name: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub password: String,
}

/// Checks a display name (organization, workspace, person): trimmed, 1 to `max` characters.
pub(crate) fn clean_name(field: &str, value: &str, max: usize, required: bool) -> Result<String> {
    let v = value.trim();
    if v.is_empty() && required {
        return Err(ServiceError::field(
            field,
            format!("{} is required.", field_label(field)),
        ));
    }
    if v.chars().count() > max {
        return Err(ServiceError::field(
            field,
            format!("{} must be at most {max} characters.", field_label(field)),
        ));
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(ServiceError::field(
            field,
            format!("{} cannot contain control characters.", field_label(field)),
        ));
    }
    Ok(v.to_string())
}

fn field_label(field: &str) -> String {
    let s = field.replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => s,
    }
}

impl Services {
    /// Whether the database has no organization yet.
    pub async fn needs_setup(&self) -> Result<bool> {
        let mut tx = self.db().read().await?;
        Ok(orgs::count(&mut tx).await? == 0)
    }

    /// A fresh one-time setup token (valid 24 hours) when setup is still needed.
    pub async fn issue_setup_token(&self) -> Result<Option<String>> {
        let mut tx = self.db().write().await?;
        if orgs::count(&mut tx).await? > 0 {
            return Ok(None);
        }
        let token = new_token();
        let t = now();
        auth::insert_setup_token(
            &mut tx,
            &token_hash(&token),
            t,
            t + chrono::Duration::hours(24),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(token))
    }

    /// Whether a setup token may still be used (to show the form or an error page).
    pub async fn setup_token_is_live(&self, token: &str) -> Result<bool> {
        let mut tx = self.db().read().await?;
        Ok(orgs::count(&mut tx).await? == 0
            && auth::setup_token_is_live(&mut tx, &token_hash(token), now()).await?)
    }

    /// Creates the organization, workspace and owner, and signs the owner in.
    pub async fn complete_setup(&self, token: &str, input: SetupInput) -> Result<NewSession> {
        let org_name = clean_name("organization_name", &input.organization_name, 200, true)?;
        let ws_name = clean_name("workspace_name", &input.workspace_name, 200, false)?;
        let ws_name = if ws_name.is_empty() {
            "Sales".to_string()
        } else {
            ws_name
        };
        let first = clean_name("first_name", &input.first_name, 100, true)?;
        let last = clean_name("last_name", &input.last_name, 100, false)?;
        let email = Email::parse(&input.email)?;
        validate_password(&input.password)?;
        let hash = hash_password(input.password).await?;

        let mut tx = self.db().write().await?;
        if orgs::count(&mut tx).await? > 0
            || !auth::consume_setup_token(&mut tx, &token_hash(token), now()).await?
        {
            return Err(ServiceError::Forbidden(
                "This setup link has expired or was already used. Restart `corral serve` for a new one.".into(),
            ));
        }
        let (_, ws) = create_org_with_owner(
            &mut tx,
            &org_name,
            &ws_name,
            &first,
            &last,
            &email,
            Some(hash),
        )
        .await?;
        let session = self
            .create_session(&mut tx, &ws.owner_user_id, &ws.workspace_id)
            .await?;
        tx.commit().await?;
        Ok(session)
    }
}

impl Services {
    /// Another organization on this deployment (an operator's action; the first one comes
    /// from the setup link). Its owner signs in with `input.password`.
    pub async fn create_organization(&self, input: SetupInput) -> Result<CreatedOrg> {
        let org_name = clean_name("organization_name", &input.organization_name, 200, true)?;
        let ws_name = clean_name("workspace_name", &input.workspace_name, 200, false)?;
        let ws_name = if ws_name.is_empty() {
            "Sales".to_string()
        } else {
            ws_name
        };
        let first = clean_name("first_name", &input.first_name, 100, true)?;
        let last = clean_name("last_name", &input.last_name, 100, false)?;
        let email = Email::parse(&input.email)?;
        validate_password(&input.password)?;
        let hash = hash_password(input.password).await?;
        let mut tx = self.db().write().await?;
        if users::find_by_email(&mut tx, &email.normalized())
            .await?
            .is_some()
        {
            return Err(ServiceError::field(
                "email",
                "Someone already signs in with this address.",
            ));
        }
        let (_, created) = create_org_with_owner(
            &mut tx,
            &org_name,
            &ws_name,
            &first,
            &last,
            &email,
            Some(hash),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }
}

/// Ids created with a new organization.
#[derive(Debug, Clone)]
pub struct CreatedOrg {
    pub organization_id: String,
    pub workspace_id: String,
    pub owner_user_id: String,
    pub owner_membership_id: String,
}

/// Writes a new organization, its first workspace, and its owner as an active admin.
pub(crate) async fn create_org_with_owner(
    tx: &mut Tx,
    org_name: &str,
    ws_name: &str,
    first: &str,
    last: &str,
    email: &Email,
    password_hash: Option<String>,
) -> Result<(OrganizationRow, CreatedOrg)> {
    let t = now();
    let user = UserRow {
        id: Kind::User.new_id(),
        email: email.as_str().to_string(),
        email_lower: email.normalized(),
        first_name: first.to_string(),
        last_name: last.to_string(),
        phone: None,
        image: None,
        timezone: "UTC".into(),
        password_hash,
        date_created: t,
        date_updated: t,
    };
    users::insert(tx, &user).await?;
    let org = OrganizationRow {
        id: Kind::Organization.new_id(),
        name: org_name.to_string(),
        seat_limit: None,
        date_created: t,
        date_updated: t,
    };
    orgs::insert(tx, &org).await?;
    orgs::add_member(tx, &org.id, &user.id, "owner", t).await?;
    let ws = WorkspaceRow {
        id: Kind::Workspace.new_id(),
        organization_id: org.id.clone(),
        name: ws_name.to_string(),
        currency: "USD".into(),
        created_by: Some(user.id.clone()),
        updated_by: Some(user.id.clone()),
        date_created: t,
        date_updated: t,
    };
    orgs::insert_workspace(tx, &ws).await?;
    crate::access::ensure_defaults(tx, &ws.id, Some(&user.id)).await?;
    let m = new_membership(&ws.id, &user.id, BuiltinRole::Admin.id(), "active", None);
    corral_store::queries::memberships::insert(tx, &m).await?;
    let created = CreatedOrg {
        organization_id: org.id.clone(),
        workspace_id: ws.id,
        owner_user_id: user.id,
        owner_membership_id: m.id,
    };
    Ok((org, created))
}

/// A membership row with Corral's defaults.
pub(crate) fn new_membership(
    workspace_id: &str,
    user_id: &str,
    role_id: &str,
    status: &str,
    invited_by: Option<&str>,
) -> MembershipRow {
    let t = now();
    MembershipRow {
        id: Kind::Membership.new_id(),
        workspace_id: workspace_id.to_string(),
        user_id: user_id.to_string(),
        role_id: role_id.to_string(),
        status: status.to_string(),
        restrictions: String::new(),
        round_robin: false,
        homepage: "leads".into(),
        manager_id: None,
        auto_record_calls: "unset".into(),
        track_email_opens: true,
        default_caller_id: None,
        last_active_at: None,
        invited_by: invited_by.map(str::to_string),
        date_created: t,
        date_updated: t,
        date_activated: (status == "active").then_some(t),
        date_deactivated: None,
        date_removed: None,
        status_changed_by: invited_by.map(str::to_string),
        pinned_views: String::new(),
    }
}
