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
#           package: initdb (trust auth, superuser "postgres"), pg_ctl start. Not root: the binaries
#           run from node_modules as the calling user, data in .baton/pg/<port>. Root: Postgres
#           refuses to run as root, so it runs as the system user "baton-pg", from a root-owned copy
#           of the binaries in /var/lib/baton-pg/<version>/ with data in /var/lib/baton-pg/data-<port>
#           (see start_embedded_pg for why). Pid file and log stay in .baton/ either way.
# Never stops or restarts a server it did not start. Requires node_modules (scripts/ensure-node-deps.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
STATE=$ROOT/.baton

: "${BATON_NATS_URL:=nats://127.0.0.1:4222}"
: "${BATON_DATABASE_URL:=postgres://postgres@127.0.0.1:5432/baton}"
WAIT_SECS=${BATON_SERVICE_WAIT_SECS:-60}
PG_OS_USER=${BATON_PG_OS_USER:-baton-pg}
PG_SYSTEM_DIR=${BATON_PG_SYSTEM_DIR:-/var/lib/baton-pg}
PROBE=(node "$ROOT/scripts/lib/service-probe.mjs")

die() { printf 'services: ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# tcp_open HOST PORT: does anything accept a TCP connection there?
tcp_open() {
  # shellcheck disable=SC2016 # $0/$1 are expanded by the inner bash, on purpose
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# pid_of_ours PIDFILE PATTERN: print the pid if it is alive and its command line contains PATTERN
# (guards against a recycled pid: we only ever signal processes whose command line names the store or
# data directory this script gave them). PATTERN may hold several newline-separated alternatives.
# The command line is matched with its NUL separators turned into spaces, so a pattern ending in a
# space matches a whole argument.
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

  use_answering Postgres "$BATON_DATABASE_URL" pg "$host" "$port" "$pidfile" "$(pg_patterns "$port")" embedded-postgres &&
    return 0

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

# pg_patterns PORT: the command-line patterns of a postmaster this script started for PORT: its -D
# argument in either layout (a whole argument, so data-1543 never matches data-15432). Servers
# started by an earlier version of this script (data in .baton/pg/PORT) match the first one.
pg_patterns() { printf '%s\n%s' "-D $STATE/pg/$1 " "-D $PG_SYSTEM_DIR/data-$1 "; }

# pg_linkable SRC DIR: may DIR/ hold hard links to the files of SRC/{bin,lib,share} rather than
# copies? Only on the same filesystem, and only when every file is already root-owned, not
# group/world-writable and world-readable (bin/ world-executable): a hard link shares the inode's
# owner and mode, so linking anything else would either leave it unreadable for $PG_OS_USER, force
# a chmod that changes node_modules too, or let a non-root owner change binaries that root runs.
pg_linkable() {
  local src=$1 dir=$2 bad
  [ "$(stat -c %d "$src")" = "$(stat -c %d "$dir")" ] || return 1
  bad=$(find "$src/bin" "$src/lib" "$src/share" ! -type l \( ! -user 0 -o -perm /022 \
    -o \( -type f ! -perm -004 \) -o \( -type d ! -perm -005 \) \
    -o \( -type f -path "$src/bin/*" ! -perm -001 \) \) -print -quit 2>/dev/null) || return 1
  [ -z "$bad" ]
}

# pg_system_install SRC VERSION: make $PG_SYSTEM_DIR/VERSION/{bin,lib,share} a root-owned,
# world-readable copy of SRC/{bin,lib,share} (the embedded-postgres native/ directory; the binaries
# find lib/ through their RUNPATH $ORIGIN/../lib and share/ relative to bin/, and lib/ keeps the
# package's relative .so symlinks, so the layout is kept as it is). A stamp file (package version +
# sha256 of bin/postgres) is written last; a directory whose stamp matches is re-used as it is. The
# copy is built in a temporary directory and renamed into place, so a crash never leaves a partial
# one behind. Sets PG_INSTALL_DIR and PG_INSTALL_HOW. Caller holds $PG_SYSTEM_DIR/.lock.
pg_system_install() {
  local src=$1 version=$2 dest stamp tmp
  dest=$PG_SYSTEM_DIR/$version
  stamp="embedded-postgres $version sha256:$(sha256sum <"$src/bin/postgres" | cut -d' ' -f1)"
  PG_INSTALL_DIR=$dest
  if [ -f "$dest/.baton-stamp" ] && [ "$(cat "$dest/.baton-stamp")" = "$stamp" ]; then
    PG_INSTALL_HOW="re-used"
    return 0
  fi
  tmp=$(mktemp -d "$PG_SYSTEM_DIR/.install.XXXXXX")
  if pg_linkable "$src" "$tmp" && cp -a --link "$src/bin" "$src/lib" "$src/share" "$tmp/" 2>/dev/null; then
    PG_INSTALL_HOW="hard-linked from node_modules"
  else
    rm -rf "${tmp:?}/bin" "${tmp:?}/lib" "${tmp:?}/share"
    cp -a "$src/bin" "$src/lib" "$src/share" "$tmp/" || { rm -rf "$tmp"; die "cannot copy $src to $tmp"; }
    chown -R -h root:root "$tmp"
    chmod -R u+rwX,go+rX,go-w "$tmp"
    PG_INSTALL_HOW="copied from node_modules"
  fi
  printf '%s\n' "$stamp" >"$tmp/.baton-stamp"
  chmod 644 "$tmp/.baton-stamp"
  chmod 755 "$tmp"
  if [ -e "$dest" ]; then
    # Same version, other binaries (or a copy from before stamps): replace it. A server still
    # running from the old copy keeps its open files.
    mv -T "$dest" "$tmp.old"
    PG_INSTALL_HOW="$PG_INSTALL_HOW, replacing a stale copy"
  fi
  mv -T "$tmp" "$dest"
  rm -rf "$tmp.old"
}

# pg_run CMD...: run CMD as the Postgres OS user (as ourselves when not root), from / so that a
# working directory the user cannot read (a root-only clone) does not matter.
pg_run() { (cd / && exec "${PG_RUN[@]}" "$@"); }

start_embedded_pg() {
  local host=$1 port=$2 dist src version bindir data logfile pidfile major have msg pid binaries
  dist=$("${PROBE[@]}" pg-dist) || die "embedded-postgres binaries not available (npm ci?)"
  IFS=$'\t' read -r src version <<<"$dist"
  [ -x "$src/bin/postgres" ] || die "embedded-postgres: $src/bin/postgres is missing"
  logfile=$STATE/pg-$port.log
  pidfile=$STATE/pg-$port.pid
  PG_RUN=()

  if is_root; then
    # Root: always run a root-owned copy of the binaries from $PG_SYSTEM_DIR, with the data there
    # too, rather than only when the repo is not traversable by $PG_OS_USER. One path for every
    # root machine (so the path CI takes is the one that gets exercised), and it does not depend on
    # guessing reachability: a mode-700 parent (/root, mktemp -d), a noexec mount, a restrictive
    # umask or an ACL all stop $PG_OS_USER the same way. The server also stops depending on the
    # clone: deleting the clone does not pull files from under a running server. The data directory
    # is keyed by port only: a database is identified by its URL, and whichever clone finds the
    # server answering on that port already shares it.
    if ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
      useradd --system --user-group --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin --comment "Baton dev Postgres" "$PG_OS_USER"
    fi
    PG_RUN=(runuser -u "$PG_OS_USER" --)
    mkdir -p "$PG_SYSTEM_DIR"
    chown root:root "$PG_SYSTEM_DIR"
    chmod 755 "$PG_SYSTEM_DIR"
    # Shared by every clone on this machine: serialises the copy and the initdb/start of a port.
    exec 8>"$PG_SYSTEM_DIR/.lock"
    flock -w $((WAIT_SECS * 3)) 8 || die "another scripts/ensure-services.sh holds $PG_SYSTEM_DIR/.lock"
    # Another clone may have started this port while we waited for the lock.
    if use_answering Postgres "$BATON_DATABASE_URL" pg "$host" "$port" "$pidfile" "$(pg_patterns "$port")" \
      embedded-postgres; then
      exec 8>&-
      return 0
    fi
    pg_system_install "$src" "$version"
    bindir=$PG_INSTALL_DIR/bin
    binaries="$PG_INSTALL_DIR, $PG_INSTALL_HOW"
    data=$PG_SYSTEM_DIR/data-$port
    pg_run test -x "$bindir/postgres" ||
      die "user $PG_OS_USER cannot execute $bindir/postgres (is $PG_SYSTEM_DIR on a noexec mount, or a parent of it not world-searchable?)"
    if [ -f "$STATE/pg/$port/PG_VERSION" ]; then
      echo "services: note: $(rel "$STATE/pg/$port") (data of an earlier version of this script) is not used any more when root; the data is in $data (remove the old directory when you like)"
    fi
  else
    bindir=$src/bin
    binaries=$(rel "$src")
    data=$STATE/pg/$port
  fi
  major=$("$bindir/postgres" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/')

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
    pg_run "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale \
      >"$STATE/pg-$port.initdb.log" 2>&1 8>&- 9>&- ||
      { tail -n 20 "$STATE/pg-$port.initdb.log" >&2; die "initdb failed (see $(rel "$STATE/pg-$port.initdb.log"))"; }
  elif is_root && [ "$(stat -c %U "$data")" != "$PG_OS_USER" ]; then
    chown -R "$PG_OS_USER:" "$data" # e.g. BATON_PG_OS_USER changed
  fi

  # No unix socket (avoids clashing with /var/run/postgresql and long socket paths): TCP only.
  # pg_ctl detaches the postmaster; setsid keeps it out of make's process group. No pg_ctl -l:
  # the log is opened here (as the caller) and inherited, so it can stay in .baton/ even when
  # $PG_OS_USER cannot reach the repo; pg_ctl's own progress lines land in it too.
  rm -f "$pidfile"
  (cd / && exec setsid --wait "${PG_RUN[@]}" "$bindir/pg_ctl" start -D "$data" -w -t "$WAIT_SECS" \
    -o "-p $port -c listen_addresses='$host' -c unix_socket_directories=''") \
    </dev/null >>"$logfile" 2>&1 8>&- 9>&- ||
    { tail -n 20 "$logfile" >&2; die "embedded Postgres did not start (see $(rel "$logfile"))"; }
  head -n1 "$data/postmaster.pid" >"$pidfile"
  msg=$(pg_wait "embedded Postgres")
  pid=$(cat "$pidfile")
  if is_root; then exec 8>&-; fi
  echo "Postgres: started embedded-postgres (PostgreSQL $major) on $host:$port (pid $pid, data $(rel "$data"), binaries $binaries, log $(rel "$logfile"); $msg)"
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
  local f port any=0
  shopt -s nullglob
  for f in "$STATE"/nats-*.pid; do
    any=1
    stop_one "$f" "$STATE/nats" TERM "NATS ($(basename "$f" .pid))"
  done
  for f in "$STATE"/pg-*.pid; do
    any=1
    # SIGINT = Postgres "fast" shutdown.
    port=${f##*/pg-}
    port=${port%.pid}
    stop_one "$f" "$(pg_patterns "$port")" INT "Postgres ($(basename "$f" .pid))"
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
