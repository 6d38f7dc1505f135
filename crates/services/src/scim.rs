//! SCIM 2.0 provisioning (SPEC S8): an identity provider creates, updates, deactivates and
//! deletes members and groups of an organization with a bearer token an owner made.
//!
//! Every provider request acts as a system actor holding every permission in the
//! organization's SCIM workspace, so the team rules (seats, last administrator, offboarding)
//! apply to it exactly as to a person. A user's SCIM representation is rendered from
//! Corral's rows plus what the provider sent that Corral has no column for; PATCH edits
//! that document (`corral_domain::scim`) and stores it with PUT's rules, so both paths share
//! one writer.

use corral_domain::ids::Kind;
use corral_domain::membership::MembershipStatus;
use corral_domain::offboarding::Disposition;
use corral_domain::scim::{
    self as wire, AttrPath, ENTERPRISE_SCHEMA, Filter, GROUP_SCHEMA, ScimError, USER_SCHEMA, get_ci,
};
use corral_domain::scim_schema::{as_bool, check_body, knows};
use corral_domain::team as rules;
use corral_domain::visibility::LeadScope;
use corral_domain::{Actor, Email, PermissionSet, Phone};
use corral_store::model::{
    GroupRow, ScimActivityRow, ScimGroupRow, ScimMemberRow, ScimSettingsRow, ScimTokenRow,
    ScimUserRow, UserRow,
};
use corral_store::queries::memberships::{self, ScimNarrow};
use corral_store::queries::{groups, orgs, scim as q, users};
use corral_store::{StoreError, Tx, now};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::audit::{self, Change};
use crate::members::{check_seat, member_states, record_seat_change};
use crate::offboarding::Choices;
use crate::secrets::{hash_password, new_token, token_hash, validate_password};
use crate::setup::{clean_name, new_membership};
use crate::{Result, ServiceError, Services};

type SResult<T> = std::result::Result<T, ScimError>;

/// The largest page a client may ask for.
pub const MAX_COUNT: usize = 1000;

impl From<ServiceError> for ScimError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid { message, .. } => ScimError::invalid_value(message),
            ServiceError::Unauthorized(m) => ScimError::new(401, None, m),
            ServiceError::Forbidden(m) | ServiceError::PlanLimit(m) => ScimError::new(403, None, m),
            ServiceError::NotFound(m) => ScimError::not_found(m),
            ServiceError::Conflict(m) => ScimError::new(409, None, m),
            ServiceError::TooManyRequests { message, .. } => ScimError::new(429, None, message),
            ServiceError::Unavailable(m) => ScimError::new(503, None, m),
            ServiceError::Internal(m) => {
                tracing::error!(error = %m, "SCIM request failed");
                ScimError::new(
                    500,
                    None,
                    "Something went wrong inside Corral; nothing was changed.",
                )
            }
        }
    }
}

fn store(e: StoreError) -> ScimError {
    ServiceError::from(e).into()
}

/// A SCIM request's identity: the token, its organization and the system actor.
#[derive(Debug, Clone)]
pub struct ScimContext {
    pub actor: Actor,
    pub token_id: String,
    pub settings: ScimSettingsRow,
    /// `…/scim/v2`, for `meta.location` and `$ref`.
    pub base_url: String,
}

/// A token as created: the secret is shown once.
#[derive(Debug, Clone)]
pub struct NewScimToken {
    pub row: ScimTokenRow,
    pub token: String,
}

/// A list request (RFC 7644 §3.4.2).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub filter: Option<Filter>,
    /// 1-based.
    pub start_index: usize,
    pub count: usize,
    pub sort_by: Option<AttrPath>,
    pub descending: bool,
    pub attributes: Vec<AttrPath>,
    pub excluded: Vec<AttrPath>,
}

/// One page of resources.
#[derive(Debug, Clone)]
pub struct Page {
    pub total: usize,
    pub start_index: usize,
    pub resources: Vec<Value>,
}

/// The weak ETag of a representation (everything but `meta`).
pub fn etag_of(doc: &Value) -> String {
    let mut d = doc.clone();
    if let Some(o) = d.as_object_mut() {
        o.remove("meta");
    }
    let digest = Sha256::digest(d.to_string().as_bytes());
    let hex: String = digest.iter().take(10).map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

fn check_version(current: &Value, if_match: Option<&str>) -> SResult<()> {
    match if_match.map(str::trim) {
        None | Some("*") => Ok(()),
        Some(tags) => {
            let mine = etag_of(current);
            let strip = |t: &str| {
                t.trim()
                    .trim_start_matches("W/")
                    .trim_matches('"')
                    .to_string()
            };
            if tags.split(',').any(|t| strip(t) == strip(&mine)) {
                Ok(())
            } else {
                Err(ScimError::new(
                    412,
                    None,
                    format!("The resource changed since version {tags}; it is now {mine}."),
                ))
            }
        }
    }
}

/// A case-insensitive lookup of a top-level attribute.
fn attr<'a>(doc: &'a Value, name: &str) -> Option<&'a Value> {
    get_ci(doc, name).filter(|v| !v.is_null())
}

fn text(doc: &Value, name: &str) -> Option<String> {
    attr(doc, name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The value of the primary element of a multi-valued attribute, or of its first element.
fn primary_value(doc: &Value, name: &str) -> Option<String> {
    let items = attr(doc, name)?.as_array()?;
    let pick = items
        .iter()
        .find(|i| get_ci(i, "primary").and_then(as_bool) == Some(true))
        .or_else(|| items.first())?;
    get_ci(pick, "value")
        .and_then(Value::as_str)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Puts what providers send in different shapes into one: booleans as strings (Entra), a
/// manager as a bare id, the enterprise namespace under its canonical key.
fn normalize_user(doc: &mut Value) {
    let Some(o) = doc.as_object_mut() else {
        return;
    };
    if let Some(k) = o.keys().find(|k| k.eq_ignore_ascii_case("active")).cloned()
        && let Some(b) = o.get(&k).and_then(as_bool)
    {
        o.insert(k, Value::Bool(b));
    }
    if let Some(k) = o
        .keys()
        .find(|k| k.eq_ignore_ascii_case(ENTERPRISE_SCHEMA))
        .cloned()
    {
        let mut ext = o.remove(&k).unwrap_or(Value::Null);
        if let Some(e) = ext.as_object_mut()
            && let Some(mk) = e
                .keys()
                .find(|k| k.eq_ignore_ascii_case("manager"))
                .cloned()
        {
            match e.get(&mk) {
                Some(Value::String(id)) if id.trim().is_empty() => {
                    e.remove(&mk);
                }
                Some(Value::String(id)) => {
                    let id = id.trim().to_string();
                    e.insert(mk, json!({ "value": id }));
                }
                _ => {}
            }
        }
        o.insert(ENTERPRISE_SCHEMA.to_string(), ext);
    }
}

/// A fresh SCIM token for an organization: the row to store (hashed) and the secret to show
/// once.
pub(crate) fn new_token_row(
    organization_id: &str,
    name: String,
    created_by: &str,
) -> (ScimTokenRow, String) {
    let token = format!("scim_{}", new_token());
    let row = ScimTokenRow {
        id: format!("scimtok_{}", corral_domain::ids::random_base62(22)),
        organization_id: organization_id.to_string(),
        name,
        token_hash: token_hash(&token),
        created_by: created_by.to_string(),
        date_created: now(),
        last_used_at: None,
        revoked_at: None,
    };
    (row, token)
}

impl Services {
    /// Builds the context for a bearer token, or refuses.
    pub async fn authenticate_scim(&self, bearer: &str, request_id: &str) -> Result<ScimContext> {
        let refuse =
            || ServiceError::Unauthorized("The SCIM token is missing, wrong or revoked.".into());
        if bearer.trim().is_empty() {
            return Err(refuse());
        }
        let mut tx = self.db().read().await?;
        let token = q::live_token(&mut tx, &token_hash(bearer.trim()))
            .await?
            .ok_or_else(refuse)?;
        let settings = self.settings_in(&mut tx, &token.organization_id).await?;
        drop(tx);
        if self.due_for_touch(&token.id) {
            let mut tx = self.db().write().await?;
            q::touch_token(&mut tx, &token.id, now()).await?;
            tx.commit().await?;
        }
        let permissions = PermissionSet::all();
        Ok(ScimContext {
            actor: Actor {
                user_id: token.id.clone(),
                membership_id: String::new(),
                workspace_id: settings.workspace_id.clone(),
                organization_id: token.organization_id.clone(),
                role_id: corral_domain::roles::BuiltinRole::Admin.id().to_string(),
                restrictions: vec![],
                permissions,
                is_org_owner: true,
                request_id: request_id.to_string(),
                lead_scope: LeadScope::All,
            },
            token_id: token.id,
            settings,
            base_url: format!("{}/scim/v2", self.config().public_url),
        })
    }

    async fn settings_in(&self, tx: &mut Tx, org: &str) -> Result<ScimSettingsRow> {
        if let Some(s) = q::settings(tx, org).await? {
            return Ok(s);
        }
        let ws = orgs::first_workspace(tx, org)
            .await?
            .ok_or_else(|| ServiceError::Internal("organization without a workspace".into()))?;
        Ok(ScimSettingsRow {
            organization_id: org.to_string(),
            workspace_id: ws,
            role_id: corral_domain::roles::BuiltinRole::User.id().to_string(),
            deactivate_policy: "leave".into(),
            reassign_to: None,
            date_updated: now(),
        })
    }

    fn require_owner(actor: &Actor) -> Result<()> {
        if actor.is_org_owner {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(
                "Only an owner of the organization manages SCIM provisioning.".into(),
            ))
        }
    }

    /// Makes a SCIM token for the actor's organization; the secret is returned once.
    pub async fn create_scim_token(&self, actor: &Actor, name: &str) -> Result<NewScimToken> {
        Self::require_owner(actor)?;
        let name = clean_name("name", name, 100, true)?;
        let (row, token) = new_token_row(&actor.organization_id, name, &actor.user_id);
        let mut tx = self.db().write().await?;
        q::insert_token(&mut tx, &row).await?;
        audit::record(
            &mut tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            Change {
                object_type: "scim_token",
                object_id: &row.id,
                action: "created",
                before: json!({}),
                after: json!({"name": row.name}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(NewScimToken { row, token })
    }

    pub async fn list_scim_tokens(&self, actor: &Actor) -> Result<Vec<ScimTokenRow>> {
        Self::require_owner(actor)?;
        let mut tx = self.db().read().await?;
        Ok(q::list_tokens(&mut tx, &actor.organization_id).await?)
    }

    /// Revokes a token: the provider's next request with it is refused.
    pub async fn revoke_scim_token(&self, actor: &Actor, id: &str) -> Result<()> {
        Self::require_owner(actor)?;
        let mut tx = self.db().write().await?;
        if !q::revoke_token(&mut tx, &actor.organization_id, id, now()).await? {
            return Err(ServiceError::not_found("SCIM token"));
        }
        audit::record(
            &mut tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            Change {
                object_type: "scim_token",
                object_id: id,
                action: "deleted",
                before: json!({}),
                after: json!({"revoked": true}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The latest provisioning requests, newest first.
    pub async fn scim_activity(&self, actor: &Actor, limit: i64) -> Result<Vec<ScimActivityRow>> {
        Self::require_owner(actor)?;
        let mut tx = self.db().read().await?;
        Ok(q::recent_activity(&mut tx, &actor.organization_id, limit).await?)
    }

    pub async fn scim_settings(&self, actor: &Actor) -> Result<ScimSettingsRow> {
        Self::require_owner(actor)?;
        let mut tx = self.db().read().await?;
        self.settings_in(&mut tx, &actor.organization_id).await
    }

    /// Sets the role new SCIM users get and what deactivation does with what they hold.
    pub async fn set_scim_settings(
        &self,
        actor: &Actor,
        role_id: &str,
        policy: &str,
        reassign_to: Option<&str>,
    ) -> Result<ScimSettingsRow> {
        Self::require_owner(actor)?;
        let mut tx = self.db().write().await?;
        let role = crate::roles::resolve(&mut tx, &actor.workspace_id, role_id)
            .await?
            .ok_or_else(|| {
                ServiceError::field("role_id", format!("There is no role '{role_id}'."))
            })?;
        let reassign_to = reassign_to.map(str::trim).filter(|s| !s.is_empty());
        match (policy, reassign_to) {
            ("leave" | "unassign", _) => {}
            ("reassign", Some(u)) => {
                if memberships::find(&mut tx, &actor.workspace_id, u)
                    .await?
                    .is_none_or(|m| m.status != "active")
                {
                    return Err(ServiceError::field(
                        "reassign_to",
                        "Choose an active member to hand records to.",
                    ));
                }
            }
            ("reassign", None) => {
                return Err(ServiceError::field(
                    "reassign_to",
                    "Choose who receives the records.",
                ));
            }
            (other, _) => {
                return Err(ServiceError::field(
                    "deactivate_policy",
                    format!("'{other}' is not a policy: use leave, unassign or reassign."),
                ));
            }
        }
        let mut s = self.settings_in(&mut tx, &actor.organization_id).await?;
        let before = json!({"role_id": s.role_id, "deactivate_policy": s.deactivate_policy, "reassign_to": s.reassign_to});
        s.role_id = role.id;
        s.deactivate_policy = policy.to_string();
        s.reassign_to = if policy == "reassign" {
            reassign_to.map(str::to_string)
        } else {
            None
        };
        s.date_updated = now();
        q::put_settings(&mut tx, &s).await?;
        audit::record(
            &mut tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            Change {
                object_type: "scim_settings",
                object_id: &actor.organization_id,
                action: "updated",
                before,
                after: json!({"role_id": s.role_id, "deactivate_policy": s.deactivate_policy, "reassign_to": s.reassign_to}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Maps a group to a role: members the provider puts in the group get that role.
    pub async fn set_scim_group_role(
        &self,
        actor: &Actor,
        group_id: &str,
        role_id: Option<&str>,
    ) -> Result<()> {
        Self::require_owner(actor)?;
        let mut tx = self.db().write().await?;
        let g = q::groups(&mut tx, &actor.workspace_id, Some(group_id))
            .await?
            .pop()
            .ok_or_else(|| ServiceError::not_found("Group"))?;
        let role = match role_id.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(r) => Some(
                crate::roles::resolve(&mut tx, &actor.workspace_id, r)
                    .await?
                    .ok_or_else(|| {
                        ServiceError::field("role_id", format!("There is no role '{r}'."))
                    })?
                    .id,
            ),
        };
        q::put_group(
            &mut tx,
            &g.id,
            &actor.organization_id,
            g.external_id.as_deref(),
            role.as_deref(),
            now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The workspace's groups with their SCIM data (external id, mapped role).
    pub async fn scim_groups(&self, actor: &Actor) -> Result<Vec<ScimGroupRow>> {
        Self::require_owner(actor)?;
        let mut tx = self.db().read().await?;
        Ok(q::groups(&mut tx, &actor.workspace_id, None).await?)
    }

    /// Appends to the activity log an owner reads (in its own transaction, so failures are
    /// logged too).
    pub async fn scim_log(
        &self,
        ctx: &ScimContext,
        method: &str,
        path: &str,
        status: u16,
        detail: &str,
    ) {
        let row = ScimActivityRow {
            id: format!("scimev_{}", corral_domain::ids::random_base62(22)),
            organization_id: ctx.actor.organization_id.clone(),
            token_id: ctx.token_id.clone(),
            method: method.to_string(),
            path: path.chars().take(300).collect(),
            status: i64::from(status),
            detail: detail.chars().take(500).collect(),
            date_created: now(),
        };
        let result = async {
            let mut tx = self.db().write().await?;
            q::insert_activity(&mut tx, &row).await?;
            tx.commit().await?;
            Ok::<_, ServiceError>(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not record SCIM activity");
        }
    }

    // ----- Users -----

    fn user_location(ctx: &ScimContext, id: &str) -> String {
        format!("{}/Users/{id}", ctx.base_url)
    }

    fn render_user(ctx: &ScimContext, r: &ScimMemberRow, groups: &[(String, String)]) -> Value {
        let m = &r.member.membership;
        let attrs: Map<String, Value> = r
            .scim_attributes
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or_default();
        let mut doc = Map::new();
        doc.insert("schemas".into(), json!([USER_SCHEMA]));
        doc.insert("id".into(), json!(m.user_id));
        if let Some(x) = &r.scim_external_id {
            doc.insert("externalId".into(), json!(x));
        }
        doc.insert(
            "userName".into(),
            json!(
                r.scim_user_name
                    .clone()
                    .unwrap_or_else(|| r.member.user_email.clone())
            ),
        );
        // Corral's own columns win for the name, so edits made in Corral show.
        let mut name = attrs
            .get("name")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (key, v) in [
            ("givenName", &r.member.user_first_name),
            ("familyName", &r.member.user_last_name),
        ] {
            name.retain(|k, _| !k.eq_ignore_ascii_case(key));
            if !v.is_empty() {
                name.insert(key.into(), json!(v));
            }
        }
        if !name.is_empty() {
            doc.insert("name".into(), Value::Object(name));
        }
        for (k, v) in &attrs {
            if k != "name" && k != ENTERPRISE_SCHEMA {
                doc.insert(k.clone(), v.clone());
            }
        }
        if r.scim_attributes.is_none() {
            doc.insert(
                "emails".into(),
                json!([{"value": r.member.user_email, "type": "work", "primary": true}]),
            );
            if let Some(p) = &r.member.user_phone {
                doc.insert("phoneNumbers".into(), json!([{"value": p, "type": "work"}]));
            }
        }
        doc.insert(
            "active".into(),
            json!(m.status == "active" || m.status == "invited"),
        );
        if !groups.is_empty() {
            doc.insert(
                "groups".into(),
                groups
                    .iter()
                    .map(|(id, n)| json!({"value": id, "$ref": format!("{}/Groups/{id}", ctx.base_url), "display": n}))
                    .collect(),
            );
        }
        let mut ext = attrs
            .get(ENTERPRISE_SCHEMA)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        ext.retain(|k, _| !k.eq_ignore_ascii_case("manager"));
        if let Some(mgr) = &m.manager_id {
            ext.insert(
                "manager".into(),
                json!({"value": mgr, "$ref": Self::user_location(ctx, mgr)}),
            );
        }
        if !ext.is_empty() {
            doc.insert("schemas".into(), json!([USER_SCHEMA, ENTERPRISE_SCHEMA]));
            doc.insert(ENTERPRISE_SCHEMA.into(), Value::Object(ext));
        }
        let modified = [
            Some(m.date_updated),
            Some(r.user_date_updated),
            r.scim_date_updated,
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(m.date_updated);
        let mut doc = Value::Object(doc);
        let version = etag_of(&doc);
        doc["meta"] = json!({
            "resourceType": "User",
            "created": r.user_date_created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "lastModified": modified.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "location": Self::user_location(ctx, &m.user_id),
            "version": version,
        });
        doc
    }

    async fn user_rows(
        &self,
        tx: &mut Tx,
        ctx: &ScimContext,
        narrow: &ScimNarrow,
    ) -> SResult<Vec<Value>> {
        Ok(self
            .user_rows_with(tx, ctx, narrow)
            .await?
            .into_iter()
            .map(|(_, d)| d)
            .collect())
    }

    async fn user_rows_with(
        &self,
        tx: &mut Tx,
        ctx: &ScimContext,
        narrow: &ScimNarrow,
    ) -> SResult<Vec<(ScimMemberRow, Value)>> {
        let rows = memberships::scim_members(
            tx,
            &ctx.actor.workspace_id,
            &ctx.actor.organization_id,
            narrow,
        )
        .await
        .map_err(store)?;
        // The groups of just these users when they are a page or a lookup; of everyone when
        // they are the whole workspace.
        let ids: Vec<String> = rows
            .iter()
            .map(|r| r.member.membership.user_id.clone())
            .collect();
        let only = narrow.narrows().then_some(ids.as_slice());
        let mut groups_of: std::collections::HashMap<String, Vec<(String, String)>> =
            std::collections::HashMap::new();
        if !rows.is_empty() {
            for (u, id, n) in memberships::group_names_by_id(tx, &ctx.actor.workspace_id, only)
                .await
                .map_err(store)?
            {
                groups_of.entry(u).or_default().push((id, n));
            }
        }
        Ok(rows
            .into_iter()
            .map(|r| {
                let gs = groups_of
                    .get(&r.member.membership.user_id)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                let doc = Self::render_user(ctx, &r, gs);
                (r, doc)
            })
            .collect())
    }

    async fn load_user(
        &self,
        tx: &mut Tx,
        ctx: &ScimContext,
        id: &str,
    ) -> SResult<(Value, ScimMemberRow)> {
        let narrow = ScimNarrow {
            user_id: Some(id.to_string()),
            ..Default::default()
        };
        let (row, doc) = self
            .user_rows_with(tx, ctx, &narrow)
            .await?
            .pop()
            .ok_or_else(|| ScimError::not_found(format!("There is no user '{id}'.")))?;
        Ok((doc, row))
    }

    pub async fn scim_get_user(&self, ctx: &ScimContext, id: &str) -> SResult<Value> {
        let mut tx = self.db().read().await.map_err(store)?;
        Ok(self.load_user(&mut tx, ctx, id).await?.0)
    }

    pub async fn scim_list_users(&self, ctx: &ScimContext, query: &ListQuery) -> SResult<Page> {
        check_paths(USER_SCHEMA, query)?;
        let mut tx = self.db().read().await.map_err(store)?;
        if query.filter.is_none() && query.sort_by.is_none() {
            // Every user in their order: the database cuts the page, so a provider paging
            // through thousands of users reads each page, not everyone, per request.
            let start = query.start_index.max(1);
            let total = memberships::scim_member_count(&mut tx, &ctx.actor.workspace_id)
                .await
                .map_err(store)?;
            let window = ScimNarrow {
                window: Some((start as i64 - 1, query.count as i64)),
                ..ScimNarrow::default()
            };
            let docs = self.user_rows(&mut tx, ctx, &window).await?;
            return Ok(page_cut(USER_SCHEMA, docs, total as usize, start, query));
        }
        let narrow = match &query.filter {
            Some(f) => ScimNarrow {
                user_id: f.pinned("id").map(str::to_string),
                user_name_lower: f.pinned("userName").map(str::to_lowercase),
                external_id: f.pinned("externalId").map(str::to_string),
                window: None,
            },
            None => ScimNarrow::default(),
        };
        let docs = match (&narrow.user_name_lower, &narrow.user_id) {
            // userName eq "…": start from the two indexes that can hold it.
            (Some(name), None) => {
                let mut docs = Vec::new();
                for uid in q::user_ids_named(&mut tx, &ctx.actor.organization_id, name)
                    .await
                    .map_err(store)?
                {
                    let one = ScimNarrow {
                        user_id: Some(uid),
                        ..narrow.clone()
                    };
                    docs.extend(self.user_rows(&mut tx, ctx, &one).await?);
                }
                docs
            }
            _ => self.user_rows(&mut tx, ctx, &narrow).await?,
        };
        Ok(page(USER_SCHEMA, docs, query))
    }

    /// A search across users and groups (`POST /.search`, RFC 7644 §3.4.3).
    pub async fn scim_search_all(&self, ctx: &ScimContext, query: &ListQuery) -> SResult<Page> {
        if check_paths(USER_SCHEMA, query).is_err() {
            check_paths(GROUP_SCHEMA, query)?;
        }
        let mut tx = self.db().read().await.map_err(store)?;
        let mut docs: Vec<(&'static str, Value)> = self
            .user_rows(&mut tx, ctx, &ScimNarrow::default())
            .await?
            .into_iter()
            .map(|d| (USER_SCHEMA, d))
            .collect();
        docs.extend(
            self.group_docs(&mut tx, ctx, None)
                .await?
                .into_iter()
                .map(|d| (GROUP_SCHEMA, d)),
        );
        Ok(page_mixed(docs, query))
    }

    pub async fn scim_create_user(&self, ctx: &ScimContext, body: &Value) -> SResult<Value> {
        let mut tx = self.db().write().await.map_err(store)?;
        let id = self.write_user(&mut tx, ctx, None, body.clone()).await?;
        let doc = self.load_user(&mut tx, ctx, &id).await?.0;
        tx.commit().await.map_err(store)?;
        Ok(doc)
    }

    pub async fn scim_replace_user(
        &self,
        ctx: &ScimContext,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> SResult<Value> {
        let mut tx = self.db().write().await.map_err(store)?;
        let (current, row) = self.load_user(&mut tx, ctx, id).await?;
        check_version(&current, if_match)?;
        self.write_user(&mut tx, ctx, Some(&row), body.clone())
            .await?;
        let doc = self.load_user(&mut tx, ctx, id).await?.0;
        tx.commit().await.map_err(store)?;
        Ok(doc)
    }

    pub async fn scim_patch_user(
        &self,
        ctx: &ScimContext,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> SResult<Value> {
        let ops = wire::parse_patch(body)?;
        check_patch_paths(USER_SCHEMA, "User", &ops)?;
        for op in &ops {
            if let (wire::PatchKind::Remove, Some(p)) = (op.kind, &op.path)
                && p.filter.is_none()
                && p.attr.schema.is_none()
                && ["active", "userName"]
                    .iter()
                    .any(|a| p.attr.attr.eq_ignore_ascii_case(a))
            {
                return Err(ScimError::mutability(format!(
                    "'{}' cannot be removed, only replaced.",
                    p.attr.attr
                )));
            }
        }
        let mut tx = self.db().write().await.map_err(store)?;
        let (current, row) = self.load_user(&mut tx, ctx, id).await?;
        check_version(&current, if_match)?;
        let mut doc = current.clone();
        normalize_user(&mut doc);
        if let Some(o) = doc.as_object_mut() {
            o.remove("meta");
            o.remove("groups");
        }
        wire::apply_patch(USER_SCHEMA, &mut doc, &ops)?;
        if let Some(o) = doc.as_object_mut()
            && o.contains_key(ENTERPRISE_SCHEMA)
        {
            o.insert("schemas".into(), json!([USER_SCHEMA, ENTERPRISE_SCHEMA]));
        }
        self.write_user(&mut tx, ctx, Some(&row), doc).await?;
        let out = self.load_user(&mut tx, ctx, id).await?.0;
        tx.commit().await.map_err(store)?;
        Ok(out)
    }

    /// DELETE: the member is removed (offboarding's removal default: what they held becomes
    /// unassigned), leaves the organization's groups and, holding no other membership, the
    /// organization.
    pub async fn scim_delete_user(
        &self,
        ctx: &ScimContext,
        id: &str,
        if_match: Option<&str>,
    ) -> SResult<()> {
        let mut tx = self.db().write().await.map_err(store)?;
        let (current, row) = self.load_user(&mut tx, ctx, id).await?;
        check_version(&current, if_match)?;
        let m = &row.member.membership;
        self.offboard_in(
            &mut tx,
            &ctx.actor,
            &m.id,
            MembershipStatus::Removed,
            &Choices::default_for("remove"),
        )
        .await?;
        for g in q::groups(&mut tx, &ctx.actor.workspace_id, None)
            .await
            .map_err(store)?
        {
            groups::remove_member(&mut tx, &g.id, id)
                .await
                .map_err(store)?;
        }
        q::delete_user(&mut tx, &ctx.actor.organization_id, id)
            .await
            .map_err(store)?;
        let mut still_member = false;
        for mid in orgs::memberships_in_org(&mut tx, &ctx.actor.organization_id, id)
            .await
            .map_err(store)?
        {
            if let Some(other) = memberships::get(&mut tx, &mid).await.map_err(store)?
                && other.status != "removed"
            {
                still_member = true;
            }
        }
        if !still_member
            && orgs::member_role(&mut tx, &ctx.actor.organization_id, id)
                .await
                .map_err(store)?
                .as_deref()
                != Some("owner")
        {
            orgs::remove_member(&mut tx, &ctx.actor.organization_id, id)
                .await
                .map_err(store)?;
        }
        tx.commit().await.map_err(store)?;
        Ok(())
    }

    /// Creates (`existing` None) or replaces a user from a full SCIM document.
    async fn write_user(
        &self,
        tx: &mut Tx,
        ctx: &ScimContext,
        existing: Option<&ScimMemberRow>,
        mut doc: Value,
    ) -> SResult<String> {
        normalize_user(&mut doc);
        check_body(USER_SCHEMA, &doc)?;
        let org = ctx.actor.organization_id.clone();
        let ws = ctx.actor.workspace_id.clone();
        let user_name = text(&doc, "userName")
            .ok_or_else(|| ScimError::invalid_value("'userName' is required."))?;
        if user_name.chars().count() > 254 {
            return Err(ScimError::invalid_value(
                "'userName' is longer than 254 characters.",
            ));
        }
        let email = match Email::parse(&user_name) {
            Ok(e) => e,
            Err(_) => match primary_value(&doc, "emails") {
                Some(e) => Email::parse(&e).map_err(|_| {
                    ScimError::invalid_value(format!("'{e}' in 'emails' is not an email address."))
                })?,
                None => {
                    return Err(ScimError::invalid_value(
                        "A user needs an email address: as 'userName' or in 'emails'.",
                    ));
                }
            },
        };
        let existing_id = existing.map(|r| r.member.membership.user_id.clone());
        // userName is unique in the organization among current members.
        if let Some(holder) = q::user_by_name(tx, &org, &user_name.to_lowercase())
            .await
            .map_err(store)?
            && Some(&holder) != existing_id.as_ref()
        {
            let live = memberships::find(tx, &ws, &holder)
                .await
                .map_err(store)?
                .is_some_and(|m| m.status != "removed");
            if live {
                return Err(ScimError::uniqueness(format!(
                    "The userName '{user_name}' is taken."
                )));
            }
            q::delete_user(tx, &org, &holder).await.map_err(store)?;
        }
        let first = clean_name(
            "name.givenName",
            attr(&doc, "name")
                .and_then(|n| get_ci(n, "givenName"))
                .and_then(Value::as_str)
                .unwrap_or(""),
            100,
            false,
        )?;
        let last = clean_name(
            "name.familyName",
            attr(&doc, "name")
                .and_then(|n| get_ci(n, "familyName"))
                .and_then(Value::as_str)
                .unwrap_or(""),
            100,
            false,
        )?;
        let t = now();
        let by_email = users::find_by_email(tx, &email.normalized())
            .await
            .map_err(store)?;
        let mut user = match (&existing_id, by_email) {
            (Some(id), Some(other)) if &other.id != id => {
                return Err(ScimError::uniqueness(format!(
                    "Another user has the email {email}."
                )));
            }
            (Some(id), _) => users::get(tx, id)
                .await
                .map_err(store)?
                .ok_or_else(|| ScimError::not_found("User"))?,
            (None, Some(u)) => {
                if memberships::find(tx, &ws, &u.id)
                    .await
                    .map_err(store)?
                    .is_some_and(|m| m.status != "removed")
                {
                    return Err(ScimError::uniqueness(format!(
                        "{email} is already a member of this workspace."
                    )));
                }
                u
            }
            (None, None) => {
                let u = UserRow {
                    id: Kind::User.new_id(),
                    email: email.to_string(),
                    email_lower: email.normalized(),
                    first_name: String::new(),
                    last_name: String::new(),
                    phone: None,
                    image: None,
                    timezone: "UTC".into(),
                    password_hash: None,
                    date_created: t,
                    date_updated: t,
                };
                users::insert(tx, &u).await.map_err(|e| match e {
                    StoreError::Conflict(_) => {
                        ScimError::uniqueness(format!("Another user has the email {email}."))
                    }
                    other => store(other),
                })?;
                u
            }
        };
        if user.email_lower != email.normalized() {
            users::set_email(tx, &user.id, &email.to_string(), &email.normalized(), t)
                .await
                .map_err(|e| match e {
                    StoreError::Conflict(_) => {
                        ScimError::uniqueness(format!("Another user has the email {email}."))
                    }
                    other => store(other),
                })?;
        }
        // The phone number: the primary one when it is a valid number nobody else holds.
        let phone = primary_value(&doc, "phoneNumbers")
            .and_then(|p| Phone::parse(&p).ok())
            .map(|p| p.to_string());
        let phone = match phone {
            Some(p) => match users::find_by_phone(tx, &p).await.map_err(store)? {
                Some(other) if other.id != user.id => None,
                _ => Some(p),
            },
            None => None,
        };
        user.first_name = first;
        user.last_name = last;
        user.phone = phone;
        user.date_updated = t;
        users::update_profile(tx, &user).await.map_err(store)?;
        if let Some(pw) = attr(&doc, "password").and_then(Value::as_str) {
            validate_password(pw)?;
            let hash = hash_password(pw.to_string()).await?;
            users::set_password_hash(tx, &user.id, &hash, t)
                .await
                .map_err(store)?;
            user.password_hash = Some(hash);
        }
        let want_active = attr(&doc, "active").and_then(as_bool).unwrap_or(true);
        let manager = attr(&doc, ENTERPRISE_SCHEMA)
            .and_then(|e| get_ci(e, "manager"))
            .and_then(|m| get_ci(m, "value"))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if let Some(mgr) = &manager {
            if *mgr == user.id {
                return Err(ScimError::invalid_value(
                    "A user cannot be their own manager.",
                ));
            }
            if memberships::find(tx, &ws, mgr)
                .await
                .map_err(store)?
                .is_none_or(|m| m.status == "removed")
            {
                return Err(ScimError::invalid_value(format!(
                    "The manager '{mgr}' is not a member of this workspace."
                )));
            }
        }
        let membership_id = self.place_member(tx, ctx, &user, want_active).await?;
        let mut m = memberships::get(tx, &membership_id)
            .await
            .map_err(store)?
            .ok_or_else(|| ScimError::not_found("Membership"))?;
        if m.manager_id != manager {
            let before = m.clone();
            m.manager_id = manager;
            m.date_updated = now();
            memberships::update(tx, &m).await.map_err(store)?;
            self.audit_membership(
                tx,
                Some(&ctx.actor),
                "updated",
                Some(&before),
                &m,
                &user.email,
            )
            .await?;
        }
        // What Corral has no column for is kept as sent.
        let mut keep = doc.as_object().cloned().unwrap_or_default();
        keep.retain(|k, _| {
            ![
                "schemas",
                "id",
                "meta",
                "userName",
                "externalId",
                "active",
                "password",
                "groups",
            ]
            .iter()
            .any(|x| x.eq_ignore_ascii_case(k))
        });
        if let Some(Value::Object(ext)) = keep.get_mut(ENTERPRISE_SCHEMA) {
            ext.retain(|k, _| !k.eq_ignore_ascii_case("manager"));
        }
        let canonical: Map<String, Value> = keep
            .into_iter()
            .map(|(k, v)| (canonical_user_key(&k), v))
            .filter(|(_, v)| !v.is_null())
            .collect();
        let previous = q::get_user(tx, &org, &user.id).await.map_err(store)?;
        q::put_user(
            tx,
            &ScimUserRow {
                organization_id: org.clone(),
                user_id: user.id.clone(),
                user_name: user_name.clone(),
                user_name_lower: user_name.to_lowercase(),
                external_id: text(&doc, "externalId"),
                attributes: Value::Object(canonical).to_string(),
                date_created: previous.map(|p| p.date_created).unwrap_or(t),
                date_updated: t,
            },
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => {
                ScimError::uniqueness(format!("The userName '{user_name}' is taken."))
            }
            other => store(other),
        })?;
        Ok(user.id)
    }

    /// Makes sure `user` has a membership in the SCIM workspace with the wanted status:
    /// creating it, restoring a removed one, or running deactivation (with the
    /// organization's offboarding policy) or reactivation.
    async fn place_member(
        &self,
        tx: &mut Tx,
        ctx: &ScimContext,
        user: &UserRow,
        want_active: bool,
    ) -> SResult<String> {
        let actor = &ctx.actor;
        let org = &actor.organization_id;
        let existing = memberships::find(tx, &actor.workspace_id, &user.id)
            .await
            .map_err(store)?;
        match existing {
            Some(m) if m.status != "removed" => {
                match (m.status.as_str(), want_active) {
                    ("active" | "invited", false) => {
                        self.offboard_in(
                            tx,
                            actor,
                            &m.id,
                            MembershipStatus::Deactivated,
                            &self.deactivation_choices(ctx),
                        )
                        .await?;
                    }
                    ("deactivated", true) => {
                        self.change_status_in(tx, actor, &m.id, MembershipStatus::Active)
                            .await?;
                    }
                    _ => {}
                }
                Ok(m.id)
            }
            other => {
                orgs::add_member(tx, org, &user.id, "member", now())
                    .await
                    .map_err(store)?;
                let seated = if want_active {
                    check_seat(tx, org, &user.id).await?
                } else {
                    corral_store::queries::team::holds_seat(tx, org, &user.id)
                        .await
                        .map_err(store)?
                };
                let status = if want_active { "active" } else { "deactivated" };
                let (m, before) = match other {
                    Some(mut m) => {
                        let before = m.clone();
                        m.status = status.into();
                        m.role_id = ctx.settings.role_id.clone();
                        m.date_updated = now();
                        m.date_activated = want_active.then(now);
                        m.date_deactivated = (!want_active).then(now);
                        m.status_changed_by = Some(actor.user_id.clone());
                        memberships::update(tx, &m).await.map_err(store)?;
                        (m, Some(before))
                    }
                    None => {
                        let m = new_membership(
                            &actor.workspace_id,
                            &user.id,
                            &ctx.settings.role_id,
                            status,
                            Some(&actor.user_id),
                        );
                        memberships::insert(tx, &m).await.map_err(store)?;
                        (m, None)
                    }
                };
                record_seat_change(tx, Some(actor), org, &user.id, seated, "provisioned").await?;
                self.audit_membership(
                    tx,
                    Some(actor),
                    if before.is_some() {
                        "activated"
                    } else {
                        "created"
                    },
                    before.as_ref(),
                    &m,
                    &user.email,
                )
                .await?;
                if want_active && user.password_hash.is_none() {
                    // The person chooses a password through the emailed link.
                    self.send_invitation(tx, actor, &m, &user.email, None)
                        .await?;
                }
                Ok(m.id)
            }
        }
    }

    fn deactivation_choices(&self, ctx: &ScimContext) -> Choices {
        let d = match (
            ctx.settings.deactivate_policy.as_str(),
            &ctx.settings.reassign_to,
        ) {
            ("unassign", _) => Disposition::Unassign,
            ("reassign", Some(u)) => Disposition::Reassign(u.clone()),
            _ => Disposition::Leave,
        };
        Choices::all(d)
    }

    // ----- Groups -----

    fn render_group(ctx: &ScimContext, g: &ScimGroupRow, members: &[String]) -> Value {
        let mut doc = json!({
            "schemas": [GROUP_SCHEMA],
            "id": g.id,
            "displayName": g.name,
        });
        if let Some(x) = &g.external_id {
            doc["externalId"] = json!(x);
        }
        if !members.is_empty() {
            doc["members"] = members
                .iter()
                .map(|u| json!({"value": u, "$ref": Self::user_location(ctx, u)}))
                .collect();
        }
        let modified = [Some(g.date_updated), g.scim_date_updated]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(g.date_updated);
        let version = etag_of(&doc);
        doc["meta"] = json!({
            "resourceType": "Group",
            "created": g.date_created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "lastModified": modified.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "location": format!("{}/Groups/{}", ctx.base_url, g.id),
            "version": version,
        });
        doc
    }

    async fn group_docs(
        &self,
        tx: &mut Tx,
        ctx: &ScimContext,
        id: Option<&str>,
    ) -> SResult<Vec<Value>> {
        let gs = q::groups(tx, &ctx.actor.workspace_id, id)
            .await
            .map_err(store)?;
        let pairs = q::group_members(tx, &ctx.actor.workspace_id)
            .await
            .map_err(store)?;
        let live: std::collections::HashSet<String> =
            memberships::list_members(tx, &ctx.actor.workspace_id)
                .await
                .map_err(store)?
                .into_iter()
                .filter(|m| m.membership.status != "removed")
                .map(|m| m.membership.user_id)
                .collect();
        Ok(gs
            .iter()
            .map(|g| {
                let members: Vec<String> = pairs
                    .iter()
                    .filter(|(gid, u)| *gid == g.id && live.contains(u))
                    .map(|(_, u)| u.clone())
                    .collect();
                Self::render_group(ctx, g, &members)
            })
            .collect())
    }

    async fn load_group(&self, tx: &mut Tx, ctx: &ScimContext, id: &str) -> SResult<Value> {
        self.group_docs(tx, ctx, Some(id))
            .await?
            .pop()
            .ok_or_else(|| ScimError::not_found(format!("There is no group '{id}'.")))
    }

    pub async fn scim_get_group(&self, ctx: &ScimContext, id: &str) -> SResult<Value> {
        let mut tx = self.db().read().await.map_err(store)?;
        self.load_group(&mut tx, ctx, id).await
    }

    pub async fn scim_list_groups(&self, ctx: &ScimContext, query: &ListQuery) -> SResult<Page> {
        check_paths(GROUP_SCHEMA, query)?;
        let mut tx = self.db().read().await.map_err(store)?;
        let docs = self.group_docs(&mut tx, ctx, None).await?;
        Ok(page(GROUP_SCHEMA, docs, query))
    }

    pub async fn scim_create_group(&self, ctx: &ScimContext, body: &Value) -> SResult<Value> {
        let mut tx = self.db().write().await.map_err(store)?;
        let id = self.write_group(&mut tx, ctx, None, body).await?;
        let doc = self.load_group(&mut tx, ctx, &id).await?;
        tx.commit().await.map_err(store)?;
        Ok(doc)
    }

    pub async fn scim_replace_group(
        &self,
        ctx: &ScimContext,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> SResult<Value> {
        let mut tx = self.db().write().await.map_err(store)?;
        let current = self.load_group(&mut tx, ctx, id).await?;
        check_version(&current, if_match)?;
        self.write_group(&mut tx, ctx, Some(id), body).await?;
        let doc = self.load_group(&mut tx, ctx, id).await?;
        tx.commit().await.map_err(store)?;
        Ok(doc)
    }

    pub async fn scim_patch_group(
        &self,
        ctx: &ScimContext,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> SResult<Value> {
        let ops = wire::parse_patch(body)?;
        check_patch_paths(GROUP_SCHEMA, "Group", &ops)?;
        let mut tx = self.db().write().await.map_err(store)?;
        let current = self.load_group(&mut tx, ctx, id).await?;
        check_version(&current, if_match)?;
        let mut doc = current.clone();
        if let Some(o) = doc.as_object_mut() {
            o.remove("meta");
        }
        wire::apply_patch(GROUP_SCHEMA, &mut doc, &ops)?;
        self.write_group(&mut tx, ctx, Some(id), &doc).await?;
        let out = self.load_group(&mut tx, ctx, id).await?;
        tx.commit().await.map_err(store)?;
        Ok(out)
    }

    pub async fn scim_delete_group(
        &self,
        ctx: &ScimContext,
        id: &str,
        if_match: Option<&str>,
    ) -> SResult<()> {
        let mut tx = self.db().write().await.map_err(store)?;
        let current = self.load_group(&mut tx, ctx, id).await?;
        check_version(&current, if_match)?;
        let members = groups::member_ids(&mut tx, id).await.map_err(store)?;
        let role = q::groups(&mut tx, &ctx.actor.workspace_id, Some(id))
            .await
            .map_err(store)?
            .pop()
            .and_then(|g| g.role_id);
        q::delete_group(&mut tx, id).await.map_err(store)?;
        groups::delete(&mut tx, id).await.map_err(store)?;
        if role.is_some() {
            for u in &members {
                self.settle_role(&mut tx, ctx, u).await?;
            }
        }
        audit::record(
            &mut tx,
            Some(&ctx.actor),
            &ctx.actor.organization_id,
            &ctx.actor.workspace_id,
            Change {
                object_type: "group",
                object_id: id,
                action: "deleted",
                before: json!({"name": current["displayName"], "members": members}),
                after: json!({}),
            },
        )
        .await?;
        tx.commit().await.map_err(store)?;
        Ok(())
    }

    async fn write_group(
        &self,
        tx: &mut Tx,
        ctx: &ScimContext,
        existing: Option<&str>,
        doc: &Value,
    ) -> SResult<String> {
        check_body(GROUP_SCHEMA, doc)?;
        let ws = ctx.actor.workspace_id.clone();
        let name = text(doc, "displayName")
            .ok_or_else(|| ScimError::invalid_value("'displayName' is required."))?;
        if name.chars().count() > 100 {
            return Err(ScimError::invalid_value(
                "'displayName' is longer than 100 characters.",
            ));
        }
        let mut wanted: Vec<String> = Vec::new();
        for item in attr(doc, "members")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let v = get_ci(item, "value")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    ScimError::invalid_value("Each member names its user id as 'value'.")
                })?;
            if memberships::find(tx, &ws, v)
                .await
                .map_err(store)?
                .is_none_or(|m| m.status == "removed")
            {
                return Err(ScimError::invalid_value(format!(
                    "'{v}' is not a user of this organization."
                )));
            }
            if !wanted.iter().any(|w| w == v) {
                wanted.push(v.to_string());
            }
        }
        let t = now();
        let taken = |e: StoreError| match e {
            StoreError::Conflict(_) => {
                ScimError::uniqueness(format!("A group named '{name}' already exists."))
            }
            other => store(other),
        };
        let (id, before_name, before_members, role) = match existing {
            None => {
                let g = GroupRow {
                    id: Kind::Group.new_id(),
                    workspace_id: ws.clone(),
                    name: name.clone(),
                    date_created: t,
                    date_updated: t,
                };
                groups::insert(tx, &g).await.map_err(taken)?;
                (g.id, None, vec![], None)
            }
            Some(id) => {
                let g = q::groups(tx, &ws, Some(id))
                    .await
                    .map_err(store)?
                    .pop()
                    .ok_or_else(|| ScimError::not_found("Group"))?;
                if g.name != name {
                    groups::rename(tx, id, &name, t).await.map_err(taken)?;
                }
                (
                    id.to_string(),
                    Some(g.name),
                    groups::member_ids(tx, id).await.map_err(store)?,
                    g.role_id,
                )
            }
        };
        q::put_group(
            tx,
            &id,
            &ctx.actor.organization_id,
            text(doc, "externalId").as_deref(),
            role.as_deref(),
            t,
        )
        .await
        .map_err(store)?;
        let added: Vec<&String> = wanted
            .iter()
            .filter(|u| !before_members.contains(u))
            .collect();
        let removed: Vec<&String> = before_members
            .iter()
            .filter(|u| !wanted.contains(u))
            .collect();
        for u in &added {
            groups::add_member(tx, &id, u, t).await.map_err(store)?;
        }
        for u in &removed {
            groups::remove_member(tx, &id, u).await.map_err(store)?;
        }
        if role.is_some() {
            for u in added.iter().chain(removed.iter()) {
                self.settle_role(tx, ctx, u).await?;
            }
        }
        audit::record(
            tx,
            Some(&ctx.actor),
            &ctx.actor.organization_id,
            &ws,
            Change {
                object_type: "group",
                object_id: &id,
                action: if existing.is_some() {
                    "updated"
                } else {
                    "created"
                },
                before: match &before_name {
                    Some(n) => json!({"name": n, "members": before_members}),
                    None => json!({}),
                },
                after: json!({"name": name, "members": wanted}),
            },
        )
        .await?;
        Ok(id)
    }

    /// Gives a member the role of the role-mapped group they are in (the first by name), or
    /// the SCIM default role when they are in none.
    async fn settle_role(&self, tx: &mut Tx, ctx: &ScimContext, user_id: &str) -> SResult<()> {
        let ws = &ctx.actor.workspace_id;
        let Some(m) = memberships::find(tx, ws, user_id).await.map_err(store)? else {
            return Ok(());
        };
        if m.status == "removed" {
            return Ok(());
        }
        let pairs = q::group_members(tx, ws).await.map_err(store)?;
        let mut mapped: Vec<ScimGroupRow> = q::groups(tx, ws, None)
            .await
            .map_err(store)?
            .into_iter()
            .filter(|g| {
                g.role_id.is_some() && pairs.iter().any(|(gid, u)| *gid == g.id && u == user_id)
            })
            .collect();
        mapped.sort_by(|a, b| a.name.cmp(&b.name));
        let role_id = mapped
            .first()
            .and_then(|g| g.role_id.clone())
            .unwrap_or_else(|| ctx.settings.role_id.clone());
        if role_id == m.role_id {
            return Ok(());
        }
        let role = crate::roles::resolve(tx, ws, &role_id)
            .await?
            .ok_or_else(|| {
                ScimError::invalid_value(format!("The mapped role '{role_id}' no longer exists."))
            })?;
        let states = member_states(tx, ws).await?;
        let after = rules::plan_member_change(
            &ctx.actor,
            &states,
            &m.id,
            &[rules::MemberChange::SetRole {
                role_id: role.id.clone(),
                role_name: role.name,
                role_permissions: role.permissions,
            }],
        )
        .map_err(ServiceError::from)?;
        let before = m.clone();
        let mut m = m;
        m.role_id = after.role_id;
        m.date_updated = now();
        memberships::update(tx, &m).await.map_err(store)?;
        let email = users::get(tx, user_id)
            .await
            .map_err(store)?
            .map(|u| u.email)
            .unwrap_or_default();
        self.audit_membership(tx, Some(&ctx.actor), "updated", Some(&before), &m, &email)
            .await?;
        Ok(())
    }
}

/// Refuses PATCH paths naming attributes the resource's schema lacks.
fn check_patch_paths(core: &str, noun: &str, ops: &[wire::PatchOperation]) -> SResult<()> {
    for op in ops {
        if let Some(p) = &op.path
            && !knows(core, &p.attr)
        {
            return Err(ScimError::invalid_path(format!(
                "'{}' is not an attribute of a {noun}.",
                p.attr
            )));
        }
    }
    Ok(())
}

/// The canonical spelling of a top-level User attribute (providers vary the case).
fn canonical_user_key(k: &str) -> String {
    if k.eq_ignore_ascii_case(ENTERPRISE_SCHEMA) {
        return ENTERPRISE_SCHEMA.to_string();
    }
    corral_domain::scim_schema::USER_ATTRIBUTES
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(k))
        .map(|a| a.name.to_string())
        .unwrap_or_else(|| k.to_string())
}

/// Refuses filters, sorting and attribute lists that name attributes the schema lacks.
fn check_paths(core: &str, query: &ListQuery) -> SResult<()> {
    fn walk(core: &str, f: &Filter) -> SResult<()> {
        match f {
            Filter::And(a, b) | Filter::Or(a, b) => {
                walk(core, a)?;
                walk(core, b)
            }
            Filter::Not(a) => walk(core, a),
            Filter::Compare { path, .. } | Filter::Present(path) => {
                if knows(core, path) {
                    Ok(())
                } else {
                    Err(ScimError::invalid_filter(format!(
                        "'{path}' is not an attribute that can be filtered on."
                    )))
                }
            }
            Filter::ValuePath { path, .. } => {
                if knows(core, path) {
                    Ok(())
                } else {
                    Err(ScimError::invalid_filter(format!(
                        "'{path}' is not an attribute that can be filtered on."
                    )))
                }
            }
        }
    }
    if let Some(f) = &query.filter {
        walk(core, f)?;
    }
    if let Some(s) = &query.sort_by
        && !knows(core, s)
    {
        return Err(ScimError::invalid_value(format!(
            "'{s}' is not an attribute to sort by."
        )));
    }
    Ok(())
}

/// Filters, sorts, pages and projects rendered resources.
fn page(core: &'static str, docs: Vec<Value>, query: &ListQuery) -> Page {
    page_mixed(docs.into_iter().map(|d| (core, d)).collect(), query)
}

/// A page the database already cut: `docs` are the resources from `start` on, of `total`.
fn page_cut(
    core: &'static str,
    docs: Vec<Value>,
    total: usize,
    start: usize,
    query: &ListQuery,
) -> Page {
    projected(docs.into_iter().map(|d| (core, d)), total, start, query)
}

/// The page of resources from `start` on, each with only the attributes the query asks for.
fn projected(
    docs: impl Iterator<Item = (&'static str, Value)>,
    total: usize,
    start: usize,
    query: &ListQuery,
) -> Page {
    let resources = docs
        .map(|(c, mut d)| {
            wire::project(&mut d, c, &query.attributes, &query.excluded);
            d
        })
        .collect();
    Page {
        total,
        start_index: start,
        resources,
    }
}

/// [`page`] over resources of several types (each with its core schema).
fn page_mixed(docs: Vec<(&'static str, Value)>, query: &ListQuery) -> Page {
    let mut docs: Vec<(&'static str, Value)> = match &query.filter {
        Some(f) => docs.into_iter().filter(|(c, d)| f.matches(c, d)).collect(),
        None => docs,
    };
    if let Some(by) = &query.sort_by {
        docs.sort_by_key(|(c, d)| sort_value(c, d, by));
        if query.descending {
            docs.reverse();
        }
    }
    let total = docs.len();
    let start = query.start_index.max(1);
    projected(
        docs.into_iter().skip(start - 1).take(query.count),
        total,
        start,
        query,
    )
}

fn sort_value(core: &str, d: &Value, by: &AttrPath) -> String {
    let base = match by.schema.as_deref() {
        Some(s) if !s.eq_ignore_ascii_case(core) => d
            .as_object()
            .and_then(|o| {
                o.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(s))
                    .map(|(_, v)| v)
            })
            .and_then(|e| get_ci(e, &by.attr)),
        _ => get_ci(d, &by.attr),
    };
    let v = match (base, &by.sub) {
        (Some(Value::Array(items)), sub) => items
            .iter()
            .find(|i| get_ci(i, "primary").and_then(as_bool) == Some(true))
            .or_else(|| items.first())
            .and_then(|i| get_ci(i, sub.as_deref().unwrap_or("value"))),
        (Some(v), Some(s)) => get_ci(v, s),
        (None, Some(_)) => None,
        (v, None) => v,
    };
    match v {
        Some(Value::String(s)) => s.to_lowercase(),
        Some(Value::Null) | None => "\u{10FFFF}".into(),
        Some(other) => other.to_string(),
    }
}
