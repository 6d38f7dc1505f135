-- The lead an event concerns: the lead itself, or the lead of a contact, opportunity, task or
-- activity. The event log filters by it (`lead_id`) and shows an event to whoever sees the lead.
ALTER TABLE audit_log ADD COLUMN lead_id TEXT;
UPDATE audit_log SET lead_id = object_id WHERE object_type = 'lead';
CREATE INDEX audit_log_lead ON audit_log (lead_id, date_created);
