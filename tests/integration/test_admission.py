"""Admission on a real node: JWTs against a local JWKS server, allowed hosts behind
trusted proxies, CORS, rate limits and header/URL limits, all set through the
admin API (PUT/DELETE /v1/projects/<p>/spaces/<s>/jwks|whitelist|cors|ratelimit)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from tests.support.jwks import JwksServer, Keys
from tests.support.nodes import RunningNode, brygge, new_node, wait_until

APP = r"""
import {app} from 'codehooks-js';
app.auth('/public/*', (req, res, next) => next());
app.get('/public/hi', (req, res) => res.json({public: true}));
app.get('/me', (req, res) => res.json({
  claims: req.headers['x-jwt-claims'] ? JSON.parse(req.headers['x-jwt-claims']) : null, ip: req.ip}));
app.post('/me', (req, res) => res.status(201).json({ok: true}));
export default app.init();
"""
SPACE = "/v1/projects/brygge/spaces/dev"


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


@pytest.fixture(scope="module")
def jwks(keys: Keys) -> Iterator[JwksServer]:
    srv = JwksServer()
    srv.keys = keys.jwks()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningNode]:
    tmp = tmp_path_factory.mktemp("admission")
    app = tmp / "app"
    app.mkdir()
    (app / "index.js").write_text(APP)
    n = new_node(tmp, BRYGGE_TRUSTED_PROXIES="127.0.0.1", BRYGGE_MAX_HEADER_BYTES="4096",
                 BRYGGE_MAX_URL_BYTES="2048", BRYGGE_JWKS_TIMEOUT_S="0.5",
                 BRYGGE_JWKS_REFETCH_S="0")
    n.start()
    d = n.deploy(Path(app))
    assert d.returncode == 0, d.stderr
    yield n
    n.stop()


def admin(node: RunningNode, method: str, path: str, **kw: Any) -> httpx.Response:
    return httpx.request(method, node.admin + SPACE + path, timeout=30,
                         headers={"x-admintoken": node.admin_token}, **kw)


def get_until(node: RunningNode, path: str, status: int, **kw: Any) -> httpx.Response:
    """Routers cache space records until the change is announced on NATS: wait for it."""
    last: list[httpx.Response] = []

    def done() -> bool:
        last[:] = [node.get(path, **kw)]
        return last[0].status_code == status

    try:
        wait_until(done, 15, f"GET {path} -> {status}")
    except TimeoutError:
        pass  # the caller's assertion shows what came instead
    return last[0]


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_jwt_credentials(node: RunningNode, jwks: JwksServer, keys: Keys) -> None:
    good = keys.sign({"sub": "u1", "exp": int(time.time()) + 300}, "ES256")
    assert node.get("/dev/me", headers=bearer(good)).status_code == 401  # no JWKS yet
    r = admin(node, "PUT", "/jwks", json={"url": jwks.url})
    assert r.status_code == 200 and r.json()["jwks_url"] == jwks.url
    r = get_until(node, "/dev/me", 200, headers=bearer(good))
    assert r.status_code == 200, r.text
    assert r.json()["claims"]["sub"] == "u1"
    # the app cannot be fooled by a client-sent claims header
    r = node.get("/dev/me", headers={**node.auth(), "x-jwt-claims": '{"sub":"admin"}'})
    assert r.json()["claims"] is None
    now = int(time.time())
    cases = {
        "expired": keys.sign({"sub": "u", "exp": now - 600}),
        "not valid yet": keys.sign({"sub": "u", "exp": now + 600, "nbf": now + 300}),
        "is not in the space's JWKS": keys.sign({"sub": "u", "exp": now + 60}, kid="other"),
        "signature does not verify": Keys().sign({"sub": "u", "exp": now + 60}),
        "alg 'none' is not accepted": jwt.encode({"sub": "u"}, None, algorithm="none",
                                                 headers={"kid": "rsa1"}),
    }
    for why, token in cases.items():
        r = node.get("/dev/me", headers=bearer(token))
        assert r.status_code == 401, (why, r.text)
        assert why in r.json()["error"] and "Unable to verify token (JWKS)" in r.json()["error"]
    # a public route still answers with a bad token: the app's auth hook decides
    assert node.get("/dev/public/hi", headers=bearer(cases["expired"])).status_code == 200
    # iss/aud per space
    admin(node, "PUT", "/jwks", json={"url": jwks.url, "aud": "brygge-api"})
    r = get_until(node, "/dev/me", 401, headers=bearer(good))
    assert "aud" in r.json()["error"]
    with_aud = keys.sign({"sub": "u1", "exp": now + 300, "aud": "brygge-api"})
    assert node.get("/dev/me", headers=bearer(with_aud)).status_code == 200
    # JWKS endpoint slow: bounded wait, then a clear 503
    jwks.mode = "slow"
    try:
        unknown = keys.sign({"sub": "u", "exp": now + 60}, kid="rotated")
        r = node.get("/dev/me", headers=bearer(unknown))
        assert r.status_code in (401, 503), r.text
    finally:
        jwks.mode = "ok"
    assert admin(node, "PUT", "/jwks", json={"url": "ftp://x"}).status_code == 400
    assert admin(node, "DELETE", "/jwks").status_code == 200
    assert get_until(node, "/dev/me", 401, headers=bearer(good)).status_code == 401


def test_jwks_down_is_503(node: RunningNode, keys: Keys) -> None:
    srv = JwksServer()
    url = srv.url
    srv.stop()
    admin(node, "PUT", "/jwks", json={"url": url})
    try:
        token = keys.sign({"sub": "u", "exp": int(time.time()) + 60})
        r = get_until(node, "/dev/me", 503, headers=bearer(token))
        assert r.status_code == 503 and "JWKS" in r.json()["error"], r.text
    finally:
        admin(node, "DELETE", "/jwks")


def test_allowed_hosts_and_forwarded_for(node: RunningNode) -> None:
    spoofer = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=30)
    url = node.base + "/dev/me"
    assert admin(node, "PUT", "/whitelist", json={"ip": "203.0.113.0/24"}).json()[
        "allowed_hosts"] == ["203.0.113.0/24"]
    try:
        r = get_until(node, "/dev/me", 403, headers=node.auth())
        assert r.status_code == 403 and "127.0.0.1 is not in the allowed hosts" in r.json()["error"]
        # through the trusted proxy (127.0.0.1): the forwarded client counts
        r = node.get("/dev/me", headers={**node.auth(), "x-forwarded-for": "203.0.113.7"})
        assert r.status_code == 200 and r.json()["ip"] == "203.0.113.7"
        # an untrusted client (127.0.0.2) spoofing the header is seen as itself
        r = spoofer.get(url, headers={**node.auth(), "x-forwarded-for": "203.0.113.7"})
        assert r.status_code == 403 and "127.0.0.2" in r.json()["error"]
        assert admin(node, "PUT", "/whitelist", json={"ip": "nope"}).status_code == 400
    finally:
        assert admin(node, "DELETE", "/whitelist",
                     params={"ip": "203.0.113.0/24"}).json()["allowed_hosts"] == []
    assert get_until(node, "/dev/me", 200, headers=node.auth()).status_code == 200
    assert admin(node, "DELETE", "/whitelist", params={"ip": "10.0.0.1"}).status_code == 404


def test_cors(node: RunningNode) -> None:
    pre = {"origin": "https://evil.example", "access-control-request-method": "POST",
           "access-control-request-headers": "x-apikey"}
    r = httpx.options(node.base + "/dev/me", headers=pre)  # open by default, no credential
    assert r.status_code == 204 and r.headers["access-control-allow-origin"] == "*"
    r = node.get("/dev/me", headers={**node.auth(), "origin": "https://evil.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert admin(node, "PUT", "/cors", json={"origins": ["https://app.example"]}).status_code == 200
    try:
        r = get_until(node, "/dev/me", 403, headers={**node.auth(), "origin": "https://evil.example"})
        assert r.status_code == 403 and "not allowed by this space's CORS" in r.json()["error"]
        assert httpx.options(node.base + "/dev/me", headers=pre).status_code == 403
        r = httpx.options(node.base + "/dev/me", headers={**pre, "origin": "https://app.example"})
        assert r.status_code == 204
        assert r.headers["access-control-allow-origin"] == "https://app.example"
        assert r.headers["access-control-allow-headers"] == "x-apikey"
        r = node.get("/dev/me", headers={"origin": "https://app.example"})  # 401 still readable
        assert r.status_code == 401
        assert r.headers["access-control-allow-origin"] == "https://app.example"
        assert admin(node, "PUT", "/cors", json={"origins": ["app.example"]}).status_code == 400
    finally:
        admin(node, "DELETE", "/cors")


def test_rate_limit_burst(node: RunningNode) -> None:
    assert admin(node, "PUT", "/ratelimit", json={"rate": 0.01, "burst": 3}).json()[
        "rate_limit"] == {"rate": 0.01, "burst": 3}
    try:
        r = get_until(node, "/dev/public/hi", 429)
        assert r.status_code == 429, r.text
        assert int(r.headers["retry-after"]) >= 1 and "rate limit" in r.json()["error"]
        assert admin(node, "PUT", "/ratelimit", json={"rate": 0}).status_code == 400
    finally:
        admin(node, "DELETE", "/ratelimit")
    assert get_until(node, "/dev/public/hi", 200).status_code == 200


def test_header_and_url_limits(node: RunningNode) -> None:
    r = node.get("/dev/public/hi", headers={"x-big": "a" * 5000})
    assert r.status_code == 431 and "4096" in r.json()["error"]
    r = node.get("/dev/public/hi?q=" + "a" * 3000)
    assert r.status_code == 414 and "2048" in r.json()["error"]


def test_admin_api_needs_the_admin_token(node: RunningNode) -> None:
    r = httpx.put(node.admin + SPACE + "/jwks", json={"url": "https://x"})
    assert r.status_code == 401
    r = admin(node, "PUT", "/ratelimit", content=b"{bad")
    assert r.status_code == 400 and "not valid JSON" in json.loads(r.text)["error"]


def test_cli_commands(node: RunningNode, jwks: JwksServer) -> None:
    def run(*args: str) -> str:
        p = brygge(*args, "--data-dir", str(node.data_dir))
        assert p.returncode == 0, p.stdout + p.stderr
        return p.stdout

    assert "10.0.0.0/8" in run("whitelist", "10.0.0.0/8")
    assert "(any)" in run("whitelist-remove", "10.0.0.0/8")
    assert "every origin" in run("cors")
    assert "https://a.example" in run("cors", "https://a.example")
    run("cors")
    assert "5/s, burst 10" in run("ratelimit", "5", "--burst", "10")
    assert "Removed" in run("ratelimit", "0")
    assert jwks.url in run("jwks", jwks.url)
    assert "Removed" in run("jwks", "")
    p = brygge("whitelist", "not-an-ip", "--data-dir", str(node.data_dir))
    assert p.returncode != 0 and "not an IP address or CIDR" in p.stdout + p.stderr
    assert admin(node, "PUT", "/jwks").status_code == 400  # no body: refused, not cleared


def test_info_shows_admission_settings(node: RunningNode) -> None:
    p = brygge("whitelist", "192.0.2.1", "--data-dir", str(node.data_dir))
    assert p.returncode == 0, p.stderr
    try:
        out = brygge("info", "--data-dir", str(node.data_dir)).stdout
        assert "allowed hosts: 192.0.2.1/32" in out
        info = json.loads(brygge("info", "--json", "--data-dir", str(node.data_dir)).stdout)
        assert info["spaces"][0]["allowed_hosts"] == ["192.0.2.1/32"]
    finally:
        brygge("whitelist-remove", "192.0.2.1", "--data-dir", str(node.data_dir))
