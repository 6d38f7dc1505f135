-- Lead exports: the file is made when the export is requested (with the requester's
-- visibility) and kept for download.
CREATE TABLE exports (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created_by TEXT NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('csv', 'json')),
    export_type TEXT NOT NULL,
    status TEXT NOT NULL,
    n_docs BIGINT NOT NULL,
    content TEXT NOT NULL,
    date_created TIMESTAMPTZ NOT NULL
);
