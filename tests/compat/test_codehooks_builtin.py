"""The built-in `codehooks-js` (sandbox/js/codehooks.js and sandbox/js/codehooks/*):
apps deployed into real AppInstances over a real storage engine (RocksDB in a temp
dir), each request driven as the executor drives it.

Differential tables: every app runs twice, once on the real codehooks-js 1.4.3 from
npm (in the app's node_modules, which wins over the built-in) and once on the
built-in, each over a fresh engine; each response (status, content type, body with
ids and timestamps normalised) must be the same. Rows with `ours=` are where 1.4.3
is wrong or unsafe; they state what Brygge answers instead, and that 1.4.3 differs.
Then what cannot be compared with the library (OpenAPI details, workflows run through
the queue host op, files, bad input), and one real node."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.app import AppInstance, DeployError
from storage.engine import Engine
from storage.errors import BadRequest, NotFound
from tests.support.builtin import SID, Row, deploy, engines, send
from tests.support.nodes import RunningNode, new_node
from tests.support.npm import installed
from tests.support.sandbox_app import Resp

__all__ = ["deploy", "engines"]  # function-scoped fixtures from tests/support/builtin.py


def normal(r: Resp, ids: dict[str, str]) -> tuple[Any, ...]:
    text = re.sub(r"\b[0-9a-f]{24}\b", lambda m: ids.setdefault(m.group(0), f"<id{len(ids)}>"), r.text)
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", "<time>", text)
    return r.status, r.header("content-type"), text, r.inv.error if r.inv else ""


def differential(deploy: Callable[..., AppInstance], index: str, rows: list[Row],
                 files: dict[str, str] | None = None, packages: tuple[str, ...] = ()) -> AppInstance:
    """Run the rows on 1.4.3 and on the built-in; returns the built-in's instance."""
    real = deploy(index, files, packages, real=True)
    ours = deploy(index, files, packages)
    ids_real: dict[str, str] = {}
    ids_ours: dict[str, str] = {}
    for row in rows:
        theirs = normal(send(real, row, ids_real), ids_real)
        mine = normal(send(ours, row, ids_ours), ids_ours)
        if row.ours is None:
            assert mine == theirs, f"{row}: built-in {mine} != codehooks-js {theirs}"
        else:
            assert mine[0] == row.ours[0] and row.ours[1] in mine[2], f"{row}: {mine}"
            assert theirs[:3] != mine[:3], f"{row}: 1.4.3 now answers the same {theirs}"
    return ours


# -- crudlify ---------------------------------------------------------------------------------------

YUP_APP = """import {app, crudlify} from 'codehooks-js';
import * as yup from 'yup';
const person = yup.object({name: yup.string().required(), age: yup.number().min(0),
  role: yup.string().default('user')});
app.get('/hello', (req, res) => res.json({hi: 1}));
crudlify(app, {person}, {prefix: '/api'});
export default app.init();
"""
YUP_ROWS = [
    Row("POST", "/api/person", body={"name": "Bill", "age": 30}),
    Row("POST", "/api/person", body={"age": 3}),
    Row("POST", "/api/person", body={"name": "X", "age": -1}),
    Row("POST", "/api/person", body={"name": "Ann", "age": "25"}),
    Row("GET", "/api/person"),
    Row("GET", "/api/person", "name=Bill"),
    Row("GET", "/api/person", "age>20"),
    Row("GET", "/api/person", "age>=30&sort=-age"),
    Row("GET", "/api/person", "sort=-name&limit=1"),
    Row("GET", "/api/person", "sort=name&offset=1"),
    Row("GET", "/api/person", "fields=name"),
    Row("GET", "/api/person", "omit=role,age"),
    Row("GET", "/api/person", "name=/^b/i"),
    Row("GET", "/api/person", "name=Ann,Bill&role!=admin"),
    Row("GET", "/api/person", 'q={"name":"Ann"}'),
    Row("GET", "/api/person", 'q={}&h={"$fields":{"name":1},"$orderby":{"name":1}}'),
    Row("GET", "/api/person", "q={bad", ours=(400, "(in q)")),
    Row("GET", "/api/person/<id0>"),
    Row("GET", "/api/person/000000000000000000000000"),
    Row("PUT", "/api/person/<id0>", body={"name": "Billy", "age": 31}),
    Row("PUT", "/api/person/<id0>", body={"age": 31}),
    Row("PUT", "/api/person/000000000000000000000000", body={"name": "Nobody"}, ours=(404, "not found")),
    Row("PATCH", "/api/person/<id0>", body={"age": 32}),
    Row("PATCH", "/api/person/000000000000000000000000", body={"age": 32}),
    # 1.4.3 passes its query options `{filter, hints}` as updateMany's 4th argument; the
    # runtime takes a 4th argument as operators only when every key is one
    Row("PATCH", "/api/person/_byquery", "name=Ann", body={"$set": {"vip": True}}),
    Row("PATCH", "/api/person/_byquery", 'q={"name":"Ann"}', body={"vip": True}),
    Row("GET", "/api/person", "fields=name,vip"),
    Row("DELETE", "/api/person/<id0>"),
    Row("DELETE", "/api/person/000000000000000000000000"),
    Row("DELETE", "/api/person/_byquery", "vip=true"),
    Row("GET", "/api/person", "omit=filter,hints,aggregate"),
    Row("POST", "/api/nope", body={"a": 1}),
    Row("GET", "/api/nope"),
    Row("GET", "/api/nope/123"),
    Row("PUT", "/api/nope/123", body={}),
    Row("DELETE", "/api/nope/123"),
    Row("GET", "/hello"),
]

ZOD_APP = """import {app, crudlify} from 'codehooks-js';
import {z} from 'zod';
const todo = z.object({title: z.string().min(1), completed: z.boolean().default(false)});
crudlify(app, {todo});
export default app.init();
"""
ZOD_ROWS = [
    Row("POST", "/todo", body={"title": "t1"}),
    Row("POST", "/todo", body={"title": ""}),
    Row("POST", "/todo", body={"completed": "yes"}),
    Row("PUT", "/todo/<id0>", body={"title": "t2"}),
    Row("PUT", "/todo/<id0>", body={"title": ""}),
    Row("GET", "/todo/<id0>"),
    Row("PATCH", "/todo/<id0>", body={"title": ""}),
    Row("GET", "/todo"),
    Row("GET", "/other"),
    Row("POST", "/other", body={"x": 1}),
]

JSON_SCHEMA_APP = """import {app, crudlify} from 'codehooks-js';
const item = {type: 'object', properties: {sku: {type: 'string'}, qty: {type: 'integer', minimum: 0}},
  required: ['sku']};
crudlify(app, {item}, {schema: 'json-schema'});
export default app.init();
"""
JSON_SCHEMA_ROWS = [
    Row("POST", "/item", body={"sku": "a1", "qty": 2}),
    Row("POST", "/item", body={"qty": -2}),
    Row("POST", "/item", body={"sku": 5}),
    Row("PUT", "/item/<id0>", body={"sku": "b", "qty": 1}),
    Row("PUT", "/item/<id0>", body={"qty": 1}),
    Row("GET", "/item"),
]

HOOKS_APP = """import {app, crudlify} from 'codehooks-js';
crudlify(app).then((hooks) => {
  hooks.beforePOST('logs', async (d) => { d.stamp = 'before'; });
  hooks.afterPOST('logs', async (d) => { console.log('after', d.msg); });
  hooks.beforePATCH('logs', async (d) => { if (d.bad) throw new Error('no bad patches'); });
  hooks.beforeDELETE('logs', async (id) => {
    if (id === '000000000000000000000001') throw new Error('protected');
  });
});
export default app.init();
"""
HOOKS_ROWS = [
    Row("POST", "/logs", body={"msg": "free form"}),
    Row("POST", "/logs", body={"msg": "two", "n": 2}),
    Row("PATCH", "/logs/_byquery", "msg=free%20form", body={"bad": True}),
    Row("PATCH", "/logs/_byquery", "msg=free%20form", body={"n": 1}),
    Row("GET", "/logs", "sort=n&omit=filter,hints"),
    Row("PATCH", "/logs/<id0>", body={"bad": True}),
    Row("DELETE", "/logs/000000000000000000000001"),
    Row("GET", "/logs", "n=2"),
    Row("DELETE", "/logs/_byquery", "n=2"),
    Row("GET", "/logs", "omit=filter,hints"),
    Row("POST", "/logs", body=[1, 2], ours=(400, "insert needs a JSON object")),
    Row("GET", "/anything/x/y"),
    Row("GET", "/logs/_byquery"),
    Row("PATCH", "/logs/_byquery", "n>0", body={"$inc": {"n": 1}}),
]


@pytest.mark.parametrize("index,rows,packages", [
    (YUP_APP, YUP_ROWS, ("yup",)),
    (ZOD_APP, ZOD_ROWS, ("zod",)),
    (JSON_SCHEMA_APP, JSON_SCHEMA_ROWS, ()),
    (HOOKS_APP, HOOKS_ROWS, ()),
], ids=["yup", "zod", "json-schema", "event-hooks"])
def test_crudlify_same_as_codehooks_js(deploy: Callable[..., AppInstance], index: str,
                                       rows: list[Row], packages: tuple[str, ...]) -> None:
    app = differential(deploy, index, rows, packages=packages)
    coll = rows[0].path.rsplit("/", 1)[1]
    docs = send(app, Row("GET", rows[0].path), {}).json()
    assert not any({"filter", "hints"} & d.keys() for d in docs), (coll, docs)


def test_crudlify_validates_each_collection_with_its_own_kind(deploy: Callable[..., AppInstance]) -> None:
    """A schema map mixing Yup, Zod, JSON Schema and null (1.4.3 picks one validator
    for the whole map and then rejects every POST)."""
    app = deploy("""import {app, crudlify} from 'codehooks-js';
import * as yup from 'yup';
import {z} from 'zod';
crudlify(app, {
  a: yup.object({n: yup.number().required()}),
  b: z.object({n: z.number()}),
  c: {type: 'object', properties: {n: {type: 'number'}}, required: ['n']},
  d: null,
}, {prefix: '/crud/'});
export default app.init();
""", packages=("yup", "zod"))
    for coll in "abc":
        ok = send(app, Row("POST", f"/crud/{coll}", body={"n": 1}), {})
        assert ok.status == 201, (coll, ok.text)
        bad = send(app, Row("POST", f"/crud/{coll}", body={"n": "x"}), {})
        assert bad.status == 400, (coll, bad.text)
    assert send(app, Row("POST", "/crud/d", body={"anything": True}), {}).status == 201
    unknown = send(app, Row("POST", "/crud/e", body={}), {}).json()
    assert unknown == {"error": "Collection schema not found: e"}
    b = send(app, Row("POST", "/crud/b", body={"n": "x"}), {}).json()
    assert b[0]["path"] == ["n"] and b[0]["code"] == "invalid_type"  # the Zod issues
    c = send(app, Row("POST", "/crud/c", body={}), {}).json()
    assert c[0]["keyword"] == "required"  # the ajv errors


# -- static files, blob storage, views ---------------------------------------------------------------

STATIC_FILES = {
    "dist/index.html": "<!doctype html><h1>SPA</h1>\n", "dist/assets/app.js": "console.log('app');\n",
    "dist/style.css": "body{color:red}\n", "public/readme.txt": "Read me ✓\n",
    "public/sub/a.json": '{"a": 1}\n',
}
STATIC_APP = """import {app, crudlify, filestore} from 'codehooks-js';
app.post('/upload', async (req, res) => {
  await filestore.saveFile(req.query.name, Buffer.from(req.body.text));
  res.json({ok: 1});
});
crudlify(app, {}, {prefix: '/api'});
app.auth('/open/*', (req, res, next) => next());
app.get('/open/x', (req, res) => res.end('open'));
app.storage({route: '/docs', directory: '/blobs'});
app.static({route: '/public', directory: '/public'});
app.static({route: '/', directory: '/dist', default: 'index.html', notFound: '/index.html'},
  (req, res, next) => { res.set('x-hook', 'yes'); next(); });
export default app.init();
"""
_FILES = ["/", "/index.html", "/assets/app.js", "/style.css", "/about", "/deep/link/page", "/missing.js",
          "/public/readme.txt", "/public", "/public/nope.txt", "/public/sub/a.json", "/x%20y.js",
          "/public/../index.js", "/a.unknownext", "/docs/report.txt", "/docs/none.txt"]
STATIC_ROWS = [
    Row("POST", "/upload", "name=/blobs/report.txt", body={"text": "blåbær ✓"}),
    *[Row("GET", p) for p in _FILES],
    Row("GET", "/api/users"),
    *[Row("GET", p, authed=False) for p in _FILES if p != "/public"],
    # /public/ has no index file: 1.4.3's auth hook refuses the name (403), the read answers 404
    Row("GET", "/public/", authed=False, ours=(404, "No file here: /public/index.html")),
    Row("GET", "/open/x", authed=False),
    # crudlify is not public because a static route would also match its paths
    Row("GET", "/api/users", authed=False, ours=(403, "Missing or wrong API token")),
    Row("POST", "/api/users", body={"a": 1}, authed=False, ours=(403, "Missing or wrong API token")),
    Row("DELETE", "/about", authed=False, ours=(403, "Missing or wrong API token")),
]


def test_static_and_storage_same_as_codehooks_js(deploy: Callable[..., AppInstance]) -> None:
    app = differential(deploy, STATIC_APP, STATIC_ROWS, files=STATIC_FILES)
    js = send(app, Row("GET", "/assets/app.js", authed=False), {})
    assert (js.status, js.header("content-type"), js.header("x-hook")) == \
        (200, "application/javascript", "yes")
    spa = send(app, Row("GET", "/deep/link/page", authed=False), {})
    assert (spa.status, spa.text) == (404, STATIC_FILES["dist/index.html"])
    blob = send(app, Row("GET", "/docs/report.txt", authed=False), {})
    assert (blob.status, blob.body) == (200, "blåbær ✓".encode())


VIEWS_APP = """import {app} from 'codehooks-js';
import handlebars from 'handlebars';
app.set('views', '/views');
app.set('layout', '/views/layout.hbs');
app.set('view engine', {hbs: handlebars});
app.get('/page', (req, res) => res.render('page', {title: req.query.t || 'Hello', items: ['a', '<b>']}));
app.get('/cb', (req, res) => app.render('page', {title: 'CB', items: []},
  (err, html) => res.json({err, html})));
app.get('/missing', (req, res) => res.render('nope', {}));
export default app.init();
"""
VIEWS_FILES = {"views/layout.hbs": "<html><body>{{> @partial-block }}</body></html>\n",
               "views/page.hbs": "{{#> layout}}<h1>{{title}}</h1><ul>{{#each items}}"
                                 "<li>{{this}}</li>{{/each}}</ul>{{/layout}}\n"}


def test_views_same_as_codehooks_js(deploy: Callable[..., AppInstance]) -> None:
    rows = [Row("GET", "/page"), Row("GET", "/page", "t=Again"), Row("GET", "/cb"), Row("GET", "/missing")]
    app = differential(deploy, VIEWS_APP, rows, files=VIEWS_FILES, packages=("handlebars",))
    page = send(app, Row("GET", "/page"), {})
    assert page.header("content-type") == "text/html; charset=utf-8"
    assert page.text == "<html><body><h1>Hello</h1><ul><li>a</li><li>&lt;b&gt;</li></ul></body></html>\n\n"
    assert send(app, Row("GET", "/missing"), {}).json() == {
        "error": "render nope: ENOENT: no such file or directory, open '/views/nope.hbs'"}


def test_render_without_view_engine_is_a_clear_error(deploy: Callable[..., AppInstance]) -> None:
    app = deploy("""import {app} from 'codehooks-js';
app.get('/page', (req, res) => res.render('page', {}));
export default app.init();
""")
    r = send(app, Row("GET", "/page"), {})
    assert r.status == 500 and "Missing view engine" in r.json()["error"]


# -- realtime, aggregation, filestore ---------------------------------------------------------------

MISC_APP = """import {app, Datastore, aggregation, realtime, filestore} from 'codehooks-js';
import {PassThrough} from 'stream';
realtime.createChannel('/chat');
realtime.createChannel('/goals', (req, res, next) => next());
app.post('/seed', async (req, res) => {
  const c = await Datastore.open();
  const docs = [{m: 'oct', s: 10, w: 2}, {m: 'oct', s: 5.5, w: 7}, {m: 'nov', s: 3}, {m: 12, s: 4}, {s: 1}];
  for (const d of docs) {
    await c.insertOne('sales', d);
  }
  res.json({ok: true});
});
app.get('/agg', async (req, res) => {
  const c = await Datastore.open();
  res.json(await aggregation(c.getMany('sales', {}), JSON.parse(req.query.spec)));
});
const rt = realtime;
app.post('/listen', async (req, res) => res.json(await rt.createListener('/chat', req.body)));
app.post('/publish', async (req, res) => res.json(await rt.publishEvent('/chat', req.body, {topic: 'x'})));
app.get('/listeners', async (req, res) => res.json((await rt.getListeners('/chat')).map((l) => l.subscribe)));
app.get('/listener/:id', async (req, res) => {
  res.json((await rt.getListener('/chat', req.params.id)).subscribe);
});
app.delete('/listener/:id', async (req, res) => res.json(await rt.removeListener('/chat', req.params.id)));
app.get('/events', async (req, res) => {
  const c = await Datastore.open();
  res.json((await c.getMany('_event_publish_chat', {}).toArray()).map((e) => [e.channel, e.data, e.query]));
});
app.get('/manifest', (req, res) => {
  const m = app.init();
  res.json({realtime: Object.keys(m.realtime), globalhooks: m.globalhooks.map((h) => [h.path, typeof h.func]),
    routes: Object.keys(m.routehooks), auth: Object.keys(m.authhooks)});
});
app.post('/file', async (req, res) => {
  const s = new PassThrough();
  req.pipe(s);
  await filestore.saveFile(req.query.name, s);
  res.json({saved: req.query.name});
});
app.get('/file', async (req, res) => {
  try { res.end(await filestore.readFile(req.query.name)); }
  catch (e) { res.status(404).json({e: e.message}); }
});
app.get('/filebuf', async (req, res) => {
  const b = await filestore.readFileAsBuffer(req.query.name);
  res.json({len: b.length, isBuffer: Buffer.isBuffer(b), hex: b.toString('hex')});
});
app.get('/stream', async (req, res) => {
  const s = await filestore.getReadStream(req.query.name);
  s.on('data', (b) => res.write(b, 'buffer')).on('end', () => res.end());
});
app.get('/list', async (req, res) => {
  res.json((await filestore.list(req.query.path || '/')).map((f) => [f.path, f.size]));
});
app.delete('/file', async (req, res) => {
  try { await filestore.deleteFile(req.query.name); res.json({deleted: true}); }
  catch (e) { res.status(404).json({e: e.message}); }
});
app.get('/src', async (req, res) => {
  try { res.end(await filestore.readFile(req.query.name, {source: true})); }
  catch (e) { res.status(404).json({e: e.message, code: e.code}); }
});
export default app.init();
"""
AGG_SPECS = [
    {"$group": {"$field": "m", "$max": ["s", "w"], "$sum": "s"}},
    {"$max": {"$field": "s", "$label": "Top"}, "$group": {"$field": "m", "$label": "month", "$min": "w",
                                                           "$avg": "s"}},
    {"$sum": "s", "$avg": "s", "$min": "s", "$max": "s"},
    {"$group": [{"$field": "m", "$sum": "w"}, {"$field": "s", "$avg": "s"}]},
    {"$group": {"$field": "m", "$group": {"$field": "w", "$sum": "s"}}},
    {},
]
MISC_ROWS = [
    Row("POST", "/seed", body={}),
    *[Row("GET", "/agg", "spec=" + json.dumps(s)) for s in AGG_SPECS],
    Row("POST", "/listen", body={"topic": "x"}),
    Row("POST", "/listen", body={"topic": "y"}),
    Row("POST", "/publish", body={"message": "hi"}),
    Row("GET", "/listeners"),
    Row("GET", "/listener/<id0>"),
    Row("DELETE", "/listener/<id0>"),
    Row("GET", "/listeners"),
    Row("GET", "/events"),
    Row("GET", "/manifest"),
    # 1.4.3's connect route sets the header and then throws (ReferenceError): the runtime
    # answers the hand-off for a registered channel all the same (runtime/dispatch.js)
    Row("GET", "/chat/<id1>"),
    Row("POST", "/file", "name=/docs/a.txt", body="blåbær ✓"),
    Row("POST", "/file", "name=docs/sub/b.txt", body="b"),
    Row("GET", "/file", "name=/docs/a.txt"),
    Row("GET", "/filebuf", "name=/docs/a.txt"),
    Row("GET", "/stream", "name=/docs/a.txt"),
    Row("GET", "/file", "name=/nope.txt"),
    Row("GET", "/list", "path=/docs"),
    Row("GET", "/list", "path=/docs/a.txt"),
    Row("GET", "/list"),
    Row("DELETE", "/file", "name=/docs/a.txt"),
    Row("DELETE", "/file", "name=/docs/a.txt"),
    Row("GET", "/list"),
    Row("GET", "/src", "name=/index.js"),
    Row("GET", "/src", "name=/nope.js"),
]


def test_realtime_aggregation_files_same_as_codehooks_js(deploy: Callable[..., AppInstance]) -> None:
    app = differential(deploy, MISC_APP, MISC_ROWS)
    ids: dict[str, str] = {}
    listener = send(app, Row("POST", "/listen", body={"topic": "z"}), ids).json()
    sse = send(app, Row("GET", f"/chat/{listener['_id']}"), ids)
    assert sse.header("x-realtime-connect") == "/chat"
    assert send(app, Row("GET", "/agg", "spec=" + json.dumps(AGG_SPECS[0])), ids).json() == {
        "count": 5, "m": {
            "oct": {"count": 2, "s": {"max": 10, "sum": 15.5}, "w": {"max": 7}},
            "nov": {"count": 1, "s": {"max": 3, "sum": 3}},
            "(12)": {"count": 1, "s": {"max": 4, "sum": 4}},
            "**MISSING KEY [m]": {"count": 1, "s": {"max": 1, "sum": 1}}}}
    assert send(app, Row("GET", "/filebuf", "name=/docs/sub/b.txt"), ids).json() == {
        "len": 1, "isBuffer": True, "hex": "62"}
    manifest = send(app, Row("GET", "/manifest"), ids).json()
    assert manifest["realtime"] == ["/chat", "/goals"]
    assert manifest["globalhooks"] == [["/chat", "undefined"], ["/goals", "function"]]


def test_aggregation_counts_zero_as_a_value(deploy: Callable[..., AppInstance]) -> None:
    """1.4.3 drops a leading 0 from $avg/$min/$max ([0, 5] averages to 5)."""
    app = deploy("""import {app, aggregation} from 'codehooks-js';
app.get('/agg', async (req, res) => res.json(await aggregation([{v: 0}, {v: 5}, {v: null}, {}],
  {$avg: 'v', $min: 'v', $max: 'v', $sum: 'v'})));
app.get('/bad', async (req, res) => {
  try { await aggregation(null, {$sum: 'v'}); } catch (e) { return res.json([e.name, e.message]); }
});
export default app.init();
""")
    assert send(app, Row("GET", "/agg"), {}).json() == {
        "count": 4, "v": {"avg": 2.5, "sum_total": 5, "min": 0, "max": 5, "sum": 5}}
    assert send(app, Row("GET", "/bad"), {}).json() == [
        "TypeError", "aggregation(data, spec): data must be a stream of documents (conn.getMany(...)) "
        "or an array"]


def test_files_in_blob_storage_keep_bytes_and_refuse_bad_input(deploy: Callable[..., AppInstance]) -> None:
    app = deploy("""import {app, filestore} from 'codehooks-js';
const attempt = async (fn) => {
  try { return {ok: await fn()}; } catch (e) { return {error: [e.name, e.code, e.message]}; }
};
app.get('/binary', async (req, res) => {
  const bytes = Buffer.from([0, 1, 0xfe, 0xff, 0x80, 10]);
  const saved = await filestore.saveFile('/bin/x.dat', bytes);
  const back = await filestore.readFileAsBuffer('/bin/x.dat');
  res.json({saved: [saved.path, saved.size, typeof saved._id, typeof saved.date],
    back: back.toString('hex')});
});
app.get('/bad', async (req, res) => res.json([
  await attempt(() => filestore.readFile(42)),
  await attempt(() => filestore.saveFile('/x', 42)),
  await attempt(() => filestore.readFile('/no/such')),
  await attempt(() => filestore.deleteFile('/no/such')),
  await attempt(() => filestore.saveFile('/index.js', 'x', {source: true})),
  await attempt(() => filestore.readFile('/index.js', {source: true}).then((s) => s.length > 0)),
  await attempt(() => filestore.list('/', {source: true})),
]));
export default app.init();
""")
    assert send(app, Row("GET", "/binary"), {}).json() == {
        "saved": ["/bin/x.dat", 6, "string", "string"], "back": "0001feff800a"}
    bad = send(app, Row("GET", "/bad"), {}).json()
    assert bad[0] == {"error": ["TypeError", "ERR_INVALID_ARG_TYPE",
                                'The "path" argument must be a non-empty string. Received number']}
    assert bad[1]["error"][0] == "TypeError"
    assert "must be a Buffer, a string or a readable stream" in bad[1]["error"][2]
    assert bad[2] == {"error": ["Error", "ENOENT", "ENOENT: no such file or directory, open '/no/such'"]}
    assert bad[3] == {"error": ["Error", "ENOENT", "ENOENT: no such file or directory, unlink '/no/such'"]}
    assert bad[4]["error"][2] == "_coho_fs.saveFile: deployed source files are read-only"
    assert bad[5] == {"ok": True}
    assert bad[6]["ok"][0]["path"] == "/index.js"


def test_storage_engine_file_ops(tmp_path: Path) -> None:
    e = Engine(str(tmp_path / "db"), max_file_bytes=64)
    try:
        def call(op: str, sid: str = SID, **args: Any) -> Any:
            return json.loads(e.call(sid, op, json.dumps(args).encode()))
        raw = bytes(range(256))[:40]
        m = call("file.save", path="//a//b.bin", data=base64.b64encode(raw).decode())
        assert m["path"] == "/a/b.bin" and m["size"] == 40
        got = call("file.get", path="/a/b.bin")
        assert base64.b64decode(got["data"]) == raw and got["_id"] == m["_id"]
        assert call("file.get", path="/a/b.bin", encoding="utf8")["data"][:3] == "\x00\x01\x02"
        m2 = call("file.save", path="/a/b.bin", data=base64.b64encode(b"xy").decode())
        assert (m2["_id"], m2["size"]) == (m["_id"], 2)  # overwritten in place
        call("file.save", path="/a/c/d.txt", data="")
        call("file.save", path="/ab.txt", data="")
        assert [f["path"] for f in call("file.list", path="/a")] == ["/a/b.bin", "/a/c/d.txt"]
        assert [f["path"] for f in call("file.list", path="/a/b.bin")] == ["/a/b.bin"]
        assert [f["path"] for f in call("file.list")] == ["/a/b.bin", "/a/c/d.txt", "/ab.txt"]
        assert call("file.list", sid="otherspace12") == []  # spaces do not see each other's files
        assert call("file.delete", path="/a/b.bin") == {"path": "/a/b.bin", "deleted": True}
        with pytest.raises(NotFound, match="ENOENT"):
            call("file.get", path="/a/b.bin")
        with pytest.raises(NotFound):
            call("file.delete", path="/a/b.bin")
        for bad in ({"path": ""}, {"path": "/"}, {"path": 5}, {"path": "/x", "data": "!!"},
                    {"path": "/x", "data": base64.b64encode(b"x" * 65).decode()}, {"path": "/\x00"}):
            with pytest.raises(BadRequest):
                call("file.save", **bad)
        e.call(SID, "space.drop", b"{}")
        assert call("file.list") == []
    finally:
        e.close()


# -- OpenAPI ----------------------------------------------------------------------------------------

OPENAPI_APP = """import {app, crudlify, openapi} from 'codehooks-js';
import {z} from 'zod';
const todo = z.object({title: z.string().min(1).max(100).describe('Title'),
  completed: z.boolean().default(false), priority: z.enum(['low', 'high']).default('low'),
  n: z.number().int().min(0).optional(), email: z.string().email()});
const User = z.object({name: z.string(), email: z.string().email()});
app.openapi({info: {title: 'Todo API', version: '2.0.0'}, tags: [{name: 'System'}]});
app.get('/health',
  openapi({summary: 'Health check', tags: ['System'], responses: {200: {description: 'ok'}}}),
  (req, res) => res.json({ok: true}));
app.post('/users/:id/items',
  openapi({summary: 'Add', requestBody: {required: true, content: {'application/json': {schema: User}}}}),
  (req, res) => res.json({}));
app.get('/plain/:a/:b', (req, res) => res.end());
crudlify(app, {todo});
export default app.init();
"""
YUP_OPENAPI_APP = """import {app, crudlify} from 'codehooks-js';
import * as yup from 'yup';
const person = yup.object({name: yup.string().min(1).max(100).required().meta({description: 'Full name'}),
  email: yup.string().email().required(), age: yup.number().integer().min(0).max(150),
  role: yup.string().oneOf(['admin', 'user']).default('user'), active: yup.boolean().default(true)});
app.openapi({info: {title: 'People', version: '1'}, filter: (op) => op.method !== 'delete',
  specPath: '/spec.json'}, '/api-docs');
crudlify(app, {person}, {prefix: '/api'});
export default app.init();
"""


def _outline(doc: dict[str, Any]) -> dict[str, Any]:
    return {"paths": {p: sorted(ops) for p, ops in doc["paths"].items()},
            "schemas": doc["components"]["schemas"], "info": doc["info"], "security": doc["security"],
            "operations": sorted((o.get("operationId") or "", o.get("summary"), tuple(o.get("tags", [])))
                                 for ops in doc["paths"].values() for o in ops.values())}


@pytest.mark.parametrize("index,spec_path,packages", [
    (OPENAPI_APP, "/openapi.json", ("zod",)), (YUP_OPENAPI_APP, "/spec.json", ("yup",))], ids=["zod", "yup"])
def test_openapi_document_same_outline_as_codehooks_js(deploy: Callable[..., AppInstance], index: str,
                                                        spec_path: str, packages: tuple[str, ...]) -> None:
    """Paths, methods, component schemas (converted from Zod/Yup), operation ids,
    summaries and tags as 1.4.3 documents them; wording of descriptions may differ."""
    real = deploy(index, packages=packages, real=True)
    ours = deploy(index, packages=packages)
    theirs_doc = send(real, Row("GET", spec_path, authed=False), {}).json()
    r = send(ours, Row("GET", spec_path, authed=False), {})
    assert r.status == 200 and r.header("content-type") == "application/json; charset=utf-8"
    doc = r.json()
    assert doc["openapi"] == "3.0.3"
    # 1.4.3 also documents its own spec and UI routes when they are not the defaults
    theirs_doc["paths"] = {p: o for p, o in theirs_doc["paths"].items()
                           if p not in ("/spec.json", "/api-docs")}
    assert _outline(doc) == _outline(theirs_doc)
    assert doc["servers"] == [{"url": "/dev"}]  # the UI calls /dev/... on /<space>/ URLs
    assert doc["components"]["securitySchemes"]["apiKey"] == {
        "type": "apiKey", "in": "header", "name": "x-apikey"}


def test_openapi_routes_are_public_and_swagger_ui_points_at_the_spec(
        deploy: Callable[..., AppInstance]) -> None:
    app = deploy(YUP_OPENAPI_APP, packages=("yup",))
    ui = send(app, Row("GET", "/api-docs", authed=False), {})
    assert ui.status == 200 and ui.header("content-type") == "text/html; charset=utf-8"
    assert "https://unpkg.com/swagger-ui-dist@5.11.0/swagger-ui-bundle.js" in ui.text
    assert '"url":"/dev/spec.json"' in ui.text and "<title>People</title>" in ui.text
    doc = send(app, Row("GET", "/spec.json", authed=False), {}).json()
    assert not any("delete" in ops for ops in doc["paths"].values())  # config.filter
    assert doc["paths"]["/api/person"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Person"}
    assert doc["components"]["schemas"]["Person"]["properties"]["name"] == {
        "type": "string", "minLength": 1, "maxLength": 100, "description": "Full name"}
    assert send(app, Row("GET", "/openapi.json", authed=False), {}).status == 401


# -- workflows and schedules: the queue host op ------------------------------------------------------------

WORKFLOW_APP = """import {app, schedule} from 'codehooks-js';
const events = [];
const wf = app.createWorkflow('simple', 'an example', {
  begin: async (state, goto) => { goto('decide', {...state, n: state.n + 1}); },
  decide: async (state, goto) => { goto(state.n % 2 ? ['odd', 'count'] : 'even', state); },
  odd: async (state, goto) => goto('end', {odd: true}),
  count: async (state, goto) => goto('end', {counted: true}),
  even: async (state, goto, wait) => {
    if (!state.approved) return wait({waiting: true});
    goto('end', {even: true});
  },
  end: async (state, goto) => goto(null, {done: true}),
}, {workers: 2, timeout: 5000});
wf.on('completed', (doc) => events.push(['completed', doc.done]));
app.post('/start', async (req, res) => res.json(await wf.start(req.body)));
app.post('/approve/:id', async (req, res) => {
  res.json(await wf.updateState(req.params.id, {approved: true}, {continue: true}));
});
app.get('/state/:id', async (req, res) => res.json(await wf.getWorkflowStatus(req.params.id)));
// what the queue platform does with a job: call the topic's worker with {body: {payload}}
app.post('/job', async (req, res) => {
  const [worker] = app.init().workerhooks[req.body.topic];
  await new Promise((resolve) => worker({body: {payload: req.body.payload}}, {end: resolve}));
  res.json({events});
});
app.post('/later', async (req, res) => {
  try { res.json(await schedule.runAt(new Date(Date.parse(req.body.at)), {x: 1}, 'mailer')); }
  catch (e) { res.status(500).json({error: e.message}); }
});
export default app.init();
"""


def test_workflow_runs_its_steps_as_queue_jobs(deploy: Callable[..., AppInstance]) -> None:
    jobs: list[dict[str, Any]] = []

    def enqueue(payload: str) -> str:
        jobs.append(json.loads(payload))
        return json.dumps({"_id": f"job{len(jobs)}"})
    app = deploy(WORKFLOW_APP, extra_ops={"queue.enqueue": enqueue})
    ids: dict[str, str] = {}

    def drain() -> list[str]:
        ran = []
        while jobs:
            job = jobs.pop(0)
            ran.append(job["topic"].removeprefix("workflowqueue_simple_"))
            assert job["options"] == {"workers": 2, "timeout": 5000}
            r = send(app, Row("POST", "/job", body=job), ids)
            assert r.status == 200 and not r.inv.error, (r.text, r.inv.logs)
        return ran

    first = send(app, Row("POST", "/start", body={"n": 0}), ids).json()
    assert (first["nextStep"], first["workflowName"], first["stepCount"]) == ("begin", "simple", {})
    # n becomes 1: odd and count in parallel, joined once into end
    assert drain() == ["begin", "decide", "odd", "count", "end"]
    done = send(app, Row("GET", f"/state/{first['_id']}"), ids).json()
    assert done["nextStep"] is None and done["previousStep"] == "end"
    assert (done["odd"], done["counted"], done["done"], done["n"]) == (True, True, True, 1)
    assert {k: v["visits"] for k, v in done["stepCount"].items()} == {
        "begin": 1, "decide": 1, "odd": 1, "count": 1, "end": 1}
    assert isinstance(done["totalTime"], int)
    # n becomes 2: even waits until its state is updated with continue
    second = send(app, Row("POST", "/start", body={"n": 1}), ids).json()
    assert drain() == ["begin", "decide", "even"]
    waiting = send(app, Row("GET", f"/state/{second['_id']}"), ids).json()
    assert (waiting["nextStep"], waiting["waiting"]) == ("even", True)
    send(app, Row("POST", f"/approve/{second['_id']}", body={}), ids)
    assert drain() == ["even", "end"]
    final = send(app, Row("GET", f"/state/{second['_id']}"), ids).json()
    assert (final["nextStep"], final["even"], final["approved"]) == (None, True, True)
    # schedule.runAt goes to the same host op, with the time
    r = send(app, Row("POST", "/later", body={"at": "2030-01-02T03:04:05.000Z"}), ids)
    assert r.json() == {"date": "2030-01-02T03:04:05.000Z", "payload": {"x": 1}, "worker": "mailer"}
    assert jobs == [{"topic": "mailer", "payload": {"x": 1},
                     "options": {"runAt": "2030-01-02T03:04:05.000Z"}}]


def test_without_a_queue_backend_enqueue_answers_a_clear_error(deploy: Callable[..., AppInstance]) -> None:
    app = deploy(WORKFLOW_APP)
    r = send(app, Row("POST", "/later", body={"at": "2030-01-02T03:04:05.000Z"}), {})
    assert r.json() == {"error": "queues are not available on this Brygge node yet (enqueue to 'mailer')"}
    r = send(app, Row("POST", "/later", body={"at": "never"}), {})
    assert r.json() == {"error": "schedule.runAt: invalid date 'Invalid Date'"}


# -- bad input and the rest of the surface ---------------------------------------------------------------

@pytest.mark.parametrize("line,message", [
    ("app.get(42, (req, res) => res.end());",
     "a route must be a string such as '/items/:id' or a RegExp, got number"),
    ("app.get('/x', 'nope');", "app.get('/x'): handler 1 is string, not a function"),
    ("app.static('x');", "app.static(options): options must be an object"),
    ("app.static({route: 'public'});", "app.static: route must be a path such as '/public'"),
    ("app.openapi({}, 'docs');", "uiPath must be a path such as '/docs'"),
    ("app.job('', () => {});", "the cron expression must be a string"),
    ("app.createWorkflow('w', 'd', {a: 1});", "createWorkflow('w'): step 'a' is not a function"),
    ("realtime.createChannel('chat');", "the channel must be a path such as '/chat'"),
    ("await crudlify(app, 'users');", "schema must be a map {collection: schema|null}"),
    ("await crudlify(app, {}, {prefix: 5});", "options.prefix must be a string"),
])
def test_bad_registrations_fail_the_deploy_clearly(deploy: Callable[..., AppInstance], line: str,
                                                  message: str) -> None:
    with pytest.raises(DeployError, match="TypeError") as e:
        deploy("import {app, crudlify, realtime} from 'codehooks-js';\n"
               f"{line}\nexport default app.init();\n")
    assert message in str(e.value)


def test_internal_fetch_goes_to_the_gateway_with_the_host(deploy: Callable[..., AppInstance]) -> None:
    seen: list[dict[str, Any]] = []

    def fetch(payload: str) -> str:
        seen.append(json.loads(payload))
        return "\0TypeError\0fetch failed: ECONNREFUSED: not in this test"
    app = deploy("""import {app} from 'codehooks-js';
app.get('/call', async (req, res) => {
  const url = 'https://other-x1y2.api.example.com/dev/items?q=1';
  try { await app.internalFetch(url, {method: 'POST', body: '{}'}); }
  catch (e) { return res.json({error: e.message}); }
  res.json({});
});
export default app.init();
""", extra_ops={"net.fetch": fetch})
    assert send(app, Row("GET", "/call"), {}).json()["error"].startswith("fetch failed")
    assert seen[0]["url"] == "http://apigateway-service:8888/dev/items?q=1"
    assert seen[0]["method"] == "POST"
    assert {k.lower(): v for k, v in seen[0]["headers"].items()}["host"] == "other-x1y2.api.example.com"


# -- the parts against their libraries, in Node --------------------------------------------------------

JS = Path(__file__).resolve().parents[2] / "sandbox" / "js" / "codehooks"

@pytest.mark.skipif(shutil.which("node") is None, reason="node is needed for differential tests")
def test_aggregation_and_mime_types_match_the_libraries() -> None:
    """aggregation.js (evaluated in the sandbox) against codehooks-js 1.4.3's, fed
    the same stream, and the static server's MIME table against mime@3's getType."""
    where = installed("codehooks-js")
    data = [{"month": "oct", "sales": 10, "winback": 2, "t": "A", "high": 5, "n": 1, "d": {"x": 1}},
            {"month": "oct", "sales": 5.5, "winback": 7, "t": "B", "high": 9, "n": 2, "d": {"x": 2}},
            {"month": "nov", "sales": 3, "t": "A", "high": 1, "n": 3, "flag": True},
            {"month": 12, "sales": "4", "winback": None, "t": "C", "high": -1, "flag": False},
            {"sales": 1, "t": "A", "month2": "x"}]
    specs = [*AGG_SPECS, {"$group": {"$field": "flag", "$sum": "n"}}, {"$sum": "d.x"},
             {"$group": {"$field": "d.x", "$sum": "n"}}, {"$max": [{"$field": "high", "$label": "H"}, "n"]},
             {"$group": {"$field": "t", "$label": "a.b", "$sum": "n", "$avg": ["n", "high"]}},
             {"$sum": "nope"}]
    source = (JS / "web.js").read_text()
    table = re.search(r"const MIME_TYPES = \{(.*?)\n\};", source, re.S)
    assert table is not None
    exts = re.findall(r'"?([a-z0-9]+)"?: "', table.group(1))
    paths = [f"/a/b.{e}" for e in exts] + ["html", "/about", "/.htaccess", "a.HTML", "/x/y.tar.gz",
                                            "/dir/", "noext", "/a.b/c", "file.unknownext"]
    script = """
import {EventEmitter} from 'events';
const lib = process.argv[1] + '/node_modules/';
const {agg} = await import(lib + 'codehooks-js/aggregation/index.mjs');
const mime = (await import(lib + 'mime/index.js')).default;
const {specs, data, paths} = JSON.parse(process.argv[2]);
const stream = () => { const e = new EventEmitter();
  setTimeout(() => { for (const d of data) e.emit('data', d); e.emit('end'); }, 1); return e; };
const out = {agg: [], mime: paths.map((p) => mime.getType(p))};
for (const s of specs) out.agg.push(await agg(stream(), s));
process.stdout.write(JSON.stringify(out));
"""
    p = subprocess.run(["node", "--input-type=module", "-e", script, str(where),
                        json.dumps({"specs": specs, "data": data, "paths": paths})],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    theirs = json.loads(p.stdout)
    sandbox = AppInstance({"kind": "source", "entry": "index.js", "files": {
        "index.js": "import {app} from 'codehooks-js';\nexport default app.init();"}}, lambda op, payload: "")
    try:
        sandbox.inst.eval_script(source + (JS / "aggregation.js").read_text() + """
globalThis.__parts = (s) => {
  const {specs, data, paths} = JSON.parse(s);
  const out = {agg: [], mime: paths.map(mimeType)};
  (async () => {
    for (const spec of specs) {
      const e = new (require('events'))();
      const p = aggregation(e, spec);
      for (const d of data) e.emit('data', d);
      e.emit('end');
      out.agg.push(await p);
    }
  })().then(() => { globalThis.__partsOut = JSON.stringify(out); });
  return '';
};
globalThis.__partsResult = () => globalThis.__partsOut;""", "parts-test.js")
        sandbox.inst.call("__parts", json.dumps({"specs": specs, "data": data, "paths": paths}))
        sandbox.inst.run_jobs()
        ours = json.loads(sandbox.inst.call("__partsResult", "") or "null")
    finally:
        sandbox.close()
    assert ours["mime"] == theirs["mime"]
    assert ours["agg"] == theirs["agg"]


# -- on a real node ---------------------------------------------------------------------------------------

NODE_APP = """import {app, crudlify} from 'codehooks-js';
import handlebars from 'handlebars';
app.set('views', '/views');
app.set('view engine', {hbs: handlebars});
app.openapi({info: {title: 'Shop', version: '1.0.0'}});
app.get('/hello/:name', (req, res) => res.render('hello', {name: req.params.name}));
crudlify(app, {}, {prefix: '/api'});
app.static({route: '/', directory: '/dist', default: 'index.html', notFound: '/index.html'});
export default app.init();
"""


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningNode]:
    n = new_node(tmp_path_factory.mktemp("builtin-node"))
    n.start()
    yield n
    n.stop()


def test_on_a_real_node(tmp_path: Path, node: RunningNode) -> None:
    (tmp_path / "index.js").write_text(NODE_APP)
    for rel, text in {**STATIC_FILES, "views/hello.hbs": "<p>Hello {{name}}</p>\n"}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / "node_modules").mkdir()
    for p in (installed("handlebars") / "node_modules").iterdir():
        os.symlink(p, tmp_path / "node_modules" / p.name)
    d = node.deploy(tmp_path)
    assert d.returncode == 0, d.stdout + d.stderr
    page = node.get("/dev/")
    assert (page.status_code, page.headers["content-type"], page.text) == (
        200, "text/html", STATIC_FILES["dist/index.html"])
    js = node.get("/dev/assets/app.js")
    assert (js.status_code, js.headers["content-type"]) == (200, "application/javascript")
    deep = node.get("/dev/some/route")
    assert (deep.status_code, deep.text) == (404, STATIC_FILES["dist/index.html"])
    assert node.get("/dev/hello/ann", headers=node.auth()).text == "<p>Hello ann</p>\n"
    created = node.post("/dev/api/items", json={"sku": "a"}, headers=node.auth())
    assert created.status_code == 201, created.text
    assert node.get("/dev/api/items", params={"sku": "a"}, headers=node.auth()).json()[0]["_id"] == \
        created.json()["_id"]
    assert node.get("/dev/api/items").status_code == 403  # a static route does not make the API public
    spec = node.get("/dev/openapi.json")
    assert spec.status_code == 200 and "/api/{collection}" in spec.json()["paths"]
    assert "swagger-ui" in node.get("/dev/docs").text
