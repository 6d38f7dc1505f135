-- Sharding-ready keys (SPEC S10): every table that holds one workspace's data carries
-- workspace_id and leads its primary key, unique constraints and foreign keys with it, so a
-- distributed PostgreSQL (Citus) can place each workspace's rows together and route every
-- query of a workspace to one shard. Tables read before a workspace is known (users,
-- organizations, workspaces, sessions, API keys, invitations, tokens, the audit log, the
-- email outbox, SCIM's organization-wide tables, cluster nodes) stay whole: reference tables.
-- Lookups by an id alone keep a plain index on it.

-- 1. Child tables that lacked the workspace: add it, filled from the parent row.
ALTER TABLE group_members ADD COLUMN workspace_id TEXT;
UPDATE group_members m SET workspace_id = g.workspace_id FROM groups g WHERE g.id = m.group_id;
ALTER TABLE lead_field_values ADD COLUMN workspace_id TEXT;
UPDATE lead_field_values v SET workspace_id = l.workspace_id FROM leads l WHERE l.id = v.lead_id;
ALTER TABLE bulk_job_items ADD COLUMN workspace_id TEXT;
UPDATE bulk_job_items i SET workspace_id = j.workspace_id FROM bulk_jobs j WHERE j.id = i.job_id;
ALTER TABLE saved_search_shares ADD COLUMN workspace_id TEXT;
UPDATE saved_search_shares s SET workspace_id = v.workspace_id FROM saved_searches v WHERE v.id = s.saved_search_id;
ALTER TABLE scim_groups ADD COLUMN workspace_id TEXT;
UPDATE scim_groups s SET workspace_id = g.workspace_id FROM groups g WHERE g.id = s.group_id;

ALTER TABLE group_members ALTER COLUMN workspace_id SET NOT NULL;
ALTER TABLE lead_field_values ALTER COLUMN workspace_id SET NOT NULL;
ALTER TABLE bulk_job_items ALTER COLUMN workspace_id SET NOT NULL;
ALTER TABLE saved_search_shares ALTER COLUMN workspace_id SET NOT NULL;
ALTER TABLE scim_groups ALTER COLUMN workspace_id SET NOT NULL;

-- 2. Foreign keys between workspace tables go (they come back with the workspace in them),
-- and so does the one from API keys (a reference table) to memberships.
ALTER TABLE group_members DROP CONSTRAINT group_members_group_id_fkey;
ALTER TABLE api_keys DROP CONSTRAINT api_keys_membership_id_fkey;
ALTER TABLE leads DROP CONSTRAINT leads_status_id_fkey;
ALTER TABLE lead_field_values DROP CONSTRAINT lead_field_values_lead_id_fkey;
ALTER TABLE lead_field_values DROP CONSTRAINT lead_field_values_field_id_fkey;
ALTER TABLE contacts DROP CONSTRAINT contacts_lead_id_fkey;
ALTER TABLE contact_channels DROP CONSTRAINT contact_channels_contact_id_fkey;
ALTER TABLE opportunity_statuses DROP CONSTRAINT opportunity_statuses_pipeline_id_fkey;
ALTER TABLE opportunities DROP CONSTRAINT opportunities_lead_id_fkey;
ALTER TABLE opportunities DROP CONSTRAINT opportunities_status_id_fkey;
ALTER TABLE tasks DROP CONSTRAINT tasks_lead_id_fkey;
ALTER TABLE activities DROP CONSTRAINT activities_lead_id_fkey;
ALTER TABLE bulk_job_items DROP CONSTRAINT bulk_job_items_job_id_fkey;
ALTER TABLE scim_groups DROP CONSTRAINT scim_groups_group_id_fkey;
ALTER TABLE saved_search_shares DROP CONSTRAINT saved_search_shares_saved_search_id_fkey;

-- 3. Primary keys lead with the workspace; an index on the id alone serves lookups by id.
ALTER TABLE roles DROP CONSTRAINT roles_pkey;
ALTER TABLE roles ADD PRIMARY KEY (workspace_id, id);
CREATE INDEX roles_id ON roles (id);
ALTER TABLE memberships DROP CONSTRAINT memberships_pkey;
ALTER TABLE memberships ADD PRIMARY KEY (workspace_id, id);
CREATE INDEX memberships_id ON memberships (id);
ALTER TABLE groups DROP CONSTRAINT groups_pkey;
ALTER TABLE groups ADD PRIMARY KEY (workspace_id, id);
CREATE INDEX groups_id ON groups (id);
ALTER TABLE custom_fields DROP CONSTRAINT custom_fields_pkey;
ALTER TABLE custom_fields ADD PRIMARY KEY (workspace_id, id);
CREATE INDEX custom_fields_id ON custom_fields (id);
ALTER TABLE lead_statuses DROP CONSTRAINT lead_statuses_pkey;
ALTER TABLE lead_statuses ADD PRIMARY KEY (workspace_id, id);
CREATE INDEX lead_statuses_id ON lead_statuses (id);
ALTER TABLE leads DROP CONSTRAINT leads_pkey;
ALTER TABLE leads ADD PRIMARY KEY (workspace_id, id);
CREATE INDEX leads_id ON leads (id);
ALTER TABLE contacts DROP CONSTRAINT contacts_pkey;
ALTER TABLE contacts ADD PRIMARY KEY (workspace_id, id);
CREATE INDEX contacts_id ON contacts (id);
ALTER TABLE pipelines DROP CONSTRAINT pipelines_pkey;
ALTER TABLE pipelines ADD PRIMARY KEY (workspace_id, id);
CREATE INDEX pipelines_id ON pipelines (id);
ALTER TABLE opportunity_statuses DROP CONSTRAINT opportunity_statuses_pkey;
ALTER TABLE opportunity_statuses ADD PRIMARY KEY (workspace_id, id);
CREATE INDEX opportunity_statuses_id ON opportunity_statuses (id);
ALTER TABLE opportunities DROP CONSTRAINT opportunities_pkey;
ALTER TABLE opportunities ADD PRIMARY KEY (workspace_id, id);
CREATE INDEX opportunities_id ON opportunities (id);
ALTER TABLE tasks DROP CONSTRAINT tasks_pkey;
ALTER TABLE tasks ADD PRIMARY KEY (workspace_id, id);
CREATE INDEX tasks_id ON tasks (id);
ALTER TABLE activities DROP CONSTRAINT activities_pkey;
ALTER TABLE activities ADD PRIMARY KEY (workspace_id, id);
CREATE INDEX activities_id ON activities (id);
ALTER TABLE bulk_jobs DROP CONSTRAINT bulk_jobs_pkey;
ALTER TABLE bulk_jobs ADD PRIMARY KEY (workspace_id, id);
CREATE INDEX bulk_jobs_id ON bulk_jobs (id);
ALTER TABLE exports DROP CONSTRAINT exports_pkey;
ALTER TABLE exports ADD PRIMARY KEY (workspace_id, id);
CREATE INDEX exports_id ON exports (id);
ALTER TABLE offboardings DROP CONSTRAINT offboardings_pkey;
ALTER TABLE offboardings ADD PRIMARY KEY (workspace_id, id);
CREATE INDEX offboardings_id ON offboardings (id);
ALTER TABLE personal_contacts DROP CONSTRAINT personal_contacts_pkey;
ALTER TABLE personal_contacts ADD PRIMARY KEY (workspace_id, id);
CREATE INDEX personal_contacts_id ON personal_contacts (id);
ALTER TABLE team_contacts DROP CONSTRAINT team_contacts_pkey;
ALTER TABLE team_contacts ADD PRIMARY KEY (workspace_id, id);
CREATE INDEX team_contacts_id ON team_contacts (id);
ALTER TABLE phone_numbers DROP CONSTRAINT phone_numbers_pkey;
ALTER TABLE phone_numbers ADD PRIMARY KEY (workspace_id, id);
CREATE INDEX phone_numbers_id ON phone_numbers (id);
ALTER TABLE saved_searches DROP CONSTRAINT saved_searches_pkey;
ALTER TABLE saved_searches ADD PRIMARY KEY (workspace_id, id);
CREATE INDEX saved_searches_id ON saved_searches (id);
ALTER TABLE group_members DROP CONSTRAINT group_members_pkey;
ALTER TABLE group_members ADD PRIMARY KEY (workspace_id, group_id, user_id);
ALTER TABLE lead_field_values DROP CONSTRAINT lead_field_values_pkey;
ALTER TABLE lead_field_values ADD PRIMARY KEY (workspace_id, lead_id, field_id, value);
ALTER TABLE contact_channels DROP CONSTRAINT contact_channels_pkey;
ALTER TABLE contact_channels ADD PRIMARY KEY (workspace_id, contact_id, kind, value);
ALTER TABLE bulk_job_items DROP CONSTRAINT bulk_job_items_pkey;
ALTER TABLE bulk_job_items ADD PRIMARY KEY (workspace_id, job_id, position);
ALTER TABLE saved_search_shares DROP CONSTRAINT saved_search_shares_pkey;
ALTER TABLE saved_search_shares ADD PRIMARY KEY (workspace_id, saved_search_id, kind, target_id);
ALTER TABLE scim_groups DROP CONSTRAINT scim_groups_pkey;
ALTER TABLE scim_groups ADD PRIMARY KEY (workspace_id, group_id);
CREATE INDEX group_members_group ON group_members (group_id, user_id);
CREATE INDEX lead_field_values_lead ON lead_field_values (lead_id, field_id);
CREATE INDEX contact_channels_contact ON contact_channels (contact_id);
CREATE INDEX bulk_job_items_job ON bulk_job_items (job_id, position);
CREATE INDEX saved_search_shares_search ON saved_search_shares (saved_search_id);
CREATE INDEX scim_groups_group ON scim_groups (group_id);

-- 4. Foreign keys again, each with the workspace.
ALTER TABLE group_members ADD CONSTRAINT group_members_group_id_fkey FOREIGN KEY (workspace_id, group_id) REFERENCES groups (workspace_id, id);
ALTER TABLE leads ADD CONSTRAINT leads_status_id_fkey FOREIGN KEY (workspace_id, status_id) REFERENCES lead_statuses (workspace_id, id);
ALTER TABLE lead_field_values ADD CONSTRAINT lead_field_values_lead_id_fkey FOREIGN KEY (workspace_id, lead_id) REFERENCES leads (workspace_id, id) ON DELETE CASCADE;
ALTER TABLE lead_field_values ADD CONSTRAINT lead_field_values_field_id_fkey FOREIGN KEY (workspace_id, field_id) REFERENCES custom_fields (workspace_id, id);
ALTER TABLE contacts ADD CONSTRAINT contacts_lead_id_fkey FOREIGN KEY (workspace_id, lead_id) REFERENCES leads (workspace_id, id) ON DELETE CASCADE;
ALTER TABLE contact_channels ADD CONSTRAINT contact_channels_contact_id_fkey FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id) ON DELETE CASCADE;
ALTER TABLE opportunity_statuses ADD CONSTRAINT opportunity_statuses_pipeline_id_fkey FOREIGN KEY (workspace_id, pipeline_id) REFERENCES pipelines (workspace_id, id);
ALTER TABLE opportunities ADD CONSTRAINT opportunities_lead_id_fkey FOREIGN KEY (workspace_id, lead_id) REFERENCES leads (workspace_id, id) ON DELETE CASCADE;
ALTER TABLE opportunities ADD CONSTRAINT opportunities_status_id_fkey FOREIGN KEY (workspace_id, status_id) REFERENCES opportunity_statuses (workspace_id, id);
ALTER TABLE tasks ADD CONSTRAINT tasks_lead_id_fkey FOREIGN KEY (workspace_id, lead_id) REFERENCES leads (workspace_id, id) ON DELETE CASCADE;
ALTER TABLE activities ADD CONSTRAINT activities_lead_id_fkey FOREIGN KEY (workspace_id, lead_id) REFERENCES leads (workspace_id, id) ON DELETE CASCADE;
ALTER TABLE bulk_job_items ADD CONSTRAINT bulk_job_items_job_id_fkey FOREIGN KEY (workspace_id, job_id) REFERENCES bulk_jobs (workspace_id, id);
ALTER TABLE scim_groups ADD CONSTRAINT scim_groups_group_id_fkey FOREIGN KEY (workspace_id, group_id) REFERENCES groups (workspace_id, id);
ALTER TABLE saved_search_shares ADD CONSTRAINT saved_search_shares_saved_search_id_fkey FOREIGN KEY (workspace_id, saved_search_id) REFERENCES saved_searches (workspace_id, id) ON DELETE CASCADE;

-- 5. Secondary indexes that start from a workspace's values.
DROP INDEX lead_field_values_lookup;
CREATE INDEX lead_field_values_lookup ON lead_field_values (workspace_id, field_id, value, lead_id);
DROP INDEX saved_search_shares_target;
CREATE INDEX saved_search_shares_target ON saved_search_shares (workspace_id, kind, target_id);
