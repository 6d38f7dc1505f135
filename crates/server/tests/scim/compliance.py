"""Runs scim2-tester (PyPI, "Check SCIM RFCs server compliance") against a running Corral.

Usage: compliance.py BASE_URL TOKEN
Prints every check; exits 1 when any check about Users, Groups or discovery fails.
"""

import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

FAILED = {Status.ERROR, Status.CRITICAL}


def main() -> int:
    base, token = sys.argv[1], sys.argv[2]
    http = Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    client = SyncSCIMClient(http)
    results = check_server(client)
    failures = 0
    for r in results:
        mark = "FAIL" if r.status in FAILED else r.status.name
        where = f"[{r.resource_type}] " if r.resource_type else ""
        print(f"{mark:10} {where}{r.title}: {r.reason}")
        if r.status in FAILED:
            failures += 1
            if r.data is not None:
                print(f"           data: {r.data!r}"[:2000])
    checked = sum(1 for r in results if r.status != Status.SKIPPED)
    print(f"scim2-tester: {len(results)} checks, {checked} run, {failures} failed")
    if checked < 20:
        print("scim2-tester ran too few checks to mean anything")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
