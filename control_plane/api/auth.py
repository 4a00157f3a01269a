"""The admin API's one access check, a FastAPI dependency of every route (create_app
installs it app-wide). It runs before a handler reads the request body, so a request
without a valid credential is refused before its body is read.

1. The route's permission comes from rules.py (`RULES[(method, route.path)]`); a route
   without a rule is refused (403).
2. `public` routes need nothing. Otherwise the credential is authenticated
   (control_plane/identity/principal.py): 401 without one or with a bad one.
3. `self` needs only that. `node.manage` needs the operator (signed in, not via a PAT).
   Any other permission is checked against the caller's role in the route's
   `{project}` (or `{team}`): 403 naming role and permission.

`request.state.principal` and `request.state.actor` (the audit actor) are set for the
handler."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request

from control_plane.api.errors import ApiError
from control_plane.api.rules import RULES
from control_plane.identity import roles
from control_plane.identity.principal import AuthError, Principal


async def authenticate(request: Request) -> Principal:
    try:
        p = await request.app.state.cp.identity.auth.authenticate(request.headers)
    except AuthError as e:
        raise ApiError(e.status, str(e)) from None
    request.state.principal = p
    request.state.actor = p.actor
    return p


def refusal(p: Principal, role: str | None, permission: str, where: str, name: str) -> ApiError:
    if role is None:
        if p.kind == "admintoken":
            return ApiError(403, f"this admin token is not valid for {where} {name!r}")
        if p.kind == "pat" and p.pat_project is not None:
            return ApiError(403, f"this personal access token is only valid for project "
                                 f"{p.pat_project!r}")
        return ApiError(403, f"you have no role in {where} {name!r}")
    return ApiError(403, f"role {role} in {where} {name} does not allow {permission}")


async def check(p: Principal, permission: str, params: dict[str, Any]) -> str | None:
    """Raise ApiError unless `p` has `permission` where `params` point; the role used."""
    if permission == "self":
        return None
    if permission == "node.manage":
        if p.operator and p.kind in ("user", "local"):
            return None
        raise ApiError(403, "only the node's operator may do this (node.manage)")
    if "project" in params:
        where, name = "project", str(params["project"])
        role = await p.role_in(name)
    elif "team" in params:
        where, name = "team", str(params["team"])
        role = await p.role_in_team(name)
    else:
        raise ApiError(403, f"the rule {permission} names no project or team")
    if not roles.allows(role, permission):
        raise refusal(p, role, permission, where, name)
    return role


async def authorize(request: Request) -> None:
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    permission = RULES.get((request.method, path)) if path else None
    if permission is None:
        raise ApiError(403, f"no access rule for {request.method} {path or request.url.path}")
    if permission == "public":
        return
    p = await authenticate(request)
    request.state.role = await check(p, permission, request.path_params)


ADMIN = [Depends(authorize)]  # app-wide in create_app; routers may name it too (run once)
