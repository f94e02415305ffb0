#!/usr/bin/env bash
# Make sure NATS (with JetStream) and Postgres answer at BATON_NATS_URL / BATON_DATABASE_URL.
#
#   scripts/ensure-services.sh [start]   use what already answers, start what does not (idempotent)
#   scripts/ensure-services.sh stop      stop only the servers this script started (pid files in .baton/)
#
# NATS:     something answering with JetStream -> use it; else `nats-server -js` (Debian package
#           nats-server, apt-installed if missing) with store/pid/log under .baton/.
# Postgres: something accepting the URL -> use it; else a Debian cluster configured on that port
#           (pg_lsclusters) -> pg_ctlcluster start; else the binaries of the embedded-postgres npm
#           package: initdb (trust auth, superuser "postgres") into .baton/pg/<port>, pg_ctl start,
#           run as the system user "baton-pg" when we are root (Postgres refuses to run as root).
# Never stops or restarts a server it did not start. Requires node_modules (scripts/ensure-node-deps.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
STATE=$ROOT/.baton

: "${BATON_NATS_URL:=nats://127.0.0.1:4222}"
: "${BATON_DATABASE_URL:=postgres://postgres@127.0.0.1:5432/baton}"
WAIT_SECS=${BATON_SERVICE_WAIT_SECS:-60}
PG_OS_USER=${BATON_PG_OS_USER:-baton-pg}
PROBE=(node "$ROOT/scripts/lib/service-probe.mjs")

die() { printf 'services: ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# tcp_open HOST PORT: does anything accept a TCP connection there?
tcp_open() {
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# pid_of_ours PIDFILE PATTERN: print the pid if it is alive and its command line contains PATTERN
# (guards against a recycled pid: we only ever signal processes whose command line names .baton/).
pid_of_ours() {
  local pidfile=$1 pattern=$2 pid
  [ -s "$pidfile" ] || return 1
  pid=$(head -n1 "$pidfile" | tr -dc '0-9')
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$pattern" || return 1
  echo "$pid"
}

rel() { printf '%s' "${1#"$ROOT"/}"; }

apt_install() {
  is_root || die "package $1 is missing and we are not root: install it (apt-get install $1) and re-run"
  echo "services: apt-get install $1"
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

# ---------------------------------------------------------------------------------------- NATS
# use_answering LABEL URL PROBE HOST PORT PIDFILE PATTERN STARTED_BY: when something answers on
# HOST:PORT, use it if the probe accepts it (saying whether this script started it), else stop.
# Returns 1 when nothing answers, so the caller starts a server.
use_answering() {
  local label=$1 url=$2 probe=$3 host=$4 port=$5 pidfile=$6 pattern=$7 started_by=$8 msg pid
  tcp_open "$host" "$port" || return 1
  if msg=$("${PROBE[@]}" "$probe" "$url" 2>&1); then
    if pid=$(pid_of_ours "$pidfile" "$pattern"); then
      echo "$label: using $url ($started_by started earlier by this script, pid $pid; $msg)"
    else
      echo "$label: using existing server at $url ($msg)"
    fi
    return 0
  fi
  die "something answers on $host:$port but it is not usable as $label ($url): $msg"
}

ensure_nats() {
  local host port pidfile logfile store pid deadline msg hp
  hp=$("${PROBE[@]}" hostport "$BATON_NATS_URL" 4222) || die "cannot parse BATON_NATS_URL=$BATON_NATS_URL"
  read -r host port <<<"$hp"
  pidfile=$STATE/nats-$port.pid
  logfile=$STATE/nats-$port.log
  store=$STATE/nats/$port

  use_answering NATS "$BATON_NATS_URL" nats "$host" "$port" "$pidfile" "$STATE/nats" nats-server && return 0

  local bin
  bin=$(command -v nats-server || true)
  if [ -z "$bin" ] && [ -x /usr/sbin/nats-server ]; then bin=/usr/sbin/nats-server; fi
  if [ -z "$bin" ]; then
    apt_install nats-server
    bin=$(command -v nats-server || echo /usr/sbin/nats-server)
    [ -x "$bin" ] || die "nats-server still not found after apt-get install nats-server"
  fi

  mkdir -p "$store"
  rm -f "$pidfile"
  # setsid + closed stdio: the server outlives this script and holds no pipe of make's.
  setsid "$bin" -js -a "$host" -p "$port" -sd "$store" -l "$logfile" -P "$pidfile" \
    </dev/null >>"$STATE/nats-$port.out" 2>&1 9>&- &
  local launcher=$!

  deadline=$((SECONDS + WAIT_SECS))
  until msg=$("${PROBE[@]}" nats "$BATON_NATS_URL" 2>&1); do
    if ! kill -0 "$launcher" 2>/dev/null && ! pid_of_ours "$pidfile" "$STATE/nats" >/dev/null; then
      tail -n 20 "$logfile" "$STATE/nats-$port.out" 2>/dev/null >&2 || true
      die "nats-server exited during start-up (see $(rel "$logfile"))"
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "nats-server did not answer on $host:$port within ${WAIT_SECS}s: $msg"
    sleep 0.3
  done
  pid=$(pid_of_ours "$pidfile" "$STATE/nats" || echo "$launcher")
  echo "NATS: started $bin -js on $host:$port (pid $pid, store $(rel "$store"), log $(rel "$logfile"); $msg)"
}

# ------------------------------------------------------------------------------------ Postgres
pg_wait() { # pg_wait WHAT: wait until the URL is accepted (fails at once if the server refuses it)
  local deadline=$((SECONDS + WAIT_SECS)) msg rc
  while :; do
    rc=0; msg=$("${PROBE[@]}" pg "$BATON_DATABASE_URL" 2>&1) || rc=$?
    [ "$rc" -eq 0 ] && break
    [ "$rc" -eq 2 ] || die "$1 is up but does not accept $BATON_DATABASE_URL: $msg"
    [ "$SECONDS" -lt "$deadline" ] || die "$1 did not accept $BATON_DATABASE_URL within ${WAIT_SECS}s: $msg"
    sleep 0.3
  done
  printf '%s' "$msg"
}

ensure_pg() {
  local host port msg pid hp
  hp=$("${PROBE[@]}" hostport "$BATON_DATABASE_URL" 5432) || die "cannot parse BATON_DATABASE_URL"
  read -r host port <<<"$hp"
  local pidfile=$STATE/pg-$port.pid

  use_answering Postgres "$BATON_DATABASE_URL" pg "$host" "$port" "$pidfile" "$STATE/pg/" embedded-postgres && return 0

  # A Debian cluster configured on this port (e.g. the machine's own postgresql package)?
  if command -v pg_lsclusters >/dev/null 2>&1; then
    local ver name status
    read -r ver name status <<<"$(pg_lsclusters -h 2>/dev/null | awk -v p="$port" '$3 == p { print $1, $2, $4; exit }')" || true
    if [ -n "${ver:-}" ]; then
      if [ "$status" = "online" ]; then
        die "Debian cluster $ver/$name on port $port is online but nothing answers on $host:$port (check listen_addresses)"
      fi
      pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start </dev/null 9>&-
      msg=$(pg_wait "Debian cluster $ver/$name")
      echo "Postgres: started the machine's Debian cluster $ver/$name on port $port ($msg; it is left running by 'make services-stop')"
      return 0
    fi
  fi

  start_embedded_pg "$host" "$port"
}

start_embedded_pg() {
  local host=$1 port=$2 bindir data logfile pidfile major have run=() msg pid
  bindir=$("${PROBE[@]}" pg-bin) || die "embedded-postgres binaries not available (npm ci?)"
  data=$STATE/pg/$port
  logfile=$STATE/pg-$port.log
  pidfile=$STATE/pg-$port.pid
  major=$("$bindir/postgres" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/')

  mkdir -p "$STATE/pg"
  if is_root; then
    if ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
      useradd --system --user-group --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin --comment "Baton dev Postgres" "$PG_OS_USER"
    fi
    run=(runuser -u "$PG_OS_USER" --)
    "${run[@]}" test -x "$bindir/postgres" ||
      die "user $PG_OS_USER cannot execute $bindir/postgres (a parent directory of the repo is not world-searchable?)"
  fi

  if [ -f "$data/PG_VERSION" ]; then
    have=$(cat "$data/PG_VERSION")
    if [ "$have" != "$major" ]; then
      echo "services: $(rel "$data") holds a PostgreSQL $have cluster, binaries are $major: re-initialising it"
      rm -rf "$data"
    fi
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
    mkdir -p "$data"
    chmod 700 "$data"
    if is_root; then chown "$PG_OS_USER:" "$data"; fi
    "${run[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale \
      >"$STATE/pg-$port.initdb.log" 2>&1 ||
      { tail -n 20 "$STATE/pg-$port.initdb.log" >&2; die "initdb failed (see $(rel "$STATE/pg-$port.initdb.log"))"; }
  fi
  touch "$logfile"
  if is_root; then chown "$PG_OS_USER:" "$logfile"; fi

  # No unix socket (avoids clashing with /var/run/postgresql and long socket paths): TCP only.
  # pg_ctl detaches the postmaster; setsid keeps it out of make's process group.
  rm -f "$pidfile"
  setsid --wait "${run[@]}" "$bindir/pg_ctl" start -D "$data" -l "$logfile" -w -t "$WAIT_SECS" \
    -o "-p $port -c listen_addresses='$host' -c unix_socket_directories=''" \
    </dev/null >>"$STATE/pg-$port.out" 2>&1 9>&- ||
    { tail -n 20 "$logfile" >&2; die "embedded Postgres did not start (see $(rel "$logfile"))"; }
  head -n1 "$data/postmaster.pid" >"$pidfile"
  msg=$(pg_wait "embedded Postgres")
  pid=$(cat "$pidfile")
  echo "Postgres: started embedded-postgres (PostgreSQL $major) on $host:$port (pid $pid, data $(rel "$data"), log $(rel "$logfile"); $msg)"
}

# ---------------------------------------------------------------------------------------- stop
stop_one() { # stop_one PIDFILE PATTERN SIGNAL WHAT
  local pidfile=$1 pattern=$2 sig=$3 what=$4 pid deadline
  if ! pid=$(pid_of_ours "$pidfile" "$pattern"); then
    echo "$what: not running (removing stale $(rel "$pidfile"))"
    rm -f "$pidfile"
    return 0
  fi
  kill "-$sig" "$pid"
  deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "$what: pid $pid still running after 30s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$pidfile"
  echo "$what: stopped pid $pid"
}

stop_all() {
  local f any=0
  shopt -s nullglob
  for f in "$STATE"/nats-*.pid; do
    any=1
    stop_one "$f" "$STATE/nats" TERM "NATS ($(basename "$f" .pid))"
  done
  for f in "$STATE"/pg-*.pid; do
    any=1
    # SIGINT = Postgres "fast" shutdown.
    stop_one "$f" "$STATE/pg/" INT "Postgres ($(basename "$f" .pid))"
  done
  [ "$any" -eq 1 ] || echo "services: nothing started by scripts/ensure-services.sh is recorded in .baton/"
}

mkdir -p "$STATE"
# One instance at a time (two concurrent `make setup`s would otherwise race to start the same port).
# Servers are launched with fd 9 closed so they do not keep holding the lock.
exec 9>"$STATE/.services.lock"
flock -w $((WAIT_SECS * 3)) 9 || die "another scripts/ensure-services.sh holds $(rel "$STATE/.services.lock")"
case "${1:-start}" in
  start) ensure_nats; ensure_pg ;;
  # The outage tests start a private nats-server of their own: make sure the binary exists.
  nats-binary) command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || apt_install nats-server ;;
  stop) stop_all ;;
  *) die "usage: $0 [start|stop|nats-binary]" ;;
esac
