-- Sharing contacts with the team (SPEC S5): each member's personal address book (readable by
-- its owner only), the team's shared contacts (snapshots and live copies kept in sync with
-- their source), and each workspace's auto-share rules.
CREATE TABLE personal_contacts (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    owner_user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    company TEXT NOT NULL DEFAULT '',
    segment TEXT NOT NULL DEFAULT '',
    emails TEXT NOT NULL DEFAULT '[]',
    phones TEXT NOT NULL DEFAULT '[]',
    addresses TEXT NOT NULL DEFAULT '[]',
    opportunity_id TEXT,
    unshared BOOLEAN NOT NULL DEFAULT FALSE,
    date_created TIMESTAMPTZ NOT NULL,
    date_updated TIMESTAMPTZ NOT NULL
);
CREATE INDEX personal_contacts_owner ON personal_contacts(workspace_id, owner_user_id, name);

CREATE TABLE team_contacts (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    source_id TEXT,
    source_owner_id TEXT,
    mode TEXT NOT NULL CHECK (mode IN ('snapshot', 'live')),
    name TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    company TEXT NOT NULL DEFAULT '',
    segment TEXT NOT NULL DEFAULT '',
    emails TEXT NOT NULL DEFAULT '[]',
    phones TEXT NOT NULL DEFAULT '[]',
    addresses TEXT NOT NULL DEFAULT '[]',
    assigned_to TEXT,
    timeline_visibility TEXT NOT NULL DEFAULT 'private' CHECK (timeline_visibility IN ('private', 'manager', 'team')),
    sync_base TEXT NOT NULL DEFAULT '{}',
    out_of_sync BOOLEAN NOT NULL DEFAULT FALSE,
    conflicts TEXT NOT NULL DEFAULT '[]',
    created_by TEXT NOT NULL,
    date_created TIMESTAMPTZ NOT NULL,
    date_updated TIMESTAMPTZ NOT NULL
);
CREATE INDEX team_contacts_workspace ON team_contacts(workspace_id, assigned_to, name);
CREATE INDEX team_contacts_source ON team_contacts(source_id);

CREATE TABLE sharing_settings (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id),
    template TEXT NOT NULL,
    share_business BOOLEAN NOT NULL DEFAULT TRUE,
    share_deal_contacts BOOLEAN NOT NULL DEFAULT TRUE,
    share_assigned BOOLEAN NOT NULL DEFAULT TRUE,
    date_updated TIMESTAMPTZ NOT NULL
);
