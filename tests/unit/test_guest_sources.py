"""The guest runtime's sources (sandbox/js): one Node built-in or runtime concern per
file, no file over 1,000 lines, every prelude file named exactly once in the load
order (sandbox/prelude.py), and one EventEmitter and one inspect printer in the guest."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sandbox import prelude

JS = Path(prelude.__file__).resolve().parent / "js"
PRELUDE_DIRS = ("node", "runtime")


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
