"""Creates a role with the official Close client, reads it back, and switches a membership.

Usage: roles.py BASE_URL API_KEY MEMBERSHIP_ID
"""
import sys

from closeio_api import API, APIError, ValidationError

base_url, api_key, membership_id = sys.argv[1:4]
api = API(base_url=base_url, api_key=api_key, max_retries=1)
checks = 0


def check(cond, what):
    global checks
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    checks += 1


fields = api.get("custom_field/lead")["data"]
owner_field = next(f["id"] for f in fields if f["name"] == "Lead Owner")
body = {
    "name": "Field Agent",
    "permissions": ["calling", "delete_own_activities"],
    "visibility_user_lcf_ids": [owner_field],
    "visibility_user_lcf_behavior": "allow_unassigned",
}
created = api.post("role", data=body)
check(created["id"].startswith("role_"), "role id")
fetched = api.get("role/" + created["id"])
for k in ("name", "visibility_user_lcf_ids", "visibility_user_lcf_behavior"):
    check(fetched[k] == body[k], f"{k} reads back identically")
check(sorted(fetched["permissions"]) == sorted(body["permissions"]), "permissions read back identically")
check(fetched == created, "GET returns what POST returned")
check(any(r["id"] == created["id"] for r in api.get("role")["data"]), "listed")

m = api.put("membership/" + membership_id, data={"role_id": created["id"]})
check(m["role_id"] == created["id"], "membership switched to the new role")
check(sorted(m["permissions_granted"]) == sorted(body["permissions"]), "permissions follow the role")

try:
    api.post("role", data={"name": "Bad", "permissions": ["fly"]})
    check(False, "unknown permission refused")
except ValidationError as e:
    check("permissions" in e.field_errors, "field error on permissions")

try:
    api.delete("role/" + created["id"])
    check(False, "deleting a held role is refused")
except APIError as e:
    check("1 member" in str(e), "409 names the count")

print(f"{checks} passed, 0 failed")
