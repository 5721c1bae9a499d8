-- Event stream: per-integration webhook secrets (sealed; several for
-- rotation) and HTTP listeners (their signing secret sealed).
CREATE TABLE webhook_secrets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id BIGINT NOT NULL,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhook_secrets_integration ON webhook_secrets (integration_id);

CREATE TABLE listeners (
    name TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    max_attempts BIGINT NOT NULL,
    deadline_ms BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
