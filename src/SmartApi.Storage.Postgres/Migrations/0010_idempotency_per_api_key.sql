-- Idempotency records belong to the API key that sent the request, not to its organization:
-- keyed by organization, a stored answer (an API key's secret, a device password) was replayed
-- to any other key of the organization that sent the same Idempotency-Key and body.
-- The records kept so far name no key, so they are dropped rather than guessed at. They live
-- 24 hours anyway; the cost is that a retry, after the upgrade, of a request sent before it acts again.
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    api_key_id       TEXT NOT NULL,
    key              TEXT NOT NULL,
    organization_id  TEXT NOT NULL,
    request_hash     BYTEA NOT NULL,
    response_status  BIGINT,
    response_headers TEXT,
    response_body    BYTEA,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (api_key_id, key)
);
CREATE INDEX ix_idempotency_keys_created ON idempotency_keys (created_at);
