"""Reading the audit log (control_plane/audit/): `brygge audit`.

    GET /v1/projects/{p}/audit?since=&limit=&actor=&action=   the project's entries
    GET /v1/audit?since=&limit=&actor=&action=                every entry of the node

Newest first. `since`: an ISO 8601 time or an age (90s, 15m, 1h, 7d); `limit`: 1-1000
(default 100); `actor`, `action`: exact, or a prefix ending in `*` (`token.*`). A
project's log needs `audit.read` there (admins, owners); the node-wide log the operator
(`node.manage`): control_plane/api/rules.py.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import APIRouter

from control_plane.api.control import ControlPlane
from control_plane.api.errors import ApiError
from control_plane.audit import records
from control_plane.audit.log import MAX_LIMIT

log = logging.getLogger("brygge.audit")


def _filters(since: str | None, limit: str | None, actor: str | None, action: str | None
             ) -> dict[str, Any]:
    out: dict[str, Any] = {"actor": actor or None, "action": action or None}
    for name in ("actor", "action"):
        if out[name] is not None and len(out[name]) > 200:
            raise ApiError(400, f"{name} must be at most 200 characters")
    try:
        out["since_ns"] = records.parse_since(since, time.time_ns()) if since else None
    except ValueError as e:
        raise ApiError(400, str(e)) from None
    if limit is None or limit == "":
        out["limit"] = 100
    elif not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
        raise ApiError(400, f"limit must be a whole number from 1 to {MAX_LIMIT}")
    else:
        out["limit"] = int(limit)
    return out


def router(cp: ControlPlane) -> APIRouter:
    r = APIRouter()

    async def read(scope: str, f: dict[str, Any]) -> list[dict[str, Any]]:
        try:  # what this control plane recorded until now is in the answer
            await cp.audit.flush()
        except Exception as e:
            log.warning("audit log: entries not stored yet: %s", e)
        return await cp.audit.query(scope, **f)

    @r.get("/v1/projects/{project}/audit")
    async def project_audit(project: str, since: str | None = None, limit: str | None = None,
                            actor: str | None = None, action: str | None = None
                            ) -> list[dict[str, Any]]:
        await cp.catalog.project(project)
        return await read(project, _filters(since, limit, actor, action))

    @r.get("/v1/audit")
    async def node_audit(since: str | None = None, limit: str | None = None,
                         actor: str | None = None, action: str | None = None
                         ) -> list[dict[str, Any]]:
        return await read(records.NODE, _filters(since, limit, actor, action))

    return r
