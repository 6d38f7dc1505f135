-- Smart Views (saved searches) and who they are shared with: the whole workspace, members,
-- or groups. Only the owner and those it is shared with see a view; its results are always
-- cut to the leads the person running it may see.
CREATE TABLE saved_searches (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    view_type TEXT NOT NULL CHECK (view_type IN ('lead')),
    s_query TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    whole_org INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    date_created TEXT NOT NULL,
    date_updated TEXT NOT NULL
);
CREATE INDEX saved_searches_workspace ON saved_searches (workspace_id, user_id);

CREATE TABLE saved_search_shares (
    saved_search_id TEXT NOT NULL REFERENCES saved_searches(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'group')),
    target_id TEXT NOT NULL,
    PRIMARY KEY (saved_search_id, kind, target_id)
);
CREATE INDEX saved_search_shares_target ON saved_search_shares (kind, target_id);
