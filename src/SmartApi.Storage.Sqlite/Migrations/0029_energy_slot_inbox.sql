-- The energy slot changes of telemetry batches, as they arrive, folded into energy_slots (and the
-- hours they touch recomputed) with the measurement inbox (ADR 053): on a database with history,
-- each device's current slot and hour sit on pages of their own, which a direct upsert rewrote
-- once per batch.
CREATE TABLE energy_slot_inbox (
    device_id       TEXT NOT NULL,
    slot            INTEGER NOT NULL,
    organization_id TEXT NOT NULL,
    energy_wh       REAL NOT NULL,
    samples         INTEGER NOT NULL,
    power_sum_w     REAL NOT NULL,
    power_seconds   REAL NOT NULL,
    peak_power_w    REAL NOT NULL,
    covered_seconds REAL NOT NULL,
    on_seconds      REAL NOT NULL
);
