-- Imports run as bulk jobs (kind 'import'): each item is one lead to create, its id chosen up
-- front and its contents (JSON) kept in `data` until the job creates it.
ALTER TABLE bulk_jobs DROP CONSTRAINT bulk_jobs_kind_check;
ALTER TABLE bulk_jobs ADD CONSTRAINT bulk_jobs_kind_check CHECK (kind IN ('edit', 'delete', 'import'));
ALTER TABLE bulk_job_items ADD COLUMN data TEXT;
