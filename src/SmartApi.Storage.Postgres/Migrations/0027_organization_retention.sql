-- Per-organization retention in days (ADR 045); NULL: the server's default (SmartApi:Retention),
-- for rollups: kept forever. The sweep finds each organization's old rows through indexes that
-- already exist, so no index is added to the event and measurement hot paths.
ALTER TABLE organizations ADD COLUMN retention_events_days INTEGER;
ALTER TABLE organizations ADD COLUMN retention_deliveries_days INTEGER;
ALTER TABLE organizations ADD COLUMN retention_measurements_days INTEGER;
ALTER TABLE organizations ADD COLUMN retention_rollups_days INTEGER;
