"""Drive a real AppInstance (real wasm) the way the executor does: `make_app` builds one
from source files, `invoke` runs one request through `__brygge_invoke` and collects the
emitted response in a `Resp`."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox.app import AppInstance, Invocation

HEAD = "import {app} from 'codehooks-js';\n"


def make_app(index_js: str, files: dict[str, str] | None = None, host_ops: Any = None,
             **kw: Any) -> AppInstance:
    art = {"kind": "source", "entry": "index.js", "files": {"index.js": index_js, **(files or {})}}
    return AppInstance(art, host_ops or (lambda op, payload: ""), **kw)


@dataclass
class Resp:
    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)
    ended: bool = False
    events: list[str] = field(default_factory=list)
    inv: Invocation | None = None
    elapsed: float = 0.0

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        vals = self.all(name)
        return vals[0] if vals else None

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


def invoke(app: AppInstance, method: str, api_path: str, *, query: str = "",
           headers: dict[str, str] | None = None, body: str = "", authed: bool = True,
           auth_error: str = "", deadline: float = 5.0, space: str = "dev",
           cpu: float | None = None) -> Resp:
    resp = Resp()

    def emit(kind: str, data: Any) -> None:
        resp.events.append(kind)
        if kind == "head":
            assert resp.status is None, "head emitted twice"
            resp.status = int(data["status"])
            resp.headers = [(k, v) for k, v in data["headers"]]
        else:
            assert resp.status is not None, f"{kind} before head"
            assert not resp.ended, f"{kind} after end"
            assert isinstance(data, bytes)
            if data:
                resp.chunks.append(data)
            if kind == "end":
                resp.ended = True

    path = f"/{space}{api_path}"
    req = {
        "id": "req-1", "method": method, "path": path, "apiPath": api_path,
        "originalUrl": path + ("?" + query if query else ""), "query": query,
        "headers": {k.lower(): v for k, v in (headers or {}).items()},
        "hostname": "myproject.api.example.org", "ip": "10.1.2.3", "authed": authed,
        "authError": auth_error, "body": body,
    }
    resp.inv = Invocation(emit=emit)
    t0 = time.monotonic()
    app.run("__brygge_invoke", json.dumps(req), resp.inv, deadline, cpu)
    resp.elapsed = time.monotonic() - t0
    return resp
