-- Custom fields. Every workspace gets a user-type lead field "Lead Owner"; roles with
-- limited lead visibility point at user-type lead fields.
CREATE TABLE custom_fields (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    object_type TEXT NOT NULL CHECK (object_type IN ('lead', 'contact', 'opportunity')),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    field_type TEXT NOT NULL CHECK (field_type IN ('text', 'number', 'date', 'choices', 'user')),
    accepts_multiple_values BOOLEAN NOT NULL DEFAULT FALSE,
    choices TEXT NOT NULL DEFAULT '',
    editable_with_roles TEXT NOT NULL DEFAULT '',
    created_by TEXT,
    updated_by TEXT,
    date_created TIMESTAMPTZ NOT NULL,
    date_updated TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, object_type, name)
);
