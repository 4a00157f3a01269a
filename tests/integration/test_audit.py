"""The audit log end to end on one real node (issue 18): admin actions over REST,
GraphQL and the official CLI's _A_D_M_ calls through the router are recorded with
actor, action, target, client address and outcome; refusals are recorded as denied;
a credential in a URL never reaches the log; the retention sweep; `brygge audit`.

The node trusts 127.0.0.2 as a reverse proxy (BRYGGE_TRUSTED_PROXIES): requests sent
from that loopback address may name their client in X-Forwarded-For, requests from
127.0.0.1 may not."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from control_plane.audit import records
from tests.support.identity import operator
from tests.support.nodes import RunningNode, brygge, catalog_call, new_node, wait_until


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningNode]:
    n = new_node(tmp_path_factory.mktemp("audit"), BRYGGE_TRUSTED_PROXIES="127.0.0.2",
                 BRYGGE_AUDIT_SWEEP_S="0.2")
    n.start()
    yield n
    n.stop()


def actor_of(admin_token: str) -> str:
    return "admintoken:" + hashlib.sha256(admin_token.encode()).hexdigest()[:12]


def client(source: str = "127.0.0.1") -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=30)


def audit(node: RunningNode, project: str | None = "brygge", **params: str) -> list[Any]:
    """A project's log as its team's admin token reads it (audit.read), or the node-wide
    log as the operator (node.manage)."""
    path = f"/v1/projects/{project}/audit" if project else "/v1/audit"
    h = {"x-admintoken": node.admin_token} if project else operator(node)
    r = httpx.get(node.admin + path, params=params, headers=h, timeout=30)
    assert r.status_code == 200, r.text
    return list(r.json())


def newest(node: RunningNode, action: str, project: str | None = "brygge") -> dict[str, Any]:
    found = audit(node, project, action=action, limit="1")
    assert found, f"no {action} entry in {audit(node, project)}"
    return dict(found[0])


def test_rest_actions_recorded_with_actor_target_ip_outcome(node: RunningNode) -> None:
    h = {"x-admintoken": node.admin_token}
    with client() as c:
        r = c.put(f"{node.admin}/v1/projects/brygge/spaces/dev/env/API_URL",
                  json={"value": "https://example.com"}, headers=h)
        assert r.status_code == 200, r.text
        r = c.put(f"{node.admin}/v1/projects/brygge/spaces/nospace/env/X", json={"value": "1"},
                  headers=h)
        assert r.status_code == 404
    e = newest(node, "env.set")
    assert e["actor"] == actor_of(node.admin_token)
    assert e["target"] == "brygge/nospace key=X"
    assert (e["outcome"], e["status"], e["ip"]) == ("error", 404, "127.0.0.1")
    ok = audit(node, action="env.set")[1]
    assert (ok["target"], ok["outcome"], ok["status"]) == ("brygge/dev key=API_URL", "ok", 200)
    assert "https://example.com" not in json.dumps(audit(node))  # values are not targets
    # the node-wide log has the project's entries too, in time order
    assert newest(node, "env.set", None) == e


def test_refusals_recorded_as_denied(node: RunningNode) -> None:
    with client() as c:
        r = c.post(f"{node.admin}/v1/projects/brygge/spaces/dev/tokens", json={},
                   headers={"x-admintoken": "adm_not-a-token"})
        assert r.status_code == 401
        r = c.get(f"{node.admin}/v1/projects/brygge/spaces/dev/tokens")  # a read, refused
        assert r.status_code == 401
        r = c.post(f"{node.admin}/v1/projects/otherproj/spaces/dev/tokens", json={},
                   headers={"x-admintoken": node.admin_token})
        assert r.status_code == 403
    listed = newest(node, "token.list")
    assert (listed["actor"], listed["outcome"], listed["status"]) == ("anonymous", "denied", 401)
    added = newest(node, "token.add")
    assert (added["actor"], added["outcome"], added["status"]) == ("anonymous", "denied", 401)
    # a valid token of another project: who it was is known (node-wide log)
    other = newest(node, "token.add", None)
    assert (other["actor"], other["target"], other["outcome"], other["status"]) == \
        (actor_of(node.admin_token), "otherproj/dev", "denied", 403)


def test_a_token_in_a_delete_path_never_reaches_the_log(node: RunningNode) -> None:
    h = {"x-admintoken": node.admin_token}
    with client() as c:
        space_tok = c.post(f"{node.admin}/v1/projects/brygge/spaces/dev/tokens", json={},
                           headers=h).json()["token"]
        assert c.delete(f"{node.admin}/v1/projects/brygge/spaces/dev/tokens/{space_tok}",
                        headers=h).status_code == 200
        admin_tok = c.post(f"{node.admin}/v1/projects/brygge/admintokens", json={},
                           headers=h).json()["token"]
        assert c.delete(f"{node.admin}/v1/projects/brygge/admintokens/{admin_tok}",
                        headers=h).status_code == 200
        # refused ones too: a wrong token's deletion and a deletion without a credential
        assert c.delete(f"{node.admin}/v1/projects/brygge/admintokens/{admin_tok}",
                        headers=h).status_code == 404
        assert c.delete(f"{node.admin}/v1/projects/brygge/spaces/dev/tokens/{space_tok}"
                        ).status_code == 401
    removed = newest(node, "token.remove")
    assert removed["target"] == f"brygge/dev token={space_tok[:5]}…"
    assert audit(node, action="admintoken.remove")[1]["target"] == \
        f"brygge token={admin_tok[:5]}…"

    async def raw(cat: Any) -> str:
        return json.dumps(await cat._scan("audit/"))

    stored = catalog_call(node, raw)  # every stored record of the log, every scope
    assert space_tok[:5] in stored
    for secret in (space_tok, admin_tok, node.admin_token):
        assert secret[:9] not in stored


def test_client_address_behind_trusted_proxies_and_the_router(node: RunningNode) -> None:
    h = {"x-admintoken": node.admin_token}
    spoof = {"x-forwarded-for": "203.0.113.9"}
    with client("127.0.0.1") as c:  # not a trusted proxy: its claim is not believed
        c.put(f"{node.admin}/v1/projects/brygge/spaces/dev/env/FROM_A", json={"value": "1"},
              headers={**h, **spoof})
    with client("127.0.0.2") as c:  # a trusted proxy: its client is
        c.put(f"{node.admin}/v1/projects/brygge/spaces/dev/env/FROM_B", json={"value": "1"},
              headers={**h, **spoof})
    sets = {e["target"]: e["ip"] for e in audit(node, action="env.set")}
    assert sets["brygge/dev key=FROM_A"] == "127.0.0.1"
    assert sets["brygge/dev key=FROM_B"] == "203.0.113.9"

    # the official CLI's `coho set` through the router (a public port): the router's
    # view of the client goes on, never what the client claims
    for source, xff, key in (("127.0.0.1", "198.51.100.7", "a"),
                             ("127.0.0.2", "198.51.100.8", "b")):
        with client(source) as c:
            r = c.post(f"{node.base}/dev/_A_D_M_keys", json={"key": key, "value": "v"},
                       headers={**h, "x-forwarded-for": xff})
            assert r.status_code == 200, r.text
    kv = audit(node, action="kv.set")
    assert [(e["ip"], e["target"], e["actor"]) for e in kv] == \
        [("198.51.100.8", "brygge/dev", actor_of(node.admin_token)),
         ("127.0.0.1", "brygge/dev", actor_of(node.admin_token))]


def test_graphql_mutations_by_field(node: RunningNode) -> None:
    async def sid(cat: Any) -> str:
        return str((await cat.space("brygge", "dev"))["id"])

    space_id = catalog_call(node, sid)
    q = "mutation($d: ID!) { addToken(datastoreId: $d, access: READ) { key } }"
    r = httpx.post(node.admin + "/graphql", json={"query": q, "variables": {"d": space_id}},
                   headers={"authorization": f"Bearer {node.admin_token}"}, timeout=30)
    assert r.status_code == 200 and not r.json().get("errors"), r.text
    r = httpx.post(node.admin + "/graphql", json={"query": q, "variables": {"d": space_id}},
                   headers={"authorization": "Bearer adm_wrong"}, timeout=30)
    assert r.json()["errors"]
    ok = (actor_of(node.admin_token), "ok", f"brygge datastoreId={space_id} access=READ")
    got = audit(node, action="graphql.*")  # the project's: the refused one had no project
    assert [(e["actor"], e["outcome"], e["target"]) for e in got] == [ok]
    both = audit(node, None, action="graphql.*")
    assert [(e["actor"], e["outcome"], e["target"]) for e in both[:2]] == [
        ("anonymous", "denied", f"datastoreId={space_id} access=READ"), ok]
    assert both[0]["action"] == both[1]["action"] == "graphql.addToken"
    # a signed-in query is a read: not recorded
    r = httpx.post(node.admin + "/graphql", json={"query": "{ ping }"},
                   headers={"authorization": f"Bearer {node.admin_token}"}, timeout=30)
    assert r.status_code == 200
    assert len(audit(node, action="graphql.*")) == len(got)


def test_retention_sweep_drops_old_entries(node: RunningNode) -> None:
    old = time.time_ns() - 91 * 86400 * 10**9  # past the default 90 days
    fresh = time.time_ns() - 89 * 86400 * 10**9
    batch = {}
    for scope, ts in (("brygge", old), ("_node", old), ("deletedproj", old),
                      ("brygge", fresh)):
        batch[records.entry_key(scope, ts)] = records.new_entry(
            ts, "user:old", "env.set", scope, scope, "127.0.0.1", 200)

    async def put(cat: Any) -> None:
        await cat._put(batch)

    async def left(cat: Any) -> list[str]:
        return [k for k, v in await cat._scan("audit/") if v["actor"] == "user:old"]

    catalog_call(node, put)
    wait_until(lambda: len(catalog_call(node, left)) == 1, what="the audit sweep")
    assert catalog_call(node, left) == [k for k in batch if k.startswith("audit/brygge/")
                                        and int(k.split("/")[2][:20]) == fresh]


def test_cli_json_and_filters(node: RunningNode) -> None:
    h = {"x-admintoken": node.admin_token}
    httpx.put(f"{node.admin}/v1/projects/brygge/spaces/dev/env/CLI_SEEN", json={"value": "1"},
              headers=h, timeout=30)
    d = ["--data-dir", str(node.data_dir)]
    out = brygge("audit", "-p", "brygge", "--json", "--action", "env.*", "--since", "1h",
                 "--limit", "1", *d)
    assert out.returncode == 0, out.stderr
    entries = json.loads(out.stdout)
    assert [(e["action"], e["target"]) for e in entries] == [("env.set", "brygge/dev key=CLI_SEEN")]
    out = brygge("audit", "--json", "--actor", actor_of(node.admin_token), *d)  # node-wide
    assert out.returncode == 0, out.stderr
    assert {e["actor"] for e in json.loads(out.stdout)} == {actor_of(node.admin_token)}
    out = brygge("audit", "-p", "brygge", *d)  # the table
    assert out.returncode == 0 and "env.set" in out.stdout
    out = brygge("audit", "--since", "last tuesday", *d)
    assert out.returncode == 1 and "ISO 8601" in out.stderr


def test_bad_queries_and_credentials(node: RunningNode) -> None:
    h = {"x-admintoken": node.admin_token}
    for params, word in (({"limit": "0"}, "limit"), ({"limit": "x"}, "limit"),
                         ({"since": "soon"}, "since"), ({"action": "a" * 201}, "action")):
        r = httpx.get(node.admin + "/v1/audit", params=params, headers=operator(node),
                      timeout=30)
        assert r.status_code == 400 and word in r.json()["error"], r.text
    assert httpx.get(node.admin + "/v1/audit", timeout=30).status_code == 401
    # the node-wide log is the operator's: a team's admin token reads only its projects'
    r = httpx.get(node.admin + "/v1/audit", headers=h, timeout=30)
    assert r.status_code == 403 and "node.manage" in r.json()["error"], r.text
    r = httpx.get(node.admin + "/v1/projects/nope/audit", headers=h, timeout=30)
    assert r.status_code == 403
    # reading the log is not itself an admin action worth an entry
    n = len(audit(node, None, limit="1000"))
    assert len(audit(node, None, limit="1000")) == n

