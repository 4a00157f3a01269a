"""TypeScript apps (index.ts, relative .ts imports) deploy without a bundler:
types are stripped at module load; syntax errors refuse the deploy with the file."""

from __future__ import annotations

import json

import pytest

from control_plane.deploy import pack
from sandbox.app import AppInstance, DeployError, Invocation

APP = {
    "index.ts": (
        "import {app} from 'codehooks-js';\n"
        "import {greet, type Greeting} from './lib/util';\n"
        "interface Person { name: string; age?: number }\n"
        "enum Level { Low = 'low', High = 'high' }\n"
        "const p: Person = { name: 'Ola' };\n"
        "app.auth('/*', (req: any, res: any, next: () => void) => next());\n"
        "app.get('/ts', (req: any, res: any) => {\n"
        "  const g: Greeting = greet(p.name);\n"
        "  res.json({ msg: g, level: Level.High, n: (req.query.n as string) ?? 'none' });\n"
        "});\n"
        "export default app.init();\n"),
    "lib/util.ts": ("export type Greeting = string;\n"
                    "export function greet(n: string): Greeting { return `hei ${n}`; }\n"),
}


def request(app: AppInstance, path: str) -> bytes:
    out: list[tuple[str, object]] = []
    inv = Invocation(emit=lambda k, v: out.append((k, v)))
    req = {"id": "t", "method": "GET", "path": "/dev" + path, "apiPath": path,
           "originalUrl": "/dev" + path, "query": "", "headers": {}, "body": "", "authed": True,
           "hostname": "localhost", "ip": "127.0.0.1"}
    app.run("__brygge_invoke", json.dumps(req), inv, 5)
    return out[-1][1]  # type: ignore[return-value]


def test_typescript_app_runs() -> None:
    app = AppInstance({"kind": "source", "entry": "index.ts", "files": APP}, lambda o, p: "")
    assert json.loads(request(app, "/ts")) == {"msg": "hei Ola", "level": "high", "n": "none"}


def test_typescript_syntax_error_names_the_file() -> None:
    files = {**APP, "lib/util.ts": "export function greet(n: string: Greeting {}\n"}
    with pytest.raises(DeployError, match=r"TypeScript in lib/util\.ts"):
        AppInstance({"kind": "source", "entry": "index.ts", "files": files}, lambda o, p: "")


def test_pack_picks_index_ts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for name, text in APP.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    art = pack(tmp_path)
    assert art["entry"] == "index.ts" and set(art["files"]) == set(APP)
