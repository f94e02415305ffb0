#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the browser tests and the UI benchmark
# (playwright-core drives /usr/bin/chromium; no browser is ever downloaded).
#  - BATON_CHROMIUM set: use that binary.
#  - /usr/bin/chromium missing: apt-get install chromium (needs root).
set -euo pipefail

log() { printf 'chromium: %s\n' "$*"; }
die() { printf 'chromium: ERROR: %s\n' "$*" >&2; exit 1; }

bin="${BATON_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$bin" ]; then
  log "using $bin"
  exit 0
fi
[ -z "${BATON_CHROMIUM:-}" ] || die "BATON_CHROMIUM=$bin is not an executable"
[ "$(id -u)" -eq 0 ] || die "$bin is missing and we are not root: install Debian's chromium package (sudo apt-get install chromium) or set BATON_CHROMIUM"
log "$bin missing: apt-get install chromium"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
[ -x "$bin" ] || die "apt-get installed chromium but $bin is still missing"
log "installed $("$bin" --version 2>/dev/null || echo chromium)"
