"""Project quotas on a real node (issue 18): every quota exhausted by project `hog` gets
its precise answer — 507 (bytes, deployments) or 429 (rates, CPU, jobs, streams) with
`{error, quota, used, limit, requestId}` — from tenant code, the admin API and the
router; a neighbour project `calm` on the same node keeps succeeding while `hog` is over
quota and hammering; `brygge quota [set] --json` reads and changes the limits (the
operator's), and a project's own admin token cannot raise them."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest

from tests.support.identity import operator, own_project_token
from tests.support.nodes import RunningNode, brygge, catalog_call, new_node, wait_until
from tests.support.sse import Sse

APP = r"""
import {app, Datastore, realtime} from 'codehooks-js';
realtime.createChannel('/chat');
app.post('/doc', async (req, res) => {
  const conn = await Datastore.open();
  res.json(await conn.insertOne('c', req.body));
});
app.post('/kv', async (req, res) => {
  const conn = await Datastore.open();
  res.json({v: await conn.set(req.body.key, req.body.value)});
});
app.post('/caught', async (req, res) => {
  const conn = await Datastore.open();
  try { await conn.insertOne('c', req.body); res.json({stored: true}); }
  catch (e) { res.json({name: e.name, message: e.message, quota: e.quota, used: e.used,
                        limit: e.limit}); }
});
app.post('/enqueue', async (req, res) => {
  const conn = await Datastore.open();
  res.json(await conn.enqueue('nobody-works-here', {n: 1}));
});
app.get('/spin', (req, res) => {
  const end = Date.now() + 300; let x = 0;
  while (Date.now() < end) x++;
  res.json({x: x > 0});
});
app.post('/connect', async (req, res) => {
  const l = await realtime.createListener('/chat', {});
  res.json({listenerID: l._id});
});
app.get('/hello', (req, res) => res.json({hello: 'world'}));
export default app.init();
"""


class Project:
    def __init__(self, node: RunningNode, name: str, token: str) -> None:
        self.node, self.name, self.token = node, name, token

    def req(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"host": f"{self.name}.api.localhost", "x-apikey": self.token,
                   **kw.pop("headers", {})}
        return httpx.request(method, self.node.base + "/dev" + path, headers=headers,
                             timeout=60, **kw)


def cli(node: RunningNode, *args: str) -> Any:
    r = brygge(*args, "--data-dir", str(node.data_dir), "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def set_quota(node: RunningNode, project: str, **limits: int) -> dict[str, Any]:
    argv = ["quota", "set", "-p", project]
    for k, v in limits.items():
        argv += [f"--{k.replace('_', '-')}", str(v)]
    return dict(cli(node, *argv))


def admin_token(node: RunningNode, project: str) -> str:
    """The admin token of the team of its own `project` was given by the fixture."""
    return str(node.admin_tokens[project])  # type: ignore[attr-defined]


def refused(r: httpx.Response, status: int, q: str, limit: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "quota", "used", "limit", "requestId"}, body
    assert body["quota"] == q and body["limit"] == limit, body
    assert q in body["error"] and "hog" in body["error"] and body["requestId"], body
    return dict(body)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("quotas")
    n = new_node(tmp, BRYGGE_REALTIME_HEARTBEAT_S="0.2", BRYGGE_QUOTA_REFRESH_S="0.5")
    n.start()
    app = tmp / "app"
    app.mkdir()
    (app / "index.js").write_text(APP)
    n.app_dir = app  # type: ignore[attr-defined]

    async def setup(cat: Any) -> dict[str, str]:  # two tenants besides the node's own
        out = {}
        for p in ("hog", "calm"):
            await cat.create_project(p)
            await cat.create_space(p, "dev")
            out[p] = await cat.add_token(p, "dev", "RW", "test")
        await cat.create_space("hog", "b")
        return out

    toks = catalog_call(n, setup)
    n.admin_tokens = {p: own_project_token(n, p) for p in ("hog", "calm")}  # type: ignore[attr-defined]
    for p in ("hog", "calm"):
        d = n.deploy(app, project=p, space="dev")
        assert d.returncode == 0, d.stderr
    n.hog = Project(n, "hog", toks["hog"])  # type: ignore[attr-defined]
    n.calm = Project(n, "calm", toks["calm"])  # type: ignore[attr-defined]
    yield n
    n.stop()


def test_quota_get_and_set_through_the_cli(node: Any) -> None:
    st = cli(node, "quota", "-p", "hog")
    assert st["plan"] == "standard" and st["limits"]["data_bytes"] == 10 * 1024**3
    assert st["usage"]["deployments_kept"] == 1 and st["usage"]["jobs_queued"] == 0
    st = set_quota(node, "hog", plan="free", data_bytes=4000)
    assert st["plan"] == "free" and st["limits"]["data_bytes"] == 4000
    assert st["limits"]["requests_per_minute"] == 6000  # the free plan's
    st = set_quota(node, "hog", plan="standard", data_bytes=-1)  # -1: the plan's again
    assert st["plan"] == "standard" and st["limits"]["data_bytes"] == 10 * 1024**3
    # the project's own admin token may read its quota but not raise it (node.manage)
    base = f"{node.admin}/v1/projects/hog/quota"
    own = {"x-admintoken": admin_token(node, "hog")}
    assert httpx.get(base, headers=own).status_code == 200
    r = httpx.put(base, headers=own, json={"plan": "unlimited"})
    assert r.status_code == 403, r.text
    op = operator(node)
    for bad in ({"plan": "gold"}, {"limits": {"disk": 1}}, {"limits": {"data_bytes": -5}}, {}):
        r = httpx.put(base, headers=op, json=bad)
        assert r.status_code == 400 and r.json()["error"], (bad, r.text)
    plans = httpx.get(f"{node.admin}/v1/plans", headers=own).json()
    assert plans["default"] == "standard" and "free" in plans["plans"]
    stats = brygge("stats", "-p", "hog", "--data-dir", str(node.data_dir))
    assert "Quotas of hog (plan standard)" in stats.stdout and "data_bytes" in stats.stdout


def test_data_bytes_refused_in_tenant_code_with_507(node: Any) -> None:
    hog = node.hog
    set_quota(node, "hog", data_bytes=4000)
    wait_until(lambda: hog.req("POST", "/doc", json={"v": "x" * 1500}).status_code == 200,
               what="the first document")
    assert hog.req("POST", "/doc", json={"v": "x" * 1500}).status_code == 200
    body = refused(hog.req("POST", "/doc", json={"v": "x" * 1500}), 507, "data_bytes", 4000)
    assert 3000 < body["used"] <= 4000
    refused(hog.req("POST", "/kv", json={"key": "k", "value": "v" * 1500}), 507,
            "data_bytes", 4000)
    # the app sees a rejected promise with the message and the figures
    seen = hog.req("POST", "/caught", json={"v": "x" * 1500}).json()
    assert seen["name"] == "QuotaExceeded" and seen["quota"] == "data_bytes"
    assert seen["limit"] == 4000 and "data_bytes" in seen["message"]
    # the neighbour writes as much as it likes
    for _ in range(3):
        assert node.calm.req("POST", "/doc", json={"v": "x" * 1500}).status_code == 200
    set_quota(node, "hog", data_bytes=0)


def test_file_bytes_refused_by_the_admin_api_with_507(node: Any) -> None:
    set_quota(node, "hog", file_bytes=3000)
    url = f"{node.admin}/v1/projects/hog/spaces/%s/files/a.bin"
    tok = {"x-admintoken": admin_token(node, "hog")}
    assert httpx.put(url % "dev", headers=tok, content=b"x" * 2000).status_code == 201
    r = httpx.put(url % "b", headers=tok, content=b"y" * 2000)  # the project's other space
    body = refused(r, 507, "file_bytes", 3000)
    assert body["used"] == 2000
    calm = f"{node.admin}/v1/projects/calm/spaces/dev/files/a.bin"
    r = httpx.put(calm, headers={"x-admintoken": admin_token(node, "calm")},
                  content=b"z" * 4000)
    assert r.status_code == 201, r.text
    set_quota(node, "hog", file_bytes=0)


def test_deployments_kept_prunes_the_oldest_then_refuses(node: Any) -> None:
    set_quota(node, "hog", deployments_kept=2)
    tok = {"x-admintoken": admin_token(node, "hog")}
    art = {"kind": "source", "entry": "index.js",
           "files": {"index.js": (node.app_dir / "index.js").read_text()}}

    def deploy(space: str) -> httpx.Response:
        return httpx.post(f"{node.admin}/v1/projects/hog/spaces/{space}/deployments",
                          headers=tok, json=art, timeout=120)

    def kept() -> dict[str, int]:
        async def go(cat: Any) -> dict[str, int]:
            return {s["name"]: len(await cat.deployments(s["id"]))
                    for s in await cat.spaces("hog")}
        return dict(catalog_call(node, go))

    for _ in range(2):
        assert deploy("dev").status_code == 201
    assert kept() == {"dev": 2, "b": 0}
    assert deploy("b").status_code == 201  # the oldest of dev goes, dev's active stays
    assert kept() == {"dev": 1, "b": 1}
    assert deploy("b").status_code == 201  # b's own active one is replaced
    assert kept() == {"dev": 1, "b": 1}
    set_quota(node, "hog", deployments_kept=1)
    body = refused(deploy("b"), 507, "deployments_kept", 1)
    assert body["used"] == 2 and "active" in body["error"]
    assert kept() == {"dev": 1, "b": 1}
    assert node.hog.req("GET", "/hello").status_code == 200  # what ran keeps running
    set_quota(node, "hog", deployments_kept=0)


def test_jobs_queued_refused_with_429(node: Any) -> None:
    hog = node.hog
    set_quota(node, "hog", jobs_queued=3)
    wait_until(lambda: cli(node, "quota", "-p", "hog")["limits"]["jobs_queued"] == 3)
    codes = [hog.req("POST", "/enqueue") for _ in range(4)]
    assert [r.status_code for r in codes[:3]] == [200, 200, 200], [r.text for r in codes]
    body = refused(codes[3], 429, "jobs_queued", 3)
    assert body["used"] == 3
    assert cli(node, "quota", "-p", "hog")["usage"]["jobs_queued"] == 3
    assert node.calm.req("POST", "/enqueue").status_code == 200
    set_quota(node, "hog", jobs_queued=0)


def test_requests_per_minute_429_and_the_neighbour_unaffected(node: Any) -> None:
    hog, calm = node.hog, node.calm
    set_quota(node, "hog", requests_per_minute=5)
    # the router sees the change through the space-changed event
    wait_until(lambda: hog.req("GET", "/hello").status_code == 429, what="the limit")
    r = hog.req("GET", "/hello")
    body = refused(r, 429, "requests_per_minute", 5)
    assert body["used"] >= 5 and int(r.headers["retry-after"]) >= 1  # this minute's
    stop = threading.Event()
    hammered: list[int] = []

    def hammer() -> None:  # the over-quota project keeps hammering
        with httpx.Client(timeout=60) as c:
            while not stop.is_set():
                hammered.append(c.get(f"{node.base}/dev/hello", headers={
                    "host": "hog.api.localhost", "x-apikey": hog.token}).status_code)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        wait_until(lambda: len(hammered) >= 50, what="hammering")
        codes = [calm.req("GET", "/hello").status_code for _ in range(30)]
        codes += [calm.req("POST", "/doc", json={"n": i}).status_code for i in range(10)]
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert codes == [200] * 40
    assert set(hammered) <= {200, 429} and hammered.count(429) >= 40
    set_quota(node, "hog", requests_per_minute=0)


def test_cpu_seconds_per_day_429(node: Any) -> None:
    hog = node.hog
    set_quota(node, "hog", cpu_seconds_per_day=1)
    wait_until(lambda: cli(node, "quota", "-p", "hog")["limits"]["cpu_seconds_per_day"] == 1)
    answers = []
    for _ in range(20):  # 300 ms of JS each: refused once a second is used today
        answers.append(hog.req("GET", "/spin"))
        if answers[-1].status_code == 429:
            break
    body = refused(answers[-1], 429, "cpu_seconds_per_day", 1)
    assert body["used"] >= 1 and all(r.status_code == 200 for r in answers[:-1])
    assert node.calm.req("GET", "/spin").status_code == 200
    set_quota(node, "hog", cpu_seconds_per_day=0)


def test_realtime_streams_429(node: Any) -> None:
    hog = node.hog
    set_quota(node, "hog", realtime_streams=1)
    wait_until(lambda: cli(node, "quota", "-p", "hog")["limits"]["realtime_streams"] == 1)

    def open_stream(p: Project) -> Sse:
        lid = p.req("POST", "/connect", json={}).json()["listenerID"]
        return Sse(f"{node.base}/dev/chat/{lid}",
                   {"host": f"{p.name}.api.localhost", "x-apikey": p.token})

    first = open_stream(hog)
    assert first.status == 200

    def second_refused() -> bool:  # until the router has the new limit
        s = open_stream(hog)
        s.close()
        return s.status == 429

    try:
        wait_until(second_refused, what="the stream limit")
        lid = hog.req("POST", "/connect", json={}).json()["listenerID"]
        r = hog.req("GET", f"/chat/{lid}")
        refused(r, 429, "realtime_streams", 1)
        others = [open_stream(node.calm) for _ in range(2)]
        assert [s.status for s in others] == [200, 200]
        for s in others:
            s.close()
    finally:
        first.close()
    set_quota(node, "hog", realtime_streams=0)
