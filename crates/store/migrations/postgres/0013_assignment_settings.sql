-- Round-robin settings per workspace: auto-assigning new leads, the strategy, and whether
-- members who are offline are skipped.
CREATE TABLE assignment_settings (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id),
    auto_assign BOOLEAN NOT NULL DEFAULT FALSE,
    strategy TEXT NOT NULL CHECK (strategy IN ('round_robin', 'random', 'least_loaded')),
    skip_offline BOOLEAN NOT NULL DEFAULT FALSE,
    date_updated TIMESTAMPTZ NOT NULL
);
