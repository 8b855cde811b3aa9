-- Portal sessions (ADR 029): a short-lived token, stored only as its SHA-256 hash, that reaches a
-- few of one organization's automations. Revoked and expired rows stay for the audit trail.
CREATE TABLE portal_sessions (
    id                 TEXT PRIMARY KEY,
    organization_id    TEXT NOT NULL REFERENCES organizations(id),
    token_hash         BYTEA NOT NULL,
    automation_ids     TEXT NOT NULL,
    brand_name         TEXT,
    brand_accent_color TEXT,
    created_by_key_id  TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL,
    revoked_at         BIGINT
);
CREATE UNIQUE INDEX ux_portal_sessions_token_hash ON portal_sessions (token_hash);
CREATE INDEX ix_portal_sessions_organization ON portal_sessions (organization_id, id);
