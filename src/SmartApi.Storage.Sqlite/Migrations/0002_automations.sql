-- Automations and their webhooks. The automation row keeps the definition as the API shows it;
-- webhooks and subscriptions are derived from it so that matching an event is an index lookup.
CREATE TABLE automations (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    name            TEXT NOT NULL,
    enabled         INTEGER NOT NULL,
    definition      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX ix_automations_organization ON automations (organization_id, id);

-- status: active, disabled (410 Gone or failing for days; see disabled_reason), removed (the
-- action was dropped by an update; kept so that its delivery log still resolves).
CREATE TABLE webhooks (
    id                TEXT PRIMARY KEY,
    organization_id   TEXT NOT NULL,
    automation_id     TEXT NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    action_index      INTEGER NOT NULL,
    url               TEXT NOT NULL,
    headers           TEXT NOT NULL,
    ordered           INTEGER NOT NULL,
    standard_webhooks INTEGER NOT NULL,
    status            TEXT NOT NULL,
    disabled_reason   TEXT,
    failing_since     INTEGER,
    created_at        INTEGER NOT NULL
);
CREATE INDEX ix_webhooks_automation ON webhooks (automation_id, action_index);

-- One row per (event type or '*', device or '') a webhook listens to.
CREATE TABLE webhook_subscriptions (
    organization_id TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    PRIMARY KEY (organization_id, event_type, device_id, webhook_id)
) WITHOUT ROWID;
CREATE INDEX ix_webhook_subscriptions_webhook ON webhook_subscriptions (webhook_id);

-- Signing secrets, encrypted at rest. Several are active during a rotation (expires_at in the future).
CREATE TABLE automation_secrets (
    id            TEXT PRIMARY KEY,
    automation_id TEXT NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    ciphertext    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER
);
CREATE INDEX ix_automation_secrets_automation ON automation_secrets (automation_id, id);

-- The outbox: one row per event and webhook, written in the transaction that appends the event.
-- ordering_key (webhook + device) is set for ordered webhooks: a delivery is claimable only when no
-- earlier pending one shares it.
CREATE TABLE deliveries (
    id               TEXT PRIMARY KEY,
    organization_id  TEXT NOT NULL,
    automation_id    TEXT NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    webhook_id       TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL,
    event_position   INTEGER NOT NULL,
    event_type       TEXT NOT NULL,
    device_id        TEXT,
    ordering_key     TEXT,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    lease_owner      TEXT,
    lease_expires_at INTEGER,
    last_status_code INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX ix_deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX ix_deliveries_ordering ON deliveries (ordering_key, event_position) WHERE status = 'pending' AND ordering_key IS NOT NULL;
CREATE INDEX ix_deliveries_organization ON deliveries (organization_id, id);
CREATE INDEX ix_deliveries_automation ON deliveries (automation_id, status, id);
CREATE INDEX ix_deliveries_event ON deliveries (event_id);
CREATE INDEX ix_deliveries_webhook ON deliveries (webhook_id, status);

CREATE TABLE delivery_attempts (
    delivery_id   TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    number        INTEGER NOT NULL,
    started_at    INTEGER NOT NULL,
    status_code   INTEGER,
    duration_ms   INTEGER NOT NULL,
    error         TEXT,
    response_body TEXT,
    PRIMARY KEY (delivery_id, number)
) WITHOUT ROWID;
