"""Leads through the official Close client: create a lead with contacts, an opportunity and a
task, page through every lead with _skip, and reassign leads with a bulk edit.

Usage: leads.py BASE_URL API_KEY OLD_USER_ID NEW_USER_ID
"""
import sys
import time

from closeio_api import API, ValidationError

base_url, api_key, old_user, new_user = sys.argv[1:5]
api = API(base_url=base_url, api_key=api_key, max_retries=1)
checks = 0


def check(cond, what):
    global checks
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    checks += 1


owner_field = next(f["id"] for f in api.get("custom_field/lead")["data"] if f["name"] == "Lead Owner")
lead = api.post("lead", data={
    "name": "Roadrunner Realty",
    "status": "Qualified",
    "contacts": [{"name": "Wile E. Coyote", "title": "Buyer", "emails": [{"email": "wile@acme.example", "type": "office"}]}],
    "custom." + owner_field: old_user,
})
check(lead["id"].startswith("lead_"), "lead created")
check(lead["contacts"][0]["emails"][0]["email"] == "wile@acme.example", "contact embedded")
opp = api.post("opportunity", data={"lead_id": lead["id"], "value": 500000, "confidence": 50, "user_id": old_user})
check(opp["lead_id"] == lead["id"] and opp["value"] == 500000, "opportunity created")
task = api.post("task", data={"lead_id": lead["id"], "text": "Send the brochure", "assigned_to": old_user, "date": "2026-12-24"})
check(task["assigned_to"] == old_user, "task created")
for i in range(6):
    api.post("lead", data={"name": f"Old owner lead {i}", "custom." + owner_field: old_user})

# Page to the end the way Close's scripts do.
seen, skip = [], 0
while True:
    page = api.get("lead", params={"_skip": skip, "_limit": 3, "_fields": "id,name"})
    seen.extend(page["data"])
    skip += len(page["data"])
    if not page["has_more"]:
        break
check(len(seen) == page["total_results"] and len(seen) >= 7, f"paged all {len(seen)} leads")
check(len({l["id"] for l in seen}) == len(seen), "no lead twice")

# Reassign every lead of the old owner with a bulk edit, as Close's help centre describes.
job = api.post("bulk_action/edit", data={
    "type": "set_custom_field",
    "custom_field_id": owner_field,
    "custom_field_value": new_user,
    "query": "custom.%s:%s" % (owner_field, old_user),
})
check(job["n_objects"] == 7, f"bulk edit selected {job['n_objects']} leads")
for _ in range(100):
    job = api.get("bulk_action/edit/" + job["id"])
    if job["status"] == "done":
        break
    time.sleep(0.1)
check(job["status"] == "done" and job["n_objects_processed"] == 7, "bulk edit finished")
moved = api.get("lead", params={"query": "custom.%s:%s" % (owner_field, new_user)})
check(moved["total_results"] == 7, "all seven now belong to the new owner")

try:
    api.post("lead", data={"name": "x", "custom.cf_nope": "y"})
    check(False, "unknown custom field refused")
except ValidationError as e:
    check("custom.cf_nope" in e.field_errors, "field error names the custom field")

print(f"{checks} passed, 0 failed")
