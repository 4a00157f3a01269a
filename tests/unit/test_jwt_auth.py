"""JWT verification against a real local JWKS HTTP server (router/jwt_auth.py)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from router.jwt_auth import JwksCache, JwtError
from tests.support.jwks import JwksServer, Keys


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**kw: Any) -> dict[str, Any]:
    return {"sub": "user-1", "exp": int(time.time()) + 300, **kw}


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


@pytest.fixture
def server(keys: Keys) -> Iterator[JwksServer]:
    srv = JwksServer()
    srv.keys = keys.jwks()
    yield srv
    srv.stop()


def verify(cache: JwksCache, token: str, url: str, **kw: Any) -> dict[str, Any]:
    return asyncio.run(cache.verify(token, url, **kw))


def reason(cache: JwksCache, token: str, url: str, **kw: Any) -> JwtError:
    with pytest.raises(JwtError) as e:
        verify(cache, token, url, **kw)
    return e.value


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_valid_tokens_give_their_claims(keys: Keys, server: JwksServer, alg: str) -> None:
    got = verify(JwksCache(), keys.sign(claims(role="admin"), alg), server.url)
    assert got["sub"] == "user-1" and got["role"] == "admin"


def test_keys_are_cached(keys: Keys, server: JwksServer) -> None:
    cache = JwksCache()

    async def run() -> None:
        for _ in range(5):
            await cache.verify(keys.sign(claims()), server.url)

    asyncio.run(run())
    assert server.hits == 1


def test_wrong_kid(keys: Keys, server: JwksServer) -> None:
    e = reason(JwksCache(), keys.sign(claims(), kid="nope"), server.url)
    assert e.status == 401 and "kid 'nope' is not in the space's JWKS" in str(e)


def test_alg_none_refused(keys: Keys, server: JwksServer) -> None:
    token = jwt.encode(claims(), None, algorithm="none", headers={"kid": "rsa1"})
    e = reason(JwksCache(), token, server.url)
    assert e.status == 401 and "alg 'none' is not accepted" in str(e)
    assert server.hits == 0  # refused before any key lookup


@pytest.mark.parametrize("header", [
    {"alg": ["RS256"]}, {"alg": {"RS256": 1}}, {"alg": 256}, {"alg": None},
    {"alg": "RS256", "typ": ["JWT"]}, {"alg": "RS256", "cty": {}},
    {"alg": "RS256", "kid": ["rsa1"]}, {"alg": "RS256", "kid": {"a": 1}},
])
def test_header_fields_of_the_wrong_type_are_401(keys: Keys, server: JwksServer,
                                                 header: dict[str, Any]) -> None:
    # issue 15 #13: a list/object `alg` reached a dict lookup (TypeError, a 500)
    token = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims()).encode())}.c2ln"
    e = reason(JwksCache(), token, server.url)
    assert e.status == 401
    assert server.hits == 0  # refused before any key lookup


def test_hs256_signed_with_the_public_key_refused(keys: Keys, server: JwksServer) -> None:
    pem = keys.rsa.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": keys.kids["RS256"]}).encode())
    body = b64(json.dumps(claims()).encode())
    sig = b64(hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest())
    e = reason(JwksCache(), f"{head}.{body}.{sig}", server.url)
    assert "alg 'HS256' is not accepted" in str(e)


def test_alg_must_match_the_key_type(keys: Keys, server: JwksServer) -> None:
    # An ES256 token naming the RSA key's kid: refused before any signature check.
    e = reason(JwksCache(), keys.sign(claims(), "ES256", kid=keys.kids["RS256"]), server.url)
    assert "does not match the JWKS key" in str(e)


def test_expired_and_not_yet_valid(keys: Keys, server: JwksServer) -> None:
    cache = JwksCache(leeway_s=30)
    now = int(time.time())
    assert "expired" in str(reason(cache, keys.sign(claims(exp=now - 120)), server.url))
    assert "not valid yet" in str(reason(cache, keys.sign(claims(nbf=now + 120)), server.url))
    # within the leeway both pass
    verify(cache, keys.sign(claims(exp=now - 5, nbf=now + 5)), server.url)
    missing = keys.sign({"sub": "x"})
    assert "lacks the 'exp' claim" in str(reason(cache, missing, server.url))


def test_signed_by_a_key_not_in_the_jwks(keys: Keys, server: JwksServer) -> None:
    other = Keys()  # same kids, different keys
    for alg in ("RS256", "ES256", "EdDSA"):
        e = reason(JwksCache(), other.sign(claims(), alg), server.url)
        assert "signature does not verify" in str(e)


def test_issuer_and_audience(keys: Keys, server: JwksServer) -> None:
    cache = JwksCache()
    good = keys.sign(claims(iss="https://auth.example", aud="api"))
    assert verify(cache, good, server.url, iss="https://auth.example", aud="api")["aud"] == "api"
    assert "iss" in str(reason(cache, good, server.url, iss="https://evil.example"))
    assert "aud" in str(reason(cache, good, server.url, aud="other"))


def test_malformed_token(server: JwksServer) -> None:
    assert "well-formed" in str(reason(JwksCache(), "a.b.c", server.url))


def test_rotation_refetches_unknown_kid_at_most_once_per_period(server: JwksServer) -> None:
    old, new = Keys("old-"), Keys("new-")
    server.keys = old.jwks()
    cache = JwksCache(refetch_s=0)
    verify(cache, old.sign(claims()), server.url)
    server.keys = old.jwks() + new.jwks()  # the provider rotates in a new key
    verify(cache, new.sign(claims(), "ES256"), server.url)
    assert server.hits == 2
    # forged kids within the refetch period cost no request to the provider
    cache.refetch_s = 3600
    for i in range(5):
        e = reason(cache, new.sign(claims(), kid=f"forged-{i}"), server.url)
        assert e.status == 401
    assert server.hits == 2


def test_jwks_down_is_503(keys: Keys) -> None:
    srv = JwksServer()
    url = srv.url
    srv.stop()  # nothing listens there now
    e = reason(JwksCache(timeout_s=1), keys.sign(claims()), url)
    assert e.status == 503 and "did not answer" in str(e)


def test_jwks_slow_is_503_after_the_timeout(keys: Keys, server: JwksServer) -> None:
    server.mode = "slow"
    e = reason(JwksCache(timeout_s=0.3), keys.sign(claims()), server.url)
    assert e.status == 503 and "did not answer within 0.3 s" in str(e)


def test_jwks_error_status_is_503_and_stale_keys_survive(keys: Keys, server: JwksServer) -> None:
    cache = JwksCache(cache_s=1, refetch_s=0)
    server.mode = "500"
    e = reason(cache, keys.sign(claims()), server.url)
    assert e.status == 503 and "HTTP 500" in str(e)
    server.mode = "ok"
    verify(cache, keys.sign(claims()), server.url)
    server.mode = "500"
    cache.cache_s = 0  # expired: the refetch fails, the known key still verifies
    verify(cache, keys.sign(claims()), server.url)
