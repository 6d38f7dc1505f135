"""Checks a webhook delivery's signature on its own, with Python's standard library.

Usage: signature.py <hex signature key> <close-sig-timestamp> <close-sig-hash> <body file>
Prints "ok" when the hash is HMAC-SHA256(hex-decoded key, timestamp + body), else "mismatch".
"""
import hashlib
import hmac
import sys

key, timestamp, given, body_file = sys.argv[1:5]
with open(body_file, "rb") as f:
    body = f.read()
expected = hmac.new(bytes.fromhex(key), timestamp.encode() + body, hashlib.sha256).hexdigest()
print("ok" if hmac.compare_digest(expected, given) else "mismatch")
