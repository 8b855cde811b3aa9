-- Per-organization overrides of the server-wide limits (NULL: the server's default), and an index
-- for the webhook quota's count (webhooks were only indexed by automation).
ALTER TABLE organizations ADD COLUMN limit_requests_per_second INTEGER;
ALTER TABLE organizations ADD COLUMN limit_request_burst INTEGER;
ALTER TABLE organizations ADD COLUMN limit_max_devices INTEGER;
ALTER TABLE organizations ADD COLUMN limit_max_automations INTEGER;
ALTER TABLE organizations ADD COLUMN limit_max_webhooks INTEGER;
ALTER TABLE organizations ADD COLUMN limit_device_messages_per_second INTEGER;
CREATE INDEX ix_webhooks_organization ON webhooks (organization_id) WHERE status <> 'removed';
