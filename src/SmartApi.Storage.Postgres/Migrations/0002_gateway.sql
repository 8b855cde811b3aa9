-- Who issued a command (api, automation, schedule; for automations which one and how deep in a
-- chain), as in the SQLite provider's 0004, and the MQTT gateway's command lease.
ALTER TABLE commands ADD COLUMN IF NOT EXISTS source TEXT NOT NULL DEFAULT 'api';
ALTER TABLE commands ADD COLUMN IF NOT EXISTS automation_id TEXT;
ALTER TABLE commands ADD COLUMN IF NOT EXISTS depth INTEGER NOT NULL DEFAULT 0;
ALTER TABLE commands ADD COLUMN IF NOT EXISTS lease_owner TEXT;
ALTER TABLE commands ADD COLUMN IF NOT EXISTS lease_until BIGINT;

-- Devices authenticate with their serial as MQTT user name, whatever their organization.
CREATE INDEX IF NOT EXISTS ix_devices_serial ON devices (serial);

-- One row per reported hour: whichever node inserts it first emits that hour's device.energy.reported.
CREATE TABLE IF NOT EXISTS energy_reports (
    period_start BIGINT PRIMARY KEY,
    reported_at  BIGINT NOT NULL
);
