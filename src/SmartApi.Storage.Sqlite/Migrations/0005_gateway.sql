-- The MQTT gateway: commands are claimed with a lease before they are published, so several
-- nodes never publish the same command twice and a dead node's claim lapses.
ALTER TABLE commands ADD COLUMN lease_owner TEXT;
ALTER TABLE commands ADD COLUMN lease_until INTEGER;

-- Devices authenticate with their serial as MQTT user name, whatever their organization.
CREATE INDEX ix_devices_serial ON devices (serial);

-- One row per reported hour: whichever node inserts it first emits that hour's device.energy.reported.
CREATE TABLE energy_reports (
    period_start INTEGER PRIMARY KEY,
    reported_at  INTEGER NOT NULL
);
