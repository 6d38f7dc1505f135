//! Roles, groups and custom fields (SPEC S3, S9 groups). Rules come from the domain
//! (`corral_domain::roles`, `corral_domain::team`); every change is audited.

use corral_domain::ids::Kind;
use corral_domain::membership::MembershipStatus;
use corral_domain::roles::{BuiltinRole, RoleSpec, VisibilityBehavior, validate_role};
use corral_domain::team as rules;
use corral_domain::{Actor, Permission, PermissionSet};
use corral_store::model::{CustomFieldRow, GroupRow, RoleRow, Ts};
use corral_store::queries::{custom_fields, groups, memberships, orgs, roles};
use corral_store::{StoreError, Tx, now};
use serde_json::{Value, json};

use crate::audit::{self, Change};
use crate::roles::{member_permissions, resolve};
use crate::{Result, ServiceError, Services};

/// The name of the user-type lead field every workspace starts with.
pub const LEAD_OWNER: &str = "Lead Owner";

/// A role as the API shows it.
#[derive(Debug, Clone)]
pub struct RoleView {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub editable: bool,
    pub permissions: PermissionSet,
    pub visibility_user_lcf_ids: Option<Vec<String>>,
    pub visibility_user_lcf_behavior: Option<String>,
    pub visibility_include_reports: bool,
    pub date_created: Ts,
    pub date_updated: Ts,
    /// Memberships (any status) holding the role.
    pub holders: i64,
}

/// A role create or partial update, as a client sends it.
#[derive(Debug, Clone, Default)]
pub struct RoleInput {
    pub name: Option<String>,
    pub permissions: Option<Vec<String>>,
    /// None = absent; Some(None) = explicitly null.
    pub visibility_user_lcf_ids: Option<Option<Vec<String>>>,
    pub visibility_user_lcf_behavior: Option<Option<String>>,
    pub visibility_include_reports: Option<bool>,
}

/// A group with its member user ids.
#[derive(Debug, Clone)]
pub struct GroupView {
    pub group: GroupRow,
    pub members: Vec<String>,
}

fn split(s: &Option<String>) -> Option<Vec<String>> {
    s.as_ref().map(|v| {
        v.split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect()
    })
}

fn role_json(v: &RoleView) -> Value {
    json!({
        "id": v.id, "name": v.name, "permissions": v.permissions.names(),
        "visibility_user_lcf_ids": v.visibility_user_lcf_ids, "visibility_user_lcf_behavior": v.visibility_user_lcf_behavior,
        "visibility_include_reports": v.visibility_include_reports,
    })
}

/// Creates the workspace's default custom fields (the "Lead Owner" user field) if missing.
pub(crate) async fn ensure_defaults(
    tx: &mut Tx,
    workspace_id: &str,
    created_by: Option<&str>,
) -> Result<()> {
    crate::leads::ensure_lead_statuses(tx, workspace_id).await?;
    crate::work::ensure_pipeline(tx, workspace_id).await?;
    let existing = custom_fields::list(tx, workspace_id, "lead").await?;
    if existing.iter().any(|f| f.name == LEAD_OWNER) {
        return Ok(());
    }
    let t = now();
    custom_fields::insert(
        tx,
        &CustomFieldRow {
            id: format!("cf_{}", corral_domain::ids::random_base62(43)),
            workspace_id: workspace_id.to_string(),
            object_type: "lead".into(),
            name: LEAD_OWNER.into(),
            description: "The member responsible for the lead. Assigning a lead sets this field."
                .into(),
            field_type: "user".into(),
            accepts_multiple_values: false,
            choices: String::new(),
            editable_with_roles: String::new(),
            created_by: created_by.map(str::to_string),
            updated_by: created_by.map(str::to_string),
            date_created: t,
            date_updated: t,
        },
    )
    .await?;
    Ok(())
}

async fn user_lead_field_ids(tx: &mut Tx, workspace_id: &str) -> Result<Vec<String>> {
    Ok(custom_fields::list(tx, workspace_id, "lead")
        .await?
        .into_iter()
        .filter(|f| f.field_type == "user")
        .map(|f| f.id)
        .collect())
}

async fn role_view(tx: &mut Tx, workspace_id: &str, role_id: &str) -> Result<Option<RoleView>> {
    let ws = orgs::get_workspace(tx, workspace_id)
        .await?
        .ok_or_else(|| ServiceError::Internal("workspace missing".into()))?;
    let holders = roles::holders(tx, workspace_id, role_id).await?;
    if let Some(b) = BuiltinRole::from_id(role_id) {
        return Ok(Some(RoleView {
            id: b.id().into(),
            workspace_id: workspace_id.into(),
            name: b.name().into(),
            editable: false,
            permissions: b.permissions(),
            visibility_user_lcf_ids: None,
            visibility_user_lcf_behavior: None,
            visibility_include_reports: false,
            date_created: ws.date_created,
            date_updated: ws.date_created,
            holders,
        }));
    }
    let Some(row) = roles::get(tx, workspace_id, role_id).await? else {
        return Ok(None);
    };
    let resolved = resolve(tx, workspace_id, role_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("Role"))?;
    Ok(Some(RoleView {
        id: row.id.clone(),
        workspace_id: workspace_id.into(),
        name: row.name.clone(),
        editable: true,
        permissions: resolved.permissions,
        visibility_user_lcf_ids: split(&row.visibility_user_lcf_ids),
        visibility_user_lcf_behavior: row.visibility_user_lcf_behavior.clone(),
        visibility_include_reports: row.visibility_include_reports,
        date_created: row.date_created,
        date_updated: row.date_updated,
        holders,
    }))
}

/// Refuses a change after which no active member could manage the workspace, when every
/// holder of `role_id` gets `new_permissions`.
async fn check_role_keeps_administrator(
    tx: &mut Tx,
    workspace_id: &str,
    role_id: &str,
    new_permissions: &PermissionSet,
) -> Result<()> {
    let mut perms = Vec::new();
    for m in memberships::list_members(tx, workspace_id).await? {
        let status = MembershipStatus::parse(&m.membership.status)?;
        let p = if m.membership.role_id == role_id {
            let r = crate::roles::parse_restrictions(&m.membership.restrictions)?;
            corral_domain::membership::effective_permissions(new_permissions, &r)
        } else {
            member_permissions(tx, &m.membership).await?.1
        };
        perms.push((status, p));
    }
    if rules::keeps_an_administrator(perms.iter().map(|(s, p)| (*s, p))) {
        Ok(())
    } else {
        Err(rules::last_administrator().into())
    }
}

impl Services {
    async fn audit_access(&self, tx: &mut Tx, actor: &Actor, change: Change<'_>) -> Result<()> {
        audit::record(
            tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            change,
        )
        .await
    }

    /// Creates missing default fields for every workspace (run at start-up).
    pub async fn ensure_workspace_defaults(&self) -> Result<()> {
        let mut tx = self.db().write().await?;
        for ws in orgs::list_workspace_ids(&mut tx).await? {
            ensure_defaults(&mut tx, &ws, None).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Custom fields of one object type in the actor's workspace.
    pub async fn list_custom_fields(
        &self,
        actor: &Actor,
        object_type: &str,
    ) -> Result<Vec<CustomFieldRow>> {
        if !matches!(object_type, "lead" | "contact" | "opportunity") {
            return Err(ServiceError::not_found("Custom field type"));
        }
        let mut tx = self.db().read().await?;
        Ok(custom_fields::list(&mut tx, &actor.workspace_id, object_type).await?)
    }

    /// Built-in roles then custom roles, with how many members hold each.
    pub async fn list_roles(&self, actor: &Actor) -> Result<Vec<RoleView>> {
        let mut tx = self.db().read().await?;
        let mut ids: Vec<String> = BuiltinRole::ALL
            .iter()
            .map(|b| b.id().to_string())
            .collect();
        ids.extend(
            roles::list(&mut tx, &actor.workspace_id)
                .await?
                .into_iter()
                .map(|r| r.id),
        );
        let mut out = Vec::new();
        for id in ids {
            if let Some(v) = role_view(&mut tx, &actor.workspace_id, &id).await? {
                out.push(v);
            }
        }
        Ok(out)
    }

    pub async fn get_role(&self, actor: &Actor, id: &str) -> Result<RoleView> {
        let mut tx = self.db().read().await?;
        role_view(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Role"))
    }

    /// Creates a custom role (needs `manage_organization`; never beyond one's own permissions).
    pub async fn create_role(&self, actor: &Actor, input: RoleInput) -> Result<RoleView> {
        actor.require(Permission::ManageOrganization)?;
        let names = input.permissions.clone().unwrap_or_default();
        let spec = RoleSpec {
            name: input.name.clone().unwrap_or_default().trim().to_string(),
            permissions: PermissionSet::parse_names(&names, "permissions")?,
            visibility_user_lcf_ids: input.visibility_user_lcf_ids.clone().flatten(),
            visibility_user_lcf_behavior: input
                .visibility_user_lcf_behavior
                .clone()
                .flatten()
                .map(|b| VisibilityBehavior::parse(&b))
                .transpose()?,
            visibility_include_reports: input.visibility_include_reports.unwrap_or(false),
        };
        rules::may_grant(actor, &spec.name, &spec.permissions)?;
        let mut tx = self.db().write().await?;
        validate_role(
            &spec,
            &user_lead_field_ids(&mut tx, &actor.workspace_id).await?,
        )?;
        let t = now();
        let row = RoleRow {
            id: Kind::Role.new_id(),
            workspace_id: actor.workspace_id.clone(),
            name: spec.name.clone(),
            permissions: spec.permissions.names().join(","),
            visibility_user_lcf_ids: spec.visibility_user_lcf_ids.as_ref().map(|v| v.join(",")),
            visibility_user_lcf_behavior: spec
                .visibility_user_lcf_behavior
                .map(|b| b.as_str().to_string()),
            visibility_include_reports: spec.visibility_include_reports,
            date_created: t,
            date_updated: t,
        };
        roles::insert(&mut tx, &row).await.map_err(|e| match e {
            StoreError::Conflict(_) => ServiceError::field(
                "name",
                format!("A role named '{}' already exists.", row.name),
            ),
            other => other.into(),
        })?;
        let view = role_view(&mut tx, &actor.workspace_id, &row.id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Role"))?;
        self.audit_access(
            &mut tx,
            actor,
            Change {
                object_type: "role",
                object_id: &row.id,
                action: "created",
                before: json!({}),
                after: role_json(&view),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Partly updates a custom role. Built-in roles cannot be changed. Holders feel the change
    /// on their next request.
    pub async fn update_role(&self, actor: &Actor, id: &str, input: RoleInput) -> Result<RoleView> {
        actor.require(Permission::ManageOrganization)?;
        let mut tx = self.db().write().await?;
        let before = role_view(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Role"))?;
        if !before.editable {
            return Err(ServiceError::Forbidden(format!(
                "'{}' is a built-in role and cannot be edited. Create a custom role instead.",
                before.name
            )));
        }
        rules::may_grant(actor, &before.name, &before.permissions)?;
        let permissions = match &input.permissions {
            Some(names) => PermissionSet::parse_names(names, "permissions")?,
            None => before.permissions.clone(),
        };
        let spec = RoleSpec {
            name: input
                .name
                .clone()
                .map(|n| n.trim().to_string())
                .unwrap_or_else(|| before.name.clone()),
            permissions,
            visibility_user_lcf_ids: match &input.visibility_user_lcf_ids {
                Some(v) => v.clone(),
                None => before.visibility_user_lcf_ids.clone(),
            },
            visibility_user_lcf_behavior: match &input.visibility_user_lcf_behavior {
                Some(v) => v
                    .clone()
                    .map(|b| VisibilityBehavior::parse(&b))
                    .transpose()?,
                None => before
                    .visibility_user_lcf_behavior
                    .as_deref()
                    .map(VisibilityBehavior::parse)
                    .transpose()?,
            },
            visibility_include_reports: input
                .visibility_include_reports
                .unwrap_or(before.visibility_include_reports),
        };
        rules::may_grant(actor, &spec.name, &spec.permissions)?;
        validate_role(
            &spec,
            &user_lead_field_ids(&mut tx, &actor.workspace_id).await?,
        )?;
        check_role_keeps_administrator(&mut tx, &actor.workspace_id, id, &spec.permissions).await?;
        let row = RoleRow {
            id: id.to_string(),
            workspace_id: actor.workspace_id.clone(),
            name: spec.name.clone(),
            permissions: spec.permissions.names().join(","),
            visibility_user_lcf_ids: spec.visibility_user_lcf_ids.as_ref().map(|v| v.join(",")),
            visibility_user_lcf_behavior: spec
                .visibility_user_lcf_behavior
                .map(|b| b.as_str().to_string()),
            visibility_include_reports: spec.visibility_include_reports,
            date_created: before.date_created,
            date_updated: now(),
        };
        roles::update(&mut tx, &row).await.map_err(|e| match e {
            StoreError::Conflict(_) => ServiceError::field(
                "name",
                format!("A role named '{}' already exists.", row.name),
            ),
            other => other.into(),
        })?;
        let after = role_view(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Role"))?;
        self.audit_access(
            &mut tx,
            actor,
            Change {
                object_type: "role",
                object_id: id,
                action: "updated",
                before: role_json(&before),
                after: role_json(&after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes a custom role. While members hold it the answer is a conflict with the count,
    /// unless `move_to` names the role they move to (in the same transaction).
    pub async fn delete_role(
        &self,
        actor: &Actor,
        id: &str,
        move_to: Option<&str>,
    ) -> Result<usize> {
        actor.require(Permission::ManageOrganization)?;
        let mut tx = self.db().write().await?;
        let role = role_view(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Role"))?;
        if !role.editable {
            return Err(ServiceError::Forbidden(format!(
                "'{}' is a built-in role and cannot be deleted.",
                role.name
            )));
        }
        rules::may_grant(actor, &role.name, &role.permissions)?;
        let mut moved = Vec::new();
        if role.holders > 0 {
            let Some(target_id) = move_to.filter(|t| !t.is_empty()) else {
                return Err(ServiceError::Conflict(format!(
                    "{} member(s) still hold the role '{}'. Move them to another role first, or name one with move_members_to.",
                    role.holders, role.name
                )));
            };
            if target_id == id {
                return Err(ServiceError::field(
                    "move_members_to",
                    "Members cannot move to the role being deleted.",
                ));
            }
            let target = role_view(&mut tx, &actor.workspace_id, target_id)
                .await?
                .ok_or_else(|| {
                    ServiceError::field(
                        "move_members_to",
                        format!("There is no role '{target_id}'."),
                    )
                })?;
            rules::may_grant(actor, &target.name, &target.permissions)?;
            check_role_keeps_administrator(&mut tx, &actor.workspace_id, id, &target.permissions)
                .await?;
            moved = roles::move_holders(&mut tx, &actor.workspace_id, id, target_id, now()).await?;
            for mid in &moved {
                self.audit_access(
                    &mut tx,
                    actor,
                    Change {
                        object_type: "membership",
                        object_id: mid,
                        action: "updated",
                        before: json!({"role_id": id}),
                        after: json!({"role_id": target_id}),
                    },
                )
                .await?;
            }
        }
        roles::delete(&mut tx, &actor.workspace_id, id).await?;
        self.audit_access(
            &mut tx,
            actor,
            Change {
                object_type: "role",
                object_id: id,
                action: "deleted",
                before: role_json(&role),
                after: json!({}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(moved.len())
    }

    // ---- groups ----

    pub async fn list_groups(&self, actor: &Actor) -> Result<Vec<GroupRow>> {
        let mut tx = self.db().read().await?;
        Ok(groups::list(&mut tx, &actor.workspace_id).await?)
    }

    pub async fn get_group(&self, actor: &Actor, id: &str) -> Result<GroupView> {
        let mut tx = self.db().read().await?;
        let group = groups::get(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Group"))?;
        let members = groups::member_ids(&mut tx, id).await?;
        Ok(GroupView { group, members })
    }

    fn group_name(name: &str) -> Result<String> {
        let n = name.trim();
        if n.is_empty() || n.chars().count() > 100 {
            return Err(ServiceError::field(
                "name",
                "A group needs a name of 1 to 100 characters.",
            ));
        }
        Ok(n.to_string())
    }

    pub async fn create_group(&self, actor: &Actor, name: &str) -> Result<GroupView> {
        actor.require(Permission::ManageOrganization)?;
        let name = Self::group_name(name)?;
        let t = now();
        let g = GroupRow {
            id: Kind::Group.new_id(),
            workspace_id: actor.workspace_id.clone(),
            name: name.clone(),
            date_created: t,
            date_updated: t,
        };
        let mut tx = self.db().write().await?;
        groups::insert(&mut tx, &g).await.map_err(|e| match e {
            StoreError::Conflict(_) => {
                ServiceError::field("name", format!("A group named '{name}' already exists."))
            }
            other => other.into(),
        })?;
        self.audit_access(
            &mut tx,
            actor,
            Change {
                object_type: "group",
                object_id: &g.id,
                action: "created",
                before: json!({}),
                after: json!({"name": name}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(GroupView {
            group: g,
            members: vec![],
        })
    }

    pub async fn rename_group(&self, actor: &Actor, id: &str, name: &str) -> Result<GroupView> {
        actor.require(Permission::ManageOrganization)?;
        let name = Self::group_name(name)?;
        let mut tx = self.db().write().await?;
        let g = groups::get(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Group"))?;
        groups::rename(&mut tx, id, &name, now())
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => {
                    ServiceError::field("name", format!("A group named '{name}' already exists."))
                }
                other => other.into(),
            })?;
        self.audit_access(
            &mut tx,
            actor,
            Change {
                object_type: "group",
                object_id: id,
                action: "updated",
                before: json!({"name": g.name}),
                after: json!({"name": name}),
            },
        )
        .await?;
        let members = groups::member_ids(&mut tx, id).await?;
        let group = groups::get(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Group"))?;
        tx.commit().await?;
        Ok(GroupView { group, members })
    }

    /// Deletes a group; its members stay in the workspace. (Nothing else refers to groups
    /// yet; smart views and saved reports will refuse the deletion while they use one.)
    pub async fn delete_group(&self, actor: &Actor, id: &str) -> Result<()> {
        actor.require(Permission::ManageOrganization)?;
        let mut tx = self.db().write().await?;
        let g = groups::get(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Group"))?;
        let members = groups::member_ids(&mut tx, id).await?;
        groups::delete(&mut tx, id).await?;
        self.audit_access(
            &mut tx,
            actor,
            Change {
                object_type: "group",
                object_id: id,
                action: "deleted",
                before: json!({"name": g.name, "members": members}),
                after: json!({}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a workspace member to a group (idempotent). Users who are not members of the
    /// workspace are refused with Close's "Invalid organization members".
    pub async fn add_group_member(&self, actor: &Actor, id: &str, user_id: &str) -> Result<()> {
        actor.require(Permission::ManageOrganization)?;
        let mut tx = self.db().write().await?;
        groups::get(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Group"))?;
        let m = memberships::find(&mut tx, &actor.workspace_id, user_id).await?;
        if !m.is_some_and(|m| matches!(m.status.as_str(), "active" | "deactivated")) {
            return Err(ServiceError::field(
                "user_id",
                format!(
                    "Invalid organization members: '{user_id}' is not a member of this workspace."
                ),
            ));
        }
        let already = groups::member_ids(&mut tx, id)
            .await?
            .iter()
            .any(|u| u == user_id);
        if !already {
            groups::add_member(&mut tx, id, user_id, now()).await?;
            self.audit_access(
                &mut tx,
                actor,
                Change {
                    object_type: "group",
                    object_id: id,
                    action: "updated",
                    before: json!({}),
                    after: json!({"member_added": user_id}),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Removes a user from a group (no-op when not in it).
    pub async fn remove_group_member(&self, actor: &Actor, id: &str, user_id: &str) -> Result<()> {
        actor.require(Permission::ManageOrganization)?;
        let mut tx = self.db().write().await?;
        groups::get(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Group"))?;
        if groups::remove_member(&mut tx, id, user_id).await? > 0 {
            self.audit_access(
                &mut tx,
                actor,
                Change {
                    object_type: "group",
                    object_id: id,
                    action: "updated",
                    before: json!({"member_removed": user_id}),
                    after: json!({}),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// A custom field create or partial update.
#[derive(Debug, Clone, Default)]
pub struct FieldInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub field_type: Option<String>,
    pub accepts_multiple_values: Option<bool>,
    pub choices: Option<Vec<String>>,
    pub editable_with_roles: Option<Vec<String>>,
}

impl Services {
    async fn check_field_input(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        input: &FieldInput,
    ) -> Result<()> {
        if let Some(n) = &input.name
            && (n.trim().is_empty() || n.chars().count() > 100)
        {
            return Err(ServiceError::field(
                "name",
                "A field needs a name of 1 to 100 characters.",
            ));
        }
        if let Some(roles_given) = &input.editable_with_roles {
            for r in roles_given {
                if crate::roles::resolve(tx, &actor.workspace_id, r)
                    .await?
                    .is_none()
                {
                    return Err(ServiceError::field(
                        "editable_with_roles",
                        format!("There is no role '{r}'."),
                    ));
                }
            }
        }
        if let Some(cs) = &input.choices
            && cs.iter().any(|c| c.trim().is_empty() || c.contains('\n'))
        {
            return Err(ServiceError::field(
                "choices",
                "Choices must be non-empty single lines.",
            ));
        }
        Ok(())
    }

    /// Creates a lead custom field (needs `manage_customizations`).
    pub async fn create_custom_field(
        &self,
        actor: &Actor,
        object_type: &str,
        input: FieldInput,
    ) -> Result<CustomFieldRow> {
        actor.require(Permission::ManageCustomizations)?;
        if !matches!(object_type, "lead" | "contact" | "opportunity") {
            return Err(ServiceError::not_found("Custom field type"));
        }
        let kind = input.field_type.clone().unwrap_or_default();
        if !matches!(
            kind.as_str(),
            "text" | "number" | "date" | "choices" | "user"
        ) {
            return Err(ServiceError::field(
                "type",
                "Use one of text, number, date, choices or user.",
            ));
        }
        if input.name.is_none() {
            return Err(ServiceError::field("name", "`name` is required."));
        }
        if kind == "choices" && input.choices.as_ref().is_none_or(|c| c.is_empty()) {
            return Err(ServiceError::field(
                "choices",
                "A choices field needs at least one choice.",
            ));
        }
        let mut tx = self.db().write().await?;
        self.check_field_input(&mut tx, actor, &input).await?;
        let t = now();
        let row = CustomFieldRow {
            id: format!("cf_{}", corral_domain::ids::random_base62(43)),
            workspace_id: actor.workspace_id.clone(),
            object_type: object_type.into(),
            name: input.name.clone().unwrap_or_default().trim().to_string(),
            description: input.description.clone().unwrap_or_default(),
            field_type: kind,
            accepts_multiple_values: input.accepts_multiple_values.unwrap_or(false),
            choices: input.choices.clone().unwrap_or_default().join("\n"),
            editable_with_roles: input
                .editable_with_roles
                .clone()
                .unwrap_or_default()
                .join(","),
            created_by: Some(actor.user_id.clone()),
            updated_by: Some(actor.user_id.clone()),
            date_created: t,
            date_updated: t,
        };
        custom_fields::insert(&mut tx, &row)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => ServiceError::field(
                    "name",
                    format!(
                        "A {} field named '{}' already exists.",
                        row.object_type, row.name
                    ),
                ),
                other => other.into(),
            })?;
        let audited = format!("custom_fields.{}", row.object_type);
        self.audit_access(
            &mut tx,
            actor,
            Change {
                object_type: &audited,
                object_id: &row.id,
                action: "created",
                before: json!({}),
                after: json!({"name": row.name, "type": row.field_type}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Partly updates a custom field; its type cannot change.
    pub async fn update_custom_field(
        &self,
        actor: &Actor,
        id: &str,
        input: FieldInput,
    ) -> Result<CustomFieldRow> {
        actor.require(Permission::ManageCustomizations)?;
        let mut tx = self.db().write().await?;
        let mut row = custom_fields::get(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Custom field"))?;
        if input
            .field_type
            .as_ref()
            .is_some_and(|t| *t != row.field_type)
        {
            return Err(ServiceError::field(
                "type",
                "A field's type cannot change; create a new field instead.",
            ));
        }
        self.check_field_input(&mut tx, actor, &input).await?;
        let before = json!({"name": row.name, "choices": row.choices, "editable_with_roles": row.editable_with_roles});
        if let Some(n) = &input.name {
            row.name = n.trim().to_string();
        }
        if let Some(d) = &input.description {
            row.description = d.clone();
        }
        if let Some(m) = input.accepts_multiple_values {
            row.accepts_multiple_values = m;
        }
        if let Some(c) = &input.choices {
            row.choices = c.join("\n");
        }
        if let Some(r) = &input.editable_with_roles {
            row.editable_with_roles = r.join(",");
        }
        row.updated_by = Some(actor.user_id.clone());
        row.date_updated = now();
        custom_fields::update(&mut tx, &row)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => ServiceError::field(
                    "name",
                    format!(
                        "A {} field named '{}' already exists.",
                        row.object_type, row.name
                    ),
                ),
                other => other.into(),
            })?;
        let audited = format!("custom_fields.{}", row.object_type);
        self.audit_access(&mut tx, actor, Change { object_type: &audited, object_id: id, action: "updated", before, after: json!({"name": row.name, "choices": row.choices, "editable_with_roles": row.editable_with_roles}) }).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Deletes a custom field and its values. Refused while a role's lead visibility uses it,
    /// and for the built-in Lead Owner field.
    pub async fn delete_custom_field(&self, actor: &Actor, id: &str) -> Result<()> {
        actor.require(Permission::ManageCustomizations)?;
        let mut tx = self.db().write().await?;
        let row = custom_fields::get(&mut tx, &actor.workspace_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Custom field"))?;
        if row.name == LEAD_OWNER && row.object_type == "lead" {
            return Err(ServiceError::Conflict(
                "Lead Owner is how leads are assigned; it cannot be deleted.".into(),
            ));
        }
        let using: Vec<String> = roles::list(&mut tx, &actor.workspace_id)
            .await?
            .into_iter()
            .filter(|r| {
                r.visibility_user_lcf_ids
                    .as_deref()
                    .unwrap_or("")
                    .split(',')
                    .any(|f| f == id)
            })
            .map(|r| r.name)
            .collect();
        if !using.is_empty() {
            return Err(ServiceError::Conflict(format!(
                "The role(s) {} decide lead visibility with this field; change them first.",
                using.join(", ")
            )));
        }
        // Contact and opportunity values live with their records: take the field out of each.
        for (holder, custom) in
            custom_fields::holders(&mut tx, &actor.workspace_id, &row.object_type, id).await?
        {
            let mut v: serde_json::Value = serde_json::from_str(&custom).unwrap_or_default();
            if let Some(m) = v.as_object_mut()
                && m.remove(id).is_some()
            {
                custom_fields::set_custom(
                    &mut tx,
                    &actor.workspace_id,
                    &row.object_type,
                    &holder,
                    &v.to_string(),
                )
                .await?;
            }
        }
        custom_fields::delete(&mut tx, id).await?;
        let audited = format!("custom_fields.{}", row.object_type);
        self.audit_access(
            &mut tx,
            actor,
            Change {
                object_type: &audited,
                object_id: id,
                action: "deleted",
                before: json!({"name": row.name}),
                after: json!({}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
