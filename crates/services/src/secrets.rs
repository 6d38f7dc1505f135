//! Secrets: random tokens, their stored hashes, and argon2id password hashing run off the
//! async worker threads.
//!
//! argon2id takes 19 MiB per hash. Run on tokio's blocking pool, each new thread would get an
//! allocator arena of its own that keeps those 19 MiB after the hash is done; a day of sign-ins
//! grew the server by hundreds of MiB that way (the allocator keeps the freed buffers). So
//! hashing runs on two dedicated threads, each hashing in one buffer it keeps and reuses, and
//! the memory hashing holds stays at those two buffers.

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use sha2::{Digest, Sha256};

use crate::{Result, ServiceError};

/// Threads that run password hashing.
const HASH_THREADS: usize = 2;

type HashJob = Box<dyn FnOnce() + Send>;

/// Runs `f` on one of the hashing threads and waits for its result.
async fn on_hash_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    use std::sync::mpsc;
    use std::sync::{Arc, Mutex, OnceLock};
    static QUEUE: OnceLock<Mutex<mpsc::Sender<HashJob>>> = OnceLock::new();
    let queue = QUEUE.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<HashJob>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..HASH_THREADS {
            let rx = rx.clone();
            let _ = std::thread::Builder::new()
                .name(format!("corral-hash-{i}"))
                .spawn(move || {
                    loop {
                        let job = match rx.lock() {
                            Ok(r) => r.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
        }
        Mutex::new(tx)
    });
    let (done, result) = tokio::sync::oneshot::channel();
    let job: HashJob = Box::new(move || {
        let _ = done.send(f());
    });
    queue
        .lock()
        .map_err(|_| ServiceError::Internal("password hashing queue poisoned".into()))?
        .send(job)
        .map_err(|_| ServiceError::Internal("password hashing threads stopped".into()))?;
    result
        .await
        .map_err(|_| ServiceError::Internal("password hashing task failed".into()))
}

thread_local! {
    /// This hashing thread's argon2 working memory, reused by every hash it computes.
    static BLOCKS: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// argon2 of `password` with `salt` into `out`, in this thread's reused working memory.
fn argon2_into(
    argon: &Argon2<'_>,
    blocks: usize,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<()> {
    BLOCKS.with(|b| {
        let mut b = b.borrow_mut();
        if b.len() != blocks {
            *b = vec![Block::default(); blocks];
        }
        argon
            .hash_password_into_with_memory(password, salt, out, &mut b[..])
            .map_err(|e| ServiceError::Internal(format!("password hashing failed: {e}")))
    })
}

fn hash_err(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(format!("password hashing failed: {e}"))
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) for `password`.
fn argon2_phc(password: &[u8]) -> Result<String> {
    let params = Params::default();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut salt = [0u8; 16];
    corral_domain::ids::fill_random(&mut salt);
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2_into(&argon, params.block_count(), password, &salt, &mut out)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(hash_err)?,
        salt: Some(Salt::new(&salt).map_err(hash_err)?),
        hash: Some(Output::new(&out).map_err(hash_err)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored` (compared in constant time).
fn argon2_matches(password: &[u8], stored: &str) -> Result<bool> {
    let malformed = |e: &dyn std::fmt::Display| {
        ServiceError::Internal(format!("stored password hash is malformed: {e}"))
    };
    let parsed = PasswordHash::new(stored).map_err(|e| malformed(&e))?;
    let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).map_err(|e| malformed(&e))?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).map_err(|e| malformed(&e))?,
        None => Version::default(),
    };
    let params = Params::try_from(&parsed).map_err(|e| malformed(&e))?;
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return Err(malformed(&"no salt or hash"));
    };
    let argon = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    argon2_into(
        &argon,
        params.block_count(),
        password,
        salt.as_ref(),
        &mut out,
    )?;
    Ok(Output::new(&out).map_err(hash_err)? == *expected)
}

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
    on_hash_thread(move || argon2_phc(password.as_bytes())).await?
}

/// Verifies a password against a stored hash on a blocking thread. With no stored hash a
/// dummy hash is checked, so unknown accounts take as long as known ones.
pub async fn verify_password(password: String, stored: Option<String>) -> Result<bool> {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$8L6bqZmPDXXlMOCoqJd6YqV8bR0D1w9gnLfR1nYcNJI";
    on_hash_thread(move || {
        let has_hash = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY.to_string());
        let ok = argon2_matches(password.as_bytes(), &stored)?;
        Ok(ok && has_hash)
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hashes stored before hashing moved to reused buffers (made by the argon2 crate's own
    /// hasher) still verify, and ours verify with the crate's verifier.
    #[tokio::test]
    async fn compatible_with_the_argon2_crates_own_phc_strings() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let theirs = Argon2::default()
            .hash_password(b"old password")
            .unwrap()
            .to_string();
        assert!(
            verify_password("old password".into(), Some(theirs.clone()))
                .await
                .unwrap()
        );
        assert!(!verify_password("other".into(), Some(theirs)).await.unwrap());
        let ours = hash_password("new password".into()).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"new password", &parsed)
                .is_ok()
        );
        assert!(Argon2::default().verify_password(b"nope", &parsed).is_err());
    }

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
