"""The access matrix on one real node (issue 18 "Tests"): every admin REST route of
create_app, every GraphQL field and every `_A_D_M_` op the router forwards, for every kind
of principal (owner, admin, developer, viewer, a member of another project, no
credential, the operator, the operator's local JWT, an admin token, a PAT of each role,
the operator's PAT), against what rules.py + roles.py say (tests/support/access.py holds
the expectation and its listed exceptions). Deny = 401/403 with a JSON error; allow =
anything else; no 5xx anywhere. Then what each role sees of the secrets."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from brygge.settings import Settings
from control_plane.api.app import create_app
from control_plane.api.control import ControlPlane
from control_plane.api.graphql_api import SCHEMA
from control_plane.api.rules import ADM_RULES, GQL_RULES
from router.admin_proxy import ADMIN_OPS
from tests.support import access
from tests.support.access import Case, Who
from tests.support.nodes import RunningNode
from tests.support.people import People, call, module_fixtures

both, node, people = module_fixtures("matrix", BRYGGE_ROUTERS="2")


def _app() -> Any:
    return create_app(ControlPlane(Settings(), "unix:/nowhere", [], ""))


PARAMS = {"project": "brygge", "space": "dev", "uid": "u000000000000", "pat_id": "nope",
          "token": "nope", "prefix": "nope", "key": "MATRIX_K", "path": "matrix.txt",
          "host": "nope.example.com", "coll": "c", "op": "no-such-op", "id": "nope",
          "provider": "github", "uuid": "00000000-0000-4000-8000-000000000000"}
SPARE = {("POST", "/v1/projects/{project}/suspend"), ("POST", "/v1/projects/{project}/resume")}
# end the membership, then the session: run after the rest, in this order
LAST = (("POST", "/v1/projects/{project}/leave"), ("POST", "/v1/auth/logout"))


def _send(client: httpx.Client, method: str, url: str, headers: dict[str, str],
          **kw: Any) -> tuple[int, Any]:
    """The status, and the JSON body of a refusal or a failure (streams are left
    unread: `_A_D_M_logs` never ends)."""
    with client.stream(method, url, headers=headers, **kw) as r:
        if r.status_code not in (401, 403) and r.status_code < 500:
            return r.status_code, None
        r.read()
        try:
            return r.status_code, r.json()
        except ValueError:
            return r.status_code, r.text[:200]


def _judge(case: Case, who: Who, status: int, body: Any, denied: bool) -> str | None:
    want = case.expect(who)
    if status >= 500:
        return f"{who.name} {case.method} {case.path}: {status} {body}"
    if status in (401, 403) and not (isinstance(body, dict) and isinstance(
            body.get("error"), str)):
        return f"{who.name} {case.method} {case.path}: {status} without a JSON error: {body}"
    if denied == want:
        return (f"{who.name} {case.method} {case.path} ({case.perm}): expected "
                f"{'allow' if want else 'deny'}, got {status} {body}")
    return None


def _rest(node: RunningNode, people: People, client: httpx.Client, case: Case, who: Who
          ) -> str | None:
    params = {**PARAMS, "team": people.team}
    if (case.method, case.path) in SPARE:
        params["project"] = "spare"
    kw: dict[str, Any] = {}
    if case.method in ("POST", "PUT", "PATCH"):
        kw = {"content": b"{}", "headers": {**who.headers, "content-type": "application/json"}}
    if case.path == "/v1/auth/check":
        kw["params"] = {"method": "GET", "project": "brygge", "op": "usage"}
    status, body = _send(client, case.method, node.admin + access.fill(case.path, params),
                         kw.pop("headers", who.headers), **kw)
    return _judge(case, who, status, body, status in (401, 403))


def _adm(node: RunningNode, client: httpx.Client, case: Case, who: Who) -> str | None:
    path = "/dev/_A_D_M_" + case.path.replace("{coll}", "c")
    kw: dict[str, Any] = {"content": b"{}"} if case.method in ("POST", "PUT") else {}
    headers = {**who.headers, "content-type": "application/json"}
    status, body = _send(client, case.method, node.base + path, headers, **kw)
    return _judge(case, who, status, body, status in (401, 403))


def _gql(node: RunningNode, people: People, client: httpx.Client, case: Case, who: Who,
         i: int) -> str | None:
    ids = people.space_ids
    values = {"projectId": "brygge", "teamId": people.team, "name": f"g{i}",
              "datastoreId": ids[f"v-{who.name}"] if case.path == "removeDatastore"
              else ids["gql"], "tokenId": "nope", "ip": "10.9.9.9",
              "jwksURI": "http://127.0.0.1:9/jwks.json", "key": "GQLK", "value": "v",
              "email": "x@example.com", "description": "d", "restricted": False,
              "encrypted": False, "userId": "nope", "invitationId": "nope"}
    doc = access.gql_document(SCHEMA, case.method, case.path, values)
    headers = {"authorization": who.headers.get("authorization")
               or f"Bearer {who.headers.get('x-admintoken', '')}"} if who.headers else {}
    r = client.post(node.admin + "/graphql", json={"query": doc}, headers=headers)
    body = r.json()
    if r.status_code != 200:
        return f"{who.name} {case.path}: HTTP {r.status_code} {body}"
    if any(str(e.get("message", "")).startswith("internal error") for e in
           body.get("errors") or []):
        return f"{who.name} {case.path}: {body}"
    return _judge(case, who, 200, body, access.gql_denied(body))


SEALED = "sealed-Value-7f3a9"
_DS = "id Datastores { name Tokens { key } Env { key value encrypted } }"
SEEN = f"{{ currentUser {{ UserProjects {{ {_DS} }} Projects {{ {_DS} }} }} }}"


def test_what_each_role_sees_of_the_secrets(node: RunningNode, people: People) -> None:
    """Space tokens only with secrets.read (developer and up); env values of plain vars
    likewise; an encrypted var's value never, to anyone: the project's info, GraphQL's
    Datastore Tokens and Env, the backup and the audit log (runs before the matrix,
    whose logouts end the sessions)."""
    sp = "/v1/projects/brygge/spaces/gql"
    for key, body in (("PLAIN", {"value": "plain-value-1"}),
                      ("SEALED", {"value": SEALED, "encrypted": True})):
        assert call(node, "PUT", f"{sp}/env/{key}", people.op, json=body).status_code == 200
    r = call(node, "POST", f"{sp}/tokens", people.op, json={"description": "seen?"})
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    seen_in_gql: set[bool] = set()
    for who in people.who:  # members through the team join, so GraphQL lists the project
        if who.kind == "session" and who.role is not None:
            r = call(node, "POST", "/v1/projects/brygge/join", who.headers)
            assert r.status_code in (200, 201, 409), (who.name, r.text)
    for who in people.who:
        if who.kind == "none":
            continue
        secrets = access.roles.allows(who.role, "secrets.read")
        gql_h = {"authorization": who.headers.get("authorization")
                 or f"Bearer {who.headers['x-admintoken']}"}
        g = httpx.post(node.admin + "/graphql", json={"query": SEEN}, headers=gql_h,
                       timeout=30)
        info = call(node, "GET", "/v1/projects/brygge", who.headers)
        texts = [g.text, info.text]
        me = g.json()["data"]["currentUser"]  # as coho reads it: both lists
        projects = {p["id"]: p for p in me["UserProjects"] + me["Projects"]}
        if who.role is None:  # the outsider: brygge is none of its business
            assert info.status_code == 403 and "brygge" not in projects, who.name
            continue
        assert info.status_code == 200, (who.name, info.text)
        space = {s["name"]: s for s in info.json()["spaces"]}["gql"]
        assert [t["token"] for t in space["tokens"]] == ([token] if secrets else []), who
        # GraphQL lists a project the caller joined (a role only through the project's
        # team is a project "you can join", as on Codehooks: not listed with its spaces)
        if "brygge" in projects:
            seen_in_gql.add(secrets)
            ds = {d["name"]: d for d in projects["brygge"]["Datastores"]}["gql"]
            assert [t["key"] for t in ds["Tokens"]] == ([token] if secrets else []), who
            env = {e["key"]: e for e in ds["Env"]}
            assert env["PLAIN"]["value"] == ("plain-value-1" if secrets else ""), who
            assert env["SEALED"] == {"key": "SEALED", "value": "", "encrypted": True}, who
        for path in (f"{sp}/backup", "/v1/projects/brygge/audit"):
            r = call(node, "GET", path, who.headers)
            assert r.status_code in (200, 403), (who.name, path, r.status_code)
            texts.append(r.text)
        assert not [t for t in texts if SEALED in t], who.name
        if not secrets:
            assert not [t for t in texts if token in t], who.name
    assert seen_in_gql == {True, False}  # GraphQL showed the space with and without secrets


def test_every_route_field_and_op_for_every_principal(node: RunningNode,
                                                      people: People) -> None:
    rest = access.rest_cases(_app())
    gql = access.gql_cases(SCHEMA)
    adm = access.adm_cases(ADMIN_OPS)
    assert len(rest) > 90 and len(gql) == len(GQL_RULES) and len(adm) == len(ADM_RULES) - 5
    first = [c for c in rest if (c.method, c.path) not in LAST]
    with httpx.Client(timeout=60, limits=httpx.Limits(max_keepalive_connections=0)) as client, \
            ThreadPoolExecutor(8) as pool:
        jobs = [pool.submit(_rest, node, people, client, c, w) for c in first
                for w in people.who]
        jobs += [pool.submit(_adm, node, client, c, w) for c in adm for w in people.who]
        jobs += [pool.submit(_gql, node, people, client, c, w, i) for c in gql
                 for i, w in enumerate(people.who)]
        wrong = [j.result() for j in jobs]
        # leave and logout last: they end the memberships and sessions the rest used
        for key in LAST:
            last = [c for c in rest if (c.method, c.path) == key]
            wrong += list(pool.map(lambda cw: _rest(node, people, client, *cw),
                                   [(c, w) for c in last for w in people.who]))
    wrong = [w for w in wrong if w]
    assert not wrong, f"{len(wrong)} wrong answers:\n" + "\n".join(wrong[:40])
