//! Round-robin distribution (SPEC S6, seed 002): which pool member gets each lead.
//! `round_robin` rotates fairly and continues where the last batch stopped; `least_loaded`
//! fills whoever holds the fewest; `random` picks uniformly. Only members given in the pool
//! are ever chosen: the services build it from active members only.

use crate::error::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    RoundRobin,
    Random,
    LeastLoaded,
}

impl Strategy {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "round_robin" => Ok(Self::RoundRobin),
            "random" => Ok(Self::Random),
            "least_loaded" => Ok(Self::LeastLoaded),
            other => Err(DomainError::field(
                "strategy",
                format!("'{other}' is not a strategy: use round_robin, random or least_loaded."),
            )),
        }
    }
}

/// Deals `n` items over `pool` (sorted for a stable rotation). `position` is where the last
/// round stopped; `loads` is what each member holds now (for least_loaded); `random` supplies
/// random numbers. Returns one pool index per item and the next position.
pub fn distribute(
    n: usize,
    pool: &[String],
    strategy: Strategy,
    position: usize,
    loads: &[u64],
    random: &mut dyn FnMut() -> u64,
) -> Result<(Vec<usize>, usize), DomainError> {
    if pool.is_empty() {
        return Err(DomainError::Conflict(
            "The round-robin pool is empty: turn on round robin for some active members first."
                .into(),
        ));
    }
    let k = pool.len();
    let mut out = Vec::with_capacity(n);
    match strategy {
        Strategy::RoundRobin => {
            let start = position % k;
            for i in 0..n {
                out.push((start + i) % k);
            }
            Ok((out, (start + n) % k))
        }
        Strategy::Random => {
            for _ in 0..n {
                out.push((random() % k as u64) as usize);
            }
            Ok((out, position))
        }
        Strategy::LeastLoaded => {
            let mut load: Vec<u64> = (0..k).map(|i| loads.get(i).copied().unwrap_or(0)).collect();
            for _ in 0..n {
                let (i, _) = load
                    .iter()
                    .enumerate()
                    .min_by_key(|(i, l)| (**l, *i))
                    .unwrap_or((0, &0));
                out.push(i);
                load[i] += 1;
            }
            Ok((out, position))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Strategy, distribute};
    use proptest::prelude::{prop, prop_assert, prop_assert_eq, proptest};

    fn pool(k: usize) -> Vec<String> {
        (0..k).map(|i| format!("u{i}")).collect()
    }

    proptest! {
        /// Rotation is fair across any split into batches: counts differ by at most one.
        #[test]
        fn rotation_is_fair_across_batches(batches in prop::collection::vec(0usize..40, 1..8), k in 1usize..10) {
            let p = pool(k);
            let mut pos = 0;
            let mut counts = vec![0usize; k];
            for n in batches {
                let (idx, next) = distribute(n, &p, Strategy::RoundRobin, pos, &[], &mut || 0).unwrap();
                for i in idx { counts[i] += 1; }
                pos = next;
            }
            prop_assert!(counts.iter().max().unwrap() - counts.iter().min().unwrap() <= 1);
        }

        /// Least loaded evens out: the spread between the most and least loaded member never
        /// grows beyond what it was (or one, when it was zero).
        #[test]
        fn least_loaded_levels(loads in prop::collection::vec(0u64..20, 1..8), n in 0usize..60) {
            let p = pool(loads.len());
            let (idx, _) = distribute(n, &p, Strategy::LeastLoaded, 0, &loads, &mut || 0).unwrap();
            prop_assert_eq!(idx.len(), n);
            let mut after = loads.clone();
            for i in idx { after[i] += 1; }
            let spread = |v: &[u64]| v.iter().max().unwrap() - v.iter().min().unwrap();
            prop_assert!(spread(&after) <= spread(&loads).max(1));
        }
    }

    #[test]
    fn empty_pool_is_refused() {
        assert!(distribute(3, &[], Strategy::RoundRobin, 0, &[], &mut || 0).is_err());
    }
}
