-- Timestamps are unix milliseconds (INTEGER): compact, fast to compare, the same in every provider.
CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    name            TEXT NOT NULL,
    prefix          TEXT NOT NULL,
    hash            BLOB NOT NULL UNIQUE,
    scopes          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER,
    revoked_at      INTEGER
);
CREATE INDEX ix_api_keys_organization ON api_keys (organization_id, id);

CREATE TABLE devices (
    id                   TEXT PRIMARY KEY,
    organization_id      TEXT NOT NULL REFERENCES organizations (id),
    serial               TEXT NOT NULL,
    name                 TEXT NOT NULL,
    model                TEXT,
    tags                 TEXT NOT NULL,
    power_on_state       TEXT NOT NULL,
    mqtt_password_hash   BLOB NOT NULL,
    online               INTEGER NOT NULL DEFAULT 0,
    last_seen_at         INTEGER,
    switch               TEXT NOT NULL,
    sequence             INTEGER NOT NULL DEFAULT 0,
    total_wh             REAL NOT NULL DEFAULT 0,
    last_counter_wh      REAL,
    latest_ts            INTEGER,
    latest_power_w       REAL,
    latest_voltage_v     REAL,
    latest_current_a     REAL,
    latest_temperature_c REAL,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    UNIQUE (organization_id, serial)
);
CREATE INDEX ix_devices_organization ON devices (organization_id, id);

-- position is the log order used by cursors. AUTOINCREMENT so that a position is never reused
-- after retention deletes the newest rows of an idle log.
CREATE TABLE events (
    position        INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL,
    type            TEXT NOT NULL,
    device_id       TEXT,
    created_at      INTEGER NOT NULL,
    data            TEXT NOT NULL
);
CREATE INDEX ix_events_organization ON events (organization_id, position);
CREATE INDEX ix_events_organization_type ON events (organization_id, type, position);
CREATE INDEX ix_events_organization_device ON events (organization_id, device_id, position);

CREATE TABLE commands (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    device_id       TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    action          TEXT NOT NULL,
    state           TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    error           TEXT
);
CREATE INDEX ix_commands_device ON commands (device_id, id);
CREATE INDEX ix_commands_pending ON commands (status, expires_at) WHERE status IN ('pending', 'delivered');

-- delta_wh is the energy consumed since the device's previous sample, computed at ingestion across
-- counter resets, so a bucket's energy is a plain SUM.
CREATE TABLE measurements (
    device_id     TEXT NOT NULL,
    ts            INTEGER NOT NULL,
    power_w       REAL NOT NULL,
    voltage_v     REAL,
    current_a     REAL,
    temperature_c REAL,
    total_wh      REAL NOT NULL,
    delta_wh      REAL NOT NULL,
    PRIMARY KEY (device_id, ts)
) WITHOUT ROWID;
