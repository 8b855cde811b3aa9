-- Claims read the due deliveries in (next_attempt_at, id) order with a LIMIT: with only
-- next_attempt_at indexed, every claim sorted all pending rows sharing a due time (a burst of
-- events makes thousands), so a claim of 512 cost tens of milliseconds. The index now gives the
-- order itself.
DROP INDEX ix_deliveries_due;
CREATE INDEX ix_deliveries_due ON deliveries (next_attempt_at, id) WHERE status = 'pending';

-- A claim changes only the lease columns, which no index covers: with room left in the page the
-- new row version stays there (a HOT update) and no index is touched.
ALTER TABLE deliveries SET (fillfactor = 80);
