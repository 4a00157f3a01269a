"""The jobs_queued quota of a project on the enqueue path of invocations (host ops
`queue.enqueue`, `queue.enqueueFromQuery`; storage/quota.py).

Counting a project's queued jobs asks JetStream for per-subject counts of each of its
spaces (storage/enqueue.py `queued_jobs`), so the count is reused for `quota_refresh_s`
and the jobs this process enqueued since are added to it: an enqueue costs a dict
lookup, and a project is refused within one refresh of reaching its limit (other
processes' enqueues of that moment are seen at the next refresh). The project's limits
and spaces come from storage (`quota.get`), reused for the same time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from storage import quota
from storage.errors import QuotaExceeded


class JobQuota:
    def __init__(self, storage: Any, count: Callable[[list[str]], int], refresh_s: float
                 ) -> None:
        self.storage = storage  # a blocking StorageClient
        self.count = count  # spaces -> queued jobs (JetStream, through the publisher)
        self.refresh_s = refresh_s
        self._lock = threading.Lock()
        self._status: dict[str, tuple[float, dict[str, Any]]] = {}  # sid -> (at, quota.get)
        self._queued: dict[str, tuple[float, int]] = {}  # project -> (at, jobs counted)

    def _project(self, sid: str) -> dict[str, Any]:
        got = self._status.get(sid)
        now = time.monotonic()
        if got is None or now - got[0] >= self.refresh_s:
            got = (now, self.storage.call(sid, "quota.get", {}))
            self._status[sid] = got
        return got[1]

    def room(self, sid: str) -> tuple[str, int, int] | None:
        """(project, jobs queued, limit) of the space's project, None when unlimited."""
        st = self._project(sid)
        project, limit = st.get("project"), (st.get("limits") or {}).get("jobs_queued", 0)
        if not project or not limit:
            return None
        now = time.monotonic()
        got = self._queued.get(project)
        if got is None or now - got[0] >= self.refresh_s:
            got = (now, int(self.count(list(st.get("spaces") or [sid]))))
            with self._lock:
                self._queued[project] = got
        return project, got[1], int(limit)

    def take(self, sid: str, n: int = 1) -> None:
        """Count `n` jobs about to be enqueued; QuotaExceeded when there is no room."""
        r = self.room(sid)
        if r is None:
            return
        project, used, limit = r
        if used + n > limit:
            raise quota.exceeded("jobs_queued", used, limit, project)
        self.added(project, n)

    def added(self, project: str, n: int) -> None:
        with self._lock:
            at, used = self._queued.get(project, (time.monotonic(), 0))
            self._queued[project] = (at, used + n)

    def stopped(self, sid: str, queued: int, used: int, limit: int, project: str
                ) -> QuotaExceeded:
        """enqueueFromQuery ran out of room after `queued` jobs."""
        self.added(project, queued)
        return quota.exceeded("jobs_queued", used + queued, limit, project,
                              f"; {queued} jobs were queued before the quota was reached")
