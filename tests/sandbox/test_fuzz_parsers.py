"""Fuzz targets for every parser on the request path (docs/SECURITY.md "Fuzzing").

Each target feeds hostile input to the real parser and checks the one property
that matters for a shared platform: the input is either accepted or refused with
the parser's own clean error (a 4xx for the tenant) — never another exception (a
500), a trap, a hang or a crashed process.

- JSON request bodies, parsed by the guest runtime (real wasm) and pre-checked by
  the router (router/body.py)
- the datastore query language (storage/query.py, through the real storage engine)
- q2m URL queries: the CLI/admin port (control_plane/query_to_mongo.py) and crudlify's
  own parser in the guest, against a real engine
- cron expressions (control_plane/schedules.py)
- JWT headers and tokens (router/jwt_auth.py, against a JWKS served on loopback)
- multipart bodies parsed by busboy in the guest, compared with Node

CI runs a short, derandomized form (the same examples every run, so a failure is
reproducible and never flaky). Set BRYGGE_FUZZ_EXAMPLES=5000 for a long random run.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brygge import jsonsafe
from brygge.settings import Settings
from control_plane import query_to_mongo as q2m
from control_plane import schedules
from router.jwt_auth import JwksCache, JwtError
from sandbox.app import AppInstance
from storage.engine import Engine
from storage.errors import StorageError
from tests.support.sandbox_app import invoke

_LONG = "BRYGGE_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("BRYGGE_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not _LONG, database=None,
                suppress_health_check=list(HealthCheck))
FEWER = settings(FUZZ, max_examples=max(10, EXAMPLES // 3))
SID = "f" * 12


def _b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


# -- generators --------------------------------------------------------------------------------

json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                        st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8))
json_value = st.recursive(json_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=20)

# Text shaped like JSON, then broken: cut short, spliced, with JS-only literals, lone
# surrogate escapes, huge exponents, comments, BOMs, deep nesting.
_JUNK = ["NaN", "Infinity", "-Infinity", "undefined", "1e999", "-0", "0x10", "'a'", "\\ud800",
         '"\\ud800"', '"\\u00"', "/*c*/", "\ufeff", "\x00", ",", ":", "{", "}", "[", "]", '"']


@st.composite
def json_like(draw: Any) -> str:
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return draw(st.text(max_size=64))
    if kind == 1:
        depth = draw(st.integers(1, 200))
        opener = draw(st.sampled_from(["[", '{"a":']))
        closer = "]" if opener == "[" else "}"
        tail = draw(st.sampled_from(["", "1", "null"]))
        return opener * depth + tail + closer * draw(st.integers(0, depth))
    text = json.dumps(draw(json_value))
    if kind == 2:
        return text
    cut = draw(st.integers(0, len(text)))
    junk = draw(st.sampled_from(_JUNK))
    return text[:cut] + junk + (text[cut:] if kind == 3 else "")


_OPS = ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$regex",
        "$options", "$not", "$and", "$or", "$nor", "$elemMatch", "$size", "$all", "$type",
        "$mod", "$where", "$expr", "$text", "$bogus", "", "$", "a.b", "a..b", "_id", ".a"]
op_key = st.one_of(st.sampled_from(_OPS), st.text(max_size=6))


@st.composite
def hostile_query(draw: Any, depth: int = 0) -> Any:
    if depth > 3 or draw(st.integers(0, 3)) == 0:
        return draw(st.one_of(json_scalar, st.sampled_from(["(a+)+$", "[", "\\", "(?<x>", "*"])))
    shape = draw(st.integers(0, 2))
    if shape == 0:
        return [draw(hostile_query(depth + 1)) for _ in range(draw(st.integers(0, 3)))]
    return {draw(op_key): draw(hostile_query(depth + 1)) for _ in range(draw(st.integers(0, 3)))}


# -- JSON bodies -------------------------------------------------------------------------------

ECHO_JS = """import {app} from 'codehooks-js';
app.post('/echo', (req, res) => res.json({kind: typeof req.body, keys: Object.keys(req.body || {}).length}));
export default app.init();
"""


@pytest.fixture(scope="module")
def echo_app() -> Iterator[AppInstance]:
    a = AppInstance({"kind": "source", "entry": "index.js", "files": {"index.js": ECHO_JS}},
                    lambda op, payload: "")
    yield a
    a.close()


@FUZZ
@given(body=json_like(), ctype=st.sampled_from(["application/json", "application/vnd.api+json",
                                                "application/json; charset=utf-8"]))
def test_json_bodies_are_parsed_or_refused_with_400(echo_app: AppInstance, body: str,
                                                    ctype: str) -> None:
    r = invoke(echo_app, "POST", "/echo", body=body, headers={"content-type": ctype})
    assert r.status in (200, 400), (r.status, r.text[:300], body[:200])
    out = r.json()
    if r.status == 400:
        assert "Malformed JSON body" in out["error"], out
    elif body:
        json.loads(body)  # what the guest accepted, Python's strict parser accepts too


def test_json_body_nesting_is_refused_before_the_guest() -> None:
    """Nesting far past what any app sends is refused by the router, cheaply."""
    limit = Settings().max_json_depth
    jsonsafe.check(b"[" * limit + b"]" * limit, limit)  # at the limit: fine
    for hostile in (b"[" * (limit + 1), b'{"a":' * (limit + 1), b"[" * 100_000):
        with pytest.raises(jsonsafe.JsonUnsafe) as e:
            jsonsafe.check(hostile, limit)
        assert "nests" in str(e.value)
    # brackets inside strings do not count
    jsonsafe.check(b'["' + b"[" * (limit * 4) + b'"]', limit)


@FUZZ
@given(body=json_like())
def test_router_json_depth_check_agrees_with_a_parser(body: str) -> None:
    limit = Settings().max_json_depth
    raw = body.encode("utf-8", "surrogatepass")
    try:
        jsonsafe.check(raw, limit, finite=False)
        return
    except jsonsafe.JsonUnsafe:
        pass
    # refused only if a JSON reading of it really nests past the limit (or cannot be
    # read at all, in which case the guest would answer 400 anyway)
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return
    assert _depth(value) > limit, body[:200]


def _depth(v: Any) -> int:
    best, stack = 0, [(v, 1)]
    while stack:
        x, d = stack.pop()
        if isinstance(x, (list, dict)):
            best = max(best, d)
            stack.extend((y, d + 1) for y in (x.values() if isinstance(x, dict) else x))
    return best


# -- the query language (storage engine) --------------------------------------------------------

@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as tmp:
        e = Engine(tmp, page_size=4)
        docs = [{"_id": f"{i:03d}", "a": v, "b": i, "c": {"d": [v, i]}}
                for i, v in enumerate([1, "x", None, [1, 2], {"k": 1}, True, 2.5, "ab", []])]
        e.call(SID, "db.insertMany", json.dumps({"collection": "c", "docs": docs}).encode())
        e.call(SID, "db.createIndex", json.dumps({"collection": "c", "fields": ["a", "b"]}).encode())
        yield e
        e.close()


def _storage(e: Engine, op: str, args: dict[str, Any]) -> None:
    try:
        e.call(SID, op, json.dumps(args).encode())
    except StorageError:
        pass  # a clean refusal: the tenant gets a 400 naming it


@FUZZ
@given(q=hostile_query(), sort=st.one_of(st.none(), st.dictionaries(op_key, json_scalar,
                                                                      max_size=2)))
def test_queries_are_answered_or_refused_cleanly(engine: Engine, q: Any, sort: Any) -> None:
    opts = {"sort": sort} if sort is not None else {}
    _storage(engine, "db.getMany", {"collection": "c", "query": q, "options": opts})
    _storage(engine, "db.count", {"collection": "c", "query": q})


@FEWER
@given(q=hostile_query(), upd=hostile_query())
def test_updates_are_applied_or_refused_cleanly(engine: Engine, q: Any, upd: Any) -> None:
    _storage(engine, "db.updateMany", {"collection": "scratch", "query": q, "update": upd})
    _storage(engine, "db.insertOne", {"collection": "scratch", "doc": upd})


# -- q2m URL queries -----------------------------------------------------------------------------

_Q2M_PARTS = ["=", "&", ">", "<", "!", "!=", ">=", "<=", "~", "%", "%2", "%zz", "+", "/", "/i",
              "[", "]", ".", "$", "fields", "sort", "limit", "offset", "omit", "true", "null",
              "1e400", "2024-01-01", "a", "qty", "status"]
q2m_query = st.lists(st.one_of(st.sampled_from(_Q2M_PARTS), st.text(max_size=4)),
                     max_size=16).map("".join)


@FUZZ
@given(query=q2m_query)
def test_q2m_port_parses_or_names_the_syntax_error(query: str) -> None:
    try:
        out = q2m.criteria(query)
    except q2m.QuerySyntaxError:
        return
    assert isinstance(out, dict)
    json.dumps(out, allow_nan=False)  # what coho sends on as q=


CRUD_JS = """import {app, crudlify} from 'codehooks-js';
crudlify(app);
export default app.init();
"""


@pytest.fixture(scope="module")
def crud_app(engine: Engine) -> Iterator[AppInstance]:
    def host(op: str, payload: str) -> str:
        try:
            return engine.call(SID, op, payload.encode()).decode()
        except StorageError as e:
            return f"\0{e.name}\0{e}"

    a = AppInstance({"kind": "source", "entry": "index.js", "files": {"index.js": CRUD_JS}}, host)
    yield a
    a.close()


@FUZZ
@given(query=q2m_query)
def test_crudlify_url_queries_never_answer_500(crud_app: AppInstance, query: str) -> None:
    r = invoke(crud_app, "GET", "/c", query=query)
    assert r.status is not None and r.status < 500, (r.status, r.text[:300], query)


# -- cron expressions ----------------------------------------------------------------------------

_CRON_PARTS = ["*", "*/", "/", ",", "-", "?", "L", "W", "#", "0", "7", "59", "60", "99", "1-5",
               "MON", "jan", "SUN-SAT", "@daily", " ", "  ", "\t", "-1", "2147483648"]
cron_expr = st.lists(st.one_of(st.sampled_from(_CRON_PARTS), st.text(max_size=3)),
                     max_size=14).map("".join)


@FUZZ
@given(expr=cron_expr, tz=st.sampled_from(["UTC", "Europe/Oslo", "Nowhere/City", "", "../etc"]))
def test_cron_expressions_parse_or_name_the_problem(expr: str, tz: str) -> None:
    from datetime import UTC, datetime
    try:
        cron = schedules.parse(expr, tz)
    except (schedules.CronError, ValueError) as e:
        assert str(e)
        return
    nxt = cron.next_after(datetime(2026, 12, 31, 23, 59, tzinfo=UTC))
    assert nxt is None or nxt.year >= 2026
    schedules.nats_expression(expr)


# -- JWT headers ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    doc = json.dumps({"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]}).encode()

    class H(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-length", str(len(doc)))
            self.end_headers()
            self.wfile.write(doc)

        def log_message(self, *a: Any) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/jwks.json"
    srv.shutdown()


jwt_header = st.dictionaries(
    st.sampled_from(["alg", "kid", "typ", "crit", "jku", "x5u", "b64", "enc"]),
    st.one_of(json_value, st.sampled_from(["RS256", "HS256", "none", "ES256", "EdDSA", "k1"])),
    max_size=5)


@FUZZ
@given(header=jwt_header, claims=json_value, sig=st.binary(max_size=300),
       junk=st.sampled_from(["", ".", "..", "a.b", "e30.e30.", "!!.??.##"]))
def test_jwt_headers_and_tokens_are_refused_with_401_or_503(jwks_url: str, header: Any,
                                                             claims: Any, sig: bytes,
                                                             junk: str) -> None:
    cache = JwksCache(timeout_s=3, cache_s=600, refetch_s=0, leeway_s=0)
    tokens = [junk,
              ".".join([_b64url(json.dumps(header).encode()),
                        _b64url(json.dumps(claims).encode()), _b64url(sig)])]
    for token in tokens:
        try:
            asyncio.run(cache.verify(token, jwks_url))
        except JwtError as e:
            assert e.status in (401, 503)
        else:
            pytest.fail(f"an unsigned token was accepted: {token[:120]}")


# -- multipart (busboy in the guest, compared with Node) -------------------------------------------

BUSBOY_LIB = """import busboy from 'busboy';
export async function run(cases) {
  const out = [];
  for (const {body, contentType} of cases) {
    out.push(await new Promise((resolve) => {
      const got = [];
      let bb;
      try { bb = busboy({headers: {'content-type': contentType}}); }
      catch (e) { resolve(['throws', e.message]); return; }
      bb.on('field', (name, val) => got.push(['field', name, val]));
      bb.on('file', (name, stream, info) => {
        const chunks = [];
        stream.on('data', (d) => chunks.push(d));
        stream.on('error', (e) => got.push(['file-error', name, e.message]));
        stream.on('end', () => got.push(['file', name, info.filename,
                                         Buffer.concat(chunks).toString('base64')]));
      });
      bb.on('close', () => resolve(['ok', got]));
      bb.on('error', (e) => resolve(['error', e.message]));
      bb.end(Buffer.from(body, 'base64'));
    }));
  }
  return out;
}
"""


@st.composite
def multipart_case(draw: Any) -> dict[str, str]:
    boundary = draw(st.one_of(st.just("----b7"), st.text("abcXYZ09'()+_,-./:=? ", min_size=1,
                                                           max_size=72)))
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.text(max_size=6))
        disp = f'form-data; name="{name}"'
        if draw(st.booleans()):
            disp += f'; filename="{draw(st.text(max_size=6))}"'
        headers = f"Content-Disposition: {disp}\r\n"
        if draw(st.booleans()):
            headers += f"Content-Type: {draw(st.sampled_from(['text/plain', 'x', ';;', '']))}\r\n"
        parts.append(f"--{boundary}\r\n{headers}\r\n".encode() + draw(st.binary(max_size=40))
                     + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    mode = draw(st.integers(0, 3))
    if mode == 1:  # cut short
        body = body[:draw(st.integers(0, len(body)))]
    elif mode == 2:  # a byte flipped
        if body:
            i = draw(st.integers(0, len(body) - 1))
            body = body[:i] + bytes([body[i] ^ draw(st.integers(1, 255))]) + body[i + 1:]
    ctype = draw(st.sampled_from([f"multipart/form-data; boundary={boundary}",
                                  f'multipart/form-data; boundary="{boundary}"',
                                  "multipart/form-data", "multipart/form-data; boundary=",
                                  "text/plain"]))
    return {"body": base64.b64encode(body).decode(), "contentType": ctype}


def test_multipart_bodies_parse_as_node_parses_them(tmp_path: Any) -> None:
    from tests.support.npm import run_both

    cases: list[dict[str, str]] = []

    @FEWER
    @given(case=multipart_case())
    def collect(case: dict[str, str]) -> None:
        cases.append(case)

    collect()
    ours, node = run_both(tmp_path, "busboy", BUSBOY_LIB, cases)
    assert len(ours) == len(cases)
    for case, a, b in zip(cases, ours, node, strict=True):
        assert a == b, (case, a, b)
