-- Throttling and circuit breaking per webhook (ADR 041). One row per webhook: its limits (written
-- when the automation is saved) and its circuit (written by the delivery engine), shared by every
-- node. probe_interval and next_probe_at are milliseconds like every other time. A delivery the
-- engine postpones (open circuit, rate limit) says why in held_reason until its next attempt.
CREATE TABLE webhook_circuits (
    webhook_id        TEXT PRIMARY KEY REFERENCES webhooks (id) ON DELETE CASCADE,
    rate_per_second   DOUBLE PRECISION,
    rate_burst        INTEGER,
    failure_threshold INTEGER NOT NULL DEFAULT 5,
    probe_interval    BIGINT NOT NULL DEFAULT 30000,
    state             TEXT NOT NULL DEFAULT 'closed',
    failure_streak    INTEGER NOT NULL DEFAULT 0,
    next_probe_at     BIGINT,
    changed_at        BIGINT
);
INSERT INTO webhook_circuits (webhook_id) SELECT id FROM webhooks;
ALTER TABLE deliveries ADD COLUMN held_reason TEXT;
