"""Outbound HTTP from tenant code: fetch() through the host, with SSRF checks on
every hop (sandbox/outbound.py) — attacked with loopback, private, metadata and
redirect-to-internal targets, and used for real against a loopback server that
an operator allow-list admits."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sandbox import outbound
from sandbox.app import AppInstance, Invocation


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/redirect-to?"):
            self.send_response(302)
            self.send_header("location", self.path.split("?", 1)[1])
            self.end_headers()
            return
        if self.path == "/headers":
            body = json.dumps({k.lower(): v for k, v in self.headers.items()}).encode()
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path.startswith("/redirect-internal"):
            self.send_response(302)
            self.send_header("location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
            return
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("location", "/hello?via=redirect")
            self.end_headers()
            return
        body = json.dumps({"path": self.path, "ua": self.headers.get("x-test")}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("set-cookie", "a=1")
        self.send_header("set-cookie", "b=2")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        data = self.rfile.read(int(self.headers["content-length"]))
        self.send_response(201)
        self.send_header("content-type", "text/plain")
        self.end_headers()
        self.wfile.write(b"got " + data + b" as " + self.headers["content-type"].encode())


@pytest.fixture(scope="module")
def server() -> Any:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


ALLOW_LOOPBACK = outbound.parse_allow("127.0.0.0/8")


@pytest.mark.parametrize("url, reason", [
    ("http://127.0.0.1:9/x", "loopback"),
    ("http://localhost:9/x", "loopback"),
    ("http://10.1.2.3/x", "private"),
    ("http://192.168.0.1/x", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[::1]:9/x", "loopback"),
    ("http://0.0.0.0/x", "reserved"),
    ("file:///etc/passwd", "only http and https"),
    ("gopher://example.com/", "only http and https"),
])
def test_internal_targets_are_refused(url: str, reason: str) -> None:
    with pytest.raises(outbound.OutboundRefused) as e:
        outbound.check_url(url, [])
    assert "not allowed" in str(e.value) or reason in str(e.value)


def fetch(req: dict[str, Any], allow: list[Any] = ALLOW_LOOPBACK, max_bytes: int = 1 << 20) -> Any:
    return json.loads(outbound.fetch(json.dumps(req), allow, 5, max_bytes))


def test_allow_list_admits_and_redirects_are_rechecked(server: str) -> None:
    r = fetch({"url": server + "/redirect"})
    assert r["status"] == 200 and r["redirected"] and r["url"].endswith("/hello?via=redirect")
    err = fetch({"url": server + "/redirect-internal"})["error"]
    assert err["code"] == "ERR_BRYGGE_OUTBOUND_REFUSED" and "169.254.169.254" in err["message"]


def test_redirect_modes(server: str) -> None:
    manual = fetch({"url": server + "/redirect", "redirect": "manual"})
    assert manual["status"] == 302 and not manual["redirected"]
    assert ["location", "/hello?via=redirect"] in manual["headers"]
    assert fetch({"url": server + "/redirect", "redirect": "error"})["error"]["code"] == \
        "ERR_BRYGGE_REDIRECT"
    assert fetch({"url": server + "/redirect", "follow": 0})["error"]["code"] == \
        "ERR_BRYGGE_REDIRECTS"
    # the http module's requests never follow
    assert fetch({"url": server + "/redirect", "raw": True})["status"] == 302


def test_failures_are_answered_in_band_with_nodes_codes(server: str) -> None:
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    err = fetch({"url": f"http://127.0.0.1:{port}/"})["error"]
    assert err == {"code": "ECONNREFUSED", "message": f"connect ECONNREFUSED 127.0.0.1:{port}",
                   "syscall": "connect", "address": "127.0.0.1", "port": port, "errno": -111}
    err = fetch({"url": "http://nx.invalid/"})["error"]
    assert err["code"] == "ENOTFOUND" and err["message"] == "getaddrinfo ENOTFOUND nx.invalid"
    assert fetch({"url": "ftp://example.com/"})["error"]["code"] == "ERR_BRYGGE_OUTBOUND_REFUSED"


def test_response_size_cap(server: str) -> None:
    err = fetch({"url": server + "/hello"}, max_bytes=10)["error"]
    assert err["code"] == "ERR_BRYGGE_RESPONSE_TOO_LARGE" and "larger than 10 bytes" in err["message"]


def test_credentials_stay_with_their_origin(server: str) -> None:
    """A redirect to another origin drops Authorization and Cookie (fetch spec)."""
    other = server.replace("127.0.0.1", "localhost")
    r = fetch({"url": server + "/redirect-to?" + other + "/headers",
               "headers": {"authorization": "Bearer secret", "cookie": "s=1", "x-keep": "1"}})
    seen = json.loads(base64.b64decode(r["body"]))
    assert r["redirected"] and "authorization" not in seen and "cookie" not in seen
    assert seen["x-keep"] == "1"
    same = fetch({"url": server + "/redirect-to?" + server + "/headers",
                  "headers": {"authorization": "Bearer secret"}})
    assert json.loads(base64.b64decode(same["body"]))["authorization"] == "Bearer secret"


APP = """
import {app} from 'codehooks-js';
app.auth('/*', (req, res, next) => next());
app.get('/get', async (req, res) => {
  const r = await fetch(req.query.url, {headers: {'x-test': 'brygge'}});
  res.json({status: r.status, ok: r.ok, ct: r.headers.get('content-type'),
            cookies: r.headers.get('set-cookie'), body: await r.json()});
});
app.get('/post', async (req, res) => {
  const nf = require('node-fetch');
  const r = await nf(req.query.url, {method: 'POST', body: JSON.stringify({a: 1}),
                                     headers: {'content-type': 'application/json'}});
  res.json({status: r.status, text: await r.text()});
});
app.get('/blocked', async (req, res) => {
  try { await fetch(req.query.url); res.json({fetched: true}); }
  catch (e) { res.status(502).json({name: e.name, message: e.message}); }
});
export default app.init();
"""


def run(app: AppInstance, path: str, query: str) -> tuple[int, Any]:
    out: list[tuple[str, Any]] = []
    inv = Invocation(emit=lambda k, v: out.append((k, v)))
    req = {"id": "o", "method": "GET", "path": "/dev" + path, "apiPath": path,
           "originalUrl": "/dev" + path, "query": query, "headers": {}, "body": "",
           "authed": True, "hostname": "localhost", "ip": "127.0.0.1"}
    app.run("__brygge_invoke", json.dumps(req), inv, 10)
    head = next(v for k, v in out if k == "head")
    return head["status"], json.loads(b"".join(v for k, v in out if k in ("chunk", "end")))


def make_app(allow: list[Any]) -> AppInstance:
    def ops(op: str, payload: str) -> str:
        return outbound.fetch(payload, allow, 5, 1 << 20)
    return AppInstance({"kind": "source", "entry": "index.js", "files": {"index.js": APP}}, ops)


def test_guest_fetch_and_node_fetch(server: str) -> None:
    from urllib.parse import quote
    app = make_app(ALLOW_LOOPBACK)
    status, body = run(app, "/get", "url=" + quote(server + "/hello?x=1"))
    assert status == 200 and body["status"] == 200 and body["ok"]
    assert body["ct"] == "application/json" and body["cookies"] == "a=1, b=2"
    assert body["body"] == {"path": "/hello?x=1", "ua": "brygge"}
    status, body = run(app, "/post", "url=" + quote(server + "/echo"))
    assert body == {"status": 201, "text": 'got {"a":1} as application/json'}


def test_guest_fetch_to_loopback_is_refused_by_default(server: str) -> None:
    from urllib.parse import quote
    app = make_app([])
    status, body = run(app, "/blocked", "url=" + quote(server + "/hello"))
    assert status == 502 and body["name"] == "TypeError"
    assert body["message"].startswith("fetch failed: 127.0.0.1 resolves to 127.0.0.1")
