-- Where each round-robin rotation stopped, so the next batch (after a restart too)
-- continues fairly.
CREATE TABLE round_robin_state (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    pool_key TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, pool_key)
);
