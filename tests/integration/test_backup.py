"""`brygge backup` / `brygge restore` between two real nodes (storage/backup.py,
control_plane/api/backups.py, control_plane/cli/backup.py): a space with documents in
several collections (an index, a schema), key-value entries (one with a TTL, one in a
keyspace), a blob file, env and two deployments is backed up on one node and restored
on a fresh second node, where the app answers the same; a non-empty space needs
--force; a truncated or corrupt file is refused in one line and changes nothing."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.nodes import RunningNode, brygge, create_space, new_node

APP = r"""
import {app, Datastore, filestore} from 'codehooks-js';

app.auth('/*', (req, res, next) => next());
app.post('/seed', async (req, res) => {
  const conn = await Datastore.open();
  await conn.createIndex('people', ['age']);
  await conn.setSchema('people', {type: 'object', required: ['name'],
                                  properties: {name: {type: 'string'}}});
  for (let i = 0; i < 30; i++) await conn.insertOne('people', {name: 'p' + i, age: i % 5});
  for (let i = 0; i < 5; i++) await conn.insertOne('orders', {_id: 'o' + i, total: i * 10});
  await conn.set('plain', 'value');
  await conn.set('session', 'short-lived', {ttl: 3600 * 1000});
  await conn.set('k1', 'in-keyspace', {keyspace: 'ks'});
  await filestore.saveFile('/docs/hello.txt', 'hello backup '.repeat(1000));
  res.json({ok: true});
});
app.get('/people', async (req, res) => {
  const conn = await Datastore.open();
  const docs = await conn.getMany('people', {age: Number(req.query.age)}, {sort: {name: 1}}).toArray();
  res.json(docs);
});
app.get('/orders', async (req, res) => {
  const conn = await Datastore.open();
  res.json(await conn.getMany('orders', {}).toArray());
});
app.post('/people', async (req, res) => {
  const conn = await Datastore.open();
  try { res.json(await conn.insertOne('people', req.body)); }
  catch (e) { res.status(400).json({error: String(e.message || e)}); }
});
app.get('/kv', async (req, res) => {
  const conn = await Datastore.open();
  res.json({plain: await conn.get('plain'), session: await conn.get('session'),
            k1: await conn.get('k1', {keyspace: 'ks'})});
});
app.get('/version', (req, res) => res.json({version: 'VERSION', env: process.env.GREETING || null}));
app.storage({route: '/blobs', directory: '/'});
export default app.init();
"""


def write_app(d: Path, version: str) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "index.js").write_text(APP.replace("VERSION", version))
    return d


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningNode, RunningNode]]:
    tmp = tmp_path_factory.mktemp("backup")
    (tmp / "a").mkdir()
    (tmp / "b").mkdir()
    a = new_node(tmp / "a").start()
    b = None
    try:
        b = new_node(tmp / "b").start()
        yield a, b
    finally:
        a.stop()
        if b is not None:
            b.stop()


def cli(node: RunningNode, *args: str) -> tuple[int, str, str]:
    r = brygge(*args, "--data-dir", str(node.data_dir), timeout=120)
    return r.returncode, r.stdout, r.stderr


def history(node: RunningNode, space: str = "dev") -> list[dict[str, Any]]:
    r = httpx.get(f"{node.admin}/v1/projects/brygge/spaces/{space}/deployments",
                  headers={"x-admintoken": node.admin_token}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def answers(node: RunningNode, space: str = "dev") -> dict[str, Any]:
    h = node.auth()
    return {"people": [node.get(f"/{space}/people", params={"age": a}, headers=h).json()
                       for a in range(5)],
            "orders": sorted(node.get(f"/{space}/orders", headers=h).json(),
                             key=lambda d: d["_id"]),
            "kv": node.get(f"/{space}/kv", headers=h).json(),
            "file": node.get(f"/{space}/blobs/docs/hello.txt", headers=h).content,
            "version": node.get(f"/{space}/version", headers=h).json()}


@pytest.fixture(scope="module")
def backed_up(nodes: tuple[RunningNode, RunningNode], tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[Path, dict[str, Any]]:
    a, _ = nodes
    tmp = tmp_path_factory.mktemp("apps")
    assert a.deploy(write_app(tmp / "v1", "v1")).returncode == 0
    assert a.post("/dev/seed", headers=a.auth()).json() == {"ok": True}
    r = a.deploy(write_app(tmp / "v2", "v2"))
    assert r.returncode == 0, r.stderr
    code, _, err = cli(a, "set-env", "GREETING", "hej")
    assert code == 0, err
    before = answers(a)
    assert before["version"] == {"version": "v2", "env": "hej"}
    assert len(before["people"][0]) == 6 and before["kv"]["session"] == "short-lived"
    out = tmp / "dev.brygge-backup"
    code, stdout, err = cli(a, "backup", "-o", str(out))
    assert code == 0, err
    assert "Backed up brygge/dev" in stdout and out.stat().st_size > 100
    return out, before


def test_restore_on_a_second_node_answers_the_same(nodes: tuple[RunningNode, RunningNode],
                                                   backed_up: tuple[Path, dict[str, Any]]
                                                   ) -> None:
    a, b = nodes
    out, before = backed_up
    code, stdout, err = cli(b, "restore", str(out))
    assert code == 0, err
    assert "Restored brygge/dev: 35 documents, 3 key-value entries, 1 files, 2 deployments" \
        in stdout
    assert answers(b) == before
    # the schema still rejects a bad document; a good one is accepted
    r = b.post("/dev/people", json={"age": 3}, headers=b.auth())
    assert r.status_code == 400 and "schema" in r.text
    assert b.post("/dev/people", json={"name": "new", "age": 9}, headers=b.auth()).status_code \
        == 200
    # history: both deployments, v2 active; the source node is unchanged
    hist = history(b)
    assert [d["seq"] for d in hist] == [2, 1] and hist[0]["active"] and not hist[1]["active"]
    assert [d["digest"] for d in hist] == [d["digest"] for d in history(a)]
    assert answers(a) == before


def test_restore_over_a_non_empty_space_needs_force(nodes: tuple[RunningNode, RunningNode],
                                                    backed_up: tuple[Path, dict[str, Any]]
                                                    ) -> None:
    a, _ = nodes
    out, before = backed_up
    code, stdout, err = cli(a, "restore", str(out))
    assert code == 1 and stdout == ""
    assert err.count("\n") == 1 and "is not empty" in err and "--force" in err
    # into a new space of the same node (another internal id), then with --force over it
    create_space(a, "copy")
    code, _, err = cli(a, "restore", str(out), "-s", "copy")
    assert code == 0, err
    assert answers(a, "copy") == {**before, "version": before["version"]}
    a.post("/copy/people", json={"name": "extra", "age": 0}, headers=a.auth())
    code, _, err = cli(a, "restore", str(out), "-s", "copy", "--force")
    assert code == 0, err
    assert answers(a, "copy") == before  # the extra document is gone
    assert answers(a) == before  # the source space is untouched by both


@pytest.mark.parametrize("damage", ["truncated", "corrupt", "not-a-backup"])
def test_a_damaged_file_is_refused_and_the_space_untouched(
        nodes: tuple[RunningNode, RunningNode], backed_up: tuple[Path, dict[str, Any]],
        tmp_path: Path, damage: str) -> None:
    _, b = nodes
    out, _ = backed_up
    data = out.read_bytes()
    if damage == "truncated":
        bad = data[:len(data) * 2 // 3]
    elif damage == "corrupt":
        raw = bytearray(gzip.decompress(data))
        raw[len(raw) // 2] ^= 0x40
        bad = gzip.compress(bytes(raw))
    else:
        bad = b"PK\x03\x04" + b"\x00" * 5000
    f = tmp_path / "bad.brygge-backup"
    f.write_bytes(bad)
    target = answers(b)
    code, stdout, err = cli(b, "restore", str(f), "--force")
    assert code == 1 and stdout == "" and err.count("\n") == 1, err
    assert "backup" in err and "Traceback" not in err
    assert answers(b) == target  # whatever it held before, unchanged
    # the admin API answers 400 with the reason
    r = httpx.post(f"{b.admin}/v1/projects/brygge/spaces/dev/restore", params={"force": "true"},
                   content=bad, headers={"x-admintoken": b.admin_token}, timeout=60)
    assert r.status_code == 400 and "backup" in r.json()["error"]


def test_backup_of_an_unknown_space_is_one_line(nodes: tuple[RunningNode, RunningNode],
                                                tmp_path: Path) -> None:
    a, _ = nodes
    code, _, err = cli(a, "backup", "-s", "nope", "-o", str(tmp_path / "x"))
    assert code == 1 and err.count("\n") == 1 and "nope" in err
    assert not (tmp_path / "x").exists() and not (tmp_path / "x.part").exists()
    code, _, err = cli(a, "restore", str(tmp_path / "missing.brygge-backup"))
    assert code == 1 and "cannot read" in err
