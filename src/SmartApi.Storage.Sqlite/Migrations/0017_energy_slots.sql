-- Energy rollups (ADR 033): per device, one row per 15-minute UTC slot, maintained at ingest in the
-- same transaction as the samples. Each sample covers the time since the previous sample (at most
-- the 5-minute integration gap); that interval, its energy and its on-time belong to the slot of
-- the sample's own timestamp. Kept when raw measurements are pruned.
CREATE TABLE energy_slots (
    device_id       TEXT NOT NULL,
    slot            INTEGER NOT NULL,
    organization_id TEXT NOT NULL,
    energy_wh       REAL NOT NULL,
    samples         INTEGER NOT NULL,
    power_sum_w     REAL NOT NULL,
    power_seconds   REAL NOT NULL,
    peak_power_w    REAL NOT NULL,
    covered_seconds REAL NOT NULL,
    on_seconds      REAL NOT NULL,
    PRIMARY KEY (device_id, slot)
) WITHOUT ROWID;

-- Backfill from the samples already stored, with the rules of ingestion: the previous sample's
-- power over the covered interval; rows outside the telemetry limits (older versions) left out.
INSERT INTO energy_slots (device_id, slot, organization_id, energy_wh, samples, power_sum_w, power_seconds, peak_power_w, covered_seconds, on_seconds)
SELECT s.device_id, s.slot, d.organization_id, SUM(s.delta_wh), COUNT(*), SUM(s.power_w), SUM(s.previous_power_w * s.covered),
       MAX(s.power_w), SUM(s.covered), SUM(CASE WHEN s.previous_power_w > 0 THEN s.covered ELSE 0 END)
FROM (
    SELECT m.device_id, m.ts - (m.ts % 900000) AS slot, m.power_w, m.delta_wh,
           COALESCE(LAG(m.power_w) OVER w, 0) AS previous_power_w,
           COALESCE(MIN(m.ts - LAG(m.ts) OVER w, 300000), 0) / 1000.0 AS covered
    FROM measurements m
    WHERE m.power_w BETWEEN -100000 AND 100000 AND m.delta_wh BETWEEN 0 AND 1e12
    WINDOW w AS (PARTITION BY m.device_id ORDER BY m.ts)
) s
JOIN devices d ON d.id = s.device_id
GROUP BY s.device_id, s.slot, d.organization_id;
