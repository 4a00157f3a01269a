"""Admin API for the hosts of a space (issue 18, storage/hosts.py): its custom domains and
its alternative host, each serving the space with the whole path as the API path.

    GET    /v1/projects/{p}/spaces/{s}/domains  → [{host, kind: alt|custom, url, created}]
    POST   /v1/projects/{p}/spaces/{s}/domains  {host}  → 201 {host, kind, url}
           400 not a valid DNS name / a host of the node; 409 already in use (never says
           by whom: the owner may be another tenant)
    DELETE /v1/projects/{p}/spaces/{s}/domains/{host}  → {removed}

Changes are announced (space-changed) so every router drops its cached resolution at once.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from control_plane.api.auth import ADMIN
from control_plane.api.bodies import json_body
from control_plane.api.errors import ApiError
from control_plane.api.json_response import JSONResponse
from storage import hosts


def router(cp: Any) -> APIRouter:
    r = APIRouter(dependencies=ADMIN)
    prefix = "/v1/projects/{project}/spaces/{space}/domains"

    def row(h: dict[str, Any]) -> dict[str, Any]:
        return {"host": h["host"], "kind": h["kind"], "url": hosts.host_url(cp.s, h["host"]),
                "created": h.get("created")}

    @r.get(prefix)
    async def list_domains(project: str, space: str) -> list[dict[str, Any]]:
        sp = await cp.catalog.space(project, space)
        found = {h["host"]: h for h in await cp.catalog.hosts(project, space)}
        alt = sp.get("alt_host")
        rows = [row(found.pop(alt))] if alt in found else []  # the alternative host first
        return rows + [row(h) for _, h in sorted(found.items()) if h["kind"] == "custom"]

    @r.post(prefix)
    async def add_domain(project: str, space: str, request: Request) -> Any:
        b = await json_body(request)
        if not isinstance(b, dict):
            raise ApiError(400, 'the body must be a JSON object: {"host": "api.example.com"}')
        try:
            host = hosts.check_custom(b.get("host"), cp.s)
        except hosts.HostError as e:
            raise ApiError(400, str(e)) from None
        sp = await cp.catalog.space(project, space)
        mine = [h for h in await cp.catalog.hosts(project, space) if h["kind"] == "custom"]
        if len(mine) >= cp.s.max_domains_per_space and host not in {h["host"] for h in mine}:
            raise ApiError(400, f"space {space!r} has {len(mine)} custom domains, the most "
                                f"it may have (max_domains_per_space)")
        rec = await cp.catalog.add_host(project, space, host)
        await cp.publish_space_changed(sp["id"])  # routers drop a cached "unknown host"
        return JSONResponse(row(rec), status_code=201)

    @r.delete(prefix + "/{host}")
    async def remove_domain(project: str, space: str, host: str) -> dict[str, Any]:
        sp = await cp.catalog.space(project, space)
        await cp.catalog.remove_host(project, space, hosts.normalize(host))
        await cp.publish_space_changed(sp["id"])  # routers forget the host now
        return {"removed": hosts.normalize(host)}

    return r
