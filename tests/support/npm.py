"""Real npm packages for tests: `installed` npm-installs a pinned package once into
tests/.cache/npm/<name>; `run_both` runs a lib.mjs's `run(payload)` in the sandbox (as a
deployed app) and in real Node and returns both results."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from control_plane.deploy import pack
from sandbox.app import AppInstance
from tests.support.nodes import ROOT
from tests.support.sandbox_app import invoke

CACHE = ROOT / "tests" / ".cache" / "npm"


PACKAGES = {
    "stripe": "stripe@17.7.0", "jsonwebtoken": "jsonwebtoken@9.0.2", "svix": "svix@1.99.1",
    "handlebars": "handlebars@4.7.8", "ajv": "ajv@8.17.1", "zod": "zod@3.25.76",
    "yup": "yup@1.6.1", "lodash": "lodash@4.17.21", "busboy": "busboy@1.6.0",
    "form-data": "form-data@4.0.1", "tweetnacl": "tweetnacl@1.0.3", "openai": "openai@5.23.2",
    "codehooks-js": "codehooks-js@1.4.3",
}


INDEX = """import {app} from 'codehooks-js';
import {run} from './lib.mjs';
app.post('/run', async (req, res) => {
  try { res.json({ok: await run(req.body)}); }
  catch (e) { res.status(500).json({error: String(e && e.stack || e)}); }
});
export default app.init();
"""


RUN_NODE = ("import {run} from './lib.mjs';\n"
            "const r = await run(JSON.parse(process.argv[1]));\n"
            "process.stdout.write(JSON.stringify({ok: r}));\n")


def installed(name: str) -> Path:
    """tests/.cache/npm/<name> with the package in node_modules (npm install once)."""
    where = CACHE / name
    pkg_name = PACKAGES[name].rsplit("@", 1)[0]
    if not (where / "node_modules" / pkg_name / "package.json").exists():
        if shutil.which("npm") is None:
            pytest.fail("npm is needed to install the test packages")
        where.mkdir(parents=True, exist_ok=True)
        (where / "package.json").write_text('{"name": "brygge-test", "private": true}\n')
        r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
                            PACKAGES[name]], cwd=where, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
    return where


def app_dir(tmp: Path, name: str, lib: str) -> Path:
    (tmp / "index.js").write_text(INDEX)
    (tmp / "lib.mjs").write_text(lib)
    (tmp / "node_modules").symlink_to(installed(name) / "node_modules")
    return tmp


def run_both(tmp: Path, name: str, lib: str, payload: Any,
             host_ops: Any = None) -> tuple[Any, Any]:
    """(sandbox result, Node result) of lib.mjs's run(payload)."""
    d = app_dir(tmp, name, lib)
    art = pack(d)
    assert not any(p.startswith("node_modules/") and p.endswith(".d.ts") for p in art["files"])
    a = AppInstance(art, host_ops or (lambda op, p: ""))
    r = invoke(a, "POST", "/run", body=json.dumps(payload),
               headers={"content-type": "application/json"}, deadline=30)
    assert r.status == 200, (r.text, r.inv.logs)
    ours = r.json()["ok"]
    if shutil.which("node") is None:  # never compare the sandbox with itself
        pytest.fail("node is needed to compare the sandbox with Node")
    p = subprocess.run(["node", "--input-type=module", "-e", RUN_NODE, json.dumps(payload)],
                       cwd=d, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return ours, json.loads(p.stdout)["ok"]
