//! Secrets: random tokens, their stored hashes, and argon2id password hashing run off the
//! async worker threads.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

use crate::{Result, ServiceError};

/// A fresh unguessable token (256 bits of base62).
pub fn new_token() -> String {
    corral_domain::ids::random_base62(43)
}

/// The SHA-256 of a token, hex-encoded: what the database keeps instead of the token.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Constant-time equality for secrets compared outside the database.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks a new password's shape.
pub fn validate_password(password: &str) -> Result<()> {
    if password.chars().count() < 8 {
        return Err(ServiceError::field(
            "password",
            "The password must be at least 8 characters long.",
        ));
    }
    if password.len() > 1024 {
        return Err(ServiceError::field(
            "password",
            "The password must be at most 1024 bytes long.",
        ));
    }
    Ok(())
}

/// Hashes a password with argon2id (default parameters) on a blocking thread.
pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| ServiceError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("password hashing task failed: {e}")))?
}

/// Verifies a password against a stored hash on a blocking thread. With no stored hash a
/// dummy hash is checked, so unknown accounts take as long as known ones.
pub async fn verify_password(password: String, stored: Option<String>) -> Result<bool> {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$8L6bqZmPDXXlMOCoqJd6YqV8bR0D1w9gnLfR1nYcNJI";
    tokio::task::spawn_blocking(move || {
        let has_hash = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY.to_string());
        let parsed = PasswordHash::new(&stored).map_err(|e| {
            ServiceError::Internal(format!("stored password hash is malformed: {e}"))
        })?;
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok && has_hash)
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("password check task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_and_verify() {
        let h = hash_password("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(
            verify_password("correct horse".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify_password("wrong horse".into(), Some(h))
                .await
                .unwrap()
        );
        assert!(!verify_password("anything".into(), None).await.unwrap());
    }

    #[test]
    fn token_hashes_are_stable_hex() {
        assert_eq!(token_hash("abc").len(), 64);
        assert_eq!(token_hash("abc"), token_hash("abc"));
        assert!(secrets_equal("abc", "abc"));
        assert!(!secrets_equal("abc", "abd"));
    }
}
