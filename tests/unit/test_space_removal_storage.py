"""What removing a space leaves in the storage engine (real RocksDB in tmp_path): nothing of
its id — KV expiry-index entries included —, no blob that no deployment names any more
(and every blob another space's deployment still names), and no key a late call could
write for a deleted id. Also project names as Codehooks validates them."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from control_plane import projects
from storage.catalog import Catalog, CatalogError
from storage.client import LocalStorageClient
from storage.engine import Engine, NotFound

SA = "aaaaaaaaaaaa"
SB = "bbbbbbbbbbbb"


def call(e: Engine, op: str, args: Any = None, space: str = SA) -> Any:
    return json.loads(e.call(space, op, json.dumps(args or {}).encode()))


def put_blob(e: Engine, data: bytes) -> str:
    return str(json.loads(e.call("", "blob.put", data))["digest"])


def record(e: Engine, sid: str, seq: int, digest: str) -> None:
    call(e, "sys.put", {"key": f"deploy/{sid}/{seq:010d}", "value": {"seq": seq,
                                                                      "digest": digest}}, "")


def keys_with(e: Engine, needle: bytes) -> list[bytes]:
    it = e.db.iter()
    it.seek_to_first()
    out = []
    while it.valid():
        if needle in it.key():
            out.append(it.key())
        it.next()
    return out


def has_blob(e: Engine, digest: str) -> bool:
    return e.db.get(b"b" + digest.encode()) is not None


@pytest.fixture
def eng(tmp_path: Any) -> Any:
    e = Engine(str(tmp_path / "db"))
    yield e
    e.close()


def test_removing_a_space_drops_its_kv_expiry_index_entries(eng: Engine) -> None:
    for sid in (SA, SB):
        call(eng, "kv.set", {"key": "session", "value": "x", "ttl": 3_600_000}, sid)
        call(eng, "kv.set", {"key": "plain", "value": "y"}, sid)
    assert any(k.startswith(b"x") for k in keys_with(eng, SA.encode()))
    call(eng, "space.drop", {}, SA)
    assert keys_with(eng, SA.encode()) == []  # was: the x-index entry stayed until reclaim
    assert len([k for k in keys_with(eng, SB.encode()) if k.startswith(b"x")]) == 1
    assert call(eng, "kv.get", {"key": "session"}, SB) is not None


def test_a_deleted_space_id_takes_no_more_writes(eng: Engine) -> None:
    call(eng, "db.insertOne", {"collection": "c", "doc": {"a": 1}}, SA)
    call(eng, "db.insertOne", {"collection": "c", "doc": {"a": 1}}, SB)
    assert call(eng, "space.delete", {}, SA) == {"erased": True}
    for op, args in (("space.meter", {"api": 3}), ("db.insertOne",
                                                    {"collection": "c", "doc": {"a": 2}}),
                     ("kv.set", {"key": "k", "value": "v"})):
        with pytest.raises(NotFound, match="was deleted"):
            call(eng, op, args, SA)
    assert call(eng, "space.delete", {}, SA) == {"erased": True}  # a retry is fine
    assert keys_with(eng, SA.encode()) == []
    call(eng, "space.meter", {"api": 1}, SB)  # the neighbour is untouched


def test_blob_gc_keeps_what_any_deployment_names(eng: Engine) -> None:
    shared = put_blob(eng, b"shared artifact")
    only_a = put_blob(eng, b"artifact of a only")
    asset = put_blob(eng, b"\x89PNG binary asset")
    with_asset = put_blob(eng, json.dumps({"kind": "source", "assets": {
        "logo.png": {"digest": asset, "size": 17}}}).encode())
    record(eng, SA, 1, shared)
    record(eng, SA, 2, only_a)
    record(eng, SA, 3, with_asset)
    record(eng, SB, 1, shared)
    call(eng, "space.delete", {}, SA)
    gone = call(eng, "blob.gc", {"candidates": [shared, only_a, with_asset]}, "")["removed"]
    assert sorted(gone) == sorted([only_a, with_asset, asset])  # the asset went with it
    assert has_blob(eng, shared) and not has_blob(eng, only_a) and not has_blob(eng, asset)
    call(eng, "space.delete", {}, SB)
    assert call(eng, "blob.gc", {"candidates": [shared]}, "")["removed"] == [shared]
    assert [k for k in keys_with(eng, b"") if k.startswith(b"b")] == []  # no blob left


def test_an_asset_another_artifact_names_is_kept(eng: Engine) -> None:
    asset = put_blob(eng, b"logo bytes")
    art_a = put_blob(eng, json.dumps({"v": "a", "assets": {"l": {"digest": asset}}}).encode())
    art_b = put_blob(eng, json.dumps({"v": "b", "assets": {"l": {"digest": asset}}}).encode())
    record(eng, SA, 1, art_a)
    record(eng, SB, 1, art_b)
    call(eng, "space.delete", {}, SA)
    assert call(eng, "blob.gc", {"candidates": [art_a]}, "")["removed"] == [art_a]
    assert has_blob(eng, asset) and has_blob(eng, art_b)


def test_a_blob_put_by_a_deploy_in_progress_is_kept(eng: Engine) -> None:
    """A deploy puts its blob, validates, then records it: a collection in between must
    not delete it (the same content was deployed in the space being deleted)."""
    art = put_blob(eng, b"same app in two spaces")
    record(eng, SA, 1, art)
    call(eng, "space.delete", {}, SA)
    put_blob(eng, b"same app in two spaces")  # space b's deploy, not recorded yet
    assert call(eng, "blob.gc", {"candidates": [art]}, "")["removed"] == []
    record(eng, SB, 1, art)
    assert has_blob(eng, art)
    # a put whose deploy failed (never recorded) is collectable once it is long abandoned
    orphan = put_blob(eng, b"a deploy that failed validation")
    assert call(eng, "blob.gc", {"candidates": [orphan]}, "")["removed"] == []
    eng.blobs.pending[orphan] -= 2 * 3600
    assert call(eng, "blob.gc", {"candidates": [orphan]}, "")["removed"] == [orphan]


@pytest.mark.parametrize("bad", [["nothex"], "x", [1], None])
def test_blob_gc_refuses_bad_candidates(eng: Engine, bad: Any) -> None:
    from storage.engine import BadRequest

    with pytest.raises(BadRequest):
        call(eng, "blob.gc", {"candidates": bad}, "")


@pytest.mark.parametrize("name", ["abc", "a" * 16, "My-App", "my-app", "app_1", "", "ünï1",
                                  "abc "])
def test_project_names_as_codehooks_validates_them(name: str) -> None:
    with pytest.raises(CatalogError, match="4 to 15 lower-case letters or digits"):
        projects.check_display(name)


def test_create_gives_a_unique_name_and_retries_a_collision(eng: Engine,
                                                            monkeypatch: Any) -> None:
    cat = Catalog(LocalStorageClient(eng))

    async def go() -> list[dict[str, Any]]:
        a = await projects.create(cat, "shop", description="the shop")
        # the next draw collides with a's name first, then finds a free one
        draws = iter([a["name"], "shop-zzzz"])
        monkeypatch.setattr(projects, "unique_name", lambda n: next(draws))
        b = await projects.create(cat, "shop")
        return [a, b, *await projects.list_all(cat)]

    a, b, *listed = asyncio.run(go())
    assert a["name"].startswith("shop-") and len(a["name"]) == 9
    assert a["name"][5:].isalnum() and a["name"][5:] == a["name"][5:].lower()
    assert a["display"] == "shop" and a["description"] == "the shop" and a["team"] is None
    assert b["name"] == "shop-zzzz"
    assert {p["name"] for p in listed} == {a["name"], b["name"]}
