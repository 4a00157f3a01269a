"""Quotas of a project (issue 18): named plans of limits, a project's plan and overrides,
and the limits that follow. Pure: the storage engine (storage/quota_store.py), routers
(router/quota.py), executors (sandbox/job_quota.py) and the control plane read the same
rules here.

A plan is a set of limits, `quota name -> int`; 0 or absent means unlimited. The plans are
the node's `plans` setting (JSON text, brygge/settings.py) and a project without a `plan`
in its record (`project/<name>`: `{..., plan, quota: {overrides}}`) is on `default_plan`.
An override in `quota` replaces the plan's value of that quota (0 = unlimited).
"""

from __future__ import annotations

import json
from typing import Any

from storage.errors import RATE_QUOTAS, QuotaExceeded

# name -> what is limited (docs, `brygge quota`, the refusal's text)
QUOTAS: dict[str, str] = {
    "data_bytes": "bytes of stored documents and key-value entries",
    "file_bytes": "bytes of stored files",
    "deployments_kept": "deployments kept, over all spaces",
    "requests_per_minute": "API requests per minute",
    "cpu_seconds_per_day": "invocation seconds per UTC day",
    "jobs_queued": "jobs queued and not yet done",
    "realtime_streams": "open realtime event streams",
}
MAX_LIMIT = 2**53 - 1


class QuotaError(ValueError):
    """Plans or overrides that cannot be used (a setting, or a PUT of the admin API)."""


def check_limits(limits: Any, what: str) -> dict[str, int]:
    """{quota: non-negative int} with known quota names; raises QuotaError naming the
    problem."""
    if not isinstance(limits, dict):
        raise QuotaError(f"{what} must be a JSON object of quota -> limit")
    out = {}
    for k, v in limits.items():
        if k not in QUOTAS:
            raise QuotaError(f"{what}: unknown quota {k!r} (known: {', '.join(QUOTAS)})")
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_LIMIT:
            raise QuotaError(f"{what}: {k} must be an integer from 0 (unlimited) to "
                             f"{MAX_LIMIT}, not {v!r}")
        out[k] = v
    return out


def parse_plans(text: str) -> dict[str, dict[str, int]]:
    """The `plans` setting: JSON `{plan name: {quota: limit}}`."""
    try:
        raw = json.loads(text)
    except ValueError as e:
        raise QuotaError(f"plans is not JSON: {e}") from None
    if not isinstance(raw, dict) or not raw:
        raise QuotaError("plans must be a JSON object of at least one plan name -> limits")
    return {str(name): check_limits(limits, f"plan {name!r}") for name, limits in raw.items()}


def limits_of(plans: dict[str, dict[str, int]], default_plan: str,
              project: dict[str, Any] | None) -> tuple[str, dict[str, int]]:
    """(plan name, every quota's limit) of a project record (None: no project, no limit)."""
    if project is None:
        return "", dict.fromkeys(QUOTAS, 0)
    plan = project.get("plan") or default_plan
    base = plans.get(plan, plans.get(default_plan, {}))
    over = project.get("quota") or {}
    return plan, {q: int(over[q]) if isinstance(over.get(q), int) else int(base.get(q, 0))
                  for q in QUOTAS}


def exceeded(quota: str, used: float, limit: int, project: str, extra: str = "") -> QuotaExceeded:
    """The refusal of `quota` (its HTTP status follows from the name: errors.RATE_QUOTAS)."""
    verb = "is at" if quota in RATE_QUOTAS else "would exceed"
    return QuotaExceeded(f"project {project!r} {verb} its {quota} quota: {QUOTAS[quota]}, "
                         f"{int(used)} used of {limit}{extra}", quota, int(used), limit)
