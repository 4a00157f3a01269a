"""Static hosting on a real node, over real HTTP (sandbox/js/codehooks/web.js): app.static
(deployed source files) and app.storage (blobs the app saved) answer with strong content
ETags, 304 for If-None-Match, byte ranges (206/416, If-Range), HEAD like GET without a
body, the cache hook's headers on 200/206/304, and refuse path traversal with a 4xx --
also for app routes that hand a request's name to the filestore (sandbox/js/runtime/files.js filePath)."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.nodes import RunningNode, new_node

APP = r"""
import {app, filestore} from 'codehooks-js';
import {PassThrough} from 'stream';

function cache(req, res, next) {
  res.set('cache-control', 'public, max-age=60');
  res.removeHeader('pragma');
  next();
}
app.post('/upload/*', async (req, res) => {
  const path = decodeURIComponent(req.apiPath.slice('/upload'.length));
  await filestore.saveFile(path, req.pipe(new PassThrough()));
  res.json({saved: path});
});
// an app's own file routes: the name comes from the request
app.get('/raw/:name', async (req, res) => {
  try {
    const s = await filestore.getReadStream('/blobs/' + req.params.name);
    res.set('content-type', 'application/octet-stream');
    s.on('data', (b) => res.write(b, 'buffer'));
    s.on('end', () => res.end());
  } catch (e) { res.status(404).json({error: e.message, code: e.code || null}); }
});
app.get('/src/:name', async (req, res) => {
  try { res.end(await filestore.readFile('/site/' + req.params.name, {source: true})); }
  catch (e) { res.status(404).json({error: e.message, code: e.code || null}); }
});
// control routes: the secrets read by their real names (so the traversal cases aim at files
// that exist)
app.get('/raw-any/:name', async (req, res) => {
  const s = await filestore.getReadStream('/' + decodeURIComponent(req.params.name));
  s.on('data', (b) => res.write(b, 'buffer'));
  s.on('end', () => res.end());
});
app.get('/src-any/:name', async (req, res) =>
  res.end(await filestore.readFile('/' + req.params.name, {source: true})));
app.get('/hello', (req, res) => res.set('x-route', 'hello').end('hello there'));
app.static({route: '/web', directory: '/site', headers: {'x-static': 'yes'}}, cache);
app.storage({route: '/files', directory: '/blobs'}, cache);
export default app.init();
"""
SECRET = "TOP-SECRET-7f3a"
SITE = {
    "site/index.html": "<!doctype html><h1>Home</h1>\n",
    "site/app.js": "console.log('app');\n" * 3,
    "site/sub/data.json": '{"a": 1}\n',
    # multi-byte UTF-8: ranges count bytes, not characters
    "site/unicode.txt": "blåbær ✓ søt — " * 80 + "\n",
    "secret.txt": SECRET + "\n",
}
BINARY = os.urandom(150_000)  # more than two of the runtime's 64 KiB chunks
IDENTITY = {"accept-encoding": "identity"}


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningNode]:
    tmp = tmp_path_factory.mktemp("static")
    app = tmp / "app"
    app.mkdir()
    (app / "index.js").write_text(APP)
    for rel, text in SITE.items():
        (app / rel).parent.mkdir(parents=True, exist_ok=True)
        (app / rel).write_text(text)
    n = new_node(tmp)
    n.start()
    d = n.deploy(app)
    assert d.returncode == 0, d.stderr
    # the secret blob sits where a traversal out of /blobs lands (/blobs/../secret.txt):
    # a refusal must be the defence's doing, not a missing file
    for path, data in (("/blobs/blob.bin", BINARY), ("/blobs/note.txt", b"version one\n"),
                       ("/secret/key.txt", SECRET.encode()), ("/secret.txt", SECRET.encode())):
        upload(n, path, data)
    yield n
    n.stop()


@pytest.fixture(scope="module")
def http(node: RunningNode) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=node.base + "/dev", headers=IDENTITY, timeout=30) as c:
        yield c


def upload(node: RunningNode, path: str, data: bytes) -> None:
    r = node.post("/dev/upload" + path, content=data,
                  headers={**node.auth(), "content-type": "application/octet-stream"})
    assert r.status_code == 200, r.text


def site_bytes(rel: str) -> bytes:
    return SITE[rel].encode()


ETAG = re.compile(r'^"[0-9a-f]{32}-\d+"$')
# (URL, expected bytes)
FILES = [("/web/index.html", lambda: site_bytes("site/index.html")),
         ("/web/unicode.txt", lambda: site_bytes("site/unicode.txt")),
         ("/files/blob.bin", lambda: BINARY)]


@pytest.mark.parametrize(("url", "content"), FILES)
def test_file_has_a_stable_content_etag_and_cache_headers(http: httpx.Client, url: str, content: Any) -> None:
    a, b = http.get(url), http.get(url)
    assert a.status_code == b.status_code == 200
    assert a.content == content()
    assert ETAG.match(a.headers["etag"]) and a.headers["etag"] == b.headers["etag"]
    assert a.headers["etag"].endswith(f'-{len(content())}"')
    assert a.headers["accept-ranges"] == "bytes"
    assert a.headers["cache-control"] == "public, max-age=60" and "pragma" not in a.headers


def test_static_files_need_no_token_and_carry_the_options_headers(http: httpx.Client) -> None:
    r = http.get("/web/sub/data.json")
    assert (r.status_code, r.headers["content-type"]) == (200, "application/json")
    assert r.headers["x-static"] == "yes"
    assert http.get("/web/index.html").headers["etag"] != http.get("/web/app.js").headers["etag"]


@pytest.mark.parametrize("url", [u for u, _ in FILES])
@pytest.mark.parametrize("inm", ["{tag}", '"other", {tag}', "W/{tag}", "*", '"x" ,  W/{tag}'])
def test_if_none_match_answers_304_with_the_cache_headers(http: httpx.Client, url: str, inm: str) -> None:
    tag = http.get(url).headers["etag"]
    r = http.get(url, headers={"if-none-match": inm.format(tag=tag)})
    assert r.status_code == 304 and r.content == b""
    assert "content-length" not in r.headers  # RFC 9110 §8.6
    assert r.headers["etag"] == tag
    assert r.headers["cache-control"] == "public, max-age=60" and "pragma" not in r.headers
    if url.startswith("/web/"):
        assert r.headers["x-static"] == "yes"


@pytest.mark.parametrize("inm", ['"nope"', 'W/"nope"', '"0123"-1'])
def test_if_none_match_that_does_not_match_is_a_full_200(http: httpx.Client, inm: str) -> None:
    r = http.get("/web/unicode.txt", headers={"if-none-match": inm})
    assert (r.status_code, r.content) == (200, site_bytes("site/unicode.txt"))


def test_gzipped_response_has_a_weak_etag_that_still_revalidates(node: RunningNode) -> None:
    r = httpx.get(node.base + "/dev/web/unicode.txt", headers={"accept-encoding": "gzip"})
    assert r.status_code == 200 and r.content == site_bytes("site/unicode.txt")
    if r.headers.get("content-encoding") == "gzip":  # the router gzips text over its threshold
        assert r.headers["etag"].startswith("W/")
    again = httpx.get(node.base + "/dev/web/unicode.txt",
                      headers={"accept-encoding": "gzip", "if-none-match": r.headers["etag"]})
    assert again.status_code == 304


def test_storage_etag_changes_when_the_blob_changes(node: RunningNode, http: httpx.Client) -> None:
    upload(node, "/blobs/swap.txt", b"first  content\n")
    one = http.get("/files/swap.txt")
    assert one.content == b"first  content\n"
    upload(node, "/blobs/swap.txt", b"second content\n")  # same size, other bytes
    two = http.get("/files/swap.txt", headers={"if-none-match": one.headers["etag"]})
    assert (two.status_code, two.content) == (200, b"second content\n")
    assert two.headers["etag"] != one.headers["etag"]
    assert http.get("/files/swap.txt", headers={"if-none-match": two.headers["etag"]}).status_code == 304
    # a range request conditional on the old copy gets the whole new one
    r = http.get("/files/swap.txt", headers={"range": "bytes=0-5", "if-range": one.headers["etag"]})
    assert (r.status_code, r.content) == (200, b"second content\n")


# (Range header, expected): for 206 a function of the file's bytes -> (first byte, body);
# "416"; or None for the whole file with 200 (RFC 9110 §14.2: a server may ignore a Range it
# does not understand or does not want to answer in parts)
RANGES: list[tuple[str, Any]] = [
    ("bytes=0-9", lambda d: (0, d[:10])),
    ("bytes=5-5", lambda d: (5, d[5:6])),
    ("bytes=-7", lambda d: (len(d) - 7, d[-7:])),
    ("bytes=10-", lambda d: (10, d[10:])),
    ("bytes=0-99999999", lambda d: (0, d)),  # the end is clamped to the size
    ("bytes=-99999999", lambda d: (0, d)),
    ("Bytes = 2-3", lambda d: (2, d[2:4])),
    ("bytes={size}-", "416"),
    ("bytes={size}-{size2}", "416"),
    ("bytes=99999999-", "416"),
    ("bytes=-0", "416"),
    ("bytes=abc", None),
    ("bytes=5-1", None),
    ("bytes=-", None),
    ("bytes=0-1,4-5", None),  # several ranges: answered with the whole file
    ("items=0-5", None),
    ("0-5", None),
]


@pytest.mark.parametrize(("url", "content"), FILES[1:])
@pytest.mark.parametrize(("header", "want"), RANGES)
def test_byte_ranges(http: httpx.Client, url: str, content: Any, header: str, want: Any) -> None:
    data: bytes = content()
    size = len(data)
    r = http.get(url, headers={"range": header.format(size=size, size2=size + 10)})
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["cache-control"] == "public, max-age=60"
    if want is None:
        assert (r.status_code, r.content) == (200, data)
        assert "content-range" not in r.headers
    elif want == "416":
        assert r.status_code == 416
        assert r.headers["content-range"] == f"bytes */{size}"
        assert "Range Not Satisfiable" in r.text
    else:
        first, body = want(data)
        assert r.status_code == 206
        assert r.content == body
        assert r.headers["content-range"] == f"bytes {first}-{first + len(body) - 1}/{size}"
        assert int(r.headers.get("content-length", len(body))) == len(body)
        assert r.headers["etag"] == http.get(url).headers["etag"]


def test_binary_blob_is_byte_exact_whole_and_in_pieces(http: httpx.Client) -> None:
    assert http.get("/files/blob.bin").content == BINARY
    pieces, pos = [], 0
    while pos < len(BINARY):
        r = http.get("/files/blob.bin", headers={"range": f"bytes={pos}-{pos + 40_000 - 1}"})
        assert r.status_code == 206
        pieces.append(r.content)
        pos += len(r.content)
    assert b"".join(pieces) == BINARY and len(pieces) == 4
    across = http.get("/files/blob.bin", headers={"range": "bytes=65530-65545"})  # a chunk boundary
    assert (across.status_code, across.content) == (206, BINARY[65530:65546])


def test_if_range(http: httpx.Client) -> None:
    tag = http.get("/web/unicode.txt").headers["etag"]
    data = site_bytes("site/unicode.txt")
    cases = [(tag, 206), ("W/" + tag, 200), ('"other"', 200), ("Wed, 21 Oct 2015 07:28:00 GMT", 200)]
    for if_range, status in cases:
        r = http.get("/web/unicode.txt", headers={"range": "bytes=0-3", "if-range": if_range})
        assert r.status_code == status, if_range
        assert r.content == (data[:4] if status == 206 else data)


def test_if_none_match_wins_over_range(http: httpx.Client) -> None:
    tag = http.get("/files/blob.bin").headers["etag"]
    r = http.get("/files/blob.bin", headers={"range": "bytes=0-3", "if-none-match": tag})
    assert (r.status_code, r.content) == (304, b"")


@pytest.mark.parametrize(("url", "content"), FILES)
def test_head_is_get_without_a_body(node: RunningNode, http: httpx.Client, url: str, content: Any) -> None:
    get = http.get(url)
    head = http.head(url)
    assert (head.status_code, head.content) == (200, b"")
    for h in ("etag", "content-type", "accept-ranges", "cache-control"):
        assert head.headers[h] == get.headers[h], h
    assert int(head.headers["content-length"]) == len(content())  # without reading the file
    part = http.head(url, headers={"range": "bytes=1-2"})
    assert (part.status_code, part.headers["content-range"]) == (206, f"bytes 1-2/{len(content())}")
    assert (part.headers["content-length"], part.content) == ("2", b"")
    assert http.head(url, headers={"if-none-match": get.headers["etag"]}).status_code == 304


def test_head_reaches_app_get_routes_and_sends_no_body_bytes(node: RunningNode) -> None:
    r = httpx.head(node.base + "/dev/hello", headers=node.auth())
    assert (r.status_code, r.headers["x-route"], r.content) == (200, "hello", b"")
    assert httpx.head(node.base + "/dev/hello").status_code == 401  # HEAD is not made public
    # on the wire: nothing follows the head of a HEAD response
    with socket.create_connection(("127.0.0.1", node.http_port), timeout=30) as s:
        s.sendall(b"HEAD /dev/web/unicode.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\n"
                  b"Connection: close\r\n\r\n")
        raw = b""
        while chunk := s.recv(65536):
            raw += chunk
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and rest == b""
    assert b"content-length: %d" % len(site_bytes("site/unicode.txt")) in head.lower()


# -- path traversal -----------------------------------------------------------------------------
# Sent as raw request targets (httpx would remove dot segments from a URL).
HOSTILE = [
    "/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/..%2fsecret.txt",
    "/%252e%252e/secret.txt", "/%252e%252e%252fsecret.txt", "/..%5csecret.txt", "/..\\secret.txt",
    "/sub/../../secret.txt", "/%00", "/index.html%00.txt", "/%00/../secret.txt", "//etc/passwd",
    "/%2F%2Fetc/passwd", "/%2f..%2f..%2fsecret.txt", "/%E2%80%A4%E2%80%A4/secret.txt",
    "/%EF%BC%8E%EF%BC%8E/secret.txt", "/%EF%BC%8E%EF%BC%8E%2Fsecret.txt", "/..", "/.", "/sub/..",
    "/sub/.", "/...", "/..%00", "/%c0%ae%c0%ae/secret.txt", "/%", "/%zz",
]


def raw_get(node: RunningNode, target: str, **headers: str) -> httpx.Response:
    with httpx.Client(base_url=node.base, timeout=30) as c:
        return c.get(node.base + "/", headers=headers, extensions={"target": target.encode("latin-1")})


def _refused(r: httpx.Response) -> None:
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert SECRET.encode() not in r.content and b"export default" not in r.content
    assert r.content  # says why


@pytest.mark.parametrize("prefix", ["/dev/web", "/dev/files"])
@pytest.mark.parametrize("hostile", HOSTILE)
def test_traversal_is_refused_by_static_and_storage(node: RunningNode, prefix: str, hostile: str) -> None:
    authed = raw_get(node, prefix + hostile, **node.auth())
    _refused(authed)
    assert authed.status_code in (400, 404), authed.text
    _refused(raw_get(node, prefix + hostile))  # no token: 4xx too (401 where no static route matches)


def test_dot_segments_under_a_static_route_say_why(node: RunningNode) -> None:
    r = raw_get(node, "/dev/web/..", **node.auth())
    assert r.status_code == 400 and "'.' and '..' segments are not allowed" in r.text


HOSTILE_NAMES = [
    "..%2Fsecret.txt", "%2e%2e%2fsecret.txt", "%2E%2E%2F%2E%2E%2Fsecret.txt", "..%5Csecret.txt",
    "%252e%252e%252fsecret.txt", "%00", "secret.txt%00.png", "..%2F..%2F..%2Fetc%2Fpasswd",
    "%EF%BC%8E%EF%BC%8E%2Fsecret.txt", "%2F%2Fetc%2Fpasswd", "..%2Fsecret%2Fkey.txt", "..",
]


@pytest.mark.parametrize("route", ["/dev/raw/", "/dev/src/"])
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_app_file_routes_refuse_hostile_names(node: RunningNode, route: str, name: str) -> None:
    r = raw_get(node, route + name, **node.auth())
    _refused(r)
    assert r.status_code == 404
    assert r.json()["code"] in ("ENOENT", "ERR_INVALID_ARG_VALUE"), r.text


def test_the_traversal_targets_exist(node: RunningNode, http: httpx.Client) -> None:
    """The files the hostile paths aim at are there, so the cases above prove a refusal."""
    assert http.get("/files/blob.bin").content == BINARY  # storage: the blob route works
    assert raw_get(node, "/dev/src/secret.txt", **node.auth()).status_code == 404  # not in /site
    # the app itself can read both secrets by their real names
    for route, name in (("/dev/raw-any/", "secret.txt"), ("/dev/raw-any/", "secret%2Fkey.txt"),
                        ("/dev/src-any/", "secret.txt")):
        r = raw_get(node, route + name, **node.auth())
        assert (r.status_code, SECRET.encode() in r.content) == (200, True), (route, name, r.text)


def test_app_file_routes_serve_good_names(node: RunningNode, http: httpx.Client) -> None:
    assert http.get("/src/index.html", headers=node.auth()).text == SITE["site/index.html"]
    assert http.get("/raw/blob.bin", headers=node.auth()).content == BINARY
    r = http.get("/src/..%2Fsecret.txt", headers=node.auth())
    assert r.status_code == 404 and "'..' path segments are not allowed" in r.json()["error"]
