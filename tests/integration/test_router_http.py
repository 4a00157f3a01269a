"""The router's HTTP behaviour on a real node: gzip for clients that accept it (one
piece and streamed), X-Forwarded-* from trusted proxies only, one JSON error shape
with a request id (stacks in dev mode), and app.openapi()'s /docs and /openapi.json."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.nodes import RunningNode, new_node, wait_until

APP = r"""
import {app, Datastore} from 'codehooks-js';
app.openapi({info: {title: 'Router test'}});
app.auth('/*', (req, res, next) => next());
app.get('/big', (req, res) => res.json({items: Array.from({length: 500}, (_, i) => ({i, s: 'text ' + i}))}));
app.get('/small', (req, res) => res.json({ok: true}));
app.get('/png', (req, res) => { res.set('content-type', 'image/png'); res.end('x'.repeat(5000)); });
app.get('/own-encoding', (req, res) => {
  res.set('content-type', 'text/plain'); res.set('content-encoding', 'identity'); res.end('y'.repeat(5000));
});
app.get('/etag', (req, res) => { res.set('etag', '"v1"'); res.json({pad: 'z'.repeat(3000)}); });
app.get('/chunks', async (req, res) => {
  res.set('content-type', 'text/plain');
  for (let i = 0; i < 5; i++) {
    res.write('chunk ' + i + ' ' + 'w'.repeat(2000) + '\n');
    await new Promise((r) => setTimeout(r, 5));
  }
  res.end();
});
app.get('/sse', async (req, res) => {
  res.set('content-type', 'text/event-stream');
  res.write('data: one\n\n');
  await new Promise((r) => setTimeout(r, 5));
  res.write('data: two\n\n'); res.end();
});
app.post('/load', async (req, res) => {
  const c = await Datastore.open();
  await c.insertMany('rows', Array.from({length: 2000}, (_, i) => ({i, name: 'row ' + i})));
  res.json({ok: true});
});
app.get('/rows', async (req, res) => { const c = await Datastore.open(); c.getMany('rows', {}).json(res); });
app.get('/who', (req, res) => res.json({hostname: req.hostname, ip: req.ip, protocol: req.protocol,
  xff: req.headers['x-forwarded-for'], xfh: req.headers['x-forwarded-host'],
  xfp: req.headers['x-forwarded-proto'], real: req.headers['x-real-ip']}));
app.get('/throw', (req, res) => { throw new TypeError('boom in the app'); });
app.crudlify({}, {prefix: '/crud'});
export default app.init();
"""


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("routerhttp")
    app = tmp / "app"
    app.mkdir()
    (app / "index.js").write_text(APP)
    n = new_node(tmp, BRYGGE_DEV_MODE="1", BRYGGE_TRUSTED_PROXIES="127.0.0.1",
                 BRYGGE_METER_FLUSH_S="0.2")
    n.start()
    d = n.deploy(app)
    assert d.returncode == 0, d.stderr
    assert n.post("/dev/load").status_code == 200
    yield n
    n.stop()


def raw_get(node: RunningNode, path: str, headers: dict[str, str] | None = None
            ) -> tuple[httpx.Response, list[bytes]]:
    """The response head and its body chunks as they came off the wire (not decoded)."""
    with httpx.Client(timeout=30) as c, c.stream("GET", node.base + path,
                                                 headers=headers or {}) as r:
        return r, list(r.iter_raw())


GZ = {"accept-encoding": "gzip"}
ID = {"accept-encoding": "identity"}


def test_one_piece_json_is_gzipped_for_a_client_that_accepts_it(node: RunningNode) -> None:
    r, chunks = raw_get(node, "/dev/big", GZ)
    body = b"".join(chunks)
    assert r.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in r.headers["vary"].lower()
    assert int(r.headers["content-length"]) == len(body)
    data = json.loads(gzip.decompress(body))
    assert data["items"][499] == {"i": 499, "s": "text 499"}
    plain, pchunks = raw_get(node, "/dev/big", ID)
    assert "content-encoding" not in plain.headers
    assert json.loads(b"".join(pchunks)) == data
    assert len(body) < len(b"".join(pchunks)) / 3


@pytest.mark.parametrize(("path", "why"), [
    ("/dev/small", "below compress_min_bytes"),
    ("/dev/png", "not a textual type"),
    ("/dev/own-encoding", "the app set Content-Encoding"),
    ("/dev/sse", "Server-Sent Events are never held back"),
])
def test_not_gzipped(node: RunningNode, path: str, why: str) -> None:
    r, _ = raw_get(node, path, GZ)
    assert r.status_code == 200
    assert r.headers.get("content-encoding", "identity") == "identity", why


def test_etag_becomes_weak_when_gzipped(node: RunningNode) -> None:
    r, _ = raw_get(node, "/dev/etag", GZ)
    assert r.headers["content-encoding"] == "gzip"
    assert r.headers["etag"] == 'W/"v1"'
    r, _ = raw_get(node, "/dev/etag", ID)
    assert r.headers["etag"] == '"v1"'


def test_streamed_bodies_are_gzipped_chunk_by_chunk(node: RunningNode) -> None:
    r, chunks = raw_get(node, "/dev/chunks", GZ)
    assert r.headers["content-encoding"] == "gzip"
    assert "content-length" not in r.headers
    d = zlib.decompressobj(31)
    text = b"".join(d.decompress(c) for c in chunks) + d.flush()
    assert text.decode().splitlines()[4].startswith("chunk 4 ")
    # a streamed datastore query: 2,000 documents, gzipped, whole
    r, chunks = raw_get(node, "/dev/rows", GZ)
    assert r.headers["content-encoding"] == "gzip"
    rows = json.loads(gzip.decompress(b"".join(chunks)))
    assert len(rows) == 2000 and {x["i"] for x in rows} == set(range(2000))


def test_head_has_no_body(node: RunningNode) -> None:
    r = httpx.head(node.base + "/dev/big", headers=GZ, timeout=30)
    assert r.status_code == 200 and r.content == b""


def test_forwarded_headers_from_the_trusted_proxy(node: RunningNode) -> None:
    r = node.get("/dev/who", headers={"x-forwarded-for": "203.0.113.7",
                                      "x-forwarded-host": "shop.example.com",
                                      "x-forwarded-proto": "https"})
    assert r.json() == {"hostname": "shop.example.com", "ip": "203.0.113.7", "protocol": "https",
                        "xff": "203.0.113.7", "xfh": "shop.example.com", "xfp": "https",
                        "real": "203.0.113.7"}
    # nginx's X-Real-IP alone
    r = node.get("/dev/who", headers={"x-real-ip": "203.0.113.9"})
    assert r.json()["ip"] == "203.0.113.9"
    # no proxy headers: the peer and the Host header, plain http
    r = node.get("/dev/who")
    assert r.json() == {"hostname": "127.0.0.1", "ip": "127.0.0.1", "protocol": "http",
                        "xff": "127.0.0.1", "xfh": f"127.0.0.1:{node.http_port}", "xfp": "http",
                        "real": "127.0.0.1"}


def test_forwarded_host_names_the_project(node: RunningNode) -> None:
    r = node.get("/dev/who", headers={"x-forwarded-host": "brygge.api.example.com"})
    assert r.status_code == 200 and r.json()["hostname"] == "brygge.api.example.com"
    r = node.get("/dev/who", headers={"x-forwarded-host": "nosuchproject.api.example.com"})
    assert r.status_code == 404 and "nosuchproject" in r.json()["error"]


ERRORS = [
    # path, method, status, words in the error
    ("/", "GET", 404, "no space in the URL"),
    ("/nospace/x", "GET", 404, "no space 'nospace'"),
    ("/dev/nothing/here", "GET", 404, "No route matches GET /nothing/here"),
    ("/dev/" + "x" * 9000, "GET", 414, "URL is longer than"),
    ("/dev/throw", "GET", 500, "Unhandled Codehook exception"),
]


@pytest.mark.parametrize(("path", "method", "status", "words"), ERRORS)
def test_errors_share_one_json_shape(node: RunningNode, path: str, method: str, status: int,
                                     words: str) -> None:
    r = httpx.request(method, node.base + path, timeout=30)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert isinstance(body.get("error") or body.get("message"), str), body
    assert words in json.dumps(body)
    if status >= 500 or words:
        assert body["requestId"] == r.headers["x-request-id"], body


def test_dev_mode_errors_carry_the_app_stack(node: RunningNode) -> None:
    body = node.get("/dev/throw").json()
    assert body["detail"] == "TypeError: boom in the app"
    assert "boom in the app" in body["stack"] or "index.js" in body["stack"]


def test_openapi_docs_and_spec_are_served(node: RunningNode) -> None:
    spec = node.get("/dev/openapi.json")
    assert spec.status_code == 200 and spec.headers["content-type"].startswith("application/json")
    doc = spec.json()
    assert doc["openapi"] == "3.0.3" and doc["info"]["title"] == "Router test"
    assert "/crud/{collection}" in doc["paths"] or any(p.startswith("/crud") for p in doc["paths"])
    assert "/big" in doc["paths"] and list(doc["paths"]) == sorted(doc["paths"])
    ui = node.get("/dev/docs")
    assert ui.status_code == 200 and ui.headers["content-type"].startswith("text/html")
    assert "swagger-ui" in ui.text and "openapi.json" in ui.text


def test_crudlify_keeps_its_text_errors(node: RunningNode) -> None:
    # spec §5: crudlify's own 400/404 answers are text (codehooks-js compatibility)
    r = node.get("/dev/crud/items/000000000000000000000000")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/")
    r = node.get("/dev/crud/items?q={bad")
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/")


def test_api_calls_and_invocations_are_metered(node: RunningNode) -> None:
    def usage() -> dict[str, Any]:
        r = httpx.get(f"{node.base}/dev/_A_D_M_usage", headers={"x-admintoken": node.admin_token},
                      timeout=30)
        assert r.status_code == 200, r.text
        return next(u for u in r.json() if u["_id"] == "dev")

    before = usage()
    for _ in range(5):
        assert node.get("/dev/small").status_code == 200
    # Counted in the router, flushed to storage every BRYGGE_METER_FLUSH_S (0.2 s here); an
    # invocation is counted when it ends, which may be after its response and a flush.
    after = wait_until(lambda: (u := usage())["api"] >= before["api"] + 5
                       and u["codehook_invocation"] >= before["codehook_invocation"] + 5 and u,
                       30, "metered API calls and invocations")
    assert after["codehook_time"] >= before["codehook_time"]


def test_json_body_errors(node: RunningNode, tmp_path: Path) -> None:
    r = httpx.post(node.base + "/dev/crud/items", content=b'{"a": ', timeout=30,
                   headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["requestId"] == r.headers["x-request-id"]
