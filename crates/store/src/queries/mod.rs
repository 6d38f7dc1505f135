//! Queries, one module per area. Every function takes the open transaction it runs in.

pub mod auth;
pub mod cluster;
pub mod custom_fields;
pub mod groups;
pub mod jobs;
pub mod leads;
pub mod memberships;
pub mod orgs;
pub mod phones;
pub mod reports;
pub mod roles;
pub mod saved_searches;
pub mod scim;
pub mod sharing;
pub mod team;
pub mod users;
pub mod webhooks;
pub mod work;

use crate::StoreError;

/// Maps a driver error, recognising unique violations.
pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    StoreError::from_sqlx(e)
}
