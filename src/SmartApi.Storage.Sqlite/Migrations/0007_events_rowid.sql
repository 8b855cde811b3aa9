-- Faster event appends: without AUTOINCREMENT an insert no longer updates sqlite_sequence, and the
-- (organization_id, type, position) index is gone: no query used it (the planner serves
-- type-filtered lists from ix_events_organization; SqliteQueryPlanTests pins every events query).
-- Positions still never go back: SQLite gives a new row max(position) + 1, and retention never
-- deletes the newest event (Sql.PruneEvents).
CREATE TABLE events_new (
    position        INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL,
    type            TEXT NOT NULL,
    device_id       TEXT,
    created_at      INTEGER NOT NULL,
    data            TEXT NOT NULL
);
INSERT INTO events_new (position, id, organization_id, type, device_id, created_at, data)
    SELECT position, id, organization_id, type, device_id, created_at, data FROM events ORDER BY position;
-- Retention before this version could delete the newest events of an idle log, leaving positions
-- above max(position) already handed out. A marker row keeps them used: no organization has an
-- empty id, so no query shows it, and retention removes it once newer events exist.
INSERT INTO events_new (position, id, organization_id, type, device_id, created_at, data)
    SELECT seq, 'evt_position_mark', '', '', NULL, 0, '{}' FROM sqlite_sequence
    WHERE name = 'events' AND seq > (SELECT COALESCE(MAX(position), 0) FROM events);
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX ix_events_organization ON events (organization_id, position);
CREATE INDEX ix_events_organization_device ON events (organization_id, device_id, position);
