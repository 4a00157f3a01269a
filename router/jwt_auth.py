"""JWT Bearer credentials verified against a space's JWKS URL (spec §1.3).

Only asymmetric algorithms are accepted, and the key's type must match the
token's `alg`: this refuses `alg: none` and the HS/RS confusion attack (an
HS256 token "signed" with the RSA public key). Key sets are cached per URL for
`jwks_cache_s`; a token naming an unknown `kid` triggers a refetch (key
rotation), at most once per `jwks_refetch_s` so forged kids cannot make us
hammer the provider. A JWKS endpoint that is down or slow costs at most
`jwks_timeout_s` and then the request fails with 503 (stale keys are used when
the refetch fails, so a provider outage does not lock out known keys).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import jwt
from jwt import PyJWK

# alg -> the JWK key type that may verify it
ALGS = {"RS256": "RSA", "RS384": "RSA", "RS512": "RSA", "PS256": "RSA",
        "ES256": "EC", "ES384": "EC", "EdDSA": "OKP"}
MAX_JWKS_BYTES = 256 * 1024


class JwtError(Exception):
    """A credential that fails a check: `status` is 401, or 503 for a JWKS outage."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and len(token) < 16 * 1024


class _KeySet:
    def __init__(self) -> None:
        self.keys: dict[str, PyJWK] = {}
        self.fetched: float | None = None  # monotonic time of the last successful fetch
        self.attempted = -1e18   # monotonic time of the last fetch attempt
        self.lock = asyncio.Lock()


class JwksCache:
    def __init__(self, timeout_s: float = 3.0, cache_s: float = 600.0, refetch_s: float = 30.0,
                 leeway_s: float = 30.0, client: httpx.AsyncClient | None = None) -> None:
        self.timeout_s = timeout_s
        self.cache_s = cache_s
        self.refetch_s = refetch_s
        self.leeway_s = leeway_s
        self.client = client
        self.sets: dict[str, _KeySet] = {}
        self.fetches = 0  # for tests: how many times a JWKS was requested

    async def _fetch(self, url: str) -> dict[str, PyJWK]:
        self.fetches += 1
        client = self.client or httpx.AsyncClient()
        try:
            resp = await asyncio.wait_for(
                client.get(url, timeout=self.timeout_s, follow_redirects=False), self.timeout_s)
        except (TimeoutError, httpx.HTTPError) as e:
            raise JwtError(f"the space's JWKS endpoint did not answer within "
                           f"{self.timeout_s:g} s ({type(e).__name__}); try again", 503) from None
        finally:
            if self.client is None:
                await client.aclose()
        if resp.status_code != 200:
            raise JwtError(f"the space's JWKS endpoint answered HTTP {resp.status_code}", 503)
        if len(resp.content) > MAX_JWKS_BYTES:
            raise JwtError("the space's JWKS document is too large", 503)
        try:
            doc = json.loads(resp.content)
            raw_keys = doc["keys"]
            assert isinstance(raw_keys, list)
        except (ValueError, KeyError, TypeError, AssertionError):
            raise JwtError("the space's JWKS endpoint did not return a JSON key set "
                           "({\"keys\": [...]})", 503) from None
        keys: dict[str, PyJWK] = {}
        for i, k in enumerate(raw_keys):
            if not isinstance(k, dict) or k.get("use", "sig") != "sig":
                continue
            try:
                keys[str(k.get("kid", f"#{i}"))] = PyJWK(k)
            except (jwt.PyJWTError, ValueError, TypeError):
                continue  # a key type or curve we do not support: skip, keep the others
        return keys

    async def key(self, url: str, kid: str | None) -> PyJWK:
        ks = self.sets.setdefault(url, _KeySet())
        async with ks.lock:  # one fetch per URL at a time; waiters then see its result
            now = time.monotonic()
            fresh = ks.fetched is not None and now - ks.fetched < self.cache_s
            known = (kid in ks.keys) if kid is not None else len(ks.keys) == 1
            if not (fresh and known):
                if now - ks.attempted >= self.refetch_s:
                    ks.attempted = now
                    try:
                        ks.keys = await self._fetch(url)
                        ks.fetched = time.monotonic()
                    except JwtError:
                        if not ks.keys:
                            raise
                elif ks.fetched is None:
                    raise JwtError("the space's JWKS endpoint failed moments ago; try again "
                                   "later", 503)
        if kid is None:
            if len(ks.keys) != 1:
                raise JwtError("JWT has no kid header and the space's JWKS holds "
                               f"{len(ks.keys)} keys")
            return next(iter(ks.keys.values()))
        if kid not in ks.keys:
            raise JwtError(f"JWT kid {kid[:64]!r} is not in the space's JWKS")
        return ks.keys[kid]

    async def verify(self, token: str, url: str, iss: str = "", aud: str = "") -> dict[str, Any]:
        """The verified claims of `token`, or JwtError naming the failed check."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise JwtError("Bearer token is not a well-formed JWT") from None
        # Header fields are untrusted JSON of any type: a list `alg` once reached a dict
        # lookup (TypeError, 500). Each field the checks read must be a string.
        for field in ("alg", "kid", "typ", "cty"):
            if field in header and not isinstance(header[field], str):
                raise JwtError(f"JWT {field} header must be a string")
        alg = header.get("alg")
        if alg not in ALGS:
            raise JwtError(f"JWT alg {str(alg)[:16]!r} is not accepted "
                           f"(use one of {', '.join(ALGS)})")
        kid = header.get("kid")
        jwk = await self.key(url, kid)
        key_alg = jwk._jwk_data.get("alg", alg)  # a JWK may pin its algorithm
        if jwk.key_type != ALGS[alg] or key_alg != alg:
            raise JwtError(f"JWT alg {alg} does not match the JWKS key of kid {kid!r} "
                           f"({jwk.key_type}, {key_alg})")
        try:
            return jwt.decode(token, jwk.key, algorithms=[alg], leeway=self.leeway_s,
                              audience=aud or None, issuer=iss or None,
                              options={"require": ["exp"], "verify_aud": bool(aud)})
        except jwt.ExpiredSignatureError:
            raise JwtError("JWT has expired (exp)") from None
        except jwt.ImmatureSignatureError:
            raise JwtError("JWT is not valid yet (nbf/iat in the future)") from None
        except jwt.InvalidSignatureError:
            raise JwtError("JWT signature does not verify with the space's JWKS key") from None
        except jwt.InvalidAudienceError:
            raise JwtError("JWT aud does not name this space's audience") from None
        except jwt.InvalidIssuerError:
            raise JwtError("JWT iss is not this space's issuer") from None
        except jwt.MissingRequiredClaimError as e:
            raise JwtError(f"JWT lacks the {e.claim!r} claim") from None
        except jwt.PyJWTError as e:
            raise JwtError(f"JWT rejected: {type(e).__name__}") from None
