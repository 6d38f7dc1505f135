//! Smart Views (saved searches, SPEC S4): a named query tree over leads, private to its owner
//! or shared with the whole workspace, members or groups. Sharing needs
//! `manage_team_smart_views`. Running a view never widens what the runner may see: its results
//! are the runner's visible leads that match.

use corral_domain::ids::random_base62;
use corral_domain::{Actor, Permission};
use corral_store::Tx;
use corral_store::model::SavedSearchRow;
use corral_store::now;
use corral_store::queries::leads::LeadFilter;
use corral_store::queries::{groups, saved_searches as views, users};
use serde_json::{Value, json};

use crate::{Result, ServiceError, Services};

/// A view with who it is shared with.
#[derive(Debug, Clone)]
pub struct SavedSearch {
    pub row: SavedSearchRow,
    pub user_ids: Vec<String>,
    pub group_ids: Vec<String>,
}

impl SavedSearch {
    pub fn is_shared(&self) -> bool {
        self.row.whole_org || !self.user_ids.is_empty() || !self.group_ids.is_empty()
    }

    fn snapshot(&self) -> Value {
        json!({"name": self.row.name, "description": self.row.description, "s_query": self.row.s_query,
               "whole_org": self.row.whole_org, "user_ids": self.user_ids, "group_ids": self.group_ids})
    }
}

/// What a create or update sets; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SavedSearchInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub s_query: Option<Value>,
    pub whole_org: Option<bool>,
    pub user_ids: Option<Vec<String>>,
    pub group_ids: Option<Vec<String>>,
}

async fn load(tx: &mut Tx, row: SavedSearchRow) -> Result<SavedSearch> {
    let (user_ids, group_ids) = views::shares(tx, &row.id).await?;
    Ok(SavedSearch {
        row,
        user_ids,
        group_ids,
    })
}

/// Replaces every `{"type": "saved_search"}` node of a query tree by the view's own tree,
/// when `actor` may see that view (a hidden or unknown view is a field error, not a leak).
pub(crate) async fn expand(
    tx: &mut Tx,
    actor: &Actor,
    tree: &Value,
    depth: usize,
) -> Result<Value> {
    let bad = |m: String| ServiceError::field("s_query", m);
    match tree.get("type").and_then(Value::as_str) {
        Some("saved_search") => {
            if depth > 0 {
                return Err(bad(
                    "A Smart View cannot be built on another Smart View.".into()
                ));
            }
            let id = tree
                .get("saved_search_id")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("A saved_search query needs 'saved_search_id'.".into()))?;
            let v = views::get_visible(tx, &actor.workspace_id, &actor.user_id, id)
                .await?
                .ok_or_else(|| bad(format!("There is no Smart View '{id}'.")))?;
            let inner: Value = serde_json::from_str(&v.s_query)
                .map_err(|e| ServiceError::Internal(format!("stored smart view query: {e}")))?;
            Box::pin(expand(tx, actor, &inner, depth + 1)).await
        }
        Some("and") => {
            let mut out = tree.clone();
            if let Some(qs) = tree.get("queries").and_then(Value::as_array) {
                let mut expanded = vec![];
                for q in qs {
                    expanded.push(Box::pin(expand(tx, actor, q, depth)).await?);
                }
                out["queries"] = Value::Array(expanded);
            }
            Ok(out)
        }
        _ => Ok(tree.clone()),
    }
}

impl Services {
    /// The lead filter of a query tree, with Smart View references resolved for `actor`.
    pub(crate) async fn filter_of_tree(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        tree: &Value,
    ) -> Result<LeadFilter> {
        let tree = expand(tx, actor, tree, 0).await?;
        let mut f = LeadFilter::default();
        crate::bulk::apply_s_query(tx, &actor.workspace_id, &tree, &mut f).await?;
        Ok(f)
    }

    /// The Smart Views `actor` may see.
    pub async fn list_saved_searches(&self, actor: &Actor) -> Result<Vec<SavedSearch>> {
        let mut tx = self.db().read().await?;
        let rows = views::list_visible(&mut tx, &actor.workspace_id, &actor.user_id).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(load(&mut tx, r).await?);
        }
        Ok(out)
    }

    pub async fn get_saved_search(&self, actor: &Actor, id: &str) -> Result<SavedSearch> {
        let mut tx = self.db().read().await?;
        let row = views::get_visible(&mut tx, &actor.workspace_id, &actor.user_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Smart View"))?;
        load(&mut tx, row).await
    }

    async fn check_view(&self, tx: &mut Tx, actor: &Actor, v: &SavedSearch) -> Result<()> {
        let name = v.row.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(ServiceError::field(
                "name",
                "A Smart View needs a name of 1 to 200 characters.",
            ));
        }
        let tree: Value = serde_json::from_str(&v.row.s_query)
            .map_err(|_| ServiceError::field("s_query", "`s_query` must be a query object."))?;
        if !tree.is_object() {
            return Err(ServiceError::field(
                "s_query",
                "`s_query` must be a query object.",
            ));
        }
        // A view saves a plain query: depth 1 refuses references to other views.
        let tree = expand(tx, actor, &tree, 1).await?;
        crate::bulk::apply_s_query(tx, &actor.workspace_id, &tree, &mut LeadFilter::default())
            .await?;
        if v.is_shared() {
            actor.require(Permission::ManageTeamSmartViews)?;
        }
        for u in &v.user_ids {
            if !users::is_in_workspace(tx, &actor.workspace_id, u).await? {
                return Err(ServiceError::field(
                    "shared_with",
                    format!("'{u}' is not a member of this organization."),
                ));
            }
        }
        for g in &v.group_ids {
            if groups::get(tx, &actor.workspace_id, g).await?.is_none() {
                return Err(ServiceError::field(
                    "shared_with",
                    format!("There is no group '{g}'."),
                ));
            }
        }
        Ok(())
    }

    fn apply(v: &mut SavedSearch, input: SavedSearchInput) {
        if let Some(n) = input.name {
            v.row.name = n.trim().to_string();
        }
        if let Some(d) = input.description {
            v.row.description = d;
        }
        if let Some(q) = input.s_query {
            v.row.s_query = q.to_string();
        }
        if let Some(w) = input.whole_org {
            v.row.whole_org = w;
        }
        if let Some(u) = input.user_ids {
            v.user_ids = u;
        }
        if let Some(g) = input.group_ids {
            v.group_ids = g;
        }
        v.user_ids.sort();
        v.user_ids.dedup();
        v.group_ids.sort();
        v.group_ids.dedup();
    }

    pub async fn create_saved_search(
        &self,
        actor: &Actor,
        input: SavedSearchInput,
    ) -> Result<SavedSearch> {
        if input.s_query.is_none() {
            return Err(ServiceError::field(
                "s_query",
                "A Smart View needs `s_query`, the query it saves.",
            ));
        }
        let t = now();
        let mut v = SavedSearch {
            row: SavedSearchRow {
                id: format!("save_{}", random_base62(43)),
                workspace_id: actor.workspace_id.clone(),
                name: String::new(),
                description: String::new(),
                view_type: "lead".into(),
                s_query: String::new(),
                user_id: actor.user_id.clone(),
                whole_org: false,
                created_by: actor.user_id.clone(),
                updated_by: actor.user_id.clone(),
                date_created: t,
                date_updated: t,
            },
            user_ids: vec![],
            group_ids: vec![],
        };
        Self::apply(&mut v, input);
        let mut tx = self.db().write().await?;
        self.check_view(&mut tx, actor, &v).await?;
        views::insert(&mut tx, &v.row).await?;
        views::set_shares(&mut tx, &v.row.id, &v.user_ids, &v.group_ids).await?;
        self.audit_view(
            &mut tx,
            actor,
            &v.row.id,
            "created",
            json!({}),
            v.snapshot(),
        )
        .await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Changes a view: its owner may; so may a member with `manage_team_smart_views` when the
    /// view is shared. Changing who it is shared with needs that permission too.
    pub async fn update_saved_search(
        &self,
        actor: &Actor,
        id: &str,
        input: SavedSearchInput,
    ) -> Result<SavedSearch> {
        let mut tx = self.db().write().await?;
        let row = views::get_visible(&mut tx, &actor.workspace_id, &actor.user_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Smart View"))?;
        let mut v = load(&mut tx, row).await?;
        self.may_change(actor, &v)?;
        let before = v.snapshot();
        Self::apply(&mut v, input);
        v.row.updated_by = actor.user_id.clone();
        v.row.date_updated = now();
        self.check_view(&mut tx, actor, &v).await?;
        views::update(&mut tx, &v.row).await?;
        views::set_shares(&mut tx, &v.row.id, &v.user_ids, &v.group_ids).await?;
        self.audit_view(&mut tx, actor, id, "updated", before, v.snapshot())
            .await?;
        tx.commit().await?;
        Ok(v)
    }

    pub async fn delete_saved_search(&self, actor: &Actor, id: &str) -> Result<()> {
        let mut tx = self.db().write().await?;
        let row = views::get_visible(&mut tx, &actor.workspace_id, &actor.user_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Smart View"))?;
        let v = load(&mut tx, row).await?;
        self.may_change(actor, &v)?;
        views::delete(&mut tx, id).await?;
        self.audit_view(&mut tx, actor, id, "deleted", v.snapshot(), json!({}))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    fn may_change(&self, actor: &Actor, v: &SavedSearch) -> Result<()> {
        if v.row.user_id == actor.user_id {
            return Ok(());
        }
        Ok(actor.require(Permission::ManageTeamSmartViews)?)
    }

    async fn audit_view(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: &str,
        action: &str,
        before: Value,
        after: Value,
    ) -> Result<()> {
        crate::audit::record(
            tx,
            Some(actor),
            &actor.organization_id,
            &actor.workspace_id,
            crate::audit::Change {
                object_type: "saved_search",
                object_id: id,
                action,
                before,
                after,
            },
        )
        .await
    }
}
