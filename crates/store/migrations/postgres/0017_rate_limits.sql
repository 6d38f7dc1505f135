-- API rate limits shared by every node (SPEC S10): how many requests each scope (an API key
-- or a whole workspace, per endpoint group) has been granted in a fixed window. Nodes lease
-- quota from here in small chunks, so the sum over all nodes never passes the limit.
CREATE TABLE rate_limit_counters (
    workspace_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    window_end BIGINT NOT NULL,
    used BIGINT NOT NULL,
    last_grant BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, scope, window_start)
);
CREATE INDEX rate_limit_counters_end ON rate_limit_counters (window_end);
