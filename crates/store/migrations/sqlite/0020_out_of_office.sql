-- Members out of office until a time (SPEC S7: round robin can skip them), and the workspace's
-- switch for skipping them (on by default: someone away should not be handed new leads).
CREATE TABLE out_of_office (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    user_id TEXT NOT NULL,
    until TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    set_by TEXT NOT NULL,
    date_updated TEXT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
ALTER TABLE assignment_settings ADD COLUMN skip_out_of_office INTEGER NOT NULL DEFAULT 1;
