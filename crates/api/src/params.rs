//! Query parameters shared by list endpoints: `_skip`/`_limit` paging and `_fields`.

use std::collections::HashMap;

use serde_json::Value;

use crate::ApiError;

/// The deepest offset a list may page to; past it clients are told to narrow the query.
pub const MAX_SKIP: i64 = 10_000;

/// Query string parameters as given (the last value wins for repeated keys).
#[derive(Debug, Default)]
pub struct Params(pub HashMap<String, String>);

impl Params {
    pub fn from_query(q: Option<&str>) -> Self {
        let mut map = HashMap::new();
        for pair in q.unwrap_or("").split('&').filter(|s| !s.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            map.insert(decode(k), decode(v));
        }
        Self(map)
    }

    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(String::as_str)
    }

    fn int(&self, k: &str, default: i64) -> Result<i64, ApiError> {
        match self.get(k).filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(s) => s.parse::<i64>().map_err(|_| {
                ApiError::field(k, format!("`{k}` must be a whole number, not '{s}'."))
            }),
        }
    }

    /// `_skip` and `_limit`, checked against the resource's maximum page size.
    pub fn paging(&self, default_limit: i64, max_limit: i64) -> Result<(i64, i64), ApiError> {
        check_paging(
            self.int("_skip", 0)?,
            self.int("_limit", default_limit)?,
            max_limit,
        )
    }

    /// The `_fields` selection, if any.
    pub fn fields(&self) -> Option<Vec<String>> {
        self.get("_fields")
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                s.split(',')
                    .map(|f| f.trim().to_string())
                    .filter(|f| !f.is_empty())
                    .collect()
            })
    }
}

/// `_skip` and `_limit` checked against the resource's maximum page size (query string or body).
pub fn check_paging(skip: i64, limit: i64, max_limit: i64) -> Result<(i64, i64), ApiError> {
    if skip < 0 {
        return Err(ApiError::field("_skip", "`_skip` cannot be negative."));
    }
    if skip > MAX_SKIP {
        return Err(ApiError::field(
            "_skip",
            format!(
                "Paging this deep is not supported (max_skip = {MAX_SKIP}). Narrow the query, page by date ranges, or use an export."
            ),
        ));
    }
    if limit < 1 || limit > max_limit {
        return Err(ApiError::field(
            "_limit",
            format!("`_limit` must be between 1 and {max_limit}."),
        ));
    }
    Ok((skip, limit))
}

/// Keeps only the selected top-level keys of an object.
pub fn select_fields(v: Value, fields: Option<&[String]>) -> Value {
    match (v, fields) {
        (Value::Object(map), Some(fields)) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| fields.iter().any(|f| f == k))
                .collect(),
        ),
        (v, _) => v,
    }
}

fn decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                bytes.get(i + 1).and_then(|b| hex(*b)),
                bytes.get(i + 2).and_then(|b| hex(*b)),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_query_strings() {
        let p = Params::from_query(Some(
            "a=1&query=date_updated%3E%3D%222024-01-01%22+sort%3Adate&_fields=id,name&x",
        ));
        assert_eq!(p.get("a"), Some("1"));
        assert_eq!(
            p.get("query"),
            Some("date_updated>=\"2024-01-01\" sort:date")
        );
        assert_eq!(p.fields().unwrap(), vec!["id", "name"]);
        assert_eq!(p.get("x"), Some(""));
        assert_eq!(Params::from_query(Some("a=%")).get("a"), Some("%"));
        assert_eq!(Params::from_query(Some("a=%4")).get("a"), Some("%4"));
    }

    #[test]
    fn paging_limits() {
        assert_eq!(Params::from_query(None).paging(100, 100).unwrap(), (0, 100));
        assert!(
            Params::from_query(Some("_limit=0"))
                .paging(100, 100)
                .is_err()
        );
        assert!(
            Params::from_query(Some("_limit=abc"))
                .paging(100, 100)
                .is_err()
        );
        let e = Params::from_query(Some("_skip=20000"))
            .paging(100, 100)
            .unwrap_err();
        assert!(e.message.contains("max_skip = "));
    }
}
