#!/usr/bin/env bash
# A throwaway password-protected redis-server for the multi-process cluster tests: a fresh server in a temp dir on a
# free loopback port, append-only file on (the durability a run relies on), a random password.
#   scripts/test-redis.sh start    installs redis-server when absent, starts it, prints three lines:
#                                  PRECISION_TEST_REDIS=<StackExchange.Redis configuration, with the password>
#                                  PRECISION_TEST_REDIS_DIR=<the temp dir to pass to stop>
#                                  PRECISION_TEST_REDIS_URL=redis://:<password>@127.0.0.1:<port> (the console's --cluster form)
#   scripts/test-redis.sh stop DIR stops the server started in DIR and removes DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

free_port() {
  # A random high port nobody answers on; redis-server fails loudly in the rare race where it gets taken meanwhile.
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "test-redis: no free loopback port found" >&2; return 1
}

start() {
  command -v redis-server >/dev/null || scripts/apt-install.sh redis-server >&2
  local dir port password
  dir=$(mktemp -d /tmp/precision-redis.XXXXXX)
  port=$(free_port)
  password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32)
  cat >"$dir/redis.conf" <<CONF
bind 127.0.0.1
port $port
dir $dir
requirepass $password
appendonly yes
appendfsync everysec
save ""
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
CONF
  redis-server "$dir/redis.conf" >&2
  for _ in $(seq 1 100); do
    if redis-cli -h 127.0.0.1 -p "$port" -a "$password" --no-auth-warning ping 2>/dev/null | grep -q PONG; then
      echo "PRECISION_TEST_REDIS=127.0.0.1:$port,password=$password"
      echo "PRECISION_TEST_REDIS_DIR=$dir"
      echo "PRECISION_TEST_REDIS_URL=redis://:$password@127.0.0.1:$port"
      return 0
    fi
    sleep 0.1
  done
  cat "$dir/redis.log" >&2; echo "test-redis: redis-server did not answer on port $port" >&2; exit 1
}

stop() {
  local dir=${1:?usage: test-redis.sh stop DIR}
  if [ -f "$dir/redis.pid" ]; then kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; fi
  case "$dir" in /tmp/precision-redis.*) rm -rf "$dir" ;; *) echo "test-redis: refusing to remove $dir" >&2 ;; esac
}

case "${1:-}" in
  start) start ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: scripts/test-redis.sh start | stop DIR" >&2; exit 2 ;;
esac
