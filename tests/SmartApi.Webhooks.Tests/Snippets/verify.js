// Verifies Smart API webhook signatures (X-Signature) with the Node.js standard library only.
"use strict";
const crypto = require("node:crypto");

const TOLERANCE_SECONDS = 5 * 60;

// True when `header` (X-Signature) signs `body`, the raw request bytes (a Buffer) exactly as received.
function verify(secret, header, body, now = Math.floor(Date.now() / 1000)) {
  let version, timestamp;
  const signatures = [];
  for (const part of String(header ?? "").split(";")) {
    const equals = part.indexOf("=");
    if (equals < 0) continue;
    const name = part.slice(0, equals).trim();
    const value = part.slice(equals + 1).trim();
    if (name === "v") version = value;
    else if (name === "t") timestamp = value;
    else if (name === "sig") signatures.push(value);
  }
  if (version !== "1" || signatures.length === 0 || !/^[0-9]{1,15}$/.test(timestamp ?? "")) return false;
  // Too old (a replay) or too far in the future (a skewed clock).
  if (Math.abs(now - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(
    crypto.createHmac("sha256", Buffer.from(secret, "utf8")).update(`${timestamp}.`).update(body).digest("hex"));
  // During a secret rotation there is one sig per active secret: any may be made with yours.
  return signatures.some((sig) => {
    const candidate = Buffer.from(sig, "utf8");
    return candidate.length === expected.length && crypto.timingSafeEqual(candidate, expected);
  });
}

module.exports = { verify };

if (require.main === module) {
  // Checks a captured request: {"secret": ..., "header": ..., "body": ..., "now": ...} on stdin.
  const request = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
  const valid = verify(request.secret, request.header, Buffer.from(request.body, "utf8"), request.now ?? undefined);
  console.log(valid ? "valid" : "invalid");
  process.exitCode = valid ? 0 : 1;
}
