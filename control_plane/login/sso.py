"""Single sign-on with the operator's OpenID Connect issuer (`oidc_issuer`,
`oidc_client_id`, `oidc_client_secret`): the authorization code flow with PKCE (S256),
through authlib's OAuth 2 client; the ID token verified with joserfc (authlib's JOSE).

- discovery: `<issuer>/.well-known/openid-configuration`, whose `issuer` must be the
  configured one exactly; read once per control plane (again after a failure), the JWKS
  again when a token names a key it does not hold (the issuer rotated its keys);
- `start`: a fresh `state`, `nonce` and PKCE verifier per sign-in, kept in storage as
  `sso/<sha256 of state>` {nonce, verifier, cli, redirect_uri, expires} (any control
  plane may take the callback); the browser is sent to the issuer, and also gets the
  state in a cookie (routes.py), so a callback URL from someone else's sign-in fails
  in this browser;
- `finish`: the state is used once (`sso-used/...` claimed atomically: a replayed
  callback is refused before the code is sent anywhere); the code is exchanged with the
  verifier; the ID token must be signed by a key of the issuer's JWKS with an asymmetric
  algorithm, and carry iss = the issuer, aud ∋ our client id (azp = it when there are
  several), an unexpired exp, a sub, and the nonce of this state, which is then
  claimed too (`sso-nonce/...`): a nonce is accepted once.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import warnings
from typing import Any

import httpx
from authlib.deprecate import AuthlibDeprecationWarning  # (installs its "always" filter)
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from brygge.settings import Settings
from control_plane.identity.records import Records

with warnings.catch_warnings():  # authlib's httpx client warns that it prefers httpx2
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

ASYMMETRIC = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
                        "ES384", "ES512", "EdDSA"})
SCOPE = "openid email profile"
HTTP_TIMEOUT_S = 10.0  # one call to the issuer; a browser is waiting on it
LEEWAY_S = 60  # clock skew allowed between this node and the issuer


class SsoError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class BadSignature(SsoError):
    pass


def _h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def verify_id_token(id_token: str, keys: KeySet, issuer: str, client_id: str, nonce: str,
                    algorithms: list[str], now: float | None = None) -> dict[str, Any]:
    """The ID token's claims, or SsoError naming what is wrong with it."""
    algs = [a for a in algorithms if a in ASYMMETRIC] or ["RS256"]
    try:
        claims = dict(jwt.decode(id_token, keys, algorithms=algs).claims)
    except (JoseError, ValueError) as e:
        raise BadSignature(400, f"the ID token's signature does not verify: {e}") from None
    registry = jwt.JWTClaimsRegistry(
        now=int(time.time() if now is None else now), leeway=LEEWAY_S,
        iss={"essential": True, "value": issuer}, aud={"essential": True, "value": client_id},
        exp={"essential": True}, sub={"essential": True},
        nonce={"essential": True, "value": nonce})
    try:
        registry.validate(claims)
    except JoseError as e:
        raise SsoError(400, f"the ID token is not valid for this node: {e}") from None
    aud = claims["aud"]
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != client_id:
        raise SsoError(400, "the ID token names several audiences and this node is not its azp")
    return claims


class Sso:
    def __init__(self, s: Settings) -> None:
        self.s = s
        self.issuer = s.oidc_issuer.rstrip("/")
        self._meta: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.issuer and self.s.oidc_client_id)

    def client(self, redirect_uri: str) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.s.oidc_client_id, client_secret=self.s.oidc_client_secret or None,
            token_endpoint_auth_method="client_secret_basic" if self.s.oidc_client_secret
            else "none", scope=SCOPE, redirect_uri=redirect_uri, code_challenge_method="S256",
            timeout=HTTP_TIMEOUT_S)

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S) as c:
                r = await c.get(url)
            r.raise_for_status()
            out = r.json()
        except (httpx.HTTPError, ValueError) as e:
            raise SsoError(502, f"the identity provider did not answer {url}: {e}") from None
        if not isinstance(out, dict):
            raise SsoError(502, f"the identity provider's {url} is not a JSON object")
        return out

    async def metadata(self) -> dict[str, Any]:
        if self._meta is None:
            meta = await self._get_json(f"{self.issuer}/.well-known/openid-configuration")
            if str(meta.get("issuer", "")).rstrip("/") != self.issuer:
                raise SsoError(502, f"the identity provider calls itself {meta.get('issuer')!r}, "
                                    f"not {self.issuer!r} (oidc_issuer)")
            for k in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(meta.get(k), str):
                    raise SsoError(502, f"the identity provider's discovery names no {k}")
            self._meta = meta
        return self._meta

    async def keys(self, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            raw = await self._get_json((await self.metadata())["jwks_uri"])
            try:
                self._keys = KeySet.import_key_set(raw)  # type: ignore[arg-type]
            except (JoseError, ValueError, KeyError, TypeError) as e:
                raise SsoError(502, f"the identity provider's JWKS is not usable: {e}") from None
        return self._keys

    async def start(self, rec: Records, redirect_uri: str, cli: str | None) -> tuple[str, str]:
        """(the issuer's authorization URL to send the browser to, the state)."""
        meta = await self.metadata()
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(48)
        url, _ = self.client(redirect_uri).create_authorization_url(
            meta["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce)
        await rec.put({f"sso/{_h(state)}": {"nonce": nonce, "verifier": verifier, "cli": cli,
                                            "redirect_uri": redirect_uri,
                                            "expires": time.time() + self.s.cli_auth_ttl_s}})
        return url, state

    async def finish(self, rec: Records, claim: Any, state: str, code: str
                     ) -> tuple[dict[str, Any], str | None]:
        """(the verified ID token's claims, the coho uuid the sign-in was for or None).
        `claim(batch, absent)` is the storage engine's atomic write-if-absent."""
        key, used = f"sso/{_h(state)}", f"sso-used/{_h(state)}"
        done = SsoError(400, "this sign-in was already completed: start it again")
        if await rec.get(used) is not None:
            raise done
        st = await rec.get(key)
        if st is None or st.get("expires", 0) <= time.time():
            raise SsoError(400, "unknown or expired sign-in state: start the sign-in again")
        if not await claim({used: {"expires": st["expires"]}, key: None}, [used]):
            raise done  # another callback with this state won the race
        meta = await self.metadata()
        async with self.client(st["redirect_uri"]) as c:
            try:
                token = await c.fetch_token(meta["token_endpoint"], grant_type="authorization_code",
                                            code=code, code_verifier=st["verifier"],
                                            redirect_uri=st["redirect_uri"])
            except OAuthError as e:
                raise SsoError(400, f"the identity provider refused the code: {e.error}") from None
            except httpx.HTTPError as e:
                raise SsoError(502, f"the identity provider's token endpoint failed: {e}") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SsoError(502, "the identity provider sent no ID token")
        algs = list(meta.get("id_token_signing_alg_values_supported") or ["RS256"])
        keys = await self.keys()
        try:
            claims = verify_id_token(id_token, keys, self.issuer, self.s.oidc_client_id,
                                     st["nonce"], algs)
        except BadSignature:
            keys = await self.keys(refresh=True)  # a rotated key: once more with the new set
            claims = verify_id_token(id_token, keys, self.issuer, self.s.oidc_client_id,
                                     st["nonce"], algs)
        nkey = f"sso-nonce/{_h(st['nonce'])}"
        if not await claim({nkey: {"expires": time.time() + 2 * self.s.cli_auth_ttl_s}}, [nkey]):
            raise SsoError(400, "this ID token's nonce was used before")
        return claims, st.get("cli")
