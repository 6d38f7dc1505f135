//! The reference-model test (SPEC S1–S6): a small model of members, roles, restrictions,
//! lead visibility, assignment, deactivation, offboarding and contact sharing, written to be
//! obviously right, beside the real server. proptest generates sequences of operations; each
//! runs through the HTTP API and through the model, and after every step every member's view
//! of the leads and of the team's contacts (and whether their key still works) must match the
//! model. A failing sequence shrinks to a minimal one.
//!
//! One organization serves the whole run; each case starts from no leads, every member active
//! again (with a fresh key) and the case's initial roles.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Engine, TestApp, engines, lead_owner_field, spawn_app};

/// Members besides the owner (who is member 0, an admin, and drives the administration).
const MEMBERS: usize = 4;
const PASSWORD: &str = "model-password";

/// The roles a member may hold in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Built-in `user`: sees every lead.
    User,
    /// Sees the leads whose Lead Owner they are.
    Own,
    /// Sees those and the leads with no Lead Owner.
    OwnOrUnassigned,
}

#[derive(Debug, Clone)]
enum Op {
    Create {
        by: usize,
        owner: Option<usize>,
    },
    Reassign {
        lead: usize,
        to: Option<usize>,
    },
    SetRole {
        who: usize,
        role: Role,
    },
    Deactivate {
        who: usize,
    },
    Reactivate {
        who: usize,
    },
    Offboard {
        who: usize,
        to: Option<usize>,
    },
    Assign {
        leads: Vec<usize>,
    },
    Edit {
        by: usize,
        lead: usize,
    },
    Read {
        by: usize,
        lead: usize,
    },
    /// Turns the `only_assigned_contacts` restriction on or off.
    Restrict {
        who: usize,
        on: bool,
    },
    /// A personal contact; `family` ones are never shared.
    Personal {
        by: usize,
        family: bool,
    },
    ReadPersonal {
        by: usize,
        contact: usize,
    },
    /// Send to team: a snapshot every member may see.
    Send {
        by: usize,
        contact: usize,
    },
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![
        Just(Role::User),
        Just(Role::Own),
        Just(Role::OwnOrUnassigned)
    ]
}

fn anyone() -> impl Strategy<Value = usize> {
    0..=MEMBERS
}

fn member() -> impl Strategy<Value = usize> {
    1..=MEMBERS
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (anyone(), proptest::option::of(anyone())).prop_map(|(by, owner)| Op::Create { by, owner }),
        3 => (0..64usize, proptest::option::of(anyone())).prop_map(|(lead, to)| Op::Reassign { lead, to }),
        2 => (member(), role()).prop_map(|(who, role)| Op::SetRole { who, role }),
        1 => member().prop_map(|who| Op::Deactivate { who }),
        1 => member().prop_map(|who| Op::Reactivate { who }),
        1 => (member(), proptest::option::of(anyone())).prop_map(|(who, to)| Op::Offboard { who, to }),
        2 => proptest::collection::vec(0..64usize, 1..6).prop_map(|leads| Op::Assign { leads }),
        2 => (anyone(), 0..64usize).prop_map(|(by, lead)| Op::Edit { by, lead }),
        2 => (anyone(), 0..64usize).prop_map(|(by, lead)| Op::Read { by, lead }),
        1 => (member(), any::<bool>()).prop_map(|(who, on)| Op::Restrict { who, on }),
        2 => (anyone(), any::<bool>()).prop_map(|(by, family)| Op::Personal { by, family }),
        1 => (anyone(), 0..64usize).prop_map(|(by, contact)| Op::ReadPersonal { by, contact }),
        2 => (anyone(), 0..64usize).prop_map(|(by, contact)| Op::Send { by, contact }),
    ]
}

/// The model: who holds which role and whether they are active, and who owns each lead.
#[derive(Debug, Clone)]
struct Model {
    roles: Vec<Role>,
    active: Vec<bool>,
    /// Whether each member is in the round-robin pool when active.
    round_robin: Vec<bool>,
    /// (lead id, Lead Owner).
    leads: Vec<(String, Option<usize>)>,
    /// Members under `only_assigned_contacts`.
    restricted: Vec<bool>,
    /// Personal contacts: (id, name, owner, family segment, sent to the team).
    personal: Vec<(String, String, usize, bool, bool)>,
    /// The auto-share rule for business segments: such contacts reach the team when made.
    share_business: bool,
}

impl Model {
    fn limited(&self, m: usize) -> bool {
        m != 0 && (self.roles[m] != Role::User || self.restricted[m])
    }

    fn sees(&self, m: usize, owner: Option<usize>) -> bool {
        if m == 0 {
            return true;
        }
        // Restrictions only take away: under this one, only one's own leads.
        if self.restricted[m] {
            return owner == Some(m);
        }
        match self.roles[m] {
            Role::User => true,
            Role::Own => owner == Some(m),
            Role::OwnOrUnassigned => owner == Some(m) || owner.is_none(),
        }
    }

    fn visible(&self, m: usize) -> BTreeSet<String> {
        self.leads
            .iter()
            .filter(|(_, o)| self.sees(m, *o))
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// What member `m` gets asking for a lead held by `owner`: 401 once their key is revoked,
    /// 404 for a lead they may not see (never 403), else 200.
    fn answer_on_lead(&self, m: usize, owner: Option<usize>) -> StatusCode {
        if !self.active[m] {
            StatusCode::UNAUTHORIZED
        } else if self.sees(m, owner) {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        }
    }

    /// `share_contacts`: built-in roles and `Own` have it, `OwnOrUnassigned` does not.
    fn may_share(&self, m: usize) -> bool {
        m == 0 || self.roles[m] != Role::OwnOrUnassigned
    }

    /// The team contacts a member lists: every copy sent, unless restricted to assigned ones
    /// (a sent snapshot is nobody's).
    fn team(&self, m: usize) -> BTreeSet<String> {
        if m != 0 && self.restricted[m] {
            return BTreeSet::new();
        }
        self.personal
            .iter()
            .filter(|p| p.4)
            .map(|p| p.1.clone())
            .collect()
    }

    fn pool(&self) -> BTreeSet<usize> {
        (0..=MEMBERS)
            .filter(|m| self.active[*m] && self.round_robin[*m])
            .collect()
    }
}

/// The real side: the server, the workspace's ids and each member's current key.
struct World {
    app: TestApp,
    owner_field: String,
    role_ids: BTreeMap<&'static str, String>,
    membership_ids: Vec<String>,
    user_ids: Vec<String>,
    emails: Vec<String>,
    keys: Vec<String>,
    round_robin: Vec<bool>,
}

fn fail(msg: String) -> TestCaseError {
    TestCaseError::fail(msg)
}

macro_rules! check {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            return Err(fail(format!($($arg)*)));
        }
    };
}

impl World {
    async fn setup(engine: Engine) -> World {
        let app = spawn_app(engine).await;
        let services = app.running.services.clone();
        let org = services
            .create_organization(corral_services::setup::SetupInput {
                organization_name: "Model Org".into(),
                workspace_name: "Model".into(),
                first_name: "Olive".into(),
                last_name: "Owner".into(),
                email: "owner@model.example".into(),
                password: PASSWORD.into(),
            })
            .await
            .unwrap();
        let owner_key = new_key(&app, "owner@model.example").await;
        let owner_field = lead_owner_field(&app, &owner_key).await;
        let mut role_ids = BTreeMap::new();
        role_ids.insert("user", "user".to_string());
        for behaviour in [
            (
                "Own",
                "require_assignment",
                json!(["calling", "share_contacts"]),
            ),
            ("OwnOrUnassigned", "allow_unassigned", json!(["calling"])),
        ] {
            let (s, r) = app
                .post(
                    &owner_key,
                    "role/",
                    &json!({"name": behaviour.0, "permissions": behaviour.2, "visibility_user_lcf_ids": [owner_field], "visibility_user_lcf_behavior": behaviour.1}),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{r}");
            role_ids.insert(behaviour.0, r["id"].as_str().unwrap().to_string());
        }
        let (_, me) = app
            .get(
                &owner_key,
                &format!("membership/{}/", org.owner_membership_id),
            )
            .await;
        let mut w = World {
            owner_field,
            role_ids,
            membership_ids: vec![org.owner_membership_id.clone()],
            user_ids: vec![org.owner_user_id.clone()],
            emails: vec!["owner@model.example".into()],
            keys: vec![owner_key.clone()],
            round_robin: vec![me["round_robin"].as_bool().unwrap_or(false)],
            app,
        };
        for i in 1..=MEMBERS {
            let email = format!("m{i}@model.example");
            let (s, m) = w
                .app
                .post(
                    &owner_key,
                    "membership/add/",
                    &json!({"email": email, "role_id": "user", "first_name": format!("Member{i}"), "password": PASSWORD, "round_robin": true}),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{m}");
            w.membership_ids.push(m["id"].as_str().unwrap().to_string());
            w.user_ids.push(m["user_id"].as_str().unwrap().to_string());
            w.keys.push(new_key(&w.app, &email).await);
            w.emails.push(email);
            w.round_robin.push(true);
        }
        w
    }

    fn role_id(&self, r: Role) -> &str {
        match r {
            Role::User => &self.role_ids["user"],
            Role::Own => &self.role_ids["Own"],
            Role::OwnOrUnassigned => &self.role_ids["OwnOrUnassigned"],
        }
    }

    fn who(&self, user_id: &str) -> Option<usize> {
        self.user_ids.iter().position(|u| u == user_id)
    }

    async fn send(
        &self,
        method: reqwest::Method,
        key: &str,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .app
            .http
            .request(method, self.app.api(path))
            .basic_auth(key, Some(""));
        if let Some(b) = body {
            req = req.json(b);
        }
        crate::helpers::decode(req.send().await.unwrap()).await
    }

    /// Back to the case's start: no leads, everyone active with a working key, given roles.
    async fn reset(&mut self, roles: &[Role], share_business: bool) -> Model {
        let owner = self.keys[0].clone();
        loop {
            let (_, page) = self.app.get(&owner, "lead/?_limit=100&_fields=id").await;
            let ids: Vec<String> = page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["id"].as_str().unwrap().to_string())
                .collect();
            if ids.is_empty() {
                break;
            }
            for id in ids {
                let (s, v) = self.app.delete(&owner, &format!("lead/{id}/")).await;
                assert_eq!(s, StatusCode::OK, "{v}");
            }
        }
        for m in 1..=MEMBERS {
            let mid = self.membership_ids[m].clone();
            let (_, v) = self.app.get(&owner, &format!("membership/{mid}/")).await;
            if v["status"] != "active" {
                let (s, v) = self
                    .app
                    .post(&owner, &format!("membership/{mid}/reactivate/"), &json!({}))
                    .await;
                assert_eq!(s, StatusCode::OK, "{v}");
                self.keys[m] = new_key(&self.app, &self.emails[m]).await;
            }
            let (s, v) = self
                .app
                .put(
                    &owner,
                    &format!("membership/{mid}/"),
                    &json!({"role_id": self.role_id(roles[m - 1]), "restrictions": []}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        // Contacts: each member empties their address book; the owner unshares the team's.
        for m in 0..=MEMBERS {
            let (_, list) = self
                .app
                .get(&self.keys[m], "personal_contact/?_limit=200")
                .await;
            for c in list["data"].as_array().unwrap() {
                let id = c["id"].as_str().unwrap();
                let (s, v) = self
                    .app
                    .delete(&self.keys[m], &format!("personal_contact/{id}/"))
                    .await;
                assert!(s.is_success(), "{v}");
            }
        }
        let (_, list) = self.app.get(&owner, "team_contact/?_limit=200").await;
        for c in list["data"].as_array().unwrap() {
            let id = c["id"].as_str().unwrap();
            let (s, v) = self
                .app
                .delete(&owner, &format!("team_contact/{id}/"))
                .await;
            assert!(s.is_success(), "{v}");
        }
        let (s, v) = self
            .app
            .put(
                &owner,
                "sharing_settings/",
                &json!({"share_business_segments": share_business, "share_deal_contacts": false, "share_assigned_contacts": false}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let mut all_roles = vec![Role::User];
        all_roles.extend_from_slice(roles);
        Model {
            roles: all_roles,
            active: vec![true; MEMBERS + 1],
            round_robin: self.round_robin.clone(),
            leads: vec![],
            restricted: vec![false; MEMBERS + 1],
            personal: vec![],
            share_business,
        }
    }

    /// The Lead Owner (as a member index) of a lead, read as the owner.
    async fn owner_of(&self, lead_id: &str) -> Result<Option<usize>, TestCaseError> {
        let (s, l) = self
            .app
            .get(&self.keys[0], &format!("lead/{lead_id}/"))
            .await;
        check!(s == StatusCode::OK, "owner cannot read {lead_id}: {l}");
        Ok(self.owner_value(&l))
    }

    fn owner_value(&self, lead: &Value) -> Option<usize> {
        lead[format!("custom.{}", self.owner_field)]
            .as_str()
            .and_then(|u| self.who(u))
    }

    fn owner_body(&self, to: Option<usize>) -> Value {
        let mut body = serde_json::Map::new();
        body.insert(
            format!("custom.{}", self.owner_field),
            to.map(|t| Value::String(self.user_ids[t].clone()))
                .unwrap_or(Value::Null),
        );
        Value::Object(body)
    }

    /// Runs one operation on both sides; the server's answer must be the model's.
    async fn step(&mut self, model: &mut Model, op: &Op) -> Result<(), TestCaseError> {
        let owner = self.keys[0].clone();
        let pick = |model: &Model, i: usize| -> Option<(usize, String, Option<usize>)> {
            if model.leads.is_empty() {
                return None;
            }
            let i = i % model.leads.len();
            Some((i, model.leads[i].0.clone(), model.leads[i].1))
        };
        match op {
            Op::Create {
                by,
                owner: lead_owner,
            } => {
                let mut body = json!({"name": format!("Lead {}", model.leads.len())});
                if lead_owner.is_some() {
                    let extra = self.owner_body(*lead_owner);
                    body.as_object_mut()
                        .unwrap()
                        .extend(extra.as_object().unwrap().clone());
                }
                let (s, l) = self
                    .send(reqwest::Method::POST, &self.keys[*by], "lead/", Some(&body))
                    .await;
                if !model.active[*by] {
                    check!(
                        s == StatusCode::UNAUTHORIZED,
                        "inactive member {by} created a lead: {s} {l}"
                    );
                    return Ok(());
                }
                if let Some(o) = lead_owner
                    && !model.active[*o]
                {
                    check!(
                        s == StatusCode::BAD_REQUEST,
                        "lead owned by inactive member {o}: {s} {l}"
                    );
                    return Ok(());
                }
                check!(s == StatusCode::OK, "create by {by}: {s} {l}");
                let expected = lead_owner.or(model.limited(*by).then_some(*by));
                let got = self.owner_value(&l);
                check!(
                    got == expected,
                    "create by {by}: owner {got:?}, model {expected:?}"
                );
                model
                    .leads
                    .push((l["id"].as_str().unwrap().to_string(), expected));
            }
            Op::Reassign { lead, to } => {
                let Some((i, id, _)) = pick(model, *lead) else {
                    return Ok(());
                };
                let body = self.owner_body(*to);
                let (s, v) = self
                    .send(
                        reqwest::Method::PUT,
                        &owner,
                        &format!("lead/{id}/"),
                        Some(&body),
                    )
                    .await;
                if let Some(t) = to
                    && !model.active[*t]
                {
                    check!(
                        s == StatusCode::BAD_REQUEST,
                        "reassigned to inactive {t}: {s} {v}"
                    );
                    return Ok(());
                }
                check!(s == StatusCode::OK, "reassign: {s} {v}");
                model.leads[i].1 = *to;
            }
            Op::SetRole { who, role } => {
                let (s, v) = self
                    .app
                    .put(
                        &owner,
                        &format!("membership/{}/", self.membership_ids[*who]),
                        &json!({"role_id": self.role_id(*role)}),
                    )
                    .await;
                check!(s == StatusCode::OK, "set role: {s} {v}");
                model.roles[*who] = *role;
            }
            Op::Deactivate { who } => {
                let (s, v) = self
                    .app
                    .delete(
                        &owner,
                        &format!("membership/{}/", self.membership_ids[*who]),
                    )
                    .await;
                if model.active[*who] {
                    check!(s == StatusCode::OK, "deactivate {who}: {s} {v}");
                    model.active[*who] = false;
                } else {
                    check!(s.is_client_error(), "deactivated twice: {s} {v}");
                }
            }
            Op::Reactivate { who } => {
                let (s, v) = self
                    .app
                    .post(
                        &owner,
                        &format!("membership/{}/reactivate/", self.membership_ids[*who]),
                        &json!({}),
                    )
                    .await;
                if model.active[*who] {
                    check!(s.is_client_error(), "reactivated an active member: {s} {v}");
                    return Ok(());
                }
                check!(s == StatusCode::OK, "reactivate {who}: {s} {v}");
                model.active[*who] = true;
                // The key revoked at deactivation stays revoked.
                let (s, _) = self.app.get(&self.keys[*who], "me/").await;
                check!(
                    s == StatusCode::UNAUTHORIZED,
                    "a revoked key came back: {s}"
                );
                self.keys[*who] = new_key(&self.app, &self.emails[*who]).await;
            }
            Op::Offboard { who, to } => {
                let leads = match to {
                    Some(t) => json!({"mode": "reassign", "user_id": self.user_ids[*t]}),
                    None => json!({"mode": "unassign"}),
                };
                let (s, v) = self
                    .app
                    .post(
                        &owner,
                        &format!("membership/{}/offboard/", self.membership_ids[*who]),
                        &json!({"action": "deactivate", "leads": leads}),
                    )
                    .await;
                let target_ok = to.is_none_or(|t| t != *who && model.active[t]);
                if !model.active[*who] || !target_ok {
                    check!(s.is_client_error(), "offboard {who} to {to:?}: {s} {v}");
                    return Ok(());
                }
                check!(s == StatusCode::OK, "offboard {who} to {to:?}: {s} {v}");
                model.active[*who] = false;
                for l in model.leads.iter_mut() {
                    if l.1 == Some(*who) {
                        l.1 = *to;
                    }
                }
            }
            Op::Assign { leads } => {
                if model.leads.is_empty() {
                    return Ok(());
                }
                let chosen: BTreeSet<usize> = leads.iter().map(|i| i % model.leads.len()).collect();
                let ids: Vec<String> = chosen.iter().map(|i| model.leads[*i].0.clone()).collect();
                let unassigned: Vec<usize> = chosen
                    .iter()
                    .copied()
                    .filter(|i| model.leads[*i].1.is_none())
                    .collect();
                let pool = model.pool();
                let (s, r) = self
                    .send(
                        reqwest::Method::POST,
                        &owner,
                        "lead/assign/",
                        Some(&json!({"lead_ids": ids, "strategy": "round_robin"})),
                    )
                    .await;
                if pool.is_empty() {
                    check!(
                        s.is_client_error() || r["assigned"] == 0,
                        "assigned with nobody in the pool: {s} {r}"
                    );
                    return Ok(());
                }
                check!(s == StatusCode::OK, "assign: {s} {r}");
                let got_pool: BTreeSet<usize> = r["pool"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|u| u.as_str().and_then(|u| self.who(u)))
                    .collect();
                check!(got_pool == pool, "pool {got_pool:?}, model {pool:?}");
                check!(
                    r["assigned"] == unassigned.len(),
                    "assigned {} of {} unassigned: {r}",
                    r["assigned"],
                    unassigned.len()
                );
                let mut counts: BTreeMap<usize, usize> = pool.iter().map(|m| (*m, 0)).collect();
                for i in &chosen {
                    let now = self.owner_of(&model.leads[*i].0).await?;
                    if let Some(before) = model.leads[*i].1 {
                        check!(
                            now == Some(before),
                            "an assigned lead moved: {before} → {now:?}"
                        );
                    } else {
                        let Some(m) = now else {
                            return Err(fail("an unassigned lead stayed unassigned".into()));
                        };
                        check!(
                            pool.contains(&m),
                            "assigned to {m}, outside the pool {pool:?}"
                        );
                        *counts.get_mut(&m).unwrap() += 1;
                        model.leads[*i].1 = Some(m);
                    }
                }
                let (lo, hi) = (
                    counts.values().min().copied().unwrap_or(0),
                    counts.values().max().copied().unwrap_or(0),
                );
                check!(hi - lo <= 1, "unfair rotation: {counts:?}");
            }
            Op::Edit { by, lead } => {
                let Some((_, id, lead_owner)) = pick(model, *lead) else {
                    return Ok(());
                };
                let (s, v) = self
                    .send(
                        reqwest::Method::PUT,
                        &self.keys[*by],
                        &format!("lead/{id}/"),
                        Some(&json!({"description": format!("edited by {by}")})),
                    )
                    .await;
                let expected = model.answer_on_lead(*by, lead_owner);
                check!(s == expected, "edit by {by}: {s}, model {expected}: {v}");
            }
            Op::Read { by, lead } => {
                let Some((_, id, lead_owner)) = pick(model, *lead) else {
                    return Ok(());
                };
                let (s, v) = self.app.get(&self.keys[*by], &format!("lead/{id}/")).await;
                let expected = model.answer_on_lead(*by, lead_owner);
                check!(s == expected, "read by {by}: {s}, model {expected}: {v}");
            }
            Op::Restrict { who, on } => {
                let restrictions: Vec<&str> = if *on {
                    vec!["only_assigned_contacts"]
                } else {
                    vec![]
                };
                let (s, v) = self
                    .app
                    .put(
                        &owner,
                        &format!("membership/{}/", self.membership_ids[*who]),
                        &json!({"restrictions": restrictions}),
                    )
                    .await;
                check!(s == StatusCode::OK, "restrict {who}: {s} {v}");
                model.restricted[*who] = *on;
            }
            Op::Personal { by, family } => {
                let name = format!("Contact {}", model.personal.len());
                let segment = if *family { "family" } else { "prospect" };
                let (s, c) = self
                    .send(
                        reqwest::Method::POST,
                        &self.keys[*by],
                        "personal_contact/",
                        Some(&json!({"name": name, "segment": segment})),
                    )
                    .await;
                if !model.active[*by] {
                    check!(
                        s == StatusCode::UNAUTHORIZED,
                        "inactive member {by} made a contact: {s}"
                    );
                    return Ok(());
                }
                check!(s.is_success(), "personal contact by {by}: {s} {c}");
                model.personal.push((
                    c["id"].as_str().unwrap().to_string(),
                    name,
                    *by,
                    *family,
                    model.share_business && !*family,
                ));
            }
            Op::ReadPersonal { by, contact } => {
                if model.personal.is_empty() {
                    return Ok(());
                }
                let p = model.personal[contact % model.personal.len()].clone();
                let (s, v) = self
                    .app
                    .get(&self.keys[*by], &format!("personal_contact/{}/", p.0))
                    .await;
                let expected = if !model.active[*by] {
                    StatusCode::UNAUTHORIZED
                } else if p.2 == *by {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                };
                check!(
                    s == expected,
                    "personal contact of {} read by {by}: {s}, model {expected}: {v}",
                    p.2
                );
            }
            Op::Send { by, contact } => {
                if model.personal.is_empty() {
                    return Ok(());
                }
                let i = contact % model.personal.len();
                let p = model.personal[i].clone();
                if p.4 {
                    return Ok(());
                }
                let (s, v) = self
                    .send(
                        reqwest::Method::POST,
                        &self.keys[*by],
                        "personal_contact/bulk_action/",
                        Some(&json!({"action": "send", "contact_ids": [p.0]})),
                    )
                    .await;
                if !model.active[*by] {
                    check!(
                        s == StatusCode::UNAUTHORIZED,
                        "inactive member {by} shared: {s}"
                    );
                    return Ok(());
                }
                if p.2 != *by || p.3 || !model.may_share(*by) {
                    check!(
                        s.is_client_error(),
                        "{by} sent contact {i} (owner {}, family {}): {s} {v}",
                        p.2,
                        p.3
                    );
                    return Ok(());
                }
                check!(
                    s == StatusCode::OK && v["count"] == 1,
                    "send by {by}: {s} {v}"
                );
                model.personal[i].4 = true;
            }
        }
        Ok(())
    }

    /// Every member's view after a step: the leads listed (paged to the end) are exactly the
    /// model's visible set, and an inactive member's key is refused.
    async fn compare(&self, model: &Model) -> Result<(), TestCaseError> {
        for m in 0..=MEMBERS {
            if !model.active[m] {
                let (s, _) = self.app.get(&self.keys[m], "lead/").await;
                check!(
                    s == StatusCode::UNAUTHORIZED,
                    "inactive member {m} still lists leads: {s}"
                );
                continue;
            }
            let mut seen = BTreeSet::new();
            let mut skip = 0;
            loop {
                let (s, page) = self
                    .app
                    .get(
                        &self.keys[m],
                        &format!("lead/?_skip={skip}&_limit=25&_fields=id"),
                    )
                    .await;
                check!(s == StatusCode::OK, "member {m} lists leads: {s} {page}");
                let data = page["data"].as_array().unwrap();
                for l in data {
                    seen.insert(l["id"].as_str().unwrap().to_string());
                }
                skip += data.len();
                if !page["has_more"].as_bool().unwrap_or(false) || data.is_empty() {
                    check!(
                        page["total_results"] == model.visible(m).len(),
                        "member {m}: total_results {} but the model sees {}",
                        page["total_results"],
                        model.visible(m).len()
                    );
                    break;
                }
            }
            let (s, team) = self
                .app
                .get(&self.keys[m], "team_contact/?_limit=200")
                .await;
            check!(
                s == StatusCode::OK,
                "member {m} lists team contacts: {s} {team}"
            );
            let names: BTreeSet<String> = team["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap_or_default().to_string())
                .collect();
            check!(
                names == model.team(m),
                "member {m} sees team contacts {names:?}, the model {:?}",
                model.team(m)
            );
            let want = model.visible(m);
            check!(
                seen == want,
                "member {m} ({:?}) sees {} lead(s), the model {}: extra {:?}, missing {:?}",
                model.roles[m],
                seen.len(),
                want.len(),
                seen.difference(&want).collect::<Vec<_>>(),
                want.difference(&seen).collect::<Vec<_>>()
            );
        }
        Ok(())
    }
}

/// A new API key for a member, made by signing in as them.
async fn new_key(app: &TestApp, email: &str) -> String {
    let services = &app.running.services;
    let session = services.login(email, PASSWORD, "model").await.unwrap();
    let actor = services.authenticate_session(&session.token).await.unwrap();
    services
        .create_api_key(&actor, "model")
        .await
        .unwrap()
        .secret
}

#[test]
fn the_api_agrees_with_the_reference_model_after_every_step() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let cases: u32 = std::env::var("CORRAL_MODEL_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    for engine in engines() {
        let started = Instant::now();
        let world = std::sync::Mutex::new(rt.block_on(World::setup(engine)));
        let steps = std::sync::atomic::AtomicUsize::new(0);
        // PostgreSQL repeats a quarter of the cases: the rules live in shared SQL.
        let n = if engine == Engine::Postgres {
            (cases / 4).max(4)
        } else {
            cases
        };
        let mut runner = TestRunner::new(Config {
            cases: n,
            failure_persistence: None,
            max_shrink_iters: 4096,
            ..Config::default()
        });
        let strategy = (
            proptest::collection::vec(role(), MEMBERS),
            any::<bool>(),
            proptest::collection::vec(op(), 1..80),
        );
        let result = runner.run(&strategy, |(roles, share_business, ops)| {
            let mut w = world.lock().unwrap();
            rt.block_on(async {
                let mut model = w.reset(&roles, share_business).await;
                w.compare(&model).await?;
                for op in &ops {
                    w.step(&mut model, op).await?;
                    w.compare(&model).await?;
                    steps.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Ok(())
            })
        });
        eprintln!(
            "{engine:?}: {n} cases, {} steps checked in {:.1} s",
            steps.load(std::sync::atomic::Ordering::Relaxed),
            started.elapsed().as_secs_f64()
        );
        if let Err(e) = result {
            panic!("{engine:?}: the API and the model disagree: {e}");
        }
        drop(world);
    }
}
