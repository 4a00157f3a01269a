#!/usr/bin/env bash
# Crudlify through the full stack, Brygge vs the official localserver (see bench/crud_bench.py).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="$root/.venv/bin/python"
if [ ! -x "$py" ]; then
  echo "bench: $py not found: create the venv (python -m venv .venv && .venv/bin/pip install -e .)" >&2
  exit 1
fi
exec "$py" "$root/bench/crud_bench.py" "$@"
