#!/usr/bin/env bash
# Takes a fresh machine to a running Brygge node serving examples/hello:
# creates .venv, installs Brygge, and runs `brygge up --app examples/hello`.
# Extra arguments go to `brygge up` (e.g. --http-port 9090). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "scripts/up.sh: Python 3.11 or newer is required (set PYTHON=...)" >&2
  exit 1
fi
"$PY" scripts/check_lock.py
[ -x .venv/bin/python ] || "$PY" -m venv .venv
# the runtime dependencies at the versions requirements.lock pins (sha256-checked)
quiet() { "$@" >/dev/null 2>&1 || "$@"; }  # quiet when it works; run again to show why not
quiet .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes \
  -r requirements.lock
quiet .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
# npm packages the runtime provides to the official CLI's bundles (lodash, ajv, yup, ...).
# Optional: without npm, a bundle that requires one is refused ("Cannot find module").
if ! command -v npm >/dev/null 2>&1; then
  .venv/bin/python -m sandbox.npm_vendor --if-stale 2>/dev/null \
    || echo "scripts/up.sh: npm not found, so bundles cannot require lodash, ajv, yup, ...;" \
            "install Node.js and npm to have them" >&2
else
  .venv/bin/python -m sandbox.npm_vendor --if-stale \
    || echo "scripts/up.sh: installing the npm packages failed; continuing without them" >&2
fi
exec .venv/bin/brygge up --app examples/hello "$@"
