-- Identity, tenancy and sign-in. Timestamps are TIMESTAMPTZ.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    email_lower TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    phone TEXT UNIQUE,
    image TEXT,
    timezone TEXT NOT NULL DEFAULT 'UTC',
    password_hash TEXT,
    date_created TIMESTAMPTZ NOT NULL,
    date_updated TIMESTAMPTZ NOT NULL
);

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    seat_limit BIGINT,
    date_created TIMESTAMPTZ NOT NULL,
    date_updated TIMESTAMPTZ NOT NULL
);

CREATE TABLE org_members (
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    org_role TEXT NOT NULL CHECK (org_role IN ('owner', 'member')),
    date_created TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);

CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    currency TEXT NOT NULL DEFAULT 'USD',
    created_by TEXT,
    updated_by TEXT,
    date_created TIMESTAMPTZ NOT NULL,
    date_updated TIMESTAMPTZ NOT NULL
);

CREATE TABLE roles (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    permissions TEXT NOT NULL,
    visibility_user_lcf_ids TEXT,
    visibility_user_lcf_behavior TEXT,
    visibility_include_reports BOOLEAN NOT NULL DEFAULT FALSE,
    date_created TIMESTAMPTZ NOT NULL,
    date_updated TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TABLE memberships (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    role_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('invited', 'active', 'deactivated', 'removed')),
    restrictions TEXT NOT NULL DEFAULT '',
    round_robin BOOLEAN NOT NULL DEFAULT FALSE,
    homepage TEXT NOT NULL DEFAULT 'leads',
    manager_id TEXT,
    auto_record_calls TEXT NOT NULL DEFAULT 'unset',
    track_email_opens BOOLEAN NOT NULL DEFAULT TRUE,
    default_caller_id TEXT,
    last_active_at TIMESTAMPTZ,
    invited_by TEXT,
    date_created TIMESTAMPTZ NOT NULL,
    date_updated TIMESTAMPTZ NOT NULL,
    date_activated TIMESTAMPTZ,
    date_deactivated TIMESTAMPTZ,
    date_removed TIMESTAMPTZ,
    status_changed_by TEXT,
    UNIQUE (workspace_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id);

CREATE TABLE groups (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    date_created TIMESTAMPTZ NOT NULL,
    date_updated TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES groups(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    date_created TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    date_created TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id, workspace_id);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL UNIQUE,
    membership_id TEXT NOT NULL REFERENCES memberships(id),
    name TEXT NOT NULL,
    date_created TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX api_keys_membership ON api_keys(membership_id);

CREATE TABLE login_failures (
    email_lower TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_email ON login_failures(email_lower, at);

CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    date_created TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
