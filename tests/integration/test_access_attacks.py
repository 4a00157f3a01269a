"""Attacks on the admin API's access checks, on one real node with two routers (issue 18
"Tests"): another project's credentials, a viewer's crafted requests (role fields, path
tricks, method override headers, GraphQL aliases and batches), forged and replayed
sessions (another key, alg=none, HS256 keyed with the public key, a swapped kid or an
embedded key), a deleted user's credentials on every router at once, nothing secret in
clear under the data dir, and login throttling per email and per client IP (last: it
locks the test's own address)."""

from __future__ import annotations

import base64
import json
import shutil
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support import routers
from tests.support.nodes import RunningNode, brygge
from tests.support.people import PW, People, bearer, call, login, module_fixtures

ENV = "/v1/projects/brygge/spaces/dev/env"


both, node, people = module_fixtures("attacks", BRYGGE_ROUTERS="2", BRYGGE_LOGIN_MAX_FAILURES="3",
                                     BRYGGE_LOGIN_LOCKOUT_S="3600")


def who(people: People, name: str) -> dict[str, str]:
    return next(w.headers for w in people.who if w.name == name)


def gql(node: RunningNode, headers: dict[str, str], body: Any) -> httpx.Response:
    return httpx.post(node.admin + "/graphql", json=body, headers=headers, timeout=30)


def env_keys(node: RunningNode, people: People) -> set[str]:
    doc = "{ currentUser { UserProjects { id Datastores { name Env { key } } } } }"
    ps = gql(node, people.op, {"query": doc}).json()["data"]["currentUser"]["UserProjects"]
    dev = {d["name"]: d for d in {p["id"]: p for p in ps}["brygge"]["Datastores"]}["dev"]
    return {e["key"] for e in dev["Env"]}


def test_another_projects_credentials_reach_nothing_here(node: RunningNode,
                                                         people: People) -> None:
    out = who(people, "outsider")
    acme_pat = call(node, "POST", "/v1/pats", out,
                    json={"role": "owner", "project": "acme", "expires": "1d"})
    assert acme_pat.status_code == 201, acme_pat.text
    team = call(node, "GET", "/v1/projects/acme", out).json()["team"]
    acme_adm = call(node, "POST", f"/v1/teams/{team}/admintokens", out, json={})
    assert acme_adm.status_code == 201, acme_adm.text
    creds = {"session": out, "pat": bearer(acme_pat.json()["token"]),
             "admintoken": {"x-admintoken": acme_adm.json()["token"]}}
    for kind, h in creds.items():
        assert call(node, "GET", "/v1/projects/acme", h).status_code == 200, kind
        for method, path in (("GET", "/v1/projects/brygge"), ("PUT", ENV + "/X"),
                             ("GET", "/v1/projects/brygge/spaces/dev/tokens"),
                             ("GET", f"/v1/teams/{people.team}/admintokens")):
            r = call(node, method, path, h, json={"value": "v"})
            assert r.status_code == 403 and "error" in r.json(), (kind, path, r.text)
        for r in (httpx.post(f"{node.base}/dev/_A_D_M_keys", json={"key": "k", "value": "v"},
                             headers=h, timeout=30),
                  httpx.get(f"{node.base}/dev/_A_D_M_usage", headers=h, timeout=30)):
            assert r.status_code == 403 and "error" in r.json(), (kind, r.text)
        g = gql(node, {"authorization": h.get("authorization")
                       or f"Bearer {h['x-admintoken']}"},
                {"query": f'mutation {{ setEnv(datastoreId: "{people.space_ids["gql"]}", '
                          'key: "X", value: "v") { key } }'})
        assert g.json()["errors"][0]["message"] == "Space not found", (kind, g.text)
    # and the other way round: the node's own admin token on acme
    r = call(node, "GET", "/v1/projects/acme", {"x-admintoken": node.admin_token})
    assert r.status_code == 403


def test_a_viewer_cannot_escalate_by_crafted_requests(node: RunningNode,
                                                      people: People) -> None:
    v = who(people, "viewer")
    # a role field in bodies: a PAT asking for owner is capped at the viewer's role
    pat = call(node, "POST", "/v1/pats", v, json={"role": "owner", "expires": "1d"})
    assert pat.status_code == 201, pat.text
    r = call(node, "PUT", ENV + "/X", bearer(pat.json()["token"]), json={"value": "v"})
    assert r.status_code == 403 and "role viewer" in r.json()["error"]
    r = call(node, "POST", f"/v1/teams/{people.team}/members", v,
             json={"email": "viewer@example.com", "role": "owner"})
    assert r.status_code == 403 and "members.manage" in r.json()["error"]
    r = call(node, "PUT", ENV + "/X", v, params={"role": "owner"},
             json={"value": "v", "role": "owner", "permission": "env.write"})
    assert r.status_code == 403
    # method override headers change nothing: the method is the method
    for h in ("x-http-method-override", "x-http-method", "x-method-override"):
        r = call(node, "POST", ENV + "/X", {**v, h: "GET"}, json={"value": "v"})
        assert r.status_code in (403, 405), (h, r.status_code)
        r = call(node, "GET", "/v1/projects/brygge/spaces/dev/tokens", {**v, h: "GET"})
        assert r.status_code == 403, h
    # path tricks: never another route, never a 5xx
    for path in ("/v1/projects/brygge/spaces/dev/env/../tokens",
                 "/v1/projects/brygge/spaces/dev/env/%2e%2e/tokens",
                 "/v1/projects/brygge/spaces/dev/tokens/",
                 "/v1/projects/BRYGGE/spaces/dev/tokens",
                 "/v1/projects/brygge%2Fspaces%2Fdev/tokens",
                 "//v1/projects/brygge/spaces/dev/tokens",
                 "/v1/projects/brygge/spaces/dev//tokens",
                 "/v1/projects/acme/../brygge/spaces/dev/tokens",
                 "/_adm/brygge/dev/../../v1/projects/brygge/spaces/dev/tokens"):
        r = httpx.request("GET", node.admin + path, headers=v, timeout=30,
                          follow_redirects=False)
        assert r.status_code in (401, 403, 404, 307), (path, r.status_code, r.text)
        assert "token" not in r.text.lower() or "error" in r.text, (path, r.text)
    for path in ("/dev/_A_D_M_keys/../keys", "/dev/_A_D_M_%6beys", "/dev/%5F_A_D_M_keys",
                 "/dev/_A_D_M_keys%2f..%2fdeploy"):
        r = httpx.post(node.base + path, json={"key": "k", "value": "v"}, headers=v,
                       timeout=30)
        assert r.status_code in (400, 401, 403, 404), (path, r.status_code, r.text)
    # GraphQL: aliases, several operations, a batch, an operationName mix-up
    sid = people.space_ids["gql"]
    one = f'setEnv(datastoreId: "{sid}", key: "ESC", value: "v") {{ key }}'
    for body in ({"query": f"mutation {{ a: {one} b: {one} c: {one} }}"},
                 {"query": f"query Q {{ ping }} mutation M {{ {one} }}",
                  "operationName": "M"},
                 {"query": f"mutation {{ ping2: {one} }}", "operationName": None}):
        g = gql(node, v, body).json()
        msgs = [e["message"] for e in g.get("errors") or []]
        assert msgs and all("does not allow env.write" in m for m in msgs), (body, g)
    g = httpx.post(node.admin + "/graphql", json=[{"query": f"mutation {{ {one} }}"}],
                   headers=v, timeout=30)
    assert g.status_code == 400 and "errors" in g.json()
    assert "ESC" not in env_keys(node, people) and "X" not in env_keys(node, people)


def _b64(d: dict[str, Any] | bytes) -> str:
    raw = d if isinstance(d, bytes) else json.dumps(d).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_forged_sessions_are_401_everywhere(node: RunningNode, people: People) -> None:
    real = who(people, "operator")["authorization"][7:]
    header = jwt.get_unverified_header(real)
    claims = jwt.decode(real, options={"verify_signature": False})
    pub = (node.data_dir / "session.ed25519")
    key = serialization.load_pem_private_key(pub.read_bytes(), password=None)
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    raw_pub = key.public_key().public_bytes(serialization.Encoding.Raw,
                                            serialization.PublicFormat.Raw)
    other = Ed25519PrivateKey.generate()
    other_jwk = {"kty": "OKP", "crv": "Ed25519", "kid": "attacker", "x": _b64(
        other.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw))}
    import hmac
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': header['kid']})}." \
                    f"{_b64(claims)}"
    hs = []
    for secret in (public_pem, raw_pub, _b64(raw_pub).encode()):
        mac = hmac.new(secret, signing_input.encode(), "sha256").digest()
        hs.append(f"{signing_input}.{_b64(mac)}")
    forged = {
        "another key": jwt.encode(claims, other, algorithm="EdDSA",
                                  headers={"kid": header["kid"]}),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "alg none, kid": f"{_b64({'alg': 'none', 'kid': header['kid']})}.{_b64(claims)}.",
        **{f"HS256 keyed with the public key ({i})": t for i, t in enumerate(hs)},
        "kid swap and embedded key": jwt.encode(
            claims, other, algorithm="EdDSA",
            headers={"kid": "attacker", "jwk": other_jwk,
                     "jku": "http://127.0.0.1:9/jwks.json"}),
        "claims changed": f"{real.split('.')[0]}.{_b64({**claims, 'sub': 'u0'})}."
                          f"{real.split('.')[2]}",
        "expired": jwt.encode({**claims, "iat": int(time.time()) - 120,
                               "exp": int(time.time()) - 60}, key, algorithm="EdDSA",
                              headers={"kid": header["kid"]}),
        "a local JWT of another data dir": jwt.encode(
            {"sub": "", "typ": "local", "iat": int(time.time()),
             "exp": int(time.time()) + 300}, other, algorithm="EdDSA"),
    }
    for what, tok in forged.items():
        h = bearer(tok)
        r = call(node, "GET", "/v1/users", h)
        assert r.status_code == 401 and "error" in r.json(), (what, r.text)
        r = httpx.get(f"{node.base}/dev/_A_D_M_usage", headers=h, timeout=30)
        assert r.status_code == 401, (what, r.text)
        g = gql(node, h, {"query": "{ currentUser { id } }"}).json()
        assert g["data"] is None and "session" in g["errors"][0]["message"].lower(), (what, g)
    assert call(node, "GET", "/v1/users", bearer(real)).status_code == 200


def test_revoked_session_and_refresh_are_dead(node: RunningNode, people: People) -> None:
    r = call(node, "POST", "/v1/auth/login",
             json={"email": "developer@example.com", "password": PW})
    s = r.json()
    h = bearer(s["access"])
    assert call(node, "POST", "/v1/auth/logout", h).status_code == 200
    for cred in (h,):
        assert call(node, "GET", "/v1/projects/brygge", cred).status_code == 401
        assert httpx.get(f"{node.base}/dev/_A_D_M_usage", headers=cred,
                         timeout=30).status_code == 401
    assert call(node, "POST", "/v1/auth/refresh",
                json={"refresh": s["refresh"]}).status_code == 401


def test_a_deleted_users_credentials_die_at_once_on_every_router(
        node: RunningNode, people: People) -> None:
    r = call(node, "POST", "/v1/users", people.op,
             json={"email": "gone@example.com", "password": PW, "name": "gone"})
    uid = r.json()["id"]
    assert call(node, "POST", f"/v1/teams/{people.team}/members", people.op,
                json={"email": "gone@example.com", "role": "admin"}).status_code == 201
    sess = bearer(login(node, "gone@example.com"))
    pat = call(node, "POST", "/v1/pats", sess, json={"role": "admin", "expires": "1d"})
    adm = call(node, "POST", "/v1/projects/brygge/admintokens", sess, json={})
    creds = {"session": sess, "pat": bearer(pat.json()["token"]),
             "admintoken": {"x-admintoken": adm.json()["token"]}}
    conns = routers.per_router(node)
    assert set(conns) == {"router", "router-1"}
    try:
        for name, c in conns.items():
            for kind, h in creds.items():
                status, text = routers.send(c, "GET", "/dev/_A_D_M_usage", h)
                assert status == 200, (name, kind, text)
        assert call(node, "DELETE", f"/v1/users/{uid}", people.op).status_code == 200
        for name, c in conns.items():  # the same kept-alive connections, at once
            for kind, h in creds.items():
                status, text = routers.send(c, "GET", "/dev/_A_D_M_usage", h)
                assert status == 401 and "error" in json.loads(text), (name, kind, text)
        for kind, h in creds.items():
            assert call(node, "GET", "/v1/projects/brygge", h).status_code == 401, kind
    finally:
        for c in conns.values():
            c.close()


def _secrets_in(root: Path, secrets: dict[str, bytes]) -> list[str]:
    found = []
    for f in root.rglob("*"):
        if f.is_file() and not f.is_symlink():
            try:
                data = f.read_bytes()
            except OSError:
                continue
            found += [f"{f.relative_to(root)}: {name}" for name, s in secrets.items()
                      if s in data]
    return found


def test_nothing_secret_in_clear_under_the_data_dir(node: RunningNode, people: People,
                                                    tmp_path: Path) -> None:
    from rocksdict import AccessType, Options, Rdict
    s = call(node, "POST", "/v1/auth/login",
             json={"email": "admin@example.com", "password": PW}).json()
    refreshed = call(node, "POST", "/v1/auth/refresh", json={"refresh": s["refresh"]}).json()
    pat = who(people, "pat-admin")["authorization"][7:]
    adm = node.admin_token
    # each used: a space token on the app path, the others on the admin API
    assert httpx.get(f"{node.base}/dev/nothing", headers={"x-apikey": node.token},
                     timeout=30).status_code != 401
    for h in (bearer(pat), {"x-admintoken": adm}, bearer(refreshed["access"])):
        assert call(node, "GET", "/v1/projects/brygge", h).status_code == 200
    secrets = {"space token": node.token.encode(), "admin token": adm.encode(),
               "PAT": pat.encode(), "refresh token": refreshed["refresh"].encode(),
               "spent refresh token": s["refresh"].encode(), "password": PW.encode(),
               "operator password": node.operator_password.encode()}
    found = _secrets_in(node.data_dir, secrets)
    # and inside RocksDB's (possibly compressed) files: every key and value, read back
    copy = tmp_path / "db"
    shutil.copytree(node.data_dir / "db", copy, ignore=shutil.ignore_patterns("LOCK"))
    opts = Options(raw_mode=True)
    db = Rdict(str(copy), opts, access_type=AccessType.read_only())
    try:
        n = 0
        for k, v in db.items():
            n += 1
            found += [f"record {bytes(k)[:40]!r}: {name}" for name, sec in secrets.items()
                      if sec in bytes(k) or sec in bytes(v)]
    finally:
        db.close()
    assert n > 10 and not found, found


def test_cli_commands_work_remotely_after_login(node: RunningNode, people: People,
                                               tmp_path: Path) -> None:
    """A second config dir, `brygge login URL --email`, then the commands that once read
    only the local data dir, without one (cwd has no .brygge)."""
    def cli(*args: str, who: str = "admin") -> Any:
        env = {"XDG_CONFIG_HOME": str(tmp_path / who), "BRYGGE_DATA_DIR": ""}
        return brygge(*args, env=env, cwd=str(tmp_path))

    for name in ("admin", "viewer"):
        r = brygge("login", node.admin, "--email", f"{name}@example.com", "--password-stdin",
                   env={"XDG_CONFIG_HOME": str(tmp_path / name), "BRYGGE_DATA_DIR": ""},
                   cwd=str(tmp_path), input=PW + "\n")
        assert r.returncode == 0, r.stderr
    r = cli("token")
    assert r.returncode == 0 and r.stdout.strip() == node.token, r.stderr
    r = cli("info", "--json")
    assert r.returncode == 0, r.stderr
    dev = {sp["name"]: sp for sp in json.loads(r.stdout)["spaces"]}["dev"]
    assert node.token in [t["token"] for t in dev["tokens"]]
    assert dev["url"].endswith("/dev") and "env" in dev
    r = cli("info")
    assert r.returncode == 0 and "Space dev:" in r.stdout and node.token in r.stdout
    made = cli("admin-token")
    assert made.returncode == 0 and made.stdout.startswith("adm_"), made.stderr
    assert call(node, "GET", "/v1/projects/brygge",
                {"x-admintoken": made.stdout.strip()}).status_code == 200
    added = cli("add-admintoken", "--description", "remote")
    assert added.returncode == 0, added.stderr
    listed = cli("admintokens")
    assert listed.returncode == 0 and "remote" in listed.stdout, listed.stderr
    coho = cli("coho-login")
    assert coho.returncode == 0 and f"ADMIN_API_URL={node.admin}" in coho.stdout, coho.stderr
    # the viewer: info without tokens, and no token
    r = cli("info", "--json", who="viewer")
    assert r.returncode == 0 and node.token not in r.stdout, r.stderr
    r = cli("token", who="viewer")
    assert r.returncode == 1 and "does not allow secrets.read" in r.stderr, r.stderr
    r = cli("admin-token", who="viewer")
    assert r.returncode == 1 and "does not allow tokens.manage" in r.stderr, r.stderr


def test_login_is_throttled_per_email_then_per_ip(node: RunningNode, people: People) -> None:
    def attempt(email: str, password: str, **headers: str) -> httpx.Response:
        return httpx.post(node.admin + "/v1/auth/login", headers=headers, timeout=30,
                          json={"email": email, "password": password})

    for _ in range(3):
        assert attempt("viewer@example.com", "guess").status_code == 401
    r = attempt("viewer@example.com", PW)  # the right password, while locked
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "error" in r.json()
    assert attempt("developer@example.com", PW).status_code == 200  # another email is not
    # per IP: four times the per-email limit over many emails; a forged X-Forwarded-For
    # or X-Real-IP does not make another client of this one
    codes = [attempt(f"nobody{i}@example.com", "guess",
                     **{"x-forwarded-for": f"10.0.0.{i}", "x-real-ip": f"10.0.1.{i}"}
                     ).status_code for i in range(12)]
    assert codes[:8] == [401] * 8 and 429 in codes, codes
    r = attempt("owner@example.com", PW, **{"x-forwarded-for": "10.9.9.9"})
    assert r.status_code == 429, r.text  # the right password of an unlocked email too
