"""Project quotas in the storage engine (storage/quota.py, storage/quota_store.py) on a
temp RocksDB with the real catalog: data bytes (documents + key-value) and file bytes
summed over a project's spaces, refused with QuotaExceeded before anything is written;
shrinking writes always pass; key-value byte accounting; plans, overrides and the cache
following `set_plan` at once; today's metered invocation seconds."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import pytest

from storage import quota
from storage.catalog import Catalog
from storage.client import LocalStorageClient
from storage.engine import Engine
from storage.errors import QuotaExceeded

PLANS = json.dumps({"tiny": {"data_bytes": 2000, "file_bytes": 3000},
                    "roomy": {"data_bytes": 10**9}, "unlimited": {}})


@pytest.fixture
def node(tmp_path: Path) -> Any:
    e = Engine(str(tmp_path / "db"), plans=PLANS, default_plan="tiny")
    cat = Catalog(LocalStorageClient(e))
    run = asyncio.run
    run(cat.create_project("alpha"))
    run(cat.create_project("beta"))
    spaces = {n: run(cat.create_space(p, n[-1]))["id"]
              for p, n in (("alpha", "alpha-a"), ("alpha", "alpha-b"), ("beta", "beta-a"))}
    yield e, cat, spaces
    e.close()


def call(e: Engine, sid: str, op: str, **args: Any) -> Any:
    return json.loads(e.call(sid, op, json.dumps(args).encode()))


def test_data_bytes_summed_over_a_projects_spaces_and_refused_precisely(node: Any) -> None:
    e, _, sp = node
    call(e, sp["alpha-a"], "db.insertOne", collection="c", doc={"_id": "1", "v": "x" * 900})
    call(e, sp["alpha-b"], "kv.set", key="k", value="y" * 900)
    before = call(e, sp["alpha-a"], "quota.get")
    assert before["limits"]["data_bytes"] == 2000 and before["plan"] == "tiny"
    used = before["usage"]["data_bytes"]
    assert 1800 < used < 2000
    with pytest.raises(QuotaExceeded) as ei:  # either space: the project is over
        e.call(sp["alpha-a"], "db.insertOne",
               json.dumps({"collection": "c", "doc": {"v": "z" * 300}}).encode())
    err = ei.value
    assert (err.quota, err.used, err.limit, err.status) == ("data_bytes", used, 2000, 507)
    assert "alpha" in err.error and "data_bytes" in err.error
    with pytest.raises(QuotaExceeded):
        e.call(sp["alpha-b"], "kv.set", json.dumps({"key": "k2", "value": "z" * 300}).encode())
    with pytest.raises(QuotaExceeded):  # an update that grows a document
        e.call(sp["alpha-a"], "db.updateOne", json.dumps(
            {"collection": "c", "query": "1", "update": {"$set": {"w": "z" * 300}}}).encode())
    # nothing of the refused writes was stored
    assert call(e, sp["alpha-a"], "quota.get")["usage"]["data_bytes"] == used
    assert call(e, sp["alpha-b"], "kv.get", key="k2") is None
    # another project on the same engine is untouched
    call(e, sp["beta-a"], "db.insertOne", collection="c", doc={"v": "x" * 1500})
    # shrinking always passes, and frees room
    call(e, sp["alpha-b"], "kv.del", key="k")
    call(e, sp["alpha-a"], "db.insertOne", collection="c", doc={"v": "z" * 300})


def test_kv_bytes_follow_every_write_delete_and_expiry(node: Any) -> None:
    e, _, sp = node
    sid = sp["alpha-a"]
    usage = lambda: e.kv.usage(sid)  # noqa: E731
    call(e, sid, "kv.set", key="a", value="1234")
    one = usage()
    assert one["keys"] == 1 and one["bytes"] > 4
    call(e, sid, "kv.set", key="a", value="12345678")  # replaced: 4 bytes more
    assert usage() == {"keys": 1, "bytes": one["bytes"] + 4}
    call(e, sid, "kv.incr", key="n")
    call(e, sid, "kv.set", key="p/1", value="x")
    call(e, sid, "kv.set", key="p/2", value="x", keyspace="ks")
    assert usage()["keys"] == 4
    call(e, sid, "kv.delAll", prefix="p/")
    assert usage()["keys"] == 3
    call(e, sid, "kv.del", key="n")
    call(e, sid, "kv.delAll", keyspace="ks")
    assert usage() == {"keys": 1, "bytes": one["bytes"] + 4}
    call(e, sid, "kv.del", key="a")
    assert usage() == {"keys": 0, "bytes": 0}
    # persisted with the write, and counted from the entries when absent (old data)
    call(e, sid, "kv.set", key="b", value="v")
    e.kv._usage.clear()
    assert usage()["keys"] == 1
    e.db.delete(b"v" + sid.encode())
    e.kv._usage.clear()
    assert usage()["keys"] == 1


def test_file_bytes_of_a_project_refused_and_the_upload_dropped(node: Any) -> None:
    e, _, sp = node

    def save(sid: str, path: str, n: int) -> Any:
        return e.call(sid, "file.save", json.dumps(
            {"path": path, "data": base64.b64encode(b"x" * n).decode()}).encode())

    save(sp["alpha-a"], "/a", 2000)
    save(sp["alpha-a"], "/a", 2500)  # a replacement counts once
    with pytest.raises(QuotaExceeded) as ei:
        save(sp["alpha-b"], "/b", 600)
    assert (ei.value.quota, ei.value.used, ei.value.limit) == ("file_bytes", 2500, 3000)
    # streamed: refused at the piece that crosses the line, the upload is gone
    up = call(e, sp["alpha-b"], "file.open", path="/c")["upload"]
    call(e, sp["alpha-b"], "file.write", upload=up, data=base64.b64encode(b"y" * 400).decode())
    with pytest.raises(QuotaExceeded):
        e.call(sp["alpha-b"], "file.write", json.dumps(
            {"upload": up, "data": base64.b64encode(b"y" * 400).decode()}).encode())
    assert e.files.counted(sp["alpha-b"]) == 0
    save(sp["beta-a"], "/big", 2900)  # the neighbour has its own quota


def test_set_plan_and_overrides_apply_at_once(node: Any) -> None:
    e, cat, sp = node
    sid = sp["alpha-a"]
    call(e, sid, "db.insertOne", collection="c", doc={"v": "x" * 1900})
    with pytest.raises(QuotaExceeded):
        call(e, sid, "db.insertOne", collection="c", doc={"v": "x" * 500})
    asyncio.run(cat.set_plan("alpha", "roomy"))
    call(e, sid, "db.insertOne", collection="c", doc={"v": "x" * 500})
    asyncio.run(cat.set_plan("alpha", None, {"data_bytes": 100}))
    q = asyncio.run(cat.quota_of("alpha"))
    assert q["plan"] == "roomy" and q["limits"]["data_bytes"] == 100
    with pytest.raises(QuotaExceeded):
        call(e, sid, "kv.set", key="k", value="v")
    asyncio.run(cat.set_plan("alpha", "", {"data_bytes": None}))  # back to the default
    assert asyncio.run(cat.quota_of("alpha"))["plan"] == "tiny"
    asyncio.run(cat.set_plan("alpha", None, {"data_bytes": 0}))  # 0 = unlimited
    call(e, sid, "db.insertOne", collection="c", doc={"v": "x" * 5000})
    # a new space of the project counts from its first write
    new = asyncio.run(cat.create_space("alpha", "c"))["id"]
    call(e, new, "kv.set", key="k", value="v")
    assert set(asyncio.run(cat.quota_of("alpha"))["spaces"]) == {sid, sp["alpha-b"], new}


def test_metered_seconds_of_today_per_project(node: Any) -> None:
    e, cat, sp = node
    call(e, sp["alpha-a"], "space.meter", api=1, codehook_invocation=1, codehook_time=1500)
    r = call(e, sp["alpha-b"], "space.meter", codehook_time=700)
    assert r["project"] == "alpha" and r["project_day_s"] == 2.2
    assert asyncio.run(cat.quota_of("alpha"))["usage"]["cpu_seconds_per_day"] == 2.2
    # a day that is over counts nothing today
    key = b"c" + sp["alpha-a"].encode()
    e.db.put(key, json.dumps({**json.loads(e.db[key]), "day": "2000-01-01"}).encode())
    assert asyncio.run(cat.quota_of("alpha"))["usage"]["cpu_seconds_per_day"] == 0.7
    # space.usage (coho stats) shows only its fields
    assert set(call(e, sp["alpha-a"], "space.usage")) == {
        "api", "codehook_invocation", "codehook_time", "objects", "bytes", "file_bytes",
        "file_count"}


def test_plans_and_limits_rules() -> None:
    plans = quota.parse_plans(PLANS)
    assert quota.limits_of(plans, "tiny", {"name": "p"})[1]["file_bytes"] == 3000
    assert quota.limits_of(plans, "tiny", {"plan": "gone"})[0] == "gone"  # falls back
    assert quota.limits_of(plans, "tiny", {"plan": "gone"})[1]["data_bytes"] == 2000
    assert quota.limits_of(plans, "tiny", None)[1] == dict.fromkeys(quota.QUOTAS, 0)
    for bad in ('{"p": {"disk": 1}}', '{"p": {"data_bytes": -1}}', '[]', '{}', 'x',
                '{"p": {"data_bytes": true}}'):
        with pytest.raises(quota.QuotaError):
            quota.parse_plans(bad)
    e = QuotaExceeded(str(QuotaExceeded("over", "jobs_queued", 5, 4)))  # across the wire
    assert (e.quota, e.used, e.limit, e.status, e.error) == ("jobs_queued", 5, 4, 429, "over")
    assert e.body("r1") == {"error": "over", "quota": "jobs_queued", "used": 5, "limit": 4,
                            "requestId": "r1"}
