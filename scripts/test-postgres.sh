#!/usr/bin/env bash
# A throwaway PostgreSQL for the integration tests: a fresh cluster in a temp dir on a free loopback port.
#   scripts/test-postgres.sh start    installs postgresql when absent, starts the cluster, prints two lines:
#                                     PRECISION_TEST_PG=<Npgsql connection string>
#                                     PRECISION_TEST_PG_DIR=<the temp dir to pass to stop>
#   scripts/test-postgres.sh stop DIR stops the cluster started in DIR and removes DIR.
# PostgreSQL refuses to run as root, so as root the server runs as the 'postgres' user (via runuser).
set -euo pipefail
cd "$(dirname "$0")/.."

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  return 1
}

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  # A random high port nobody answers on; pg_ctl fails loudly in the rare race where it gets taken meanwhile.
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "test-postgres: no free loopback port found" >&2; return 1
}

start() {
  local bin
  if ! bin=$(pg_bin); then
    scripts/apt-install.sh postgresql >&2
    bin=$(pg_bin) || { echo "test-postgres: postgresql installed but initdb/pg_ctl not found under /usr/lib/postgresql/*/bin" >&2; exit 1; }
  fi
  local dir port
  dir=$(mktemp -d /tmp/precision-pg.XXXXXX)
  chmod 755 "$dir"
  mkdir -p "$dir/data" "$dir/sock"
  [ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir/data" "$dir/sock"
  as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-instructions >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  port=$(free_port)
  # Loopback only, socket in our dir (not /var/run/postgresql), fsync off: throwaway data, speed matters.
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >&2 || { cat "$dir/data/server.log" >&2; exit 1; }
  echo "PRECISION_TEST_PG=Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Pooling=true"
  echo "PRECISION_TEST_PG_DIR=$dir"
}

stop() {
  local dir=${1:?usage: test-postgres.sh stop DIR}
  local bin
  bin=$(pg_bin) || true
  if [ -n "${bin:-}" ] && [ -f "$dir/data/postmaster.pid" ]; then
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
  fi
  case "$dir" in /tmp/precision-pg.*) rm -rf "$dir" ;; *) echo "test-postgres: refusing to remove $dir" >&2 ;; esac
}

case "${1:-}" in
  start) start ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: scripts/test-postgres.sh start | stop DIR" >&2; exit 2 ;;
esac
