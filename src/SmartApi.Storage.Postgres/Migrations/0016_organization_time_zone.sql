-- An organization's IANA time zone: local days, weeks and months of its energy statistics and reports.
ALTER TABLE organizations ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
