//! Fresh, migrated databases for tests: a SQLite file in its own temporary folder, or a
//! PostgreSQL schema of its own inside the database `CORRAL_TEST_POSTGRES_URL` names.

use std::path::PathBuf;
use std::str::FromStr;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

use crate::Db;

/// The environment variable naming the PostgreSQL database tests may use.
pub const POSTGRES_URL_VAR: &str = "CORRAL_TEST_POSTGRES_URL";

/// A test database. Dropping it deletes a SQLite file; PostgreSQL schemas are left for the
/// run's throwaway database to take with it.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    dir: Option<PathBuf>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A folder under the system temp dir that nobody else uses.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "corral-{tag}-{}",
        corral_domain::ids::random_base62(12).to_lowercase()
    ));
    #[allow(clippy::expect_used)]
    std::fs::create_dir_all(&dir).expect("cannot create a temporary folder");
    dir
}

pub async fn sqlite() -> crate::Result<TestDb> {
    let dir = temp_dir("db");
    let path = dir.join("corral.db");
    let db = Db::open_sqlite(&path).await?;
    db.migrate().await?;
    Ok(TestDb {
        db,
        url: format!("sqlite:{}", path.display()),
        dir: Some(dir),
    })
}

/// A fresh schema in the test PostgreSQL database, or None when the variable is unset.
pub async fn postgres() -> crate::Result<Option<TestDb>> {
    let Ok(base) = std::env::var(POSTGRES_URL_VAR) else {
        return Ok(None);
    };
    let schema = format!("t_{}", corral_domain::ids::random_base62(16).to_lowercase());
    let mut admin = PgConnection::connect(&base).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    let opts = PgConnectOptions::from_str(&base)?.options([("search_path", schema.as_str())]);
    let db = Db::connect_postgres(opts).await?;
    db.migrate().await?;
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    Ok(Some(TestDb { db, url, dir: None }))
}

/// Whether tests must not skip PostgreSQL (CI sets `CI=true`).
pub fn postgres_required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Every engine tests should run on here: SQLite always, PostgreSQL when configured.
/// In CI a missing PostgreSQL URL is an error, not a skip.
pub async fn all_engines() -> crate::Result<Vec<TestDb>> {
    let mut out = vec![sqlite().await?];
    match postgres().await? {
        Some(pg) => out.push(pg),
        None if postgres_required() => {
            return Err(crate::StoreError::BadUrl(format!(
                "{POSTGRES_URL_VAR} must be set when CI=true"
            )));
        }
        None => eprintln!("note: {POSTGRES_URL_VAR} unset; PostgreSQL half of this test skipped"),
    }
    Ok(out)
}
