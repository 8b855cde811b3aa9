-- Hourly energy rollups (ADR 033): per device, one row per UTC hour, the sums of its four
-- energy_slots rows (the peak their largest). Kept at ingest in the same transaction as the slots,
-- recomputed from them, so long statistics read a quarter of the rows; a statistics segment that
-- does not start or end on a UTC hour (bands at quarter hours, zones such as +5:45) reads its
-- partial hours from energy_slots.
CREATE TABLE energy_hours (
    device_id       TEXT NOT NULL,
    hour            BIGINT NOT NULL,
    organization_id TEXT NOT NULL,
    energy_wh       DOUBLE PRECISION NOT NULL,
    samples         BIGINT NOT NULL,
    power_sum_w     DOUBLE PRECISION NOT NULL,
    power_seconds   DOUBLE PRECISION NOT NULL,
    peak_power_w    DOUBLE PRECISION NOT NULL,
    covered_seconds DOUBLE PRECISION NOT NULL,
    on_seconds      DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (device_id, hour)
);

INSERT INTO energy_hours (device_id, hour, organization_id, energy_wh, samples, power_sum_w, power_seconds, peak_power_w, covered_seconds, on_seconds)
SELECT device_id, slot - (slot % 3600000), organization_id, SUM(energy_wh), SUM(samples), SUM(power_sum_w), SUM(power_seconds),
       MAX(peak_power_w), SUM(covered_seconds), SUM(on_seconds)
FROM energy_slots
GROUP BY device_id, slot - (slot % 3600000), organization_id;
