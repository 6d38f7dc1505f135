//! Typed reads of a JSON request body, each failure a field error in Close's shape.

use serde_json::{Map, Value};

use crate::ApiError;

/// A JSON object body.
pub struct Body(pub Map<String, Value>);

impl Body {
    /// Refuses keys outside `allowed` (Close rejects unknown fields).
    pub fn only(&self, allowed: &[&str]) -> Result<(), ApiError> {
        for k in self.0.keys() {
            if !allowed.contains(&k.as_str()) {
                return Err(ApiError::field(
                    k,
                    format!("`{k}` is not a field this endpoint accepts."),
                ));
            }
        }
        Ok(())
    }

    pub fn str(&self, k: &str) -> Result<Option<String>, ApiError> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::field(k, format!("`{k}` must be a string."))),
        }
    }

    pub fn required_str(&self, k: &str) -> Result<String, ApiError> {
        self.str(k)?
            .ok_or_else(|| ApiError::field(k, format!("`{k}` is required.")))
    }

    /// A field that may be set to null explicitly: None = absent, Some(None) = null.
    pub fn nullable_str(&self, k: &str) -> Result<Option<Option<String>>, ApiError> {
        match self.0.get(k) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
            Some(_) => Err(ApiError::field(
                k,
                format!("`{k}` must be a string or null."),
            )),
        }
    }

    pub fn bool(&self, k: &str) -> Result<Option<bool>, ApiError> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::field(k, format!("`{k}` must be true or false."))),
        }
    }

    pub fn int(&self, k: &str) -> Result<Option<Option<i64>>, ApiError> {
        match self.0.get(k) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::Number(n)) if n.is_i64() => Ok(Some(n.as_i64())),
            Some(_) => Err(ApiError::field(
                k,
                format!("`{k}` must be a whole number or null."),
            )),
        }
    }

    pub fn str_list(&self, k: &str) -> Result<Option<Vec<String>>, ApiError> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_string).ok_or_else(|| {
                        ApiError::field(k, format!("`{k}` must be a list of strings."))
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(ApiError::field(
                k,
                format!("`{k}` must be a list of strings."),
            )),
        }
    }
}
