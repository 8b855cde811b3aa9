-- On-time is the time the switch was on (ADR 033): the device row keeps when its switch last
-- changed and the state before that change, so the ingestor on any node, and after a restart,
-- splits a covered interval at the change. UpdateDevice maintains both whenever switch changes;
-- rows from before this migration have no change time (their switch holds for all time).
ALTER TABLE devices ADD COLUMN switch_changed_at INTEGER;
ALTER TABLE devices ADD COLUMN previous_switch TEXT NOT NULL DEFAULT 'unknown';
