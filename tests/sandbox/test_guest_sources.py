"""The guest runtime's sources (sandbox/js): one Node built-in or runtime concern per
file, no file over 1,000 lines, every prelude file named exactly once in the load
order (sandbox/prelude.py), and one EventEmitter and one inspect printer in the guest."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from sandbox import prelude
from sandbox.app import AppInstance

JS = Path(prelude.__file__).resolve().parent / "js"
PRELUDE_DIRS = ("node", "runtime")
APP = {"kind": "source", "entry": "index.js", "files": {
    "index.js": "import {app} from 'codehooks-js';\nexport default app.init();"}}


def _prelude_files() -> list[str]:
    return sorted(p.relative_to(JS).as_posix() for d in PRELUDE_DIRS for p in (JS / d).glob("*.js"))


def test_no_guest_source_is_over_1000_lines() -> None:
    long = {p.relative_to(JS).as_posix(): n for p in JS.rglob("*.js")
            if (n := len(p.read_text().splitlines())) > 1000}
    assert not long


def test_the_load_order_names_every_prelude_file_exactly_once() -> None:
    listed = [f for _, files in prelude.SCOPES for f in files]
    twice = [f for f, n in Counter(listed).items() if n > 1]
    assert not twice
    assert sorted(listed) == _prelude_files()
    # no stray prelude file at the top level: sandbox/js/*.js is codehooks-js only
    assert sorted(p.name for p in JS.glob("*.js")) == ["codehooks.js"]


def test_the_prelude_is_its_scopes_in_order() -> None:
    assert [name for name, _ in prelude.PRELUDE] == [f"brygge:{s}" for s, _ in prelude.SCOPES]
    for (_, src), (_, files) in zip(prelude.PRELUDE, prelude.SCOPES, strict=True):
        pos = [src.index((JS / f).read_text()) for f in files]
        assert pos == sorted(pos)


def _prelude_sources() -> dict[str, str]:
    return {f: (JS / f).read_text() for f in _prelude_files()}


def test_one_eventemitter_and_one_inspect_printer_in_the_guest() -> None:
    """Grep-level: one EventEmitter, one printer; every other inspect delegates to it."""
    src = _prelude_sources()
    emitters = [f for f, s in src.items() for _ in re.finditer(r"\b(class|function) EventEmitter\b", s)]
    assert emitters == ["node/events.js"]
    printers = [f for f, s in src.items() for _ in re.finditer(r"\bfunction (inspect\w*)\s*\(", s)]
    assert printers == ["node/util_inspect.js"]
    others = [(f, m.group(0)) for f, s in src.items()
              for m in re.finditer(r"\b(const|let|var) (inspect\w*)\s*=[^\n]*", s)]
    assert others and all("I.inspectValue(" in line for _, line in others), others


def test_the_datastore_stream_and_the_events_module_are_one_eventemitter() -> None:
    app = AppInstance(APP, lambda op, payload: "")
    try:
        app.inst.eval_script("""globalThis.__ee = async () => {
            const EE = require('events');
            const s = (await DB.open()).getMany('c', {});
            return JSON.stringify([s instanceof EE, EE === require('stream').EventEmitter,
                                   typeof EE.once, EE.defaultMaxListeners]);
        };""")
        app.inst.eval_script("__ee().then((r) => { globalThis.__ee_r = r; });")
        app.inst.run_jobs()
        app.inst.eval_script("globalThis.__ee_get = () => globalThis.__ee_r;")
        assert app.inst.call("__ee_get", "") == '[true,true,"function",10]'
    finally:
        app.close()
