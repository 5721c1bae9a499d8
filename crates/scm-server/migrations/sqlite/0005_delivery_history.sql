-- Delivery history: every webhook the ingress accepted (times in Unix
-- milliseconds; headers from an allow-list, never signatures or tokens;
-- the envelope as listeners receive it, without the raw body), and per
-- listener what became of its delivery. Pruned after the retention.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    provider_event TEXT NOT NULL,
    action TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    organization_id BIGINT,
    repository TEXT,
    size BIGINT NOT NULL,
    headers TEXT NOT NULL,
    envelope TEXT NOT NULL,
    UNIQUE (provider, delivery_id)
);
CREATE INDEX deliveries_received ON deliveries (received_at);

CREATE TABLE delivery_listeners (
    provider TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    listener TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    last_error TEXT,
    latency_ms BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (provider, delivery_id, listener)
);
CREATE INDEX delivery_listeners_updated ON delivery_listeners (updated_at);

-- A paused listener keeps its subscription; `scm worker` holds its
-- deliveries in the queue until it is resumed.
ALTER TABLE listeners ADD COLUMN paused BIGINT NOT NULL DEFAULT 0;
