//! Offboarding planning (SPEC S6): given what a leaving member holds and what the admin chose
//! for each kind of record, the exact hand-overs (records grouped by who receives them). Pure:
//! the services apply them in one transaction and keep them as the manifest that undo reads.

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

/// Records of one kind going from the leaver to one receiver (None: nobody): one entry of the
/// manifest, applied as one set of statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    pub kind: RecordKind,
    pub from: String,
    pub to: Option<String>,
    pub record_ids: Vec<String>,
}

impl Handover {
    /// Each record of the hand-over as a move, for undo's per-record check.
    pub fn moves(&self) -> impl Iterator<Item = Move> + '_ {
        self.record_ids.iter().map(|id| Move {
            kind: self.kind.clone(),
            record_id: id.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        })
    }
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

/// Who receives how many of `n` records under `d` (None: nobody), without listing them: what
/// the dry run shows. Agrees with [`handovers`] for any `n` records.
pub fn receivers(n: usize, d: &Disposition) -> Vec<(Option<String>, usize)> {
    match d {
        Disposition::Leave => vec![],
        Disposition::Unassign => vec![(None, n)],
        Disposition::Reassign(u) => vec![(Some(u.clone()), n)],
        Disposition::RoundRobin(us) => us
            .iter()
            .enumerate()
            .map(|(j, u)| {
                (
                    Some(u.clone()),
                    n / us.len() + usize::from(j < n % us.len()),
                )
            })
            .collect(),
    }
    .into_iter()
    .filter(|(_, k)| *k > 0)
    .collect()
}

/// The hand-overs for `records` of one kind under `d`: one per receiver. Round robin deals the
/// records out in order (record i goes to member i mod k), so counts differ by at most one.
pub fn handovers(
    kind: &RecordKind,
    records: Vec<String>,
    leaver: &str,
    d: &Disposition,
) -> Vec<Handover> {
    let one = |to: Option<String>, record_ids: Vec<String>| Handover {
        kind: kind.clone(),
        from: leaver.to_string(),
        to,
        record_ids,
    };
    let out = match d {
        Disposition::Leave => vec![],
        Disposition::Unassign => vec![one(None, records)],
        Disposition::Reassign(u) => vec![one(Some(u.clone()), records)],
        Disposition::RoundRobin(us) => {
            let mut dealt: Vec<Vec<String>> = vec![Vec::new(); us.len()];
            for (i, id) in records.into_iter().enumerate() {
                dealt[i % us.len()].push(id);
            }
            us.iter()
                .zip(dealt)
                .map(|(u, ids)| one(Some(u.clone()), ids))
                .collect()
        }
    };
    out.into_iter()
        .filter(|h| !h.record_ids.is_empty())
        .collect()
}

/// Who holds a lead's user field now, for undo's check of a hand-over from `from` to `to`
/// (None: nobody), given the members the field holds (`held`): the receiver if still there,
/// else any member in it, else nobody. A field of several members that lost the leaver to
/// nobody counts as untouched unless the leaver is back: the others in it may have been there
/// all along.
pub fn field_holder(
    held: Vec<String>,
    from: &str,
    to: Option<&str>,
    several: bool,
) -> Option<String> {
    match to {
        Some(t) if held.iter().any(|v| v == t) => Some(t.to_string()),
        None if several => held.into_iter().find(|v| v == from),
        _ => held.into_iter().next(),
    }
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
    fn undo_reads_a_fields_holder_as_the_hand_over_left_it() {
        let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        // Handed to the heir: the heir while there (beside others), else whoever is.
        assert_eq!(
            field_holder(v(&["o", "h"]), "l", Some("h"), true),
            Some("h".into())
        );
        assert_eq!(
            field_holder(v(&["o"]), "l", Some("h"), true),
            Some("o".into())
        );
        assert_eq!(field_holder(v(&[]), "l", Some("h"), false), None);
        // Unassigned from a field of one member: anyone in it now changed it.
        assert_eq!(field_holder(v(&["o"]), "l", None, false), Some("o".into()));
        // Unassigned from a field of several: a co-member does not count, the leaver does.
        assert_eq!(field_holder(v(&["o"]), "l", None, true), None);
        assert_eq!(
            field_holder(v(&["o", "l"]), "l", None, true),
            Some("l".into())
        );
    }

    #[test]
    fn dispositions() {
        let ids: Vec<String> = (0..5).map(|i| format!("lead_{i}")).collect();
        let kind = RecordKind::Opportunity;
        assert!(handovers(&kind, ids.clone(), "u0", &Disposition::Leave).is_empty());
        assert!(receivers(5, &Disposition::Leave).is_empty());
        let h = handovers(&kind, ids.clone(), "u0", &Disposition::Unassign);
        assert_eq!(h.len(), 1);
        let m: Vec<Move> = h[0].moves().collect();
        assert!(m.iter().all(|x| x.to.is_none() && x.from == "u0"));
        assert_eq!(m.len(), 5);
        assert_eq!(receivers(5, &Disposition::Unassign), vec![(None, 5)]);
        assert!(handovers(&kind, vec![], "u0", &Disposition::Unassign).is_empty());
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
        /// Round robin is fair (counts differ by at most one), every record moves once, and
        /// the dry run's counts are the hand-overs' sizes.
        #[test]
        fn round_robin_is_fair(n in 0usize..300, k in 1usize..12) {
            let ids: Vec<String> = (0..n).map(|i| format!("r{i}")).collect();
            let pool: Vec<String> = (0..k).map(|i| format!("u{i}")).collect();
            let d = Disposition::RoundRobin(pool.clone());
            let h = handovers(&RecordKind::Task, ids, "leaver", &d);
            let m: Vec<Move> = h.iter().flat_map(Handover::moves).collect();
            prop_assert_eq!(m.len(), n);
            let sizes: Vec<(Option<String>, usize)> = h.iter().map(|x| (x.to.clone(), x.record_ids.len())).collect();
            prop_assert_eq!(sizes, receivers(n, &d));
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
