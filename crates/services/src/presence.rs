//! Presence (SPEC S9): a member is online while one of their UI pages holds a live
//! connection. This node's connections are counted here and changes are broadcast to every
//! open page of the same workspace.
//!
//! With several nodes on one PostgreSQL (SPEC S10), each node also writes its members to
//! `presence_sessions`, tells the others with `NOTIFY`, and keeps a copy of what the other
//! live nodes hold: a member is online when any live node has a page of theirs. A node that
//! dies stops its heartbeat, and the others drop what it held.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use corral_store::queries::cluster;
use serde_json::json;
use tokio::sync::{broadcast, mpsc};

use crate::Services;

/// The channel nodes tell each other about presence on.
const CHANNEL: &str = "corral_presence";
/// How often a node writes its heartbeat and re-reads the other nodes' presence.
const HEARTBEAT: Duration = Duration::from_secs(2);
/// A node silent for this long is taken for dead: its members no longer count as online.
const DEAD_AFTER_SECS: i64 = 10;

/// A member came online or went offline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceChange {
    pub workspace_id: String,
    pub user_id: String,
    pub online: bool,
}

type Key = (String, String);

#[derive(Default)]
struct State {
    /// Live pages on this node per (workspace, user).
    local: HashMap<Key, usize>,
    /// Other live nodes with a page of (workspace, user).
    remote: HashMap<Key, HashSet<String>>,
}

impl State {
    fn is_online(&self, key: &Key) -> bool {
        self.local.contains_key(key) || self.remote.get(key).is_some_and(|n| !n.is_empty())
    }
}

/// Live connection counts per (workspace, user), and the channel changes go out on.
#[derive(Clone)]
pub struct Presence {
    node_id: Arc<str>,
    state: Arc<Mutex<State>>,
    changes: broadcast::Sender<PresenceChange>,
    /// This node's own changes, for the cluster task to write and announce (PostgreSQL).
    publish: Arc<OnceLock<mpsc::UnboundedSender<PresenceChange>>>,
}

impl Default for Presence {
    fn default() -> Self {
        let (changes, _) = broadcast::channel(1024);
        Self {
            node_id: corral_domain::ids::Kind::Request
                .new_id()
                .replacen("req_", "node_", 1)
                .into(),
            state: Arc::default(),
            changes,
            publish: Arc::default(),
        }
    }
}

/// Held for as long as a page's connection lives; dropping it may take the member offline.
pub struct Connection {
    presence: Presence,
    key: Key,
}

impl Drop for Connection {
    fn drop(&mut self) {
        let (went_offline, still_online) = {
            let Ok(mut st) = self.presence.state.lock() else {
                return;
            };
            let went = match st.local.get_mut(&self.key) {
                Some(n) if *n > 1 => {
                    *n -= 1;
                    false
                }
                Some(_) => {
                    st.local.remove(&self.key);
                    true
                }
                None => false,
            };
            (went, st.is_online(&self.key))
        };
        if went_offline {
            self.presence.local_change(&self.key, false, !still_online);
        }
    }
}

impl Presence {
    /// This node's id in the cluster (new at every start).
    pub fn node_id(&self) -> &str {
        &self.node_id
    }

    /// Registers a live page of `user_id`; the first one takes them online.
    pub fn connect(&self, workspace_id: &str, user_id: &str) -> Connection {
        let key = (workspace_id.to_string(), user_id.to_string());
        let (came_online, was_online) = match self.state.lock() {
            Ok(mut st) => {
                let was = st.is_online(&key);
                let n = st.local.entry(key.clone()).or_insert(0);
                *n += 1;
                (*n == 1, was)
            }
            Err(_) => (false, true),
        };
        if came_online {
            self.local_change(&key, true, !was_online);
        }
        Connection {
            presence: self.clone(),
            key,
        }
    }

    /// This node gained its first or lost its last page of `key`: tell the cluster, and the
    /// open pages when the member's presence as a whole changed.
    fn local_change(&self, key: &Key, online: bool, visible: bool) {
        let change = PresenceChange {
            workspace_id: key.0.clone(),
            user_id: key.1.clone(),
            online,
        };
        if let Some(tx) = self.publish.get() {
            let _ = tx.send(change.clone());
        }
        if visible {
            let _ = self.changes.send(change);
        }
    }

    /// Users of `workspace_id` online now, on this node or any other live one.
    pub fn online(&self, workspace_id: &str) -> Vec<String> {
        match self.state.lock() {
            Ok(st) => {
                let mut users: Vec<String> = st
                    .local
                    .keys()
                    .chain(
                        st.remote
                            .iter()
                            .filter(|(_, n)| !n.is_empty())
                            .map(|(k, _)| k),
                    )
                    .filter(|(w, _)| w == workspace_id)
                    .map(|(_, u)| u.clone())
                    .collect();
                users.sort();
                users.dedup();
                users
            }
            Err(_) => vec![],
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<PresenceChange> {
        self.changes.subscribe()
    }

    /// Applies what another node announced; open pages hear of it when it changes whether
    /// the member is online.
    fn remote_change(&self, node: &str, key: Key, online: bool) {
        let changed = {
            let Ok(mut st) = self.state.lock() else {
                return;
            };
            let before = st.is_online(&key);
            let nodes = st.remote.entry(key.clone()).or_default();
            if online {
                nodes.insert(node.to_string());
            } else {
                nodes.remove(node);
                if nodes.is_empty() {
                    st.remote.remove(&key);
                }
            }
            before != st.is_online(&key)
        };
        if changed {
            let _ = self.changes.send(PresenceChange {
                workspace_id: key.0,
                user_id: key.1,
                online,
            });
        }
    }

    /// Replaces the copy of the other nodes' presence with what the database holds now
    /// (catches up on missed notifications and drops dead nodes).
    fn replace_remote(&self, rows: Vec<(String, String, String)>) {
        let mut fresh: HashMap<Key, HashSet<String>> = HashMap::new();
        for (w, u, n) in rows {
            fresh.entry((w, u)).or_default().insert(n);
        }
        let mut changes = vec![];
        {
            let Ok(mut st) = self.state.lock() else {
                return;
            };
            let keys: HashSet<Key> = st.remote.keys().chain(fresh.keys()).cloned().collect();
            let before: Vec<(Key, bool)> =
                keys.iter().map(|k| (k.clone(), st.is_online(k))).collect();
            st.remote = fresh;
            for (k, was) in before {
                let now = st.is_online(&k);
                if was != now {
                    changes.push(PresenceChange {
                        workspace_id: k.0,
                        user_id: k.1,
                        online: now,
                    });
                }
            }
        }
        for c in changes {
            let _ = self.changes.send(c);
        }
    }

    fn local_keys(&self) -> Vec<Key> {
        self.state
            .lock()
            .map(|st| st.local.keys().cloned().collect())
            .unwrap_or_default()
    }
}

impl Services {
    /// Shares presence with the other nodes on the same PostgreSQL until the process ends;
    /// returns at once on SQLite (one node). Survives lost connections: it retries, and the
    /// periodic re-read repairs whatever was missed.
    pub async fn run_presence_cluster(self) {
        let Ok(Some(mut listener)) =
            self.db().listen(CHANNEL).await.inspect_err(
                |e| tracing::warn!(error = %e, "presence: cannot listen for other nodes"),
            )
        else {
            return;
        };
        let presence = self.presence().clone();
        let (tx, mut rx) = mpsc::unbounded_channel();
        if presence.publish.set(tx.clone()).is_err() {
            return;
        }
        // Pages opened before the task started.
        for (w, u) in presence.local_keys() {
            let _ = tx.send(PresenceChange {
                workspace_id: w,
                user_id: u,
                online: true,
            });
        }
        let mut tick = tokio::time::interval(HEARTBEAT);
        loop {
            let step = tokio::select! {
                Some(change) = rx.recv() => self.announce(&change).await,
                payload = listener.recv() => match payload {
                    Ok(p) => {
                        self.heard(&p);
                        Ok(())
                    }
                    Err(e) => Err(e.into()),
                },
                _ = tick.tick() => self.heartbeat().await,
            };
            if let Err(e) = step {
                tracing::warn!(error = %e, "presence: cluster step failed");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }

    /// Writes this node's change and tells the other nodes, in one transaction.
    async fn announce(&self, c: &PresenceChange) -> crate::Result<()> {
        let node = self.presence().node_id().to_string();
        let mut tx = self.db().write().await?;
        cluster::heartbeat(&mut tx, &node, corral_store::now()).await?;
        cluster::set_presence(
            &mut tx,
            &c.workspace_id,
            &c.user_id,
            &node,
            c.online,
            corral_store::now(),
        )
        .await?;
        let payload = json!({"n": node, "w": c.workspace_id, "u": c.user_id, "o": c.online});
        cluster::notify(&mut tx, CHANNEL, &payload.to_string()).await?;
        tx.commit().await?;
        Ok(())
    }

    fn heard(&self, payload: &str) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(payload) else {
            return;
        };
        let (Some(n), Some(w), Some(u), Some(o)) = (
            v["n"].as_str(),
            v["w"].as_str(),
            v["u"].as_str(),
            v["o"].as_bool(),
        ) else {
            return;
        };
        if n != self.presence().node_id() {
            self.presence()
                .remote_change(n, (w.to_string(), u.to_string()), o);
        }
    }

    /// Heartbeat, forget dead nodes, re-read the others' presence.
    async fn heartbeat(&self) -> crate::Result<()> {
        let node = self.presence().node_id().to_string();
        let now = corral_store::now();
        let alive_since = now - chrono::Duration::seconds(DEAD_AFTER_SECS);
        let mut tx = self.db().write().await?;
        cluster::heartbeat(&mut tx, &node, now).await?;
        cluster::forget_dead_nodes(
            &mut tx,
            now - chrono::Duration::seconds(DEAD_AFTER_SECS * 6),
        )
        .await?;
        let rows = cluster::remote_presence(&mut tx, &node, alive_since).await?;
        cluster::forget_rate_windows(&mut tx, now.timestamp() - 3600).await?;
        tx.commit().await?;
        self.presence().replace_remote(rows);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn online_while_any_connection_lives() {
        let p = Presence::default();
        let mut rx = p.subscribe();
        let a = p.connect("w", "u");
        let b = p.connect("w", "u");
        assert_eq!(p.online("w"), vec!["u".to_string()]);
        assert!(rx.try_recv().unwrap().online);
        drop(a);
        assert_eq!(p.online("w").len(), 1);
        assert!(
            rx.try_recv().is_err(),
            "no change while another page is open"
        );
        drop(b);
        assert!(p.online("w").is_empty());
        assert!(!rx.try_recv().unwrap().online);
    }

    #[test]
    fn other_nodes_count_until_they_go() {
        let p = Presence::default();
        let mut rx = p.subscribe();
        let key = ("w".to_string(), "u".to_string());
        p.remote_change("node_b", key.clone(), true);
        assert_eq!(p.online("w"), vec!["u".to_string()]);
        assert!(rx.try_recv().unwrap().online);
        // A local page adds nothing visible; closing it keeps them online (node B has one).
        let a = p.connect("w", "u");
        drop(a);
        assert!(rx.try_recv().is_err(), "still online on node B");
        assert_eq!(p.online("w").len(), 1);
        // Node B is found dead by the periodic re-read.
        p.replace_remote(vec![]);
        assert!(p.online("w").is_empty());
        assert!(!rx.try_recv().unwrap().online);
    }
}
