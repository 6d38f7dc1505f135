-- SCIM lists a workspace's members in the order they joined, a page at a time: this index
-- gives that order without sorting every member for each page.
CREATE INDEX memberships_workspace_created ON memberships (workspace_id, date_created, id);
