//! Roles and Groups settings pages (SPEC S3, S9): list, create, clone, edit permissions as
//! grouped checkboxes with plain-language labels, visibility settings, who holds each role.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use corral_domain::{Permission, PermissionSet};
use corral_services::ServiceError;
use corral_services::access::{RoleInput, RoleView};
use corral_store::queries::memberships::MemberFilter;

use crate::WebState;
use crate::pages::{
    Nav, explain, form_expired, form_value, form_values, message, nav, not_found, render,
    status_of, with_cookie,
};
use crate::session::{WebActor, csrf_ok};

pub struct RoleLine {
    pub id: String,
    pub name: String,
    pub editable: bool,
    pub permission_count: usize,
    pub visibility: String,
    pub holders: i64,
}

#[derive(Template)]
#[template(path = "roles.html")]
struct RolesPage {
    title: String,
    nav: Option<Nav>,
    roles: Vec<RoleLine>,
    error: Option<String>,
    notice: Option<String>,
}

async fn roles_page(
    st: &WebState,
    web: &WebActor,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    if !web.actor.can(Permission::ManageOrganization) {
        return not_found().await;
    }
    let roles = match st.services.list_roles(&web.actor).await {
        Ok(r) => r,
        Err(e) => return message(status_of(&e), "Something went wrong", &explain(&e), None),
    };
    let page = RolesPage {
        title: "Roles".into(),
        nav: Some(nav(st, &web.actor, &web.csrf, "/settings/roles").await),
        roles: roles
            .iter()
            .map(|r| RoleLine {
                id: r.id.clone(),
                name: r.name.clone(),
                editable: r.editable,
                permission_count: r.permissions.len(),
                visibility: if r.permissions.contains(Permission::ViewAllLeads) {
                    "All leads".into()
                } else {
                    "Limited".into()
                },
                holders: r.holders,
            })
            .collect(),
        error,
        notice,
    };
    render(&page)
}

pub async fn roles(State(st): State<WebState>, web: WebActor) -> Response {
    let set = web.set_csrf.clone();
    with_cookie(roles_page(&st, &web, None, None).await, set)
}

type PermLine = (&'static str, &'static str, bool);

#[derive(Template)]
#[template(path = "role_edit.html")]
struct RoleEditPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    heading: String,
    action: String,
    role_id: String,
    name: String,
    readonly: bool,
    groups: Vec<(&'static str, Vec<PermLine>)>,
    user_fields: Vec<(String, String, bool)>,
    behavior: String,
    include_reports: bool,
    holders: Vec<String>,
    can_delete: bool,
    other_roles: Vec<(String, String)>,
    error: Option<String>,
    notice: Option<String>,
    /// A previewed edit: (member, leads now, leads after, gained, lost).
    preview: Option<Vec<PreviewLine>>,
}

/// One member in a previewed role edit: (name, leads now, leads after, gained, lost).
type PreviewLine = (String, i64, i64, i64, i64);

/// What the role page tells the admin besides the form.
#[derive(Default)]
struct Feedback {
    error: Option<String>,
    notice: Option<String>,
    preview: Option<Vec<PreviewLine>>,
}

fn permission_groups(held: &PermissionSet) -> Vec<(&'static str, Vec<PermLine>)> {
    let mut out: Vec<(&'static str, Vec<PermLine>)> = Vec::new();
    for p in Permission::ALL {
        let line = (p.name(), p.label(), held.contains(*p));
        match out.iter_mut().find(|(g, _)| *g == p.group()) {
            Some((_, v)) => v.push(line),
            None => out.push((p.group(), vec![line])),
        }
    }
    out
}

/// The role form; `role` is the role edited (or cloned, when `clone` is true), None for a new one.
async fn role_form(
    st: &WebState,
    web: &WebActor,
    role: Option<&RoleView>,
    clone: bool,
    fb: Feedback,
    submitted: Option<&RoleInput>,
) -> Response {
    let actor = &web.actor;
    if !actor.can(Permission::ManageOrganization) {
        return not_found().await;
    }
    let fields = st
        .services
        .list_custom_fields(actor, "lead")
        .await
        .unwrap_or_default();
    let editing = role.filter(|_| !clone);
    let mut held = role
        .map(|r| r.permissions.clone())
        .unwrap_or_else(|| PermissionSet::of(&[Permission::ViewAllLeads, Permission::Calling]));
    let mut name = match (role, clone) {
        (Some(r), true) => format!("{} (copy)", r.name),
        (Some(r), false) => r.name.clone(),
        (None, _) => String::new(),
    };
    let mut vis_ids = role
        .and_then(|r| r.visibility_user_lcf_ids.clone())
        .unwrap_or_default();
    let mut behavior = role
        .and_then(|r| r.visibility_user_lcf_behavior.clone())
        .unwrap_or_else(|| "require_assignment".into());
    let mut include_reports = role.is_some_and(|r| r.visibility_include_reports);
    if let Some(input) = submitted {
        name = input.name.clone().unwrap_or_default();
        held =
            PermissionSet::parse_names(input.permissions.as_deref().unwrap_or(&[]), "permissions")
                .unwrap_or_default();
        vis_ids = input
            .visibility_user_lcf_ids
            .clone()
            .flatten()
            .unwrap_or_default();
        behavior = input
            .visibility_user_lcf_behavior
            .clone()
            .flatten()
            .unwrap_or(behavior);
        include_reports = input.visibility_include_reports.unwrap_or(false);
    }
    let holders = match editing {
        Some(r) => st
            .services
            .list_members(
                actor,
                MemberFilter {
                    role_id: Some(r.id.clone()),
                    ..Default::default()
                },
            )
            .await
            .unwrap_or_default()
            .iter()
            .map(|l| {
                format!(
                    "{} {} ({})",
                    l.view.member.user_first_name,
                    l.view.member.user_last_name,
                    l.view.member.membership.status
                )
            })
            .collect(),
        None => vec![],
    };
    let other_roles = st
        .services
        .list_roles(actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| Some(&r.id) != editing.map(|e| &e.id))
        .map(|r| (r.id, r.name))
        .collect();
    let page = RoleEditPage {
        title: "Role".into(),
        nav: Some(nav(st, actor, &web.csrf, "/settings/roles").await),
        csrf: web.csrf.clone(),
        heading: match editing {
            Some(r) => r.name.clone(),
            None => "New role".into(),
        },
        action: match editing {
            Some(r) => format!("/settings/roles/{}", r.id),
            None => "/settings/roles/new".into(),
        },
        role_id: editing.map(|r| r.id.clone()).unwrap_or_default(),
        name,
        readonly: editing.is_some_and(|r| !r.editable),
        groups: permission_groups(&held),
        user_fields: fields
            .iter()
            .filter(|f| f.field_type == "user")
            .map(|f| (f.id.clone(), f.name.clone(), vis_ids.contains(&f.id)))
            .collect(),
        behavior,
        include_reports,
        holders,
        can_delete: editing.is_some_and(|r| r.editable),
        other_roles,
        error: fb.error,
        notice: fb.notice,
        preview: fb.preview,
    };
    render(&page)
}

pub async fn new_role(
    State(st): State<WebState>,
    web: WebActor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let source = match q.get("clone") {
        Some(id) => st.services.get_role(&web.actor, id).await.ok(),
        None => None,
    };
    let set = web.set_csrf.clone();
    with_cookie(
        role_form(&st, &web, source.as_ref(), true, Feedback::default(), None).await,
        set,
    )
}

fn role_input(form: &[(String, String)]) -> RoleInput {
    let perms = form_values(form, "permissions");
    let limited = !perms.iter().any(|p| p == Permission::ViewAllLeads.name());
    RoleInput {
        name: Some(form_value(form, "name")),
        permissions: Some(perms),
        visibility_user_lcf_ids: Some(if limited {
            Some(form_values(form, "visibility_user_lcf_ids"))
        } else {
            None
        }),
        visibility_user_lcf_behavior: Some(if limited {
            Some(form_value(form, "visibility_user_lcf_behavior"))
        } else {
            None
        }),
        visibility_include_reports: Some(
            limited && form_value(form, "visibility_include_reports") == "on",
        ),
    }
}

pub async fn create_role(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let input = role_input(&form);
    match st.services.create_role(&web.actor, input.clone()).await {
        Ok(r) => Redirect::to(&format!("/settings/roles/{}?created=1", r.id)).into_response(),
        Err(e) => (
            status_of(&e),
            role_form(
                &st,
                &web,
                None,
                true,
                Feedback {
                    error: Some(explain(&e)),
                    ..Default::default()
                },
                Some(&input),
            )
            .await,
        )
            .into_response(),
    }
}

pub async fn edit_role(
    State(st): State<WebState>,
    web: WebActor,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let role = match st.services.get_role(&web.actor, &id).await {
        Ok(r) => r,
        Err(ServiceError::NotFound(_)) => return not_found().await,
        Err(e) => return message(status_of(&e), "Something went wrong", &explain(&e), None),
    };
    let notice = q
        .contains_key("created")
        .then(|| "Role created.".to_string());
    let set = web.set_csrf.clone();
    with_cookie(
        role_form(
            &st,
            &web,
            Some(&role),
            false,
            Feedback {
                notice,
                ..Default::default()
            },
            None,
        )
        .await,
        set,
    )
}

pub async fn save_role(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let input = role_input(&form);
    let role = st.services.get_role(&web.actor, &id).await.ok();
    // "Preview" shows who would gain or lose how many leads, and saves nothing; the form
    // keeps what was ticked.
    let outcome = if form_value(&form, "intent") == "preview" {
        st.services
            .preview_role(&web.actor, &id, input.clone())
            .await
            .map(|impact| {
                let lines: Vec<PreviewLine> = impact
                    .into_iter()
                    .map(|i| (i.name, i.visible_before, i.visible_after, i.gained, i.lost))
                    .collect();
                let notice = if lines.is_empty() {
                    "Preview: no active member holds this role, so nobody's leads change. Nothing is saved yet."
                } else {
                    "Preview of this edit below. Nothing is saved yet."
                };
                let fb = Feedback {
                    notice: Some(notice.into()),
                    preview: Some(lines),
                    ..Default::default()
                };
                (fb, role.clone(), true)
            })
    } else {
        st.services
            .update_role(&web.actor, &id, input.clone())
            .await
            .map(|r| {
                let fb = Feedback {
                    notice: Some(
                        "Saved. Members with this role have the new permissions from their next request."
                            .into(),
                    ),
                    ..Default::default()
                };
                (fb, Some(r), false)
            })
    };
    match outcome {
        Ok((fb, shown, keep_form)) => {
            role_form(
                &st,
                &web,
                shown.as_ref(),
                false,
                fb,
                keep_form.then_some(&input),
            )
            .await
        }
        Err(e) => (
            status_of(&e),
            role_form(
                &st,
                &web,
                role.as_ref(),
                false,
                Feedback {
                    error: Some(explain(&e)),
                    ..Default::default()
                },
                Some(&input),
            )
            .await,
        )
            .into_response(),
    }
}

pub async fn delete_role(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let target = Some(form_value(&form, "move_members_to")).filter(|s| !s.is_empty());
    match st
        .services
        .delete_role(&web.actor, &id, target.as_deref())
        .await
    {
        Ok(n) => {
            roles_page(
                &st,
                &web,
                None,
                Some(format!("Role deleted; {n} member(s) moved.")),
            )
            .await
        }
        Err(e) => (
            status_of(&e),
            roles_page(&st, &web, Some(explain(&e)), None).await,
        )
            .into_response(),
    }
}

// ---- groups ----

pub struct GroupLine {
    pub id: String,
    pub name: String,
    pub members: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "groups.html")]
struct GroupsPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    groups: Vec<GroupLine>,
    people: Vec<(String, String)>,
    error: Option<String>,
    notice: Option<String>,
}

async fn groups_page(
    st: &WebState,
    web: &WebActor,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let actor = &web.actor;
    if !actor.can(Permission::ManageOrganization) {
        return not_found().await;
    }
    let members = st
        .services
        .list_members(actor, MemberFilter::default())
        .await
        .unwrap_or_default();
    let name_of = |uid: &str| {
        members
            .iter()
            .find(|m| m.view.member.membership.user_id == uid)
            .map(|m| {
                format!(
                    "{} {}",
                    m.view.member.user_first_name, m.view.member.user_last_name
                )
                .trim()
                .to_string()
            })
            .unwrap_or_else(|| uid.to_string())
    };
    let mut groups = Vec::new();
    for g in st.services.list_groups(actor).await.unwrap_or_default() {
        let members = st
            .services
            .get_group(actor, &g.id)
            .await
            .map(|v| v.members)
            .unwrap_or_default();
        groups.push(GroupLine {
            id: g.id,
            name: g.name,
            members: members.iter().map(|u| (u.clone(), name_of(u))).collect(),
        });
    }
    let people = members
        .iter()
        .filter(|m| {
            matches!(
                m.view.member.membership.status.as_str(),
                "active" | "deactivated"
            )
        })
        .map(|m| {
            (
                m.view.member.membership.user_id.clone(),
                name_of(&m.view.member.membership.user_id),
            )
        })
        .collect();
    let page = GroupsPage {
        title: "Groups".into(),
        nav: Some(nav(st, actor, &web.csrf, "/settings/groups").await),
        csrf: web.csrf.clone(),
        groups,
        people,
        error,
        notice,
    };
    render(&page)
}

pub async fn groups(State(st): State<WebState>, web: WebActor) -> Response {
    let set = web.set_csrf.clone();
    with_cookie(groups_page(&st, &web, None, None).await, set)
}

pub async fn create_group(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let r = st
        .services
        .create_group(&web.actor, &form_value(&form, "name"))
        .await
        .map(|g| format!("Group '{}' created.", g.group.name));
    done(&st, &web, r).await
}

async fn done(st: &WebState, web: &WebActor, r: Result<String, ServiceError>) -> Response {
    match r {
        Ok(n) => groups_page(st, web, None, Some(n)).await,
        Err(e) => (
            status_of(&e),
            groups_page(st, web, Some(explain(&e)), None).await,
        )
            .into_response(),
    }
}

pub async fn group_action(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    Path((id, verb)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let s = &st.services;
    let a = &web.actor;
    let r = match verb.as_str() {
        "add" => s
            .add_group_member(a, &id, &form_value(&form, "user_id"))
            .await
            .map(|_| "Member added.".to_string()),
        "remove" => s
            .remove_group_member(a, &id, &form_value(&form, "user_id"))
            .await
            .map(|_| "Member removed.".to_string()),
        "rename" => s
            .rename_group(a, &id, &form_value(&form, "name"))
            .await
            .map(|_| "Group renamed.".to_string()),
        "delete" => s
            .delete_group(a, &id)
            .await
            .map(|_| "Group deleted; its members stay in the workspace.".to_string()),
        _ => return not_found().await,
    };
    done(&st, &web, r).await
}
