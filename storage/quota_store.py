"""The storage engine's side of project quotas (storage/quota.py): which project a space
belongs to, the project's limits, and the bytes its spaces hold, checked on the write
path before a write batch that grows a space is written.

Everything it needs is already a system record the catalog writes through this engine:
`space-id/<sid>` names a space's project, `space/<project>/<name>` lists the project's
spaces and `project/<name>` carries `plan` and `quota` overrides. It reads them once and
keeps them in memory; the engine drops that cache whenever `sys.put`/`sys.delete` touches
one of those prefixes (this process is the only writer, so it sees every change: a
`brygge quota set` or a new space applies to the next write). The usage figures are the
counters the datastore, the key-value store and the files keep in memory anyway, so the
check on a write is a few dict reads and a sum over the project's spaces.

Spaces of one project written at the same moment hold different locks, so two writes may
both pass a check the second would fail alone: the overshoot is bounded by the writes in
flight at that moment (one document or file piece each).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from rocksdict import Rdict

from storage import keys, quota

_WATCHED = ("project/", "space/", "space-id/")


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


class QuotaStore:
    def __init__(self, db: Rdict, plans: dict[str, dict[str, int]], default_plan: str, *,
                 data_bytes: Callable[[str], int], file_bytes: Callable[[str], int],
                 day_ms: Callable[[str], float]) -> None:
        self.db = db
        self.plans = plans
        self.default_plan = default_plan
        self._data_bytes = data_bytes
        self._file_bytes = file_bytes
        self._day_ms = day_ms
        self._lock = threading.Lock()
        self._project_of: dict[str, str | None] = {}
        self._spaces: dict[str, list[str]] = {}
        self._limits: dict[str, tuple[str, dict[str, int]]] = {}

    # -- cache of catalog records ---------------------------------------------------------
    def touched(self, key: str) -> None:
        """A system record was written: forget what it may have changed."""
        if key.startswith(_WATCHED):
            with self._lock:
                self._project_of.clear()
                self._spaces.clear()
                self._limits.clear()

    def _sys(self, key: str) -> Any:
        raw = self.db.get(keys.system_key(key))
        return None if raw is None else json.loads(raw)

    def project_of(self, sid: str) -> str | None:
        if sid in self._project_of:
            return self._project_of[sid]
        ref = self._sys(f"space-id/{sid}") if sid else None
        p = ref.get("project") if isinstance(ref, dict) else None
        with self._lock:
            self._project_of[sid] = p
        return p

    def spaces_of(self, project: str) -> list[str]:
        got = self._spaces.get(project)
        if got is None:
            prefix = keys.system_key(f"space/{project}/")
            got = []
            it = self.db.iter()
            it.seek(prefix)
            while it.valid() and it.key().startswith(prefix):
                sid = json.loads(it.value()).get("id")
                if isinstance(sid, str):
                    got.append(sid)
                it.next()
            with self._lock:
                self._spaces[project] = got
        return got

    def limits(self, project: str) -> tuple[str, dict[str, int]]:
        got = self._limits.get(project)
        if got is None:
            got = quota.limits_of(self.plans, self.default_plan, self._sys(f"project/{project}"))
            with self._lock:
                self._limits[project] = got
        return got

    # -- the write path -------------------------------------------------------------------
    def check_bytes(self, sid: str, which: str, more: int) -> None:
        """Raise QuotaExceeded when `more` bytes written to space `sid` would take its
        project over its `which` ('data_bytes' | 'file_bytes') limit. Shrinking writes
        (more <= 0) always pass, so an over-quota project can always delete."""
        if more <= 0:
            return
        project = self.project_of(sid)
        if project is None:  # a space the catalog does not know (staging ids, tests)
            return
        limit = self.limits(project)[1][which]
        if not limit:
            return
        used = self.used(project, which)
        if used + more > limit:
            raise quota.exceeded(which, used, limit, project,
                                 f" (this write adds {more} bytes)")

    def used(self, project: str, which: str) -> int:
        count = self._data_bytes if which == "data_bytes" else self._file_bytes
        return sum(count(sid) for sid in self.spaces_of(project))

    # -- quota.get ------------------------------------------------------------------------
    def status(self, project: str, deployments: bool = False) -> dict[str, Any]:
        """{project, plan, limits, usage, spaces}: usage of the quotas storage can see
        (bytes, today's invocation seconds, and with `deployments` the deployment
        records: a scan). Rates, streams and queued jobs are counted where they happen."""
        plan, limits = self.limits(project)
        sids = self.spaces_of(project)
        usage: dict[str, Any] = {
            "data_bytes": self.used(project, "data_bytes"),
            "file_bytes": self.used(project, "file_bytes"),
            "cpu_seconds_per_day": round(sum(self._day_ms(s) for s in sids) / 1000, 3),
            "day": today()}
        if deployments:
            usage["deployments_kept"] = sum(self._count(keys.system_key(f"deploy/{s}/"))
                                            for s in sids)
        return {"project": project, "plan": plan, "limits": limits, "usage": usage,
                "spaces": sids}

    def _count(self, prefix: bytes) -> int:
        n = 0
        it = self.db.iter()
        it.seek(prefix)
        while it.valid() and it.key().startswith(prefix):
            n += 1
            it.next()
        return n
