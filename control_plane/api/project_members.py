"""A project's people: members, invitations, joining and leaving (issue 18; the rules
are in control_plane/membership.py, the permission of each route in rules.py).

    GET    /v1/projects/{p}/members           → [{user, email, name, role, via, added}]
           (via "member": on the member list; "team": through the owning team)
    PUT    /v1/projects/{p}/members/{uid} {role}   → {user, project, role}
    DELETE /v1/projects/{p}/members/{uid}     → {removed, project, still}
    GET    /v1/projects/{p}/invitations       → pending [{id, email, role, by_email, ...}]
    POST   /v1/projects/{p}/invitations {email, role}  → 201 the invitation
    DELETE /v1/projects/{p}/invitations/{id}  → {revoked}
    GET    /v1/invitations                    → the caller's pending invitations
    POST   /v1/invitations/{id}/accept        → {accepted, project, role}
    POST   /v1/invitations/{id}/decline       → {declined, project}
    POST   /v1/projects/{p}/join              → {joined, role}  (a member of its team)
    POST   /v1/projects/{p}/leave             → {removed, project, still}
Only an owner grants or changes the owner role; the last owner on the member list cannot
leave, be removed or be demoted (409).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from control_plane import membership as m
from control_plane.api.auth_routes import body_object
from control_plane.api.json_response import JSONResponse

P = "/v1/projects/{project}"


def router(cp: Any) -> APIRouter:
    r = APIRouter()

    def rec() -> Any:
        return cp.identity.records

    @r.get(P + "/members")
    async def members(project: str) -> Any:
        return await m.members(rec(), project)

    @r.put(P + "/members/{uid}")
    async def set_role(project: str, uid: str, request: Request) -> Any:
        b = await body_object(request)
        return await m.set_role(rec(), project, uid, b.get("role"), request.state.role,
                                request.state.principal.actor)

    @r.delete(P + "/members/{uid}")
    async def remove(project: str, uid: str, request: Request) -> Any:
        return await m.remove_member(rec(), project, uid, request.state.role,
                                     by_self=uid == request.state.principal.user)

    @r.get(P + "/invitations")
    async def project_invitations(project: str) -> Any:
        return await m.project_invitations(rec(), project)

    @r.post(P + "/invitations")
    async def invite(project: str, request: Request) -> Any:
        b = await body_object(request)
        inv = await m.invite(rec(), request.state.principal, project, b.get("email"),
                             b.get("role") or "developer", request.state.role)
        return JSONResponse(inv, status_code=201)

    @r.delete(P + "/invitations/{id}")
    async def revoke(project: str, id: str) -> Any:
        return await m.revoke(rec(), project, id)

    @r.get("/v1/invitations")
    async def mine(request: Request) -> Any:
        return await m.my_invitations(rec(), request.state.principal)

    @r.post("/v1/invitations/{id}/accept")
    async def accept(id: str, request: Request) -> Any:
        out = await m.accept(rec(), request.state.principal, id)
        request.state.audit_project = out["project"]
        return out

    @r.post("/v1/invitations/{id}/decline")
    async def decline(id: str, request: Request) -> Any:
        out = await m.decline(rec(), request.state.principal, id)
        request.state.audit_project = out["project"]
        return out

    @r.post(P + "/join")
    async def join(project: str, request: Request) -> Any:
        return await m.join(rec(), request.state.principal, project)

    @r.post(P + "/leave")
    async def leave(project: str, request: Request) -> Any:
        return await m.leave(rec(), request.state.principal, project)

    return r
