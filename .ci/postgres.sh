#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests, CI and benchmarks.
#
#   eval "$(.ci/postgres.sh start [--durable])"   # prints export lines: SMARTAPI_TEST_POSTGRES, SMARTAPI_CI_POSTGRES_DIR
#   .ci/postgres.sh stop [dir]                     # stops the cluster and deletes its directory
#   .ci/postgres.sh halt [dir] [immediate|fast]    # stops the server only (an outage): data, port and directory stay
#   .ci/postgres.sh resume [dir]                   # starts a halted cluster again on the same port and data
#
# initdb runs in a new temporary directory on a free loopback port. PostgreSQL refuses to run as
# root, so under root (CI) the cluster belongs to a system user (postgres, or smartapi-ci created
# on demand). Without --durable the cluster runs with fsync off: tests kill processes, never the
# machine, and fsync would only slow them down. Benchmarks pass --durable.
set -euo pipefail

pg_bin() {
  local name=$1 dir
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/$name" ]; then echo "$dir/$name"; return; fi
  done
  echo "PostgreSQL's $name was not found (apt-get install postgresql)" >&2
  exit 1
}

cluster_user() {
  if [ "$(id -u)" -ne 0 ]; then id -un; return; fi
  if id postgres >/dev/null 2>&1; then echo postgres; return; fi
  if ! id smartapi-ci >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin smartapi-ci
  fi
  echo smartapi-ci
}

as_user() {
  local user=$1; shift
  if [ "$(id -un)" = "$user" ]; then "$@"; else runuser -u "$user" -- "$@"; fi
}

# A port below the kernel's ephemeral range (ip_local_port_range): a port inside it can be taken
# by any outgoing connection while a halted cluster is down, and resume could not bind it again.
free_port() {
  local port low=32768
  [ -r /proc/sys/net/ipv4/ip_local_port_range ] && read -r low _ </proc/sys/net/ipv4/ip_local_port_range
  [ "$low" -gt 12000 ] || low=32768
  for _ in $(seq 1 50); do
    port=$((10000 + RANDOM % (low - 10000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "no free port found" >&2
  exit 1
}

start() {
  local durable=0
  [ "${1:-}" = "--durable" ] && durable=1
  local user dir port initdb pg_ctl psql fsync
  user=$(cluster_user)
  initdb=$(pg_bin initdb); pg_ctl=$(pg_bin pg_ctl); psql=$(pg_bin psql)
  dir=$(mktemp -d /tmp/smartapi-pg-XXXXXX)
  chown "$user" "$dir"
  chmod 700 "$dir"
  as_user "$user" "$initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  fsync=off
  [ "$durable" -eq 1 ] && fsync=on
  for attempt in 1 2 3; do
    port=$(free_port)
    # Kept beside the data, so that resume starts the server again exactly as it was.
    echo "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c max_connections=400 -c fsync=$fsync -c shared_buffers=256MB" >"$dir/options"
    if as_user "$user" "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start -o "$(cat "$dir/options")" >/dev/null; then
      break
    fi
    [ "$attempt" -eq 3 ] && { cat "$dir/server.log" >&2; exit 1; }
  done
  "$psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -c "CREATE DATABASE smartapi" >/dev/null
  echo "export SMARTAPI_CI_POSTGRES_DIR=$dir"
  echo "export SMARTAPI_TEST_POSTGRES='Host=127.0.0.1;Port=$port;Username=postgres;Database=smartapi'"
}

stop() {
  local dir=${1:-${SMARTAPI_CI_POSTGRES_DIR:-}}
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then return 0; fi
  case "$dir" in /tmp/smartapi-pg-*) ;; *) echo "refusing to delete $dir" >&2; exit 1 ;; esac
  local owner
  owner=$(stat -c %U "$dir")
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_user "$owner" "$(pg_bin pg_ctl)" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

cluster_dir() {
  local dir=${1:-${SMARTAPI_CI_POSTGRES_DIR:-}}
  case "$dir" in /tmp/smartapi-pg-*) ;; *) echo "not a cluster of this script: '$dir'" >&2; exit 1 ;; esac
  [ -f "$dir/options" ] || { echo "no cluster in $dir" >&2; exit 1; }
  echo "$dir"
}

# Fault tests: the server goes away (immediate: like a crash, clients see their connections cut;
# fast: an orderly shutdown, clients get 57P01 admin_shutdown) and comes back on the same port.
halt() {
  local dir mode=${2:-immediate}
  dir=$(cluster_dir "${1:-}")
  case "$mode" in immediate|fast) ;; *) echo "halt mode is immediate or fast, not '$mode'" >&2; exit 2 ;; esac
  as_user "$(stat -c %U "$dir")" "$(pg_bin pg_ctl)" -D "$dir/data" -m "$mode" -w -t 30 stop >/dev/null
}

resume() {
  local dir
  dir=$(cluster_dir "${1:-}")
  as_user "$(stat -c %U "$dir")" "$(pg_bin pg_ctl)" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o "$(cat "$dir/options")" >/dev/null \
    || { tail -n 20 "$dir/server.log" >&2; exit 1; }
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  halt) shift; halt "$@" ;;
  resume) shift; resume "$@" ;;
  *) echo "usage: $0 start [--durable] | stop [dir] | halt [dir] [immediate|fast] | resume [dir]" >&2; exit 2 ;;
esac
