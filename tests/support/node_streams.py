"""Differential harness, async form (events, streams, crypto, http): an async function
body runs after `PRE` in real Node (`run_node`) and in the sandbox (`run_sandbox`, which
drives the guest's loop like the host does); each returns the JSON the body produced."""

from __future__ import annotations

import json
import subprocess
import time

from sandbox.app import AppInstance

# Shared by every case, in both runtimes.
PRE = """
const log = [];
const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));
const errInfo = (e) => e && ({name: e.name, code: e.code, message: e.message});
const { Readable, Writable, Duplex, Transform, PassThrough } = require('stream');
"""


def run_node(body: str) -> str:
    script = (f"(async function () {{ {PRE}\n{body} }})().then("
              "(r) => process.stdout.write(JSON.stringify(r)),"
              " (e) => process.stdout.write(JSON.stringify({rejected: String(e)})));")
    p = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def run_sandbox(app: AppInstance, name: str, body: str) -> str:
    """Run the case like the host loop runs an invocation: promise jobs, then due
    timers, until the case's promise settles. Waiting for the guest's next timer is
    the loop's own wait, not a test sleep. Guest console errors fail the case."""
    fn = f"__case_{name}"
    inst = app.inst
    inst.eval_script(
        f"globalThis.{fn} = () => (async function () {{ {PRE}\n{body} }})().then("
        "(r) => JSON.stringify(r), (e) => JSON.stringify({rejected: String(e)}));")
    p = inst.call_handle(fn, "")
    t_end = time.monotonic() + 20
    try:
        while True:
            inst.run_jobs()
            if inst.promise_state(p):
                break
            nxt = float(inst.call("__brygge_tick", "") or -1)
            ran = inst.run_jobs()
            if inst.promise_state(p):
                break
            # Jobs that just ran may have set timers: only no jobs and no timers is final.
            assert nxt >= 0 or ran > 0, "case never settled: no jobs and no timers left"
            assert time.monotonic() < t_end, "case did not settle in time"
            if nxt > 0:
                time.sleep(nxt / 1000)
        out = inst.promise_string(p)
    finally:
        inst.free(p)
    logs = json.loads(inst.call("__brygge_drain", "") or "{}").get("logs", [])
    errors = [entry[1] for entry in logs if entry[0] == "error"]
    assert not errors, errors
    assert out is not None
    return out
