-- What routes an event (automations, their active webhooks, their subscriptions, their engine
-- rules) is held in memory by each node's writer (SubscriptionSnapshot). Every transaction that
-- changes it bumps this row, and a batch reads it before routing its appends, in the round trip
-- that used to match them in SQL: a change committed on any node routes the next append on every node.
CREATE TABLE routing_version (
    id      INT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO routing_version (id, version) VALUES (1, 0);
