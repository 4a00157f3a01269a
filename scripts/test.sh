#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: creates .venv, installs Brygge
# with its test extras, checks lint, then runs every test (unit, integration
# against real NATS/RocksDB/wasm/HTTP, the official codehooks CLI from npm, and
# Debian's chromium driven by Playwright for the browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."

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
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]' >/dev/null 2>&1 \
  || .venv/bin/python -m pip install --disable-pip-version-check -e '.[test]'  # show why it failed
# npm packages the runtime provides to webpack bundles (lodash, ajv, yup, ...): pinned by
# sandbox/vendor/package-lock.json, installed once.
[ -d sandbox/vendor/node_modules ] || .venv/bin/python -m sandbox.modules vendor
.venv/bin/ruff check .
# Two workers by default (tests/conftest.py groups them by module); BRYGGE_TEST_WORKERS=0
# runs everything in this one process.
exec .venv/bin/python -m pytest -q -p no:cacheprovider -n "${BRYGGE_TEST_WORKERS:-2}" "$@"
