-- Erasure (ADR 042): an erased event or delivery keeps its id and type, loses its payload, and
-- says when it was erased. device_erasures is the audit record: who (the API key) erased which
-- device, when, and how much went. It is not subject to retention.
ALTER TABLE events ADD COLUMN erased_at BIGINT;
ALTER TABLE deliveries ADD COLUMN erased_at BIGINT;
CREATE TABLE device_erasures (
    id                   TEXT PRIMARY KEY,
    organization_id      TEXT NOT NULL,
    device_id            TEXT NOT NULL,
    api_key_id           TEXT NOT NULL,
    erased_at            BIGINT NOT NULL,
    measurements_deleted BIGINT NOT NULL,
    events_erased        BIGINT NOT NULL,
    deliveries_erased    BIGINT NOT NULL
);
CREATE INDEX ix_device_erasures_device ON device_erasures (organization_id, device_id, id);
