"""Drives a running Corral with the official Close Python client (PyPI `closeio`).

Usage: basics.py BASE_URL API_KEY WORKSPACE_ID EXPECTED_USERS
"""
import sys

from closeio_api import API, APIError, ValidationError

base_url, api_key, workspace_id, expected_users = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
api = API(base_url=base_url, api_key=api_key, max_retries=1)
checks = 0


def check(cond, what):
    global checks
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    checks += 1


me = api.get("me")
check(me["id"].startswith("user_"), "me has a user id")
check(me["organizations"][0]["id"] == workspace_id, "me lists the workspace as an organization")
org_id = me["organizations"][0]["id"]

org = api.get("organization/" + org_id, params={"_fields": "id,name,memberships,inactive_memberships"})
check(org["id"] == workspace_id, "organization by id")
check(len(org["memberships"]) > 0, "organization has memberships")
check(all("user_email" in m for m in org["memberships"]), "memberships carry user_email")

# Page through users the way Close's own scripts do.
users, skip = [], 0
while True:
    page = api.get("user", params={"_skip": skip, "_limit": 10})
    users.extend(page["data"])
    skip += len(page["data"])
    if not page["has_more"]:
        break
check(len(users) == expected_users, f"paged {len(users)} users, expected {expected_users}")
check(len({u["id"] for u in users}) == len(users), "no user twice")

one = api.get("user/" + users[0]["id"])
check(one["email"] == users[0]["email"], "single user matches the list")

try:
    api.get("user", params={"_limit": 100000})
    check(False, "an oversized _limit is refused")
except ValidationError as e:
    check("_limit" in e.field_errors, "ValidationError carries field_errors")

try:
    api.get("user/user_doesnotexist")
    check(False, "unknown user is 404")
except APIError:
    check(True, "unknown user raises APIError")

print(f"{checks} passed, 0 failed")
