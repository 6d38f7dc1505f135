-- Opportunities (with pipelines and statuses), tasks and activities. Each hangs off a lead,
-- so lead visibility decides who sees it.
CREATE TABLE pipelines (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    date_created TEXT NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TABLE opportunity_statuses (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    pipeline_id TEXT NOT NULL REFERENCES pipelines(id),
    label TEXT NOT NULL,
    status_type TEXT NOT NULL CHECK (status_type IN ('active', 'won', 'lost')),
    sort_order INTEGER NOT NULL
);

CREATE TABLE opportunities (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    contact_id TEXT,
    user_id TEXT,
    user_name TEXT NOT NULL DEFAULT '',
    status_id TEXT NOT NULL REFERENCES opportunity_statuses(id),
    value INTEGER NOT NULL DEFAULT 0,
    value_period TEXT NOT NULL DEFAULT 'one_time' CHECK (value_period IN ('one_time', 'monthly', 'annual')),
    value_currency TEXT NOT NULL DEFAULT 'USD',
    confidence INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    date_won TEXT,
    created_by TEXT,
    updated_by TEXT,
    created_by_name TEXT NOT NULL DEFAULT '',
    updated_by_name TEXT NOT NULL DEFAULT '',
    date_created TEXT NOT NULL,
    date_updated TEXT NOT NULL
);
CREATE INDEX opportunities_lead ON opportunities(lead_id);
CREATE INDEX opportunities_user ON opportunities(workspace_id, user_id);

CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    contact_id TEXT,
    assigned_to TEXT,
    assigned_to_name TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    due_date TEXT,
    is_complete INTEGER NOT NULL DEFAULT 0,
    created_by TEXT,
    updated_by TEXT,
    created_by_name TEXT NOT NULL DEFAULT '',
    updated_by_name TEXT NOT NULL DEFAULT '',
    date_created TEXT NOT NULL,
    date_updated TEXT NOT NULL
);
CREATE INDEX tasks_lead ON tasks(lead_id);
CREATE INDEX tasks_assignee ON tasks(workspace_id, assigned_to, is_complete);

CREATE TABLE activities (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    contact_id TEXT,
    activity_type TEXT NOT NULL CHECK (activity_type IN ('Note', 'Call', 'Email', 'Meeting', 'SMS')),
    user_id TEXT,
    user_name TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    direction TEXT,
    duration INTEGER NOT NULL DEFAULT 0,
    activity_at TEXT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    created_by_name TEXT NOT NULL DEFAULT '',
    updated_by_name TEXT NOT NULL DEFAULT '',
    date_created TEXT NOT NULL,
    date_updated TEXT NOT NULL
);
CREATE INDEX activities_lead ON activities(lead_id, activity_at);
CREATE INDEX activities_user ON activities(workspace_id, user_id, activity_at);
