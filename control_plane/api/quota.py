"""Project quotas (issue 18; rules in storage/quota.py): what a project uses against its
limits, its plan and overrides, and the node's plans.

    GET /v1/projects/{p}/quota   {project, plan, limits: {quota: n}, usage: {quota: n|null}}
    PUT /v1/projects/{p}/quota   {plan?: name | "" (the default plan), limits?: {quota: n|null}}
                                 -> the same as GET; null drops an override, 0 = unlimited
    GET /v1/plans                {default, plans: {name: {quota: n}}}

Usage: bytes, today's invocation seconds and deployments as storage counts them
(`quota.get`), queued jobs from JetStream; requests per minute and open streams are
counted by each router in memory (router/quota.py) and show as null here.

Who may (control_plane/api/rules.py): GET quota `project.read` in the project; GET plans
anyone signed in; PUT the operator only (`node.manage`), so no tenant raises its own
limits. A change reaches storage at once (its quota cache follows the project record) and
routers through the space-changed event.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from control_plane.api.errors import ApiError
from control_plane.api.json_response import JSONResponse
from storage import quota
from storage.enqueue import queued_jobs


async def status(cp: Any, project: str) -> dict[str, Any]:
    st = await cp.catalog.quota_of(project)
    usage = st["usage"]
    jobs = None
    if cp.js is not None:
        try:
            jobs = await queued_jobs(cp.js, st["spaces"])
        except Exception:  # NATS restarting: unknown for now
            jobs = None
    return {"project": project, "plan": st["plan"], "limits": st["limits"],
            "usage": {"data_bytes": usage["data_bytes"], "file_bytes": usage["file_bytes"],
                      "deployments_kept": usage.get("deployments_kept"),
                      "requests_per_minute": None,
                      "cpu_seconds_per_day": usage["cpu_seconds_per_day"],
                      "jobs_queued": jobs, "realtime_streams": None},
            "day": usage.get("day")}


def router(cp: Any) -> APIRouter:
    r = APIRouter()
    plans = quota.parse_plans(cp.s.plans)

    @r.get("/v1/projects/{project}/quota")
    async def get_quota(project: str) -> JSONResponse:
        return JSONResponse(await status(cp, project))

    @r.put("/v1/projects/{project}/quota")
    async def put_quota(project: str, request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not set(body) <= {"plan", "limits"} or not body:
            raise ApiError(400, 'expected {"plan": "<name>", "limits": {"<quota>": n}} '
                                f"(quotas: {', '.join(quota.QUOTAS)})")
        plan = body.get("plan")
        if plan is not None and (not isinstance(plan, str) or (plan and plan not in plans)):
            raise ApiError(400, f"unknown plan {plan!r} (plans: {', '.join(plans)})")
        limits = body.get("limits") or {}
        try:
            if not isinstance(limits, dict):
                raise quota.QuotaError("limits must be an object of quota -> limit")
            quota.check_limits({k: v for k, v in limits.items() if v is not None}, "limits")
            unknown = set(limits) - set(quota.QUOTAS)
            if unknown:
                raise quota.QuotaError(f"limits: unknown quota {sorted(unknown)[0]!r}")
        except quota.QuotaError as e:
            raise ApiError(400, str(e)) from None
        await cp.catalog.set_plan(project, plan, limits)
        for sp in await cp.catalog.spaces(project):  # routers reload the limits at once
            await cp.publish_space_changed(sp["id"])
        return JSONResponse(await status(cp, project))

    @r.get("/v1/plans")
    async def get_plans() -> JSONResponse:
        return JSONResponse({"default": cp.s.default_plan, "plans": plans})

    return r
