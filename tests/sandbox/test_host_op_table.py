"""The host-op table (sandbox/hostops.py) is the whole of what tenant code can reach:
every op the guest runtime sends is declared; a name not in the table is refused
with `unknown host operation '<op>'` and never reaches storage; and through every
declared op, from a real app in a real instance over a real storage process, the
system records and another space's data stay out of reach."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from brygge.settings import Settings
from sandbox import hostops
from sandbox.app import AppInstance, Invocation
from sandbox.executor_hostops import HostBackend
from sandbox.hosterror import unknown_op
from storage.engine import Engine
from tests.support.sandbox_app import HEAD, invoke
from tests.support.storage import storage_process

JS = Path(__file__).resolve().parents[2] / "sandbox" / "js"
FAMILIES = ("db", "kv", "file", "fs", "queue", "rt", "net", "http", "job", "crypto", "module")
SECRET = "s3cret-system-record"


def guest_ops() -> set[str]:
    """The op names sandbox/js/**/*.js sends: literal names, and the dynamic
    `"crypto." + kind` / `"crypto.key." + op` ones with the names their callers pass."""
    lit = re.compile(r"[\"'`]((?:" + "|".join(FAMILIES) + r")\.[A-Za-z_.]+)[\"'`]")
    found: set[str] = set()
    for f in JS.rglob("*.js"):
        text = f.read_text()
        for name in lit.findall(text):
            if name.endswith("."):  # a prefix: completed below
                continue
            if name.split(".")[0] in ("http",) and not name.startswith(("http.res", "http.head",
                                                                       "http.write", "http.end",
                                                                       "http.body")):
                continue  # e.g. `http.Agent`: a module member, not an op
            found.add(name)
        if "host(\"crypto.key.\" + op" in text:
            found |= {f"crypto.key.{m}" for m in re.findall(r"\bcall\(\"(\w+)\"", text)}
        if "host(\"crypto.\" + this.kind" in text:
            found |= {f"crypto.{k}" for k in re.findall(r"new Hash\(\"(\w+)\"", text)}
    return found


def test_the_scan_sees_the_guest_runtime() -> None:
    ops = guest_ops()
    # (a scan that found nothing would make the next test pass vacuously)
    assert {"db.getMany", "kv.set", "file.open", "crypto.key.sign", "crypto.hmac",
            "http.res", "job.done", "module.esm", "fs.read", "net.fetch"} <= ops


def test_every_op_the_guest_sends_is_declared_and_every_row_is_used() -> None:
    ops = guest_ops()
    assert ops - set(hostops.GUEST) == set(), "the guest sends ops the table does not declare"
    assert set(hostops.GUEST) - ops == set(), "rows no guest code sends widen the door"


def test_every_row_names_a_handler_of_its_side() -> None:
    for op in hostops.TABLE:
        owner = AppInstance if op.side == "instance" else HostBackend
        assert callable(getattr(owner, op.handler, None)), op
    assert not any(op.name.startswith(("sys.", "blob.", "space.", "backup.", "restore."))
                   for op in hostops.TABLE)


# -- attacks through a real AppInstance over a real storage process ---------------------

@pytest.fixture(scope="module", name="store")
def _store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from storage_process(tmp_path_factory.mktemp("hostops"))  # a real storage process


@pytest.fixture(scope="module")
def backend(store: Any) -> HostBackend:
    store.call("", "sys.put", {"key": "space/victim000001", "value": {"secret": SECRET}})
    store.call("victim000001", "db.insertOne", {"collection": "notes", "doc": {
        "_id": "n1", "text": SECRET}})
    store.call("victim000001", "kv.set", {"key": "k", "value": SECRET})
    return HostBackend(replace(Settings()), store, None)


# Tries each declared data op with names shaped like system keys, other spaces'
# key prefixes and traversals; answers what each returned (or threw).
ATTACK_JS = HEAD + r"""
import {Datastore, filestore} from 'codehooks-js';
const names = ['space/victim000001', 'sys', '../victim000001', 'victim000001', 'd\u0000victim000001',
               '\u0000notes', 'notes', 'k', 'victim000001\u0000notes'];
app.get('/attack', async (req, res) => {
  const out = [];
  const t = async (what, f) => {
    try { const r = await f(); out.push([what, JSON.stringify(r === undefined ? null : r)]); }
    catch (e) { out.push([what, String(e && e.message)]); }
  };
  const conn = await Datastore.open();
  for (const n of names) {
    await t('getOne ' + n, () => conn.getOne(n, 'n1'));
    await t('getMany ' + n, () => conn.getMany(n, {}).toArray());
    await t('count ' + n, () => conn.count(n, {}));
    await t('updateMany ' + n, () => conn.updateMany(n, {}, {$set: {x: 1}}));
    await t('getSchema ' + n, () => conn.getSchema(n));
    await t('kv.get ' + n, () => conn.get(n));
    await t('kv.get keyspace ' + n, () => conn.get('k', {keyspace: n}));
    await t('kv.getAll ' + n, () => conn.getAll(n, {keyspace: n}));
    await t('kv.incr ' + n, () => conn.incr(n, 1, {keyspace: n}));
    await t('file.read ' + n, () => filestore.readFile('/' + n));
    await t('file.list ' + n, () => filestore.list('/' + n));
  }
  res.json(out);
});
export default app.init();
"""


def test_declared_ops_reach_only_the_invoking_space(backend: HostBackend, store: Any) -> None:
    app = AppInstance({"kind": "source", "entry": "index.js", "files": {"index.js": ATTACK_JS}},
                      backend.for_space("attacker0001"))
    try:
        r = invoke(app, "GET", "/attack")
    finally:
        app.close()
    assert r.status == 200, r.text
    results = r.json()
    assert len(results) == 9 * 11
    leaked = [(what, got) for what, got in results if SECRET in got]
    assert leaked == []
    # the victim's data is as it was
    assert store.call("victim000001", "db.getOne", {"collection": "notes", "query": {"_id": "n1"}}
                      ).get("x") is None
    assert store.call("", "sys.get", {"key": "space/victim000001"}) == {"secret": SECRET}


@pytest.fixture(scope="module")
def engine_ops(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    e = Engine(str(tmp_path_factory.mktemp("engine") / "db"))
    try:
        return set(e.ops) | set(e.backups.raw_ops) | {"blob.put", "blob.get"}
    finally:
        e.close()


def test_undeclared_names_are_refused_and_never_reach_storage(
        backend: HostBackend, store: Any, engine_ops: set[str]) -> None:
    app = AppInstance({"kind": "source", "entry": "index.js", "files": {
        "index.js": HEAD + "export default app.init();"}}, backend.for_space("attacker0001"))
    undeclared = sorted((engine_ops | {"net.raw", "queue.purge", "rt.subscribe", "crypto.bogus",
                                       "module.eval", "fs.write", "http.redirect", "job.fail",
                                       "sys.get", ""}) - set(hostops.GUEST))
    assert {"sys.get", "sys.put", "sys.scan", "blob.get", "file.asset", "space.drop",
            "db.collections", "file.save"} <= set(undeclared)
    payload = json.dumps({"key": "space/victim000001", "prefix": "", "batch": [], "digest": "x",
                          "offset": 0, "length": 10})
    try:
        for op in undeclared:  # while the module loads: nothing happens
            if op == "file.asset":
                continue
            assert app._host(op, payload) == "", op
        app.inv = Invocation(emit=lambda *_: None)  # during an invocation: refused
        try:
            for op in undeclared:
                assert app._host(op, payload) == unknown_op(op), op
        finally:
            app.inv = None
        assert app._host("file.asset", payload) == unknown_op("file.asset")
    finally:
        app.close()
    # and the executor's side answers only declared names too
    ops = backend.for_space("attacker0001")
    for op in undeclared:
        if op not in hostops.EXECUTOR:
            assert ops(op, payload) == unknown_op(op), op
    assert store.call("", "sys.get", {"key": "space/victim000001"}) == {"secret": SECRET}
    assert unknown_op("sys.get") == "\0Error\0unknown host operation 'sys.get'"
