#!/usr/bin/env bash
# Make sure Node.js/npm exist and node_modules matches package-lock.json.
#  - node or npm missing: apt-get install nodejs npm (needs root); warns loudly if node < 20.10.
#  - node_modules missing, or older than package-lock.json: npm ci.
#  - always: check that tsx (and so esbuild) actually runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'node-deps: %s\n' "$*"; }
die() { printf 'node-deps: ERROR: %s\n' "$*" >&2; exit 1; }

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || die "node/npm are missing and we are not root; install Node.js >= 20.10 first"
  log "node/npm missing: apt-get install nodejs npm"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q nodejs npm
fi

node_version=$(node -p 'process.versions.node')
if ! node -e '
  const [a, b] = process.versions.node.split(".").map(Number);
  process.exit(a > 20 || (a === 20 && b >= 10) ? 0 : 1);'; then
  {
    echo "################################################################################"
    echo "## WARNING: node $node_version is older than 20.10, which Baton requires"
    echo "## (package.json engines). Expect failures; install Node.js 20.10+ (e.g. from"
    echo "## nodejs.org or NodeSource) and re-run."
    echo "################################################################################"
  } >&2
fi

reason=""
if [ ! -d node_modules ]; then
  reason="node_modules missing"
elif [ ! -f node_modules/.package-lock.json ]; then
  reason="node_modules has no install record (node_modules/.package-lock.json)"
elif [ package-lock.json -nt node_modules/.package-lock.json ]; then
  reason="package-lock.json is newer than node_modules"
fi

if [ -n "$reason" ]; then
  log "$reason: npm ci"
  # npm 11 prints an 'install-scripts' notice for packages not listed in package.json
  # "allowScripts"; that is only a warning, the check below tells whether tsx works.
  npm ci --no-audit --no-fund
else
  log "node_modules up to date (node $node_version, npm $(npm --version 2>/dev/null))"
fi

if ! out=$(npx --no-install tsx -e 'console.log(1)' 2>&1) || [ "$(printf '%s' "$out" | tail -n1)" != "1" ]; then
  log "tsx does not run ($out); trying npm rebuild esbuild"
  npm rebuild esbuild
  out=$(npx --no-install tsx -e 'console.log(1)' 2>&1) || die "tsx still does not run: $out"
  [ "$(printf '%s' "$out" | tail -n1)" = "1" ] || die "tsx printed unexpected output: $out"
fi
