//! Webhook subscriptions: which events a subscription asks for (`object_type`, `action` and an
//! optional `extra_filter` over the event), and what a valid target URL is.
//!
//! An `extra_filter` is a small expression tree in Close's shape:
//! `{"type": "field_accessor", "field": "data.status_label", "filter": {"type": "equals", "value": "Won"}}`,
//! combined with `and`, `or` and `not`; leaves are `equals`, `not_equals`, `contains`,
//! `one_of` and `is_null`.

use std::net::{IpAddr, Ipv4Addr};

use serde_json::Value;

use crate::error::DomainError;

/// Most subscriptions one workspace may have.
pub const MAX_SUBSCRIPTIONS: usize = 40;
/// Most event entries one subscription may list.
pub const MAX_EVENTS: usize = 100;
/// How deep an `extra_filter` may nest.
const MAX_DEPTH: usize = 8;

/// The object types Corral writes events for (what a subscription may ask for).
pub const OBJECT_TYPES: &[&str] = &[
    "lead",
    "contact",
    "opportunity",
    "task.lead",
    "activity.note",
    "activity.call",
    "activity.email",
    "activity.meeting",
    "activity.sms",
    "membership",
    "role",
    "group",
    "organization",
    "organization_member",
    "custom_fields.lead",
    "custom_fields.contact",
    "custom_fields.opportunity",
    "status.lead",
    "status.opportunity",
    "pipeline",
    "saved_search",
    "team_contact",
    "sharing_settings",
    "phone_number",
    "call_forwarding",
    "assignment",
    "assignment_settings",
    "offboarding",
    "out_of_office",
    "scim_settings",
    "scim_token",
];

/// A condition over an event (the event log object).
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Applies `filter` to the value at a dotted path (`data.status_label`).
    FieldAccessor {
        field: String,
        filter: Box<Filter>,
    },
    Equals(Value),
    NotEquals(Value),
    /// A list holding the value, or a string holding it as a substring.
    Contains(Value),
    OneOf(Vec<Value>),
    IsNull,
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
}

impl Filter {
    /// Reads a filter, naming the place of any fault after `at` (`events[0].extra_filter`).
    pub fn parse(v: &Value, at: &str) -> Result<Filter, DomainError> {
        Self::parse_at(v, at, 0)
    }

    fn parse_at(v: &Value, at: &str, depth: usize) -> Result<Filter, DomainError> {
        let bad = |m: String| DomainError::field(at, m);
        if depth > MAX_DEPTH {
            return Err(bad(format!("Filters may nest at most {MAX_DEPTH} deep.")));
        }
        let o = v
            .as_object()
            .ok_or_else(|| bad("A filter is an object with a `type`.".into()))?;
        let ty = o
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("A filter needs a `type`.".into()))?;
        let allowed: &[&str] = match ty {
            "field_accessor" => &["type", "field", "filter"],
            "equals" | "not_equals" | "contains" => &["type", "value"],
            "one_of" => &["type", "values"],
            "is_null" => &["type"],
            "and" | "or" => &["type", "filters"],
            "not" => &["type", "filter"],
            other => {
                return Err(bad(format!(
                    "'{other}' is not a filter type: use field_accessor, equals, not_equals, contains, one_of, is_null, and, or or not."
                )));
            }
        };
        if let Some(k) = o.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(bad(format!("A `{ty}` filter has no `{k}`.")));
        }
        let value = || {
            o.get("value")
                .cloned()
                .ok_or_else(|| bad(format!("A `{ty}` filter needs a `value`.")))
        };
        let sub = |key: &str| {
            o.get(key)
                .ok_or_else(|| bad(format!("A `{ty}` filter needs a `{key}`.")))
                .and_then(|f| Self::parse_at(f, &format!("{at}.{key}"), depth + 1))
        };
        Ok(match ty {
            "field_accessor" => {
                let field = o
                    .get("field")
                    .and_then(Value::as_str)
                    .filter(|f| !f.is_empty() && f.split('.').all(|p| !p.is_empty()))
                    .ok_or_else(|| {
                        bad("`field` names a field of the event, such as `user_id` or `data.status_label`.".into())
                    })?;
                Filter::FieldAccessor {
                    field: field.to_string(),
                    filter: Box::new(sub("filter")?),
                }
            }
            "equals" => Filter::Equals(value()?),
            "not_equals" => Filter::NotEquals(value()?),
            "contains" => Filter::Contains(value()?),
            "one_of" => Filter::OneOf(
                o.get("values")
                    .and_then(Value::as_array)
                    .cloned()
                    .ok_or_else(|| bad("A `one_of` filter needs a list of `values`.".into()))?,
            ),
            "is_null" => Filter::IsNull,
            "not" => Filter::Not(Box::new(sub("filter")?)),
            _ => {
                let list = o
                    .get("filters")
                    .and_then(Value::as_array)
                    .filter(|l| !l.is_empty())
                    .ok_or_else(|| {
                        bad(format!(
                            "An `{ty}` filter needs a non-empty list of `filters`."
                        ))
                    })?;
                let parts = list
                    .iter()
                    .enumerate()
                    .map(|(i, f)| Self::parse_at(f, &format!("{at}.filters[{i}]"), depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                if ty == "and" {
                    Filter::And(parts)
                } else {
                    Filter::Or(parts)
                }
            }
        })
    }

    /// Whether `v` (the event, or a value inside it) passes.
    pub fn matches(&self, v: &Value) -> bool {
        match self {
            Filter::FieldAccessor { field, filter } => {
                let mut cur = v;
                for part in field.split('.') {
                    cur = cur.get(part).unwrap_or(&Value::Null);
                }
                filter.matches(cur)
            }
            Filter::Equals(x) => v == x,
            Filter::NotEquals(x) => v != x,
            Filter::Contains(x) => match (v, x) {
                (Value::Array(a), _) => a.contains(x),
                (Value::String(s), Value::String(sub)) => s.contains(sub.as_str()),
                _ => false,
            },
            Filter::OneOf(xs) => xs.contains(v),
            Filter::IsNull => v.is_null(),
            Filter::And(fs) => fs.iter().all(|f| f.matches(v)),
            Filter::Or(fs) => fs.iter().any(|f| f.matches(v)),
            Filter::Not(f) => !f.matches(v),
        }
    }
}

/// One entry of a subscription's `events`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSpec {
    pub object_type: String,
    pub action: String,
    pub extra_filter: Option<Filter>,
}

impl EventSpec {
    /// Whether an event of this type and action, shaped as the event log shows it, is wanted.
    pub fn wants(&self, object_type: &str, action: &str, event: &Value) -> bool {
        self.object_type == object_type
            && self.action == action
            && self.extra_filter.as_ref().is_none_or(|f| f.matches(event))
    }
}

/// Reads a subscription's `events` list.
pub fn parse_events(v: &Value) -> Result<Vec<EventSpec>, DomainError> {
    let list = v
        .as_array()
        .filter(|l| !l.is_empty())
        .ok_or_else(|| {
            DomainError::field(
                "events",
                "`events` lists what to send, such as [{\"object_type\": \"lead\", \"action\": \"created\"}].",
            )
        })?;
    if list.len() > MAX_EVENTS {
        return Err(DomainError::field(
            "events",
            format!("A subscription lists at most {MAX_EVENTS} events."),
        ));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, e) in list.iter().enumerate() {
        let at = format!("events[{i}]");
        let o = e.as_object().ok_or_else(|| {
            DomainError::field(
                &at,
                "Each event is an object with `object_type` and `action`.",
            )
        })?;
        if let Some(k) = o
            .keys()
            .find(|k| !["object_type", "action", "extra_filter"].contains(&k.as_str()))
        {
            return Err(DomainError::field(
                &at,
                format!("An event has `object_type`, `action` and `extra_filter`, not `{k}`."),
            ));
        }
        let object_type = o
            .get("object_type")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                DomainError::field(format!("{at}.object_type"), "`object_type` is required.")
            })?;
        if !OBJECT_TYPES.contains(&object_type) {
            return Err(DomainError::field(
                format!("{at}.object_type"),
                format!(
                    "Corral sends no events about '{object_type}'; it sends them about: {}.",
                    OBJECT_TYPES.join(", ")
                ),
            ));
        }
        let action = o
            .get("action")
            .and_then(Value::as_str)
            .filter(|a| {
                !a.is_empty()
                    && a.len() <= 64
                    && a.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            })
            .ok_or_else(|| {
                DomainError::field(
                    format!("{at}.action"),
                    "`action` is an event action such as created, updated or deleted.",
                )
            })?;
        let extra_filter = match o.get("extra_filter") {
            None | Some(Value::Null) => None,
            Some(f) => Some(Filter::parse(f, &format!("{at}.extra_filter"))?),
        };
        out.push(EventSpec {
            object_type: object_type.to_string(),
            action: action.to_string(),
            extra_filter,
        });
    }
    Ok(out)
}

/// Checks a target URL: absolute `http` or `https`, with a host, no credentials, no spaces;
/// unless `private_networks` is allowed, not a loopback, private or link-local address (by
/// number, or `localhost`). Names are checked again when a delivery resolves them.
pub fn check_destination(url: &str, private_networks: bool) -> Result<(), DomainError> {
    let host = check_url(url)?;
    if private_networks {
        return Ok(());
    }
    let host = host.to_ascii_lowercase();
    let host = host.trim_end_matches('.');
    let private = match host.parse::<IpAddr>() {
        Ok(ip) => !is_public(ip),
        Err(_) => host == "localhost" || host.ends_with(".localhost"),
    };
    if private {
        return Err(DomainError::field(
            "url",
            format!(
                "Deliveries to '{host}' would stay inside the server's own network, which this server does not allow (its operator can with CORRAL_WEBHOOK_PRIVATE_NETWORKS=allow)."
            ),
        ));
    }
    Ok(())
}

/// Whether deliveries may reach `ip` when private networks are not allowed: an address on
/// the public internet. Refused: unspecified, loopback, private (RFC 1918, IPv6 unique
/// local), shared (carrier-grade NAT), link-local (where cloud metadata services answer),
/// benchmarking, documentation, reserved, broadcast and multicast addresses, and IPv6 forms
/// of any of those IPv4 ones.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            let embeds_v4 = (s[0] == 0x64 && s[1] == 0xff9b) // NAT64
                || s[0] == 0x2002 // 6to4
                || s[..6] == [0, 0, 0, 0, 0, 0]; // IPv4-compatible
            if embeds_v4 && !v6.is_unspecified() && !v6.is_loopback() {
                let o = v6.octets();
                let at = if s[0] == 0x2002 { 2 } else { 12 };
                return is_public_v4(Ipv4Addr::new(o[at], o[at + 1], o[at + 2], o[at + 3]));
            }
            !(v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x0100 && s[1..4] == [0, 0, 0])) // discard-only
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0 // "this network"
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b)) // shared address space
        || (a == 169 && b == 254) // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && c == 0) // protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation
        || (a == 192 && b == 168)
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // documentation
        || (a == 203 && b == 0 && c == 113) // documentation
        || a >= 224) // multicast, reserved, broadcast
}

/// Checks a target URL's form: absolute `http` or `https`, with a host, no credentials, no
/// spaces. Returns the host (without brackets for IPv6).
pub fn check_url(url: &str) -> Result<&str, DomainError> {
    let bad = |m: &str| DomainError::field("url", m.to_string());
    if url.len() > 2000 {
        return Err(bad("The URL may be at most 2000 characters long."));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("The URL may not contain spaces or control characters."));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| bad("The URL must start with https:// (or http://)."))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(bad(
            "Put no user name or password in the URL; deliveries are signed instead.",
        ));
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (h, after) = v6.split_once(']').unwrap_or((v6, ""));
            (h, after.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    if host.is_empty() {
        return Err(bad("The URL needs a host."));
    }
    if port.is_some_and(|p| p.parse::<u16>().map_or(true, |n| n == 0)) {
        return Err(bad("The URL's port is not a number from 1 to 65535."));
    }
    Ok(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every object type whose events all members read is one a subscription may ask for:
    /// the two lists name the same event log's types and must not drift apart.
    #[test]
    fn team_event_objects_are_subscribable() {
        for t in crate::visibility::TEAM_EVENT_OBJECTS {
            assert!(OBJECT_TYPES.contains(t), "{t} is missing from OBJECT_TYPES");
        }
    }

    #[test]
    fn events_are_checked_entry_by_entry() {
        let ok = parse_events(&json!([
            {"object_type": "lead", "action": "created"},
            {"object_type": "lead", "action": "updated", "extra_filter": {
                "type": "field_accessor", "field": "changed_fields",
                "filter": {"type": "contains", "value": "status_id"}}}
        ]))
        .unwrap();
        assert_eq!(ok.len(), 2);
        for (bad, field) in [
            (json!([]), "events"),
            (json!({"object_type": "lead"}), "events"),
            (json!([{"object_type": "lead"}]), "events[0].action"),
            (
                json!([{"object_type": "sequence", "action": "created"}]),
                "events[0].object_type",
            ),
            (
                json!([{"object_type": "lead", "action": "Created!"}]),
                "events[0].action",
            ),
            (
                json!([{"object_type": "lead", "action": "created", "when": 1}]),
                "events[0]",
            ),
            (
                json!([{"object_type": "lead", "action": "created", "extra_filter": {"type": "regex"}}]),
                "events[0].extra_filter",
            ),
            (
                json!([{"object_type": "lead", "action": "created", "extra_filter": {"type": "and", "filters": [{"type": "equals"}]}}]),
                "events[0].extra_filter.filters[0]",
            ),
        ] {
            match parse_events(&bad) {
                Err(DomainError::Invalid(e)) => assert_eq!(e[0].field, field, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn filters_read_the_event() {
        let ev = json!({"user_id": "user_a", "changed_fields": ["name", "status_id"],
            "data": {"status_label": "Won", "name": "Acme Corp"}});
        let f = |v: Value| Filter::parse(&v, "f").unwrap();
        let at = |field: &str, filter: Value| {
            f(json!({"type": "field_accessor", "field": field, "filter": filter}))
        };
        assert!(at("user_id", json!({"type": "equals", "value": "user_a"})).matches(&ev));
        assert!(!at("user_id", json!({"type": "equals", "value": "user_b"})).matches(&ev));
        assert!(
            at(
                "changed_fields",
                json!({"type": "contains", "value": "status_id"})
            )
            .matches(&ev)
        );
        assert!(at("data.name", json!({"type": "contains", "value": "Acme"})).matches(&ev));
        assert!(
            at(
                "data.status_label",
                json!({"type": "one_of", "values": ["Won", "Lost"]})
            )
            .matches(&ev)
        );
        assert!(at("data.missing", json!({"type": "is_null"})).matches(&ev));
        assert!(
            f(json!({"type": "and", "filters": [
                {"type": "field_accessor", "field": "user_id", "filter": {"type": "not_equals", "value": "user_b"}},
                {"type": "not", "filter": {"type": "field_accessor", "field": "data.status_label", "filter": {"type": "equals", "value": "Lost"}}}
            ]}))
            .matches(&ev)
        );
        let mut deep = json!({"type": "is_null"});
        for _ in 0..20 {
            deep = json!({"type": "not", "filter": deep});
        }
        assert!(Filter::parse(&deep, "f").is_err());
    }

    #[test]
    fn urls_must_be_http_with_a_host() {
        for ok in [
            "https://hooks.example.com/close",
            "http://127.0.0.1:8081/in?x=1",
            "http://[::1]:9000/",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ftp://example.com/",
            "https://",
            "https:///path",
            "https://user:pw@example.com/",
            "https://exa mple.com/",
            "http://example.com:http/",
            "example.com/hook",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn private_destinations_are_refused_unless_allowed() {
        for private in [
            "http://127.0.0.1:8081/in",
            "http://[::1]:9000/",
            "http://localhost/",
            "http://LOCALHOST./x",
            "http://api.localhost/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.10/",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://[64:ff9b::a00:1]/",
            "http://[2002:c0a8:101::1]/",
            "http://224.0.0.1/",
        ] {
            let e = check_destination(private, false).expect_err(private);
            assert!(
                e.to_string().contains("CORRAL_WEBHOOK_PRIVATE_NETWORKS"),
                "{e}"
            );
            assert!(check_destination(private, true).is_ok(), "{private}");
        }
        for public in [
            "https://hooks.example.com/close",
            "http://93.184.216.34/",
            "http://[2606:2800:220:1:248:1893:25c8:1946]/",
            "http://172.32.0.1/",
            "http://[64:ff9b::5db8:d822]/",
        ] {
            assert!(check_destination(public, false).is_ok(), "{public}");
        }
        assert!(check_destination("ftp://example.com/", true).is_err());
    }
}
