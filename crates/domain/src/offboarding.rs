//! Offboarding planning (SPEC S6): given what a leaving member holds and what the admin chose
//! for each kind of record, the exact list of moves. Pure: the services apply the moves in one
//! transaction and keep them as the manifest that undo reads.

use crate::error::DomainError;

/// What happens to one kind of record the leaver holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Stays with the leaver.
    Leave,
    /// Nobody holds it any more.
    Unassign,
    /// One member takes all of it.
    Reassign(String),
    /// Spread over several members in turn.
    RoundRobin(Vec<String>),
}

/// The kinds of record offboarding moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordKind {
    /// A lead's user-type field (by id).
    LeadField(String),
    Opportunity,
    Task,
    /// A team contact the member is responsible for.
    Contact,
    /// A personal phone number.
    PhoneNumber,
}

/// One record changing hands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub kind: RecordKind,
    pub record_id: String,
    pub from: String,
    pub to: Option<String>,
}

/// Checks a disposition: targets are never the leaver, never repeated, and present.
pub fn check(d: &Disposition, leaver: &str, field: &str) -> Result<(), DomainError> {
    let targets: Vec<&String> = match d {
        Disposition::Leave | Disposition::Unassign => return Ok(()),
        Disposition::Reassign(u) => vec![u],
        Disposition::RoundRobin(us) => us.iter().collect(),
    };
    if targets.is_empty() {
        return Err(DomainError::field(
            field,
            "Round robin needs at least one member.",
        ));
    }
    for (i, t) in targets.iter().enumerate() {
        if t.as_str() == leaver {
            return Err(DomainError::field(
                field,
                "Records cannot be handed to the member who is leaving.",
            ));
        }
        if targets[..i].contains(t) {
            return Err(DomainError::field(field, format!("'{t}' is listed twice.")));
        }
    }
    Ok(())
}

/// The moves for `records` of one kind under `d`. Round robin deals records out in order, so
/// counts differ by at most one between members.
pub fn moves(kind: &RecordKind, records: &[String], leaver: &str, d: &Disposition) -> Vec<Move> {
    records
        .iter()
        .enumerate()
        .filter_map(|(i, id)| {
            let to = match d {
                Disposition::Leave => return None,
                Disposition::Unassign => None,
                Disposition::Reassign(u) => Some(u.clone()),
                Disposition::RoundRobin(us) => Some(us[i % us.len()].clone()),
            };
            Some(Move {
                kind: kind.clone(),
                record_id: id.clone(),
                from: leaver.to_string(),
                to,
            })
        })
        .collect()
}

/// Whether undo may put a record back: only when nobody changed it since (its holder is still
/// the one offboarding gave it to).
pub fn may_undo(m: &Move, current_holder: Option<&str>) -> Result<(), String> {
    if current_holder == m.to.as_deref() {
        Ok(())
    } else {
        Err(format!(
            "changed since: now held by {}",
            current_holder.unwrap_or("nobody")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dispositions() {
        let ids: Vec<String> = (0..5).map(|i| format!("lead_{i}")).collect();
        assert!(moves(&RecordKind::Opportunity, &ids, "u0", &Disposition::Leave).is_empty());
        let m = moves(&RecordKind::Opportunity, &ids, "u0", &Disposition::Unassign);
        assert!(m.iter().all(|x| x.to.is_none() && x.from == "u0"));
        assert!(check(&Disposition::Reassign("u0".into()), "u0", "leads").is_err());
        assert!(check(&Disposition::RoundRobin(vec![]), "u0", "leads").is_err());
        assert!(
            check(
                &Disposition::RoundRobin(vec!["a".into(), "a".into()]),
                "u0",
                "leads"
            )
            .is_err()
        );
        assert!(may_undo(&m[0], None).is_ok());
        assert!(may_undo(&m[0], Some("x")).is_err());
    }

    proptest! {
        /// Round robin is fair (counts differ by at most one) and every record moves once.
        #[test]
        fn round_robin_is_fair(n in 0usize..300, k in 1usize..12) {
            let ids: Vec<String> = (0..n).map(|i| format!("r{i}")).collect();
            let pool: Vec<String> = (0..k).map(|i| format!("u{i}")).collect();
            let m = moves(&RecordKind::Task, &ids, "leaver", &Disposition::RoundRobin(pool.clone()));
            prop_assert_eq!(m.len(), n);
            let counts: Vec<usize> = pool.iter().map(|u| m.iter().filter(|x| x.to.as_deref() == Some(u)).count()).collect();
            let (lo, hi) = (counts.iter().min().copied().unwrap_or(0), counts.iter().max().copied().unwrap_or(0));
            prop_assert!(hi - lo <= 1);
            let mut seen: Vec<&String> = m.iter().map(|x| &x.record_id).collect();
            seen.sort();
            seen.dedup();
            prop_assert_eq!(seen.len(), n);
        }
    }
}
