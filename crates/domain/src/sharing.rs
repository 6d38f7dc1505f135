//! Sharing contacts with the team (SPEC S5): segments, what may leave a personal address
//! book, the auto-share rules and their industry templates, and the three-way sync that
//! keeps a live team copy in step with its personal source without ever losing an edit.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::DomainError;

/// Business segments (shared automatically under the standard template).
pub const BUSINESS_SEGMENTS: [&str; 7] = [
    "customer",
    "prospect",
    "partner",
    "vendor",
    "investor",
    "competitor",
    "colleague",
];
/// Personal segments: never shared, whatever the rules.
pub const PERSONAL_SEGMENTS: [&str; 4] = ["family", "friend", "neighbor", "personal"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentKind {
    Business,
    Personal,
    /// No segment chosen: shared only by hand.
    Unset,
}

/// Classifies a segment name ("" is unset); unknown names are a field error.
pub fn segment_kind(segment: &str) -> Result<SegmentKind, DomainError> {
    let s = segment.trim().to_ascii_lowercase();
    if s.is_empty() {
        Ok(SegmentKind::Unset)
    } else if BUSINESS_SEGMENTS.contains(&s.as_str()) {
        Ok(SegmentKind::Business)
    } else if PERSONAL_SEGMENTS.contains(&s.as_str()) {
        Ok(SegmentKind::Personal)
    } else {
        Err(DomainError::field(
            "segment",
            format!(
                "'{segment}' is not a segment: use one of {} (business) or {} (personal).",
                BUSINESS_SEGMENTS.join(", "),
                PERSONAL_SEGMENTS.join(", ")
            ),
        ))
    }
}

/// Which contacts are shared without anyone asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareRules {
    /// Business-segment contacts are shared.
    pub business: bool,
    /// Contacts on a deal (an opportunity of the workspace) are shared.
    pub deal_contacts: bool,
    /// Assigned contacts are shared (assigning always shares; this also shares contacts that
    /// were assigned before sharing was turned off).
    pub assigned: bool,
}

/// Industry templates the settings start from.
pub const TEMPLATES: [&str; 2] = ["standard", "residential_real_estate"];

/// The rules of a template: "standard" shares all three kinds; in residential real estate a
/// brokerage shares nothing automatically.
pub fn template(name: &str) -> Result<ShareRules, DomainError> {
    match name {
        "standard" => Ok(ShareRules {
            business: true,
            deal_contacts: true,
            assigned: true,
        }),
        "residential_real_estate" => Ok(ShareRules {
            business: false,
            deal_contacts: false,
            assigned: false,
        }),
        other => Err(DomainError::field(
            "template",
            format!(
                "'{other}' is not a template: use {}.",
                TEMPLATES.join(" or ")
            ),
        )),
    }
}

/// What the rules look at about a personal contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub segment: SegmentKind,
    /// Linked to an opportunity of the workspace.
    pub on_a_deal: bool,
    /// Has a live team copy with an assignee.
    pub assigned: bool,
    /// Its owner unshared it: the rules leave it alone until they share it again by hand.
    pub unshared_by_owner: bool,
}

/// Whether the rules share the contact automatically (as a live team copy).
pub fn auto_shares(rules: &ShareRules, f: &Facts) -> bool {
    if f.segment == SegmentKind::Personal || f.unshared_by_owner {
        return false;
    }
    (rules.business && f.segment == SegmentKind::Business)
        || (rules.deal_contacts && f.on_a_deal)
        || (rules.assigned && f.assigned)
}

/// Refuses to share a personal-segment contact by hand.
pub fn may_share(segment: SegmentKind) -> Result<(), DomainError> {
    if segment == SegmentKind::Personal {
        Err(DomainError::Forbidden(
            "Contacts in a personal segment (family, friend…) are never shared with the team."
                .into(),
        ))
    } else {
        Ok(())
    }
}

/// The fields a team copy carries, in a stable order.
pub const SHARED_FIELDS: [&str; 7] = [
    "name",
    "title",
    "company",
    "segment",
    "emails",
    "phones",
    "addresses",
];

/// Fields as JSON values keyed by name.
pub type Fields = BTreeMap<String, Value>;

/// What may leave the address book: every shared field, with the entries of `emails`,
/// `phones` and `addresses` labelled personal removed (and the label itself dropped).
pub fn shareable(card: &Fields) -> Fields {
    SHARED_FIELDS
        .iter()
        .map(|f| {
            let v = card.get(*f).cloned().unwrap_or(Value::Null);
            let v = match v {
                Value::Array(items) => Value::Array(
                    items
                        .into_iter()
                        .filter(|i| i.get("personal").and_then(Value::as_bool) != Some(true))
                        .map(|mut i| {
                            if let Some(o) = i.as_object_mut() {
                                o.remove("personal");
                            }
                            i
                        })
                        .collect(),
                ),
                other => other,
            };
            (f.to_string(), v)
        })
        .collect()
}

/// A field both sides changed since the last sync.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub field: String,
    pub base: Value,
    pub source: Value,
    pub team: Value,
}

/// The result of syncing a live copy with its source.
#[derive(Debug, Clone, PartialEq)]
pub struct Synced {
    /// The team copy's fields after the sync.
    pub team: Fields,
    /// The new base: the source's value for every field that synced.
    pub base: Fields,
    pub conflicts: Vec<Conflict>,
}

/// Three-way sync of one live copy: a field only the source changed flows to the team copy;
/// one only the team changed stays; one both changed to different values is a conflict and
/// keeps the team's value (and the old base) until the owner resolves it.
pub fn sync(base: &Fields, source: &Fields, team: &Fields) -> Synced {
    let mut out_team = team.clone();
    let mut out_base = base.clone();
    let mut conflicts = Vec::new();
    for f in SHARED_FIELDS {
        let b = base.get(f).cloned().unwrap_or(Value::Null);
        let s = source.get(f).cloned().unwrap_or(Value::Null);
        let t = team.get(f).cloned().unwrap_or(Value::Null);
        if s == b {
            continue; // The source did not change this field.
        }
        if t == b || t == s {
            out_team.insert(f.to_string(), s.clone());
            out_base.insert(f.to_string(), s);
        } else {
            conflicts.push(Conflict {
                field: f.to_string(),
                base: b,
                source: s,
                team: t,
            });
        }
    }
    Synced {
        team: out_team,
        base: out_base,
        conflicts,
    }
}

/// How the owner resolves an out-of-sync copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The personal contact's values go to the team copy.
    Accept,
    /// The team copy keeps its values.
    Discard,
}

impl Resolution {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "accept" => Ok(Self::Accept),
            "discard" => Ok(Self::Discard),
            other => Err(DomainError::field(
                "resolution",
                format!("'{other}' is not a resolution: use accept or discard."),
            )),
        }
    }
}

/// Resolves every conflict: the team copy takes the source's or keeps its own value, and the
/// base becomes the source's value either way (so the same difference is not asked again).
pub fn resolve(
    team: &Fields,
    base: &Fields,
    conflicts: &[Conflict],
    r: Resolution,
) -> (Fields, Fields) {
    let mut team = team.clone();
    let mut base = base.clone();
    for c in conflicts {
        if r == Resolution::Accept {
            team.insert(c.field.clone(), c.source.clone());
        }
        base.insert(c.field.clone(), c.source.clone());
    }
    (team, base)
}

/// Who sees the assignee's activity timeline on a team contact.
pub const TIMELINE_VISIBILITY: [&str; 3] = ["private", "manager", "team"];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn fields(v: Value) -> Fields {
        v.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    #[test]
    fn segments_and_templates() {
        assert_eq!(segment_kind("Customer").unwrap(), SegmentKind::Business);
        assert_eq!(segment_kind("family").unwrap(), SegmentKind::Personal);
        assert_eq!(segment_kind("").unwrap(), SegmentKind::Unset);
        assert!(segment_kind("enemy").is_err());
        let re = template("residential_real_estate").unwrap();
        let biz = Facts {
            segment: SegmentKind::Business,
            on_a_deal: true,
            assigned: true,
            unshared_by_owner: false,
        };
        assert!(!auto_shares(&re, &biz));
        assert!(auto_shares(&template("standard").unwrap(), &biz));
        assert!(template("mining").is_err());
    }

    #[test]
    fn personal_entries_never_leave() {
        let card = fields(json!({
            "name": "Dana", "segment": "customer",
            "emails": [{"email": "dana@work.example", "type": "office"}, {"email": "dana@home.example", "personal": true}],
            "phones": [{"phone": "+15550100", "personal": true}]
        }));
        let s = shareable(&card);
        assert_eq!(
            s["emails"],
            json!([{"email": "dana@work.example", "type": "office"}])
        );
        assert_eq!(s["phones"], json!([]));
        assert!(!s.values().any(|v| v.to_string().contains("home.example")));
    }

    #[test]
    fn sync_flows_non_conflicting_changes_and_flags_conflicts() {
        let base = fields(json!({"name": "Dana", "title": "CTO", "company": "Acme"}));
        let source = fields(json!({"name": "Dana Scully", "title": "CEO", "company": "Acme"}));
        let team =
            fields(json!({"name": "Dana", "title": "Chief Executive", "company": "Acme Inc"}));
        let r = sync(&base, &source, &team);
        assert_eq!(r.team["name"], "Dana Scully");
        assert_eq!(r.team["company"], "Acme Inc", "the team's own edit stays");
        assert_eq!(
            r.team["title"], "Chief Executive",
            "a conflict keeps the team value"
        );
        assert_eq!(r.conflicts.len(), 1);
        assert_eq!(r.conflicts[0].field, "title");
        assert_eq!(r.base["title"], "CTO", "the base waits for the resolution");
        let (t, b) = resolve(&r.team, &r.base, &r.conflicts, Resolution::Accept);
        assert_eq!(t["title"], "CEO");
        assert_eq!(b["title"], "CEO");
        let (t, _) = resolve(&r.team, &r.base, &r.conflicts, Resolution::Discard);
        assert_eq!(t["title"], "Chief Executive");
    }

    fn segment() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::sample::select(BUSINESS_SEGMENTS.to_vec()).prop_map(str::to_string),
            proptest::sample::select(PERSONAL_SEGMENTS.to_vec()).prop_map(str::to_string),
            Just(String::new()),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![Just(Value::Null), "[a-c]{0,2}".prop_map(Value::from)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        /// Personal-segment contacts are never shared, whatever the rules and facts.
        #[test]
        fn personal_segment_contacts_are_never_shared(
            seg in segment(), business in any::<bool>(), deal in any::<bool>(), assigned_rule in any::<bool>(),
            on_a_deal in any::<bool>(), assigned in any::<bool>(), unshared in any::<bool>(),
        ) {
            let kind = segment_kind(&seg).unwrap();
            let rules = ShareRules { business, deal_contacts: deal, assigned: assigned_rule };
            let f = Facts { segment: kind, on_a_deal, assigned, unshared_by_owner: unshared };
            if kind == SegmentKind::Personal {
                prop_assert!(!auto_shares(&rules, &f));
                prop_assert!(may_share(kind).is_err());
            } else {
                prop_assert!(may_share(kind).is_ok());
            }
            if unshared {
                prop_assert!(!auto_shares(&rules, &f));
            }
        }

        /// Sync never loses an edit: each field ends as the team's value, or as the source's
        /// where the team had not changed it, and every overwritten team edit is a conflict.
        #[test]
        fn sync_never_loses_an_edit(
            b in proptest::collection::vec(value(), 7),
            s in proptest::collection::vec(value(), 7),
            t in proptest::collection::vec(value(), 7),
        ) {
            let mk = |vals: &[Value]| -> Fields { SHARED_FIELDS.iter().zip(vals).map(|(f, v)| (f.to_string(), v.clone())).collect() };
            let (base, source, team) = (mk(&b), mk(&s), mk(&t));
            let r = sync(&base, &source, &team);
            for (i, f) in SHARED_FIELDS.iter().enumerate() {
                let out = &r.team[*f];
                let conflicted = r.conflicts.iter().any(|c| c.field == *f);
                if conflicted {
                    prop_assert_eq!(out, &t[i]);
                    prop_assert!(t[i] != b[i] && s[i] != b[i] && t[i] != s[i]);
                } else if s[i] != b[i] {
                    prop_assert_eq!(out, &s[i]);
                    prop_assert!(t[i] == b[i] || t[i] == s[i], "a team edit was overwritten");
                } else {
                    prop_assert_eq!(out, &t[i]);
                }
            }
        }
    }
}
