"""Teams, their members and their admin tokens (issue 18). Teams own projects; an admin
token acts for its team (the admin role in each of the team's projects).

    GET    /v1/teams                       → the caller's teams (the operator: all)
    POST   /v1/teams {name}                → 201 a team with the caller as owner
    GET    /v1/teams/{team}/members        → [{user, email, role, added}]
    POST   /v1/teams/{team}/members {email, role}  → 201
    DELETE /v1/teams/{team}/members/{uid}  → {removed}
    GET    /v1/teams/{team}/admintokens    → [{id, token: prefix…, description, created}]
    POST   /v1/teams/{team}/admintokens {description}  → 201 {token}   (shown once)
    DELETE /v1/teams/{team}/admintokens/{prefix}  → {removed}   (whole token, id or prefix)
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from control_plane.api.auth_routes import body_object
from control_plane.api.errors import ApiError
from control_plane.api.json_response import JSONResponse
from control_plane.identity import roles, tokens
from control_plane.identity.records import Records


async def team_or_404(rec: Records, team: str) -> dict[str, Any]:
    t = await rec.team(team)
    if t is None:
        raise ApiError(404, f"no team {team!r}")
    return t


async def list_admin_tokens(rec: Records, team: str) -> list[dict[str, Any]]:
    return [{"id": v["id"], "token": v["prefix"] + "…", "description": v.get("description", ""),
             "created": v.get("created")} for _, v in await tokens.admin_tokens(rec, team)]


async def add_admin_token(rec: Records, team: str, request: Request) -> JSONResponse:
    b = await body_object(request) if await request.body() else {}
    token, v = await tokens.add_admin_token(rec, team, b.get("description") or "",
                                            request.state.principal.user or "")
    return JSONResponse({"token": token, "id": v["id"], "description": v["description"]},
                        status_code=201)


async def remove_admin_token(rec: Records, team: str, given: str) -> dict[str, Any]:
    found = tokens.match_admin_token(await tokens.admin_tokens(rec, team), given)
    if len(found) != 1:
        raise ApiError(404 if not found else 400,
                       f"no admin token {given.rstrip('…')[:12]!r} in team {team!r}" if not found
                       else f"{given!r} matches several admin tokens: give more of it")
    await tokens.remove_admin_token(rec, team, found[0][0])
    return {"removed": found[0][1]["prefix"] + "…", "id": found[0][1]["id"]}


def router(cp: Any) -> APIRouter:
    r = APIRouter()

    @r.get("/v1/teams")
    async def list_teams(request: Request) -> Any:
        p, rec = request.state.principal, cp.identity.records
        if p.operator and p.kind != "pat":
            return [v for _, v in await rec.scan("team/")]
        if p.kind == "admintoken":
            return [await team_or_404(rec, p.team)]
        return await rec.teams_of(p.user)

    @r.post("/v1/teams")
    async def create_team(request: Request) -> Any:
        p = request.state.principal
        if p.user is None:
            raise ApiError(403, "teams are created by users: sign in as one")
        b = await body_object(request)
        team = await cp.identity.records.create_team(b.get("name"), p.user)
        return JSONResponse(team, status_code=201)

    @r.get("/v1/teams/{team}/members")
    async def members(team: str) -> Any:
        rec = cp.identity.records
        await team_or_404(rec, team)
        out = []
        for m in await rec.team_members(team):
            u = await rec.user(m["user"])
            out.append({**m, "email": u["email"] if u else None})
        return out

    @r.post("/v1/teams/{team}/members")
    async def add_member(team: str, request: Request) -> Any:
        rec = cp.identity.records
        await team_or_404(rec, team)
        b = await body_object(request)
        try:
            role = roles.check_role(b.get("role"))
        except ValueError as e:
            raise ApiError(400, str(e)) from None
        if role == "owner" and request.state.role != "owner":
            raise ApiError(403, f"role {request.state.role} in team {team} cannot grant owner")
        u = await rec.user_by_email(b.get("email") or "")
        if u is None:
            raise ApiError(404, f"no user with email {b.get('email')!r}")
        await rec.set_team_member(team, u["id"], role)
        return JSONResponse({"user": u["id"], "email": u["email"], "role": role},
                            status_code=201)

    @r.delete("/v1/teams/{team}/members/{uid}")
    async def remove_member(team: str, uid: str) -> Any:
        rec = cp.identity.records
        await team_or_404(rec, team)
        if await rec.team_role(team, uid) is None:
            raise ApiError(404, f"{uid!r} is not a member of team {team!r}")
        owners = [m for m in await rec.team_members(team) if m["role"] == "owner"]
        if [m["user"] for m in owners] == [uid]:
            raise ApiError(400, "the team's last owner cannot be removed")
        await rec.set_team_member(team, uid, None)
        return {"removed": uid}

    @r.get("/v1/teams/{team}/admintokens")
    async def admin_tokens(team: str) -> Any:
        await team_or_404(cp.identity.records, team)
        return await list_admin_tokens(cp.identity.records, team)

    @r.post("/v1/teams/{team}/admintokens")
    async def new_admin_token(team: str, request: Request) -> Any:
        await team_or_404(cp.identity.records, team)
        return await add_admin_token(cp.identity.records, team, request)

    @r.delete("/v1/teams/{team}/admintokens/{prefix}")
    async def drop_admin_token(team: str, prefix: str) -> Any:
        await team_or_404(cp.identity.records, team)
        return await remove_admin_token(cp.identity.records, team, prefix)

    return r
