#!/usr/bin/env bash
# HTTP load benchmark: GET /v1/devices/{id} (API key auth + SQLite read) against the trivial
# GET /health/live on the same server, measured alternately in the same run with wrk.
# Target (docs/benchmarks.md): the device read reaches at least 50 % of the live probe's requests/s.
#
# Usage: bench/http-load.sh            (defaults below; override with environment variables)
#   PORT=18080 ROUNDS=3 DURATION=10s THREADS=2 CONNECTIONS=32 WARMUP=3s bench/http-load.sh
# Needs: dotnet, wrk (apt-get install -y wrk), curl. Loopback only; every step is bounded in time.
set -euo pipefail

PORT="${PORT:-18080}"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10s}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
WARMUP="${WARMUP:-3s}"
BASE="http://127.0.0.1:${PORT}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DLL="$ROOT/src/SmartApi.Server/bin/Release/net10.0/SmartApi.Server.dll"
# 43 characters: the length of a generated key; only ever used against this throwaway server.
KEY="bench_$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 37)"

for tool in dotnet wrk curl; do
    command -v "$tool" >/dev/null || { echo "error: '$tool' not found (wrk: apt-get install -y wrk)" >&2; exit 1; }
done
if curl -s -o /dev/null --max-time 1 "$BASE/health/live"; then
    echo "error: something already listens on $BASE; set PORT" >&2
    exit 1
fi

echo "== building the server (Release)"
dotnet build -c Release "$ROOT/src/SmartApi.Server/SmartApi.Server.csproj" --nologo -v quiet >/dev/null

DATA="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID"
        for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$DATA"
}
trap cleanup EXIT

echo "== starting the server on $BASE (data in $DATA)"
# One key at tens of thousands of requests/s is far over the default per-key rate (1,000/s):
# raise it to its maximum, so the limiter still runs on every request but never rejects one.
SmartApi__Limits__RequestsPerSecond=1000000 SmartApi__Limits__RequestBurst=10000000 \
SmartApi__DataDirectory="$DATA" SmartApi__BootstrapApiKey="$KEY" SmartApi__Mqtt__Port=0 \
    dotnet "$DLL" --urls "$BASE" >"$DATA/server.log" 2>&1 &
SERVER_PID=$!

ready=""
for _ in $(seq 1 300); do
    if curl -sf -o /dev/null --max-time 1 "$BASE/health/ready"; then ready=1; break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
done
if [[ -z "$ready" ]]; then
    echo "error: the server did not become ready within 30 s; log:" >&2
    cat "$DATA/server.log" >&2
    exit 1
fi

DEVICE_ID="$(curl -sf --max-time 10 -X POST "$BASE/v1/devices" \
    -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d '{"serial":"DT31-BENCH","name":"Bench"}' | sed -n 's/.*"id":"\(dev_[0-9A-Z]*\)".*/\1/p')"
if [[ -z "$DEVICE_ID" ]]; then
    echo "error: could not create the bench device" >&2
    exit 1
fi
status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $KEY" "$BASE/v1/devices/$DEVICE_ID")"
[[ "$status" == 200 ]] || { echo "error: GET /v1/devices/$DEVICE_ID answered $status" >&2; exit 1; }
echo "== device $DEVICE_ID"

# Runs wrk once and prints its requests/s; fails if any response was not 2xx/3xx, so that
# fast 401s or 404s can never pass for throughput.
run_wrk() {
    local duration="$1" path="$2"; shift 2
    local out
    out="$(timeout 120 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --latency "$@" "$BASE$path")"
    if grep -q 'Non-2xx or 3xx responses' <<<"$out"; then
        echo "error: non-2xx responses from $path:" >&2
        echo "$out" >&2
        return 1
    fi
    awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

AUTH=(-H "Authorization: Bearer $KEY")
# Other processes on the machine skew the figures; the load average makes that visible.
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== warm-up ($WARMUP each, not counted)"
run_wrk "$WARMUP" /health/live >/dev/null
run_wrk "$WARMUP" "/v1/devices/$DEVICE_ID" "${AUTH[@]}" >/dev/null

live=()
device=()
for round in $(seq 1 "$ROUNDS"); do
    live+=("$(run_wrk "$DURATION" /health/live)")
    device+=("$(run_wrk "$DURATION" "/v1/devices/$DEVICE_ID" "${AUTH[@]}")")
    echo "round $round: /health/live ${live[-1]} req/s, /v1/devices/{id} ${device[-1]} req/s"
done

live_median="$(printf '%s\n' "${live[@]}" | median)"
device_median="$(printf '%s\n' "${device[@]}" | median)"
ratio="$(awk -v d="$device_median" -v l="$live_median" 'BEGIN { printf "%.1f", 100 * d / l }')"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS rounds, $(nproc) cores"
echo "median /health/live:      $live_median req/s"
echo "median /v1/devices/{id}:  $device_median req/s"
echo "ratio:                    $ratio % (target >= 50 %)"
if awk -v r="$ratio" 'BEGIN { exit !(r >= 50) }'; then
    echo "target met"
else
    echo "target NOT met"
fi
