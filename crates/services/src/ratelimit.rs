//! API rate limits (Close's model, `close-api.md` §1.7): a fixed window per endpoint group,
//! counted per API key (or signed-in user) and per workspace, the workspace's limit three
//! times the key's.
//!
//! One SQLite node counts in memory. Several nodes on PostgreSQL share the count: each node
//! leases quota from `rate_limit_counters` in small chunks with one atomic upsert and spends
//! it locally, so a request costs a database round trip only once per chunk and the nodes
//! together never grant more than the limit.

use std::collections::HashMap;
use std::sync::Mutex;

use corral_domain::Actor;
use corral_store::Engine;
use corral_store::queries::cluster;

use crate::{Result, ServiceError, Services};

/// How many requests an API key may make per endpoint group in one window; the workspace
/// may make three times as many over all its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub per_key: i64,
    pub window_secs: i64,
}

impl RateLimits {
    /// Parses `N` (requests per second, counted over 10-second windows), `N/S` (N requests
    /// per S seconds) or `off`/`0` (no limit).
    pub fn parse(s: &str) -> std::result::Result<Option<Self>, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("off") || s == "0" {
            return Ok(None);
        }
        let bad = || format!("rate limit '{s}': write N (per second), N/SECONDS or off");
        let (n, secs) = match s.split_once('/') {
            Some((n, secs)) => (
                n.trim().parse::<i64>().map_err(|_| bad())?,
                secs.trim().parse::<i64>().map_err(|_| bad())?,
            ),
            None => (s.parse::<i64>().map_err(|_| bad())? * 10, 10),
        };
        if n <= 0 || !(1..=3600).contains(&secs) {
            return Err(bad());
        }
        Ok(Some(Self {
            per_key: n,
            window_secs: secs,
        }))
    }
}

/// Where one scope stands after a request was let through: the figures of the
/// `RateLimit` response header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateStatus {
    pub limit: i64,
    pub remaining: i64,
    pub reset_secs: i64,
}

/// This node's share of each scope's quota in the current window.
#[derive(Default)]
pub struct RateLedger {
    scopes: Mutex<HashMap<String, Held>>,
}

struct Held {
    window_start: i64,
    /// Quota leased and not spent yet.
    left: i64,
    /// What every node together had taken at the last lease.
    used_everywhere: i64,
}

impl RateLedger {
    /// Spends one request of what this node holds; None when it holds nothing.
    fn spend(&self, scope: &str, window_start: i64, limit: i64) -> Option<i64> {
        let mut map = self.scopes.lock().ok()?;
        let held = map.get_mut(scope)?;
        if held.window_start != window_start || held.left == 0 {
            return None;
        }
        held.left -= 1;
        Some(limit - held.used_everywhere + held.left)
    }

    /// Leases the whole of a window's quota the first time the window is seen, then spends
    /// one request as [`RateLedger::spend`] does.
    fn open_window(&self, scope: &str, window_start: i64, limit: i64) -> Option<i64> {
        let mut map = self.scopes.lock().ok()?;
        prune(&mut map, window_start);
        let held = map.entry(scope.to_string()).or_insert(Held {
            window_start: window_start - 1,
            left: 0,
            used_everywhere: 0,
        });
        if held.window_start != window_start {
            *held = Held {
                window_start,
                left: limit,
                used_everywhere: limit,
            };
        }
        if held.left == 0 {
            return None;
        }
        held.left -= 1;
        Some(held.left)
    }

    /// Adds a fresh lease and spends one request of it when it holds any.
    fn add(
        &self,
        scope: &str,
        window_start: i64,
        granted: i64,
        used: i64,
        limit: i64,
    ) -> Option<i64> {
        let mut map = self.scopes.lock().ok()?;
        prune(&mut map, window_start);
        let held = map.entry(scope.to_string()).or_insert(Held {
            window_start,
            left: 0,
            used_everywhere: 0,
        });
        if held.window_start != window_start {
            *held = Held {
                window_start,
                left: 0,
                used_everywhere: 0,
            };
        }
        held.left += granted;
        held.used_everywhere = held.used_everywhere.max(used);
        if held.left == 0 {
            return None;
        }
        held.left -= 1;
        Some(limit - held.used_everywhere + held.left)
    }
}

/// Keeps the ledger small: past windows go once it holds many scopes.
fn prune(map: &mut HashMap<String, Held>, window_start: i64) {
    if map.len() > 10_000 {
        map.retain(|_, h| h.window_start >= window_start);
    }
}

/// The endpoint group of an API path: the method's kind (read or write) and the resource,
/// with ids left out, so `GET /lead/` and `GET /lead/lead_…/` share a group and `PUT /lead/…`
/// is another.
pub fn endpoint_group(method: &str, path: &str) -> String {
    let kind = if matches!(method, "GET" | "HEAD" | "OPTIONS") {
        "read"
    } else {
        "write"
    };
    let rest = path
        .trim_start_matches("/api/v1/")
        .trim_start_matches("/api/v1");
    let mut parts = rest.split('/').filter(|s| !s.is_empty());
    let first = parts.next().unwrap_or("");
    let resource = match parts.next() {
        Some(second) if !looks_like_id(second) => format!("{first}/{second}"),
        _ => first.to_string(),
    };
    format!("{kind} {}", resource.chars().take(60).collect::<String>())
}

fn looks_like_id(segment: &str) -> bool {
    matches!(segment.split_once('_'), Some((prefix, rest)) if prefix.len() == 4 && rest.len() >= 16)
}

impl Services {
    /// Counts one API request by `actor` through `credential` (an API key's hash, or the
    /// user for a browser session) in `group`. Refuses with 429 and the seconds until the
    /// window resets once the key's or the workspace's limit is spent; None when no limit
    /// is configured.
    pub async fn check_rate_limit(
        &self,
        actor: &Actor,
        credential: &str,
        group: &str,
    ) -> Result<Option<RateStatus>> {
        let Some(limits) = self.config().rate_limit else {
            return Ok(None);
        };
        let now_ms = chrono::Utc::now().timestamp_millis();
        let window_ms = limits.window_secs * 1000;
        let window_start = now_ms.div_euclid(window_ms) * limits.window_secs;
        let reset_secs = ((window_start + limits.window_secs) * 1000 - now_ms + 999) / 1000;
        let key_limit = limits.per_key;
        let key_scope = format!("key:{credential}:{group}");
        let org_scope = format!("workspace:{group}");
        let window = (window_start, window_start + limits.window_secs);
        let refuse = |who: &str, limit: i64| ServiceError::TooManyRequests {
            message: format!(
                "API rate limit reached for {who} on \"{group}\": {limit} requests per {} seconds. Retry in {reset_secs} second(s).",
                limits.window_secs
            ),
            retry_after_secs: reset_secs.max(1),
        };
        let Some(remaining) = self
            .take_quota(actor, &key_scope, window, key_limit)
            .await?
        else {
            return Err(refuse("this API key", key_limit));
        };
        if self
            .take_quota(actor, &org_scope, window, key_limit * 3)
            .await?
            .is_none()
        {
            return Err(refuse("this workspace", key_limit * 3));
        }
        Ok(Some(RateStatus {
            limit: key_limit,
            remaining: remaining.max(0),
            reset_secs,
        }))
    }

    /// One request of `scope`'s quota: from what this node holds, else leased from the
    /// database. Returns the requests left for the scope, or None when it is spent.
    async fn take_quota(
        &self,
        actor: &Actor,
        scope: &str,
        window: (i64, i64),
        limit: i64,
    ) -> Result<Option<i64>> {
        let ledger = self.rate_ledger();
        let local_key = format!("{}:{scope}", actor.workspace_id);
        if let Some(left) = ledger.spend(&local_key, window.0, limit) {
            return Ok(Some(left));
        }
        let (granted, used) = match self.db().engine() {
            // One node: the whole window's quota is leased at once, under the ledger's lock,
            // so counting stays exact.
            Engine::Sqlite => return Ok(ledger.open_window(&local_key, window.0, limit)),
            Engine::Postgres => {
                let chunk = (limit / 20).clamp(1, 50);
                let mut tx = self.db().write().await?;
                let got = cluster::lease_rate_quota(
                    &mut tx,
                    &actor.workspace_id,
                    scope,
                    window,
                    chunk,
                    limit,
                )
                .await?;
                tx.commit().await?;
                got
            }
        };
        Ok(ledger.add(&local_key, window.0, granted, used, limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_leave_ids_out_and_split_reads_from_writes() {
        assert_eq!(endpoint_group("GET", "/api/v1/lead/"), "read lead");
        assert_eq!(
            endpoint_group("GET", "/api/v1/lead/lead_abcdefghijklmnopqrstu/"),
            "read lead"
        );
        assert_eq!(
            endpoint_group("PUT", "/api/v1/lead/lead_abcdefghijklmnopqrstu"),
            "write lead"
        );
        assert_eq!(
            endpoint_group("POST", "/api/v1/data/search/"),
            "write data/search"
        );
        assert_eq!(
            endpoint_group("POST", "/api/v1/bulk_action/edit/"),
            "write bulk_action/edit"
        );
    }

    #[test]
    fn limits_parse_or_explain() {
        assert_eq!(
            RateLimits::parse("20").unwrap(),
            Some(RateLimits {
                per_key: 200,
                window_secs: 10
            })
        );
        assert_eq!(
            RateLimits::parse("5/2").unwrap(),
            Some(RateLimits {
                per_key: 5,
                window_secs: 2
            })
        );
        assert_eq!(RateLimits::parse("off").unwrap(), None);
        assert!(RateLimits::parse("-1").is_err());
        assert!(RateLimits::parse("5/0").is_err());
        assert!(RateLimits::parse("lots").is_err());
    }

    #[test]
    fn a_single_node_ledger_counts_exactly() {
        let l = RateLedger::default();
        assert_eq!(l.spend("s", 0, 3), None);
        assert_eq!(l.add("s", 0, 3, 3, 3), Some(2));
        assert_eq!(l.spend("s", 0, 3), Some(1));
        assert_eq!(l.spend("s", 0, 3), Some(0));
        assert_eq!(l.spend("s", 0, 3), None);
        assert_eq!(l.add("s", 0, 0, 3, 3), None);
        assert_eq!(l.open_window("t", 0, 2), Some(1));
        assert_eq!(l.open_window("t", 0, 2), Some(0));
        assert_eq!(l.open_window("t", 0, 2), None);
        // A new window starts from nothing.
        assert_eq!(l.spend("t", 10, 2), None);
        assert_eq!(l.open_window("t", 10, 2), Some(1));
    }
}
