#!/usr/bin/env python3
"""Generates signature-vectors.json with Python's hmac/hashlib, independently of the C# library.

Run from this folder: python3 generate.py > signature-vectors.json
"""
import base64, hashlib, hmac, json

SECRET_A = "whsec_" + base64.b64encode(bytes(range(32))).decode()
SECRET_B = "whsec_" + base64.b64encode(bytes(range(100, 132))).decode()
# The example of the Standard Webhooks reference libraries' tests.
SECRET_SW = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

def x_signature(secrets, t, body):
    content = f"{t}.{body}".encode("utf-8")
    sigs = "".join(";sig=" + hmac.new(s.encode("utf-8"), content, hashlib.sha256).hexdigest() for s in secrets)
    return f"v=1;t={t}{sigs}"

def standard(secrets, msg_id, t, body):
    content = f"{msg_id}.{t}.{body}".encode("utf-8")
    return " ".join(
        "v1," + base64.b64encode(hmac.new(base64.b64decode(s[len("whsec_"):]), content, hashlib.sha256).digest()).decode()
        for s in secrets)

envelope = '{"id":"evt_01JDXR4W3E","type":"device.switched","createdAt":"2026-11-25T17:46:08Z","organizationId":"org_01JDXR","data":{"deviceId":"dev_01JDXR","sequence":42,"state":"on","previousState":"off","source":"api","commandId":null}}'
non_ascii = '{"id":"evt_02","type":"device.updated","createdAt":"2026-11-25T17:46:08Z","organizationId":"org_01","data":{"deviceId":"dev_01","sequence":7,"serial":"DT31-000123","name":"Kaffeemaschine \u2615 Z\u00fcrich","changes":{"name":{"from":"Caf\u00e9 \U0001F600"}}}}'

x_cases = [
    ("empty body", [SECRET_A], 1764092768, ""),
    ("device.switched envelope", [SECRET_A], 1764092768, envelope),
    ("non-ASCII body", [SECRET_A], 1764092768, non_ascii),
    ("rotation with two secrets", [SECRET_A, SECRET_B], 1764092768, envelope),
    ("non-ASCII secret that is not whsec base64", ["geheim-\u00e4\u00f6\u00fc-\u2615"], 1700000000, "Kaffeemaschine \u2615 Z\u00fcrich"),
    ("body with newlines and spaces", [SECRET_B], 1764092768, '{\n  "a": 1,\n  "b": "x y"\n}\n'),
    ("1 KiB body", [SECRET_A], 1764092769, "x" * 1024),
    ("16 KiB body", [SECRET_A], 1764092770, ("\u00e9" * 8192)),
]
sw_cases = [
    ("standard webhooks reference example", [SECRET_SW], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}'),
    ("standard webhooks device.switched", [SECRET_A], "evt_01JDXR4W3E", 1764092768, envelope),
    ("standard webhooks non-ASCII body", [SECRET_A], "evt_02", 1764092768, non_ascii),
    ("standard webhooks rotation", [SECRET_A, SECRET_B], "evt_01JDXR4W3E", 1764092768, envelope),
]

vectors = [
    {"name": n, "scheme": "x-signature", "secrets": s, "timestamp": t, "body": b, "expectedHeader": x_signature(s, t, b)}
    for n, s, t, b in x_cases
] + [
    {"name": n, "scheme": "standard-webhooks", "secrets": s, "msgId": m, "timestamp": t, "body": b, "expectedHeader": standard(s, m, t, b)}
    for n, s, m, t, b in sw_cases
]
print(json.dumps(vectors, ensure_ascii=False, indent=2))
