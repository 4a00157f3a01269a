"""SSRF through the internal gateway, on a real node over both executor transports:
app.internalFetch may reach this node's router on loopback, but only while a hop
stays on the router's origin (sandbox/outbound.py `Home`). A tenant route that
answers a redirect to the admin API, to another loopback service or to the router
under another name is checked like any outbound fetch: refused, nothing of the
target's body reaches the app. A redirect elsewhere that the outbound rules allow
is followed without the signed internal header. Redirects on the router itself
(same origin) are followed (the router checks the credential per space)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

import pytest

from sandbox import internal
from tests.support.nodes import RunningNode, new_node, write_app

SECRET = "loopback-secret-body-7f3a"

APP = r"""
import {app} from 'codehooks-js';
app.auth('/*', (req, res, next) => next());
app.get('/hop', (req, res) => { res.status(302); res.set('location', req.query.to); res.end(); });
app.get('/hello', (req, res) => res.json({hello: 'same space',
                                         signed: 'x-brygge-internal' in req.headers}));
async function answer(res, p) {
  try {
    const r = await p;
    res.json({status: r.status, url: r.url, redirected: r.redirected, body: await r.text()});
  } catch (e) {
    res.status(502).json({error: String(e), code: e.cause ? String(e.cause.code) : null,
                          cause: e.cause ? String(e.cause.message) : null});
  }
}
app.get('/via-internal', (req, res) => answer(res, app.internalFetch(
  `http://${req.headers.host}/dev/hop?to=${encodeURIComponent(req.query.to)}`)))
app.get('/via-gateway', (req, res) => answer(res, fetch(
  `http://apigateway-service:8888/dev/hop?to=${encodeURIComponent(req.query.to)}`,
  {headers: {host: req.headers.host}})))
app.get('/via-own-host', (req, res) => answer(res, fetch(
  `http://${req.headers.host}/dev/hop?to=${encodeURIComponent(req.query.to)}`)))
export default app.init();
"""


@dataclass
class Local:
    """A loopback HTTP service the tenant must not reach; it records what reached it."""
    url: str
    seen: list[dict[str, str]] = field(default_factory=list)


def serve(host: str) -> tuple[ThreadingHTTPServer, Local]:
    local = Local("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            local.seen.append({k.lower(): v for k, v in self.headers.items()})
            data = json.dumps({"secret": SECRET}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a: Any) -> None:
            pass

    srv = ThreadingHTTPServer((host, 0), Handler)
    local.url = f"http://{host}:{srv.server_address[1]}"
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, local


@dataclass
class Target:
    node: RunningNode
    hidden: Local  # on 127.0.0.1: loopback, refused
    allowed: Local  # on 127.0.0.2, which BRYGGE_OUTBOUND_ALLOW admits: an "outside" host


@pytest.fixture(scope="module", params=["inprocess", "grpc"])
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Target]:
    tmp = tmp_path_factory.mktemp("iredir")
    s1, hidden = serve("127.0.0.1")
    s2, allowed = serve("127.0.0.2")
    n = new_node(tmp, BRYGGE_EXECUTOR_TRANSPORT=request.param,
                 BRYGGE_OUTBOUND_ALLOW="127.0.0.2/32")
    n.start()
    try:
        d = n.deploy(write_app(tmp, "app", APP))
        assert d.returncode == 0, d.stderr
        yield Target(n, hidden, allowed)
    finally:
        n.stop()
        s1.shutdown()
        s2.shutdown()


def via(t: Target, route: str, to: str) -> Any:
    r = t.node.get(f"/dev/{route}?to={quote(to, safe='')}")
    assert r.status_code in (200, 502), r.text
    return r.json()


@pytest.mark.parametrize("route", ["via-internal", "via-gateway"])
@pytest.mark.parametrize("where", ["admin /openapi.json", "admin /health", "local service",
                                   "router by another name"])
def test_a_redirect_off_the_router_is_an_outbound_fetch(target: Target, route: str,
                                                        where: str) -> None:
    port = target.node.http_port
    to = {"admin /openapi.json": target.node.admin + "/openapi.json",
          "admin /health": target.node.admin + "/health",
          "local service": target.hidden.url + "/private",
          "router by another name": f"http://localhost:{port}/dev/hello"}[where]
    assert target.node.get("/dev/hop?to=x").status_code == 302  # the route redirects
    out = via(target, route, to)
    assert out.get("code") == "ERR_BRYGGE_OUTBOUND_REFUSED", out
    assert "not allowed" in out["cause"], out
    text = json.dumps(out)
    assert SECRET not in text and "openapi" not in text.replace(to, "") and "paths" not in text
    assert not target.hidden.seen  # never even connected


@pytest.mark.parametrize("route", ["via-internal", "via-gateway"])
def test_a_redirect_the_outbound_rules_allow_goes_without_the_internal_header(
        target: Target, route: str) -> None:
    before = len(target.allowed.seen)
    out = via(target, route, target.allowed.url + "/open")
    assert out["status"] == 200 and out["redirected"] and SECRET in out["body"], out
    got = target.allowed.seen[before:]
    assert len(got) == 1 and internal.HEADER not in got[0], got


@pytest.mark.parametrize("route", ["via-internal", "via-gateway"])
def test_the_first_hop_and_redirects_on_the_router_still_work(target: Target, route: str) -> None:
    out = via(target, route, "/dev/hello")  # relative: same origin, the router
    assert out["status"] == 200 and out["redirected"], out
    # the router took the signed header for this space (and hid it from the app)
    assert json.loads(out["body"]) == {"hello": "same space", "signed": False}


def test_a_fetch_of_the_nodes_own_api_host_is_refused_at_the_first_hop(target: Target) -> None:
    out = via(target, "via-own-host", target.node.admin + "/health")
    assert out.get("code") == "ERR_BRYGGE_OUTBOUND_REFUSED" and "127.0.0.1" in out["cause"], out
    assert not target.hidden.seen
