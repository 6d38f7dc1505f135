"""The official Close Python client (PyPI `closeio`) against a rate-limited Corral: it must
read the 429s, wait as told, and get every answer.

Usage: rate_limited.py BASE_URL API_KEY REQUESTS
"""
import sys
import time

from closeio_api import API

base_url, api_key, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
api = API(base_url=base_url, api_key=api_key, max_retries=5)
started = time.monotonic()
answered = 0
for _ in range(n):
    me = api.get("me")
    if me["id"].startswith("user_"):
        answered += 1
elapsed = time.monotonic() - started
print(f"{answered} of {n} requests answered")
# Three requests per second are allowed: ten need at least three windows.
if elapsed >= 2.0:
    print(f"waited: {elapsed:.1f} s in all")
else:
    print(f"FAILED: no waiting ({elapsed:.2f} s); the limit did not bite", file=sys.stderr)
    sys.exit(1)
