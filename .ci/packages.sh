#!/usr/bin/env bash
# Packs what people install and uses it as they would: the NuGet packages (metadata, README, XML
# docs, symbols), the smart tool installed from the local folder, and the sample receiver built
# against the packed SmartApi.Webhooks and sent a signed and a tampered webhook; and the server
# published as one self-contained linux-x64 file, started from another directory and asked for its
# health and its OpenAPI document.
# Prints one line per check, "packaging check passed: NAME" or "packaging check failed: NAME",
# which .ci/run counts into its closing line; exits 0 itself.
set -uo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
feed="$work/feed"
sample_pid=
server_pid=
cleanup() {
  [ -n "$sample_pid" ] && kill "$sample_pid" 2>/dev/null && wait "$sample_pid" 2>/dev/null
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

check() {
  local name=$1
  shift
  if "$@"; then
    echo "packaging check passed: $name"
  else
    echo "packaging check failed: $name"
  fi
}

version=$(dotnet msbuild src/SmartApi.Cli -getProperty:Version 2>/dev/null)
echo "packaging version $version in $work"

pack() {
  local project
  for project in SmartApi.Contracts SmartApi.Webhooks SmartApi.Client SmartApi.Cli; do
    dotnet pack "src/$project" -c Release -o "$feed" -v quiet -nologo || return 1
  done
}
check "dotnet pack" pack

# The nuspec says what NuGet shows: id, version, license, README, commit; the package carries the
# README, the XML docs next to each library, and a symbol package beside it.
metadata() {
  python3 - "$feed" "$version" "$1" "$2" <<'EOF'
import sys, zipfile, xml.etree.ElementTree as ET
feed, version, package_id, content = sys.argv[1:]
path = f"{feed}/{package_id}.{version}.nupkg"
with zipfile.ZipFile(path) as z:
    names = set(z.namelist())
    nuspec = ET.fromstring(z.read(f"{package_id}.nuspec"))
ns = {"n": nuspec.tag[1:].split("}")[0]}
meta = nuspec.find("n:metadata", ns)
def text(tag):
    node = meta.find(f"n:{tag}", ns)
    return "" if node is None else (node.text or "")
problems = []
if text("id") != package_id or text("version") != version:
    problems.append(f"id/version {text('id')} {text('version')}")
if text("license") != "MIT":
    problems.append("license expression is not MIT")
if text("readme") != "README.md" or "README.md" not in names:
    problems.append("no README.md")
for field in ("description", "authors", "tags"):
    if not text(field):
        problems.append(f"no {field}")
repository = meta.find("n:repository", ns)
if repository is None or len(repository.get("commit", "")) != 40:
    problems.append("no repository commit (Source Link)")
if content not in names:
    problems.append(f"no {content}")
try:
    zipfile.ZipFile(f"{feed}/{package_id}.{version}.snupkg").close()
except OSError:
    problems.append("no .snupkg")
for problem in problems:
    print(f"{package_id}: {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
}
check "SmartApi.Contracts package" metadata SmartApi.Contracts lib/net10.0/SmartApi.Contracts.xml
check "SmartApi.Webhooks package" metadata SmartApi.Webhooks lib/net10.0/SmartApi.Webhooks.xml
check "SmartApi.Client package" metadata SmartApi.Client lib/net10.0/SmartApi.Client.xml
check "SmartApi.Cli tool package" metadata SmartApi.Cli tools/net10.0/any/DotnetToolSettings.xml

# From here on a fresh package cache: a package of the same version restored by an earlier run must
# not stand in for the one packed now. (The packing above restores from the usual cache.)
export NUGET_PACKAGES="$work/nuget"

check "dotnet tool install SmartApi.Cli" \
  dotnet tool install --tool-path "$work/tools" --add-source "$feed" SmartApi.Cli --version "$version"
smart="$work/tools/smart"

# SemVer with the commit as build metadata: 0.1.0+<sha>.
tool_version() {
  local printed
  printed=$("$smart" --version) || return 1
  [[ "$printed" =~ ^${version//./\\.}(\+[0-9a-f]{40})?$ ]] || { echo "smart --version printed '$printed', not $version" >&2; return 1; }
}
check "smart --version" tool_version

# A known vector from the webhook test vectors: its header must verify, and the same header over a
# changed body must not (exit 1).
vector='device.switched envelope'
python3 - "$vector" "$work" <<'EOF'
import json, sys
name, work = sys.argv[1:]
vector = next(v for v in json.load(open("tests/SmartApi.Webhooks.Tests/vectors/signature-vectors.json")) if v["name"] == name)
open(f"{work}/body.json", "wb").write(vector["body"].encode())
open(f"{work}/tampered.json", "wb").write(vector["body"].replace('"on"', '"off"', 1).encode())
open(f"{work}/secret", "w").write(vector["secrets"][0])
open(f"{work}/header", "w").write(vector["expectedHeader"])
EOF
verify() {
  "$smart" webhooks verify --secret "$(cat "$work/secret")" --header "$(cat "$work/header")" \
    --body-file "$work/$1" --tolerance 0
}
verify_rejects() {
  verify tampered.json 2>/dev/null
  [ $? -eq 1 ]
}
check "smart webhooks verify accepts the vector" verify body.json
check "smart webhooks verify rejects a changed body" verify_rejects

# The sample as a user builds it: a PackageReference to SmartApi.Webhooks $version, restored from
# the folder just packed (and nuget.org for anything else).
check "samples/WebhookReceiver builds against the package" \
  dotnet build samples/WebhookReceiver -c Release -o "$work/sample" -v quiet -nologo \
    -p:SmartApiVersion="$version" -p:RestoreAdditionalProjectSources="$feed"

# The built sample answers 204 to a freshly signed delivery and 401 to the same one tampered with.
sample_receives() {
  local port url code signed tampered
  [ -f "$work/sample/WebhookReceiver.dll" ] || return 1
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  url="http://127.0.0.1:$port/smart-api/webhooks"
  SmartApi__WebhookSecret="$(cat "$work/secret")" dotnet "$work/sample/WebhookReceiver.dll" --urls "http://127.0.0.1:$port" >"$work/sample.log" 2>&1 &
  sample_pid=$!
  for _ in $(seq 1 60); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url")
    [ "$code" != 000 ] && break
    sleep 0.25
  done
  signed=$(python3 - "$work" <<'EOF'
import hmac, hashlib, sys, time
work = sys.argv[1]
secret = open(f"{work}/secret").read().encode()
body = open(f"{work}/body.json", "rb").read()
t = str(int(time.time()))
print(f"v=1;t={t};sig=" + hmac.new(secret, t.encode() + b"." + body, hashlib.sha256).hexdigest())
EOF
)
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url" -H 'Content-Type: application/json' \
    -H "X-Signature: $signed" --data-binary "@$work/body.json")
  tampered=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url" -H 'Content-Type: application/json' \
    -H "X-Signature: $signed" --data-binary "@$work/tampered.json")
  kill "$sample_pid" 2>/dev/null
  wait "$sample_pid" 2>/dev/null
  sample_pid=
  [ "$code" = 204 ] && [ "$tampered" = 401 ] && return 0
  echo "the sample answered $code to a signed and $tampered to a tampered webhook (want 204, 401): $(tail -5 "$work/sample.log")" >&2
  return 1
}
check "the sample receiver accepts a signed webhook and rejects a tampered one" sample_receives

# The server as docs/deployment.md publishes it: one self-contained linux-x64 executable (no .NET
# needed on the host) beside SQLite's native library and wwwroot. Started from / with a fresh data
# directory, it must answer its liveness, readiness and OpenAPI paths. Uses the usual package cache
# (the runtime packs are large); the packages of this repository are not involved.
single_file() {
  local started port base code path
  started=$(date +%s)
  env -u NUGET_PACKAGES dotnet publish src/SmartApi.Server -c Release -r linux-x64 --self-contained \
    -p:PublishSingleFile=true -o "$work/publish" -v quiet -nologo || return 1
  [ -x "$work/publish/SmartApi.Server" ] || { echo "no executable SmartApi.Server in the publish folder" >&2; return 1; }
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  base="http://127.0.0.1:$port"
  mkdir -p "$work/data"
  (cd / && SmartApi__DataDirectory="$work/data" SmartApi__Mqtt__Port=0 \
    exec "$work/publish/SmartApi.Server" --urls "$base" >"$work/server.log" 2>&1) &
  server_pid=$!
  for _ in $(seq 1 120); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$base/health/live")
    [ "$code" = 200 ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.25
  done
  for path in /health/live /health/ready /openapi/v1.json; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$base$path")
    if [ "$code" != 200 ]; then
      echo "the published server answered $code to $path (want 200): $(tail -5 "$work/server.log")" >&2
      kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; server_pid=
      return 1
    fi
  done
  kill "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  server_pid=
  echo "single-file publish, start and checks took $(( $(date +%s) - started )) s"
}
check "the server published as one self-contained file starts and answers" single_file
exit 0
