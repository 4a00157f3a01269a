#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: creates .venv, installs Brygge
# with its test extras, checks lint, then runs every test (unit, integration
# against real NATS/RocksDB/wasm/HTTP, the official codehooks CLI from npm, and
# Debian's chromium driven by Playwright for the browser tests).
# Python packages come from requirements-test.lock (exact versions, sha256 hashes).
# `scripts/test.sh --latest` instead runs the suite in .venv-latest against the newest
# versions pyproject.toml's ranges allow, and first lists where they differ from the lock,
# so upstream drift shows up as named test failures before it reaches a user's first run.
set -euo pipefail
cd "$(dirname "$0")/.."
LATEST=0
if [ "${1:-}" = "--latest" ]; then LATEST=1; shift; fi

PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "scripts/test.sh: Python 3.11 or newer is required (set PYTHON=...)" >&2
  exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm not found: installing Node.js and npm (needed for the official CLI tests)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq nodejs npm
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq nodejs npm
  fi
fi
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  echo "chromium not found: installing Debian's chromium (the realtime browser tests)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
fi
# A dependency added to pyproject.toml without a re-lock stops here, named.
"$PY" scripts/check_lock.py
quiet() { "$@" >/dev/null 2>&1 || "$@"; }  # quiet when it works; run again to show why not
if [ "$LATEST" = 1 ]; then
  VENV=.venv-latest
  [ -x $VENV/bin/python ] || "$PY" -m venv $VENV
  quiet $VENV/bin/python -m pip install -q --disable-pip-version-check -U --upgrade-strategy eager \
    -e '.[test]'
  $VENV/bin/python scripts/check_lock.py --drift
else
  VENV=.venv
  [ -x $VENV/bin/python ] || "$PY" -m venv $VENV
  quiet $VENV/bin/python -m pip install -q --disable-pip-version-check --require-hashes \
    -r requirements-test.lock
  quiet $VENV/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
fi
$VENV/bin/python -m pip check
# npm packages the runtime provides to webpack bundles (lodash, ajv, yup, ...): pinned by
# sandbox/vendor/package-lock.json; npm ci runs when node_modules is missing or differs.
$VENV/bin/python -m sandbox.npm_vendor --if-stale
$VENV/bin/ruff check .
# The floors (pyproject.toml [tool.importlinter]): a wrong-way or circular import, lazy ones
# included, fails here by name.
$VENV/bin/lint-imports --no-cache
# Three workers by default on the 2-core CI box (tests/conftest.py groups them by module):
# much of the suite waits on real nodes (start-up, cron ticks, kill and restart), so a
# third module in flight fills the cores while the others wait. BRYGGE_TEST_WORKERS=0
# runs everything in this one process.
# Bytecode is cached even where the environment turns that off (PYTHONDONTWRITEBYTECODE):
# the suite starts a few hundred Python processes (five per node, one per CLI call), and
# without __pycache__ each compiles Brygge's sources anew -- about 1.3 s of CPU per node.
unset PYTHONDONTWRITEBYTECODE
exec $VENV/bin/python -m pytest -q -p no:cacheprovider -n "${BRYGGE_TEST_WORKERS:-3}" "$@"
