"""Files on a real node (issue 7; storage/files.py, control_plane/api/files.py): binary
source files deployed with the app and served byte-exact by app.static; blobs uploaded
through an app route (req.pipe into filestore.saveFile) and served by app.storage with
ETag/Range; `brygge files upload|list|get|delete`; the admin API's streamed upload and
download; limits and quota as 413 JSON (HTTP) or a thrown Error (JS); hostile paths as 400
JSON."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.nodes import RunningNode, brygge, new_node

MIB = 1024 * 1024
APP = r"""
import {app, filestore} from 'codehooks-js';
import {PassThrough} from 'stream';

app.auth('/*', (req, res, next) => next());
app.put('/up/*', async (req, res) => {
  const path = decodeURIComponent(req.apiPath.slice('/up'.length));
  try {
    res.json(await filestore.saveFile(path, req.pipe(new PassThrough())));
  } catch (e) {
    res.status(e.code === 'EFBIG' ? 413 : 400).json({error: e.message, code: e.code || null, name: e.name});
  }
});
app.post('/save', async (req, res) => {
  try { res.json(await filestore.saveFile(req.body.path, req.body.text)); }
  catch (e) { res.status(400).json({error: e.message, code: e.code || null}); }
});
// a multipart form piped whole into a blob (no parser in the app): the router streams the
// body, the blob must hold exactly what the client sent
app.post('/form', async (req, res) => {
  res.json(await filestore.saveFile('/forms/last.bin', req.pipe(new PassThrough())));
});
app.get('/ls', async (req, res) => res.json(await filestore.list(req.query.prefix || '/')));
app.get('/buf', async (req, res) => {
  const b = await filestore.readFileAsBuffer(req.query.path);
  res.json({isBuffer: Buffer.isBuffer(b), len: b.length, head: b.subarray(0, 4).toString('hex')});
});
app.get('/src', async (req, res) => {
  const s = await filestore.getReadStream(req.query.path, {source: true});
  const parts = []; s.on('data', (c) => parts.push(c));
  s.on('end', () => {
    const b = Buffer.concat(parts);
    res.json({len: b.length, head: b.subarray(0, 8).toString('hex')});
  });
});
app.delete('/rm', async (req, res) => res.json(await filestore.deleteFile(req.query.path)));
app.static({route: '/assets', directory: '/public'});
app.storage({route: '/blobs', directory: '/'});
export default app.init();
"""
# a PNG signature and bytes that are not UTF-8
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40 + b"\xff\xfe\x00"
FONT = os.urandom(70_000)


def tag(data: bytes) -> str:
    return f'"{hashlib.sha256(data).hexdigest()[:32]}-{len(data)}"'


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningNode]:
    tmp = tmp_path_factory.mktemp("files")
    # bodies above 1 MiB are streamed into the app (router/body.py), not buffered
    n = new_node(tmp, BRYGGE_MAX_FILE_BYTES=str(4 * MIB), BRYGGE_MAX_BODY_BYTES=str(MIB),
                 BRYGGE_SPACE_FILE_QUOTA_BYTES=str(6 * MIB)).start()
    app = tmp / "app"
    (app / "public" / "fonts").mkdir(parents=True)
    (app / "index.js").write_text(APP)
    (app / "public" / "logo.png").write_bytes(PNG)
    (app / "public" / "favicon.ico").write_bytes(PNG[:300])
    (app / "public" / "fonts" / "a.woff2").write_bytes(FONT)
    (app / "public" / "index.html").write_text("<h1>hi</h1>")
    r = n.deploy(app)
    assert r.returncode == 0, r.stderr
    try:
        yield n
    finally:
        n.stop()


def cli(node: RunningNode, *args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    r = brygge("files", *args, "--data-dir", str(node.data_dir),
               cwd=str(cwd) if cwd else None)
    return r.returncode, r.stdout, r.stderr


def test_static_serves_deployed_binary_files_byte_exact(node: RunningNode) -> None:
    r = node.get("/dev/assets/logo.png")
    assert r.status_code == 200 and r.content == PNG
    assert r.headers["content-type"] == "image/png"
    assert r.headers["etag"] == tag(PNG) and r.headers["accept-ranges"] == "bytes"
    r = node.get("/dev/assets/fonts/a.woff2", headers={"range": "bytes=1000-69999"})
    assert r.status_code == 206 and r.content == FONT[1000:70000]
    assert r.headers["content-range"] == f"bytes 1000-69999/{len(FONT)}"
    assert r.headers["content-type"] == "font/woff2"
    assert node.get("/dev/assets/favicon.ico").content == PNG[:300]
    r = node.get("/dev/assets/logo.png", headers={"if-none-match": tag(PNG)})
    assert r.status_code == 304 and r.content == b""
    assert node.get("/dev/assets/index.html").text == "<h1>hi</h1>"  # text files as before
    # the same bytes through _coho_fs {source: true}, streamed
    assert node.get("/dev/src", params={"path": "/public/logo.png"}).json() == {
        "len": len(PNG), "head": PNG[:8].hex()}


def test_upload_through_an_app_route_and_serve_with_app_storage(node: RunningNode) -> None:
    data = os.urandom(int(2.5 * MIB))
    r = httpx.put(f"{node.base}/dev/up/media/big.bin", content=data, timeout=60,
                  headers={"content-type": "application/octet-stream"})
    assert r.status_code == 200, r.text
    meta = r.json()
    assert meta["path"] == "/media/big.bin" and meta["size"] == len(data)
    assert set(meta) == {"path", "size", "date", "_id"}
    r = node.get("/dev/blobs/media/big.bin")
    assert r.status_code == 200 and r.content == data and r.headers["etag"] == tag(data)
    assert r.headers["content-type"] == "application/octet-stream"
    r = node.get("/dev/blobs/media/big.bin", headers={"range": f"bytes=-{300_000}"})
    assert r.status_code == 206 and r.content == data[-300_000:]
    r = node.get("/dev/blobs/media/big.bin", headers={"range": "bytes=262140-262150"})
    assert r.content == data[262140:262151]  # across a chunk boundary
    r = node.get("/dev/blobs/media/big.bin", headers={"range": f"bytes={len(data)}-"})
    assert r.status_code == 416
    assert node.get("/dev/buf", params={"path": "/media/big.bin"}).json() == {
        "isBuffer": True, "len": len(data), "head": data[:4].hex()}
    ls = node.get("/dev/ls", params={"prefix": "/media"}).json()
    assert [(f["path"], f["size"]) for f in ls] == [("/media/big.bin", len(data))]
    # overwrite: same _id, new content and tag
    r = httpx.put(f"{node.base}/dev/up/media/big.bin", content=b"small", timeout=30)
    assert r.json()["_id"] == meta["_id"] and r.json()["size"] == 5
    r = node.get("/dev/blobs/media/big.bin")
    assert r.content == b"small" and r.headers["etag"] == tag(b"small")
    assert node.get("/dev/rm", params={"path": "/media/big.bin"}).status_code == 404  # GET /rm
    assert httpx.delete(f"{node.base}/dev/rm", params={"path": "/media/big.bin"}).json() == {
        "path": "/media/big.bin", "deleted": True}
    assert node.get("/dev/blobs/media/big.bin").status_code == 404


def test_limits_and_quota(node: RunningNode) -> None:
    # over max_file_bytes (4 MiB), streamed through an app: a thrown Error, code EFBIG
    r = httpx.put(f"{node.base}/dev/up/q/too-big.bin", content=os.urandom(5 * MIB), timeout=60)
    assert r.status_code == 413, r.text
    assert "larger than 4194304 bytes" in r.json()["error"] and r.json()["code"] == "EFBIG"
    two = os.urandom(int(2.5 * MIB))
    for name in ("a", "b"):
        r = httpx.put(f"{node.base}/dev/up/q/{name}.bin", content=two, timeout=60)
        assert r.status_code == 200, r.text
    r = httpx.put(f"{node.base}/dev/up/q/c.bin", content=two, timeout=60)
    assert r.status_code == 413 and "quota of 6291456 bytes" in r.json()["error"]
    assert node.get("/dev/ls", params={"prefix": "/q"}).json()[-1]["path"] == "/q/b.bin"
    # the admin API says the same, up front by Content-Length
    code, _, err = cli(node, "upload", str(_write(node, "c.bin", two)), "/q/c.bin")
    assert code == 1 and "quota" in err and len(err.strip().splitlines()) == 1
    usage = httpx.get(f"{node.admin}/v1/projects/brygge/spaces/dev/files-usage",
                      headers={"x-admintoken": node.admin_token}).json()
    assert usage["bytes"] >= 2 * len(two) and usage["files"] >= 2 and usage["uploading"] == 0
    for name in ("a", "b"):
        assert cli(node, "delete", f"/q/{name}.bin")[0] == 0
    usage2 = httpx.get(f"{node.admin}/v1/projects/brygge/spaces/dev/files-usage",
                       headers={"x-admintoken": node.admin_token}).json()
    assert usage2["bytes"] == usage["bytes"] - 2 * len(two)
    assert usage2["files"] == usage["files"] - 2


def _write(node: RunningNode, name: str, data: bytes) -> Path:
    p = node.data_dir.parent / name
    p.write_bytes(data)
    return p


def test_cli_upload_list_get_delete(node: RunningNode, tmp_path: Path) -> None:
    data = os.urandom(1 * MIB + 17)
    src = _write(node, "report.pdf", data)
    code, out, err = cli(node, "upload", str(src), "/docs/report.pdf")
    assert code == 0, err
    assert "/docs/report.pdf" in out
    code, out, _ = cli(node, "list", "/docs", "--json")
    rows = json.loads(out)
    assert [(r["path"], r["size"]) for r in rows] == [("/docs/report.pdf", len(data))]
    assert set(rows[0]) == {"path", "size", "date", "_id"}
    code, out, _ = cli(node, "list")
    assert "/docs/report.pdf" in out
    dest = tmp_path / "back.pdf"
    code, _, err = cli(node, "get", "/docs/report.pdf", "-o", str(dest))
    assert code == 0, err
    assert dest.read_bytes() == data
    # app.storage serves what the CLI uploaded, with its type
    r = node.get("/dev/blobs/docs/report.pdf")
    assert r.content == data and r.headers["content-type"] == "application/pdf"
    assert cli(node, "delete", "/docs/report.pdf")[0] == 0
    code, _, err = cli(node, "get", "/docs/report.pdf", "-o", str(dest))
    assert code == 1 and "ENOENT" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli(node, "delete", "/docs/report.pdf")
    assert code == 1 and "ENOENT" in err
    code, _, err = cli(node, "upload", str(tmp_path / "nope"))
    assert code == 1 and "no such file" in err


@pytest.mark.parametrize(("raw_path", "status", "says"), [
    ("%2e%2e/%2e%2e/etc/passwd", 400, "'..'"),
    ("a/%2E%2E/b", 400, "'..'"),
    ("a/%00b", 400, "NUL"),
    ("x" * 600, 400, "longer than 256 bytes"),
    ("a/%EF%BC%8E%EF%BC%8E/b", 400, "'..'"),  # fullwidth dots fold to '..'
    ("no/such/file", 404, "ENOENT"),
])
def test_admin_api_refuses_hostile_paths(node: RunningNode, raw_path: str, status: int,
                                         says: str) -> None:
    url = f"{node.admin}/v1/projects/brygge/spaces/dev/files/{raw_path}"
    h = {"x-admintoken": node.admin_token}
    for method in ("GET", "DELETE", "PUT"):
        r = httpx.request(method, httpx.URL(url), headers=h, content=b"x" if method == "PUT" else None,
                          timeout=30)
        want = 201 if (method == "PUT" and status == 404) else status
        assert r.status_code == want, (method, r.text)
        if want >= 400:
            assert says in r.json()["error"]
    if status == 404:
        httpx.delete(httpx.URL(url), headers=h)


def test_admin_api_tokens_and_sizes(node: RunningNode) -> None:
    base = f"{node.admin}/v1/projects/brygge/spaces/dev/files"
    for h in ({}, {"x-admintoken": "wrong"}):
        for method, url in (("GET", base), ("PUT", base + "/a.txt"), ("GET", base + "/a.txt"),
                            ("DELETE", base + "/a.txt")):
            r = httpx.request(method, url, headers=h, content=b"x" if method == "PUT" else None)
            assert r.status_code == 401 and "admin token" in r.json()["error"]
    h = {"x-admintoken": node.admin_token}
    r = httpx.put(base + "/huge.bin", headers=h, content=b"\0" * (5 * MIB))
    assert r.status_code == 413 and "larger than 4194304" in r.json()["error"]
    # without Content-Length (chunked), refused while streaming
    r = httpx.put(base + "/huge.bin", headers=h, content=iter([b"\0" * MIB] * 5))
    assert r.status_code == 413
    assert httpx.get(base, headers=h, params={"prefix": "/huge.bin"}).json() == []
    r = httpx.get(base, headers=h, params={"prefix": "/a/../b"})
    assert r.status_code == 400 and "'..'" in r.json()["error"]
    # JS: hostile names are refused before storage, NUL and '..' with Node's codes
    r = node.post("/dev/save", json={"path": "/a/\u0000b", "text": "x"})
    assert r.status_code == 400 and r.json()["code"] == "ERR_INVALID_ARG_VALUE"
    r = node.post("/dev/save", json={"path": "/a/../../b", "text": "x"})
    assert r.status_code == 400 and r.json()["code"] == "ENOENT"
    r = node.post("/dev/save", json={"path": "/" + "n" * 300, "text": "x"})
    assert r.status_code == 400 and "longer than 256 bytes" in r.json()["error"]


def test_multipart_upload_streams_into_a_blob(node: RunningNode) -> None:
    part = os.urandom(3 * MIB)  # above max_body_bytes (1 MiB here): streamed into the app
    req = httpx.Request("POST", f"{node.base}/dev/form",
                        files={"upload": ("photo.jpg", part, "image/jpeg")})
    sent = req.read()
    r = httpx.Client(timeout=60).send(req)
    assert r.status_code == 200, r.text
    assert r.json()["size"] == len(sent)
    r = node.get("/dev/blobs/forms/last.bin")
    assert r.content == sent and part in r.content
    assert r.headers["etag"] == tag(sent)
