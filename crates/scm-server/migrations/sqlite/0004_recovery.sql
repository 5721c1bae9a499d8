-- Missed-delivery recovery: per integration, when the last pass that
-- finished without stopping early began (Unix seconds). The next pass
-- lists deliveries since then.
CREATE TABLE recovery_passes (
    integration_id BIGINT PRIMARY KEY,
    last_success_at BIGINT NOT NULL
);
