-- The same data model as the SQLite provider. Timestamps are unix milliseconds (BIGINT), so both
-- providers share their row mapping and compare times the same way.
CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    name            TEXT NOT NULL,
    prefix          TEXT NOT NULL,
    hash            BYTEA NOT NULL UNIQUE,
    scopes          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT,
    revoked_at      BIGINT
);
CREATE INDEX ix_api_keys_organization ON api_keys (organization_id, id);

CREATE TABLE devices (
    id                   TEXT PRIMARY KEY,
    organization_id      TEXT NOT NULL REFERENCES organizations (id),
    serial               TEXT NOT NULL,
    name                 TEXT NOT NULL,
    model                TEXT,
    tags                 JSONB NOT NULL,
    power_on_state       TEXT NOT NULL,
    mqtt_password_hash   BYTEA NOT NULL,
    online               BOOLEAN NOT NULL DEFAULT FALSE,
    last_seen_at         BIGINT,
    switch               TEXT NOT NULL,
    sequence             BIGINT NOT NULL DEFAULT 0,
    total_wh             DOUBLE PRECISION NOT NULL DEFAULT 0,
    last_counter_wh      DOUBLE PRECISION,
    latest_ts            BIGINT,
    latest_power_w       DOUBLE PRECISION,
    latest_voltage_v     DOUBLE PRECISION,
    latest_current_a     DOUBLE PRECISION,
    latest_temperature_c DOUBLE PRECISION,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    UNIQUE (organization_id, serial)
);
CREATE INDEX ix_devices_organization ON devices (organization_id, id);

-- The event log's next position, one row. An append takes it with UPDATE, so the row stays locked
-- until the appending transaction commits: positions are handed out in commit order, and a reader
-- (which sees a prefix of the commits) can never see position N+1 while N is still invisible.
CREATE TABLE event_log (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    position BIGINT NOT NULL
);
INSERT INTO event_log (id, position) VALUES (1, 0);

CREATE TABLE events (
    position        BIGINT PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL,
    type            TEXT NOT NULL,
    device_id       TEXT,
    created_at      BIGINT NOT NULL,
    data            TEXT NOT NULL
);
CREATE INDEX ix_events_organization ON events (organization_id, position);
CREATE INDEX ix_events_organization_type ON events (organization_id, type, position);
CREATE INDEX ix_events_organization_device ON events (organization_id, device_id, position);
CREATE INDEX ix_events_created ON events (created_at);

CREATE TABLE commands (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    device_id       TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    action          TEXT NOT NULL,
    state           TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    error           TEXT
);
CREATE INDEX ix_commands_device ON commands (device_id, id);
CREATE INDEX ix_commands_pending ON commands (status, expires_at) WHERE status IN ('pending', 'delivered');

-- Partitioned by time (one partition per UTC day, created ahead by the store; see Partitions.cs).
-- The default partition catches samples outside the created days (a device with a wrong clock).
CREATE TABLE measurements (
    device_id     TEXT NOT NULL,
    ts            BIGINT NOT NULL,
    power_w       DOUBLE PRECISION NOT NULL,
    voltage_v     DOUBLE PRECISION,
    current_a     DOUBLE PRECISION,
    temperature_c DOUBLE PRECISION,
    total_wh      DOUBLE PRECISION NOT NULL,
    delta_wh      DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (device_id, ts)
) PARTITION BY RANGE (ts);
CREATE TABLE measurements_default PARTITION OF measurements DEFAULT;

CREATE TABLE automations (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    name            TEXT NOT NULL,
    enabled         BOOLEAN NOT NULL,
    definition      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX ix_automations_organization ON automations (organization_id, id);

CREATE TABLE webhooks (
    id                TEXT PRIMARY KEY,
    organization_id   TEXT NOT NULL,
    automation_id     TEXT NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    action_index      BIGINT NOT NULL,
    url               TEXT NOT NULL,
    headers           TEXT NOT NULL,
    ordered           BOOLEAN NOT NULL,
    standard_webhooks BOOLEAN NOT NULL,
    status            TEXT NOT NULL,
    disabled_reason   TEXT,
    failing_since     BIGINT,
    created_at        BIGINT NOT NULL
);
CREATE INDEX ix_webhooks_automation ON webhooks (automation_id, action_index);

CREATE TABLE webhook_subscriptions (
    organization_id TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    PRIMARY KEY (organization_id, event_type, device_id, webhook_id)
);
CREATE INDEX ix_webhook_subscriptions_webhook ON webhook_subscriptions (webhook_id);

CREATE TABLE automation_secrets (
    id            TEXT PRIMARY KEY,
    automation_id TEXT NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    ciphertext    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT
);
CREATE INDEX ix_automation_secrets_automation ON automation_secrets (automation_id, id);

-- The outbox. Workers on every node claim due rows with FOR UPDATE SKIP LOCKED and a lease.
CREATE TABLE deliveries (
    id               TEXT PRIMARY KEY,
    organization_id  TEXT NOT NULL,
    automation_id    TEXT NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    webhook_id       TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL,
    event_position   BIGINT NOT NULL,
    event_type       TEXT NOT NULL,
    device_id        TEXT,
    ordering_key     TEXT,
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    lease_owner      TEXT,
    lease_expires_at BIGINT,
    last_status_code BIGINT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX ix_deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX ix_deliveries_ordering ON deliveries (ordering_key, event_position) WHERE status = 'pending' AND ordering_key IS NOT NULL;
CREATE INDEX ix_deliveries_organization ON deliveries (organization_id, id);
CREATE INDEX ix_deliveries_automation ON deliveries (automation_id, status, id);
CREATE INDEX ix_deliveries_event ON deliveries (event_id);
CREATE INDEX ix_deliveries_webhook ON deliveries (webhook_id, status);
CREATE INDEX ix_deliveries_finished ON deliveries (created_at) WHERE status <> 'pending';

CREATE TABLE delivery_attempts (
    delivery_id   TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    number        BIGINT NOT NULL,
    started_at    BIGINT NOT NULL,
    status_code   BIGINT,
    duration_ms   BIGINT NOT NULL,
    error         TEXT,
    response_body TEXT,
    PRIMARY KEY (delivery_id, number)
);

CREATE TABLE idempotency_keys (
    organization_id  TEXT NOT NULL,
    key              TEXT NOT NULL,
    request_hash     BYTEA NOT NULL,
    response_status  BIGINT,
    response_headers TEXT,
    response_body    BYTEA,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (organization_id, key)
);
CREATE INDEX ix_idempotency_keys_created ON idempotency_keys (created_at);
