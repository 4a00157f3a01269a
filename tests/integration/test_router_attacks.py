"""A hostile tenant against the router of a real node (issue 15): traversal into the
admin API, read-only tokens writing through OPTIONS, unauthenticated admin uploads,
gzip stalling other spaces, deep JSON, non-string JWT headers, huge URLs and
NaN/Infinity. Every refusal must be the platform's JSON error with a request id."""

from __future__ import annotations

import base64
import http.client
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.jwks import JwksServer, Keys
from tests.support.nodes import RunningNode, new_node, other_space_tokens, wait_until

APP = r"""
import {app} from 'codehooks-js';
app.auth('/open/*', (req, res, next) => next());
app.all('/echo', (req, res) => res.json({ran: 'echo', method: req.method, body: req.body}));
app.all('/open/echo', (req, res) => res.json({ran: 'echo', body: req.body}));
app.get('/ping', (req, res) => res.json({pong: true}));
app.get('/big', (req, res) => {
  // compressible but not trivially so (a 20 KB period): gzip level 9 takes a while
  let s = '';
  for (let i = 0; s.length < 20000; i++) s += 'row ' + i + ' ' + (i * 7919 % 100003) + ' lorem\n';
  let big = s; while (big.length < 40e6) big += big;  // 41 MB
  res.set('content-type', 'text/plain');
  res.write('start\n');  // goes out when the big piece reaches the router, before its gzip
  res.end(big);
});
export default app.init();
"""



@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningNode]:
    tmp = tmp_path_factory.mktemp("attacks")
    app = tmp / "app"
    app.mkdir()
    (app / "index.js").write_text(APP)
    n = new_node(tmp, BRYGGE_COMPRESS_LEVEL="9", BRYGGE_ROUTERS="1", BRYGGE_JWKS_REFETCH_S="0",
                 BRYGGE_MEMORY_LIMIT_MB="512")
    n.start()

    n.tokens = other_space_tokens(n)  # type: ignore[attr-defined]
    for space in ("dev", "other"):
        d = n.deploy(Path(app), space=space)
        assert d.returncode == 0, d.stderr
    yield n
    n.stop()


def platform_error(r: httpx.Response | tuple[int, dict[str, str], bytes], status: int | None = None
                   ) -> dict[str, Any]:
    """The body of a refusal the router answered itself (a 4xx unless `status`)."""
    if isinstance(r, httpx.Response):
        code, headers, body = r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content
    else:
        code, headers, body = r
    assert (code == status) if status else 400 <= code < 500, (code, body[:300])
    assert headers.get("content-type", "").startswith("application/json"), (headers, body[:300])
    doc = json.loads(body)
    assert set(doc) == {"error", "requestId"}, doc
    assert doc["requestId"] == headers.get("x-request-id"), (doc, headers)
    return doc


def raw(node: RunningNode, method: str, target: str, headers: dict[str, str] | None = None,
        body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """A request sent as written: no client normalises its path or Host."""
    conn = http.client.HTTPConnection("127.0.0.1", node.http_port, timeout=60)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        hdrs = {"host": f"127.0.0.1:{node.http_port}", **(headers or {})}
        if body:
            hdrs["content-length"] = str(len(body))
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.endheaders(body or None)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


# -- item 4: the admin API is not reachable through the router ---------------------------------
TOKENS = "v1/projects/brygge/spaces/dev/tokens"
HOSTILE = [
    ("/dev/_A_D_M_../../../" + TOKENS, None),
    ("/dev/_A_D_M_../../../../openapi.json", None),
    ("/dev/_A_D_M_query/../../../../../" + TOKENS, None),
    ("/dev/_A_D_M_%2e%2e/%2e%2e/%2e%2e/" + TOKENS, None),
    ("/dev/_A_D_M_%2E%2E/%2e./.%2E/" + TOKENS, None),
    ("/dev/_A_D_M_%252e%252e/%252e%252e/%252e%252e/" + TOKENS, None),
    ("/dev/_A_D_M_query%2f..%2f..%2f..%2f..%2f" + TOKENS.replace("/", "%2f"), None),
    ("/dev/_A_D_M_query%2F..%2F..%2F..%2F..%2Fdocs", None),
    ("/dev/_A_D_M_query/x%252f..%252f..%252fdocs", None),
    ("/dev/_A_D_M_..\\..\\..\\" + TOKENS.replace("/", "\\"), None),
    ("/dev/_A_D_M_query%5c..%5c..%5c..%5cdocs", None),
    ("/dev/_A_D_M_./deploy", None),
    ("/dev/_A_D_M_query//../../../../docs", None),
    ("/dev/_A_D_M_openapi.json", None),
    ("/dev/_A_D_M_docs", None),
    ("/dev/_A_D_M_" + TOKENS, None),
    ("/dev/_A_D_M_usage/../../../../" + TOKENS, None),
    ("/dev/_A_D_M_deploy", "../../../openapi.json?.api.x"),
    ("/dev/_A_D_M_usage", "a/../../../" + TOKENS + "?.api.x"),
    ("/dev/_A_D_M_usage", "brygge/../../v1/projects/brygge/admintokens#.api.x"),
    ("/openapi.json", None), ("/docs", None), ("/redoc", None), ("/health", None),
    ("/" + TOKENS, None), ("/v1/projects/brygge/admintokens", None),
    ("/_adm/brygge/dev/usage", None), ("/..%2fopenapi.json", None),
    ("/%2e%2e/openapi.json", None),
]


@pytest.mark.parametrize(("target", "host"), HOSTILE)
def test_hostile_paths_never_reach_the_admin_api(node: RunningNode, target: str,
                                                 host: str | None) -> None:
    # With the project's admin token: the strongest form of the attack.
    headers = {"x-admintoken": node.admin_token}
    if host:
        headers["host"] = host
    status, hdrs, body = raw(node, "GET", target, headers)
    platform_error((status, hdrs, body))  # the router's own refusal, not a control-plane page
    text = body.decode("utf-8", "replace")
    for leak in (node.token, node.admin_token, node.tokens["ro"],  # type: ignore[attr-defined]
                 '"openapi":', '"paths":', "swagger-ui", "Brygge admin API"):
        assert leak not in text, (target, text[:300])


def test_allow_listed_operations_still_work(node: RunningNode) -> None:
    r = httpx.get(node.base + "/dev/_A_D_M_usage", timeout=30,
                  headers={"x-admintoken": node.admin_token})
    assert r.status_code == 200, r.text
    r = httpx.get(node.base + "/dev/_A_D_M_query/nothing", timeout=30,
                  headers={"x-admintoken": node.admin_token})
    assert r.status_code in (200, 404), r.text  # the control plane's answer about the data
    assert node.token not in r.text


# -- item 5: read-only tokens reach the app with GET and HEAD only -----------------------------
def test_read_only_token_cannot_run_handlers_with_options(node: RunningNode) -> None:
    ro = {"x-apikey": node.tokens["ro"]}  # type: ignore[attr-defined]
    for method in ("OPTIONS", "POST", "PUT", "PATCH", "DELETE"):
        r = httpx.request(method, node.base + "/dev/echo", headers=ro, timeout=30)
        assert platform_error(r, 403)["error"].endswith("GET and HEAD only"), method
        assert b"echo" not in r.content
    r = httpx.get(node.base + "/dev/echo", headers=ro, timeout=30)
    assert r.status_code == 200 and r.json()["ran"] == "echo"
    assert httpx.head(node.base + "/dev/echo", headers=ro, timeout=30).status_code == 200
    # A CORS preflight is the router's answer: no handler runs, whatever the token.
    r = httpx.options(node.base + "/dev/echo", timeout=30, headers={
        **ro, "origin": "https://app.example", "access-control-request-method": "POST"})
    assert r.status_code == 204 and r.content == b""


# -- item 8: admin credentials before the admin body --------------------------------------------
@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_admin_upload_is_refused_before_its_body_arrives(node: RunningNode,
                                                         token: str | None) -> None:
    # 50,000,000 bytes announced, 1 KiB sent: the answer must come without the rest
    # (reading it first held the connection until the client gave up).
    head = ["POST /dev/_A_D_M_deploy HTTP/1.1", f"Host: 127.0.0.1:{node.http_port}",
            "Content-Type: application/json", "Content-Length: 50000000"]
    if token:
        head.append(f"x-admintoken: {token}")
    with socket.create_connection(("127.0.0.1", node.http_port), timeout=60) as s:
        s.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + b'{"bundle": "' + b"x" * 1024)
        data = b""
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < 10:
            chunk = s.recv(65536)
            assert chunk, data
            data += chunk
    head_text, body = data.split(b"\r\n\r\n", 1)
    status = int(head_text.split()[1])
    hdrs = dict(line.split(": ", 1) for line in head_text.decode().split("\r\n")[1:])
    hdrs = {k.lower(): v for k, v in hdrs.items()}
    length = int(hdrs["content-length"])
    assert status == 401 and len(body) >= length
    platform_error((status, hdrs, body[:length]), 401)


# -- item 9: gzip off the event loop -------------------------------------------------------------
def test_gzipping_a_large_answer_does_not_stall_another_space(node: RunningNode) -> None:
    other = {"x-apikey": node.tokens["other"]}  # type: ignore[attr-defined]
    assert node.get("/other/ping", headers=other).status_code == 200  # warm
    order: list[str] = []
    first = threading.Event()
    failure: list[BaseException] = []

    def big() -> None:
        try:
            with httpx.Client(timeout=120) as c, c.stream(
                    "GET", node.base + "/dev/big",
                    headers={**node.auth(), "accept-encoding": "gzip"}) as r:
                assert r.headers["content-encoding"] == "gzip"
                for _ in r.iter_raw():
                    first.set()
            order.append("big")
        except BaseException as e:  # shown by the main thread
            failure.append(e)
            first.set()

    t = threading.Thread(target=big)
    t.start()
    assert first.wait(120) and not failure, failure
    # The router is gzipping 41 MB now (started when the first chunk went out).
    r = node.get("/other/ping", headers=other)
    order.append("ping")
    t.join(120)
    assert not failure, failure
    assert r.status_code == 200 and r.json() == {"pong": True}
    assert order == ["ping", "big"]  # served while the big answer was still compressing


# -- item 10: deep JSON -------------------------------------------------------------------------
@pytest.mark.parametrize("content_type", ["application/json", "application/vnd.api+json",
                                          "application/json; charset=utf-8"])
def test_deep_json_is_400_before_the_guest_parses_it(node: RunningNode,
                                                     content_type: str) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    for path, headers in (("/dev/open/echo", {}), ("/dev/echo", node.auth()),
                          ("/dev/nowhere", {})):
        r = node.post(path, content=deep, headers={**headers, "content-type": content_type})
        assert "deeper than 256" in platform_error(r, 400)["error"], path


def test_json_within_the_depth_limit_reaches_the_app(node: RunningNode) -> None:
    ok = b"[" * 256 + b"]" * 256
    r = node.post("/dev/open/echo", content=ok, headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["ran"] == "echo"
    r = node.post("/dev/open/echo", content=b"[" * 257 + b"]" * 257,
                  headers={"content-type": "application/json"})
    platform_error(r, 400)
    s = json.dumps({"s": "[" * 100_000})  # brackets in a string are data
    r = node.post("/dev/open/echo", content=s, headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["body"] == {"s": "[" * 100_000}


# -- item 13: JWT headers of the wrong type -----------------------------------------------------
def test_jwt_with_a_non_string_alg_is_401(node: RunningNode) -> None:
    keys = Keys()
    srv = JwksServer()
    srv.keys = keys.jwks()
    try:
        r = httpx.put(node.admin + "/v1/projects/brygge/spaces/dev/jwks", timeout=30,
                      json={"url": srv.url}, headers={"x-admintoken": node.admin_token})
        assert r.status_code == 200, r.text
        good = keys.sign({"sub": "u1", "exp": int(time.time()) + 300})
        wait_until(lambda: node.get("/dev/ping", headers={"authorization": f"Bearer {good}"}
                                    ).status_code == 200, 15, "the JWKS setting")

        def b64(o: Any) -> str:
            return base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()

        for alg in (["RS256"], {"RS256": True}, 7):
            token = f"{b64({'alg': alg, 'kid': 'rsa1'})}.{b64({'exp': 9999999999})}.c2ln"
            r = node.get("/dev/ping", headers={"authorization": f"Bearer {token}"})
            assert r.status_code == 401, (alg, r.text)
            assert "alg header must be a string" in r.text
    finally:
        httpx.delete(node.admin + "/v1/projects/brygge/spaces/dev/jwks", timeout=30,
                     headers={"x-admintoken": node.admin_token})
        srv.stop()


# -- item 15: huge URLs and unparseable requests ------------------------------------------------
@pytest.mark.parametrize("length", [9_000, 70_000, 100_000, 1_000_000])
def test_long_url_is_414_json(node: RunningNode, length: int) -> None:
    status, hdrs, body = raw(node, "GET", "/dev/ping?x=" + "a" * length)
    assert "8192" in platform_error((status, hdrs, body), 414)["error"]


def test_unparseable_request_is_400_json(node: RunningNode) -> None:
    with socket.create_connection(("127.0.0.1", node.http_port), timeout=60) as s:
        s.sendall(b"GET /dev/ping HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    hdrs = {k.lower(): v for k, v in (line.split(": ", 1) for line in
                                      head.decode().split("\r\n")[1:])}
    assert "malformed" in platform_error((int(head.split()[1]), hdrs, body), 400)["error"]


# -- item 16: NaN/Infinity at the JSON entry points ---------------------------------------------
def test_non_finite_numbers_in_app_bodies_are_400(node: RunningNode) -> None:
    for text in ('{"a": NaN}', "[Infinity]", '{"a": -Infinity}'):
        r = node.post("/dev/echo", content=text, headers={**node.auth(),
                                                          "content-type": "application/json"})
        assert r.status_code == 400 and "requestId" in r.json(), r.text


def test_non_finite_numbers_in_admin_calls_are_400(node: RunningNode) -> None:
    adm = {"x-admintoken": node.admin_token, "content-type": "application/json"}
    base = node.base + "/dev/_A_D_M_"
    for text in ('[{"a": NaN}]', '[{"a": Infinity}]', '[{"a": -Infinity}]',
                 "[" * 2000 + "]" * 2000):
        r = httpx.post(base + "restore/nan", content=text, headers=adm, timeout=30)
        platform_error(r, 400)
    q = urllib.parse.quote('{"a": NaN}')
    platform_error(httpx.get(base + f"query/nan?q={q}", headers=adm, timeout=30), 400)
    r = httpx.get(base + "query/nan", timeout=30,
                  headers={**adm, "x-options": '{"limit": Infinity}'})
    assert "x-options" in platform_error(r, 400)["error"]
    # none of it was stored
    r = httpx.get(base + "query/nan", headers=adm, timeout=30)
    assert r.status_code == 404 or r.json() == [], r.text
    r = httpx.post(base + "restore/nan", content='[{"a": 1, "s": "NaN"}]', headers=adm,
                   timeout=30)
    assert r.status_code == 201 and r.json() == {"count": 1}, r.text
