-- Bulk actions run as jobs: the target leads are fixed (with the creator's visibility) when
-- the job is made; a worker applies the change item by item, each item marked done in the
-- same transaction as its change, so a job killed half-way resumes without doing anything
-- twice.
CREATE TABLE bulk_jobs (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    kind TEXT NOT NULL CHECK (kind IN ('edit', 'delete')),
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
    date_updated TEXT NOT NULL
);
CREATE INDEX bulk_jobs_workspace ON bulk_jobs(workspace_id, date_created);

CREATE TABLE bulk_job_items (
    job_id TEXT NOT NULL REFERENCES bulk_jobs(id),
    position INTEGER NOT NULL,
    lead_id TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, position)
);
