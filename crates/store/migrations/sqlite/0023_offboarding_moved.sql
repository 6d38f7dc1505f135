-- How many records an offboarding moved, so its history reads no manifest (a manifest of a
-- large book is megabytes; it is read only to undo or to show one offboarding).
ALTER TABLE offboardings ADD COLUMN moved INTEGER NOT NULL DEFAULT 0;
UPDATE offboardings SET moved = json_array_length(manifest);
