"""The official CLI's login token, wrapping a Brygge admin token.

`coho` keeps a login token in its config and, before most commands, decodes it as
a JWT to check `exp` (it never verifies it; the gateway does). Brygge admin tokens
are opaque strings, so `brygge coho-login` stores a JWT whose payload carries the
admin token and which is signed (HS256) with that same token: the bearer credential
is exactly the admin token, the signature only proves the wrapper was not altered.
"""

from __future__ import annotations

import hashlib
import time

import jwt

CLAIM = "brygge_admintoken"
TEN_YEARS_S = 10 * 365 * 24 * 3600


def _key(admin_token: str) -> bytes:
    return hashlib.sha256(admin_token.encode()).digest()  # 32 bytes whatever the token


def wrap(admin_token: str, now: float | None = None) -> str:
    now = time.time() if now is None else now
    return jwt.encode({CLAIM: admin_token, "iat": int(now), "exp": int(now) + TEN_YEARS_S},
                      _key(admin_token), algorithm="HS256")


def unwrap(bearer: str) -> str | None:
    """The admin token inside a wrapper JWT, or None when `bearer` is not one or its
    signature, algorithm or expiry is wrong."""
    if bearer.count(".") != 2:
        return None
    try:
        claims = jwt.decode(bearer, options={"verify_signature": False})
        token = claims.get(CLAIM)
        if not isinstance(token, str) or not token:
            return None
        jwt.decode(bearer, _key(token), algorithms=["HS256"])  # signature and exp
        return token
    except jwt.PyJWTError:
        return None
