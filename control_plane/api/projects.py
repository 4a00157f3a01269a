"""Admin API for a project's lifecycle (control_plane/lifecycle.py does the work):

    DELETE /v1/projects/{p}?confirm=<p>                → {deleted, spaces, blobs}
    DELETE /v1/projects/{p}/spaces/{s}?confirm=<s>     → {removed, project, id, blobs}
    POST   /v1/projects/{p}/suspend                    → {project, suspended: true}
    POST   /v1/projects/{p}/resume                     → {project, suspended: false}
(`GET /v1/projects/{p}`, the description, is in spaces.py.) A deletion needs the name
repeated as `confirm`: a request without it is refused with 400 naming it.

While a project is suspended every admin route of it answers 403 too (`refuse_suspended`,
a dependency of the whole app), except the ones that describe, delete, suspend or resume it.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request

from control_plane import lifecycle
from control_plane.api.auth import ADMIN
from control_plane.api.errors import ApiError
from storage.catalog import CatalogError

log = logging.getLogger("brygge.control")

# What a suspended project may still be asked (by route path, as FastAPI names routes).
WHILE_SUSPENDED = {
    ("GET", "/v1/projects/{project}"),
    ("DELETE", "/v1/projects/{project}"),
    ("DELETE", "/v1/projects/{project}/spaces/{space}"),
    ("POST", "/v1/projects/{project}/suspend"),
    ("POST", "/v1/projects/{project}/resume"),
}


async def refuse_suspended(request: Request) -> None:
    """403 on any route of a suspended project but the WHILE_SUSPENDED ones."""
    project = request.path_params.get("project")
    if not isinstance(project, str):
        return
    route = request.scope.get("route")
    if (request.method, getattr(route, "path", "")) in WHILE_SUSPENDED:
        return
    cat = getattr(request.app.state.cp, "catalog", None)
    rec = await cat.find_project(project) if cat is not None else None
    if rec is not None and rec.get("suspended"):
        raise ApiError(403, f"project {project} is suspended")


def _confirmed(request: Request, name: str, what: str) -> None:
    got = request.query_params.get("confirm")
    if got != name:
        raise ApiError(400, f"deleting {what} {name!r} removes all of its data for good: "
                            f"repeat its name as ?confirm={name}"
                            + ("" if got is None else f" (confirm was {got[:64]!r})"))


async def _guarded(what: str, fn: Any) -> Any:
    """A removal that failed midway (NATS or storage unreachable) is a 503 that says it
    is finished by the next call: the trash record keeps what is left to do."""
    try:
        return await fn()
    except (ApiError, CatalogError):
        raise
    except Exception as e:
        log.exception("removing %s failed midway", what)
        raise ApiError(503, f"removing {what} did not finish ({type(e).__name__}: {e}); "
                            "repeat the request to finish it") from None


def router(cp: Any) -> APIRouter:
    r = APIRouter(dependencies=ADMIN)

    @r.delete("/v1/projects/{project}")
    async def delete_project(project: str, request: Request) -> dict[str, Any]:
        _confirmed(request, project, "project")
        out = await _guarded(f"project {project!r}",
                             lambda: lifecycle.delete_project(cp, project))
        return {"deleted": project, "spaces": out["spaces"], "blobs": out["blobs"]}

    @r.delete("/v1/projects/{project}/spaces/{space}")
    async def remove_space(project: str, space: str, request: Request) -> dict[str, Any]:
        _confirmed(request, space, "space")
        out = await _guarded(f"space {space!r}",
                             lambda: lifecycle.remove_space(cp, project, space))
        return {"removed": space, "project": project, "id": out["id"], "blobs": out["blobs"]}

    @r.post("/v1/projects/{project}/suspend")
    async def suspend(project: str) -> dict[str, Any]:
        return await lifecycle.set_suspended(cp, project, True)

    @r.post("/v1/projects/{project}/resume")
    async def resume(project: str) -> dict[str, Any]:
        return await lifecycle.set_suspended(cp, project, False)

    return r
