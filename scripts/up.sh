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
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e . >/dev/null 2>&1 \
  || .venv/bin/python -m pip install --disable-pip-version-check -e .  # show why it failed
# npm packages the runtime provides to the official CLI's bundles (lodash, ajv, yup, ...).
# Optional: without npm, a bundle that uses one fails on first use with a message naming the fix.
if [ ! -d sandbox/vendor/node_modules ] && command -v npm >/dev/null 2>&1; then
  .venv/bin/python -m sandbox.modules vendor || echo "scripts/up.sh: vendoring npm packages failed; continuing without them" >&2
fi
exec .venv/bin/brygge up --app examples/hello "$@"
