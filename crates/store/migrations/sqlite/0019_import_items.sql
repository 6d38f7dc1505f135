-- Imports run as bulk jobs (kind 'import'): each item is one lead to create, its id chosen up
-- front and its contents (JSON) kept in `data` until the job creates it. SQLite cannot change
-- a CHECK constraint in place, so both job tables are rebuilt (items first: they point at
-- the jobs).
CREATE TABLE bulk_jobs_v2 (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    kind TEXT NOT NULL CHECK (kind IN ('edit', 'delete', 'import')),
    action TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    selection TEXT NOT NULL DEFAULT '{}',
    membership_id TEXT NOT NULL,
    created_by TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('created', 'processing', 'done', 'error')),
    n_objects INTEGER NOT NULL DEFAULT 0,
    n_objects_processed INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    lease_until TEXT,
    date_created TEXT NOT NULL,
    date_updated TEXT NOT NULL,
    lease_node TEXT
);
INSERT INTO bulk_jobs_v2 (id, workspace_id, kind, action, params, selection, membership_id, created_by, status, n_objects, n_objects_processed, error, lease_until, date_created, date_updated, lease_node)
    SELECT id, workspace_id, kind, action, params, selection, membership_id, created_by, status, n_objects, n_objects_processed, error, lease_until, date_created, date_updated, lease_node FROM bulk_jobs;

CREATE TABLE bulk_job_items_v2 (
    job_id TEXT NOT NULL REFERENCES bulk_jobs_v2(id),
    position INTEGER NOT NULL,
    lead_id TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    workspace_id TEXT NOT NULL DEFAULT '',
    data TEXT,
    PRIMARY KEY (job_id, position)
);
INSERT INTO bulk_job_items_v2 (job_id, position, lead_id, done, workspace_id)
    SELECT job_id, position, lead_id, done, workspace_id FROM bulk_job_items;

DROP TABLE bulk_job_items;
DROP TABLE bulk_jobs;
ALTER TABLE bulk_jobs_v2 RENAME TO bulk_jobs;
ALTER TABLE bulk_job_items_v2 RENAME TO bulk_job_items;
CREATE INDEX bulk_jobs_workspace ON bulk_jobs(workspace_id, date_created);
