-- Leads, their statuses, contacts and custom field values.
CREATE TABLE lead_statuses (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    label TEXT NOT NULL,
    sort_order INTEGER NOT NULL,
    date_created TEXT NOT NULL,
    UNIQUE (workspace_id, label)
);

CREATE TABLE leads (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    url TEXT,
    status_id TEXT NOT NULL REFERENCES lead_statuses(id),
    addresses TEXT NOT NULL DEFAULT '[]',
    created_by TEXT,
    updated_by TEXT,
    created_by_name TEXT NOT NULL DEFAULT '',
    updated_by_name TEXT NOT NULL DEFAULT '',
    date_created TEXT NOT NULL,
    date_updated TEXT NOT NULL
);
CREATE INDEX leads_workspace_updated ON leads(workspace_id, date_updated, id);
CREATE INDEX leads_workspace_created ON leads(workspace_id, date_created, id);

-- One row per value; user-type fields hold user ids, which lead visibility keys on.
CREATE TABLE lead_field_values (
    lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    field_id TEXT NOT NULL REFERENCES custom_fields(id),
    value TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (lead_id, field_id, value)
);
CREATE INDEX lead_field_values_lookup ON lead_field_values(field_id, value, lead_id);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    emails TEXT NOT NULL DEFAULT '[]',
    phones TEXT NOT NULL DEFAULT '[]',
    urls TEXT NOT NULL DEFAULT '[]',
    created_by TEXT,
    updated_by TEXT,
    created_by_name TEXT NOT NULL DEFAULT '',
    updated_by_name TEXT NOT NULL DEFAULT '',
    date_created TEXT NOT NULL,
    date_updated TEXT NOT NULL
);
CREATE INDEX contacts_lead ON contacts(lead_id);

-- Contact emails and phones, searchable: adding a user is refused when their email or phone
-- belongs to a contact (SPEC S2.2).
CREATE TABLE contact_channels (
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('email', 'phone')),
    value TEXT NOT NULL,
    PRIMARY KEY (contact_id, kind, value)
);
CREATE INDEX contact_channels_lookup ON contact_channels(workspace_id, kind, value);
