"""Users (the operator's) and personal access tokens (one's own), issue 18:

    GET    /v1/users                  → [user]                                 node.manage
    POST   /v1/users {email, name?, password, operator?}  → 201 user           node.manage
    DELETE /v1/users/{uid}            → {removed}                              node.manage
    POST   /v1/users/{uid}/suspend | resume  → user                            node.manage
    GET    /v1/pats                   → [{id, role, project, expires, description, created}]
    POST   /v1/pats {role, project?, expires?: "30d", description?}  → 201 {token, ...}
    DELETE /v1/pats/{pat_id}          → {removed}

Removing or suspending a user ends their sessions and revokes their PATs and the admin
tokens they created, at once (each request checks the records)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from control_plane.api.auth_routes import body_object, public_user
from control_plane.api.errors import ApiError
from control_plane.api.json_response import JSONResponse
from control_plane.identity import passwords, roles, tokens
from control_plane.identity.records import check_id
from storage.catalog import NAME_RE, CatalogError


def router(cp: Any) -> APIRouter:
    r = APIRouter()

    async def user_or_404(uid: str) -> dict[str, Any]:
        u = await cp.identity.records.user(check_id("user", uid))
        if u is None:
            raise ApiError(404, f"no user {uid!r}")
        return u

    async def cut_off(uid: str) -> None:
        await cp.identity.sessions.revoke_user(uid)
        await tokens.revoke_all_of(cp.identity.records, uid)

    @r.get("/v1/users")
    async def list_users() -> Any:
        return [public_user(u) for u in sorted(await cp.identity.records.users(),
                                                key=lambda u: u["created"])]

    @r.post("/v1/users")
    async def add_user(request: Request) -> Any:
        b = await body_object(request)
        name = b.get("name") or ""
        if not isinstance(name, str):
            raise ApiError(400, "name must be a string")
        try:
            pw = await passwords.hash_async(b.get("password"))  # type: ignore[arg-type]
        except passwords.PasswordError as e:
            raise ApiError(400, str(e)) from None
        u = await cp.identity.records.create_user(b.get("email"), name, pw,
                                                  operator=bool(b.get("operator")))
        return JSONResponse(public_user(u), status_code=201)

    @r.delete("/v1/users/{uid}")
    async def remove_user(uid: str, request: Request) -> Any:
        u = await user_or_404(uid)
        if u["id"] == request.state.principal.user:
            raise ApiError(400, "you cannot remove yourself")
        await cut_off(uid)
        await cp.identity.records.remove_user(uid)
        return {"removed": uid, "email": u["email"]}

    async def set_suspended(uid: str, request: Request, suspended: bool) -> Any:
        u = await user_or_404(uid)
        if suspended and u["id"] == request.state.principal.user:
            raise ApiError(400, "you cannot suspend yourself")
        u = {**u, "suspended": suspended}
        await cp.identity.records.update_user(u)
        if suspended:
            await cut_off(uid)
        return public_user(u)

    @r.post("/v1/users/{uid}/suspend")
    async def suspend(uid: str, request: Request) -> Any:
        return await set_suspended(uid, request, True)

    @r.post("/v1/users/{uid}/resume")
    async def resume(uid: str, request: Request) -> Any:
        return await set_suspended(uid, request, False)

    # -- personal access tokens ------------------------------------------------------------
    def own_user(request: Request) -> str:
        p = request.state.principal
        if p.user is None:
            raise ApiError(403, "personal access tokens belong to users: sign in as one")
        if p.kind == "pat":
            raise ApiError(403, "a personal access token cannot manage personal access tokens")
        return str(p.user)

    def shown(v: dict[str, Any]) -> dict[str, Any]:
        return {k: v.get(k) for k in ("id", "role", "project", "expires", "description",
                                      "created")}

    @r.get("/v1/pats")
    async def list_pats(request: Request) -> Any:
        return [shown(v) for _, v in await tokens.pats(cp.identity.records, own_user(request))]

    @r.post("/v1/pats")
    async def create_pat(request: Request) -> Any:
        uid = own_user(request)
        b = await body_object(request)
        role, project = b.get("role"), b.get("project")
        try:
            roles.check_role(role)
        except ValueError as e:
            raise ApiError(400, str(e)) from None
        if project is not None and (not isinstance(project, str) or not NAME_RE.match(project)):
            raise ApiError(400, "project must be a project name or null")
        expires = b.get("expires") or "never"
        if not isinstance(expires, str):
            raise CatalogError("expires must look like 30d, 12h or 90m (or never)")
        token, v = await tokens.create_pat(cp.identity.records, uid, str(role), project,
                                           tokens.parse_expiry(expires),
                                           b.get("description") or "")
        return JSONResponse({"token": token, **shown(v)}, status_code=201)

    @r.delete("/v1/pats/{pat_id}")
    async def revoke_pat(pat_id: str, request: Request) -> Any:
        v = await tokens.revoke_pat(cp.identity.records, own_user(request), pat_id)
        return {"removed": v["id"]}

    return r
