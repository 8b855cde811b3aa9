-- Broker account jobs (ADR 040): written with a device's create, delete or credential rotation when
-- the server provisions accounts at an external broker; deleted once applied. secret holds the new
-- password encrypted by the server (AES-GCM), never in the clear.
CREATE TABLE broker_account_jobs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    serial      TEXT NOT NULL,
    action      TEXT NOT NULL,
    secret      BYTEA,
    attempts    INTEGER NOT NULL,
    last_error  TEXT,
    created_at  BIGINT NOT NULL,
    due_at      BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT NOT NULL
);
CREATE INDEX ix_broker_account_jobs_serial ON broker_account_jobs (serial, id);
