"""Who an SSO sign-in is: the node's user for a verified ID token.

1. the user linked to this identity (`user-sso/<sha256 of "<iss> <sub>">` {id}, and the
   user record's `sso_sub`) — the issuer's `sub` is stable, an email address may change;
2. else the user whose email the issuer says it verified (`email_verified: true`): the
   identity is linked to that user from now on (an operator who adds a user by email
   lets them sign in by SSO); a user already linked to another identity is refused;
3. else a new user with that email, no password (`pw: ""`: only SSO signs them in) and a
   personal team, no project: an owner invites them, or they create their own.
An unverified or missing email never matches nor creates anyone; a suspended user is
refused. The operator's issuer decides who may sign in at all (its client's access
policy): every account it vouches for gets a user here."""

from __future__ import annotations

import hashlib
from typing import Any

from control_plane.identity.records import Records
from control_plane.login.sso import SsoError
from storage.catalog import CatalogError


def _link_key(iss: str, sub: str) -> str:
    return f"user-sso/{hashlib.sha256(f'{iss} {sub}'.encode()).hexdigest()}"


async def user_for(rec: Records, claims: dict[str, Any]) -> dict[str, Any]:
    iss, sub = str(claims["iss"]), str(claims["sub"])
    ident = f"{iss} {sub}"
    link = await rec.get(_link_key(iss, sub))
    user = await rec.user(link["id"]) if link else None
    if user is None:
        email = claims.get("email")
        if not isinstance(email, str) or claims.get("email_verified") is not True:
            raise SsoError(403, "the identity provider did not vouch for an email address "
                                "(email_verified): this node cannot tell who you are")
        user = await rec.user_by_email(email)
        if user is None:
            name = claims.get("name") if isinstance(claims.get("name"), str) else ""
            try:
                user = await rec.create_user(email, str(name)[:200], "")
            except CatalogError as e:
                raise SsoError(400, str(e)) from None
        elif user.get("sso_sub") and user["sso_sub"] != ident:
            raise SsoError(403, f"the user {email} is linked to another single sign-on identity")
        user = {**user, "sso_sub": ident}
        await rec.put({f"user/{user['id']}": user, _link_key(iss, sub): {"id": user["id"]}})
    if user.get("suspended"):
        raise SsoError(403, "this user is suspended")
    return user
