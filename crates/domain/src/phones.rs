//! Phone numbers and call forwarding (SPEC S6, seeds 000 and 002): who rings for a call to a
//! number now, honouring deactivation, availability and each member's forwarding.

use std::collections::HashMap;

use crate::error::DomainError;

/// When a member's calls are forwarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Every call.
    Always,
    /// When they are offline, and when they are deactivated or removed.
    Unavailable,
    /// Only once they are deactivated or removed.
    Deactivated,
}

impl When {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "always" => Ok(Self::Always),
            "unavailable" => Ok(Self::Unavailable),
            "deactivated" => Ok(Self::Deactivated),
            other => Err(DomainError::field(
                "when",
                format!("'{other}' is not a choice: use always, unavailable or deactivated."),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::Unavailable => "unavailable",
            Self::Deactivated => "deactivated",
        }
    }
}

/// Where forwarded calls go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Member(String),
    /// An external number (E.164).
    External(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forwarding {
    pub when: When,
    pub target: Target,
}

/// What routing needs to know about a member now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    /// Holds an active membership.
    pub active: bool,
    /// Online right now.
    pub available: bool,
    pub forwarding: Option<Forwarding>,
}

/// Who a number belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Member(String),
    /// A group number rings the group's members.
    Group(Vec<String>),
    Nobody,
}

/// The answer to "who rings for a call to this number now".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routing {
    /// Members whose phones ring.
    pub ring: Vec<String>,
    /// An external number the call is forwarded to.
    pub forward_to: Option<String>,
    /// Nobody can take the call: it goes to voicemail.
    pub voicemail: bool,
    /// Why, step by step, in words.
    pub reasons: Vec<String>,
}

/// How many forwarding hops a call follows before going to voicemail.
pub const MAX_HOPS: usize = 5;

/// Routes a call to a number owned by `owner`.
pub fn route(owner: &Owner, people: &HashMap<String, Person>) -> Routing {
    let mut r = Routing::default();
    match owner {
        Owner::Nobody => {
            r.voicemail = true;
            r.reasons
                .push("The number is not assigned to anyone.".into());
        }
        Owner::Group(members) => {
            for m in members {
                match people.get(m) {
                    Some(p) if p.active && p.available => r.ring.push(m.clone()),
                    Some(p) if p.active => r.reasons.push(format!("{} is offline.", p.name)),
                    Some(p) => r.reasons.push(format!("{} is no longer active.", p.name)),
                    None => {}
                }
            }
            if r.ring.is_empty() {
                r.voicemail = true;
                r.reasons
                    .push("Nobody in the group can take the call.".into());
            }
        }
        Owner::Member(m) => member(m, people, &mut r, &mut Vec::new()),
    }
    r
}

fn member(id: &str, people: &HashMap<String, Person>, r: &mut Routing, seen: &mut Vec<String>) {
    let unknown = Person {
        name: id.to_string(),
        active: false,
        available: false,
        forwarding: None,
    };
    let p = people.get(id).unwrap_or(&unknown);
    if seen.iter().any(|s| s == id) || seen.len() >= MAX_HOPS {
        r.voicemail = true;
        r.reasons
            .push("Forwarding goes round in a circle; the call goes to voicemail.".into());
        return;
    }
    seen.push(id.to_string());
    let forwards = p.forwarding.as_ref().filter(|f| match f.when {
        When::Always => true,
        When::Unavailable => !p.active || !p.available,
        When::Deactivated => !p.active,
    });
    if let Some(f) = forwards {
        let why = match f.when {
            When::Always => "always",
            When::Unavailable if !p.active => "while deactivated",
            When::Unavailable => "while offline",
            When::Deactivated => "while deactivated",
        };
        match &f.target {
            Target::External(n) => {
                r.forward_to = Some(n.clone());
                r.reasons
                    .push(format!("{} forwards calls to {n} ({why}).", p.name));
            }
            Target::Member(next) => {
                let next_name = people
                    .get(next)
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| next.clone());
                r.reasons
                    .push(format!("{} forwards calls to {next_name} ({why}).", p.name));
                member(next, people, r, seen);
            }
        }
        return;
    }
    if p.active && p.available {
        r.ring.push(id.to_string());
        r.reasons.push(format!("{} is online.", p.name));
    } else {
        r.voicemail = true;
        r.reasons.push(if p.active {
            format!("{} is offline and forwards nowhere.", p.name)
        } else {
            format!("{} is no longer active and forwards nowhere.", p.name)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str, active: bool, available: bool, f: Option<Forwarding>) -> Person {
        Person {
            name: name.into(),
            active,
            available,
            forwarding: f,
        }
    }

    #[test]
    fn routing_honours_status_availability_and_forwarding() {
        let mut people = HashMap::new();
        people.insert("a".to_string(), person("Ann", true, true, None));
        people.insert("b".to_string(), person("Ben", true, false, None));
        people.insert(
            "c".to_string(),
            person(
                "Cy",
                false,
                false,
                Some(Forwarding {
                    when: When::Deactivated,
                    target: Target::Member("a".into()),
                }),
            ),
        );
        people.insert(
            "d".to_string(),
            person(
                "Di",
                true,
                false,
                Some(Forwarding {
                    when: When::Unavailable,
                    target: Target::External("+15550100".into()),
                }),
            ),
        );
        people.insert(
            "e".to_string(),
            person(
                "Ed",
                true,
                true,
                Some(Forwarding {
                    when: When::Deactivated,
                    target: Target::Member("a".into()),
                }),
            ),
        );
        let to = |o: Owner| route(&o, &people);
        assert_eq!(to(Owner::Member("a".into())).ring, vec!["a"]);
        assert!(to(Owner::Member("b".into())).voicemail);
        assert_eq!(
            to(Owner::Member("c".into())).ring,
            vec!["a"],
            "a deactivated member's calls follow forwarding"
        );
        assert_eq!(
            to(Owner::Member("d".into())).forward_to.as_deref(),
            Some("+15550100")
        );
        assert_eq!(
            to(Owner::Member("e".into())).ring,
            vec!["e"],
            "forwarding on deactivation waits"
        );
        let g = to(Owner::Group(vec!["a".into(), "b".into(), "c".into()]));
        assert_eq!(g.ring, vec!["a"]);
        assert!(to(Owner::Group(vec!["b".into()])).voicemail);
        assert!(to(Owner::Nobody).voicemail);
    }

    #[test]
    fn forwarding_loops_end_in_voicemail() {
        let mut people = HashMap::new();
        let fwd = |t: &str| {
            Some(Forwarding {
                when: When::Always,
                target: Target::Member(t.into()),
            })
        };
        people.insert("a".to_string(), person("Ann", true, true, fwd("b")));
        people.insert("b".to_string(), person("Ben", true, true, fwd("a")));
        let r = route(&Owner::Member("a".into()), &people);
        assert!(r.voicemail && r.ring.is_empty(), "{r:?}");
    }
}
