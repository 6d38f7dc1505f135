-- Several nodes on one database (SPEC S10): each node's heartbeat, and which members have a
-- live page on which node, so every node can show presence across the cluster.
CREATE TABLE cluster_nodes (
    node_id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL
);

CREATE TABLE presence_sessions (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    node_id TEXT NOT NULL,
    since TEXT NOT NULL,
    PRIMARY KEY (workspace_id, user_id, node_id)
);
CREATE INDEX presence_sessions_node ON presence_sessions (node_id);

-- The node that last took a background job, for operators and the two-node test.
ALTER TABLE bulk_jobs ADD COLUMN lease_node TEXT;
