-- The headers each attempt sent (ADR 030): a compact JSON object, name to value, custom header
-- values masked. Null for attempts recorded before this column existed.
ALTER TABLE delivery_attempts ADD COLUMN request_headers TEXT;
