-- Integrations: where a provider is and the (encrypted) credentials to reach it.
CREATE TABLE integrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL,
    name TEXT NOT NULL,
    api_url TEXT NOT NULL,
    web_url TEXT NOT NULL,
    credentials TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE repositories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id BIGINT NOT NULL,
    integration_id BIGINT NOT NULL REFERENCES integrations(id),
    provider TEXT NOT NULL,
    external_id TEXT NOT NULL,
    full_name TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    UNIQUE (provider, external_id)
);

-- RPC clients: a key id, its (encrypted) secret and its grants as JSON.
CREATE TABLE rpc_clients (
    key_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret TEXT NOT NULL,
    grants TEXT NOT NULL,
    revoked BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
