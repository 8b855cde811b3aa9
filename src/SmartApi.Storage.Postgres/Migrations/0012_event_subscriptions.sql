-- One subscription table for every automation, whatever its shape (ADR 025). A row says that an
-- event of event_type (or '*') in organization_id, from device_id (or '' for any device), reaches
-- automation_id; whether that yields a delivery per active webhook or one engine run is decided by
-- the automation's rule (AutomationRouting), not by the row. The rows of the two tables it replaces
-- are carried over: a webhook's rows become its automation's (every live webhook of an automation
-- held the same set, and the router already read them per automation), an engine rule's are copied.
CREATE TABLE event_subscriptions (
    organization_id TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    automation_id   TEXT NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    PRIMARY KEY (automation_id, event_type, device_id)
);

INSERT INTO event_subscriptions (organization_id, event_type, device_id, automation_id)
SELECT s.organization_id, s.event_type, s.device_id, w.automation_id FROM webhook_subscriptions s JOIN webhooks w ON w.id = s.webhook_id
UNION
SELECT organization_id, event_type, device_id, automation_id FROM automation_subscriptions;

DROP TABLE webhook_subscriptions;
DROP TABLE automation_subscriptions;

-- Every node's writer reloads its snapshot from the new table.
UPDATE routing_version SET version = version + 1 WHERE id = 1;
