-- Bulk switching (ADR 036): the commands one POST /v1/devices/switch (or one tag-targeted
-- automation action) stored together share a batch id, read back by GET /v1/command-batches/{batchId}.
-- Single-device commands have none, so the index holds batched rows only.
ALTER TABLE commands ADD COLUMN batch_id TEXT;
CREATE INDEX ix_commands_batch ON commands (batch_id, id) WHERE batch_id IS NOT NULL;
