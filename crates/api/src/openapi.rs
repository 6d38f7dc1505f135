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
];

fn error_response(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn operation(op: &Operation) -> Value {
    let mut params = Vec::new();
    if op.path.contains("{id}") {
        params.push(
            json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }),
        );
    }
    params.push(json!({ "name": "_fields", "in": "query", "required": false, "description": "Comma-separated fields to return", "schema": { "type": "string" } }));
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
                "organizations": { "type": "array", "items": { "type": "string" } },
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
            "allOf": [
                { "$ref": "#/components/schemas/MembershipUpdate" },
                { "type": "object", "required": ["_params"], "properties": { "_params": { "type": "object", "properties": { "id__in": { "type": "string" } } } } }
            ]
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
            "schemas": schemas()
        },
        "paths": paths
    })
}

pub async fn serve() -> Json<Value> {
    Json(document())
}
