#!/usr/bin/env bash
# Make sure a redis-server binary exists for `make bench-peers` (BullMQ's private, durable Redis;
# the bench starts and stops its own server on a free loopback port, never the one on 6379).
#  - BENCH_PEERS_REDIS_SERVER set: use that binary.
#  - redis-server missing: apt-get install redis-server (needs root). Debian's package also starts
#    a system service on 6379; the bench never uses it.
set -euo pipefail

log() { printf 'redis-server: %s\n' "$*"; }
die() { printf 'redis-server: ERROR: %s\n' "$*" >&2; exit 1; }

if [ -n "${BENCH_PEERS_REDIS_SERVER:-}" ]; then
  [ -x "$BENCH_PEERS_REDIS_SERVER" ] || die "BENCH_PEERS_REDIS_SERVER=$BENCH_PEERS_REDIS_SERVER is not an executable"
  log "using $BENCH_PEERS_REDIS_SERVER"
  exit 0
fi
if bin=$(command -v redis-server); then
  log "using $bin ($("$bin" --version | head -n1))"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || die "redis-server is missing and we are not root: install Debian's redis-server package (sudo apt-get install redis-server) or set BENCH_PEERS_REDIS_SERVER"
log "missing: apt-get install redis-server"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q redis-server >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q redis-server >/dev/null; }
bin=$(command -v redis-server) || die "apt-get installed redis-server but it is still not on PATH"
log "installed $bin ($("$bin" --version | head -n1))"
