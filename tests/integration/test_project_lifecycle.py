"""Deleting a project completely and suspending one, on ONE real node (issue 18).

The victim project has two spaces; `prod` got two deployments, documents, KV entries
with and without a TTL, a file, a job waiting for a worker that does not exist, a
dead letter, a one-off run an hour ahead, a cron schedule, realtime events and
listeners, log lines, env vars, allowed hosts and API tokens. After `brygge
remove-project --yes`, no RocksDB key or value holds either space id, no JetStream
subject or consumer names them, the router answers 404 JSON for the old space, and the
neighbour project — the same app, so the same artifact blob — is untouched."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from brygge import logbus, natsauth
from control_plane import projects
from storage import queues, realtime
from storage.engine import Engine
from tests.support.identity import operator, own_project_token
from tests.support.nodes import RunningNode, brygge, catalog_call, new_node, wait_until, write_app

APP = r"""
import {app, Datastore, filestore, realtime, schedule} from 'codehooks-js';
realtime.createChannel('/chat');
app.post('/fill', async (req, res) => {
  const conn = await Datastore.open();
  await conn.insertOne('things', {n: 1});
  await conn.set('session', 'abc', {ttl: 3600000});
  await conn.set('plain', 'xyz');
  await filestore.saveFile('/docs/a.txt', 'hello file');
  await conn.enqueue('nobody', {waiting: true});
  await conn.enqueue('fail', {x: 1}, {retries: 0});
  await schedule.runAt(new Date(Date.now() + 3600000), {later: 1}, 'nobody');
  await realtime.createListener('/chat', {});
  await realtime.publishEvent('/chat', {msg: 'hi'});
  console.log('filled');
  res.json({ok: true});
});
app.get('/count', async (req, res) => {
  const conn = await Datastore.open();
  res.json({n: (await conn.getMany('things', {}).toArray()).length,
            kv: await conn.get('plain'), ttl: await conn.get('session')});
});
app.worker('fail', async (req, res) => { throw new Error('always broken'); });
app.job('0 0 1 1 *', async (req, res) => res.end());
export default app.init();
"""
STREAMS = (queues.JOBS_STREAM, queues.DEAD_STREAM, realtime.STREAM, logbus.STREAM)


def host(project: str) -> dict[str, str]:
    return {"host": f"{project}.api.localhost"}


def setup_project(node: RunningNode, name: str, spaces: list[str]) -> dict[str, Any]:
    """A project of a team of its own, its spaces (a token, an env var, an allow-list
    each) and the team's admin token ("admin": the admin role in the project)."""
    async def go(cat: Any) -> dict[str, Any]:
        p = (await projects.create(cat, name, description="lifecycle test"))["name"]
        out: dict[str, Any] = {"name": p, "tokens": {}, "ids": {}}
        for s in spaces:
            sp = await cat.create_space(p, s)
            out["ids"][s] = sp["id"]
            out["tokens"][s] = await cat.add_token(p, s, "RW", "test")
            await cat.set_env(p, s, "SECRET_THING", "v")
            await cat.set_admission(p, s, "whitelist-add", "127.0.0.0/8")
        return out

    out = dict(catalog_call(node, go))
    out["admin"] = own_project_token(node, out["name"])
    return out


def deploy(node: RunningNode, tmp: Path, project: str, space: str, src: str) -> None:
    d = node.deploy(write_app(tmp, f"app-{project}-{space}-{len(src)}", src), project, space)
    assert d.returncode == 0, d.stderr


def call(node: RunningNode, method: str, project: str, space: str, path: str,
         token: str) -> httpx.Response:
    return httpx.request(method, f"{node.base}/{space}{path}", timeout=30,
                         headers={**host(project), "x-apikey": token})


def fill(node: RunningNode, p: dict[str, Any], space: str) -> None:
    r = call(node, "POST", p["name"], space, "/fill", p["tokens"][space])
    assert r.status_code == 200, r.text


def js_view(node: RunningNode) -> dict[str, Any]:
    """Every subject with messages in the four streams, and every JOBS consumer."""
    async def go() -> dict[str, Any]:
        nc = await nats.connect(node.node_json()["nats_url"], **natsauth.options(node.data_dir))
        try:
            js = nc.jetstream()
            subjects: dict[str, int] = {}
            for s in STREAMS:
                info = await js.stream_info(s, subjects_filter=">")
                subjects.update(info.state.subjects or {})
            consumers = [(c.name, c.config.filter_subject or "")
                         for c in await js.consumers_info(queues.JOBS_STREAM)]
            return {"subjects": subjects, "consumers": consumers}
        finally:
            await nc.close()

    return asyncio.run(go())


def rocks_hits(node: RunningNode, needles: list[bytes]) -> list[bytes]:
    """Every RocksDB key whose key or value holds one of `needles` (opened read-only
    beside the running storage process, as `brygge` reads a data dir). The audit log is
    the one record kept on purpose: who removed what stays until its retention."""
    e = Engine(str(node.data_dir / "db"), read_only=True)
    try:
        it = e.db.iter()
        it.seek_to_first()
        hits = []
        while it.valid():
            k, v = it.key(), it.value()
            if not k.startswith(b"saudit/") and any(n in k or n in v for n in needles):
                hits.append(k)
            it.next()
        return hits
    finally:
        e.close()


def admin(node: RunningNode, method: str, path: str, cred: str | dict[str, str],
          **kw: Any) -> httpx.Response:
    """An admin API call with an admin token, or with `cred`'s headers (the operator's)."""
    headers = cred if isinstance(cred, dict) else {"x-admintoken": cred}
    return httpx.request(method, node.admin + path, headers=headers, timeout=60, **kw)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("lifecycle")
    node = new_node(tmp)
    node.start()
    victim = setup_project(node, "victim", ["prod", "stage"])
    neighbour = setup_project(node, "neighbour", ["dev"])
    deploy(node, tmp, victim["name"], "prod", APP)
    deploy(node, tmp, victim["name"], "prod", APP + "\n// the second deployment\n")
    deploy(node, tmp, victim["name"], "stage", APP + "\n// stage\n")
    deploy(node, tmp, neighbour["name"], "dev", APP)  # the same artifact as prod's first
    fill(node, victim, "prod")
    fill(node, neighbour, "dev")
    yield {"node": node, "victim": victim, "neighbour": neighbour}
    node.stop()


def digests(node: RunningNode, sid: str) -> list[str]:
    async def go(cat: Any) -> list[str]:
        return [d["digest"] for d in await cat.deployments(sid)]

    return list(catalog_call(node, go))


def test_deleting_needs_the_name_as_confirmation(world: dict[str, Any]) -> None:
    node, p = world["node"], world["victim"]["name"]
    # deleting a project is its owner's (the operator is every project's): the team's
    # admin token (the admin role) may not, not even with the confirmation
    r = admin(node, "DELETE", f"/v1/projects/{p}", world["victim"]["admin"],
              params={"confirm": p})
    assert r.status_code == 403 and "project.delete" in r.json()["error"], r.text
    tok = operator(node)
    r = admin(node, "DELETE", f"/v1/projects/{p}", tok)
    assert r.status_code == 400 and f"?confirm={p}" in r.json()["error"]
    r = admin(node, "DELETE", f"/v1/projects/{p}", tok, params={"confirm": "victim"})
    assert r.status_code == 400 and "confirm was 'victim'" in r.json()["error"]
    r = admin(node, "DELETE", f"/v1/projects/{p}/spaces/prod", tok, params={"confirm": p})
    assert r.status_code == 400 and "?confirm=prod" in r.json()["error"]
    # the CLI without --yes and without a terminal refuses, and removes nothing
    out = brygge("remove-project", p, "--data-dir", str(node.data_dir))
    assert out.returncode == 1 and "without --yes" in out.stderr
    assert call(node, "GET", p, "prod", "/count", world["victim"]["tokens"]["prod"]).json()[
        "n"] == 1


def test_delete_project_leaves_nothing_of_it(world: dict[str, Any]) -> None:
    node, victim, nb = world["node"], world["victim"], world["neighbour"]
    p, sids = victim["name"], list(victim["ids"].values())
    nb_sid = nb["ids"]["dev"]
    needles = [s.encode() for s in sids]
    prod_digests, nb_digests = digests(node, victim["ids"]["prod"]), digests(node, nb_sid)
    assert len(prod_digests) == 2 and prod_digests[-1] in nb_digests  # one blob, two users
    only_victim = [d for d in prod_digests + digests(node, victim["ids"]["stage"])
                   if d not in nb_digests]

    def everything_there() -> bool:  # what the test then sees go (so it can fail)
        subj = js_view(node)["subjects"]
        return all(any(s.startswith(f"{pre}.{victim['ids']['prod']}.") or
                       s == f"{pre}.{victim['ids']['prod']}" for s in subj)
                   for pre in ("jobs", "sched", "dead", "rt", "logs"))

    wait_until(everything_there, 60, "jobs, schedules, a dead letter, events and logs")
    assert any(name.startswith(f"w_{victim['ids']['prod']}_")
               for name, _ in js_view(node)["consumers"])
    before = rocks_hits(node, needles)
    for kind in (b"d", b"k", b"x", b"f", b"g", b"s"):  # docs, KV, TTL index, files, records
        assert any(k.startswith(kind) for k in before), kind
    tokens = list(victim["tokens"].values())  # sealed at rest: found below by their records

    out = brygge("remove-project", p, "--yes", "--data-dir", str(node.data_dir))
    assert out.returncode == 0, out.stderr
    assert f"Removed project {p}" in out.stdout and "prod" in out.stdout

    assert rocks_hits(node, needles) == []
    assert rocks_hits(node, [t.encode() for t in tokens]) == []
    assert [k for k in rocks_hits(node, [p.encode()]) if not k.startswith(b"b")] == []
    view = js_view(node)
    assert [s for s in view["subjects"] if any(sid in s for sid in sids)] == []
    assert [c for c in view["consumers"] if any(sid in c[0] or sid in c[1] for sid in sids)] \
        == []
    blobs = {k[1:].decode() for k in rocks_hits(node, [b""]) if k.startswith(b"b")}
    assert not set(only_victim) & blobs and set(nb_digests) <= blobs

    r = call(node, "GET", p, "prod", "/count", victim["tokens"]["prod"])
    assert r.status_code == 404 and r.json()["error"] == f"no space 'prod' in project {p!r}"
    assert r.json()["requestId"]
    r = admin(node, "GET", f"/v1/projects/{p}", nb["admin"])
    assert r.status_code in (403, 404)

    # the neighbour: its data, its schedule and jobs, its shared blob
    r = call(node, "GET", nb["name"], "dev", "/count", nb["tokens"]["dev"])
    assert r.status_code == 200 and r.json() == {"n": 1, "kv": "xyz", "ttl": "abc"}
    assert any(s.startswith(f"sched.{nb_sid}.c.") for s in view["subjects"])
    assert any(s.startswith(f"jobs.{nb_sid}.w.") for s in view["subjects"])
    assert rocks_hits(node, [nb_sid.encode()])


def test_remove_space_keeps_the_project_and_the_api_says_what_it_removed(
        world: dict[str, Any], tmp_path: Path) -> None:
    node, nb = world["node"], world["neighbour"]
    p = nb["name"]

    async def add(cat: Any) -> dict[str, str]:
        sp = await cat.create_space(p, "scratch")
        return {"id": sp["id"], "token": await cat.add_token(p, "scratch", "RW", "")}

    sc = catalog_call(node, add)
    deploy(node, tmp_path, p, "scratch", APP + "\n// scratch\n")
    assert call(node, "POST", p, "scratch", "/fill", sc["token"]).status_code == 200
    tok = nb["admin"]
    r = admin(node, "DELETE", f"/v1/projects/{p}/spaces/scratch", tok,
              params={"confirm": "scratch"})
    assert r.status_code == 200, r.text
    assert r.json() == {"removed": "scratch", "project": p, "id": sc["id"], "blobs": 1}
    assert rocks_hits(node, [sc["id"].encode()]) == []
    assert [s for s in js_view(node)["subjects"] if sc["id"] in s] == []
    r = admin(node, "DELETE", f"/v1/projects/{p}/spaces/scratch", tok,
              params={"confirm": "scratch"})
    assert r.status_code == 404
    d = admin(node, "GET", f"/v1/projects/{p}", tok).json()
    assert [s["name"] for s in d["spaces"]] == ["dev"]
    assert d["display"] == "neighbour" and d["name"] == p and d["suspended"] is False
    assert d["counts"]["spaces"] == 1 and d["counts"]["documents"] >= 1
    assert d["counts"]["deployments"] == 1 and d["counts"]["files"] == 1


def test_a_suspended_project_answers_403_everywhere_until_resumed(
        world: dict[str, Any]) -> None:
    node, nb = world["node"], world["neighbour"]
    p, token, sid = nb["name"], nb["tokens"]["dev"], nb["ids"]["dev"]
    tok = nb["admin"]
    # suspending is the operator's (node.manage), never the project's own team's
    r = admin(node, "POST", f"/v1/projects/{p}/suspend", tok)
    assert r.status_code == 403 and "node.manage" in r.json()["error"], r.text
    assert call(node, "GET", p, "dev", "/count", token).status_code == 200
    r = admin(node, "POST", f"/v1/projects/{p}/suspend", operator(node))
    assert r.status_code == 200 and r.json() == {"project": p, "suspended": True}

    def refused() -> httpx.Response | None:
        r = call(node, "GET", p, "dev", "/count", token)
        return r if r.status_code == 403 else None

    r = wait_until(refused, 30, "the router to see the suspension")
    assert r.json()["error"] == f"project {p} is suspended" and r.json()["requestId"]
    for method, path in (("POST", "/fill"), ("GET", "/nope"), ("GET", "/_A_D_M_usage")):
        r = call(node, method, p, "dev", path, token)
        assert (r.status_code, r.json()["error"]) == (403, f"project {p} is suspended"), path
    r = httpx.get(f"{node.base}/dev/_A_D_M_usage", timeout=30,
                  headers={**host(p), "x-admintoken": tok})
    assert r.status_code == 403 and r.json()["requestId"]
    r = admin(node, "GET", f"/v1/projects/{p}/spaces/dev/tokens", tok)
    assert r.status_code == 403 and "suspended" in r.json()["error"]
    assert admin(node, "GET", f"/v1/projects/{p}", tok).json()["suspended"] is True
    assert not any(s.startswith(f"sched.{sid}.c.") for s in js_view(node)["subjects"])

    async def new_space(cat: Any) -> bool:  # a space added meanwhile is suspended too
        return bool((await cat.create_space(p, "later")).get("suspended"))

    assert catalog_call(node, new_space)
    # the default project beside it is served as before
    assert node.get("/dev/nothing-here", headers=node.auth()).status_code != 403

    r = brygge("resume", p, "--data-dir", str(node.data_dir))
    assert r.returncode == 0 and f"Project {p} is resumed" in r.stdout, r.stderr
    wait_until(lambda: call(node, "GET", p, "dev", "/count", token).status_code == 200, 30,
               "the router to see the resume")
    assert admin(node, "GET", f"/v1/projects/{p}/spaces/dev/tokens", tok).status_code == 200
    assert any(s.startswith(f"sched.{sid}.c.") for s in js_view(node)["subjects"])
    d = admin(node, "GET", f"/v1/projects/{p}", tok).json()
    assert d["suspended"] is False and not any(s["suspended"] for s in d["spaces"])


def test_graphql_remove_datastore_removes_everything_too(world: dict[str, Any]) -> None:
    node, nb = world["node"], world["neighbour"]
    p = nb["name"]
    sid = next(s["id"] for s in admin(node, "GET", f"/v1/projects/{p}",
                                      nb["admin"]).json()["spaces"]
               if s["name"] == "later")
    r = httpx.post(f"{node.admin}/graphql", timeout=60,
                   headers={"authorization": f"Bearer {nb['admin']}"},
                   json={"query": "mutation r($d: ID!) { removeDatastore(datastoreId: $d) "
                                  "{ id name } }", "variables": {"d": sid}})
    assert r.json() == {"data": {"removeDatastore": {"id": sid, "name": "later"}}}, r.text
    assert rocks_hits(node, [sid.encode()]) == []
    assert json.dumps(js_view(node)).find(sid) == -1
