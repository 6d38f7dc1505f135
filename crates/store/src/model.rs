//! Rows as they are stored. Services turn them into domain values and adapters into wire
//! shapes; nothing here decides anything.

use chrono::{DateTime, Utc};

pub type Ts = DateTime<Utc>;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub email_lower: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub image: Option<String>,
    pub timezone: String,
    pub password_hash: Option<String>,
    pub date_created: Ts,
    pub date_updated: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrganizationRow {
    pub id: String,
    pub name: String,
    pub seat_limit: Option<i64>,
    pub date_created: Ts,
    pub date_updated: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkspaceRow {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub currency: String,
    pub created_by: Option<String>,
    pub updated_by: Option<String>,
    pub date_created: Ts,
    pub date_updated: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoleRow {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    /// Permission names separated by commas.
    pub permissions: String,
    /// Custom-field ids separated by commas, or NULL.
    pub visibility_user_lcf_ids: Option<String>,
    pub visibility_user_lcf_behavior: Option<String>,
    pub visibility_include_reports: bool,
    pub date_created: Ts,
    pub date_updated: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MembershipRow {
    pub id: String,
    pub workspace_id: String,
    pub user_id: String,
    pub role_id: String,
    pub status: String,
    /// Restriction names separated by commas.
    pub restrictions: String,
    pub round_robin: bool,
    pub homepage: String,
    pub manager_id: Option<String>,
    pub auto_record_calls: String,
    pub track_email_opens: bool,
    pub default_caller_id: Option<String>,
    pub last_active_at: Option<Ts>,
    pub invited_by: Option<String>,
    pub date_created: Ts,
    pub date_updated: Ts,
    pub date_activated: Option<Ts>,
    pub date_deactivated: Option<Ts>,
    pub date_removed: Option<Ts>,
    pub status_changed_by: Option<String>,
    /// Pinned smart view ids in order, separated by commas.
    pub pinned_views: String,
}

/// A membership with the user fields every listing shows beside it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    #[sqlx(flatten)]
    pub membership: MembershipRow,
    pub user_email: String,
    pub user_first_name: String,
    pub user_last_name: String,
    pub user_phone: Option<String>,
    pub user_image: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PhoneNumberRow {
    pub id: String,
    pub workspace_id: String,
    pub number: String,
    pub label: String,
    pub is_group_number: bool,
    pub user_id: Option<String>,
    pub group_id: Option<String>,
    pub date_created: Ts,
    pub date_updated: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ForwardingRow {
    pub workspace_id: String,
    pub user_id: String,
    pub when_to: String,
    pub target_user_id: Option<String>,
    pub target_number: Option<String>,
    pub date_updated: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssignmentSettingsRow {
    pub workspace_id: String,
    pub auto_assign: bool,
    pub strategy: String,
    pub skip_offline: bool,
    pub date_updated: Ts,
    /// Whether members out of office are left out of the pool.
    pub skip_out_of_office: bool,
}

/// A contact in one member's personal address book.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PersonalContactRow {
    pub id: String,
    pub workspace_id: String,
    pub owner_user_id: String,
    pub name: String,
    pub title: String,
    pub company: String,
    pub segment: String,
    /// JSON lists of `{value, label, personal}`.
    pub emails: String,
    pub phones: String,
    pub addresses: String,
    pub opportunity_id: Option<String>,
    pub unshared: bool,
    pub date_created: Ts,
    pub date_updated: Ts,
}

/// A contact of the team: a snapshot or a live copy of a personal contact.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamContactRow {
    pub id: String,
    pub workspace_id: String,
    pub source_id: Option<String>,
    pub source_owner_id: Option<String>,
    pub mode: String,
    pub name: String,
    pub title: String,
    pub company: String,
    pub segment: String,
    pub emails: String,
    pub phones: String,
    pub addresses: String,
    pub assigned_to: Option<String>,
    pub timeline_visibility: String,
    /// The source's shared fields at the last sync (JSON object).
    pub sync_base: String,
    pub out_of_sync: bool,
    /// JSON list of conflicts awaiting the owner.
    pub conflicts: String,
    pub created_by: String,
    pub date_created: Ts,
    pub date_updated: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SharingSettingsRow {
    pub workspace_id: String,
    pub template: String,
    pub share_business: bool,
    pub share_deal_contacts: bool,
    pub share_assigned: bool,
    pub date_updated: Ts,
}

/// A member as SCIM sees them: the membership, the user, and what the provider set.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScimMemberRow {
    #[sqlx(flatten)]
    pub member: MemberRow,
    pub user_date_created: Ts,
    pub user_date_updated: Ts,
    pub scim_user_name: Option<String>,
    pub scim_external_id: Option<String>,
    pub scim_attributes: Option<String>,
    pub scim_date_updated: Option<Ts>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScimUserRow {
    pub organization_id: String,
    pub user_id: String,
    pub user_name: String,
    pub user_name_lower: String,
    pub external_id: Option<String>,
    pub attributes: String,
    pub date_created: Ts,
    pub date_updated: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScimTokenRow {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub token_hash: String,
    pub created_by: String,
    pub date_created: Ts,
    pub last_used_at: Option<Ts>,
    pub revoked_at: Option<Ts>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScimSettingsRow {
    pub organization_id: String,
    pub workspace_id: String,
    pub role_id: String,
    pub deactivate_policy: String,
    pub reassign_to: Option<String>,
    pub date_updated: Ts,
}

/// A workspace group with what SCIM keeps about it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScimGroupRow {
    pub id: String,
    pub name: String,
    pub date_created: Ts,
    pub date_updated: Ts,
    pub external_id: Option<String>,
    pub role_id: Option<String>,
    pub scim_date_updated: Option<Ts>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScimActivityRow {
    pub id: String,
    pub organization_id: String,
    pub token_id: String,
    pub method: String,
    pub path: String,
    pub status: i64,
    pub detail: String,
    pub date_created: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GroupRow {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub date_created: Ts,
    pub date_updated: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: String,
    pub workspace_id: String,
    pub date_created: Ts,
    pub expires_at: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: String,
    pub key_hash: String,
    pub membership_id: String,
    pub name: String,
    pub date_created: Ts,
    pub last_used_at: Option<Ts>,
    pub revoked_at: Option<Ts>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: String,
    pub workspace_id: String,
    pub membership_id: String,
    pub user_id: String,
    pub email: String,
    pub token_hash: String,
    pub invited_by: Option<String>,
    pub expires_at: Ts,
    pub accepted_at: Option<Ts>,
    pub cancelled_at: Option<Ts>,
    pub date_created: Ts,
    pub last_sent_at: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EmailRow {
    pub id: String,
    pub workspace_id: Option<String>,
    pub to_email: String,
    pub subject: String,
    pub body_text: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Ts,
    pub lease_until: Option<Ts>,
    pub last_error: Option<String>,
    pub date_created: Ts,
    pub sent_at: Option<Ts>,
}

/// One audited change; also what the Close-style event log shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: String,
    pub organization_id: String,
    pub workspace_id: Option<String>,
    pub actor_user_id: Option<String>,
    pub request_id: Option<String>,
    pub object_type: String,
    pub object_id: String,
    pub action: String,
    /// Field names separated by commas.
    pub changed_fields: String,
    /// JSON object text.
    pub previous_data: String,
    /// JSON object text.
    pub data: String,
    pub date_created: Ts,
    /// The lead the event concerns (itself, or the lead of a contact, opportunity, task or
    /// activity); None for team objects.
    pub lead_id: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SeatChangeRow {
    pub id: String,
    pub organization_id: String,
    pub user_id: String,
    pub delta: i64,
    pub reason: String,
    pub actor_user_id: Option<String>,
    pub seats_after: i64,
    pub date_created: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CustomFieldRow {
    pub id: String,
    pub workspace_id: String,
    pub object_type: String,
    pub name: String,
    pub description: String,
    pub field_type: String,
    pub accepts_multiple_values: bool,
    /// Choice labels separated by newlines.
    pub choices: String,
    /// Role ids separated by commas; empty means everyone may edit.
    pub editable_with_roles: String,
    pub created_by: Option<String>,
    pub updated_by: Option<String>,
    pub date_created: Ts,
    pub date_updated: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LeadStatusRow {
    pub id: String,
    pub workspace_id: String,
    pub label: String,
    pub sort_order: i64,
    pub date_created: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LeadRow {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub description: String,
    pub url: Option<String>,
    pub status_id: String,
    /// JSON array text.
    pub addresses: String,
    pub created_by: Option<String>,
    pub updated_by: Option<String>,
    pub created_by_name: String,
    pub updated_by_name: String,
    pub date_created: Ts,
    pub date_updated: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContactRow {
    pub id: String,
    pub workspace_id: String,
    pub lead_id: String,
    pub name: String,
    pub title: String,
    /// JSON array texts.
    pub emails: String,
    pub phones: String,
    pub urls: String,
    pub created_by: Option<String>,
    pub updated_by: Option<String>,
    pub created_by_name: String,
    pub updated_by_name: String,
    pub date_created: Ts,
    pub date_updated: Ts,
    /// JSON object text: custom field id → value, as the API shows it.
    pub custom: String,
}

/// One custom field value of a lead.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FieldValueRow {
    pub lead_id: String,
    pub field_id: String,
    pub value: String,
    pub position: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OppStatusRow {
    pub id: String,
    pub workspace_id: String,
    pub pipeline_id: String,
    pub label: String,
    pub status_type: String,
    pub sort_order: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpportunityRow {
    pub id: String,
    pub workspace_id: String,
    pub lead_id: String,
    pub contact_id: Option<String>,
    pub user_id: Option<String>,
    pub user_name: String,
    pub status_id: String,
    pub value: i64,
    pub value_period: String,
    pub value_currency: String,
    pub confidence: i64,
    pub note: String,
    /// `YYYY-MM-DD`.
    pub date_won: Option<String>,
    pub created_by: Option<String>,
    pub updated_by: Option<String>,
    pub created_by_name: String,
    pub updated_by_name: String,
    pub date_created: Ts,
    pub date_updated: Ts,
    /// JSON object text: custom field id → value, as the API shows it.
    pub custom: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskRow {
    pub id: String,
    pub workspace_id: String,
    pub lead_id: String,
    pub contact_id: Option<String>,
    pub assigned_to: Option<String>,
    pub assigned_to_name: String,
    pub text: String,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    pub is_complete: bool,
    pub created_by: Option<String>,
    pub updated_by: Option<String>,
    pub created_by_name: String,
    pub updated_by_name: String,
    pub date_created: Ts,
    pub date_updated: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActivityRow {
    pub id: String,
    pub workspace_id: String,
    pub lead_id: String,
    pub contact_id: Option<String>,
    pub activity_type: String,
    pub user_id: Option<String>,
    pub user_name: String,
    pub body: String,
    pub subject: String,
    pub direction: Option<String>,
    pub duration: i64,
    pub activity_at: Ts,
    pub created_by: Option<String>,
    pub updated_by: Option<String>,
    pub created_by_name: String,
    pub updated_by_name: String,
    pub date_created: Ts,
    pub date_updated: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BulkJobRow {
    pub id: String,
    pub workspace_id: String,
    pub kind: String,
    pub action: String,
    /// JSON object text.
    pub params: String,
    /// JSON object text: the query the targets were chosen by.
    pub selection: String,
    pub membership_id: String,
    pub created_by: String,
    pub status: String,
    pub n_objects: i64,
    pub n_objects_processed: i64,
    pub error: Option<String>,
    pub lease_until: Option<Ts>,
    pub date_created: Ts,
    pub date_updated: Ts,
    /// The node that last took the job (several nodes on one PostgreSQL).
    pub lease_node: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
    pub id: String,
    pub workspace_id: String,
    pub created_by: String,
    pub format: String,
    pub export_type: String,
    pub status: String,
    pub n_docs: i64,
    pub content: String,
    pub date_created: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OffboardingRow {
    pub id: String,
    pub workspace_id: String,
    pub membership_id: String,
    pub user_id: String,
    pub actor_user_id: String,
    pub action: String,
    /// How many records it moved (the manifest itself is read apart: see
    /// `work::offboarding_manifest`).
    pub moved: i64,
    pub date_created: Ts,
    pub undone_at: Option<Ts>,
}

/// A Smart View (saved search).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SavedSearchRow {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub description: String,
    pub view_type: String,
    /// JSON text: the query tree.
    pub s_query: String,
    pub user_id: String,
    pub whole_org: bool,
    pub created_by: String,
    pub updated_by: String,
    pub date_created: Ts,
    pub date_updated: Ts,
}

/// A webhook subscription: where to POST which events, signed with `signature_key`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookRow {
    pub workspace_id: String,
    pub id: String,
    pub url: String,
    /// JSON text: the list of `{object_type, action, extra_filter?}`.
    pub events: String,
    pub verify_ssl: bool,
    pub status: String,
    pub pause_reason: Option<String>,
    /// Hex; the HMAC-SHA256 key of every delivery.
    pub signature_key: String,
    pub consecutive_failures: i64,
    pub latest_error: Option<String>,
    pub delivered_count: i64,
    pub failed_count: i64,
    pub created_by: String,
    pub updated_by: String,
    pub date_created: Ts,
    pub date_updated: Ts,
}

/// One event on its way to one subscription (the webhook outbox).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookDeliveryRow {
    pub workspace_id: String,
    pub id: String,
    pub webhook_id: String,
    pub event_id: String,
    /// The exact body that is signed and sent.
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Ts,
    pub lease_until: Option<Ts>,
    pub last_error: Option<String>,
    pub response_status: Option<i64>,
    pub date_created: Ts,
    pub delivered_at: Option<Ts>,
}
