-- The W3C traceparent of the span that appended an event, written only while tracing is on (ADR 039):
-- the deliveries and runs the event causes, claimed later and on any node, continue its trace.
ALTER TABLE events ADD COLUMN trace_parent TEXT;
