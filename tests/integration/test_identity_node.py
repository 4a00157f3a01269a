"""People, sessions and tokens on one real node (issue 18): login, refresh, logout;
forged and expired sessions; login throttling; a suspended user's credentials dead at
once; an admin token of one team on another team's project; a viewer PAT writing; the
CLI's users/login/pat commands; no secret in clear under the data dir."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support.nodes import RunningNode, brygge, new_node

PW = "s3cret-Pass-word"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    n = new_node(tmp_path_factory.mktemp("identity"), BRYGGE_LOGIN_MAX_FAILURES="3",
                 BRYGGE_LOGIN_LOCKOUT_S="3600")
    n.start()
    yield n
    n.stop()


def local(node: RunningNode, *args: str, stdin: str | None = None) -> Any:
    """A brygge command as the node's operator (through the data dir)."""
    r = brygge(*args, "--data-dir", str(node.data_dir), input=stdin)
    assert r.returncode == 0, r.stderr
    return r


def api(node: RunningNode, method: str, path: str, cred: str | None = None,
        **kw: Any) -> httpx.Response:
    headers = kw.pop("headers", {})
    if cred:
        headers["authorization"] = f"Bearer {cred}"
    return httpx.request(method, node.admin + path, headers=headers, timeout=30, **kw)


def login(node: RunningNode, email: str, password: str = PW) -> httpx.Response:
    return api(node, "POST", "/v1/auth/login", json={"email": email, "password": password})


def add_user(node: RunningNode, email: str) -> str:
    out = local(node, "users", "add", email, "--name", email.split("@")[0],
                "--password-stdin", stdin=PW + "\n").stdout
    assert f"Added user {email}" in out, out
    return out.split("(", 1)[1].split(")", 1)[0]


def test_login_me_refresh_logout(node: RunningNode) -> None:
    add_user(node, "ann@example.com")
    r = login(node, "ann@example.com")
    assert r.status_code == 200, r.text
    s = r.json()
    me = api(node, "GET", "/v1/auth/me", s["access"])
    assert me.status_code == 200 and me.json()["user"]["email"] == "ann@example.com"
    assert me.json()["kind"] == "user" and me.json()["actor"].startswith("user:u")
    fresh = api(node, "POST", "/v1/auth/refresh", json={"refresh": s["refresh"]})
    assert fresh.status_code == 200, fresh.text
    spent = api(node, "POST", "/v1/auth/refresh", json={"refresh": s["refresh"]})
    assert spent.status_code == 401 and "refresh" in spent.json()["error"]
    new = fresh.json()
    assert api(node, "POST", "/v1/auth/logout", new["access"]).status_code == 200
    # the session is over: its unexpired access token and its refresh token are refused
    gone = api(node, "GET", "/v1/auth/me", new["access"])
    assert gone.status_code == 401 and "ended" in gone.json()["error"]
    assert api(node, "POST", "/v1/auth/refresh",
               json={"refresh": new["refresh"]}).status_code == 401
    assert login(node, "ann@example.com", "wrong-password").status_code == 401


def test_forged_and_expired_sessions_are_401(node: RunningNode) -> None:
    s = login(node, "admin@localhost", node.operator_password).json()
    claims = jwt.decode(s["access"], options={"verify_signature": False})
    forged = jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA")
    r = api(node, "GET", "/v1/users", forged)
    assert r.status_code == 401 and r.json()["error"] == "invalid session token"
    key = serialization.load_pem_private_key(
        (node.data_dir / "session.ed25519").read_bytes(), password=None)
    expired = jwt.encode({**claims, "iat": int(time.time()) - 120,
                          "exp": int(time.time()) - 60}, key, algorithm="EdDSA")
    r = api(node, "GET", "/v1/users", expired)
    assert r.status_code == 401 and "expired" in r.json()["error"]
    # the same through the router's _A_D_M_ path
    r = httpx.get(f"{node.base}/dev/_A_D_M_usage", timeout=30,
                  headers={"authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and r.json()["error"] == "invalid session token"
    assert api(node, "GET", "/v1/users", s["access"]).status_code == 200
    jwks = httpx.get(node.admin + "/.well-known/jwks.json", timeout=30).json()
    assert jwks["keys"][0]["kty"] == "OKP" and "d" not in jwks["keys"][0]


def test_brute_force_login_is_throttled(node: RunningNode) -> None:
    add_user(node, "bob@example.com")
    for _ in range(3):
        assert login(node, "bob@example.com", "guess-guess").status_code == 401
    r = login(node, "bob@example.com")  # the right password too, while locked
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "too many failed logins" in r.json()["error"]
    assert login(node, "ann@example.com").status_code == 200  # another email is not


def test_suspended_user_credentials_die_at_once(node: RunningNode) -> None:
    uid = add_user(node, "carl@example.com")
    op = login(node, "admin@localhost", node.operator_password).json()["access"]
    # carl becomes an admin of the default project, then holds three credentials
    team = api(node, "GET", "/v1/auth/me", op).json()["teams"][0]["id"]
    r = api(node, "POST", f"/v1/teams/{team}/members", op,
            json={"email": "carl@example.com", "role": "admin"})
    assert r.status_code == 201, r.text
    sess = login(node, "carl@example.com").json()["access"]
    pat = api(node, "POST", "/v1/pats", sess, json={"role": "developer", "expires": "1d"})
    assert pat.status_code == 201, pat.text
    adm = api(node, "POST", "/v1/projects/brygge/admintokens", sess,
              json={"description": "carl's"})
    assert adm.status_code == 201, adm.text
    creds = [{"authorization": f"Bearer {sess}"},
             {"authorization": f"Bearer {pat.json()['token']}"},
             {"x-admintoken": adm.json()["token"]}]
    for h in creds:
        assert api(node, "GET", "/v1/projects/brygge", headers=dict(h)).status_code == 200
        assert httpx.get(f"{node.base}/dev/_A_D_M_usage", headers=h,
                         timeout=30).status_code == 200
    local(node, "users", "suspend", "carl@example.com")
    for h in creds:
        r = api(node, "GET", "/v1/projects/brygge", headers=dict(h))
        assert r.status_code == 401, (h, r.text)
        assert httpx.get(f"{node.base}/dev/_A_D_M_usage", headers=h,
                         timeout=30).status_code == 401
    assert login(node, "carl@example.com").status_code == 403
    local(node, "users", "resume", uid)
    assert login(node, "carl@example.com").status_code == 200


def test_admin_token_of_team_a_on_team_b_project_is_403(node: RunningNode) -> None:
    from control_plane.identity import tokens
    from control_plane.identity.records import Records
    from storage.client import AsyncStorageClient

    async def setup() -> str:
        client = AsyncStorageClient(node.node_json()["storage"])
        try:
            rec = Records(client)
            t = await rec.create_team("acme", None)
            await rec.put({"project/acme": {"name": "acme", "team": t["id"],
                                            "created": "2026-01-01T00:00:00Z"}})
            return (await tokens.add_admin_token(rec, t["id"], "acme's"))[0]
        finally:
            await client.close()

    acme = asyncio.run(setup())
    assert api(node, "GET", "/v1/projects/acme/admintokens",
               headers={"x-admintoken": acme}).status_code == 200
    r = api(node, "GET", "/v1/projects/brygge", headers={"x-admintoken": acme})
    assert r.status_code == 403 and "not valid for project 'brygge'" in r.json()["error"]
    r = httpx.post(f"{node.base}/dev/_A_D_M_keys", json={"key": "k", "value": "v"},
                   headers={"x-admintoken": acme}, timeout=30)
    assert r.status_code == 403
    r = api(node, "GET", "/v1/projects/acme", headers={"x-admintoken": node.admin_token})
    assert r.status_code == 403  # and the other way round


def test_viewer_pat_reads_but_never_writes(node: RunningNode) -> None:
    op = login(node, "admin@localhost", node.operator_password).json()["access"]
    pat = api(node, "POST", "/v1/pats", op,
              json={"role": "viewer", "project": "brygge", "expires": "1d"}).json()["token"]
    assert pat.startswith("bpat_")
    info = api(node, "GET", "/v1/projects/brygge", pat)
    assert info.status_code == 200 and info.json()["spaces"][0]["tokens"] == []
    r = api(node, "PUT", "/v1/projects/brygge/spaces/dev/env/K", pat, json={"value": "v"})
    assert r.status_code == 403
    assert r.json()["error"] == "role viewer in project brygge does not allow env.write"
    r = httpx.post(f"{node.base}/dev/_A_D_M_keys", json={"key": "k", "value": "v"},
                   headers={"authorization": f"Bearer {pat}"}, timeout=30)
    assert r.status_code == 403 and "does not allow data.write" in r.json()["error"]
    assert httpx.get(f"{node.base}/dev/_A_D_M_keys", timeout=30,
                     headers={"authorization": f"Bearer {pat}"}).status_code == 200
    for path in ("/v1/users", "/v1/pats"):  # neither the operator's nor a PAT's business
        assert api(node, "GET", path, pat).status_code == 403
    rows = api(node, "GET", "/v1/pats", op).json()
    assert any(p["role"] == "viewer" for p in rows) and all("token" not in p for p in rows)


def test_cli_login_pat_logout(node: RunningNode, tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    add_user(node, "dora@example.com")
    elsewhere = str(tmp_path)  # no ./.brygge here: the login's session is used
    r = brygge("login", node.admin, "--email", "dora@example.com", "--password-stdin",
               env=env, cwd=elsewhere, input=PW + "\n")
    assert r.returncode == 0 and "as dora@example.com" in r.stdout, r.stderr
    cfg = tmp_path / "cfg" / "brygge" / "config.json"
    assert oct(cfg.stat().st_mode & 0o777) == "0o600" and PW not in cfg.read_text()
    r = brygge("pat", "create", "--role", "viewer", env=env, cwd=elsewhere)
    assert r.returncode == 0 and r.stdout.startswith("bpat_"), r.stderr
    listed = brygge("pat", "list", env=env, cwd=elsewhere)
    assert "viewer" in listed.stdout and r.stdout.strip() not in listed.stdout
    pid = listed.stdout.split()[0]
    assert brygge("pat", "revoke", pid, env=env, cwd=elsewhere).returncode == 0
    assert api(node, "GET", "/v1/auth/me", r.stdout.strip()).status_code == 401
    denied = brygge("users", "list", env=env, cwd=elsewhere)  # dora is no operator
    assert denied.returncode == 1 and "operator" in denied.stderr
    out = brygge("logout", env=env, cwd=elsewhere)
    assert out.returncode == 0 and not cfg.exists()
    assert "dora@example.com" in local(node, "users", "list").stdout


def test_no_secret_in_clear_under_the_data_dir(node: RunningNode) -> None:
    assert node.admin_token and node.operator_password
    # used: both sign in, so they have passed through every component
    assert api(node, "GET", "/v1/projects/brygge",
               headers={"x-admintoken": node.admin_token}).status_code == 200
    assert login(node, "admin@localhost", node.operator_password).status_code == 200
    secrets = [node.admin_token.encode(), node.operator_password.encode(), PW.encode()]
    found = []
    for f in node.data_dir.rglob("*"):
        if f.is_file() and not f.is_symlink():
            try:
                data = f.read_bytes()
            except OSError:
                continue  # a socket or a file that went away
            found += [f"{f}: {s[:6]!r}" for s in secrets if s in data]
    assert not found, found
