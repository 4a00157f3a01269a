"""Space API tokens never in clear on disk (issue 18), on one real node: tokens added,
used, listed and removed through every way in (REST, GraphQL, the CLI), all found by
their HMAC and stored sealed; a record of the old clear format is re-keyed and sealed at
start; afterwards no file under the data dir (RocksDB files, WAL, MANIFEST, logs,
JetStream) holds any token used on the node."""

from __future__ import annotations

import gzip
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from brygge import cohotoken
from tests.support.nodes import RunningNode, brygge, catalog_call, deployed_node

APP = r"""
import {app} from 'codehooks-js';
app.get('/thing', (req, res) => res.json({ok: true}));
app.post('/thing', (req, res) => res.status(201).json({written: true}));
app.get('/inner', (req, res) => res.json({inner: true}));
app.get('/outer', async (req, res) => {
  const r = await app.internalFetch(`http://${req.headers.host}/dev/inner`);
  res.status(r.status).json(await r.json());
});
export default app.init();
"""


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with deployed_node(tmp_path_factory.mktemp("tokens-at-rest"), APP) as n:
        yield n


def status(node: RunningNode, method: str, token: str, path: str = "/dev/thing",
           form: str = "x-apikey") -> int:
    headers = {"authorization": f"Bearer {token}"} if form == "bearer" else {form: token}
    return httpx.request(method, node.base + path, headers=headers, timeout=30).status_code


def admin(node: RunningNode, method: str, path: str, **kw: Any) -> Any:
    r = httpx.request(method, f"{node.admin}/v1/projects/brygge/spaces/dev{path}",
                      headers={"x-admintoken": node.admin_token}, timeout=30, **kw)
    assert r.status_code < 300, r.text
    return r.json()


def records(node: RunningNode) -> list[tuple[str, Any]]:
    async def scan(cat: Any) -> list[tuple[str, Any]]:
        return await cat._scan("token/")
    return list(catalog_call(node, scan))


def cli(node: RunningNode, *args: str) -> str:
    r = brygge(*args, "--data-dir", str(node.data_dir))
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_tokens_are_found_by_hmac_kept_sealed_and_listed_opened(node: RunningNode) -> None:
    rw = admin(node, "POST", "/tokens", json={"description": "ci"})["token"]
    ro = admin(node, "POST", "/tokens", json={"readonly": True})["token"]
    third = admin(node, "POST", "/tokens", json={})["token"]
    for tok in (node.token, rw):
        assert status(node, "GET", tok) == 200 and status(node, "POST", tok) == 201
        assert status(node, "GET", tok, form="bearer") == 200
    assert status(node, "GET", ro) == 200
    assert status(node, "POST", ro) == 403  # read-only is still read-only
    assert status(node, "GET", rw, "/dev/outer") == 200  # internalFetch's signature admits

    # every listing shows the tokens themselves (opened), none of them in any record
    listed = {t["token"]: t for t in admin(node, "GET", "/tokens")}
    assert {node.token, rw, ro, third} <= set(listed) and listed[rw]["description"] == "ci"
    assert listed[ro]["access"] == "R"
    assert cli(node, "token").strip() in listed
    info = json.loads(cli(node, "info", "--json"))
    assert {rw, ro, third} <= {t["token"] for t in info["spaces"][0]["tokens"]}
    raw = records(node)
    assert all(len(k) == len("token/") + 64 and v["sealed"] for k, v in raw)
    for tok in (node.token, rw, ro, third):
        assert tok not in json.dumps(raw)

    # removal by value: REST, GraphQL, the CLI; each is refused at once after
    assert admin(node, "DELETE", f"/tokens/{rw}") == {"removed": rw}
    assert status(node, "GET", rw) == 401
    sid = catalog_call(node, lambda cat: cat.space("brygge", "dev"))["id"]
    r = httpx.post(f"{node.admin}/graphql", timeout=30,
                   headers={"authorization": f"Bearer {cohotoken.wrap(node.admin_token)}"},
                   json={"query": "mutation($d: ID!, $t: ID!) { removeToken(datastoreId: $d, "
                                  "tokenId: $t) { key access } }",
                         "variables": {"d": sid, "t": ro}})
    assert r.json()["data"]["removeToken"] == {"key": ro, "access": "READ"}, r.text
    assert status(node, "GET", ro) == 401
    cli(node, "remove-token", third)
    assert status(node, "GET", third) == 401
    again = brygge("remove-token", third, "--data-dir", str(node.data_dir))
    assert again.returncode == 1 and "no token" in again.stderr
    assert {rw, ro, third}.isdisjoint(t["token"] for t in admin(node, "GET", "/tokens"))


def _files_holding(root: Path, needles: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in root.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        try:
            data = path.read_bytes()
        except OSError:  # a socket or a file removed meanwhile
            continue
        for n in needles:
            if n.encode() in data:
                found.setdefault(n, []).append(str(path.relative_to(root)))
    return found


def test_clear_records_are_sealed_at_start_and_no_token_is_on_disk(node: RunningNode) -> None:
    old = str(uuid.uuid4())
    sid = catalog_call(node, lambda cat: cat.space("brygge", "dev"))["id"]

    async def write_old(cat: Any) -> None:  # what an older version stored
        await cat._put({f"token/{old}": {"project": "brygge", "space": "dev",
                                         "space_id": sid, "access": "R",
                                         "description": "from before", "created": "2025"}})
    catalog_call(node, write_old)
    assert status(node, "GET", old) == 401  # the clear format is found by no router
    used = admin(node, "POST", "/tokens", json={})["token"]
    assert status(node, "POST", used) == 201

    node.stop()
    node.start()  # the start seals it (and reopens storage once)
    assert status(node, "GET", old) == 200
    assert status(node, "POST", old) == 403  # its access came along
    assert f"token/{old}" not in dict(records(node))
    listed = {t["token"]: t for t in admin(node, "GET", "/tokens")}
    assert listed[old]["description"] == "from before"
    assert status(node, "GET", used) == 200 and status(node, "GET", node.token) == 200

    found = _files_holding(node.data_dir, [old, used, node.token])
    assert not found, f"tokens in clear under the data dir: {found}"


def test_a_restore_keeps_the_space_tokens_sealed_and_working(node: RunningNode,
                                                             tmp_path: Path) -> None:
    tok = admin(node, "POST", "/tokens", json={"readonly": True})["token"]
    out = tmp_path / "dev.brygge-backup"
    cli(node, "backup", "-o", str(out))
    assert tok.encode() not in gzip.decompress(out.read_bytes())  # backups carry no tokens
    before = catalog_call(node, lambda cat: cat.space("brygge", "dev"))["id"]
    cli(node, "restore", str(out), "--force")
    after = catalog_call(node, lambda cat: cat.space("brygge", "dev"))["id"]
    assert after != before
    # the same records, re-pointed at the restored id, still sealed and still opening
    assert status(node, "GET", tok) == 200 and status(node, "POST", tok) == 403
    assert status(node, "POST", node.token) == 201
    raw = records(node)
    assert {v["space_id"] for _, v in raw} == {after} and tok not in json.dumps(raw)
    assert tok in {t["token"] for t in admin(node, "GET", "/tokens")}
