"""The official `coho` CLI 1.0.13 against the `_A_D_M_*` endpoints of a real node
(control_plane/api/adm.py): data, keys, indexes, usage, history, rollback, undeploy."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import httpx
import pytest

from tests.support.coho import FIXTURE, coho, coho_app, coho_project, node, run_coho
from tests.support.nodes import RunningNode, brygge

__all__ = ["coho", "coho_app", "node"]  # module-scoped fixtures from tests/support/coho.py
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory, node: RunningNode) -> Path:
    return coho_project(tmp_path_factory, node, "cohoadm")


def coho_ok(coho: Path, node: RunningNode, work: Path, *args: str) -> str:
    r = run_coho(coho, node, *args, app=work)
    assert r.returncode == 0, r.stdout + r.stderr
    return ANSI.sub("", r.stdout)


def admin(node: RunningNode) -> dict[str, str]:
    return {"x-admintoken": node.admin_token, "host": "brygge.api.codehooks.local.io"}


def test_import_json_and_csv_then_query_count_export(coho: Path, node: RunningNode,
                                                     work: Path) -> None:
    pets = [{"name": "Polly", "type": "Parrot", "age": 3},
            {"name": "Rex", "type": "Dog", "age": 7},
            {"name": "Pongo", "type": "Dog", "age": 2}]
    (work / "pets.json").write_text(json.dumps(pets))
    out = coho_ok(coho, node, work, "import", "-f", "pets.json", "-c", "pets")
    assert "Finished import 3 objects" in out
    (work / "fish.csv").write_text("name;weight;_skip\nNemo;1.5;x\nDory;;y\n")
    out = coho_ok(coho, node, work, "import", "-f", "fish.csv", "-c", "fish", "--separator", ";")
    assert "Finished import of 2 objects" in out

    docs = json.loads(coho_ok(coho, node, work, "query", "-c", "fish"))
    assert sorted((d["name"], d["weight"]) for d in docs) == [("Dory", ""), ("Nemo", 1.5)]
    assert all("_skip" not in d for d in docs)
    dogs = json.loads(coho_ok(coho, node, work, "query", "pets", "type=Dog"))
    assert sorted(d["name"] for d in dogs) == ["Pongo", "Rex"]
    regex = json.loads(coho_ok(coho, node, work, "query", "pets", "name=/^po/"))
    assert sorted(d["name"] for d in regex) == ["Polly", "Pongo"]
    limited = json.loads(coho_ok(coho, node, work, "query", "pets", "--limit", "1",
                                 "--fields", "name"))
    assert len(limited) == 1 and set(limited[0]) <= {"_id", "name"}
    assert json.loads(coho_ok(coho, node, work, "query", "pets", "type=Dog", "--count")) \
        == [{"count": 2}]
    assert "count: 3" in coho_ok(coho, node, work, "count", "-c", "pets")

    exported = json.loads(coho_ok(coho, node, work, "export", "--collection", "pets"))
    assert sorted(d["name"] for d in exported) == ["Polly", "Pongo", "Rex"]
    csv_out = coho_ok(coho, node, work, "export", "--collection", "pets", "--csv")
    assert csv_out.splitlines()[0].split(",")[:3] == ["name", "type", "age"]


def test_query_update_and_delete_by_query(coho: Path, node: RunningNode, work: Path) -> None:
    docs = [{"name": f"n{i}", "kind": "tmp" if i % 2 else "keep"} for i in range(6)]
    (work / "bulk.json").write_text(json.dumps(docs))
    coho_ok(coho, node, work, "import", "-f", "bulk.json", "-c", "bulk")
    out = coho_ok(coho, node, work, "query", "bulk", "kind=tmp", "--update", '{"seen": true}')
    assert json.loads(out) == {"count": 3}
    seen = json.loads(coho_ok(coho, node, work, "query", "bulk", "seen=true"))
    assert sorted(d["name"] for d in seen) == ["n1", "n3", "n5"]
    assert json.loads(coho_ok(coho, node, work, "query", "bulk", "kind=tmp", "--delete")) \
        == {"count": 3}
    left = json.loads(coho_ok(coho, node, work, "query", "bulk"))
    assert sorted(d["name"] for d in left) == ["n0", "n2", "n4"]
    # --enqueue: every match becomes a job of the topic (it waits for a worker)
    out = coho_ok(coho, node, work, "query", "bulk", "name=n2", "--enqueue", "cli-topic")
    got = json.loads(out)
    assert got["count"] == 1 and len(got["jobId"]) == 36, out
    status = httpx.get(f"{node.admin}/v1/projects/brygge/spaces/dev/queues",
                       headers=admin(node), timeout=30).json()
    assert any(q["topic"] == "cli-topic" and q["queued"] == 1 for q in status), status


def test_indexes_and_collection_listing(coho: Path, node: RunningNode, work: Path) -> None:
    (work / "cars.json").write_text(json.dumps([{"make": m} for m in ("audi", "bmw", "vw")]))
    coho_ok(coho, node, work, "import", "-f", "cars.json", "-c", "cars")
    out = coho_ok(coho, node, work, "createindex", "-c", "cars", "-i", "make")
    assert "Finished creating index for 3  objects" in out
    listing = coho_ok(coho, node, work, "collection", "--json")
    assert "collection: 'cars', indexes: [ 'make' ]" in " ".join(listing.split())
    scanned = json.loads(coho_ok(coho, node, work, "query", "cars", "--useindex", "make",
                                 "--start", "b", "--end", "c"))
    assert [d["make"] for d in scanned] == ["bmw"]
    out = coho_ok(coho, node, work, "removeindex", "-c", "cars", "-i", "make")
    assert "Removed index" in out
    listing = " ".join(coho_ok(coho, node, work, "collection", "--json").split())
    assert "collection: 'cars', indexes: []" in listing


def test_keys_get_set_del_with_keyspace_and_ttl(coho: Path, node: RunningNode,
                                                work: Path) -> None:
    assert "value: 'bar'" in coho_ok(coho, node, work, "set", "foo", "bar")
    coho_ok(coho, node, work, "set", "s1", "OK", "--keyspace", "sx", "--ttl", "600000")
    coho_ok(coho, node, work, "set", "s2", "OK2", "--keyspace", "sx")
    one = coho_ok(coho, node, work, "get", "foo")
    assert "key: 'foo'" in one and "value: 'bar'" in one
    listed = coho_ok(coho, node, work, "get", "s*", "--keyspace", "sx")
    assert "key: 's1'" in listed and "key: 's2'" in listed and "2 keys" in listed
    assert "s1" not in coho_ok(coho, node, work, "get", "*")  # other keyspace
    assert "key: 's1'" in coho_ok(coho, node, work, "del", "s1", "--keyspace", "sx")
    assert "1 keys" in coho_ok(coho, node, work, "get", "*", "--keyspace", "sx")


def test_stats_prints_usage_per_space(coho: Path, node: RunningNode, work: Path) -> None:
    out = coho_ok(coho, node, work, "stats")
    assert "--- dev ---" in out and "Data objects" in out and "Data storage" in out
    # `brygge stats` prints the same lines for the same node (plus its file figures), then
    # the project's quotas (usage against limits)
    ours = brygge("stats", "--data-dir", str(node.data_dir))
    assert ours.returncode == 0, ours.stderr
    theirs = [line for line in out.splitlines() if line.strip()]
    mine, _, quotas = ours.stdout.partition("Quotas of brygge (plan standard)")
    assert [line for line in mine.splitlines()
            if line.strip() and not line.startswith("Files ")] == theirs
    assert "data_bytes" in quotas and "requests_per_minute" in quotas


def test_history_rollback_undeploy(coho: Path, node: RunningNode, work: Path,
                                   coho_app: Path) -> None:
    app = coho_app
    for f in ("index.js", "config.json"):
        shutil.copy(FIXTURE / f, app / f)
    for _ in range(2):
        r = run_coho(coho, node, "deploy", "--admintoken", node.admin_token, app=app)
        assert "Deployed Codehook successfully" in r.stdout, r.stdout + r.stderr
    hist = coho_ok(coho, node, work, "deploy", "--history", "--json")
    assert hist.count("DeploymentID") >= 2 and hist.count("(active)") == 1
    before = httpx.get(f"{node.admin}/v1/projects/brygge/spaces/dev/deployments",
                       headers=admin(node)).json()
    assert len(before) >= 2
    coho_ok(coho, node, work, "deploy", "--rollback")
    after = httpx.get(f"{node.admin}/v1/projects/brygge/spaces/dev/deployments",
                      headers=admin(node)).json()
    assert [d["seq"] for d in after] == [d["seq"] for d in before[1:]]
    assert node.get("/dev/hello", headers=node.auth()).status_code == 200
    out = coho_ok(coho, node, work, "undeploy", "--admintoken", node.admin_token)
    assert "successfully removed" in out
    assert node.get("/dev/hello", headers=node.auth()).status_code == 404
    # the history says nothing runs now (the CLI labels its first entry "(active)")
    hist = coho_ok(coho, node, work, "deploy", "--history", "--json")
    assert "(undeployed: no code runs)" in hist and hist.count("(active)") == 1
    first = httpx.get(f"{node.base}/dev/_A_D_M_query/_hooks?q={{}}&h={{}}",
                      headers=admin(node)).json()
    assert first[0]["_id"] == "-" and not any(d["active"] for d in first)


@pytest.mark.parametrize(("path", "error"), [
    ("_A_D_M_query/pets?q={bad&h={}", "query parameter q is not valid JSON"),
    ('_A_D_M_query/pets?q={}&h=[1]', "query parameter h must be a JSON object"),
    ("_A_D_M_query/nosuch?q={}&h={}", "no collection 'nosuch'"),
    ("_A_D_M_export/nosuch", "no collection 'nosuch'"),
    ("_A_D_M_nosuchop", "unknown admin operation _A_D_M_nosuchop"),
])
def test_bad_input_is_a_precise_4xx(node: RunningNode, work: Path, path: str,
                                    error: str) -> None:
    r = httpx.get(f"{node.base}/dev/{path}", headers=admin(node))
    assert 400 <= r.status_code < 500, r.text
    assert error in r.json()["error"]


def test_bad_bodies_and_tokens(node: RunningNode, work: Path) -> None:
    base = f"{node.base}/dev"
    r = httpx.post(f"{base}/_A_D_M_restore/pets", content=b"{not json", headers=admin(node))
    assert r.status_code == 400 and "expected a JSON body" in r.json()["error"]
    r = httpx.post(f"{base}/_A_D_M_restore/dupes", json=[{"_id": "x"}, {"_id": "x"}],
                   headers=admin(node))
    assert r.status_code == 409 and "already exists" in r.json()["error"]
    r = httpx.post(f"{base}/_A_D_M_indexes", json={"collection": "pets"}, headers=admin(node))
    assert r.status_code == 400 and '"index"' in r.json()["error"]
    r = httpx.post(f"{base}/_A_D_M_keys?ttl=soon", json={"key": "a", "value": "b"},
                   headers=admin(node))
    assert r.status_code == 400 and "ttl" in r.json()["error"]
    r = httpx.get(f"{base}/_A_D_M_query/pets?q={{}}",
                  headers={**admin(node), "x-admintoken": "wrong"})
    assert r.status_code == 401 and r.json()["error"] == "wrong admin token"
