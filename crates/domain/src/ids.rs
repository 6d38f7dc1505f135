//! Close-style object ids: a type prefix, an underscore and random base62 characters.
//!
//! Ids are opaque to clients; the prefix only tells a human what kind of object it names.
//! Two length families exist as in Close (43 and 22 random characters).

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The kinds of object Corral names, with their prefix and random length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Organization,
    Workspace,
    Membership,
    Role,
    Group,
    ApiKey,
    Invitation,
    Event,
    Request,
    Webhook,
    WebhookDelivery,
}

impl Kind {
    pub const fn prefix(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Organization => "orga",
            // A workspace is what Close's API calls an organization, so it wears that prefix.
            Kind::Workspace => "orga",
            Kind::Membership => "memb",
            Kind::Role => "role",
            Kind::Group => "group",
            Kind::ApiKey => "apikey",
            Kind::Invitation => "invi",
            Kind::Event => "ev",
            Kind::Request => "req",
            Kind::Webhook => "whsub",
            Kind::WebhookDelivery => "whdel",
        }
    }

    const fn random_len(self) -> usize {
        match self {
            Kind::Group
            | Kind::Event
            | Kind::Request
            | Kind::Role
            | Kind::Webhook
            | Kind::WebhookDelivery => 22,
            _ => 43,
        }
    }

    /// A fresh id of this kind.
    pub fn new_id(self) -> String {
        let mut id = String::with_capacity(self.prefix().len() + 1 + self.random_len());
        id.push_str(self.prefix());
        id.push('_');
        id.push_str(&random_base62(self.random_len()));
        id
    }

    /// Whether `s` has this kind's shape (prefix, underscore, base62 tail).
    pub fn matches(self, s: &str) -> bool {
        s.strip_prefix(self.prefix())
            .and_then(|rest| rest.strip_prefix('_'))
            .is_some_and(|tail| !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_alphanumeric()))
    }
}

/// `len` random base62 characters from the operating system's generator.
///
/// Rejection sampling keeps every character equally likely (no modulo bias).
pub fn random_base62(len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        fill_random(&mut buf);
        for &b in &buf {
            // 248 = 4 * 62: bytes at or above it would bias the first characters.
            if b < 248 {
                out.push(BASE62[(b % 62) as usize] as char);
                if out.len() == len {
                    break;
                }
            }
        }
    }
    out
}

/// Fills `buf` from the OS. A machine without an entropy source cannot run Corral safely,
/// so this is one of the few places allowed to stop the process.
pub fn fill_random(buf: &mut [u8]) {
    #[allow(clippy::expect_used)]
    getrandom::fill(buf).expect("the operating system's random number generator failed");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_prefix_and_length() {
        let id = Kind::User.new_id();
        assert!(id.starts_with("user_"));
        assert_eq!(id.len(), 5 + 43);
        assert!(Kind::User.matches(&id));
        assert!(!Kind::Membership.matches(&id));
        let g = Kind::Group.new_id();
        assert_eq!(g.len(), "group_".len() + 22);
    }

    #[test]
    fn ids_are_distinct() {
        let a: std::collections::HashSet<String> = (0..1000).map(|_| Kind::Role.new_id()).collect();
        assert_eq!(a.len(), 1000);
    }

    #[test]
    fn matches_rejects_junk() {
        assert!(!Kind::User.matches("user_"));
        assert!(!Kind::User.matches("user_abc-def"));
        assert!(!Kind::User.matches("usr_abc"));
    }
}
