-- Seats in use (distinct users with an active membership in one of the organization's
-- workspaces), kept as a count the store moves whenever a membership starts or stops being
-- active, so checking the seat limit and recording a seat change cost one row each instead
-- of counting every member (SCIM provisioning of thousands of users was quadratic).
ALTER TABLE organizations ADD COLUMN seats_used INTEGER NOT NULL DEFAULT 0;
UPDATE organizations SET seats_used = (
    SELECT COUNT(DISTINCT m.user_id) FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
    WHERE w.organization_id = organizations.id AND m.status = 'active'
);
