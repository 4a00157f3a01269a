#!/usr/bin/env bash
# Re-locks the whole Python dependency set from pyproject.toml's ranges:
#   requirements.lock       the runtime dependencies (scripts/up.sh, deployments)
#   requirements-test.lock  the runtime pins plus the test extra (scripts/test.sh, CI)
# Both pin every package with ==, carry sha256 hashes (pip --require-hashes), and are
# resolved for CI's target, CPython 3.11 on linux x86_64, whatever machine runs this.
# Run it after changing a dependency in pyproject.toml and commit both files;
# tests/unit/test_install_lock.py fails naming any pyproject dependency the locks miss.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.8  # the resolver itself is pinned so a re-lock is reproducible
PY=${PYTHON:-python3}
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
"$PY" -m venv "$tools/venv"
"$tools/venv/bin/python" -m pip install -q --disable-pip-version-check "uv==$UV_VERSION" 2>/dev/null \
  || "$tools/venv/bin/python" -m pip install --disable-pip-version-check "uv==$UV_VERSION"
target=(--python-version 3.11 --python-platform x86_64-manylinux_2_28 --generate-hashes
        --no-strip-extras --quiet)
uv="$tools/venv/bin/uv"
# Resolve the runtime set first, then the test set constrained to it, so the runtime
# packages carry the same pins in both files.
"$uv" pip compile pyproject.toml "${target[@]}" -o requirements.lock
"$uv" pip compile pyproject.toml --extra test -c requirements.lock "${target[@]}" \
  -o requirements-test.lock
echo "scripts/lock.sh: wrote requirements.lock ($(grep -c '^[a-z]' requirements.lock) packages)" \
     "and requirements-test.lock ($(grep -c '^[a-z]' requirements-test.lock) packages)"
