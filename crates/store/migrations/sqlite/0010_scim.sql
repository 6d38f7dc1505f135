-- SCIM 2.0 provisioning (SPEC S8): bearer tokens per organization, what identity providers
-- keep about users and groups beyond Corral's own columns, settings and an activity log.
CREATE TABLE scim_tokens (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    date_created TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX scim_tokens_org ON scim_tokens(organization_id);

-- Where SCIM users land and what deactivation does with what they hold.
CREATE TABLE scim_settings (
    organization_id TEXT PRIMARY KEY REFERENCES organizations(id),
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    role_id TEXT NOT NULL,
    deactivate_policy TEXT NOT NULL CHECK (deactivate_policy IN ('leave', 'unassign', 'reassign')),
    reassign_to TEXT,
    date_updated TEXT NOT NULL
);

-- The identity provider's view of a user: userName, externalId and the attributes Corral
-- has no column for (JSON), so what was sent is what is read back.
CREATE TABLE scim_users (
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    user_name TEXT NOT NULL,
    user_name_lower TEXT NOT NULL,
    external_id TEXT,
    attributes TEXT NOT NULL DEFAULT '{}',
    date_created TEXT NOT NULL,
    date_updated TEXT NOT NULL,
    PRIMARY KEY (organization_id, user_id),
    UNIQUE (organization_id, user_name_lower)
);
CREATE INDEX scim_users_external ON scim_users(organization_id, external_id);

CREATE TABLE scim_groups (
    group_id TEXT PRIMARY KEY REFERENCES groups(id),
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    external_id TEXT,
    role_id TEXT,
    date_created TEXT NOT NULL,
    date_updated TEXT NOT NULL
);

CREATE TABLE scim_activity (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    token_id TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    date_created TEXT NOT NULL
);
CREATE INDEX scim_activity_org ON scim_activity(organization_id, date_created);
