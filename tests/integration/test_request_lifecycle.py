"""On real nodes, over both executor transports (in-process and gRPC):
app.internalFetch (an app calls its own API through the node's router, signed for
its own space — sandbox/internal.py), work after the response (the client gets
the response when the app ends it, not when the invocation finishes), and binary
request bodies reaching `req.pipe` byte for byte."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox import internal
from tests.support.nodes import RunningNode, new_node, wait_until

APP = r"""
import {app, Datastore, filestore} from 'codehooks-js';
import crypto from 'crypto';
app.get('/inner', (req, res) => res.json({inner: true, sawSigned: 'x-brygge-internal' in req.headers,
                                           q: req.query.q || null}));
app.get('/outer', async (req, res) => {
  // what codehooks-js 1.4.3's internalFetch does: the gateway service name + host header
  const r = await fetch('http://apigateway-service:8888/dev/inner?q=hi', {headers: {host: req.headers.host}});
  res.status(r.status).json({via: 'gateway', status: r.status, body: await r.json()});
});
app.get('/outer-builtin', async (req, res) => {
  const r = await app.internalFetch(`http://${req.headers.host}/dev/inner?q=builtin`);
  res.json(await r.json());
});
app.get('/outer-missing', async (req, res) => {
  const r = await fetch('http://apigateway-service:8888/dev/nope');
  res.json({status: r.status});
});
app.get('/work-after', async (req, res) => {
  const c = await Datastore.open();
  res.end('answered');
  // keeps running after the response, until another request releases it
  while (!(await c.get('release'))) await new Promise((r) => setTimeout(r, 10));
  await c.set('finished', 'yes');
});
app.post('/release', async (req, res) => {
  const c = await Datastore.open(); await c.set('release', 'go'); res.end();
});
app.get('/finished', async (req, res) => {
  const c = await Datastore.open(); res.json(await c.get('finished'));
});
app.post('/echo', (req, res) => {
  res.set('content-type', 'application/octet-stream'); req.pipe(res.writable);
});
app.post('/files/:name', async (req, res) => {
  await filestore.saveFile('/up/' + req.params.name, Buffer.from(req.rawBody));
  res.json({list: await filestore.list('/up/'), text: await filestore.readFile('/up/' + req.params.name)});
});
app.post('/raw', (req, res) => res.json({raw: req.rawBody, len: req.rawBody.length}));
app.post('/digest', (req, res) => {
  // reads the body as a stream: a large upload arrives piece by piece
  const h = crypto.createHash('sha256');
  let n = 0, pieces = 0, biggest = 0;
  req.on('data', (b) => { h.update(b); n += b.length; pieces++; biggest = Math.max(biggest, b.length); });
  req.on('end', () => res.json({n, pieces, biggest, sha256: h.digest('hex')}));
  req.on('error', (e) => res.status(400).json({streamError: e.message}));
});
app.post('/ignore-body', (req, res) => res.json({ok: true}));
export default app.init();
"""


MAX_BODY = 256 * 1024
MAX_STREAM = 8 * 1024 * 1024


@pytest.fixture(scope="module", params=["inprocess", "grpc"])
def node(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("ifetch")
    app = tmp / "app"
    app.mkdir()
    (app / "index.js").write_text(APP)
    # small body caps, so that streamed uploads are quick to test
    n = new_node(tmp, BRYGGE_EXECUTOR_TRANSPORT=request.param,
                 BRYGGE_MAX_BODY_BYTES=str(MAX_BODY), BRYGGE_MAX_STREAM_BODY_BYTES=str(MAX_STREAM))
    n.start()
    d = n.deploy(app)
    assert d.returncode == 0, d.stderr
    yield n
    n.stop()


def test_internal_fetch_reaches_the_same_space_without_a_token(node: RunningNode) -> None:
    r = node.get("/dev/outer", headers=node.auth())
    assert r.status_code == 200, r.text
    assert r.json() == {"via": "gateway", "status": 200,
                        "body": {"inner": True, "sawSigned": False, "q": "hi"}}
    assert node.get("/dev/outer-missing", headers=node.auth()).json() == {"status": 404}
    r = node.get("/dev/outer-builtin", headers=node.auth())  # the built-in app.internalFetch
    assert r.json() == {"inner": True, "sawSigned": False, "q": "builtin"}, r.text


def test_the_internal_header_from_outside_is_refused(node: RunningNode, tmp_path: Path) -> None:
    assert node.get("/dev/inner").status_code == 401
    for forged in ("x", "dev.abc", internal.sign("guessed-secret", "anything"),
                   internal.sign("", "x")):
        r = node.get("/dev/inner", headers={internal.HEADER: forged})
        assert r.status_code == 401, (forged, r.text)


def test_response_is_sent_when_the_app_ends_it(node: RunningNode) -> None:
    # If the router waited for the invocation to finish, this GET would hang: the
    # handler only finishes after the /release request below.
    r = httpx.get(node.base + "/dev/work-after", headers=node.auth(), timeout=15)
    assert r.text == "answered"
    assert node.get("/dev/finished", headers=node.auth()).json() is None
    node.post("/dev/release", headers=node.auth())
    wait_until(lambda: node.get("/dev/finished", headers=node.auth()).json() == "yes", 15,
               "the work after the response to finish")


def test_binary_body_is_piped_byte_for_byte(node: RunningNode) -> None:
    blob = bytes(range(256)) * 700 + b"\xff\xfe\x00tail"  # not UTF-8, over one 64 KiB chunk
    r = node.post("/dev/echo", content=blob,
                  headers={**node.auth(), "content-type": "application/octet-stream"})
    assert r.status_code == 200 and r.content == blob


def test_text_body_is_raw_body_exactly(node: RunningNode) -> None:
    text = '{"a": 1,  "note": "blåbær 🍓",\n "sp": "  "}'
    r = node.post("/dev/raw", content=text.encode(),
                  headers={**node.auth(), "content-type": "application/json"})
    assert r.json() == {"raw": text, "len": len(text.encode("utf-16-le")) // 2}


def test_filestore_on_a_real_node(node: RunningNode) -> None:
    r = node.post("/dev/files/note.txt", content="blåbær".encode(),
                  headers={**node.auth(), "content-type": "text/plain"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["text"] == "blåbær"
    assert any("note.txt" in (f if isinstance(f, str) else json.dumps(f)) for f in body["list"])


BIN = {"content-type": "application/octet-stream"}


def _blob(n: int) -> bytes:
    return hashlib.sha256(b"seed").digest() * (n // 32) + b"\x00" * (n % 32)


@pytest.mark.parametrize("chunked", [False, True])
def test_large_upload_streams_into_the_app(node: RunningNode, chunked: bool) -> None:
    blob = _blob(5 * 1024 * 1024 + 7)  # 20x the buffered body cap
    content: Any = blob
    if chunked:  # no Content-Length: the router finds out while reading
        content = (blob[i:i + 100_000] for i in range(0, len(blob), 100_000))
    r = httpx.post(node.base + "/dev/digest", content=content, timeout=60,
                   headers={**node.auth(), **BIN})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["n"] == len(blob) and got["sha256"] == hashlib.sha256(blob).hexdigest()
    assert got["pieces"] > 10 and got["biggest"] <= 256 * 1024  # never whole in the guest


def test_upload_over_the_stream_cap(node: RunningNode) -> None:
    blob = _blob(MAX_STREAM + 1)
    r = httpx.post(node.base + "/dev/digest", content=blob, timeout=60,
                   headers={**node.auth(), **BIN})
    assert r.status_code == 413 and f"larger than {MAX_STREAM} bytes" in r.json()["error"]
    # without Content-Length the app has started: its stream ends in an error it can answer
    r = httpx.post(node.base + "/dev/digest", timeout=60, headers={**node.auth(), **BIN},
                   content=(blob[i:i + 1_000_000] for i in range(0, len(blob), 1_000_000)))
    assert r.status_code == 400 and f"larger than {MAX_STREAM} bytes" in r.json()["streamError"]
    assert node.get("/dev/inner", headers=node.auth()).status_code == 200  # still serving


def test_parsed_bodies_stay_capped(node: RunningNode) -> None:
    doc = json.dumps({"pad": "x" * MAX_BODY}).encode()
    r = node.post("/dev/raw", content=doc, headers={**node.auth(),
                                                    "content-type": "application/json"})
    assert r.status_code == 413 and "parsed whole" in r.json()["error"]


def test_an_app_that_ignores_a_large_body(node: RunningNode) -> None:
    r = httpx.post(node.base + "/dev/ignore-body", content=_blob(2 * 1024 * 1024), timeout=60,
                   headers={**node.auth(), **BIN})
    assert r.status_code == 200 and r.json() == {"ok": True}
    assert node.get("/dev/inner", headers=node.auth()).status_code == 200
