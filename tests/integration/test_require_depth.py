"""A hostile tenant's deep require() chain against a real node, over both executor
transports: each require() of an ES module from CommonJS re-enters the guest from a
host call (sandbox/guestcalls.py), so a chain of a few hundred used to overflow the
Python stack inside wasmtime's ctypes callback and kill the shared router process
(SIGSEGV) with every tenant's requests in it.

Chains of 50 (within the bound, max_guest_reentry = 64), 100, 200 and 400, required
at module load (the deploy) and inside a route (a request): within the bound they
work, past it the deploy is refused naming the limit and the request is a 500 in
the codehooks error shape; the router and executor are the same processes
afterwards, and another space on the node keeps answering."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.nodes import RunningNode, create_space, new_node, pid_alive

DEPTHS = (50, 100, 200, 400)
LIMIT = 64  # the default of settings.max_guest_reentry
TOO_DEEP = f"require() chain too deep: more than {LIMIT} nested host/guest calls"

VICTIM = r"""
import {app} from 'codehooks-js';
app.auth('/*', (req, res, next) => next());
app.get('/ping', (req, res) => res.json({pong: true}));
export default app.init();
"""

ON_REQUEST = r"""
import {app} from 'codehooks-js';
import {createRequire} from 'module';
const require = createRequire(import.meta.url);
app.auth('/*', (req, res, next) => next());
app.get('/chain/:n', (req, res) => res.json({depth: require(`./c${req.params.n}.cjs`).depth}));
export default app.init();
"""

ON_LOAD = r"""
import {app} from 'codehooks-js';
import chain from './c%d.cjs';
app.auth('/*', (req, res, next) => next());
app.get('/depth', (req, res) => res.json({depth: chain.depth}));
export default app.init();
"""


def write_chain(d: Path, depth: int) -> None:
    """c<depth>.cjs requires e0.mjs, which requires e1.mjs ... e<depth-1>.mjs: each
    link an ES module required (not imported), so each nests one guest call."""
    (d / f"c{depth}.cjs").write_text(f"module.exports = require('./d{depth}/e0.mjs');\n")
    (d / f"d{depth}").mkdir()
    for i in range(depth):
        nxt = f"require('./e{i + 1}.mjs').depth + 1" if i + 1 < depth else "1"
        (d / f"d{depth}" / f"e{i}.mjs").write_text(f"export const depth = {nxt};\n")


@dataclass
class Target:
    node: RunningNode
    apps: Path
    pids: dict[str, int]  # components at start


@pytest.fixture(scope="module", params=["inprocess", "grpc"])
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Target]:
    tmp = tmp_path_factory.mktemp("reqdepth")
    n = new_node(tmp, BRYGGE_EXECUTOR_TRANSPORT=request.param)
    n.start()
    try:
        apps = tmp / "apps"
        apps.mkdir()
        victim = apps / "victim"
        victim.mkdir()
        (victim / "index.js").write_text(VICTIM)
        create_space(n, "victim")
        assert n.deploy(victim, space="victim").returncode == 0
        on_request = apps / "on-request"
        on_request.mkdir()
        (on_request / "index.js").write_text(ON_REQUEST)
        for depth in DEPTHS:
            write_chain(on_request, depth)
            on_load = apps / f"on-load-{depth}"
            on_load.mkdir()
            (on_load / "index.js").write_text(ON_LOAD % depth)
            write_chain(on_load, depth)
        d = n.deploy(on_request)
        assert d.returncode == 0, d.stderr
        create_space(n, "onload")
        yield Target(n, apps, dict(n.node_json()["components"]))
    finally:
        n.stop()


def survived(t: Target) -> None:
    """The same router and executor as at start, alive, and another tenant served."""
    now = t.node.node_json()["components"]
    for name in ("router", "executor-0"):
        assert now[name] == t.pids[name] and pid_alive(now[name]), (name, t.pids, now)
    r = t.node.get("/victim/ping")
    assert r.status_code == 200 and r.json() == {"pong": True}, r.text


@pytest.mark.parametrize("depth", DEPTHS)
def test_a_deep_chain_required_in_a_route(target: Target, depth: int) -> None:
    node = target.node
    r = node.get(f"/dev/chain/{depth}")
    if depth <= LIMIT:
        assert r.status_code == 200 and r.json() == {"depth": depth}, r.text
    else:
        assert r.status_code == 500, r.text
        body = r.json()
        assert body["error"] == "Unhandled Codehook exception, check logs" and body["requestId"]
        assert body["detail"].startswith("RangeError: " + TOO_DEEP), body
    survived(target)
    # the tenant's instance is still usable (a JS error, not a dead instance)
    assert node.get(f"/dev/chain/{DEPTHS[0]}").json() == {"depth": DEPTHS[0]}


@pytest.mark.parametrize("depth", DEPTHS)
def test_a_deep_chain_required_at_module_load(target: Target, depth: int) -> None:
    node = target.node
    d = node.deploy(target.apps / f"on-load-{depth}", space="onload")
    if depth <= LIMIT:
        assert d.returncode == 0, d.stderr
        assert node.get("/onload/depth").json() == {"depth": depth}
    else:
        assert d.returncode != 0
        assert TOO_DEEP in d.stderr and "BRYGGE_MAX_GUEST_REENTRY" in d.stderr, d.stderr
    survived(target)
