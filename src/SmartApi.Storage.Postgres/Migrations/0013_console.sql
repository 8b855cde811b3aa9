-- The web console (ADR 028). A session stores only the SHA-256 of its token; it acts as its API
-- key, ends at expires_at, after idle_timeout_ms without use, or when revoked.
CREATE TABLE console_sessions (
    id               TEXT PRIMARY KEY,
    organization_id  TEXT NOT NULL,
    api_key_id       TEXT NOT NULL,
    token_hash       BYTEA NOT NULL,
    created_at       BIGINT NOT NULL,
    last_seen_at     BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    idle_timeout_ms  BIGINT NOT NULL,
    revoked_at       BIGINT
);
CREATE UNIQUE INDEX ux_console_sessions_token ON console_sessions (token_hash);
CREATE INDEX ix_console_sessions_expires ON console_sessions (expires_at);

-- ASP.NET Data Protection's key ring, so a cookie or antiforgery token made on one node is read on
-- every other (no sticky sessions). The XML is what the framework hands over, already encrypted
-- at rest when a key encryptor is configured.
CREATE TABLE data_protection_keys (
    friendly_name  TEXT PRIMARY KEY,
    xml            TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
