-- Offboardings: the manifest of every record that changed hands (record → previous holder),
-- kept for 30 days of undo.
CREATE TABLE offboardings (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    membership_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    actor_user_id TEXT NOT NULL,
    action TEXT NOT NULL,
    manifest TEXT NOT NULL,
    date_created TEXT NOT NULL,
    undone_at TEXT
);
CREATE INDEX offboardings_workspace ON offboardings(workspace_id, date_created);
