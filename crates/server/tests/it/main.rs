//! End-to-end tests: each starts a whole Corral on port 0 with a fresh database and talks to
//! it over HTTP, as a client would. Every test runs on SQLite, and on PostgreSQL when
//! `CORRAL_TEST_POSTGRES_URL` is set (CI sets it, and there a missing URL fails the run).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api_basics;
mod browser;
mod bulk;
mod close_client;
mod cluster;
mod crash;
mod demo;
mod disk;
mod helpers;
mod imports;
mod leads;
mod model;
mod offboarding;
mod phones;
mod procs;
mod rate_limits;
mod reports;
mod roles_groups;
mod scim;
mod security;
mod sharing;
mod sign_in;
mod smtp_sink;
mod team_admin;
mod webhooks;
mod work;
