-- Who issued a command: api, automation or schedule; for automations, which one and how deep in a
-- chain of automations it was issued (loop protection).
ALTER TABLE commands ADD COLUMN source TEXT NOT NULL DEFAULT 'api';
ALTER TABLE commands ADD COLUMN automation_id TEXT;
ALTER TABLE commands ADD COLUMN depth BIGINT NOT NULL DEFAULT 0;
