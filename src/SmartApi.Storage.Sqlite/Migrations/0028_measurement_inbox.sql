-- Telemetry samples as they arrive, folded into measurements in bulk (ADR 053). A rowid table
-- without an index: appending writes one page per ~40 samples, where an insert into measurements,
-- ordered by (device_id, ts), writes one page per device. The store folds it before any statement
-- reads or deletes measurements, and when it holds MeasurementInbox.FoldAt samples.
CREATE TABLE measurement_inbox (
    device_id     TEXT NOT NULL,
    ts            INTEGER NOT NULL,
    power_w       REAL NOT NULL,
    voltage_v     REAL,
    current_a     REAL,
    temperature_c REAL,
    total_wh      REAL NOT NULL,
    delta_wh      REAL NOT NULL
);
