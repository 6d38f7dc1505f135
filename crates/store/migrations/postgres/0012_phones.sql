-- Phone numbers (personal: a member's; group: a group's) and each member's call forwarding.
CREATE TABLE phone_numbers (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    number TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    is_group_number BOOLEAN NOT NULL DEFAULT FALSE,
    user_id TEXT,
    group_id TEXT,
    date_created TIMESTAMPTZ NOT NULL,
    date_updated TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, number)
);
CREATE INDEX phone_numbers_user ON phone_numbers(workspace_id, user_id);

CREATE TABLE call_forwarding (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    when_to TEXT NOT NULL CHECK (when_to IN ('always', 'unavailable', 'deactivated')),
    target_user_id TEXT,
    target_number TEXT,
    date_updated TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
