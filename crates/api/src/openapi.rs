//! The OpenAPI 3.1 document for every API route, served at `/api/openapi.json`.
//!
//! It is assembled from [`OPERATIONS`], the single list of routes the API serves; a test
//! checks each listed operation answers as documented.

use axum::Json;
use serde_json::{Map, Value, json};

/// One documented operation.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub id: &'static str,
    pub summary: &'static str,
    pub tag: &'static str,
    /// Success status and the component schema its body follows (None for no body).
    pub ok: (u16, Option<&'static str>),
    /// Whether the operation takes a JSON body, and its schema.
    pub body: Option<&'static str>,
    /// Whether the operation takes `_skip`/`_limit`.
    pub paged: bool,
}

pub const OPERATIONS: &[Operation] = &[
    Operation {
        method: "get",
        path: "/api/v1/pipeline/",
        id: "listPipelines",
        summary: "Opportunity pipelines with their statuses in order",
        tag: "Opportunities",
        ok: (200, Some("PipelineList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/pipeline/",
        id: "createPipeline",
        summary: "Add an empty pipeline (needs manage_customizations)",
        tag: "Opportunities",
        ok: (200, Some("Pipeline")),
        body: Some("PipelineInput"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/pipeline/{id}/",
        id: "getPipeline",
        summary: "One pipeline with its statuses",
        tag: "Opportunities",
        ok: (200, Some("Pipeline")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/pipeline/{id}/",
        id: "updatePipeline",
        summary: "Rename a pipeline or reorder its statuses (every status once)",
        tag: "Opportunities",
        ok: (200, Some("Pipeline")),
        body: Some("PipelineUpdate"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/pipeline/{id}/",
        id: "deletePipeline",
        summary: "Delete a pipeline and its statuses when no opportunity is in them (never the last)",
        tag: "Opportunities",
        ok: (200, Some("Empty")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/status/opportunity/",
        id: "listOpportunityStatuses",
        summary: "Opportunity statuses of every pipeline",
        tag: "Opportunities",
        ok: (200, Some("OpportunityStatusList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/status/opportunity/",
        id: "createOpportunityStatus",
        summary: "Add an opportunity status (active, won or lost) to a pipeline",
        tag: "Opportunities",
        ok: (200, Some("OpportunityStatus")),
        body: Some("OpportunityStatusInput"),
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/status/opportunity/{id}/",
        id: "updateOpportunityStatus",
        summary: "Rename a status, change its type or move it to another pipeline",
        tag: "Opportunities",
        ok: (200, Some("OpportunityStatus")),
        body: Some("OpportunityStatusUpdate"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/status/opportunity/{id}/",
        id: "deleteOpportunityStatus",
        summary: "Delete a status no opportunity is in",
        tag: "Opportunities",
        ok: (200, Some("Empty")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/lead/merge/",
        id: "mergeLeads",
        summary: "Merge the source lead into the destination (needs merge_leads; both must be visible); answers with the merged lead",
        tag: "Leads",
        ok: (200, Some("Lead")),
        body: Some("LeadMerge"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/webhook/",
        id: "listWebhooks",
        summary: "Webhook subscriptions of the workspace (needs manage_organization)",
        tag: "Webhooks",
        ok: (200, Some("WebhookList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/webhook/",
        id: "createWebhook",
        summary: "Subscribe a URL to events; deliveries are signed with the returned signature_key",
        tag: "Webhooks",
        ok: (201, Some("Webhook")),
        body: Some("WebhookInput"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/webhook/{id}/",
        id: "getWebhook",
        summary: "One webhook subscription with its health and counters",
        tag: "Webhooks",
        ok: (200, Some("Webhook")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/webhook/{id}/",
        id: "updateWebhook",
        summary: "Change a subscription's url, events or verify_ssl, or pause and resume it (status)",
        tag: "Webhooks",
        ok: (200, Some("Webhook")),
        body: Some("WebhookUpdate"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/webhook/{id}/",
        id: "deleteWebhook",
        summary: "Delete a subscription and what it had not delivered",
        tag: "Webhooks",
        ok: (200, Some("Empty")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/webhook/{id}/delivery/",
        id: "listWebhookDeliveries",
        summary: "A subscription's latest deliveries, newest first, with attempts and errors",
        tag: "Webhooks",
        ok: (200, Some("WebhookDeliveryList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/out_of_office/",
        id: "listOutOfOffice",
        summary: "Members out of office now (round robin skips them unless the workspace turns that off)",
        tag: "Leads",
        ok: (200, Some("OutOfOfficeList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/out_of_office/{user_id}/",
        id: "setOutOfOffice",
        summary: "Mark a member out of office until a time, or back (null); yourself, or anyone with manage_users",
        tag: "Leads",
        ok: (200, Some("OutOfOffice")),
        body: Some("OutOfOfficeInput"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/import/lead/",
        id: "listLeadImports",
        summary: "CSV lead imports of the workspace, newest first",
        tag: "Bulk actions",
        ok: (200, Some("ImportList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/import/lead/",
        id: "importLeads",
        summary: "Check a CSV file of leads (dry_run) or start the job that imports it (needs bulk_import)",
        tag: "Bulk actions",
        ok: (200, Some("Import")),
        body: Some("ImportRequest"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/import/lead/{id}/",
        id: "getLeadImport",
        summary: "One lead import with its progress",
        tag: "Bulk actions",
        ok: (200, Some("Import")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/round_robin_settings/",
        id: "getRoundRobinSettings",
        summary: "The workspace's round-robin settings",
        tag: "Leads",
        ok: (200, Some("RoundRobinSettings")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/round_robin_settings/",
        id: "putRoundRobinSettings",
        summary: "Auto-assign new leads, the strategy, and whether offline members are skipped",
        tag: "Leads",
        ok: (200, Some("RoundRobinSettings")),
        body: Some("RoundRobinSettings"),
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/report/activity/",
        id: "activityReport",
        summary: "Activity overview (per time bucket) or comparison (per member) over a date range; JSON, or CSV with Accept: text/csv",
        tag: "Reports",
        ok: (200, Some("Object")),
        body: Some("ActivityReport"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/report/activity/metrics/",
        id: "activityMetrics",
        summary: "The metrics activity reports count",
        tag: "Reports",
        ok: (200, Some("Object")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/phone_number/",
        id: "listPhoneNumbers",
        summary: "The workspace's phone numbers; `user_id` filters",
        tag: "Phone numbers",
        ok: (200, Some("Object")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/phone_number/",
        id: "createPhoneNumber",
        summary: "Add a personal (user_id) or group (group_id) number",
        tag: "Phone numbers",
        ok: (200, Some("PhoneNumber")),
        body: Some("PhoneNumberInput"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/phone_number/route/",
        id: "routeCall",
        summary: "Who rings for a call to `number` now, honouring deactivation, presence and forwarding",
        tag: "Phone numbers",
        ok: (200, Some("Object")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/phone_number/{id}/",
        id: "getPhoneNumber",
        summary: "One phone number",
        tag: "Phone numbers",
        ok: (200, Some("PhoneNumber")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/phone_number/{id}/",
        id: "updatePhoneNumber",
        summary: "Reassign to a member, convert to a group number, or relabel",
        tag: "Phone numbers",
        ok: (200, Some("PhoneNumber")),
        body: Some("PhoneNumberInput"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/phone_number/{id}/",
        id: "releasePhoneNumber",
        summary: "Release the number",
        tag: "Phone numbers",
        ok: (200, Some("Empty")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/call_forwarding/{user_id}/",
        id: "getCallForwarding",
        summary: "A member's call forwarding (VoIP settings)",
        tag: "Phone numbers",
        ok: (200, Some("Object")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/call_forwarding/{user_id}/",
        id: "putCallForwarding",
        summary: "Forward a member's calls to a member or an external number: always, when unavailable, or when deactivated",
        tag: "Phone numbers",
        ok: (200, Some("Object")),
        body: Some("CallForwarding"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/personal_contact/",
        id: "listPersonalContacts",
        summary: "The caller's own address book (nobody else's, admins included)",
        tag: "Sharing",
        ok: (200, Some("PersonalContactList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/personal_contact/",
        id: "createPersonalContact",
        summary: "Add a contact to the caller's address book; the auto-share rules may share it",
        tag: "Sharing",
        ok: (200, Some("PersonalContact")),
        body: Some("PersonalContactInput"),
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/personal_contact/bulk_action/",
        id: "bulkSharePersonalContacts",
        summary: "Send to team (snapshot), assign (live copy with a responsible member) or unshare selected contacts",
        tag: "Sharing",
        ok: (200, Some("Count")),
        body: Some("BulkShare"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/personal_contact/address_books/",
        id: "addressBookSizes",
        summary: "How many personal contacts each member keeps (never which)",
        tag: "Sharing",
        ok: (200, Some("Object")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/personal_contact/{id}/",
        id: "getPersonalContact",
        summary: "One of the caller's contacts with its team copies",
        tag: "Sharing",
        ok: (200, Some("PersonalContact")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/personal_contact/{id}/",
        id: "updatePersonalContact",
        summary: "Edit one of the caller's contacts; live team copies follow or are flagged out of sync",
        tag: "Sharing",
        ok: (200, Some("PersonalContact")),
        body: Some("PersonalContactInput"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/personal_contact/{id}/",
        id: "deletePersonalContact",
        summary: "Delete one of the caller's contacts (team copies stay the team's)",
        tag: "Sharing",
        ok: (200, Some("Empty")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/team_contact/",
        id: "listTeamContacts",
        summary: "The team's shared contacts; `assigned_to` (a user id or `none`) filters",
        tag: "Sharing",
        ok: (200, Some("TeamContactList")),
        body: None,
        paged: true,
    },
    Operation {
        method: "get",
        path: "/api/v1/team_contact/board/",
        id: "teamBoard",
        summary: "The team board: a column per active member, then Unassigned",
        tag: "Sharing",
        ok: (200, Some("Object")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/team_contact/{id}/",
        id: "getTeamContact",
        summary: "One team contact",
        tag: "Sharing",
        ok: (200, Some("TeamContact")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/team_contact/{id}/",
        id: "updateTeamContact",
        summary: "Edit the team copy's fields, or assign it (`assigned_to`), or set the assignee's timeline visibility",
        tag: "Sharing",
        ok: (200, Some("TeamContact")),
        body: Some("TeamContactUpdate"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/team_contact/{id}/",
        id: "deleteTeamContact",
        summary: "Unshare: the source's owner or an administrator removes the team copy",
        tag: "Sharing",
        ok: (200, Some("Empty")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/team_contact/{id}/resolve/",
        id: "resolveSync",
        summary: "The owner answers an out-of-sync prompt: accept sends their values, discard keeps the team's",
        tag: "Sharing",
        ok: (200, Some("TeamContact")),
        body: Some("Resolution"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/sync_prompt/",
        id: "syncPrompts",
        summary: "The caller's out-of-sync prompts, with the differences",
        tag: "Sharing",
        ok: (200, Some("TeamContactList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/sharing_settings/",
        id: "getSharingSettings",
        summary: "The workspace's auto-share rules",
        tag: "Sharing",
        ok: (200, Some("SharingSettings")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/sharing_settings/",
        id: "putSharingSettings",
        summary: "Set a template and turn rules on or off",
        tag: "Sharing",
        ok: (200, Some("SharingSettings")),
        body: Some("SharingSettings"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/me/",
        id: "getMe",
        summary: "The user owning the API key, with memberships and workspaces",
        tag: "Users",
        ok: (200, Some("Me")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/organization/{id}/",
        id: "getOrganization",
        summary: "A workspace (Close's organization) with its memberships",
        tag: "Organizations",
        ok: (200, Some("Organization")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/organization/{id}/",
        id: "updateOrganization",
        summary: "Rename a workspace or change its currency",
        tag: "Organizations",
        ok: (200, Some("Organization")),
        body: Some("OrganizationUpdate"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/user/",
        id: "listUsers",
        summary: "Users of the workspace",
        tag: "Users",
        ok: (200, Some("UserList")),
        body: None,
        paged: true,
    },
    Operation {
        method: "get",
        path: "/api/v1/user/{id}/",
        id: "getUser",
        summary: "One user of the workspace",
        tag: "Users",
        ok: (200, Some("User")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/membership/",
        id: "listMemberships",
        summary: "Members of the workspace, filtered by status, role_id, group_id or query",
        tag: "Memberships",
        ok: (200, Some("MemberList")),
        body: None,
        paged: true,
    },
    Operation {
        method: "post",
        path: "/api/v1/membership/",
        id: "createMembership",
        summary: "Provision a membership for an email (existing users join; former members are restored)",
        tag: "Memberships",
        ok: (200, Some("Member")),
        body: Some("MembershipCreate"),
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/membership/",
        id: "bulkUpdateMemberships",
        summary: "Update several memberships named by _params.id__in; all or nothing",
        tag: "Memberships",
        ok: (200, Some("Count")),
        body: Some("MembershipBulkUpdate"),
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/membership/add/",
        id: "addMember",
        summary: "Add a member directly with a password",
        tag: "Memberships",
        ok: (201, Some("Member")),
        body: Some("MemberAdd"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/membership/{id}/",
        id: "getMembership",
        summary: "One membership",
        tag: "Memberships",
        ok: (200, Some("Member")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/membership/{id}/",
        id: "updateMembership",
        summary: "Update a membership (partial)",
        tag: "Memberships",
        ok: (200, Some("Member")),
        body: Some("MembershipUpdate"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/membership/{id}/",
        id: "deactivateMembership",
        summary: "Deactivate a membership",
        tag: "Memberships",
        ok: (200, Some("Empty")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/membership/{id}/reactivate/",
        id: "reactivateMembership",
        summary: "Reactivate a deactivated membership",
        tag: "Memberships",
        ok: (200, Some("Member")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/membership/{id}/remove/",
        id: "removeMembership",
        summary: "Revoke a member's access to the workspace",
        tag: "Memberships",
        ok: (200, Some("Member")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/membership/{id}/pinned_views/",
        id: "getPinnedViews",
        summary: "Pinned smart views of a membership",
        tag: "Memberships",
        ok: (200, Some("PinnedViews")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/membership/{id}/pinned_views/",
        id: "setPinnedViews",
        summary: "Replace the pinned smart views",
        tag: "Memberships",
        ok: (200, Some("PinnedViews")),
        body: Some("PinnedViews"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/invitation/",
        id: "listInvitations",
        summary: "Pending invitations",
        tag: "Invitations",
        ok: (200, Some("MemberList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/invitation/",
        id: "invite",
        summary: "Invite someone by email with a role",
        tag: "Invitations",
        ok: (201, Some("Member")),
        body: Some("Invite"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/invitation/{id}/",
        id: "cancelInvitation",
        summary: "Cancel a pending invitation (id of the pending membership)",
        tag: "Invitations",
        ok: (204, None),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/invitation/{id}/resend/",
        id: "resendInvitation",
        summary: "Resend an invitation with a fresh link",
        tag: "Invitations",
        ok: (200, Some("Member")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/seats/",
        id: "getSeats",
        summary: "Seat use, limit and history of the organization (owners)",
        tag: "Organizations",
        ok: (200, Some("Seats")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/seats/",
        id: "setSeatLimit",
        summary: "Set or clear the seat limit (owners)",
        tag: "Organizations",
        ok: (200, Some("Seats")),
        body: Some("SeatLimit"),
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/account/member/{user_id}/",
        id: "setOrgRole",
        summary: "Make an organization member an owner or a plain member (owners)",
        tag: "Organizations",
        ok: (200, Some("OrgRole")),
        body: Some("OrgRole"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/account/member/{user_id}/",
        id: "removeFromOrganization",
        summary: "Remove a user from the organization, ending every workspace membership (owners)",
        tag: "Organizations",
        ok: (200, Some("MembershipsEnded")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/outbox/",
        id: "listOutbox",
        summary: "Outgoing email of the workspace",
        tag: "Email",
        ok: (200, Some("Outbox")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/audit_log/",
        id: "listAuditLog",
        summary: "Audit log (needs view_audit_log); cursor pagination",
        tag: "Audit",
        ok: (200, Some("EventList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/event/",
        id: "listEvents",
        summary: "Event log: team objects, and leads with their contacts, opportunities, tasks and activities as lead visibility allows (`lead_id` filters to one lead); cursor pagination",
        tag: "Events",
        ok: (200, Some("EventList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/event/{id}/",
        id: "getEvent",
        summary: "One event",
        tag: "Events",
        ok: (200, Some("Event")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/role/",
        id: "listRoles",
        summary: "Roles: the built-ins, then custom roles",
        tag: "Roles",
        ok: (200, Some("RoleList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/role/",
        id: "createRole",
        summary: "Create a custom role",
        tag: "Roles",
        ok: (201, Some("Role")),
        body: Some("RoleInput"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/role/{id}/",
        id: "getRole",
        summary: "One role",
        tag: "Roles",
        ok: (200, Some("Role")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/role/{id}/",
        id: "updateRole",
        summary: "Update a custom role (partial)",
        tag: "Roles",
        ok: (200, Some("Role")),
        body: Some("RoleInput"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/role/{id}/",
        id: "deleteRole",
        summary: "Delete a custom role; 409 while held unless move_members_to names another role",
        tag: "Roles",
        ok: (200, Some("MembersMoved")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/group/",
        id: "listGroups",
        summary: "Groups (without members)",
        tag: "Groups",
        ok: (200, Some("GroupList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/group/",
        id: "createGroup",
        summary: "Create a group",
        tag: "Groups",
        ok: (201, Some("Group")),
        body: Some("GroupName"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/group/{id}/",
        id: "getGroup",
        summary: "A group with its members",
        tag: "Groups",
        ok: (200, Some("Group")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/group/{id}/",
        id: "renameGroup",
        summary: "Rename a group",
        tag: "Groups",
        ok: (200, Some("Group")),
        body: Some("GroupName"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/group/{id}/",
        id: "deleteGroup",
        summary: "Delete a group (its members stay in the workspace)",
        tag: "Groups",
        ok: (204, None),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/group/{id}/member/",
        id: "addGroupMember",
        summary: "Add a member to a group (idempotent)",
        tag: "Groups",
        ok: (201, Some("UserRef")),
        body: Some("UserRef"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/group/{id}/member/{user_id}/",
        id: "removeGroupMember",
        summary: "Remove a member from a group",
        tag: "Groups",
        ok: (204, None),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/custom_field/{object_type}/",
        id: "listCustomFields",
        summary: "Custom fields of leads, contacts or opportunities",
        tag: "Custom fields",
        ok: (200, Some("CustomFieldList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/custom_fields/{object_type}/",
        id: "listCustomFieldsLegacy",
        summary: "Custom fields (the older plural path, still used by some clients)",
        tag: "Custom fields",
        ok: (200, Some("CustomFieldList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/lead/",
        id: "listLeads",
        summary: "Leads the caller may see; `query` takes Close's search syntax",
        tag: "Leads",
        ok: (200, Some("LeadList")),
        body: None,
        paged: true,
    },
    Operation {
        method: "post",
        path: "/api/v1/lead/",
        id: "createLead",
        summary: "Create a lead with contacts and custom.cf_… values",
        tag: "Leads",
        ok: (200, Some("Lead")),
        body: Some("LeadInput"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/lead/{id}/",
        id: "getLead",
        summary: "One lead (404 when hidden by lead visibility)",
        tag: "Leads",
        ok: (200, Some("Lead")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/lead/{id}/",
        id: "updateLead",
        summary: "Update a lead (partial)",
        tag: "Leads",
        ok: (200, Some("Lead")),
        body: Some("LeadInput"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/lead/{id}/",
        id: "deleteLead",
        summary: "Delete a lead (needs delete_leads)",
        tag: "Leads",
        ok: (200, Some("Empty")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/bulk_action/edit/",
        id: "listBulkEdits",
        summary: "Bulk edit jobs",
        tag: "Bulk actions",
        ok: (200, Some("JobList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/bulk_action/edit/",
        id: "startBulkEdit",
        summary: "Start a bulk edit (set_custom_field, clear_custom_field, set_lead_status) over s_query or query",
        tag: "Bulk actions",
        ok: (200, Some("Job")),
        body: Some("BulkEdit"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/bulk_action/edit/{id}/",
        id: "getBulkEdit",
        summary: "One bulk edit job with progress",
        tag: "Bulk actions",
        ok: (200, Some("Job")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/bulk_action/delete/",
        id: "listBulkDeletes",
        summary: "Bulk delete jobs",
        tag: "Bulk actions",
        ok: (200, Some("JobList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/bulk_action/delete/",
        id: "startBulkDelete",
        summary: "Start a bulk delete over s_query or query (needs bulk_delete)",
        tag: "Bulk actions",
        ok: (200, Some("Job")),
        body: Some("BulkDelete"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/bulk_action/delete/{id}/",
        id: "getBulkDelete",
        summary: "One bulk delete job with progress",
        tag: "Bulk actions",
        ok: (200, Some("Job")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/opportunity/",
        id: "listOpportunitys",
        summary: "Opportunities on leads the caller may see",
        tag: "Opportunities",
        ok: (200, Some("WorkList")),
        body: None,
        paged: true,
    },
    Operation {
        method: "post",
        path: "/api/v1/opportunity/",
        id: "createOpportunity",
        summary: "Create a opportunity on a visible lead",
        tag: "Opportunities",
        ok: (200, Some("Opportunity")),
        body: Some("WorkInput"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/opportunity/{id}/",
        id: "getOpportunity",
        summary: "One opportunity",
        tag: "Opportunities",
        ok: (200, Some("Opportunity")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/opportunity/{id}/",
        id: "updateOpportunity",
        summary: "Update a opportunity (others' need manage_others_*)",
        tag: "Opportunities",
        ok: (200, Some("Opportunity")),
        body: Some("WorkInput"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/opportunity/{id}/",
        id: "deleteOpportunity",
        summary: "Delete a opportunity (delete_own_* or manage_others_*)",
        tag: "Opportunities",
        ok: (200, Some("Empty")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/task/",
        id: "listTasks",
        summary: "Tasks on leads the caller may see",
        tag: "Tasks",
        ok: (200, Some("WorkList")),
        body: None,
        paged: true,
    },
    Operation {
        method: "post",
        path: "/api/v1/task/",
        id: "createTask",
        summary: "Create a task on a visible lead",
        tag: "Tasks",
        ok: (200, Some("Task")),
        body: Some("WorkInput"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/task/{id}/",
        id: "getTask",
        summary: "One task",
        tag: "Tasks",
        ok: (200, Some("Task")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/task/{id}/",
        id: "updateTask",
        summary: "Update a task (others' need manage_others_*)",
        tag: "Tasks",
        ok: (200, Some("Task")),
        body: Some("WorkInput"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/task/{id}/",
        id: "deleteTask",
        summary: "Delete a task (delete_own_* or manage_others_*)",
        tag: "Tasks",
        ok: (200, Some("Empty")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/activity/",
        id: "listActivities",
        summary: "Activities on leads the caller may see (filter _type, lead_id, user_id)",
        tag: "Activities",
        ok: (200, Some("WorkList")),
        body: None,
        paged: true,
    },
    Operation {
        method: "get",
        path: "/api/v1/activity/{kind}/",
        id: "listActivitiesOfKind",
        summary: "Activities of one kind (note, call, email, meeting, sms)",
        tag: "Activities",
        ok: (200, Some("WorkList")),
        body: None,
        paged: true,
    },
    Operation {
        method: "post",
        path: "/api/v1/activity/{kind}/",
        id: "createActivity",
        summary: "Log an activity as the caller",
        tag: "Activities",
        ok: (200, Some("Activity")),
        body: Some("WorkInput"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/activity/{kind}/{id}/",
        id: "getActivity",
        summary: "One activity",
        tag: "Activities",
        ok: (200, Some("Activity")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/activity/{kind}/{id}/",
        id: "updateActivity",
        summary: "Edit an activity (others' need manage_others_activities)",
        tag: "Activities",
        ok: (200, Some("Activity")),
        body: Some("WorkInput"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/activity/{kind}/{id}/",
        id: "deleteActivity",
        summary: "Delete an activity",
        tag: "Activities",
        ok: (200, Some("Empty")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/lead/{id}/visibility/",
        id: "getLeadVisibility",
        summary: "Who can see this lead, and why (needs manage_organization)",
        tag: "Leads",
        ok: (200, Some("Explanations")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/explain/",
        id: "explainAccess",
        summary: "May a member view, edit or delete a lead, and why (membership_id, lead_id, action)",
        tag: "Leads",
        ok: (200, Some("Decision")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/role/{id}/preview/",
        id: "previewRole",
        summary: "What a role edit would change: leads each holder gains and loses; nothing is saved",
        tag: "Roles",
        ok: (200, Some("RolePreview")),
        body: Some("RoleInput"),
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/export/lead/",
        id: "exportLeads",
        summary: "Export the visible leads a query selects, as CSV or JSON (needs export)",
        tag: "Exports",
        ok: (200, Some("Export")),
        body: Some("ExportInput"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/export/{id}/",
        id: "getExport",
        summary: "One of your exports",
        tag: "Exports",
        ok: (200, Some("Export")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/export/{id}/download/",
        id: "downloadExport",
        summary: "The exported file",
        tag: "Exports",
        ok: (200, None),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/contact/",
        id: "listContacts",
        summary: "Contacts of leads the caller may see (filter lead_id)",
        tag: "Contacts",
        ok: (200, Some("WorkList")),
        body: None,
        paged: true,
    },
    Operation {
        method: "post",
        path: "/api/v1/contact/",
        id: "createContact",
        summary: "Add a contact to a visible lead",
        tag: "Contacts",
        ok: (200, Some("Contact")),
        body: Some("ContactInput"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/contact/{id}/",
        id: "getContact",
        summary: "One contact",
        tag: "Contacts",
        ok: (200, Some("Contact")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/contact/{id}/",
        id: "updateContact",
        summary: "Update a contact (lists given replace the old ones)",
        tag: "Contacts",
        ok: (200, Some("Contact")),
        body: Some("ContactInput"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/contact/{id}/",
        id: "deleteContact",
        summary: "Delete a contact",
        tag: "Contacts",
        ok: (200, Some("Empty")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/membership/{id}/offboarding_plan/",
        id: "planOffboarding",
        summary: "Dry run: what the member holds and where each record would go",
        tag: "Offboarding",
        ok: (200, Some("OffboardingPlan")),
        body: Some("OffboardingChoices"),
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/membership/{id}/offboard/",
        id: "offboard",
        summary: "Deactivate or remove a member and hand over their records, atomically",
        tag: "Offboarding",
        ok: (200, Some("Offboarding")),
        body: Some("OffboardingChoices"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/offboarding/",
        id: "listOffboardings",
        summary: "The workspace's 100 newest offboardings (without manifests); `has_more` says there are older ones",
        tag: "Offboarding",
        ok: (200, Some("OffboardingList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/offboarding/{id}/",
        id: "getOffboarding",
        summary: "One offboarding with its manifest: per kind and receiver, the records that moved",
        tag: "Offboarding",
        ok: (200, Some("Offboarding")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/offboarding/{id}/undo/",
        id: "undoOffboarding",
        summary: "Put back (within 30 days) every record nobody changed since",
        tag: "Offboarding",
        ok: (200, Some("UndoReport")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/saved_search/",
        id: "listSavedSearches",
        summary: "Smart Views the member may see (their own and those shared with them)",
        tag: "Leads",
        ok: (200, Some("SavedSearchList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/saved_search/",
        id: "createSavedSearch",
        summary: "Save a lead search; sharing it needs manage_team_smart_views",
        tag: "Leads",
        ok: (200, Some("SavedSearch")),
        body: Some("SavedSearchInput"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/saved_search/{id}/",
        id: "getSavedSearch",
        summary: "One Smart View (404 unless it is the member's or shared with them)",
        tag: "Leads",
        ok: (200, Some("SavedSearch")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/saved_search/{id}/",
        id: "updateSavedSearch",
        summary: "Change a Smart View (its owner, or manage_team_smart_views for shared ones)",
        tag: "Leads",
        ok: (200, Some("SavedSearch")),
        body: Some("SavedSearchInput"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/saved_search/{id}/",
        id: "deleteSavedSearch",
        summary: "Delete a Smart View",
        tag: "Leads",
        ok: (200, Some("Empty")),
        body: None,
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/status/lead/",
        id: "listLeadStatuses",
        summary: "The workspace's lead statuses",
        tag: "Leads",
        ok: (200, Some("LeadStatusList")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/status/lead/",
        id: "createLeadStatus",
        summary: "Add a lead status (needs manage_customizations)",
        tag: "Leads",
        ok: (200, Some("LeadStatus")),
        body: Some("LeadStatusInput"),
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/status/lead/{id}/",
        id: "renameLeadStatus",
        summary: "Rename a lead status",
        tag: "Leads",
        ok: (200, Some("LeadStatus")),
        body: Some("LeadStatusInput"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/status/lead/{id}/",
        id: "deleteLeadStatus",
        summary: "Delete a lead status no lead is in (409 while leads are in it)",
        tag: "Leads",
        ok: (200, Some("Empty")),
        body: None,
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/data/search/",
        id: "searchData",
        summary: "Advanced filtering: a query tree (and, object_type, text, field_condition on name, status, dates and custom fields) over the visible leads",
        tag: "Leads",
        ok: (200, Some("SearchResult")),
        body: Some("SearchQuery"),
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/lead/assign/",
        id: "assignLeads",
        summary: "Distribute the unassigned visible leads a query selects over the round-robin pool (needs assign_leads)",
        tag: "Leads",
        ok: (200, Some("AssignResult")),
        body: Some("AssignInput"),
        paged: false,
    },
    Operation {
        method: "post",
        path: "/api/v1/custom_field/{object_type}/",
        id: "createCustomField",
        summary: "Create a lead custom field (needs manage_customizations)",
        tag: "Custom fields",
        ok: (200, Some("CustomField")),
        body: Some("CustomFieldInput"),
        paged: false,
    },
    Operation {
        method: "get",
        path: "/api/v1/custom_field/{object_type}/{id}/",
        id: "getCustomField",
        summary: "One custom field",
        tag: "Custom fields",
        ok: (200, Some("CustomField")),
        body: None,
        paged: false,
    },
    Operation {
        method: "put",
        path: "/api/v1/custom_field/{object_type}/{id}/",
        id: "updateCustomField",
        summary: "Update a custom field (its type cannot change)",
        tag: "Custom fields",
        ok: (200, Some("CustomField")),
        body: Some("CustomFieldInput"),
        paged: false,
    },
    Operation {
        method: "delete",
        path: "/api/v1/custom_field/{object_type}/{id}/",
        id: "deleteCustomField",
        summary: "Delete a custom field and its values (refused while a role's visibility uses it)",
        tag: "Custom fields",
        ok: (200, Some("Empty")),
        body: None,
        paged: false,
    },
];

fn error_response(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn operation(op: &Operation) -> Value {
    let mut params = Vec::new();
    for name in ["id", "user_id", "object_type", "kind"] {
        if op.path.contains(&format!("{{{name}}}")) {
            params.push(json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }));
        }
    }
    params.push(json!({ "name": "_fields", "in": "query", "required": false, "description": "Comma-separated fields to return: objects then hold only those of them that exist (so no field of a response object is required)", "schema": { "type": "string" } }));
    if op.paged {
        params.push(json!({ "name": "_skip", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 0, "maximum": 10000 } }));
        params.push(json!({ "name": "_limit", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 100 } }));
        params.push(json!({ "name": "_order_by", "in": "query", "required": false, "schema": { "type": "string", "enum": ["last_name,first_name", "first_name,last_name"] } }));
    }
    if op.id == "getOrganization" || op.id == "updateOrganization" {
        params.push(json!({ "name": "_expand", "in": "query", "required": false, "schema": { "type": "string" } }));
    }
    let mut responses = Map::new();
    let (code, schema) = op.ok;
    responses.insert(
        code.to_string(),
        match schema {
            Some(s) => json!({ "description": "Success", "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{s}") } } } }),
            None => json!({ "description": "Success" }),
        },
    );
    responses.insert("400".into(), error_response("Invalid input"));
    responses.insert(
        "401".into(),
        error_response("Missing or invalid credentials"),
    );
    responses.insert("403".into(), error_response("Not allowed"));
    responses.insert("404".into(), error_response("Not found"));
    responses.insert("429".into(), error_response("Too many requests"));
    let mut v = json!({
        "operationId": op.id,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": params,
        "responses": responses,
    });
    if let Some(b) = op.body {
        v["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{b}") } } } });
    }
    v
}

fn schemas() -> Value {
    let ts = json!({ "type": "string", "format": "date-time" });
    let nullable_str = json!({ "type": ["string", "null"] });
    json!({
        "Error": {
            "type": "object",
            "required": ["error", "errors", "field-errors"],
            "properties": {
                "error": { "type": "string" },
                "errors": { "type": "array", "items": { "type": "string" } },
                "field-errors": { "type": "object", "additionalProperties": { "type": "string" } },
                "rate_reset": { "type": "integer" }
            }
        },
        "User": {
            "type": "object",
            "required": ["id", "email", "first_name", "last_name", "image", "organizations", "date_created", "date_updated"],
            "properties": {
                "id": { "type": "string" }, "email": { "type": "string" },
                "first_name": { "type": "string" }, "last_name": { "type": "string" },
                "display_name": { "type": "string" }, "image": { "type": "string" },
                "phone": nullable_str, "last_used_timezone": { "type": "string" },
                "organizations": { "type": "array", "items": { "type": ["string", "object"] } },
                "date_created": ts, "date_updated": ts
            }
        },
        "UserList": {
            "type": "object",
            "required": ["data", "has_more"],
            "properties": {
                "data": { "type": "array", "items": { "$ref": "#/components/schemas/User" } },
                "has_more": { "type": "boolean" },
                "total_results": { "type": "integer" }
            }
        },
        "Membership": {
            "type": "object",
            "required": ["id", "organization_id", "user_id", "role_id", "permissions_granted"],
            "properties": {
                "id": { "type": "string" }, "organization_id": { "type": "string" },
                "user_id": { "type": "string" }, "role_id": { "type": "string" },
                "permissions_granted": { "type": "array", "items": { "type": "string" } },
                "status": { "type": "string", "enum": ["invited", "active", "deactivated", "removed"] },
                "auto_record_calls": { "type": "string" }, "track_email_opens": { "type": "boolean" },
                "round_robin": { "type": "boolean" }, "homepage": { "type": "string" },
                "restrictions": { "type": "array", "items": { "type": "string" } },
                "manager_id": nullable_str, "last_active_at": { "type": ["string", "null"], "format": "date-time" }
            }
        },
        "Organization": {
            "type": "object",
            "required": ["id", "name", "memberships", "inactive_memberships"],
            "properties": {
                "id": { "type": "string" }, "name": { "type": "string" },
                "currency": { "type": "string" }, "currency_symbol": { "type": "string" },
                "date_created": ts, "date_updated": ts,
                "memberships": { "type": "array", "items": { "$ref": "#/components/schemas/Membership" } },
                "inactive_memberships": { "type": "array", "items": { "$ref": "#/components/schemas/Membership" } }
            }
        },
        "OrganizationUpdate": {
            "type": "object",
            "additionalProperties": false,
            "properties": { "name": { "type": "string", "minLength": 1, "maxLength": 200 }, "currency": { "type": "string", "pattern": "^[A-Za-z]{3}$" } }
        },
        "Member": {
            "allOf": [
                { "$ref": "#/components/schemas/Membership" },
                { "type": "object", "properties": {
                    "user_email": { "type": "string" }, "user_full_name": { "type": "string" },
                    "role_name": { "type": "string" }, "groups": { "type": "array", "items": { "type": "string" } },
                    "invitation": { "type": ["object", "null"] }
                } }
            ]
        },
        "MemberList": {
            "type": "object", "required": ["data", "has_more"],
            "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Member" } }, "has_more": { "type": "boolean" }, "total_results": { "type": "integer" } }
        },
        "MembershipCreate": {
            "type": "object", "required": ["email", "role_id"], "additionalProperties": false,
            "properties": { "email": { "type": "string", "format": "email" }, "role_id": { "type": "string" } }
        },
        "MembershipUpdate": {
            "type": "object", "additionalProperties": false,
            "properties": {
                "role_id": { "type": "string" }, "restrictions": { "type": "array", "items": { "type": "string" } },
                "round_robin": { "type": "boolean" }, "manager_id": { "type": ["string", "null"] },
                "homepage": { "type": "string" }, "auto_record_calls": { "type": "string", "enum": ["unset", "enabled", "disabled"] },
                "track_email_opens": { "type": "boolean" }, "default_caller_id": { "type": ["string", "null"] },
                "first_name": { "type": "string" }, "last_name": { "type": "string" }, "phone": { "type": ["string", "null"] },
                "password": { "type": "string", "minLength": 8 }
            }
        },
        "MembershipBulkUpdate": {
            "type": "object", "required": ["_params"], "additionalProperties": false,
            "properties": {
                "_params": { "type": "object", "properties": { "id__in": { "type": "string" } } },
                "role_id": { "type": "string" }, "restrictions": { "type": "array", "items": { "type": "string" } },
                "round_robin": { "type": "boolean" }, "manager_id": { "type": ["string", "null"] },
                "homepage": { "type": "string" }, "auto_record_calls": { "type": "string", "enum": ["unset", "enabled", "disabled"] },
                "track_email_opens": { "type": "boolean" }, "default_caller_id": { "type": ["string", "null"] }
            }
        },
        "MemberAdd": {
            "type": "object", "required": ["email", "role_id", "first_name", "password"], "additionalProperties": false,
            "properties": {
                "email": { "type": "string", "format": "email" }, "role_id": { "type": "string" },
                "first_name": { "type": "string" }, "last_name": { "type": "string" }, "phone": { "type": "string" },
                "password": { "type": "string", "minLength": 8 }, "restrictions": { "type": "array", "items": { "type": "string" } },
                "round_robin": { "type": "boolean" }, "homepage": { "type": "string" }
            }
        },
        "Invite": {
            "type": "object", "required": ["email", "role_id"], "additionalProperties": false,
            "properties": {
                "email": { "type": "string", "format": "email" }, "role_id": { "type": "string" },
                "first_name": { "type": "string" }, "last_name": { "type": "string" }, "phone": { "type": "string" },
                "restrictions": { "type": "array", "items": { "type": "string" } }, "round_robin": { "type": "boolean" }, "homepage": { "type": "string" }
            }
        },
        "Count": { "type": "object", "required": ["count"], "properties": { "count": { "type": "integer" } } },
        "Object": { "type": "object" },
        "RoundRobinSettings": { "type": "object", "properties": { "auto_assign_new_leads": { "type": "boolean" }, "strategy": { "type": "string", "enum": ["round_robin", "random", "least_loaded"] }, "skip_offline_members": { "type": "boolean" }, "skip_out_of_office_members": { "type": "boolean" } } },
        "OutOfOffice": { "type": "object", "properties": { "user_id": { "type": "string" }, "until": { "type": ["string", "null"] }, "note": { "type": "string" } } },
        "OpportunityStatus": { "type": "object", "required": ["id", "label", "type"], "properties": { "id": { "type": "string" }, "label": { "type": "string" }, "type": { "type": "string", "enum": ["active", "won", "lost"] }, "pipeline_id": { "type": "string" }, "pipeline_name": { "type": "string" }, "organization_id": { "type": "string" } } },
        "OpportunityStatusList": { "type": "object", "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/OpportunityStatus" } }, "has_more": { "type": "boolean" } } },
        "OpportunityStatusInput": { "type": "object", "required": ["label"], "additionalProperties": false, "properties": { "label": { "type": "string", "minLength": 1, "maxLength": 100 }, "type": { "type": "string", "enum": ["active", "won", "lost"] }, "pipeline_id": { "type": "string" } } },
        "OpportunityStatusUpdate": { "type": "object", "additionalProperties": false, "properties": { "label": { "type": "string", "minLength": 1, "maxLength": 100 }, "type": { "type": "string", "enum": ["active", "won", "lost"] }, "pipeline_id": { "type": "string" } } },
        "Pipeline": { "type": "object", "required": ["id", "name", "statuses"], "properties": { "id": { "type": "string" }, "name": { "type": "string" }, "organization_id": { "type": "string" }, "statuses": { "type": "array", "items": { "$ref": "#/components/schemas/OpportunityStatus" } } } },
        "PipelineList": { "type": "object", "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Pipeline" } }, "has_more": { "type": "boolean" } } },
        "PipelineInput": { "type": "object", "required": ["name"], "additionalProperties": false, "properties": { "name": { "type": "string", "minLength": 1, "maxLength": 100 } } },
        "PipelineUpdate": { "type": "object", "additionalProperties": false, "properties": { "name": { "type": "string", "minLength": 1, "maxLength": 100 }, "statuses": { "type": "array", "items": { "type": "object", "required": ["id"], "properties": { "id": { "type": "string" } } } } } },
        "LeadMerge": { "type": "object", "required": ["source", "destination"], "additionalProperties": false, "properties": { "source": { "type": "string" }, "destination": { "type": "string" } } },
        "WebhookEvent": { "type": "object", "required": ["object_type", "action"], "additionalProperties": false, "properties": { "object_type": { "type": "string" }, "action": { "type": "string" }, "extra_filter": { "type": ["object", "null"] } } },
        "Webhook": { "type": "object", "required": ["id", "url", "events", "status"], "properties": { "id": { "type": "string" }, "organization_id": { "type": "string" }, "url": { "type": "string" }, "events": { "type": "array", "items": { "$ref": "#/components/schemas/WebhookEvent" } }, "status": { "type": "string", "enum": ["active", "paused"] }, "verify_ssl": { "type": "boolean" }, "signature_key": { "type": "string" }, "health_status": { "type": "string" }, "latest_error": { "type": ["string", "null"] }, "pause_reason": { "type": ["string", "null"] }, "recent_consecutive_fail_buckets_cnt": { "type": "integer" }, "counters": { "type": "object" }, "created_by": { "type": "string" }, "updated_by": { "type": "string" }, "date_created": { "type": "string" }, "date_updated": { "type": "string" } } },
        "WebhookList": { "type": "object", "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Webhook" } }, "has_more": { "type": "boolean" } } },
        "WebhookInput": { "type": "object", "required": ["url", "events"], "additionalProperties": false, "properties": { "url": { "type": "string", "format": "uri" }, "events": { "type": "array", "minItems": 1, "items": { "$ref": "#/components/schemas/WebhookEvent" } }, "verify_ssl": { "type": "boolean" } } },
        "WebhookUpdate": { "type": "object", "additionalProperties": false, "properties": { "url": { "type": "string", "format": "uri" }, "events": { "type": "array", "minItems": 1, "items": { "$ref": "#/components/schemas/WebhookEvent" } }, "verify_ssl": { "type": "boolean" }, "status": { "type": "string", "enum": ["active", "paused"] } } },
        "WebhookDelivery": { "type": "object", "properties": { "id": { "type": "string" }, "event_id": { "type": "string" }, "status": { "type": "string", "enum": ["pending", "delivered", "failed"] }, "attempts": { "type": "integer" }, "next_attempt_at": { "type": "string" }, "last_error": { "type": ["string", "null"] }, "response_status": { "type": ["integer", "null"] }, "date_created": { "type": "string" }, "delivered_at": { "type": ["string", "null"] } } },
        "WebhookDeliveryList": { "type": "object", "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/WebhookDelivery" } }, "has_more": { "type": "boolean" } } },
        "OutOfOfficeList": { "type": "object", "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/OutOfOffice" } }, "has_more": { "type": "boolean" } } },
        "OutOfOfficeInput": { "type": "object", "required": ["until"], "additionalProperties": false, "properties": { "until": { "type": ["string", "null"], "format": "date-time" }, "note": { "type": "string", "maxLength": 200 } } },
        "ActivityReport": {
            "type": "object", "required": ["metrics"], "additionalProperties": false,
            "properties": {
                "type": { "type": "string", "enum": ["overview", "comparison"] },
                "metrics": { "type": "array", "items": { "type": "string" } },
                "datetime_range": { "type": "object", "properties": { "start": { "type": "string" }, "end": { "type": "string" } } },
                "relative_range": { "type": "string" },
                "users": { "oneOf": [ { "type": "array", "items": { "type": "string" } }, { "type": "string", "enum": ["active", "all_with_data"] } ] },
                "interval": { "type": "string", "enum": ["day", "week", "month"] },
                "format": { "type": "string", "enum": ["json", "csv"] }
            }
        },
        "PhoneNumber": { "type": "object", "required": ["id", "number"], "properties": { "id": { "type": "string" }, "number": { "type": "string" }, "label": { "type": "string" }, "is_group_number": { "type": "boolean" }, "user_id": { "type": ["string", "null"] }, "group_id": { "type": ["string", "null"] } } },
        "PhoneNumberInput": { "type": "object", "additionalProperties": false, "properties": { "number": { "type": "string" }, "label": { "type": "string" }, "user_id": { "type": ["string", "null"] }, "group_id": { "type": ["string", "null"] } } },
        "CallForwarding": { "type": "object", "additionalProperties": false, "properties": { "enabled": { "type": "boolean" }, "when": { "type": "string", "enum": ["always", "unavailable", "deactivated"] }, "forward_to_user_id": { "type": "string" }, "forward_to_number": { "type": "string" } } },
        "ContactEntry": { "type": "object", "required": ["value"], "additionalProperties": false, "properties": { "value": { "type": "string" }, "label": { "type": "string" }, "personal": { "type": "boolean" } } },
        "PersonalContactInput": {
            "type": "object", "additionalProperties": false,
            "properties": {
                "name": { "type": "string" }, "title": { "type": "string" }, "company": { "type": "string" },
                "segment": { "type": "string", "enum": ["", "customer", "prospect", "partner", "vendor", "investor", "competitor", "colleague", "family", "friend", "neighbor", "personal"] },
                "emails": { "type": "array", "items": { "$ref": "#/components/schemas/ContactEntry" } },
                "phones": { "type": "array", "items": { "$ref": "#/components/schemas/ContactEntry" } },
                "addresses": { "type": "array", "items": { "$ref": "#/components/schemas/ContactEntry" } },
                "opportunity_id": { "type": ["string", "null"] }
            }
        },
        "PersonalContact": { "type": "object", "required": ["id", "name", "segment"], "properties": { "id": { "type": "string" }, "name": { "type": "string" }, "segment": { "type": "string" }, "owner_id": { "type": "string" }, "unshared": { "type": "boolean" } } },
        "PersonalContactList": { "type": "object", "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/PersonalContact" } }, "has_more": { "type": "boolean" } } },
        "TeamContact": { "type": "object", "required": ["id", "name", "mode"], "properties": { "id": { "type": "string" }, "name": { "type": "string" }, "mode": { "type": "string", "enum": ["snapshot", "live"] }, "assigned_to": { "type": ["string", "null"] }, "out_of_sync": { "type": "boolean" }, "conflicts": { "type": "array", "items": { "type": "object" } } } },
        "TeamContactList": { "type": "object", "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/TeamContact" } }, "has_more": { "type": "boolean" }, "total_results": { "type": "integer" } } },
        "TeamContactUpdate": {
            "type": "object", "additionalProperties": false,
            "properties": {
                "name": { "type": "string" }, "title": { "type": "string" }, "company": { "type": "string" }, "segment": { "type": "string" },
                "emails": { "type": "array", "items": { "$ref": "#/components/schemas/ContactEntry" } },
                "phones": { "type": "array", "items": { "$ref": "#/components/schemas/ContactEntry" } },
                "addresses": { "type": "array", "items": { "$ref": "#/components/schemas/ContactEntry" } },
                "assigned_to": { "type": ["string", "null"] }, "timeline_visibility": { "type": "string", "enum": ["private", "manager", "team"] }
            }
        },
        "BulkShare": { "type": "object", "required": ["action", "contact_ids"], "additionalProperties": false, "properties": { "action": { "type": "string", "enum": ["send", "assign", "unshare"] }, "contact_ids": { "type": "array", "items": { "type": "string" } }, "assigned_to": { "type": "string" } } },
        "Resolution": { "type": "object", "required": ["resolution"], "additionalProperties": false, "properties": { "resolution": { "type": "string", "enum": ["accept", "discard"] } } },
        "SharingSettings": { "type": "object", "additionalProperties": false, "properties": { "organization_id": { "type": "string" }, "template": { "type": "string", "enum": ["standard", "residential_real_estate"] }, "share_business_segments": { "type": "boolean" }, "share_deal_contacts": { "type": "boolean" }, "share_assigned_contacts": { "type": "boolean" }, "date_updated": { "type": "string" } } },
        "Empty": { "type": "object" },
        "PinnedViews": { "type": "object", "required": ["saved_view_ids"], "properties": { "saved_view_ids": { "type": "array", "items": { "type": "string" } } } },
        "Seats": {
            "type": "object",
            "properties": { "organization_id": { "type": "string" }, "seats_used": { "type": "integer" }, "seat_limit": { "type": ["integer", "null"] }, "history": { "type": "array", "items": { "type": "object" } } }
        },
        "SeatLimit": { "type": "object", "required": ["seat_limit"], "additionalProperties": false, "properties": { "seat_limit": { "type": ["integer", "null"], "minimum": 1 } } },
        "OrgRole": { "type": "object", "required": ["org_role"], "properties": { "org_role": { "type": "string", "enum": ["owner", "member"] } } },
        "MembershipsEnded": { "type": "object", "properties": { "memberships_ended": { "type": "integer" } } },
        "Outbox": { "type": "object", "properties": { "data": { "type": "array", "items": { "type": "object" } }, "has_more": { "type": "boolean" } } },
        "Event": {
            "type": "object",
            "properties": {
                "id": { "type": "string" }, "object_type": { "type": "string" }, "object_id": { "type": "string" },
                "action": { "type": "string" }, "user_id": { "type": ["string", "null"] }, "request_id": { "type": ["string", "null"] },
                "changed_fields": { "type": "array", "items": { "type": "string" } },
                "data": { "type": "object" }, "previous_data": { "type": "object" },
                "date_created": { "type": "string" }, "date_updated": { "type": "string" }
            }
        },
        "EventList": {
            "type": "object",
            "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Event" } }, "cursor_next": { "type": ["string", "null"] }, "cursor_previous": { "type": ["string", "null"] } }
        },
        "Role": {
            "type": "object",
            "required": ["id", "name", "organization_id", "editable", "permissions"],
            "properties": {
                "id": { "type": "string" }, "name": { "type": "string" }, "organization_id": { "type": "string" },
                "editable": { "type": "boolean" }, "permissions": { "type": "array", "items": { "type": "string" } },
                "visibility_user_lcf_ids": { "type": ["array", "null"], "items": { "type": "string" } },
                "visibility_user_lcf_behavior": { "type": ["string", "null"], "enum": ["require_assignment", "allow_unassigned", null] },
                "visibility_include_reports": { "type": "boolean" }, "members_count": { "type": "integer" },
                "date_created": { "type": "string" }, "date_updated": { "type": "string" }
            }
        },
        "RoleList": { "type": "object", "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Role" } }, "has_more": { "type": "boolean" } } },
        "RoleInput": {
            "type": "object",
            "properties": {
                "name": { "type": "string", "minLength": 1, "maxLength": 100 },
                "permissions": { "type": "array", "items": { "type": "string" } },
                "visibility_user_lcf_ids": { "type": ["array", "null"], "items": { "type": "string" }, "maxItems": 3 },
                "visibility_user_lcf_behavior": { "type": ["string", "null"], "enum": ["require_assignment", "allow_unassigned", null] },
                "visibility_include_reports": { "type": "boolean" }
            }
        },
        "MembersMoved": { "type": "object", "properties": { "members_moved": { "type": "integer" } } },
        "Group": {
            "type": "object", "required": ["id", "name", "organization_id"],
            "properties": { "id": { "type": "string" }, "name": { "type": "string" }, "organization_id": { "type": "string" }, "members": { "type": "array", "items": { "$ref": "#/components/schemas/UserRef" } } }
        },
        "GroupList": { "type": "object", "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Group" } }, "has_more": { "type": "boolean" } } },
        "GroupName": { "type": "object", "required": ["name"], "properties": { "name": { "type": "string", "minLength": 1, "maxLength": 100 } } },
        "UserRef": { "type": "object", "required": ["user_id"], "properties": { "user_id": { "type": "string" } } },
        "CustomFieldList": { "type": "object", "properties": { "data": { "type": "array", "items": { "type": "object" } }, "has_more": { "type": "boolean" } } },
        "Lead": {
            "type": "object", "required": ["id", "name", "status_id", "contacts"],
            "properties": {
                "id": { "type": "string" }, "name": { "type": "string" }, "display_name": { "type": "string" },
                "description": { "type": "string" }, "url": { "type": ["string", "null"] },
                "status_id": { "type": "string" }, "status_label": { "type": "string" },
                "contacts": { "type": "array", "items": { "type": "object" } }, "addresses": { "type": "array" },
                "created_by": { "type": ["string", "null"] }, "created_by_name": { "type": "string" },
                "date_created": { "type": "string" }, "date_updated": { "type": "string" }
            },
            "additionalProperties": true
        },
        "SavedSearch": { "type": "object", "required": ["id", "name", "type", "s_query", "sharing_settings"], "properties": { "id": { "type": "string" }, "name": { "type": "string" }, "description": { "type": "string" }, "type": { "type": "string" }, "s_query": { "type": ["object", "null"] }, "user_id": { "type": "string" }, "is_shared": { "type": "boolean" }, "sharing_settings": { "type": "object" } } },
        "SavedSearchList": { "type": "object", "required": ["data", "has_more"], "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/SavedSearch" } }, "has_more": { "type": "boolean" }, "total_results": { "type": "integer" } } },
        "SavedSearchInput": { "type": "object", "additionalProperties": false, "properties": {
            "name": { "type": "string", "minLength": 1, "maxLength": 200 }, "description": { "type": "string" }, "type": { "type": "string", "enum": ["lead"] },
            "s_query": { "type": "object" },
            "sharing_settings": { "type": "object", "additionalProperties": false, "properties": { "whole_org": { "type": "boolean" }, "user_ids": { "type": "array", "items": { "type": "string" } }, "group_ids": { "type": "array", "items": { "type": "string" } } } }
        } },
        "LeadStatus": { "type": "object", "required": ["id", "label"], "properties": { "id": { "type": "string" }, "label": { "type": "string" }, "organization_id": { "type": "string" } } },
        "LeadStatusList": { "type": "object", "required": ["data", "has_more"], "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/LeadStatus" } }, "has_more": { "type": "boolean" } } },
        "LeadStatusInput": { "type": "object", "required": ["label"], "additionalProperties": false, "properties": { "label": { "type": "string", "minLength": 1, "maxLength": 100 } } },
        "SearchQuery": { "type": "object", "required": ["query"], "additionalProperties": false, "properties": {
            "query": { "type": "object", "required": ["type"], "properties": { "type": { "type": "string", "enum": ["and", "object_type", "text", "field_condition", "saved_search"] } } },
            "_skip": { "type": "integer", "minimum": 0, "maximum": 10000 }, "_limit": { "type": "integer", "minimum": 1, "maximum": 200 },
            "cursor": { "type": ["string", "null"] }, "results_limit": { "type": ["integer", "null"], "minimum": 0 },
            "_fields": { "type": ["object", "array"] }, "sort": { "type": "array" }, "include_counts": { "type": "boolean" }
        } },
        "SearchResult": { "type": "object", "required": ["data", "has_more"], "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Lead" } }, "has_more": { "type": "boolean" }, "total_results": { "type": "integer" }, "cursor": { "type": ["string", "null"] }, "count": { "type": "object" } } },
        "LeadList": { "type": "object", "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Lead" } }, "has_more": { "type": "boolean" }, "total_results": { "type": "integer" } } },
        "LeadInput": {
            "type": "object",
            "properties": {
                "name": { "type": "string" }, "description": { "type": "string" }, "url": { "type": ["string", "null"] },
                "status_id": { "type": "string" }, "status": { "type": "string" }, "addresses": { "type": "array" },
                "contacts": { "type": "array", "items": { "type": "object", "properties": { "name": { "type": "string" }, "title": { "type": "string" }, "emails": { "type": "array" }, "phones": { "type": "array" } } } }
            },
            "additionalProperties": true
        },
        "Opportunity": { "type": "object", "required": ["id", "lead_id", "status_id"], "additionalProperties": true, "properties": { "id": { "type": "string" }, "lead_id": { "type": "string" }, "user_id": { "type": ["string", "null"] }, "status_id": { "type": "string" }, "status_type": { "type": "string" }, "value": { "type": "integer" } } },
        "Task": { "type": "object", "required": ["id", "lead_id"], "additionalProperties": true, "properties": { "id": { "type": "string" }, "lead_id": { "type": "string" }, "assigned_to": { "type": ["string", "null"] }, "text": { "type": "string" }, "is_complete": { "type": "boolean" } } },
        "Activity": { "type": "object", "required": ["id", "_type", "lead_id"], "additionalProperties": true, "properties": { "id": { "type": "string" }, "_type": { "type": "string" }, "lead_id": { "type": "string" }, "user_id": { "type": ["string", "null"] }, "user_name": { "type": "string" } } },
        "WorkList": { "type": "object", "properties": { "data": { "type": "array", "items": { "type": "object" } }, "has_more": { "type": "boolean" } } },
        "WorkInput": { "type": "object", "additionalProperties": true },
        "Job": { "type": "object", "required": ["id", "type", "status"], "additionalProperties": true, "properties": { "id": { "type": "string" }, "type": { "type": "string" }, "status": { "type": "string", "enum": ["created", "processing", "done", "error"] }, "n_objects": { "type": "integer" }, "n_objects_processed": { "type": "integer" } } },
        "Import": { "type": "object", "required": ["type", "status", "n_leads"], "additionalProperties": true, "properties": { "id": { "type": ["string", "null"] }, "type": { "type": "string" }, "status": { "type": "string", "enum": ["dry_run", "created", "processing", "done", "error"] }, "n_leads": { "type": "integer" }, "n_leads_processed": { "type": "integer" }, "n_contacts": { "type": ["integer", "null"] }, "error": { "type": ["string", "null"] }, "columns": { "type": ["array", "null"], "items": { "type": "object", "properties": { "header": { "type": "string" }, "field": { "type": "string" } } } } } },
        "ImportList": { "type": "object", "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Import" } }, "has_more": { "type": "boolean" } } },
        "ImportRequest": { "type": "object", "required": ["csv"], "additionalProperties": false, "properties": { "csv": { "type": "string", "description": "The CSV file's text: a header row (Company, Contact Name, Email, Phone, Status, URL, Description, Address, City, State, Zip, Country, or a lead custom field's name) and one row per contact" }, "dry_run": { "type": "boolean" } } },
        "JobList": { "type": "object", "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Job" } }, "has_more": { "type": "boolean" } } },
        "BulkEdit": { "type": "object", "required": ["type"], "properties": { "type": { "type": "string", "enum": ["set_custom_field", "clear_custom_field", "set_lead_status"] }, "s_query": { "type": "object" }, "query": { "type": "string" }, "results_limit": { "type": "integer" }, "custom_field_id": { "type": "string" }, "custom_field_name": { "type": "string" }, "custom_field_value": {}, "custom_field_values": { "type": "array" }, "custom_field_operation": { "type": "string", "enum": ["replace", "add", "remove"] }, "lead_status_id": { "type": "string" } } },
        "BulkDelete": { "type": "object", "properties": { "s_query": { "type": "object" }, "query": { "type": "string" }, "results_limit": { "type": "integer" } } },
        "Explanations": { "type": "object", "properties": { "lead_id": { "type": "string" }, "data": { "type": "array", "items": { "type": "object", "properties": { "membership_id": { "type": "string" }, "visible": { "type": "boolean" }, "reasons": { "type": "array", "items": { "type": "string" } } } } } } },
        "Decision": { "type": "object", "required": ["allowed", "reasons"], "properties": { "allowed": { "type": "boolean" }, "reasons": { "type": "array", "items": { "type": "string" } } } },
        "RolePreview": { "type": "object", "properties": { "role_id": { "type": "string" }, "data": { "type": "array", "items": { "type": "object", "properties": { "membership_id": { "type": "string" }, "visible_before": { "type": "integer" }, "visible_after": { "type": "integer" }, "gained": { "type": "integer" }, "lost": { "type": "integer" } } } } } },
        "Export": { "type": "object", "required": ["id", "status", "format"], "properties": { "id": { "type": "string" }, "status": { "type": "string" }, "format": { "type": "string" }, "n_docs": { "type": "integer" }, "download_url": { "type": "string" } } },
        "ExportInput": { "type": "object", "properties": { "format": { "type": "string", "enum": ["csv", "json"] }, "type": { "type": "string", "enum": ["leads"] }, "query": { "type": "string" }, "s_query": { "type": "object" }, "results_limit": { "type": "integer" } } },
        "Contact": { "type": "object", "required": ["id", "lead_id"], "additionalProperties": true, "properties": { "id": { "type": "string" }, "lead_id": { "type": "string" }, "name": { "type": "string" }, "emails": { "type": "array" }, "phones": { "type": "array" } } },
        "ContactInput": { "type": "object", "properties": { "lead_id": { "type": "string" }, "name": { "type": "string" }, "title": { "type": "string" }, "emails": { "type": "array", "items": { "type": "object", "properties": { "email": { "type": "string" }, "type": { "type": "string" } } } }, "phones": { "type": "array", "items": { "type": "object", "properties": { "phone": { "type": "string" }, "type": { "type": "string" } } } } } },
        "Disposition": { "type": "object", "required": ["mode"], "properties": { "mode": { "type": "string", "enum": ["leave", "unassign", "reassign", "round_robin"] }, "user_id": { "type": "string" }, "user_ids": { "type": "array", "items": { "type": "string" } } } },
        "OffboardingChoices": { "type": "object", "properties": { "action": { "type": "string", "enum": ["deactivate", "remove"] }, "leads": { "$ref": "#/components/schemas/Disposition" }, "opportunities": { "$ref": "#/components/schemas/Disposition" }, "tasks": { "$ref": "#/components/schemas/Disposition" } } },
        "OffboardingPlan": { "type": "object", "properties": { "categories": { "type": "array", "items": { "type": "object" } }, "moves": { "type": "integer" }, "moves_by_target": { "type": "object" } } },
        "Offboarding": { "type": "object", "properties": { "id": { "type": "string" }, "membership_id": { "type": "string" }, "user_id": { "type": "string" }, "actor_user_id": { "type": "string" }, "action": { "type": "string" }, "moved": { "type": "integer" }, "date_created": { "type": "string" }, "undone_at": { "type": ["string", "null"] }, "manifest": { "type": "array", "items": { "type": "object", "properties": { "kind": { "type": "string" }, "field_id": { "type": ["string", "null"] }, "from": { "type": "string" }, "to": { "type": ["string", "null"] }, "record_ids": { "type": "array", "items": { "type": "string" } } } } } } },
        "OffboardingList": { "type": "object", "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Offboarding" } }, "has_more": { "type": "boolean" } } },
        "UndoReport": { "type": "object", "properties": { "restored": { "type": "integer" }, "skipped": { "type": "array", "items": { "type": "object" } } } },
        "AssignInput": { "type": "object", "properties": { "strategy": { "type": "string", "enum": ["round_robin", "random", "least_loaded"] }, "query": { "type": "string" }, "s_query": { "type": "object" }, "results_limit": { "type": "integer" }, "custom_field_id": { "type": "string" }, "group_id": { "type": "string" }, "lead_ids": { "type": "array", "items": { "type": "string" } } } },
        "AssignResult": { "type": "object", "properties": { "strategy": { "type": "string" }, "assigned": { "type": "integer" }, "by_member": { "type": "object" }, "pool": { "type": "array", "items": { "type": "string" } } } },
        "CustomField": { "type": "object", "required": ["id", "name", "type"], "properties": { "id": { "type": "string" }, "name": { "type": "string" }, "type": { "type": "string" }, "accepts_multiple_values": { "type": "boolean" }, "choices": { "type": "array", "items": { "type": "string" } }, "editable_with_roles": { "type": "array", "items": { "type": "string" } } } },
        "CustomFieldInput": { "type": "object", "properties": { "name": { "type": "string" }, "description": { "type": "string" }, "type": { "type": "string", "enum": ["text", "number", "date", "choices", "user"] }, "accepts_multiple_values": { "type": "boolean" }, "choices": { "type": "array", "items": { "type": "string" } }, "editable_with_roles": { "type": "array", "items": { "type": "string" } } } },
        "Me": {
            "allOf": [
                { "$ref": "#/components/schemas/User" },
                { "type": "object", "properties": {
                    "memberships": { "type": "array", "items": { "$ref": "#/components/schemas/Membership" } },
                    "organizations": { "type": "array", "items": { "$ref": "#/components/schemas/Organization" } }
                } }
            ]
        }
    })
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for op in OPERATIONS {
        let entry = paths
            .entry(op.path.to_string())
            .or_insert_with(|| json!({}));
        entry[op.method] = operation(op);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Corral API",
            "version": "1.0.0",
            "description": "Close-compatible REST API (v1). Authenticate with HTTP Basic: your API key as the username and an empty password."
        },
        "servers": [{ "url": "/" }],
        "security": [{ "apiKey": [] }],
        "components": {
            "securitySchemes": { "apiKey": { "type": "http", "scheme": "basic" } },
            "schemas": partial_responses(schemas())
        },
        "paths": paths
    })
}

/// `_fields` trims every response object to the fields asked for, so a schema only ever
/// returned (never sent as a body) lists no required fields: its properties stay typed.
fn partial_responses(mut schemas: Value) -> Value {
    let bodies: std::collections::BTreeSet<&str> =
        OPERATIONS.iter().filter_map(|op| op.body).collect();
    let returned: std::collections::BTreeSet<&str> = OPERATIONS
        .iter()
        .filter_map(|op| op.ok.1)
        .filter(|s| !bodies.contains(s))
        .collect();
    // The objects inside list responses (`data: [...]`) and the parts of `allOf`
    // compositions are trimmed too.
    let mut objects: Vec<String> = vec![];
    let mut todo: Vec<String> = returned.iter().map(|s| s.to_string()).collect();
    while let Some(name) = todo.pop() {
        if objects.contains(&name) || bodies.contains(name.as_str()) {
            continue;
        }
        let s = &schemas[&name];
        let mut refs: Vec<&Value> = vec![&s["properties"]["data"]["items"]["$ref"]];
        if let Some(parts) = s["allOf"].as_array() {
            refs.extend(parts.iter().map(|p| &p["$ref"]));
        }
        for r in refs {
            if let Some(inner) = r
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                todo.push(inner.to_string());
            }
        }
        objects.push(name);
    }
    for name in objects {
        let is_list = schemas[&name]["properties"]["data"].is_object();
        if !is_list && let Some(o) = schemas[&name].as_object_mut() {
            o.remove("required");
        }
    }
    schemas
}

pub async fn serve() -> Json<Value> {
    Json(document())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every route the API registers (read from the router source) is documented, with
    /// every method it answers, and nothing is documented that is not routed.
    #[test]
    fn every_route_is_documented() {
        let sources = [
            include_str!("v1.rs"),
            include_str!("members.rs"),
            include_str!("access.rs"),
            include_str!("leads.rs"),
            include_str!("work.rs"),
            include_str!("sharing.rs"),
            include_str!("phones.rs"),
            include_str!("reports.rs"),
            include_str!("views.rs"),
            include_str!("imports.rs"),
            include_str!("webhooks.rs"),
            include_str!("pipelines.rs"),
            include_str!("lib.rs"),
        ];
        let mut routed: Vec<(String, String)> = Vec::new();
        for src in sources {
            let flat: String = src.split_whitespace().collect::<Vec<_>>().join(" ");
            for chunk in flat.split(".route(").skip(1) {
                let Some(rest) = chunk.trim_start().strip_prefix('"') else {
                    continue;
                };
                let Some(end) = rest.find('"') else { continue };
                let path = &rest[..end];
                if !path.starts_with("/api/v1/") || path.contains('*') {
                    continue;
                }
                let doc_path = format!("{path}/");
                // The handler expression runs to the route call's closing parenthesis.
                let mut depth = 1;
                let mut expr = String::new();
                for ch in rest[end + 1..].chars() {
                    match ch {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        break;
                    }
                    expr.push(ch);
                }
                for method in ["get", "post", "put", "delete"] {
                    if expr.contains(&format!("{method}(")) {
                        routed.push((method.to_string(), doc_path.clone()));
                    }
                }
            }
        }
        assert!(
            routed.len() > 40,
            "the route scan found too little: {routed:?}"
        );
        for (m, p) in &routed {
            assert!(
                OPERATIONS.iter().any(|o| o.method == m && o.path == p),
                "{m} {p} is routed but not documented"
            );
        }
        for o in OPERATIONS {
            assert!(
                routed.iter().any(|(m, p)| m == o.method && p == o.path),
                "{} {} is documented but not routed",
                o.method,
                o.path
            );
        }
        let ids: std::collections::HashSet<_> = OPERATIONS.iter().map(|o| o.id).collect();
        assert_eq!(ids.len(), OPERATIONS.len(), "operation ids are unique");
    }
}
