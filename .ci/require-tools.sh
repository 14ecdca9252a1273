#!/usr/bin/env bash
# Makes sure the programs the real-concurrency suites need are installed, installing the missing
# ones with apt-get. Arguments are Debian package names: redis-server, postgresql, buildah, crun,
# openssl. Under CI=true a failed install or a program still missing afterwards ends the run
# (exit 1) with the reason: a suite that skips itself there would let CI pass without its proof.
# Elsewhere it only reports, and those suites say they were skipped.
set -uo pipefail

PG_LIB_DIR="${PORTCULLIS_PG_LIB_DIR:-/usr/lib/postgresql}"

present() {
  case "$1" in
    postgresql)
      command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && return 0
      ls "$PG_LIB_DIR"/*/bin/initdb >/dev/null 2>&1 && ls "$PG_LIB_DIR"/*/bin/pg_ctl >/dev/null 2>&1
      ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

what() {
  case "$1" in
    postgresql) echo "PostgreSQL (initdb and pg_ctl on PATH or in $PG_LIB_DIR/*/bin)" ;;
    *) echo "$1" ;;
  esac
}

fail() {
  echo "ci: $*" >&2
  if [ "${CI:-}" = true ]; then exit 1; fi
  echo "ci: not under CI=true, carrying on; the suites that need it will report themselves skipped" >&2
  exit 0
}

missing=()
for pkg in "$@"; do present "$pkg" || missing+=("$pkg"); done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "ci: installing ${missing[*]}"
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
if ! $SUDO apt-get update -qq; then
  fail "apt-get update failed, so ${missing[*]} cannot be installed"
fi
if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  fail "apt-get install ${missing[*]} failed"
fi
# The Debian package starts its own services; the tests start throwaway servers of their own.
$SUDO service redis-server stop >/dev/null 2>&1 || true

still=()
for pkg in "${missing[@]}"; do present "$pkg" || still+=("$(what "$pkg")"); done
if [ ${#still[@]} -gt 0 ]; then
  fail "still missing after apt-get install: ${still[*]}"
fi
exit 0
