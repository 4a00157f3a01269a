"""The built-in codehooks-js driven in-process: `deploy` packs an app as `brygge deploy`
does into an AppInstance over its own real RocksDB engine (`engines` closes them), and
`send` runs one `Row` (a request with <idN> placeholders) through it."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from control_plane.deploy import pack
from sandbox.app import AppInstance
from storage.engine import Engine
from storage.errors import StorageError
from tests.support.npm import installed
from tests.support.sandbox_app import Resp, invoke

SID = "codehooksts1"


JSON_CT = {"content-type": "application/json"}


HostOp = Callable[[str], str]


def storage_ops(engine: Engine, extra: dict[str, HostOp] | None = None) -> Callable[[str, str], str]:
    """Host ops as the executor answers them: storage ops go to the engine."""
    def ops(op: str, payload: str) -> str:
        if extra and op in extra:
            return extra[op](payload)
        try:
            return engine.call(SID, op, payload.encode()).decode()
        except StorageError as e:
            return f"\0{e.name}\0{e}"
    return ops


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    opened: list[Engine] = []
    yield opened
    for e in opened:
        e.close()


@pytest.fixture
def deploy(tmp_path: Path, engines: list[Engine]) -> Callable[..., AppInstance]:
    """deploy(index_js, files={}, packages=(), real=False, extra_ops=None): the app
    packed as `brygge deploy` packs it, in an AppInstance over its own engine."""
    n = [0]

    def make(index: str, files: dict[str, str] | None = None, packages: tuple[str, ...] = (),
             real: bool = False, extra_ops: dict[str, HostOp] | None = None) -> AppInstance:
        n[0] += 1
        d = tmp_path / f"app{n[0]}"
        d.mkdir()
        (d / "index.js").write_text(index)
        for rel, text in (files or {}).items():
            (d / rel).parent.mkdir(parents=True, exist_ok=True)
            (d / rel).write_text(text)
        names = [*packages, "codehooks-js"] if real else list(packages)
        if names:
            (d / "node_modules").mkdir()
            for name in names:
                for p in (installed(name) / "node_modules").iterdir():
                    if not (d / "node_modules" / p.name).exists():
                        os.symlink(p, d / "node_modules" / p.name)
        art = pack(d)
        assert ("node_modules/codehooks-js/index.js" in art["files"]) == real
        engine = Engine(str(tmp_path / f"db{n[0]}"))
        engines.append(engine)
        return AppInstance(art, storage_ops(engine, extra_ops), eval_timeout_s=30)
    return make


@dataclass
class Row:
    method: str
    path: str
    query: str = ""
    body: Any = None
    authed: bool = True
    ours: tuple[int, str] | None = None  # Brygge's (status, body part) where 1.4.3 differs

    def __str__(self) -> str:
        return f"{self.method} {self.path}{'?' + self.query if self.query else ''}" + \
            ("" if self.authed else " (no token)")


def send(app: AppInstance, row: Row, ids: dict[str, str]) -> Resp:
    back = {v: k for k, v in ids.items()}
    fill = lambda s: re.sub(r"<id\d+>", lambda m: back.get(m.group(0), "0" * 24), s)  # noqa: E731
    body = row.body if row.body is None or isinstance(row.body, str) else json.dumps(row.body)
    text = isinstance(row.body, str)
    ctype = {} if row.body is None else {"content-type": "text/plain"} if text else JSON_CT
    return invoke(app, row.method, fill(row.path), query=fill(row.query), body=body or "",
                  headers=ctype, authed=row.authed, deadline=30)
