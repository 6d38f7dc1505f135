//! Presence (SPEC S9): a member is online while one of their UI pages holds a live
//! connection. This node's connections are counted here and changes are broadcast to every
//! open page of the same workspace.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

/// A member came online or went offline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceChange {
    pub workspace_id: String,
    pub user_id: String,
    pub online: bool,
}

/// Live connection counts per (workspace, user), and the channel changes go out on.
#[derive(Clone)]
pub struct Presence {
    counts: Arc<Mutex<HashMap<(String, String), usize>>>,
    changes: broadcast::Sender<PresenceChange>,
}

impl Default for Presence {
    fn default() -> Self {
        let (changes, _) = broadcast::channel(1024);
        Self {
            counts: Arc::default(),
            changes,
        }
    }
}

/// Held for as long as a page's connection lives; dropping it may take the member offline.
pub struct Connection {
    presence: Presence,
    key: (String, String),
}

impl Drop for Connection {
    fn drop(&mut self) {
        let went_offline = {
            let Ok(mut counts) = self.presence.counts.lock() else {
                return;
            };
            match counts.get_mut(&self.key) {
                Some(n) if *n > 1 => {
                    *n -= 1;
                    false
                }
                Some(_) => {
                    counts.remove(&self.key);
                    true
                }
                None => false,
            }
        };
        if went_offline {
            let _ = self.presence.changes.send(PresenceChange {
                workspace_id: self.key.0.clone(),
                user_id: self.key.1.clone(),
                online: false,
            });
        }
    }
}

impl Presence {
    /// Registers a live page of `user_id`; the first one takes them online.
    pub fn connect(&self, workspace_id: &str, user_id: &str) -> Connection {
        let key = (workspace_id.to_string(), user_id.to_string());
        let came_online = match self.counts.lock() {
            Ok(mut counts) => {
                let n = counts.entry(key.clone()).or_insert(0);
                *n += 1;
                *n == 1
            }
            Err(_) => false,
        };
        if came_online {
            let _ = self.changes.send(PresenceChange {
                workspace_id: key.0.clone(),
                user_id: key.1.clone(),
                online: true,
            });
        }
        Connection {
            presence: self.clone(),
            key,
        }
    }

    /// Users of `workspace_id` online now.
    pub fn online(&self, workspace_id: &str) -> Vec<String> {
        match self.counts.lock() {
            Ok(counts) => counts
                .keys()
                .filter(|(w, _)| w == workspace_id)
                .map(|(_, u)| u.clone())
                .collect(),
            Err(_) => vec![],
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<PresenceChange> {
        self.changes.subscribe()
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
}
