//! A syntactically valid email address. Equality is case-insensitive, as SPEC S1 requires.

use crate::error::DomainError;

/// An email address that has passed [`Email::parse`]. The original spelling is kept for
/// display; [`Email::normalized`] is what uniqueness is decided on.
#[derive(Debug, Clone)]
pub struct Email(String);

impl Email {
    /// Parses user input: surrounding white space is dropped, then the address must have one
    /// `@`, a non-empty local part, and a domain of dot-separated labels.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        let bad = |why: &str| {
            DomainError::field(
                "email",
                format!("'{s}' is not a valid email address: {why}"),
            )
        };
        if s.is_empty() {
            return Err(DomainError::field("email", "An email address is required."));
        }
        if s.len() > 254 {
            return Err(bad("it is longer than 254 characters"));
        }
        let (local, domain) = s.split_once('@').ok_or_else(|| bad("it has no '@'"))?;
        if local.is_empty() || local.len() > 64 {
            return Err(bad("the part before '@' must be 1 to 64 characters"));
        }
        if domain.contains('@') {
            return Err(bad("it has more than one '@'"));
        }
        if s.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(
                    c,
                    '<' | '>' | ',' | ';' | '"' | '(' | ')' | '[' | ']' | '\\'
                )
        }) {
            return Err(bad("it contains a character addresses cannot hold"));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(bad("the part before '@' has a misplaced dot"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2
            || labels.iter().any(|l| {
                l.is_empty()
                    || l.len() > 63
                    || l.starts_with('-')
                    || l.ends_with('-')
                    || !l.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
        {
            return Err(bad("the domain must look like example.com"));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lower-cased form on which uniqueness and look-ups are decided.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }

    /// The domain part, lower-cased.
    pub fn domain(&self) -> String {
        self.0
            .rsplit_once('@')
            .map(|(_, d)| d.to_lowercase())
            .unwrap_or_default()
    }
}

impl PartialEq for Email {
    fn eq(&self, other: &Self) -> bool {
        self.normalized() == other.normalized()
    }
}
impl Eq for Email {}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in [
            "a@b.co",
            " Jane.Doe+crm@Example.COM ",
            "x_y@sub.domain.org",
            "ü@bücher.de",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "plain",
            "@x.com",
            "a@",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@-b.com",
            "a..b@c.com",
            "a@b..com",
            "<a@b.com>",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn equality_ignores_case() {
        assert_eq!(
            Email::parse("A@B.com").unwrap(),
            Email::parse("a@b.COM").unwrap()
        );
        assert_eq!(Email::parse("A@B.com").unwrap().as_str(), "A@B.com");
    }
}
