-- Tariffs (ADR 034): prices per kWh by validity period and time-of-use band, and fixed fees. The
-- definition is the server's JSON; version grows with every change (pricing caches parsed definitions by it).
CREATE TABLE tariffs (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    name            TEXT NOT NULL,
    currency        TEXT NOT NULL,
    definition      TEXT NOT NULL,
    version         BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX ix_tariffs_organization ON tariffs (organization_id, id);

-- What a tariff applies to: 'organization', 'tag:key:value' or 'device:dev_...'. The primary key
-- is the rule that a target belongs to at most one tariff of its organization.
CREATE TABLE tariff_targets (
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    target          TEXT NOT NULL,
    tariff_id       TEXT NOT NULL REFERENCES tariffs(id),
    PRIMARY KEY (organization_id, target)
);
CREATE INDEX ix_tariff_targets_tariff ON tariff_targets (tariff_id);
