-- Idempotency-Key records: the first response to a POST, replayed for the same key and body.
-- response_status is NULL while the first request is still being handled.
CREATE TABLE idempotency_keys (
    organization_id TEXT NOT NULL,
    key             TEXT NOT NULL,
    request_hash    BLOB NOT NULL,
    response_status INTEGER,
    response_headers TEXT,
    response_body   BLOB,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (organization_id, key)
) WITHOUT ROWID;
CREATE INDEX ix_idempotency_keys_created ON idempotency_keys (created_at);
