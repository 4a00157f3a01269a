"""A router's share of project quotas (storage/quota.py): requests per minute, invocation
seconds per UTC day, open realtime streams. Counted in memory on the request path (dict
updates, no I/O); a project's limits and today's stored seconds come from storage
(`quota.get`, the engine's view of the catalog) and are reused for `quota_refresh_s`, or
until a space-changed event clears them (`brygge quota set` publishes one per space).

Several routers of a node split the per-minute and stream limits: each admits
ceil(limit / routers), so together they never admit more than the limit (the kernel
spreads connections over them; a project whose few connections land on one router may
be refused somewhat before the node-wide figure). Invocation seconds are shared through
storage: every router adds what it metered (router/meter.py, `space.meter`) and learns
the project's day total in the answer, so the stored figure is at most one flush
interval (`meter_flush_s`) of the other routers' invocations behind.

A refusal is `Reject(429, {error, quota, used, limit})` with `Retry-After`; an
over-quota project is refused here before any executor or storage work, so it costs its
neighbours one dict lookup per request.
"""

from __future__ import annotations

import math
import time
from typing import Any

from router.errors import Reject
from storage import quota
from storage.quota_store import today


class RouterQuotas:
    def __init__(self, storage: Any, routers: int, refresh_s: float) -> None:
        self.storage = storage
        self.routers = max(1, routers)
        self.refresh_s = refresh_s
        self._limits: dict[str, tuple[float, dict[str, int]]] = {}  # project -> (at, limits)
        self._minute: dict[str, tuple[int, int]] = {}  # project -> (minute, requests)
        self._day_s: dict[str, tuple[str, float]] = {}  # project -> (day, stored seconds)
        self._pending_s: dict[str, float] = {}  # metered here, not yet in the stored figure
        self.streams: dict[str, int] = {}

    def clear(self) -> None:
        self._limits.clear()

    async def limits(self, project: str) -> dict[str, int]:
        got = self._limits.get(project)
        now = time.monotonic()
        if got is not None and now - got[0] < self.refresh_s:
            return got[1]
        st = await self.storage.call("", "quota.get", {"project": project})
        limits = st.get("limits") or {}
        self._limits[project] = (now, limits)
        usage = st.get("usage") or {}
        if usage.get("day"):
            self._day_s[project] = (usage["day"], float(usage.get("cpu_seconds_per_day", 0)))
        return limits

    def _share(self, limit: int) -> int:
        return math.ceil(limit / self.routers)

    def _refuse(self, q: str, used: float, limit: int, project: str, retry_s: int) -> Reject:
        e = quota.exceeded(q, used, limit, project,
                           f" (this router's share over {self.routers} routers)"
                           if self.routers > 1 else "")
        return Reject(429, e.error, [(b"retry-after", str(max(1, retry_s)).encode())],
                      {"quota": e.quota, "used": e.used, "limit": e.limit})

    def admit(self, project: str, limits: dict[str, int]) -> None:
        """A request of the project: refused when its minute's requests or today's
        invocation seconds are used up."""
        rpm = limits.get("requests_per_minute") or 0
        if rpm:
            now = time.time()
            minute = int(now // 60)
            m, n = self._minute.get(project, (minute, 0))
            n = n if m == minute else 0
            share = self._share(rpm)
            if n >= share:
                raise self._refuse("requests_per_minute", n, share, project,
                                   math.ceil(60 - now % 60))
            self._minute[project] = (minute, n + 1)
        cpu = limits.get("cpu_seconds_per_day") or 0
        if cpu:
            used = self.day_seconds(project)
            if used >= cpu:
                now = time.time()
                raise self._refuse("cpu_seconds_per_day", used, cpu, project,
                                   math.ceil(86400 - now % 86400))

    # -- invocation seconds ----------------------------------------------------------------
    def day_seconds(self, project: str) -> float:
        day, stored = self._day_s.get(project, ("", 0.0))
        return (stored if day == today() else 0.0) + self._pending_s.get(project, 0.0)

    def charge(self, project: str, ms: float) -> None:
        self._pending_s[project] = self._pending_s.get(project, 0.0) + ms / 1000

    def flushing(self) -> None:
        """The meter is storing what was counted: the answers (stored()) include it."""
        self._pending_s.clear()

    def stored(self, reply: dict[str, Any]) -> None:
        """A `space.meter` answer: the project's seconds today, as storage has them."""
        project = reply.get("project")
        if isinstance(project, str):
            self._day_s[project] = (today(), float(reply.get("project_day_s") or 0))

    # -- realtime streams ------------------------------------------------------------------
    def open_stream(self, project: str, limits: dict[str, int]) -> None:
        limit = limits.get("realtime_streams") or 0
        n = self.streams.get(project, 0)
        if limit and n >= self._share(limit):
            raise self._refuse("realtime_streams", n, self._share(limit), project, 5)
        self.streams[project] = n + 1

    def close_stream(self, project: str) -> None:
        n = self.streams.get(project, 0) - 1
        if n > 0:
            self.streams[project] = n
        else:
            self.streams.pop(project, None)
