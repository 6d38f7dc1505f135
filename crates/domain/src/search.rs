//! The search query language of Close's `query` parameter (the UI search box): free text,
//! `field:value`, comparisons such as `date_updated>="2026-01-01T10:00"`, and `sort:field`
//! (`sort:-field` descending). Parsing only; services resolve field names.

use crate::error::DomainError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// Words matched against the record's name.
    Text(String),
    /// `field:value` or a comparison.
    Field { name: String, op: Op, value: String },
    /// `sort:field` / `sort:-field`.
    Sort { field: String, descending: bool },
}

fn bad(msg: String) -> DomainError {
    DomainError::field("query", msg)
}

/// Splits the query into terms. Values may be double-quoted to hold spaces.
pub fn parse_query(q: &str) -> Result<Vec<Term>, DomainError> {
    let chars: Vec<char> = q.chars().collect();
    let mut i = 0;
    let mut terms = Vec::new();
    let mut words: Vec<String> = Vec::new();
    while i < chars.len() {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        // A token: up to white space outside quotes.
        let mut tok = String::new();
        let mut in_quotes = false;
        while i < chars.len() && (in_quotes || !chars[i].is_whitespace()) {
            if chars[i] == '"' {
                in_quotes = !in_quotes;
            }
            tok.push(chars[i]);
            i += 1;
        }
        if in_quotes {
            return Err(bad(format!(
                "The query has an unclosed quote near '{tok}'."
            )));
        }
        let ops = [
            (">=", Op::Ge),
            ("<=", Op::Le),
            (">", Op::Gt),
            ("<", Op::Lt),
            (":", Op::Eq),
        ];
        let found = ops
            .iter()
            .filter_map(|(s, op)| tok.find(s).map(|p| (p, *s, op.clone())))
            .min_by_key(|(p, s, _)| (*p, usize::MAX - s.len()));
        match found {
            Some((pos, sym, op)) if pos > 0 && !tok.starts_with('"') => {
                let name = tok[..pos].to_string();
                let value = tok[pos + sym.len()..].trim_matches('"').to_string();
                if value.is_empty() {
                    return Err(bad(format!("'{tok}' has no value after '{sym}'.")));
                }
                if name == "sort" && op == Op::Eq {
                    let (field, descending) = match value.strip_prefix('-') {
                        Some(f) => (f.to_string(), true),
                        None => (value, false),
                    };
                    terms.push(Term::Sort { field, descending });
                } else {
                    terms.push(Term::Field { name, op, value });
                }
            }
            _ => words.push(tok.trim_matches('"').to_string()),
        }
    }
    if !words.is_empty() {
        terms.insert(0, Term::Text(words.join(" ")));
    }
    Ok(terms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_clients_send() {
        let t = parse_query(r#"date_updated>="2024-01-01T10:00" sort:date_updated"#).unwrap();
        assert_eq!(
            t,
            vec![
                Term::Field {
                    name: "date_updated".into(),
                    op: Op::Ge,
                    value: "2024-01-01T10:00".into()
                },
                Term::Sort {
                    field: "date_updated".into(),
                    descending: false
                }
            ]
        );
        let t = parse_query(r#"acme corp status:"Bad Fit" custom.cf_x:user_1 sort:-date_created"#)
            .unwrap();
        assert_eq!(t[0], Term::Text("acme corp".into()));
        assert_eq!(
            t[1],
            Term::Field {
                name: "status".into(),
                op: Op::Eq,
                value: "Bad Fit".into()
            }
        );
        assert_eq!(
            t[2],
            Term::Field {
                name: "custom.cf_x".into(),
                op: Op::Eq,
                value: "user_1".into()
            }
        );
        assert_eq!(
            t[3],
            Term::Sort {
                field: "date_created".into(),
                descending: true
            }
        );
        assert!(parse_query(r#"name:"open"#).is_err());
        assert!(parse_query("status:").is_err());
        assert_eq!(parse_query("").unwrap(), vec![]);
    }
}
