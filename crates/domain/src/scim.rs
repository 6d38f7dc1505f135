//! SCIM 2.0 (RFC 7643, RFC 7644) rules that need no I/O: the filter language, attribute
//! paths, PATCH operations applied to a resource document, and the protocol's error kinds.
//!
//! Resources are handled as JSON documents: the services render a member or group as its
//! SCIM representation, PATCH edits that document here, and the result is stored as if it
//! had been sent with PUT. Attribute names are matched case-insensitively, as RFC 7643 §2.1
//! requires.

use std::fmt;

use serde_json::{Map, Value};

/// The core User schema.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The enterprise User extension (department, manager).
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Envelope schemas.
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A SCIM error: HTTP status, the `scimType` keyword where RFC 7644 §3.12 has one, and a
/// sentence for the person reading the identity provider's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

impl ScimError {
    pub fn new(status: u16, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
        }
    }
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidFilter"), detail)
    }
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidPath"), detail)
    }
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidValue"), detail)
    }
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidSyntax"), detail)
    }
    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::new(400, Some("noTarget"), detail)
    }
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::new(400, Some("mutability"), detail)
    }
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(409, Some("uniqueness"), detail)
    }
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, None, detail)
    }
}

impl fmt::Display for ScimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.detail, self.status)
    }
}

impl std::error::Error for ScimError {}

/// `[schema URN ":"] attribute ["." sub-attribute]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// The schema URN when the path named one, lowercased.
    pub schema: Option<String>,
    pub attr: String,
    pub sub: Option<String>,
}

impl AttrPath {
    /// Parses an attribute path such as `name.givenName` or
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
    pub fn parse(s: &str) -> Result<Self, ScimError> {
        let s = s.trim();
        let (schema, rest) = split_urn(s);
        let (attr, sub) = match rest.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (rest, None),
        };
        let valid = |n: &str| {
            !n.is_empty()
                && n.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
        };
        if !valid(attr) || sub.is_some_and(|x| !valid(x)) {
            return Err(ScimError::invalid_path(format!(
                "'{s}' is not an attribute path."
            )));
        }
        Ok(Self {
            schema,
            attr: attr.to_string(),
            sub: sub.map(str::to_string),
        })
    }

    /// The extension URN when the path names a whole extension namespace (as in
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`).
    pub fn namespace(&self) -> Option<String> {
        let schema = self.schema.as_deref()?;
        if self.sub.is_some() || !schema.starts_with("urn:ietf:params:scim:schemas:extension:") {
            return None;
        }
        let full = format!("{schema}:{}", self.attr);
        // A URN ending in a version ("…:2.0:User") names a namespace; "…:User:department"
        // names an attribute in one.
        let parent_is_version = schema
            .rsplit(':')
            .next()
            .is_some_and(|last| last.chars().next().is_some_and(|c| c.is_ascii_digit()));
        parent_is_version.then_some(full)
    }

    /// Whether the path is in the core schema, or in an extension's namespace (its URN).
    fn extension<'a>(&self, core: &str, doc: &'a Map<String, Value>) -> Option<&'a str> {
        match &self.schema {
            Some(u) if !u.eq_ignore_ascii_case(core) => doc
                .keys()
                .find(|k| k.eq_ignore_ascii_case(u))
                .map(|k| k.as_str()),
            _ => None,
        }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = &self.schema {
            write!(f, "{s}:")?;
        }
        write!(f, "{}", self.attr)?;
        if let Some(s) = &self.sub {
            write!(f, ".{s}")?;
        }
        Ok(())
    }
}

/// Splits a leading schema URN off a path: the URN runs up to the last ':'.
fn split_urn(s: &str) -> (Option<String>, &str) {
    if s.len() > 4
        && s.is_char_boundary(4)
        && s[..4].eq_ignore_ascii_case("urn:")
        && let Some(i) = s.rfind(':')
    {
        return (Some(s[..i].to_ascii_lowercase()), &s[i + 1..]);
    }
    (None, s)
}

/// Comparison operators of RFC 7644 §3.4.2.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "eq" => Self::Eq,
            "ne" => Self::Ne,
            "co" => Self::Co,
            "sw" => Self::Sw,
            "ew" => Self::Ew,
            "gt" => Self::Gt,
            "ge" => Self::Ge,
            "lt" => Self::Lt,
            "le" => Self::Le,
            _ => return None,
        })
    }
}

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: Value,
    },
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `emails[type eq "work"]`, optionally with `.value` after the brackets.
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
}

fn tokenize(s: &str) -> Result<Vec<Token>, ScimError> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Token::LParen);
            }
            ')' => {
                chars.next();
                out.push(Token::RParen);
            }
            '[' => {
                chars.next();
                out.push(Token::LBracket);
            }
            ']' => {
                chars.next();
                out.push(Token::RBracket);
            }
            '"' => {
                chars.next();
                let mut v = String::new();
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => match chars.next() {
                            Some('n') => v.push('\n'),
                            Some('t') => v.push('\t'),
                            Some(o) => v.push(o),
                            None => break,
                        },
                        '"' => {
                            closed = true;
                            break;
                        }
                        o => v.push(o),
                    }
                }
                if !closed {
                    return Err(ScimError::invalid_filter(
                        "A string in the filter is not closed with '\"'.",
                    ));
                }
                out.push(Token::Str(v));
            }
            _ => {
                let mut w = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '"') {
                        break;
                    }
                    w.push(c);
                    chars.next();
                }
                out.push(Token::Word(w));
            }
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// Open `(`, `not (` and `[` around the current position.
    depth: usize,
}

/// Deepest nesting a filter may have: a recursive parser must not run a server thread out of
/// stack (found by fuzzing: 2,000 nested parentheses fit in the 4 KiB limit).
const MAX_FILTER_DEPTH: usize = 32;

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(k))
    }

    fn or(&mut self) -> Result<Filter, ScimError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.pos += 1;
            let right = self.and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, ScimError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, ScimError> {
        self.depth += 1;
        if self.depth > MAX_FILTER_DEPTH {
            return Err(ScimError::invalid_filter(format!(
                "The filter nests more than {MAX_FILTER_DEPTH} levels deep."
            )));
        }
        let f = self.unary_inner();
        self.depth -= 1;
        f
    }

    fn unary_inner(&mut self) -> Result<Filter, ScimError> {
        if self.keyword("not") && matches!(self.tokens.get(self.pos + 1), Some(Token::LParen)) {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        match self.next() {
            Some(Token::LParen) => {
                let inner = self.or()?;
                match self.next() {
                    Some(Token::RParen) => Ok(inner),
                    _ => Err(ScimError::invalid_filter(
                        "A '(' in the filter is not closed.",
                    )),
                }
            }
            Some(Token::Word(w)) => {
                let path = AttrPath::parse(&w).map_err(|_| {
                    ScimError::invalid_filter(format!("'{w}' is not an attribute path."))
                })?;
                if matches!(self.peek(), Some(Token::LBracket)) {
                    self.pos += 1;
                    let inner = self.or()?;
                    if self.next() != Some(Token::RBracket) {
                        return Err(ScimError::invalid_filter(
                            "A '[' in the filter is not closed.",
                        ));
                    }
                    return Ok(Filter::ValuePath {
                        path,
                        filter: Box::new(inner),
                    });
                }
                self.attr_expr(path)
            }
            Some(t) => Err(ScimError::invalid_filter(format!(
                "Unexpected {} in the filter.",
                describe(&t)
            ))),
            None => Err(ScimError::invalid_filter("The filter ends too early.")),
        }
    }

    fn attr_expr(&mut self, path: AttrPath) -> Result<Filter, ScimError> {
        let op = match self.next() {
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("pr") => {
                return Ok(Filter::Present(path));
            }
            Some(Token::Word(w)) => CompareOp::parse(&w).ok_or_else(|| {
                ScimError::invalid_filter(format!("'{w}' is not a filter operator."))
            })?,
            _ => {
                return Err(ScimError::invalid_filter(format!(
                    "An operator must follow '{path}'."
                )));
            }
        };
        let value = match self.next() {
            Some(Token::Str(s)) => Value::String(s),
            Some(Token::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                _ => w
                    .parse::<i64>()
                    .map(Value::from)
                    .or_else(|_| w.parse::<f64>().map(Value::from))
                    .map_err(|_| {
                        ScimError::invalid_filter(format!(
                            "'{w}' is not a value: quote strings, as in \"{w}\"."
                        ))
                    })?,
            },
            _ => {
                return Err(ScimError::invalid_filter(format!(
                    "A value must follow '{path}'."
                )));
            }
        };
        Ok(Filter::Compare { path, op, value })
    }
}

fn describe(t: &Token) -> String {
    match t {
        Token::Word(w) => format!("'{w}'"),
        Token::Str(s) => format!("\"{s}\""),
        Token::LParen => "'('".into(),
        Token::RParen => "')'".into(),
        Token::LBracket => "'['".into(),
        Token::RBracket => "']'".into(),
    }
}

impl Filter {
    /// Parses a filter such as `userName eq "ada@example.com" and not (active eq false)`.
    pub fn parse(s: &str) -> Result<Self, ScimError> {
        if s.len() > 4096 {
            return Err(ScimError::invalid_filter("The filter is too long."));
        }
        let tokens = tokenize(s)?;
        if tokens.is_empty() {
            return Err(ScimError::invalid_filter("The filter is empty."));
        }
        let mut p = Parser {
            tokens,
            pos: 0,
            depth: 0,
        };
        let f = p.or()?;
        match p.peek() {
            None => Ok(f),
            Some(t) => Err(ScimError::invalid_filter(format!(
                "Unexpected {} in the filter.",
                describe(t)
            ))),
        }
    }

    /// The value an equality on `attr` (core schema, no sub-attribute) requires of every
    /// match, if the filter pins one: lets the store narrow the candidates before matching.
    pub fn pinned(&self, attr: &str) -> Option<&str> {
        match self {
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value: Value::String(v),
            } if path.sub.is_none() && path.attr.eq_ignore_ascii_case(attr) => Some(v),
            Filter::And(a, b) => a.pinned(attr).or_else(|| b.pinned(attr)),
            _ => None,
        }
    }

    /// Whether `doc` (a resource of schema `core`) matches.
    pub fn matches(&self, core: &str, doc: &Value) -> bool {
        let Some(obj) = doc.as_object() else {
            return false;
        };
        match self {
            Filter::And(a, b) => a.matches(core, doc) && b.matches(core, doc),
            Filter::Or(a, b) => a.matches(core, doc) || b.matches(core, doc),
            Filter::Not(a) => !a.matches(core, doc),
            Filter::Present(path) => values_at(core, obj, path).iter().any(|v| present(v)),
            Filter::Compare { path, op, value } => {
                let vals = values_at(core, obj, path);
                let exact = is_case_exact(path);
                if vals.is_empty() {
                    // An absent attribute equals null and differs from everything else.
                    return match op {
                        CompareOp::Eq => value.is_null(),
                        CompareOp::Ne => !value.is_null(),
                        _ => false,
                    };
                }
                if *op == CompareOp::Ne {
                    return !vals.iter().any(|v| compare(v, CompareOp::Eq, value, exact));
                }
                vals.iter().any(|v| compare(v, *op, value, exact))
            }
            Filter::ValuePath { path, filter } => {
                let container = match path.extension(core, obj) {
                    Some(ext) => obj.get(ext).and_then(|e| get_ci(e, &path.attr)),
                    None => get_ci(doc, &path.attr),
                };
                let items: Vec<&Value> = match container {
                    Some(Value::Array(a)) => a.iter().collect(),
                    Some(v @ Value::Object(_)) => vec![v],
                    _ => vec![],
                };
                items.into_iter().any(|item| filter.matches_element(item))
            }
        }
    }

    /// Matches one element of a multi-valued attribute (inside `[...]`), where paths name
    /// the element's sub-attributes.
    pub fn matches_element(&self, item: &Value) -> bool {
        match self {
            Filter::And(a, b) => a.matches_element(item) && b.matches_element(item),
            Filter::Or(a, b) => a.matches_element(item) || b.matches_element(item),
            Filter::Not(a) => !a.matches_element(item),
            Filter::Present(p) => get_ci(item, &p.attr).is_some_and(present),
            Filter::Compare { path, op, value } => match get_ci(item, &path.attr) {
                None | Some(Value::Null) => match op {
                    CompareOp::Eq => value.is_null(),
                    CompareOp::Ne => !value.is_null(),
                    _ => false,
                },
                Some(v) => {
                    let exact = path.attr.eq_ignore_ascii_case("value")
                        || path.attr.eq_ignore_ascii_case("$ref");
                    match op {
                        CompareOp::Ne => !compare(v, CompareOp::Eq, value, exact),
                        op => compare(v, *op, value, exact),
                    }
                }
            },
            Filter::ValuePath { .. } => false,
        }
    }
}

fn present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

/// Identifiers compare exactly; everything else ignores case (RFC 7643 caseExact).
fn is_case_exact(path: &AttrPath) -> bool {
    let a = path.attr.to_ascii_lowercase();
    matches!(a.as_str(), "id" | "externalid")
        || (a == "meta"
            && path
                .sub
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("version")))
        || (a == "members"
            && path
                .sub
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("value")))
}

/// The values at `path` in a resource: a multi-valued attribute yields each element (or
/// each element's sub-attribute; for a bare multi-valued complex attribute, its `value`).
fn values_at<'a>(core: &str, obj: &'a Map<String, Value>, path: &AttrPath) -> Vec<&'a Value> {
    let in_extension = path
        .schema
        .as_deref()
        .is_some_and(|s| !s.eq_ignore_ascii_case(core));
    let base = match path.extension(core, obj) {
        Some(ext) => obj.get(ext).and_then(|e| get_ci(e, &path.attr)),
        None if in_extension => None,
        None => get_ci_map(obj, &path.attr),
    };
    let Some(base) = base else {
        return vec![];
    };
    match (base, &path.sub) {
        (Value::Array(items), Some(s)) => items.iter().filter_map(|i| get_ci(i, s)).collect(),
        (Value::Array(items), None) => items
            .iter()
            .map(|i| {
                if i.is_object() {
                    get_ci(i, "value").unwrap_or(&Value::Null)
                } else {
                    i
                }
            })
            .collect(),
        (v, Some(s)) => get_ci(v, s).into_iter().collect(),
        (v, None) => vec![v],
    }
}

fn compare(actual: &Value, op: CompareOp, wanted: &Value, exact: bool) -> bool {
    match (actual, wanted) {
        (Value::String(a), Value::String(w)) => {
            let (a, w) = if exact {
                (a.clone(), w.clone())
            } else {
                (a.to_lowercase(), w.to_lowercase())
            };
            match op {
                CompareOp::Eq => a == w,
                CompareOp::Ne => a != w,
                CompareOp::Co => a.contains(&w),
                CompareOp::Sw => a.starts_with(&w),
                CompareOp::Ew => a.ends_with(&w),
                CompareOp::Gt => a > w,
                CompareOp::Ge => a >= w,
                CompareOp::Lt => a < w,
                CompareOp::Le => a <= w,
            }
        }
        (Value::Bool(a), Value::Bool(w)) => match op {
            CompareOp::Eq => a == w,
            CompareOp::Ne => a != w,
            _ => false,
        },
        (Value::Number(a), Value::Number(w)) => {
            let (a, w) = (a.as_f64().unwrap_or(0.0), w.as_f64().unwrap_or(0.0));
            match op {
                CompareOp::Eq => a == w,
                CompareOp::Ne => a != w,
                CompareOp::Gt => a > w,
                CompareOp::Ge => a >= w,
                CompareOp::Lt => a < w,
                CompareOp::Le => a <= w,
                _ => false,
            }
        }
        (a, Value::Null) => matches!(op, CompareOp::Eq) && a.is_null(),
        _ => false,
    }
}

fn get_ci_map<'a>(o: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    o.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// A member of a JSON object, by name ignoring case.
pub fn get_ci<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn key_ci(o: &Map<String, Value>, name: &str) -> String {
    o.keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .unwrap_or_else(|| name.to_string())
}

/// A PATCH path: an attribute, optionally filtered (`members[value eq "…"]`) and
/// optionally narrowed to a sub-attribute after the filter (`emails[type eq "work"].value`).
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
    pub sub_after_filter: Option<String>,
}

impl PatchPath {
    pub fn parse(s: &str) -> Result<Self, ScimError> {
        let s = s.trim();
        match s.find('[') {
            None => Ok(Self {
                attr: AttrPath::parse(s)?,
                filter: None,
                sub_after_filter: None,
            }),
            Some(i) => {
                let close = s.rfind(']').ok_or_else(|| {
                    ScimError::invalid_path(format!("'{s}' opens '[' without closing it."))
                })?;
                if close < i {
                    return Err(ScimError::invalid_path(format!("'{s}' is not a path.")));
                }
                let attr = AttrPath::parse(&s[..i])?;
                if attr.sub.is_some() {
                    return Err(ScimError::invalid_path(format!(
                        "'{s}': a filter applies to a multi-valued attribute, not a sub-attribute."
                    )));
                }
                let filter = Filter::parse(&s[i + 1..close])
                    .map_err(|e| ScimError::invalid_path(format!("'{s}': {}", e.detail)))?;
                let rest = &s[close + 1..];
                let sub_after_filter = match rest.strip_prefix('.') {
                    Some(sub) if !sub.is_empty() => Some(sub.to_string()),
                    None if rest.is_empty() => None,
                    _ => {
                        return Err(ScimError::invalid_path(format!("'{s}' is not a path.")));
                    }
                };
                Ok(Self {
                    attr,
                    filter: Some(filter),
                    sub_after_filter,
                })
            }
        }
    }
}

/// PATCH operation kinds (names are matched ignoring case: Entra sends "Replace").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchKind {
    Add,
    Replace,
    Remove,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    pub kind: PatchKind,
    pub path: Option<PatchPath>,
    pub value: Option<Value>,
}

/// Reads the `Operations` of a PatchOp request body.
pub fn parse_patch(body: &Value) -> Result<Vec<PatchOperation>, ScimError> {
    let schemas = get_ci(body, "schemas").and_then(Value::as_array);
    if !schemas.is_some_and(|s| s.iter().any(|x| x.as_str() == Some(PATCH_OP))) {
        return Err(ScimError::invalid_syntax(format!(
            "A PATCH request names the schema '{PATCH_OP}'."
        )));
    }
    let ops = get_ci(body, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::invalid_syntax("A PATCH request holds a list 'Operations'."))?;
    if ops.is_empty() {
        return Err(ScimError::invalid_syntax("'Operations' is empty."));
    }
    ops.iter()
        .map(|op| {
            let kind = match get_ci(op, "op")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase)
            {
                Some(k) if k == "add" => PatchKind::Add,
                Some(k) if k == "replace" => PatchKind::Replace,
                Some(k) if k == "remove" => PatchKind::Remove,
                Some(k) => {
                    return Err(ScimError::invalid_syntax(format!(
                        "'{k}' is not a PATCH operation: use add, replace or remove."
                    )));
                }
                None => return Err(ScimError::invalid_syntax("Each operation names its 'op'.")),
            };
            let path = match get_ci(op, "path") {
                None | Some(Value::Null) => None,
                Some(Value::String(p)) if p.trim().is_empty() => None,
                Some(Value::String(p)) => Some(PatchPath::parse(p)?),
                Some(_) => return Err(ScimError::invalid_path("'path' is a string.")),
            };
            let value = get_ci(op, "value").cloned();
            match (kind, &path, &value) {
                (PatchKind::Remove, None, _) => {
                    Err(ScimError::no_target("A 'remove' operation names a 'path'."))
                }
                (PatchKind::Add | PatchKind::Replace, _, None) => Err(ScimError::invalid_value(
                    "An 'add' or 'replace' operation carries a 'value'.",
                )),
                (PatchKind::Add | PatchKind::Replace, None, Some(v)) if !v.is_object() => {
                    Err(ScimError::invalid_value(
                        "Without a 'path', the 'value' is an object of attributes.",
                    ))
                }
                _ => Ok(PatchOperation { kind, path, value }),
            }
        })
        .collect()
}

/// Applies `ops` to `doc`, a resource of schema `core`, in order. Read-only attributes are
/// left to the caller, which stores the result with PUT's rules.
pub fn apply_patch(core: &str, doc: &mut Value, ops: &[PatchOperation]) -> Result<(), ScimError> {
    for op in ops {
        apply_one(core, doc, op)?;
    }
    Ok(())
}

fn apply_one(core: &str, doc: &mut Value, op: &PatchOperation) -> Result<(), ScimError> {
    let obj = doc
        .as_object_mut()
        .ok_or_else(|| ScimError::invalid_value("The resource is not an object."))?;
    let Some(path) = &op.path else {
        // No path: the value is an object of attributes (possibly with dotted or
        // URN-qualified names, as some providers send).
        let value = op.value.clone().unwrap_or(Value::Null);
        for (k, v) in value.as_object().into_iter().flatten() {
            if k.eq_ignore_ascii_case("schemas") {
                continue;
            }
            let p = PatchPath::parse(k)?;
            match p.attr.namespace() {
                Some(ns) if p.filter.is_none() => set_namespace(obj, &ns, v.clone(), op.kind)?,
                _ => set_path(core, obj, &p, v.clone(), op.kind)?,
            }
        }
        return Ok(());
    };
    if let (Some(ns), None) = (path.attr.namespace(), &path.filter) {
        return match op.kind {
            PatchKind::Remove => {
                let key = key_ci(obj, &ns);
                obj.remove(&key);
                Ok(())
            }
            kind => set_namespace(obj, &ns, op.value.clone().unwrap_or(Value::Null), kind),
        };
    }
    match op.kind {
        PatchKind::Remove => remove_path(core, obj, path, op.value.as_ref()),
        kind => set_path(
            core,
            obj,
            path,
            op.value.clone().unwrap_or(Value::Null),
            kind,
        ),
    }
}

/// Adds to (merging) or replaces an extension's whole namespace.
fn set_namespace(
    obj: &mut Map<String, Value>,
    ns: &str,
    value: Value,
    kind: PatchKind,
) -> Result<(), ScimError> {
    let Value::Object(new) = value else {
        return Err(ScimError::invalid_value(format!(
            "The value for '{ns}' is an object of its attributes."
        )));
    };
    let key = key_ci(obj, ns);
    let slot = obj.entry(key).or_insert_with(|| Value::Object(Map::new()));
    match (kind, slot) {
        (PatchKind::Add, Value::Object(existing)) => {
            for (k, v) in new {
                if k.eq_ignore_ascii_case("schemas") {
                    continue;
                }
                let kk = key_ci(existing, &k);
                existing.insert(kk, v);
            }
        }
        (_, slot) => {
            let mut new = new;
            new.retain(|k, _| !k.eq_ignore_ascii_case("schemas"));
            *slot = Value::Object(new);
        }
    }
    Ok(())
}

/// The object holding `path`'s attribute: the resource itself, or an extension's namespace
/// (created when absent).
fn container<'a>(
    core: &str,
    obj: &'a mut Map<String, Value>,
    path: &AttrPath,
) -> Result<&'a mut Map<String, Value>, ScimError> {
    match &path.schema {
        Some(u) if !u.eq_ignore_ascii_case(core) => {
            let key = key_ci(obj, u);
            if !obj.contains_key(&key) && !u.starts_with("urn:ietf:params:scim:schemas:extension:")
            {
                return Err(ScimError::invalid_path(format!(
                    "'{u}' is not a schema of this resource."
                )));
            }
            let ext = obj.entry(key).or_insert_with(|| Value::Object(Map::new()));
            if !ext.is_object() {
                *ext = Value::Object(Map::new());
            }
            match ext {
                Value::Object(m) => Ok(m),
                _ => Err(ScimError::invalid_path(format!("'{u}' is not an object."))),
            }
        }
        _ => Ok(obj),
    }
}

fn set_path(
    core: &str,
    obj: &mut Map<String, Value>,
    path: &PatchPath,
    value: Value,
    kind: PatchKind,
) -> Result<(), ScimError> {
    let target = container(core, obj, &path.attr)?;
    let key = key_ci(target, &path.attr.attr);
    match (&path.filter, &path.attr.sub) {
        (None, None) => {
            let slot = target.entry(key).or_insert(Value::Null);
            match (kind, &mut *slot, value) {
                // add to a multi-valued attribute appends the new values.
                (PatchKind::Add, Value::Array(items), Value::Array(new)) => {
                    for v in new {
                        if !items.contains(&v) {
                            items.push(v);
                        }
                    }
                }
                (PatchKind::Add, Value::Array(items), v) if !v.is_null() => {
                    if !items.contains(&v) {
                        items.push(v);
                    }
                }
                // add to a complex attribute merges sub-attributes.
                (PatchKind::Add, Value::Object(existing), Value::Object(new)) => {
                    for (k, v) in new {
                        let kk = key_ci(existing, &k);
                        existing.insert(kk, v);
                    }
                }
                (_, slot, v) => *slot = v,
            }
        }
        (None, Some(sub)) => {
            let slot = target
                .entry(key.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            match slot {
                Value::Object(o) => {
                    let kk = key_ci(o, sub);
                    o.insert(kk, value);
                }
                Value::Null => {
                    let mut o = Map::new();
                    o.insert(sub.clone(), value);
                    *slot = Value::Object(o);
                }
                _ => {
                    return Err(ScimError::invalid_path(format!(
                        "'{key}' has no sub-attribute '{sub}'."
                    )));
                }
            }
        }
        (Some(filter), _) => {
            let slot = target
                .entry(key.clone())
                .or_insert_with(|| Value::Array(vec![]));
            if slot.is_null() {
                *slot = Value::Array(vec![]);
            }
            let Value::Array(items) = slot else {
                return Err(ScimError::invalid_path(format!(
                    "'{key}' is not multi-valued, so it takes no filter."
                )));
            };
            let mut hit = false;
            for item in items.iter_mut().filter(|i| filter.matches_element(i)) {
                hit = true;
                match &path.sub_after_filter {
                    Some(sub) => {
                        if let Value::Object(o) = item {
                            let kk = key_ci(o, sub);
                            o.insert(kk, value.clone());
                        }
                    }
                    None => match (&mut *item, &value) {
                        (Value::Object(o), Value::Object(new)) => {
                            for (k, v) in new {
                                let kk = key_ci(o, k);
                                o.insert(kk, v.clone());
                            }
                        }
                        (item, v) => *item = v.clone(),
                    },
                }
            }
            if !hit {
                // Entra adds `emails[type eq "work"].value` to a user with no work email:
                // the element is created from the filter's equalities.
                let mut seed = Map::new();
                if !equalities(filter, &mut seed) {
                    return Err(ScimError::no_target(format!(
                        "No value of '{key}' matches the filter."
                    )));
                }
                match (&path.sub_after_filter, value) {
                    (Some(sub), v) => {
                        seed.insert(sub.clone(), v);
                    }
                    (None, Value::Object(new)) => seed.extend(new),
                    (None, _) => {
                        return Err(ScimError::no_target(format!(
                            "No value of '{key}' matches the filter."
                        )));
                    }
                }
                items.push(Value::Object(seed));
            }
        }
    }
    Ok(())
}

/// Collects `a eq v and b eq w` into an object; false when the filter is anything else.
fn equalities(f: &Filter, out: &mut Map<String, Value>) -> bool {
    match f {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.sub.is_none() && path.schema.is_none() => {
            out.insert(path.attr.clone(), value.clone());
            true
        }
        Filter::And(a, b) => equalities(a, out) && equalities(b, out),
        _ => false,
    }
}

fn remove_path(
    core: &str,
    obj: &mut Map<String, Value>,
    path: &PatchPath,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let target = container(core, obj, &path.attr)?;
    let key = key_ci(target, &path.attr.attr);
    match (&path.filter, &path.attr.sub) {
        (None, None) => {
            // Entra removes members as {"path": "members", "value": [{"value": "…"}]}.
            if let (Some(Value::Array(items)), Some(Value::Array(gone))) =
                (target.get_mut(&key), value)
            {
                let ids: Vec<&Value> = gone.iter().filter_map(|g| get_ci(g, "value")).collect();
                items.retain(|i| {
                    let v = get_ci(i, "value");
                    !(gone.contains(i) || v.is_some_and(|v| ids.contains(&v)))
                });
                return Ok(());
            }
            target.remove(&key);
        }
        (None, Some(sub)) => {
            if let Some(Value::Object(o)) = target.get_mut(&key) {
                let kk = key_ci(o, sub);
                o.remove(&kk);
            }
        }
        (Some(filter), _) => {
            let Some(Value::Array(items)) = target.get_mut(&key) else {
                return Ok(());
            };
            match &path.sub_after_filter {
                Some(sub) => {
                    for item in items.iter_mut().filter(|i| filter.matches_element(i)) {
                        if let Value::Object(o) = item {
                            let kk = key_ci(o, sub);
                            o.remove(&kk);
                        }
                    }
                }
                None => items.retain(|i| !filter.matches_element(i)),
            }
        }
    }
    Ok(())
}

/// Keeps only the attributes asked for (`attributes`) or drops those excluded
/// (`excludedAttributes`), per RFC 7644 §3.4.2.5. `id` and `schemas` always stay.
pub fn project(doc: &mut Value, core: &str, attributes: &[AttrPath], excluded: &[AttrPath]) {
    let Some(obj) = doc.as_object_mut() else {
        return;
    };
    let always = |k: &str| k == "id" || k == "schemas" || k == "meta";
    if !attributes.is_empty() {
        let keys: Vec<String> = obj.keys().cloned().collect();
        for k in keys {
            if always(&k) {
                continue;
            }
            let is_ext = k.starts_with("urn:");
            let wanted: Vec<&AttrPath> = attributes
                .iter()
                .filter(|p| {
                    if is_ext {
                        p.schema
                            .as_deref()
                            .is_some_and(|s| s.eq_ignore_ascii_case(&k))
                    } else {
                        p.attr.eq_ignore_ascii_case(&k)
                            && p.schema
                                .as_deref()
                                .is_none_or(|s| s.eq_ignore_ascii_case(core))
                    }
                })
                .collect();
            if wanted.is_empty() {
                obj.remove(&k);
            } else if is_ext {
                if let Some(Value::Object(e)) = obj.get_mut(&k) {
                    e.retain(|ek, _| wanted.iter().any(|p| p.attr.eq_ignore_ascii_case(ek)));
                }
            } else if wanted.iter().all(|p| p.sub.is_some()) {
                let subs: Vec<&str> = wanted.iter().filter_map(|p| p.sub.as_deref()).collect();
                keep_subs(obj.get_mut(&k), &subs);
            }
        }
    }
    for p in excluded {
        match p
            .schema
            .as_deref()
            .filter(|s| !s.eq_ignore_ascii_case(core))
        {
            Some(ext) => {
                let key = key_ci(obj, ext);
                if let Some(Value::Object(e)) = obj.get_mut(&key) {
                    let ek = key_ci(e, &p.attr);
                    e.remove(&ek);
                }
            }
            None => {
                let key = key_ci(obj, &p.attr);
                if always(&key) {
                    continue;
                }
                match &p.sub {
                    None => {
                        obj.remove(&key);
                    }
                    Some(sub) => drop_sub(obj.get_mut(&key), sub),
                }
            }
        }
    }
}

fn keep_subs(v: Option<&mut Value>, subs: &[&str]) {
    let keep = |o: &mut Map<String, Value>| {
        o.retain(|k, _| subs.iter().any(|s| s.eq_ignore_ascii_case(k)))
    };
    match v {
        Some(Value::Object(o)) => keep(o),
        Some(Value::Array(items)) => items
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .for_each(keep),
        _ => {}
    }
}

fn drop_sub(v: Option<&mut Value>, sub: &str) {
    let drop = |o: &mut Map<String, Value>| o.retain(|k, _| !k.eq_ignore_ascii_case(sub));
    match v {
        Some(Value::Object(o)) => drop(o),
        Some(Value::Array(items)) => items
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .for_each(drop),
        _ => {}
    }
}

/// Parses a comma-separated `attributes` or `excludedAttributes` parameter.
pub fn parse_attribute_list(s: &str) -> Result<Vec<AttrPath>, ScimError> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(AttrPath::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
            "id": "user_1",
            "userName": "Ada@Example.com",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "active": true,
            "emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
            "meta": {"lastModified": "2026-05-01T10:00:00Z"},
            ENTERPRISE_SCHEMA: {"department": "Sales", "manager": {"value": "user_9"}}
        })
    }

    #[test]
    fn filters_match_as_rfc_7644_says() {
        let u = user();
        let yes = [
            r#"userName eq "ada@example.com""#,
            r#"USERNAME Eq "ADA@EXAMPLE.COM""#,
            r#"name.familyName co "love""#,
            r#"userName sw "ada" and active eq true"#,
            r#"emails[type eq "work" and value ew "example.com"]"#,
            r#"emails co "example""#,
            r#"not (active eq false)"#,
            r#"title pr or userName pr"#,
            r#"meta.lastModified gt "2026-01-01T00:00:00Z""#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales""#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "user_9""#,
            r#"(userName eq "x" or userName eq "ada@example.com") and not (name.givenName eq "Bob")"#,
            r#"title eq null"#,
            r#"userName ne "bob@example.com""#,
        ];
        for f in yes {
            assert!(Filter::parse(f).unwrap().matches(USER_SCHEMA, &u), "{f}");
        }
        let no = [
            r#"userName eq "bob@example.com""#,
            r#"id eq "USER_1""#,
            r#"title pr"#,
            r#"emails[type eq "home"]"#,
            r#"active eq true and not (userName sw "ada")"#,
            r#"meta.lastModified lt "2026-01-01T00:00:00Z""#,
        ];
        for f in no {
            assert!(!Filter::parse(f).unwrap().matches(USER_SCHEMA, &u), "{f}");
        }
    }

    #[test]
    fn malformed_filters_are_invalid_filter() {
        for f in [
            "",
            "userName",
            r#"userName eq"#,
            r#"userName xx "a""#,
            r#"userName eq "open"#,
            r#"(userName eq "a""#,
            r#"userName eq "a" and"#,
            r#"userName eq unquoted"#,
            r#"emails[type eq "work""#,
            r#"userName eq "a")"#,
        ] {
            let e = Filter::parse(f).unwrap_err();
            assert_eq!(e.scim_type, Some("invalidFilter"), "{f}");
            assert_eq!(e.status, 400);
        }
    }

    #[test]
    fn pinned_equality_narrows_lookups() {
        let f = Filter::parse(r#"userName eq "a@b.c" and active eq true"#).unwrap();
        assert_eq!(f.pinned("username"), Some("a@b.c"));
        let f = Filter::parse(r#"userName eq "a@b.c" or active eq true"#).unwrap();
        assert_eq!(f.pinned("userName"), None);
    }

    fn ops(v: Value) -> Vec<PatchOperation> {
        parse_patch(&json!({"schemas": [PATCH_OP], "Operations": v})).unwrap()
    }

    #[test]
    fn okta_and_entra_patches_apply() {
        let mut u = user();
        apply_patch(
            USER_SCHEMA,
            &mut u,
            &ops(json!([{"op": "replace", "value": {"active": false}}])),
        )
        .unwrap();
        assert_eq!(u["active"], json!(false));
        apply_patch(
            USER_SCHEMA,
            &mut u,
            &ops(json!([
                {"op": "Replace", "path": "name.givenName", "value": "Augusta"},
                {"op": "Add", "path": "emails[type eq \"home\"].value", "value": "ada@home.example"},
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "ada@work.example"},
                {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "R&D"},
                {"op": "Remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}
            ])),
        )
        .unwrap();
        assert_eq!(u["name"]["givenName"], "Augusta");
        assert_eq!(u["emails"][0]["value"], "ada@work.example");
        assert_eq!(
            u["emails"][1],
            json!({"type": "home", "value": "ada@home.example"})
        );
        assert_eq!(u[ENTERPRISE_SCHEMA], json!({"department": "R&D"}));
    }

    #[test]
    fn whole_extension_namespace_patches() {
        let mut u = user();
        apply_patch(
            USER_SCHEMA,
            &mut u,
            &ops(json!([{"op": "add", "path": ENTERPRISE_SCHEMA, "value": {"division": "EU"}}])),
        )
        .unwrap();
        assert_eq!(u[ENTERPRISE_SCHEMA]["division"], "EU");
        assert_eq!(u[ENTERPRISE_SCHEMA]["department"], "Sales");
        apply_patch(USER_SCHEMA, &mut u, &ops(json!([{"op": "replace", "path": ENTERPRISE_SCHEMA, "value": {"costCenter": "42"}}]))).unwrap();
        assert_eq!(u[ENTERPRISE_SCHEMA], json!({"costCenter": "42"}));
        apply_patch(
            USER_SCHEMA,
            &mut u,
            &ops(json!([{"op": "replace", "value": {ENTERPRISE_SCHEMA: {"department": "Ops"}}}])),
        )
        .unwrap();
        assert_eq!(u[ENTERPRISE_SCHEMA], json!({"department": "Ops"}));
        apply_patch(
            USER_SCHEMA,
            &mut u,
            &ops(json!([{"op": "remove", "path": ENTERPRISE_SCHEMA}])),
        )
        .unwrap();
        assert_eq!(u.get(ENTERPRISE_SCHEMA), None);
        let p = AttrPath::parse(&format!("{ENTERPRISE_SCHEMA}:department")).unwrap();
        assert_eq!(p.namespace(), None);
        assert_eq!(p.attr, "department");
    }

    #[test]
    fn group_member_patches() {
        let mut g = json!({"schemas": [GROUP_SCHEMA], "id": "group_1", "displayName": "Sales", "members": [{"value": "user_1"}]});
        apply_patch(GROUP_SCHEMA, &mut g, &ops(json!([{"op": "add", "path": "members", "value": [{"value": "user_2"}, {"value": "user_1"}]}]))).unwrap();
        assert_eq!(
            g["members"],
            json!([{"value": "user_1"}, {"value": "user_2"}])
        );
        apply_patch(
            GROUP_SCHEMA,
            &mut g,
            &ops(json!([{"op": "remove", "path": "members[value eq \"user_1\"]"}])),
        )
        .unwrap();
        assert_eq!(g["members"], json!([{"value": "user_2"}]));
        apply_patch(
            GROUP_SCHEMA,
            &mut g,
            &ops(json!([{"op": "remove", "path": "members", "value": [{"value": "user_2"}]}])),
        )
        .unwrap();
        assert_eq!(g["members"], json!([]));
        apply_patch(
            GROUP_SCHEMA,
            &mut g,
            &ops(json!([{"op": "replace", "value": {"displayName": "Sales EU"}}])),
        )
        .unwrap();
        assert_eq!(g["displayName"], "Sales EU");
    }

    #[test]
    fn bad_patches_name_the_scim_type() {
        let bad = |v: Value| parse_patch(&v).unwrap_err().scim_type;
        assert_eq!(bad(json!({"Operations": []})), Some("invalidSyntax"));
        assert_eq!(
            bad(json!({"schemas": [PATCH_OP], "Operations": [{"op": "move", "path": "x"}]})),
            Some("invalidSyntax")
        );
        assert_eq!(
            bad(json!({"schemas": [PATCH_OP], "Operations": [{"op": "remove"}]})),
            Some("noTarget")
        );
        assert_eq!(
            bad(json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "a b"}]})),
            Some("invalidPath")
        );
        let mut u = user();
        let e = apply_patch(
            USER_SCHEMA,
            &mut u,
            &ops(
                json!([{"op": "replace", "path": "emails[type eq \"work\" or type eq \"home\"]", "value": "x"}]),
            ),
        );
        // The work email matches, so this replaces it; an unmatched `or` filter cannot seed one.
        assert!(e.is_ok());
        let e = apply_patch(
            USER_SCHEMA,
            &mut u,
            &ops(
                json!([{"op": "replace", "path": "phoneNumbers[type eq \"a\" or type eq \"b\"].value", "value": "x"}]),
            ),
        );
        assert_eq!(e.unwrap_err().scim_type, Some("noTarget"));
    }

    #[test]
    fn projection_keeps_and_drops() {
        let mut u = user();
        project(
            &mut u,
            USER_SCHEMA,
            &parse_attribute_list("userName,name.givenName").unwrap(),
            &[],
        );
        assert_eq!(u.get("active"), None);
        assert_eq!(u["name"], json!({"givenName": "Ada"}));
        assert!(u.get("id").is_some());
        let mut u = user();
        project(
            &mut u,
            USER_SCHEMA,
            &[],
            &parse_attribute_list(
                "emails,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            )
            .unwrap(),
        );
        assert_eq!(u.get("emails"), None);
        assert_eq!(u[ENTERPRISE_SCHEMA], json!({"department": "Sales"}));
    }
}
