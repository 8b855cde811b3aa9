"""Verifies Smart API webhook signatures (X-Signature) with the Python standard library only."""
import hashlib
import hmac
import json
import sys
import time

TOLERANCE_SECONDS = 5 * 60


def verify(secret: str, header: str, body: bytes, now: int | None = None) -> bool:
    """True when `header` (X-Signature) signs `body`, the raw request bytes exactly as received."""
    version, timestamp, signatures = None, None, []
    for part in (header or "").split(";"):
        name, _, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if name == "v":
            version = value
        elif name == "t":
            timestamp = value
        elif name == "sig":
            signatures.append(value)
    if version != "1" or not signatures or not (timestamp and timestamp.isascii() and timestamp.isdigit()):
        return False
    now = int(time.time()) if now is None else now
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return False  # too old (a replay) or too far in the future (a skewed clock)
    expected = hmac.new(secret.encode("utf-8"), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    # During a secret rotation there is one sig per active secret: any may be made with yours.
    return any(hmac.compare_digest(expected.encode(), sig.encode()) for sig in signatures)


if __name__ == "__main__":
    # Checks a captured request: {"secret": ..., "header": ..., "body": ..., "now": ...} on stdin.
    request = json.loads(sys.stdin.buffer.read())
    valid = verify(request["secret"], request["header"], request["body"].encode("utf-8"), request.get("now"))
    print("valid" if valid else "invalid")
    sys.exit(0 if valid else 1)
