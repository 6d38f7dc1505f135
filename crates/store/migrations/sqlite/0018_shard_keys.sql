-- Every table that holds one workspace's data carries workspace_id (PostgreSQL also leads
-- its keys with it, for sharding; one SQLite file needs only the column and the indexes
-- that start from it).
ALTER TABLE group_members ADD COLUMN workspace_id TEXT NOT NULL DEFAULT '';
UPDATE group_members SET workspace_id = (SELECT g.workspace_id FROM groups g WHERE g.id = group_members.group_id);
ALTER TABLE lead_field_values ADD COLUMN workspace_id TEXT NOT NULL DEFAULT '';
UPDATE lead_field_values SET workspace_id = (SELECT l.workspace_id FROM leads l WHERE l.id = lead_field_values.lead_id);
ALTER TABLE bulk_job_items ADD COLUMN workspace_id TEXT NOT NULL DEFAULT '';
UPDATE bulk_job_items SET workspace_id = (SELECT j.workspace_id FROM bulk_jobs j WHERE j.id = bulk_job_items.job_id);
ALTER TABLE saved_search_shares ADD COLUMN workspace_id TEXT NOT NULL DEFAULT '';
UPDATE saved_search_shares SET workspace_id = (SELECT s.workspace_id FROM saved_searches s WHERE s.id = saved_search_shares.saved_search_id);
ALTER TABLE scim_groups ADD COLUMN workspace_id TEXT NOT NULL DEFAULT '';
UPDATE scim_groups SET workspace_id = (SELECT g.workspace_id FROM groups g WHERE g.id = scim_groups.group_id);
CREATE UNIQUE INDEX scim_groups_workspace ON scim_groups (workspace_id, group_id);

DROP INDEX lead_field_values_lookup;
CREATE INDEX lead_field_values_lookup ON lead_field_values (workspace_id, field_id, value, lead_id);
DROP INDEX saved_search_shares_target;
CREATE INDEX saved_search_shares_target ON saved_search_shares (workspace_id, kind, target_id);
