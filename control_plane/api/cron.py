"""Cron jobs and workflows of a space (control_plane/schedules.py).

    GET    /v1/projects/{p}/spaces/{s}/jobs       cron jobs: next tick, last run
    POST   /v1/projects/{p}/spaces/{s}/jobs/run   {cron}: run a cron job now -> 202
    PUT    /v1/projects/{p}/spaces/{s}/timezone   {timezone}: cron time zone (DELETE: default)
    GET    /v1/projects/{p}/spaces/{s}/workflows  workflow instances (workflowdata)
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from control_plane.api.auth import ADMIN
from control_plane.api.bodies import json_body
from control_plane.api.control import ControlPlane
from control_plane.api.errors import ApiError


def router(cp: ControlPlane) -> APIRouter:
    r = APIRouter(dependencies=ADMIN)

    @r.get("/v1/projects/{project}/spaces/{space}/jobs")
    async def jobs(project: str, space: str) -> list[dict[str, Any]]:
        return await cp.jobs(project, space)

    @r.post("/v1/projects/{project}/spaces/{space}/jobs/run", status_code=202)
    async def run_job(project: str, space: str, request: Request) -> dict[str, Any]:
        body = await json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("cron"), str):
            raise ApiError(400, 'expected a JSON body {"cron": "<the job\'s cron expression>"}')
        return await cp.run_job(project, space, body["cron"])

    async def set_timezone(project: str, space: str, tz: str | None) -> dict[str, Any]:
        sp = await cp.catalog.set_cron_timezone(project, space, tz)
        await cp.sync_schedules(sp, await cp.active_jobs(sp) if sp.get("deployment") else None)
        return {"timezone": cp.space_timezone(sp)}

    @r.put("/v1/projects/{project}/spaces/{space}/timezone")
    async def put_timezone(project: str, space: str, request: Request) -> dict[str, Any]:
        body = await json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("timezone"), str):
            raise ApiError(400, 'expected a JSON body {"timezone": "Europe/Oslo"}')
        return await set_timezone(project, space, body["timezone"])

    @r.delete("/v1/projects/{project}/spaces/{space}/timezone")
    async def delete_timezone(project: str, space: str) -> dict[str, Any]:
        return await set_timezone(project, space, None)

    @r.get("/v1/projects/{project}/spaces/{space}/workflows")
    async def workflows(project: str, space: str,
                        collection: str = "workflowdata") -> list[dict[str, Any]]:
        return await cp.workflows(project, space, collection)

    return r
