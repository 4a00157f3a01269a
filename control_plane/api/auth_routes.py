"""Signing in to the admin API (issue 18):

    POST /v1/auth/login    {email, password, kind?: cli|web|coho}  → {access, refresh, expires, user}
    POST /v1/auth/refresh  {refresh}  → {access, refresh, expires}   (the old refresh is spent)
    POST /v1/auth/logout   (a session's access token)  → {ended}     the session is revoked
    GET  /v1/auth/me       → {actor, kind, user?, operator, team?}
    GET  /.well-known/jwks.json  → the EdDSA key that signs access tokens (public)
    POST /v1/auth/check?method=&project=&op=   the router's check before it forwards an
         `_A_D_M_` request: 204, or the refusal the request itself would get

Failed logins are throttled per email and client IP (429 with Retry-After)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from control_plane.api import auth
from control_plane.api.bodies import json_body
from control_plane.api.errors import ApiError
from control_plane.api.json_response import JSONResponse
from control_plane.api.rules import adm_rule
from control_plane.identity import passwords
from control_plane.identity.sessions import SessionError


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "-"


async def body_object(request: Request) -> dict[str, Any]:
    if int(request.headers.get("content-length") or 0) > 64 * 1024:
        raise ApiError(413, "the body is larger than 64 KB")
    b = await json_body(request)
    if not isinstance(b, dict):
        raise ApiError(400, "the body must be a JSON object")
    return b


def public_user(u: dict[str, Any]) -> dict[str, Any]:
    return {k: u.get(k) for k in ("id", "email", "name", "operator", "suspended", "created",
                                  "team")}


def router(cp: Any) -> APIRouter:
    r = APIRouter()

    @r.post("/v1/auth/login")
    async def login(request: Request) -> Any:
        ident = cp.identity
        b = await body_object(request)
        email, password = b.get("email"), b.get("password")
        if not isinstance(email, str) or not isinstance(password, str):
            raise ApiError(400, 'send {"email": "...", "password": "..."}')
        kind = b.get("kind", "cli")
        if kind not in ("cli", "web", "coho"):  # coho: `brygge coho-login`, one long token
            raise ApiError(400, "kind must be cli, web or coho")
        ip = client_ip(request)
        wait = ident.throttle.retry_after(email, ip)
        if wait > 0:
            raise ApiError(429, f"too many failed logins: try again in {int(wait) + 1} s",
                           headers={"retry-after": str(int(wait) + 1)})
        user = await ident.records.user_by_email(email)
        ok = await passwords.verify_async(user["pw"] if user else "", password)
        if not ok or user is None:
            ident.throttle.failed(email, ip)
            raise ApiError(401, "wrong email or password")
        if user.get("suspended"):
            raise ApiError(403, "this user is suspended")
        ident.throttle.succeeded(email)
        s = await ident.sessions.create(user["id"], kind)
        return {"access": s["access"], "refresh": s["refresh"], "expires": s["expires"],
                "user": public_user(user)}

    @r.post("/v1/auth/refresh")
    async def refresh(request: Request) -> Any:
        b = await body_object(request)
        try:
            s = await cp.identity.sessions.refresh(b.get("refresh"))
        except SessionError as e:
            raise ApiError(401, str(e)) from None
        user = await cp.identity.records.user(s["user"])
        if user is None or user.get("suspended"):
            await cp.identity.sessions.revoke(s["sid"])
            raise ApiError(401, "the user of this session is suspended or removed")
        return {"access": s["access"], "refresh": s["refresh"], "expires": s["expires"]}

    @r.post("/v1/auth/logout")
    async def logout(request: Request) -> Any:
        p = request.state.principal
        if p.sid is None:
            raise ApiError(400, "logout ends a session; this credential is not one")
        await cp.identity.sessions.revoke(p.sid)
        return {"ended": p.sid}

    @r.get("/v1/auth/me")
    async def me(request: Request) -> Any:
        p = request.state.principal
        out: dict[str, Any] = {"actor": p.actor, "kind": p.kind, "operator": p.operator,
                               "team": p.team}
        if p.user:
            u = await cp.identity.records.user(p.user)
            out["user"] = public_user(u) if u else None
            out["teams"] = await cp.identity.records.teams_of(p.user)
        if p.kind == "pat":
            out["pat"] = {"role": p.pat_role, "project": p.pat_project}
        return out

    @r.get("/.well-known/jwks.json")
    async def jwks() -> Any:
        return JSONResponse({"keys": [cp.identity.keys.jwk]},
                            headers={"cache-control": "public, max-age=300"})

    @r.post("/v1/auth/check")
    async def check(request: Request, method: str = "", project: str = "",
                    op: str = "") -> Response:
        p = await auth.authenticate(request)
        await auth.check(p, adm_rule(method.upper(), op), {"project": project})
        return Response(status_code=204)

    return r
