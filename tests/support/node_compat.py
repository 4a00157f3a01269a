"""Differential harness, synchronous form: `APP` is the empty codehooks app a case runs
in, `run_node` runs a function body in real Node and returns the JSON it printed."""

from __future__ import annotations

import subprocess

APP = {"kind": "source", "entry": "index.js", "files": {
    "index.js": "import {app} from 'codehooks-js';\nexport default app.init();"}}


def run_node(body: str) -> str:
    script = f"const r = (function () {{ {body} }})(); process.stdout.write(JSON.stringify(r));"
    p = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return p.stdout
