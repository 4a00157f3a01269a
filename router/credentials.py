"""The credential check of a request to an app (docs/SECURITY.md, request path step 4): an
internalFetch signature of the very space, a space token (x-apikey or Bearer), or a
JWT verified against the space's JWKS; otherwise the app's auth hooks decide (in the
sandbox), told why the router did not admit it."""

from __future__ import annotations

import json
from typing import Any

from brygge.settings import Settings
from router.errors import Reject
from router.jwt_auth import JwksCache, JwtError, looks_like_jwt
from router.resolve import Resolver
from sandbox import internal

CLAIMS_HEADER = "x-jwt-claims"  # verified JWT claims, JSON, as the app sees them


async def check_credential(s: Settings, resolver: Resolver, jwks: JwksCache,
                           headers: dict[str, str], space: dict[str, Any], method: str
                           ) -> tuple[bool, str]:
    """(admitted, why not). docs/SECURITY.md step 4: a valid space token admits
    the request; otherwise the app's auth hooks decide (in the sandbox)."""
    signed = headers.pop(internal.HEADER, "")  # never shown to the app
    headers.pop(CLAIMS_HEADER, None)  # only the router may assert verified claims
    if signed and internal.verify(s.internal_secret, signed, space["id"]):
        return True, ""  # app.internalFetch from this very space
    tok = headers.get("x-apikey") or headers.get("x-api-key")
    bearer = ""
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        bearer = auth[7:].strip()
    for candidate, source in ((tok, "x-apikey"), (bearer, "Authorization: Bearer")):
        if not candidate:
            continue
        rec = await resolver.token(candidate)
        if rec is not None and rec["space_id"] == space["id"]:
            # OPTIONS too is refused: an app.all() handler would run for it. CORS
            # preflights never get here (router/admit.py answers them).
            if rec["access"] != "RW" and method not in ("GET", "HEAD"):
                raise Reject(403, "this token is read-only: it allows GET and HEAD only")
            return True, ""
        if source == "x-apikey":
            return False, "wrong API token in x-apikey"
    if bearer and space.get("jwks_url") and looks_like_jwt(bearer):
        try:
            claims = await jwks.verify(bearer, space["jwks_url"],
                                       space.get("jwt_iss", ""), space.get("jwt_aud", ""))
        except JwtError as e:
            if e.status != 401:
                raise Reject(e.status, f"Unable to verify token (JWKS): {e}") from None
            return False, f"Unable to verify token (JWKS): {e}"
        # The app reads the verified claims here (set only by us: see above).
        headers[CLAIMS_HEADER] = json.dumps(claims, separators=(",", ":"))
        return True, ""
    if bearer:
        return False, "the Bearer token is not a token of this space"
    return False, "missing API token: send x-apikey or Authorization: Bearer"
