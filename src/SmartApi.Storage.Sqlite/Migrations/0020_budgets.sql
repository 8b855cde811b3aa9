-- Energy budgets (ADR 037): a limit on a device's or a tag's energy or cost per local day or month.
CREATE TABLE budgets (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    name            TEXT NOT NULL,
    device_id       TEXT,
    tag_key         TEXT,
    tag_value       TEXT,
    period          TEXT NOT NULL,
    energy_wh       REAL,
    cost            REAL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX ix_budgets_organization ON budgets (organization_id, id);

-- One row per budget and period it was exceeded in: whichever node inserts it first appends
-- energy.budget_exceeded, in the same transaction.
CREATE TABLE budget_claims (
    budget_id       TEXT NOT NULL,
    period_start    INTEGER NOT NULL,
    organization_id TEXT NOT NULL,
    claimed_at      INTEGER NOT NULL,
    PRIMARY KEY (budget_id, period_start)
);

-- Daily device.energy.reported (SmartApi:Energy:ReportPeriod = day): one row per organization and
-- local day, since each organization's day has its own UTC bounds.
CREATE TABLE energy_day_reports (
    organization_id TEXT NOT NULL,
    period_start    INTEGER NOT NULL,
    reported_at     INTEGER NOT NULL,
    PRIMARY KEY (organization_id, period_start)
);
