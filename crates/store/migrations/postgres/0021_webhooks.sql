-- Webhook subscriptions (SPEC S4, Close's /webhook/) and their deliveries: a transactional
-- outbox written in the same transaction as the audited change, drained by a worker on any
-- node that signs each delivery, retries with backoff and pauses a failing subscription.
CREATE TABLE webhooks (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    id TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    verify_ssl BOOLEAN NOT NULL DEFAULT TRUE,
    status TEXT NOT NULL CHECK (status IN ('active', 'paused')),
    pause_reason TEXT,
    signature_key TEXT NOT NULL,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    latest_error TEXT,
    delivered_count BIGINT NOT NULL DEFAULT 0,
    failed_count BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    date_created TIMESTAMPTZ NOT NULL,
    date_updated TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX webhooks_id ON webhooks(id);

CREATE TABLE webhook_deliveries (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_until TIMESTAMPTZ,
    last_error TEXT,
    response_status BIGINT,
    date_created TIMESTAMPTZ NOT NULL,
    delivered_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, webhook_id, event_id),
    FOREIGN KEY (workspace_id, webhook_id) REFERENCES webhooks (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_id ON webhook_deliveries(id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
