-- Invitations, the email outbox, the audit log and seat history.
CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    membership_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    email TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    invited_by TEXT,
    expires_at TIMESTAMPTZ NOT NULL,
    accepted_at TIMESTAMPTZ,
    cancelled_at TIMESTAMPTZ,
    date_created TIMESTAMPTZ NOT NULL,
    last_sent_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX invitations_membership ON invitations(membership_id);

CREATE TABLE email_outbox (
    id TEXT PRIMARY KEY,
    workspace_id TEXT,
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_until TIMESTAMPTZ,
    last_error TEXT,
    date_created TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ
);
CREATE INDEX email_outbox_due ON email_outbox(status, next_attempt_at);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    workspace_id TEXT,
    actor_user_id TEXT,
    request_id TEXT,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    action TEXT NOT NULL,
    changed_fields TEXT NOT NULL DEFAULT '',
    previous_data TEXT NOT NULL DEFAULT '{}',
    data TEXT NOT NULL DEFAULT '{}',
    date_created TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_log_workspace ON audit_log(workspace_id, date_created, id);
CREATE INDEX audit_log_object ON audit_log(object_id, date_created);

CREATE TABLE seat_changes (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    delta BIGINT NOT NULL,
    reason TEXT NOT NULL,
    actor_user_id TEXT,
    seats_after BIGINT NOT NULL,
    date_created TIMESTAMPTZ NOT NULL
);
CREATE INDEX seat_changes_org ON seat_changes(organization_id, date_created);

ALTER TABLE memberships ADD COLUMN pinned_views TEXT NOT NULL DEFAULT '';
