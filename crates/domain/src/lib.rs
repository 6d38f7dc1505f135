//! The domain layer: pure rules with no I/O and no async.
//!
//! Everything a reviewer needs to know about *what is allowed* lives here: validated value
//! types (ids, emails, phone numbers), the permission vocabulary, the built-in roles, member
//! restrictions and the policy that decides whether an actor may do something.

pub mod email;
pub mod error;
pub mod ids;
pub mod import;
pub mod membership;
pub mod offboarding;
pub mod permissions;
pub mod phone;
pub mod phones;
pub mod policy;
pub mod reports;
pub mod roles;
pub mod round_robin;
pub mod scim;
pub mod scim_schema;
pub mod search;
pub mod sharing;
pub mod team;
pub mod visibility;
pub mod webhooks;

pub use email::Email;
pub use error::{DomainError, FieldError};
pub use permissions::{Permission, PermissionSet};
pub use phone::Phone;
pub use policy::Actor;
