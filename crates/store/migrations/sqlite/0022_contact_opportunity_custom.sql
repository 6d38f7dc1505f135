-- Custom field values on contacts and opportunities (SPEC S4): a JSON object of field id to
-- its value, as the API shows it (`custom.cf_…`). Lead fields stay in lead_field_values,
-- where lead visibility keys on them.
ALTER TABLE contacts ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
ALTER TABLE opportunities ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
