"""The official `coho` CLI 1.0.13 against a real node's admin GraphQL API
(control_plane/api/graphql_api.py, `ADMIN_API_URL=<control plane>`): tokens, allowed hosts,
JWKS, env vars (plain and encrypted at rest), spaces, admin tokens; each change checked
through Brygge itself. Hostile callers: wrong and expired sessions, other projects'
spaces, malformed documents."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from brygge import cohotoken, envcrypt
from storage.catalog import Catalog
from tests.support.coho import coho, node
from tests.support.nodes import RunningNode, brygge, catalog_call, wait_until

__all__ = ["coho", "node"]  # module-scoped fixtures from tests/support/coho.py
ANSI = re.compile(r"\x1b\[[0-9;]*m")

APP = r"""
import {app} from 'codehooks-js';
app.get('/env', (req, res) => res.json({greeting: process.env.GREETING || null,
                                        secret: process.env.SECRET || null}));
app.get('/thing', (req, res) => res.json({read: true}));
app.post('/thing', (req, res) => res.status(201).json({written: true}));
export default app.init();
"""



@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory, node: RunningNode) -> Path:
    """A project folder with config.json, the app deployed to `dev`, and a `coho`
    session from `brygge coho-login`."""
    root = tmp_path_factory.mktemp("cohogql")
    app = root / "app"
    app.mkdir()
    (app / "config.json").write_text('{"name":"brygge","space":"dev"}')
    (app / "index.js").write_text(APP)
    d = node.deploy(app)
    assert d.returncode == 0, d.stderr
    home = root / "home"
    # the node's first admin token (a new one each time otherwise: only hashes are kept)
    login = brygge("coho-login", "--data-dir", str(node.data_dir), "--admintoken",
                   node.admin_token, env={"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")})
    assert login.returncode == 0, login.stderr
    return app


def cli(coho: Path, node: RunningNode, work: Path, *args: str, stdin: str | None = None
        ) -> str:
    home = work.parent / "home"
    env = {**os.environ, "COHO_APIGW_URL": node.base, "ADMIN_API_URL": node.admin,
           "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "NO_COLOR": "1"}
    r = subprocess.run([str(coho), *args], cwd=work, capture_output=True, text=True,
                       timeout=300, env=env, input=stdin)
    return ANSI.sub("", r.stdout + r.stderr)


def info(coho: Path, node: RunningNode, work: Path) -> dict[str, Any]:
    out = cli(coho, node, work, "info", "--json")
    return {s["name"]: s for s in json.loads(out)}


def gql(node: RunningNode, query: str, variables: dict[str, Any] | None = None,
        bearer: str | None = None) -> dict[str, Any]:
    token = cohotoken.wrap(node.admin_token) if bearer is None else bearer
    headers = {"authorization": f"Bearer {token}"} if token else {}  # "": no header at all
    r = httpx.post(f"{node.admin}/graphql", json={"query": query, "variables": variables},
                   headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def get_thing(node: RunningNode, token: str) -> int:
    return node.get("/dev/thing", headers={"x-apikey": token}).status_code


def test_info_lists_spaces_tokens_and_endpoint(coho: Path, node: RunningNode,
                                               work: Path) -> None:
    spaces = info(coho, node, work)
    assert set(spaces) == {"dev"}
    toks = {t["key"]: t for t in spaces["dev"]["Tokens"]}
    assert toks[node.token]["access"] == "READWRITE"
    assert spaces["dev"]["allowedHosts"] == [] and spaces["dev"]["jwks"] is None
    table = cli(coho, node, work, "info")
    assert "Project name: brygge" in table and "dev (active)" in table
    assert f"{node.token} (RW)" in table
    assert "Space not found" in cli(coho, node, work, "info", "--space", "nope")


def test_add_readonly_token_then_remove_it(coho: Path, node: RunningNode, work: Path) -> None:
    out = cli(coho, node, work, "add-token", "--readonly", "--description", "dashboards")
    m = re.search(r"Created new token (\S+) with access READ$", out.strip())
    assert m, out
    ro = m.group(1)
    assert get_thing(node, ro) == 200
    posted = node.post("/dev/thing", json={}, headers={"x-apikey": ro})
    assert posted.status_code in (401, 403), posted.text
    tok = {t["key"]: t for t in info(coho, node, work)["dev"]["Tokens"]}[ro]
    assert tok == {"key": ro, "access": "READ", "description": "dashboards"}

    out = cli(coho, node, work, "add-token")  # read-write
    rw = re.search(r"Created new token (\S+) with access READWRITE", out).group(1)  # type: ignore[union-attr]
    assert node.post("/dev/thing", json={}, headers={"x-apikey": rw}).status_code == 201

    for t in (ro, rw):
        assert "Token removed" in cli(coho, node, work, "remove-token", t)
        wait_until(lambda t=t: get_thing(node, t) == 401 or None, 30, "the token revoked")
    assert "Token not found" in cli(coho, node, work, "remove-token", ro)
    assert get_thing(node, node.token) == 200  # the space's other token is untouched


def test_whitelist_and_whitelist_remove(coho: Path, node: RunningNode, work: Path) -> None:
    assert "IP 10.0.0.1 added to whitelist" in cli(coho, node, work, "whitelist", "10.0.0.1")
    wait_until(lambda: get_thing(node, node.token) == 403 or None, 30, "127.0.0.1 refused")
    assert info(coho, node, work)["dev"]["allowedHosts"] == ["10.0.0.1"]
    assert "127.0.0.1" in cli(coho, node, work, "whitelist", "127.0.0.1")
    wait_until(lambda: get_thing(node, node.token) == 200 or None, 30, "127.0.0.1 allowed")
    for ip in ("10.0.0.1", "127.0.0.1"):
        assert f"IP {ip} removed" in cli(coho, node, work, "whitelist-remove", ip)
    assert info(coho, node, work)["dev"]["allowedHosts"] == []
    assert get_thing(node, node.token) == 200
    bad = cli(coho, node, work, "whitelist", "not-an-ip")
    assert "Error:" in bad and "not an IP address" in bad, bad
    missing = cli(coho, node, work, "whitelist-remove", "10.9.9.9")
    assert "not in the allowed hosts" in missing, missing


def test_jwks_set_and_cleared(coho: Path, node: RunningNode, work: Path) -> None:
    out = cli(coho, node, work, "jwks", "http://login.example.com/.well-known/jwks.json")
    assert "Set JWKS url for space dev" in out, out
    url = "https://login.example.com/.well-known/jwks.json"  # coho forces https
    assert info(coho, node, work)["dev"]["jwks"] == url

    async def space(cat: Catalog) -> dict[str, Any]:
        return await cat.space("brygge", "dev")
    assert catalog_call(node, space)["jwks_url"] == url
    assert "Set JWKS url" in cli(coho, node, work, "jwks", "")
    assert info(coho, node, work)["dev"]["jwks"] is None
    assert "jwks_url" not in catalog_call(node, space)


def test_set_env_plain_and_encrypted_then_remove(coho: Path, node: RunningNode,
                                                 work: Path) -> None:
    assert "Added environment variable to 'dev'" in cli(coho, node, work, "set-env",
                                                        "GREETING", "hei")
    out = cli(coho, node, work, "set-env", "SECRET", "s3cr3t-ø", "--encrypted")
    assert "Added environment variable" in out, out

    def env() -> dict[str, Any]:
        return node.get("/dev/env", headers=node.auth()).json()
    wait_until(lambda: env() == {"greeting": "hei", "secret": "s3cr3t-ø"} or None, 30,
               "the app's process.env")

    listed = {e["key"]: e for e in info(coho, node, work)["dev"]["Env"]}
    assert listed["GREETING"] == {"key": "GREETING", "value": "hei", "encrypted": False}
    assert listed["SECRET"] == {"key": "SECRET", "value": "", "encrypted": True}
    table = cli(coho, node, work, "info")
    assert "SECRET=(encrypted)" in table and "GREETING=hei" in table
    assert "s3cr3t" not in table

    # at rest: the record holds only the sealed value, under a 0600 node key
    async def space(cat: Catalog) -> dict[str, Any]:
        return await cat.space("brygge", "dev")
    sp = catalog_call(node, space)
    assert sp["env"]["SECRET"].startswith(envcrypt.SEALED_PREFIX)
    assert "s3cr3t" not in json.dumps(sp)
    key = node.data_dir / envcrypt.KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert envcrypt.unseal(node.data_dir, "brygge", "dev", "SECRET",
                           sp["env"]["SECRET"]) == "s3cr3t-ø"
    for where in (("brygge", "dev", "OTHER"), ("brygge", "prod", "SECRET")):  # bound
        assert envcrypt.unseal(node.data_dir, *where, sp["env"]["SECRET"]) is None

    assert "Environment variable removed" in cli(coho, node, work, "remove-env", "GREETING")
    wait_until(lambda: env() == {"greeting": None, "secret": "s3cr3t-ø"} or None, 30,
               "GREETING gone from process.env")
    # set again without --encrypted: stored plain, listed plain
    cli(coho, node, work, "set-env", "SECRET", "open")
    assert {e["key"]: e for e in info(coho, node, work)["dev"]["Env"]}["SECRET"]["value"] \
        == "open"
    assert "Environment variable removed" in cli(coho, node, work, "remove-env", "SECRET")
    assert info(coho, node, work)["dev"]["Env"] == []
    assert "no env var" in cli(coho, node, work, "remove-env", "SECRET")


def test_add_use_and_remove_space(coho: Path, node: RunningNode, work: Path) -> None:
    assert "New space staging added to brygge" in cli(coho, node, work, "add", "staging")
    spaces = info(coho, node, work)
    (tok,) = spaces["staging"]["Tokens"]
    assert tok["access"] == "READWRITE"
    # the new space knows its token (no code deployed yet, so not a 401)
    r = node.get("/staging/thing", headers={"x-apikey": tok["key"]})
    assert r.status_code != 401, r.text
    assert "already exists" in cli(coho, node, work, "add", "staging")
    assert "must be" in cli(coho, node, work, "add", "Bad_Name")

    assert "Active space set to 'staging'" in cli(coho, node, work, "use", "staging")
    assert json.loads((work / "config.json").read_text())["space"] == "staging"
    assert "Space not found" in cli(coho, node, work, "use", "nope")
    assert "Active space set to 'dev'" in cli(coho, node, work, "use", "dev")

    out = cli(coho, node, work, "remove-space", "staging", stdin="y\n")
    assert "Space removed successfully" in out, out
    assert "staging" not in info(coho, node, work)
    wait_until(lambda: node.get("/staging/thing", headers={"x-apikey": tok["key"]})
               .status_code in (401, 404) or None, 30, "the removed space's token refused")
    assert get_thing(node, node.token) == 200


def test_admin_tokens_list_add_remove(coho: Path, node: RunningNode, work: Path) -> None:
    listed = cli(coho, node, work, "admintokens")
    assert "Admin tokens for your account" in listed and node.admin_token[:5] in listed
    assert node.admin_token not in listed  # only the first 5 characters
    out = cli(coho, node, work, "add-admintoken")
    m = re.search(r"New admin token added:\s+(\S+)", out)
    assert m, out
    new = m.group(1)
    r = httpx.get(f"{node.admin}/v1/projects/brygge", headers={"x-admintoken": new},
                  timeout=30)
    assert r.status_code == 200, r.text

    # remove-admintoken always asks which one (inquirer list): through its mutation
    me = gql(node, "{ currentUser { UserTeam { id AdminTokens { id secret } } } }")
    team = me["data"]["currentUser"]["UserTeam"]
    assert len(team["AdminTokens"]) == 2
    tid = hashlib.sha256(new.encode()).hexdigest()[:16]
    q = "mutation r($teamId: ID! $tokenId: ID!) { removeAdminToken(teamId: $teamId tokenId: $tokenId) }"
    assert gql(node, q, {"teamId": team["id"], "tokenId": tid})["data"] == \
        {"removeAdminToken": True}
    r = httpx.get(f"{node.admin}/v1/projects/brygge", headers={"x-admintoken": new},
                  timeout=30)
    assert r.status_code == 401
    again = gql(node, q, {"teamId": team["id"], "tokenId": tid})
    assert again["errors"][0]["message"] == "Admin token not found"
    last = hashlib.sha256(node.admin_token.encode()).hexdigest()[:16]
    refused = gql(node, q, {"teamId": team["id"], "tokenId": last})
    assert "last admin token" in refused["errors"][0]["message"]
    other_team = gql(node, q, {"teamId": "team-other", "tokenId": last})
    assert other_team["errors"][0]["message"] == "Team not found"


def test_hostile_sessions(node: RunningNode) -> None:
    q = "{ currentUser { id } }"
    for bearer in ("garbage", "a.b.c", cohotoken.wrap("adm_not-a-token"), ""):
        got = gql(node, q, bearer=bearer)
        assert got["data"] is None and "session" in got["errors"][0]["message"], (bearer, got)
    expired = cohotoken.wrap(node.admin_token, now=time.time() - cohotoken.TEN_YEARS_S - 60)
    got = gql(node, q, bearer=expired)
    assert "session has expired" in got["errors"][0]["message"]
    # a wrapper re-signed by someone who only knows the token's claim layout
    forged = jwt.encode({cohotoken.CLAIM: node.admin_token, "exp": int(time.time()) + 60},
                        b"x" * 32, algorithm="HS256")
    assert "session" in gql(node, q, bearer=forged)["errors"][0]["message"]
    # the bare admin token is a session too (like `Authorization: Bearer` elsewhere)
    assert gql(node, q, bearer=node.admin_token)["data"]["currentUser"]["id"]


def test_other_projects_spaces_are_not_found(node: RunningNode) -> None:
    async def setup(cat: Catalog) -> dict[str, str]:
        from control_plane.identity import tokens
        from control_plane.identity.records import Records
        rec = Records(cat.store)  # acme: another team's project, with its admin token
        team = await rec.create_team("acme", None)
        await cat.create_project("acme")
        await rec.put({"project/acme": {**await cat.project("acme"), "team": team["id"]}})
        sp = await cat.create_space("acme", "prod")
        return {"id": sp["id"], "admin": (await tokens.add_admin_token(rec, team["id"]))[0]}
    acme = catalog_call(node, setup)
    mine = gql(node, "{ currentUser { UserProjects { uniqueName Datastores { id } } "
                     "Projects { id } } }")["data"]["currentUser"]
    assert [p["uniqueName"] for p in mine["UserProjects"]] == ["brygge"]
    assert acme["id"] not in json.dumps(mine)
    for doc, var in (
        ("mutation a($d: ID!) { addToken(datastoreId: $d access: READWRITE) { key } }", {}),
        ("mutation a($d: ID!) { addAllowedHost(datastoreId: $d ip: \"1.2.3.4\") }", {}),
        ("mutation a($d: ID!) { setEnv(datastoreId: $d key: \"K\" value: \"v\") { key } }", {}),
        ("mutation a($d: ID!) { setJWKS(datastoreId: $d jwksURI: \"\") }", {}),
        ("mutation a($d: ID!) { removeDatastore(datastoreId: $d) { id } }", {}),
    ):
        for d in (acme["id"], "nope", "../../etc", "x" * 500):
            got = gql(node, doc, {"d": d, **var})
            assert got["errors"][0]["message"] == "Space not found", (doc, d, got)

    async def still(cat: Catalog) -> dict[str, Any]:
        return await cat.space("acme", "prod")
    sp = catalog_call(node, still)
    assert not sp.get("env") and not sp.get("allowed_hosts")
    added = gql(node, "mutation { addDatastore(projectId: \"acme\" name: \"x\") { id } }")
    assert added["errors"][0]["message"] == "Project not found"
    # acme's own session sees acme only
    theirs = gql(node, "{ currentUser { UserProjects { uniqueName } } }",
                 bearer=cohotoken.wrap(acme["admin"]))
    assert theirs["data"]["currentUser"]["UserProjects"] == [{"uniqueName": "acme"}]


def test_malformed_requests(node: RunningNode) -> None:
    url = f"{node.admin}/graphql"
    auth = {"authorization": f"Bearer {cohotoken.wrap(node.admin_token)}"}
    assert httpx.post(url, content=b"{", headers=auth, timeout=30).status_code == 400
    assert httpx.post(url, json={"query": 5}, headers=auth, timeout=30).status_code == 400
    assert httpx.post(url, content=b"x" * 100_000, headers=auth, timeout=30).status_code == 413
    got = gql(node, "{ currentUser { nope } }")
    assert "Cannot query field 'nope'" in got["errors"][0]["message"]
    # an admin token is no person: projects are created by users
    got = gql(node, "mutation { addProject(name: \"shop\") { id } }")
    assert "sign in as one" in got["errors"][0]["message"]
    got = gql(node, "mutation a($ip: IPv4!) { addAllowedHost(datastoreId: \"x\" ip: $ip) }",
              {"ip": "999.1.1.1"})
    assert got["errors"][0]["message"].startswith('Variable "$ip"')
    got = gql(node, "mutation a($u: URL!) { setJWKS(datastoreId: \"x\" jwksURI: $u) }",
              {"u": "javascript:alert(1)"})
    assert "not an http(s) URL" in got["errors"][0]["message"]
    assert gql(node, "query { ping }")["data"] == {"ping": "pong"}
