"""Unit tests for sandbox/app.py: real codehooks-js apps in real wasm instances.

Invocations are driven exactly as sandbox/server.py `_run_http` drives them:
`app.run("__brygge_invoke", json.dumps(req), Invocation(emit=...), deadline)` with
the same request dict. The host side (`host_ops`) is a plain Python function.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from sandbox.app import AppInstance, DeployError, Invocation, parse_artifact
from tests.support.sandbox_app import HEAD, invoke, make_app

UNHANDLED = "Unhandled Codehook exception, check logs"








# -- route matching (spec §2.3) ---------------------------------------------------------------

ROUTES_JS = HEAD + r"""
const h = (name) => (req, res) => res.json({route: name, params: req.params});
app.get('/admin', h('admin'));
app.get('/admin/:id', h('admin-id'));
app.get('/admin/special', h('special'));
app.get('/user/*/inbox', h('inbox'));
app.get('/my*', h('my'));
app.get('/api/*', h('api-star'));
app.get('/mailgun/*', h('mailgun'));
app.get('/x/:a.:b', h('dot'));
app.get('/order/:orderID/:type', h('order'));
app.get('/first', h('first'));
app.get('/fir*', h('fir-star'));
app.get('/enc/:v', h('enc'));
app.get('/(a|b)x', h('meta'));
app.get('/file.json', h('file-json'));
app.get(/^\/re\/(?<n>\d+)$/, h('regex'));
app.get(/ping/i, h('regex-unanchored'));
app.get(/^\/(foo|bar)/, h('regex-alt'));
app.post('/admin', h('post-admin'));
app.all('/any/:x', h('all'));
app.delete('/admin/:id', h('delete-admin'));
app.put('/*', h('put-star'));
app.patch('/', h('patch-root'));
export default app.init();
"""


@pytest.fixture(scope="module")
def routes_app():  # type: ignore[no-untyped-def]
    a = make_app(ROUTES_JS)
    yield a
    a.close()


ROUTE_CASES = [
    ("GET", "/admin", "admin", None),
    ("GET", "/admin/", "admin", None),
    ("GET", "/ADMIN", "admin", None),
    ("GET", "/Admin/", "admin", None),
    ("GET", "/admin/abc-123", "admin-id", {"id": "abc-123"}),
    ("GET", "/admin/abc-123/", "admin-id", {"id": "abc-123"}),
    ("GET", "/admin/special", "admin-id", {"id": "special"}),  # first match wins
    ("GET", "/admin/abc/def", None, None),
    ("GET", "/user/abc-123/inbox", "inbox", None),
    ("GET", "/user/a/b/inbox", "inbox", None),
    ("GET", "/user/inbox", None, None),
    ("GET", "/myroute", "my", None),
    ("GET", "/my/route/x", "my", None),
    ("GET", "/my", "my", None),
    ("GET", "/api", None, None),
    ("GET", "/api/todos/1", "api-star", None),
    ("GET", "/api/", "api-star", None),
    ("GET", "/mailgun/events", "mailgun", None),
    ("GET", "/x/1.2", "dot", {"a": "1", "b": "2"}),
    ("GET", "/x/1-2", None, None),
    ("GET", "/order/12345/big", "order", {"orderID": "12345", "type": "big"}),
    ("GET", "/order/12345", None, None),
    ("GET", "/first", "first", None),
    ("GET", "/firstly", "fir-star", None),
    ("GET", "/enc/a%20b%2Fc", "enc", {"v": "a b/c"}),
    ("GET", "/enc/%E2%9C%93%F0%9F%98%80", "enc", {"v": "✓😀"}),
    ("GET", "/enc/100%25", "enc", {"v": "100%"}),
    ("GET", "/enc/%ZZ", "enc", {"v": "%ZZ"}),
    ("GET", "/ax", "meta", None),
    ("GET", "/bx", "meta", None),
    ("GET", "/file.json", "file-json", None),
    ("GET", "/fileXjson", None, None),
    ("GET", "/re/42", "regex", {"n": "42"}),
    ("GET", "/re/42x", None, None),
    ("GET", "/some/PiNg/where", "regex-unanchored", None),
    ("GET", "/foo/anything", "regex-alt", None),
    ("GET", "/dev/user/bar/foo", None, None),  # anchored regex tests apiPath
    ("POST", "/admin", "post-admin", None),
    ("POST", "/admin/1", None, None),
    ("GET", "/any/1", "all", {"x": "1"}),
    ("POST", "/any/2", "all", {"x": "2"}),
    ("DELETE", "/any/3", "all", {"x": "3"}),
    ("PATCH", "/ANY/4", "all", {"x": "4"}),
    ("DELETE", "/admin/9", "delete-admin", {"id": "9"}),
    ("PUT", "/", "put-star", None),
    ("PUT", "/admin", "put-star", None),
    ("PUT", "/deep/down/path", "put-star", None),
    ("PATCH", "/", "patch-root", None),
    ("PATCH", "/x", None, None),
    ("GET", "/nothing/here", None, None),
]


@pytest.mark.parametrize("method,path,route,params", ROUTE_CASES,
                         ids=[f"{m} {p}" for m, p, _, _ in ROUTE_CASES])
def test_route_matching(routes_app: AppInstance, method: str, path: str, route: str | None,
                        params: dict | None) -> None:
    r = invoke(routes_app, method, path, query="q=1")
    assert r.ended and not r.inv.error
    if route is None:
        assert r.status == 404
        body = r.json()
        assert path in body["error"] and method in body["error"]
        assert body["requestId"] == "req-1"
    else:
        assert r.status == 200
        assert r.json() == {"route": route, "params": params}


def test_manifest_lists_routes(routes_app: AppInstance) -> None:
    m = routes_app.manifest
    assert m["routes"][:3] == ["GET /admin", "GET /admin/:id", "GET /admin/special"]
    assert "* /any/:x" in m["routes"]
    assert any(r.startswith('GET {"$regex"') for r in m["routes"])
    assert m["auth"] == [] and m["middleware"] == 0 and m["startup"] is False


# -- middleware ------------------------------------------------------------------------------

MW_JS = HEAD + r"""
app.use((req, res, next) => { req.trace = ['plain']; next(); });
app.use('/mw/*', (req, res, next) => { req.trace.push('path'); next(); });
app.use(/^\/mw\/re/, (req, res, next) => { req.trace.push('regex'); next(); });
app.use('/err/*', (req, res, next) => next('mw failed'));
app.use('/stop/*', (req, res, next) => res.status(418).send('stopped'));
app.use('/throw/*', (req, res, next) => { throw new Error('mw threw'); });
app.use('/resnext/*', (req, res, next) => { req.trace.push('resnext'); res.next(); });
app.use('/async/*', async (req, res, next) => { await null; req.trace.push('async'); next(); });
app.use((req, res, next) => { req.trace.push('plain2'); next(); });
app.get('/next-err', (req, res, next) => next('route failed'));
app.get('/next-errobj', (req, res, next) => next(new Error('route error object')));
app.get('/chain', (req, res, next) => { req.trace.push('m1'); next(); },
        [(req, res, next) => { req.trace.push('m2'); next(); }],
        (req, res) => res.json({trace: req.trace}));
app.get('/*', (req, res) => res.json({trace: req.trace}));
export default app.init();
"""


@pytest.fixture(scope="module")
def mw_app():  # type: ignore[no-untyped-def]
    a = make_app(MW_JS)
    yield a
    a.close()


@pytest.mark.parametrize("path,status,expected", [
    ("/plain", 200, ["plain", "plain2"]),
    ("/mw/x", 200, ["plain", "path", "plain2"]),
    ("/mw/re", 200, ["plain", "path", "regex", "plain2"]),
    ("/MW/REGEX", 200, ["plain", "path", "plain2"]),  # the RegExp is case-sensitive
    ("/resnext/1", 200, ["plain", "resnext", "plain2"]),
    ("/async/1", 200, ["plain", "async", "plain2"]),
    ("/chain", 200, ["plain", "plain2", "m1", "m2"]),
    ("/err/x", 500, "mw failed"),
    ("/stop/x", 418, "stopped"),
    ("/next-err", 500, "route failed"),
])
def test_middleware(mw_app: AppInstance, path: str, status: int, expected: Any) -> None:
    r = invoke(mw_app, "GET", path)
    assert r.status == status and r.ended
    if isinstance(expected, list):
        assert r.json() == {"trace": expected}
    else:
        assert r.text == expected


@pytest.mark.parametrize("path", ["/throw/x", "/next-errobj"])
def test_middleware_or_route_error_object_is_unhandled_500(mw_app: AppInstance,
                                                           path: str) -> None:
    r = invoke(mw_app, "GET", path)
    assert r.status == 500
    body = r.json()
    assert UNHANDLED in (body.get("text"), body.get("error"))
    assert any(level == "error" for level, _, _t in r.inv.logs)


def test_middleware_count_in_manifest(mw_app: AppInstance) -> None:
    assert mw_app.manifest["middleware"] == 9


# -- auth hooks ------------------------------------------------------------------------------

AUTH_JS = HEAD + r"""
app.auth('/public/*', (req, res, next) => next());
app.auth('/public/deny', (req, res, next) => next('should not run'));
app.auth('/deny/*', (req, res, next) => next('nope'));
app.auth('/custom/*', (req, res, next) => res.status(403).end('No soup!'));
app.auth(/^\/re-open/, (req, res, next) => next());
app.auth('/throws/*', (req, res, next) => { throw new Error('auth threw'); });
app.auth('/params/:id', (req, res, next) => { req.authParams = req.params; next(); });
app.auth('/two/*', (req, res, next) => next(), (req, res, next) => next('second ran'));
app.auth('/async/*', async (req, res, next) => { await null; next(); });
app.get('/*', (req, res) => res.json({ok: true, authParams: req.authParams || null}));
export default app.init();
"""


@pytest.fixture(scope="module")
def auth_app():  # type: ignore[no-untyped-def]
    a = make_app(AUTH_JS)
    yield a
    a.close()


@pytest.mark.parametrize("path,authed,status,check", [
    ("/public/x", False, 200, {"ok": True, "authParams": None}),
    ("/public/deny", False, 200, {"ok": True, "authParams": None}),  # first match wins
    ("/PUBLIC/x", False, 200, {"ok": True, "authParams": None}),
    ("/re-open/1", False, 200, {"ok": True, "authParams": None}),
    ("/params/7", False, 200, {"ok": True, "authParams": {"id": "7"}}),
    ("/two/x", False, 200, {"ok": True, "authParams": None}),  # only the first hook runs
    ("/async/x", False, 200, {"ok": True, "authParams": None}),
    ("/deny/x", False, 403, "nope"),
    ("/custom/x", False, 403, b"No soup!"),
    ("/private", False, 401, None),
    ("/", False, 401, None),
    ("/deny/x", True, 200, {"ok": True, "authParams": None}),  # hooks skipped when authed
    ("/custom/x", True, 200, {"ok": True, "authParams": None}),
    ("/private", True, 200, {"ok": True, "authParams": None}),
])
def test_auth_hooks(auth_app: AppInstance, path: str, authed: bool, status: int,
                    check: Any) -> None:
    r = invoke(auth_app, "GET", path, authed=authed)
    assert r.status == status and r.ended
    if isinstance(check, dict):
        assert r.json() == check
    elif isinstance(check, bytes):
        assert r.body == check
    elif isinstance(check, str):
        assert r.json()["error"] == check
    if status == 401:
        body = r.json()
        assert body["error"] and body["requestId"] == "req-1"
        assert r.header("content-type").startswith("application/json")


def test_auth_401_carries_auth_error(auth_app: AppInstance) -> None:
    r = invoke(auth_app, "GET", "/private", authed=False, auth_error="token expired")
    assert r.status == 401 and r.json()["error"] == "token expired"


def test_auth_hook_that_throws_is_refused(auth_app: AppInstance) -> None:
    r = invoke(auth_app, "GET", "/throws/x", authed=False)
    assert r.status in (401, 403, 500)
    assert "ok" not in r.json()


def test_no_auth_hooks_at_all_gives_401() -> None:
    a = make_app(HEAD + "app.get('/*', (req, res) => res.end('open'));\nexport default app.init();")
    r = invoke(a, "GET", "/x", authed=False)
    assert r.status == 401 and "error" in r.json()
    assert invoke(a, "GET", "/x").text == "open"


# -- request object ---------------------------------------------------------------------------

REQ_JS = HEAD + r"""
app.all('/echo', (req, res) => res.json(req));
app.all('/echo/:id', (req, res) => res.json(req));
app.all('/fields', (req, res) => res.json({
  method: req.method, path: req.path, apiPath: req.apiPath, apipath: req.apipath,
  originalUrl: req.originalUrl, query: req.query, body: req.body, rawBody: req.rawBody,
  hostname: req.hostname, params: req.params, headers: req.headers,
  rawBodyType: typeof req.rawBody, keys: Object.keys(req).sort(),
}));
export default app.init();
"""


@pytest.fixture(scope="module")
def req_app():  # type: ignore[no-untyped-def]
    a = make_app(REQ_JS)
    yield a
    a.close()


REQ_KEYS = {"hostname", "headers", "query", "path", "apiPath", "originalUrl", "params", "body",
            "method"}


def test_res_json_req_shape(req_app: AppInstance) -> None:
    r = invoke(req_app, "GET", "/echo", query="a=1", headers={"X-Apikey": "k", "Accept": "*/*"})
    body = r.json()
    assert set(body) == REQ_KEYS
    assert body == {
        "hostname": "myproject.api.example.org", "headers": {"x-apikey": "k", "accept": "*/*"},
        "query": {"a": "1"}, "path": "/dev/echo", "apiPath": "/echo",
        "originalUrl": "/dev/echo?a=1", "params": None, "body": {}, "method": "GET",
    }


def test_res_json_req_with_params_and_body(req_app: AppInstance) -> None:
    r = invoke(req_app, "POST", "/echo/%F0%9F%98%80", headers={"content-type": "application/json"},
               body='{"a": [1, "😀"]}')
    body = r.json()
    assert set(body) == REQ_KEYS
    assert body["params"] == {"id": "😀"}
    assert body["body"] == {"a": [1, "😀"]}
    assert body["apiPath"] == "/echo/%F0%9F%98%80"  # the path stays raw


@pytest.mark.parametrize("query,expected", [
    ("", {}),
    ("a=1", {"a": "1"}),
    ("a=1&a=2", {"a": ["1", "2"]}),
    ("a=1&a=2&a=3", {"a": ["1", "2", "3"]}),
    ("b=x%20y&c=+plus+&d", {"b": "x y", "c": " plus ", "d": ""}),
    ("e=%E2%9C%93&%F0%9F%98%80=emoji", {"e": "✓", "😀": "emoji"}),
    ("empty=&&x=1", {"empty": "", "x": "1"}),
    ("eq=a=b", {"eq": "a=b"}),
    ("bad=%ZZ", {"bad": "%ZZ"}),
])
def test_query_parsing(req_app: AppInstance, query: str, expected: dict) -> None:
    r = invoke(req_app, "GET", "/fields", query=query)
    assert r.json()["query"] == expected


@pytest.mark.parametrize("ctype,raw,expected", [
    ("application/json", '{"a": 1, "b": [true, null]}', {"a": 1, "b": [True, None]}),
    ("application/json; charset=utf-8", '{"é": "😀"}', {"é": "😀"}),
    ("Application/JSON", "[1, 2]", [1, 2]),
    ("application/vnd.api+json", '{"data": 1}', {"data": 1}),
    ("application/json", "", {}),
    ("application/x-www-form-urlencoded", "a=1&b=two+words&a=3&c=%C3%A6",
     {"a": ["1", "3"], "b": "two words", "c": "æ"}),
    ("text/plain", "hello\r\nworld 😀", "hello\r\nworld 😀"),
    ("text/csv; charset=utf-8", "a,b\n1,2", "a,b\n1,2"),
    ("application/octet-stream", "binary-ish", {}),
    ("", "no type", {}),
])
def test_body_parsing(req_app: AppInstance, ctype: str, raw: str, expected: Any) -> None:
    headers = {"content-type": ctype} if ctype else {}
    r = invoke(req_app, "POST", "/fields", headers=headers, body=raw)
    assert r.status == 200
    out = r.json()
    assert out["body"] == expected
    assert out["rawBody"] == raw and out["rawBodyType"] == "string"


def test_request_fields(req_app: AppInstance) -> None:
    r = invoke(req_app, "PUT", "/fields", query="x=1", headers={"Host": "h.example"})
    out = r.json()
    assert out["method"] == "PUT"
    assert (out["path"], out["apiPath"], out["apipath"]) == ("/dev/fields", "/fields", "/fields")
    assert out["originalUrl"] == "/dev/fields?x=1"
    assert out["hostname"] == "myproject.api.example.org"
    assert out["headers"] == {"host": "h.example"}
    assert out["params"] is None
    # rawBody and helper functions are not enumerable
    assert "rawBody" not in out["keys"]
    assert set(out["keys"]) >= REQ_KEYS


@pytest.mark.parametrize("raw", ['{"a": 1', "{'a': 1}", "not json", "[1,]", '{"a": undefined}'])
def test_malformed_json_body_is_400(req_app: AppInstance, raw: str) -> None:
    r = invoke(req_app, "POST", "/echo", headers={"content-type": "application/json"}, body=raw)
    assert r.status == 400
    assert r.header("content-type").startswith("application/json")
    body = r.json()
    assert "malformed json" in body["error"].lower()
    assert len(body["error"]) > len("Malformed JSON body: ")  # names the problem
    assert body["requestId"] == "req-1"
    assert not r.inv.error


# -- response object ----------------------------------------------------------------------------

RES_JS = HEAD + r"""
app.get('/status', (req, res) => res.status(201).json({created: true}));
app.get('/status-str', (req, res) => res.status('202').end());
app.get('/set', (req, res) => {
  res.set('X-One', '1');
  res.setHeader('Set-Cookie', ['a=1; Path=/', 'b=2']);
  res.removeHeader('Pragma');
  res.set({'X-Obj': 'o', 'X-Num': 5});
  res.header('X-Alias', 'yes');
  res.send('ok');
});
app.get('/override', (req, res) => { res.set('Cache-Control', 'max-age=60'); res.end('c'); });
app.get('/get-header', (req, res) => { res.set('X-A', 'v'); res.end(String(res.getHeader('x-a'))); });
app.get('/redirect', (req, res) => res.redirect('/elsewhere'));
app.get('/redirect301', (req, res) => res.redirect(301, '/moved'));
app.get('/redirect-str', (req, res) => res.redirect('307', '/tmp'));
app.get('/send-obj', (req, res) => res.send({a: 1, u: '😀'}));
app.get('/send-arr', (req, res) => res.status(404).send([1, 2]));
app.get('/send-html', (req, res) => res.send('  <p>hi</p>'));
app.get('/send-text', (req, res) => res.send('plain 😀'));
app.get('/sendStatus', (req, res) => res.sendStatus(404));
app.get('/type-xml', (req, res) => { res.type('xml'); res.end('<a/>'); });
app.get('/type-html', (req, res) => { res.type('html'); res.end('<b/>'); });
app.get('/type-full', (req, res) => { res.type('text/csv'); res.end('a,b'); });
app.get('/stream', (req, res) => {
  res.set('content-type', 'application/x-ndjson');
  res.write('{"n":1}\n'); res.write('😀\n'); res.end('{"n":3}\n');
});
app.get('/stream-async', async (req, res) => {
  res.set('content-type', 'text/plain');
  res.write('1'); await null; res.write('2');
  await new Promise((r) => setTimeout(r, 5)); res.write('3'); res.end();
});
app.get('/write-no-type', (req, res) => { res.write('x'); res.end(); });
app.get('/end-twice', (req, res) => {
  res.end('first'); res.end('second'); res.json({x: 1}); res.write('y');
});
app.get('/end-obj', (req, res) => res.end({o: 1}));
app.get('/end-empty', (req, res) => res.status(204).end());
app.get('/json-null', (req, res) => res.json(null));
app.get('/binary', (req, res) => {
  res.set('content-type', 'application/octet-stream');
  res.write(new Uint8Array([0, 255, 128, 65])); res.end();
});
app.get('/throw', (req, res) => { throw new Error('kaboom'); });
app.get('/throw-nonerror', (req, res) => { throw 'just a string'; });
app.get('/async-throw', async (req, res) => { await null; throw new TypeError('later'); });
app.get('/reject', (req, res) => Promise.reject(new Error('rejected')));
app.get('/throw-after-write', (req, res) => { res.write('partial'); throw new Error('midway'); });
app.get('/never', (req, res) => {});
app.get('/never-async', async (req, res) => { await null; });
app.get('/timeout', (req, res) => setTimeout(() => res.json({late: true}), 50));
app.get('/timeout-chain', (req, res) => setTimeout(() => setTimeout(() => res.end('2x'), 10), 10));
app.get('/interval', (req, res) => {
  let n = 0;
  const id = setInterval(() => { n++; if (n === 3) { clearInterval(id); res.end(String(n)); } }, 5);
});
app.get('/cleared', (req, res) => { const t = setTimeout(() => res.end('no'), 10); clearTimeout(t); });
app.get('/spin', (req, res) => { for (;;) {} });
app.get('/slow-timer', (req, res) => setTimeout(() => res.end('too late'), 5000));
app.get('/log', (req, res) => {
  console.log('hello', {a: 1}, [1, 2], 3, '😀');
  console.error('bad thing');
  console.warn('careful');
  console.info('fyi');
  console.debug('dbg');
  console.log(new Error('logged error'));
  res.end();
});
app.get('/log-after', async (req, res) => {
  res.end('ok');
  await null;
  console.log('after response');
});
app.get('/db', async (req, res) => {
  const conn = await Datastore.open();
  const doc = await conn.insertOne('items', {name: 'ünï 😀'});
  const back = await conn.getOne('items', doc._id);
  try { await conn.getOne('items', 'missing'); } catch (e) {
    return res.json({doc, back, errName: e.name, errMessage: e.message});
  }
  res.json({unexpected: true});
});
export default app.init();
"""


class FakeDB:
    """A plain Python host_ops: db.* against a dict."""

    def __init__(self) -> None:
        self.docs: dict[str, dict] = {}
        self.calls: list[tuple[str, Any]] = []

    def __call__(self, op: str, payload: str) -> str:
        args = json.loads(payload) if payload else {}
        self.calls.append((op, args))
        if op == "db.insertOne":
            doc = {**args["doc"], "_id": f"id{len(self.docs)}"}
            self.docs[doc["_id"]] = doc
            return json.dumps(doc)
        if op == "db.getOne":
            doc = self.docs.get(args["query"].get("_id"))
            if doc is None:
                return "\0NotFound\0document not found"
            return json.dumps(doc)
        return f"\0Error\0unknown host operation {op!r}"


@pytest.fixture(scope="module")
def res_db() -> FakeDB:
    return FakeDB()


@pytest.fixture(scope="module")
def res_app(res_db: FakeDB):  # type: ignore[no-untyped-def]
    a = make_app(RES_JS, host_ops=res_db)
    yield a
    a.close()


@pytest.fixture
def fresh_res_app(res_db: FakeDB):  # type: ignore[no-untyped-def]
    a = make_app(RES_JS, host_ops=res_db)
    yield a
    if not a.dead:
        a.close()


NOCACHE = {"cache-control": "no-store, no-cache, must-revalidate, proxy-revalidate",
           "pragma": "no-cache", "expires": "0", "surrogate-control": "no-store"}


def test_default_nocache_headers(res_app: AppInstance) -> None:
    r = invoke(res_app, "GET", "/status")
    for k, v in NOCACHE.items():
        assert r.all(k) == [v]
    assert r.status == 201 and r.json() == {"created": True}
    assert r.header("content-type").startswith("application/json")


@pytest.mark.parametrize("path,status,ctype,body", [
    ("/status-str", 202, None, b""),
    ("/send-obj", 200, "application/json", {"a": 1, "u": "😀"}),
    ("/send-arr", 404, "application/json", [1, 2]),
    ("/send-html", 200, "text/html", b"  <p>hi</p>"),
    ("/send-text", 200, "text/plain", "plain 😀".encode()),
    ("/sendStatus", 404, None, b"404"),
    ("/type-xml", 200, "application/xml", b"<a/>"),
    ("/type-html", 200, "text/html", b"<b/>"),
    ("/type-full", 200, "text/csv", b"a,b"),
    ("/end-twice", 200, "text/plain", b"first"),
    ("/end-obj", 200, "application/json", {"o": 1}),
    ("/end-empty", 204, None, b""),
    ("/json-null", 200, "application/json", None),
    ("/get-header", 200, None, b"v"),
    ("/override", 200, None, b"c"),
    ("/write-no-type", 200, "text/plain", b"x"),
])
def test_response_methods(res_app: AppInstance, path: str, status: int, ctype: str | None,
                          body: Any) -> None:
    r = invoke(res_app, "GET", path)
    assert r.ended and not r.inv.error
    assert r.status == status
    if ctype is not None:
        assert r.header("content-type").startswith(ctype)
    if isinstance(body, bytes):
        assert r.body == body
    else:
        assert r.json() == body
    assert r.events.count("head") == 1 and r.events[-1] == "end"


def test_set_headers_arrays_remove(res_app: AppInstance) -> None:
    r = invoke(res_app, "GET", "/set")
    assert r.status == 200 and r.text == "ok"
    assert r.all("x-one") == ["1"]
    assert r.all("set-cookie") == ["a=1; Path=/", "b=2"]  # repeated header
    assert r.all("pragma") == []  # removeHeader is case-insensitive
    assert r.all("x-obj") == ["o"] and r.all("x-num") == ["5"] and r.all("x-alias") == ["yes"]
    assert r.all("cache-control") == [NOCACHE["cache-control"]]
    assert all(k == k.lower() for k, _ in r.headers)


def test_header_override_replaces_default(res_app: AppInstance) -> None:
    r = invoke(res_app, "GET", "/override")
    assert r.all("cache-control") == ["max-age=60"]


@pytest.mark.parametrize("path,status,location", [
    ("/redirect", 302, "/elsewhere"),
    ("/redirect301", 301, "/moved"),
    ("/redirect-str", 307, "/tmp"),
])
def test_redirect(res_app: AppInstance, path: str, status: int, location: str) -> None:
    r = invoke(res_app, "GET", path)
    assert r.status == status and r.all("location") == [location] and r.ended


def test_write_streams_chunks(res_app: AppInstance) -> None:
    r = invoke(res_app, "GET", "/stream")
    assert r.status == 200 and r.header("content-type") == "application/x-ndjson"
    assert r.events[0] == "head" and r.events.count("chunk") == 2 and r.events[-1] == "end"
    assert r.chunks == [b'{"n":1}\n', "😀\n".encode(), b'{"n":3}\n']


def test_write_streams_across_awaits_and_timers(res_app: AppInstance) -> None:
    r = invoke(res_app, "GET", "/stream-async")
    assert r.body == b"123" and r.ended and r.events.count("chunk") == 3


def test_write_binary_bytes(res_app: AppInstance) -> None:
    r = invoke(res_app, "GET", "/binary")
    assert r.body == bytes([0, 255, 128, 65])


@pytest.mark.parametrize("path,detail", [
    ("/throw", "kaboom"),
    ("/throw-nonerror", "just a string"),
    ("/async-throw", "later"),
    ("/reject", "rejected"),
])
def test_thrown_error_is_500_unhandled(res_app: AppInstance, path: str, detail: str) -> None:
    r = invoke(res_app, "GET", path)
    assert r.status == 500 and r.ended
    assert r.header("content-type").startswith("application/json")
    body = r.json()
    assert UNHANDLED in (body.get("text"), body.get("error"))
    assert any(detail in msg for level, msg, _t in r.inv.logs if level == "error"), r.inv.logs


def test_throw_after_write_ends_stream(res_app: AppInstance) -> None:
    r = invoke(res_app, "GET", "/throw-after-write")
    assert r.status == 200 and r.ended
    assert r.body.startswith(b"partial")
    assert any("midway" in msg for _, msg, _t in r.inv.logs)


@pytest.mark.parametrize("path", ["/never", "/never-async", "/cleared"])
def test_handler_that_never_responds(res_app: AppInstance, path: str) -> None:
    r = invoke(res_app, "GET", path, deadline=6)
    assert r.events == [] and not r.ended
    # detected as soon as nothing can make progress, not by running into the deadline
    assert r.inv.error == "the handler finished without sending a response"
    # the instance serves the next request
    assert invoke(res_app, "GET", "/send-text").status == 200


@pytest.mark.parametrize("path,body,min_s", [
    ("/timeout", b'{"late":true}', 0.045),
    ("/timeout-chain", b"2x", 0.018),
    ("/interval", b"3", 0.012),
])
def test_timer_based_response(res_app: AppInstance, path: str, body: bytes, min_s: float) -> None:
    r = invoke(res_app, "GET", path)
    assert r.status == 200 and r.body == body
    assert r.elapsed >= min_s  # the timer's delay was honoured (a lower bound only)


def test_cpu_deadline_kills_instance(fresh_res_app: AppInstance) -> None:
    from sandbox.engine import SandboxTrap
    t0 = time.monotonic()
    with pytest.raises(SandboxTrap):
        invoke(fresh_res_app, "GET", "/spin", deadline=0.2)
    assert time.monotonic() - t0 >= 0.15
    assert fresh_res_app.dead


def test_wall_clock_deadline(fresh_res_app: AppInstance) -> None:
    from sandbox.engine import SandboxTrap
    t0 = time.monotonic()
    with pytest.raises(SandboxTrap, match="deadline"):
        invoke(fresh_res_app, "GET", "/slow-timer", deadline=0.2)
    assert time.monotonic() - t0 >= 0.15


def test_console_captured_in_logs(res_app: AppInstance) -> None:
    r = invoke(res_app, "GET", "/log")
    logs = r.inv.logs
    assert all(abs(t / 1000 - time.time()) < 60 for _, _, t in logs)  # each line stamped in the guest
    assert [e[:2] for e in logs[:5]] == [
        ("info", 'hello {"a":1} [1,2] 3 😀'),
        ("error", "bad thing"),
        ("warn", "careful"),
        ("info", "fyi"),
        ("debug", "dbg"),
    ]
    assert "logged error" in logs[5][1]
    # logs are per invocation
    assert invoke(res_app, "GET", "/send-text").inv.logs == []


def test_console_after_response_is_captured(res_app: AppInstance) -> None:
    r = invoke(res_app, "GET", "/log-after")
    assert r.text == "ok"
    assert ("info", "after response") in [e[:2] for e in r.inv.logs]


def test_host_ops_round_trip(res_app: AppInstance, res_db: FakeDB) -> None:
    r = invoke(res_app, "GET", "/db")
    out = r.json()
    assert out["doc"]["name"] == "ünï 😀" and out["back"] == out["doc"]
    assert (out["errName"], out["errMessage"]) == ("NotFound", "document not found")
    ops = [op for op, _ in res_db.calls[-3:]]
    assert ops == ["db.insertOne", "db.getOne", "db.getOne"]
    assert res_db.calls[-3][1] == {"collection": "items", "doc": {"name": "ünï 😀"}}
    assert r.inv.host_calls >= 3


HOST_LIMIT_JS = HEAD + r"""
app.get('/many', async (req, res) => {
  const conn = await Datastore.open();
  let n = 0;
  try { for (;;) { await conn.getOne('c', 'x'); n++; } }
  catch (e) { console.log('stopped', n, e.name, e.message); res.json({n, name: e.name}); }
});
export default app.init();
"""


def test_host_call_limit_ends_invocation_with_clear_error() -> None:
    """A limit breach ends the invocation with a clear error (DESIGN: tenancy and isolation):
    either the instance is stopped with a SandboxTrap naming the limit, or the invocation
    carries a response or an error. Never a silent end without either."""
    from sandbox.engine import SandboxTrap
    a = make_app(HOST_LIMIT_JS, host_ops=lambda op, p: '{"_id":"x"}', max_host_calls=20)
    try:
        r = invoke(a, "GET", "/many")
    except SandboxTrap as e:
        assert "host call" in str(e) and a.dead
    else:
        assert r.ended or r.inv.error


# -- deployment -----------------------------------------------------------------------------------

@pytest.mark.parametrize("files,needles", [
    ({"index.js": HEAD + "app.get('/x', (req,res)=>{ res.end( });\nexport default app.init();"},
     ["SyntaxError", "index.js:2"]),
    ({"index.js": HEAD + "import './lib/bad.js';\nexport default app.init();",
      "lib/bad.js": "\n\nconst = 5;"}, ["SyntaxError", "lib/bad.js:3"]),
    ({"index.js": HEAD + "\nthrow new Error('top level boom');\nexport default app.init();"},
     ["Error: top level boom", "index.js:3"]),
    ({"index.js": HEAD + "import './lib/t.js';\nexport default app.init();",
      "lib/t.js": "\nnull.x;"}, ["TypeError", "lib/t.js:2"]),
    ({"index.js": HEAD + "throw 'just a string';\nexport default app.init();"},
     ["just a string"]),
    ({"index.js": HEAD + "app.get('/x', () => {});"}, ["default export"]),
    ({"index.js": HEAD + "export default 42;"}, ["default export"]),
    ({"index.js": HEAD + "export default app;"}, ["default export"]),
    ({"index.js": HEAD + "import x from './missing.js';\nexport default app.init();"},
     ["./missing.js", "index.js"]),
    ({"index.js": HEAD + "import pad from 'left-pad';\nexport default app.init();"},
     ["left-pad"]),  # neither uploaded nor provided (lodash is: sandbox/vendor)
    ({"index.js": HEAD + "import x from '../../etc/passwd';\nexport default app.init();"},
     ["../../etc/passwd"]),
    ({"index.js": HEAD + "import {nope} from './lib/a.js';\nexport default app.init();",
      "lib/a.js": "export const yes = 1;"}, ["nope"]),
    ({"main.js": "export default 1;"}, ["index.js"]),  # entry not in the upload
])
def test_deploy_errors(files: dict[str, str], needles: list[str]) -> None:
    art = {"kind": "source", "entry": "index.js", "files": files}
    with pytest.raises(DeployError) as ei:
        AppInstance(art, lambda op, p: "")
    msg = str(ei.value)
    for n in needles:
        assert n in msg, msg


def test_deploy_top_level_infinite_loop_is_deploy_error() -> None:
    from sandbox.engine import shared_engine
    shared_engine()
    with pytest.raises(DeployError, match=r"CPU|deadline|time"):
        make_app(HEAD + "for (;;) {}\nexport default app.init();", eval_timeout_s=0.2)


@pytest.mark.parametrize("raw,ok", [
    (b'{"kind": "source", "files": {}}', True),
    (b'{"kind": "bundle", "bundle": "var EntryPoint = 1;"}', True),
    (b"not json", False),
    (b"[1]", False),
    (b'{"kind": "zip"}', False),
    (b"{}", False),
])
def test_parse_artifact(raw: bytes, ok: bool) -> None:
    if ok:
        assert parse_artifact(raw)["kind"] in ("source", "bundle")
    else:
        with pytest.raises(DeployError):
            parse_artifact(raw)


def test_json_and_relative_imports_in_subfolders() -> None:
    files = {
        "data/config.json": '{"name": "cfg", "list": [1, 2], "u": "😀"}',
        "data/empty.json": "",
        "lib/a.js": "import {b} from './b.js'; import {shared} from '../shared.js';\n"
                    "import sub from './sub';\nexport const a = () => b + shared + sub;",
        "lib/b.js": "export const b = 'B';",
        "lib/sub/index.js": "import cfg from '../../data/config.json';\n"
                            "export default '-' + cfg.name;",
        "shared.js": "export const shared = 'S';",
        "util.mjs": "export default (x) => x * 2;",
    }
    js = HEAD + """import cfg from './data/config.json';
import empty from './data/empty.json';
import {a} from './lib/a';
import double from './util';
app.get('/cfg', (req, res) => res.json({cfg, empty, a: a(), d: double(21)}));
export default app.init();
"""
    app_ = make_app(js, files)
    r = invoke(app_, "GET", "/cfg")
    assert r.json() == {"cfg": {"name": "cfg", "list": [1, 2], "u": "😀"}, "empty": None,
                        "a": "BS-cfg", "d": 42}


def test_default_import_of_codehooks_and_named_coho() -> None:
    js = """import app from 'codehooks-js';
import {coho, app as named} from 'codehooks-js';
app.get('/same', (req, res) => res.json({same: app === coho && app === named}));
export default coho.init();
"""
    r = invoke(make_app(js), "GET", "/same")
    assert r.json() == {"same": True}


def test_startup_hook_in_manifest() -> None:
    a = make_app(HEAD + "app.get('/', (q, s) => s.end());\n"
                 "export default app.init(() => console.log('started'));")
    assert a.manifest["startup"] is True
    inv = Invocation(emit=lambda *_: None)
    a.run("__brygge_startup", "", inv, 2)
    assert not inv.error and ("info", "started") in [e[:2] for e in inv.logs]


def test_instances_isolated_between_apps() -> None:
    js = HEAD + """globalThis.hits = (globalThis.hits || 0);
app.get('/hit', (req, res) => { globalThis.hits++; res.end(String(globalThis.hits)); });
export default app.init();"""
    a, b = make_app(js), make_app(js)
    assert [invoke(a, "GET", "/hit").text for _ in range(3)] == ["1", "2", "3"]
    assert invoke(b, "GET", "/hit").text == "1"


def test_uncaught_error_logs_the_apps_stack_with_file_and_line() -> None:
    app = make_app(HEAD + "import {boom} from './lib.js';\n"
                   "app.get('/x', (req, res) => { boom(); });\nexport default app.init();",
                   {"lib.js": "export function boom() {\n  throw new TypeError('kaputt');\n}\n"})
    r = invoke(app, "GET", "/x")
    assert r.status == 500 and r.json()["requestId"]
    (level, text, _t), = r.inv.logs
    assert level == "error"
    lines = text.splitlines()
    assert lines[0] == "TypeError: kaputt"
    assert "at boom (lib.js:2:" in lines[1] and "(index.js:3:" in lines[2]
    assert not any("eval_script" in ln for ln in lines)  # runtime frames are not the tenant's


def test_out_of_memory_in_js_marks_the_instance_for_recycling() -> None:
    app = make_app(HEAD + "app.get('/alloc', (req, res) => { const a = [];"
                   " for (let i = 0; ; i++) a.push('x'.repeat(1 << 16) + i); });\n"
                   "app.get('/ok', (req, res) => res.end('ok'));\nexport default app.init();",
                   memory_mb=32)
    r = invoke(app, "GET", "/alloc")
    assert r.status == 500 and "out of memory" in r.json()["detail"]
    assert r.inv.recycle
    assert not invoke(app, "GET", "/ok").inv.recycle  # the flag is per invocation


def test_promise_storm_is_not_mistaken_for_a_finished_handler() -> None:
    app = make_app(HEAD + "app.get('/storm', (req, res) => {"
                   " const go = () => Promise.resolve().then(go); go(); });\n"
                   "export default app.init();")
    from sandbox.engine import SandboxTrap
    with pytest.raises(SandboxTrap, match="CPU time limit"):
        invoke(app, "GET", "/storm", deadline=5.0, cpu=0.3)


def test_timers_set_by_promise_jobs_after_a_tick_keep_the_invocation_alive() -> None:
    # A loop of `await get(); await sleep()` after res.end(): each new timer is set by a
    # promise job that runs after the tick that fired the previous one.
    state = {"polls": 0}

    def ops(op: str, payload: str) -> str:
        state["polls"] += 1
        return json.dumps("go" if state["polls"] >= 5 else None)

    app = make_app(HEAD + """app.get('/w', async (req, res) => {
  const c = await Datastore.open();
  res.end('answered');
  while (!(await c.get('release'))) await new Promise((r) => setTimeout(r, 5));
  console.log('released');
});
export default app.init();""".replace("import {app}", "import {app, Datastore}"), host_ops=ops)
    r = invoke(app, "GET", "/w")
    assert r.text == "answered" and not r.inv.error
    assert state["polls"] == 5 and [e[:2] for e in r.inv.logs] == [("info", "released")]


def test_update_fourth_argument_is_operators_only_when_every_key_is_one() -> None:
    seen: list[dict[str, Any]] = []

    def ops(op: str, payload: str) -> str:
        seen.append(json.loads(payload))
        return "{}"

    app = make_app(HEAD.replace("{app}", "{app, Datastore}") + """app.get('/u', async (req, res) => {
  const c = await Datastore.open();
  await c.updateOne('t', 'id1', {$set: {a: 1}}, {filter: {x: 1}, hints: {}});   // crudlify 1.4.3
  await c.updateOne('t', 'id1', {a: 1}, {$inc: {n: 1}}, {upsert: true});         // README form
  await c.updateOne('t', 'id1', {$set: {a: 1}}, {upsert: true});
  res.end();
});
export default app.init();""", host_ops=ops)
    assert invoke(app, "GET", "/u").status == 200
    assert seen[0]["update"] == {"$set": {"a": 1}} and seen[0]["options"] == {"filter": {"x": 1},
                                                                               "hints": {}}
    assert seen[1]["update"] == {"a": 1, "$inc": {"n": 1}} and seen[1]["options"] == {
        "upsert": True}
    assert seen[2]["update"] == {"$set": {"a": 1}} and seen[2]["options"] == {"upsert": True}


def test_detached_response_methods_act_on_the_running_invocation() -> None:
    # `setTimeout(res.end, 10)` and `const {json} = res` appear in real apps
    app = make_app(HEAD + """app.get('/t', (req, res) => { res.status(201); setTimeout(res.end, 5); });
app.get('/j', (req, res) => { const {json} = res; json({ok: 1}); });
app.get('/req', (req, res) => res.json({keys: Object.keys(req).sort(), url: req.url,
  apipath: req.apipath, raw: req.rawBody, ip: req.ip, j: JSON.parse(JSON.stringify(req)).path}));
export default app.init();""")
    r = invoke(app, "GET", "/t")
    assert (r.status, r.body) == (201, b"")
    assert invoke(app, "GET", "/j").json() == {"ok": 1}
    out = invoke(app, "GET", "/req", query="a=1").json()
    assert out["keys"] == sorted(["method", "headers", "query", "params", "path", "apiPath",
                                  "originalUrl", "hostname", "body"])
    assert out["url"] == "/dev/req?a=1" and out["apipath"] == "/req" and out["ip"] == "10.1.2.3"
    assert out["j"] == "/dev/req" and out["raw"] == ""
