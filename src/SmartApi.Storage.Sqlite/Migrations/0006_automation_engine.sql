-- The automation engine: automations with a schedule or power trigger, conditions, a cooldown or
-- switch actions are evaluated by runners instead of plain webhook matching.

-- One row per engine-evaluated automation. next_fire_at (schedules) is claimed with a conditional
-- update, so each occurrence fires once whatever the number of nodes; last_run_at backs the cooldown.
CREATE TABLE automation_rules (
    automation_id   TEXT PRIMARY KEY REFERENCES automations (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL,
    kind            TEXT NOT NULL,
    next_fire_at    INTEGER,
    last_run_at     INTEGER
);
CREATE INDEX ix_automation_rules_due ON automation_rules (next_fire_at) WHERE next_fire_at IS NOT NULL;
CREATE INDEX ix_automation_rules_kind ON automation_rules (kind);

-- Event triggers of engine-evaluated automations: appending a matching event queues a run in the
-- same transaction (the same index lookup as webhook_subscriptions).
CREATE TABLE automation_subscriptions (
    organization_id TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    automation_id   TEXT NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    PRIMARY KEY (organization_id, event_type, device_id, automation_id)
) WITHOUT ROWID;
CREATE INDEX ix_automation_subscriptions_automation ON automation_subscriptions (automation_id);

-- Runs: queued pending with the trigger, leased by a runner, finished with their outcome.
CREATE TABLE automation_runs (
    id               TEXT PRIMARY KEY,
    organization_id  TEXT NOT NULL,
    automation_id    TEXT NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    status           TEXT NOT NULL,
    trigger_type     TEXT NOT NULL,
    event_id         TEXT,
    trigger_json     TEXT NOT NULL,
    triggered_at     INTEGER NOT NULL,
    reason           TEXT,
    result_json      TEXT,
    lease_owner      TEXT,
    lease_expires_at INTEGER,
    created_at       INTEGER NOT NULL,
    finished_at      INTEGER
);
CREATE INDEX ix_automation_runs_automation ON automation_runs (automation_id, id);
CREATE INDEX ix_automation_runs_pending ON automation_runs (created_at) WHERE status = 'pending';
CREATE INDEX ix_automation_runs_created ON automation_runs (created_at);

-- Power trigger state per (automation, device); no row means armed.
CREATE TABLE power_trigger_states (
    automation_id   TEXT NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    device_id       TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    phase           TEXT NOT NULL,
    since           INTEGER NOT NULL,
    due_at          INTEGER,
    PRIMARY KEY (automation_id, device_id)
) WITHOUT ROWID;
CREATE INDEX ix_power_trigger_states_device ON power_trigger_states (device_id);
CREATE INDEX ix_power_trigger_states_due ON power_trigger_states (due_at) WHERE phase = 'pending';

-- Commands to store later (reverts), taken with a conditional delete.
CREATE TABLE scheduled_commands (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    state           TEXT NOT NULL,
    source          TEXT NOT NULL,
    automation_id   TEXT,
    depth           INTEGER NOT NULL,
    due_at          INTEGER NOT NULL
);
CREATE INDEX ix_scheduled_commands_due ON scheduled_commands (due_at);
