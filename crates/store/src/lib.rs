//! Persistence for Corral: migrations, queries and transactions, with the same behaviour on
//! SQLite (embedded default) and PostgreSQL (production, several nodes).
//!
//! The store makes no business decisions. Every query is written once in SQL both engines
//! accept (`$N` placeholders work in SQLite too) and run through [`on!`], which type-checks the
//! body once per engine so each engine gets its native types (booleans, timestamps).
//!
//! SQLite gets two pools: a single-connection writer, so writes from this process queue
//! instead of failing with `SQLITE_BUSY`, and a reader pool that WAL lets run beside it.

mod db;
pub mod model;
pub mod queries;
pub mod sql;
pub mod testing;

pub use db::{Db, Engine, Listener, StoreError, Tx};

/// The current time, cut to microseconds so it round-trips exactly on both engines.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{SubsecRound, Utc};
    Utc::now().trunc_subsecs(6)
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
